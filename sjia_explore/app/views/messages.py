"""What stands above the app: the reconstructed-data banner and its explanation, the file a shared address asks
for, notices, errors, upload results."""

from __future__ import annotations

import ipywidgets as widgets

from sjia_explore import format as fmt
from sjia_explore import published
from sjia_explore.app.browser import UploadButton
from sjia_explore.app.model import AboutModel
from sjia_explore.app.upload import MAX_PROBLEMS_SHOWN, UPLOAD_ACCEPT, UPLOAD_MAX_BYTES, UploadResult
from sjia_explore.app.views.html import esc, problem_lines, text

W = widgets
EXPLAIN = "What was reconstructed, and from what?"


def explanation_html(about: AboutModel) -> str:
    """Why values are reconstructed, and which columns are, study by study."""
    parts = ["<p><b>Why “reconstructed”?</b> The publications behind the bundled data report the course of "
             "the disease after the start of the IL-1 blocker only as group averages and counts, not "
             "patient by patient. To let you explore subgroups, a seeded program (in the project's "
             "<code>scripts/</code> folder) generated one plausible course per patient that reproduces every "
             "published number, for example a mean of "
             f"{published.JOINTS_MEAN_WEEK_0.value:g} active joints at week 0 and "
             f"{published.JOINTS_MEAN_WEEK_24.value:g} at week 24, a mean sJADAS27 of "
             f"{published.SJADAS_MEAN_WEEK_0.value:g} at week 0 and {published.SJADAS_MEAN_WEEK_4.value:g} "
             "at week 4, and the published steroid tapering.</p>"]
    for study in about.studies:
        items = []
        for words, by_table in study.columns:
            said = "; ".join(f"{esc(t.replace('_', ' '))}: {esc(c)}" for t, c in by_table)
            items.append(f"<li>{words}: {said}</li>")
        parts.append(f"<p><b>{esc(study.label)}</b>: {esc(study.citation) if study.citation else 'your own data'}</p>"
                     + (f"<ul>{''.join(items)}</ul>" if items else ""))
    if about.visit_rows:
        said = ", ".join(f"{n} {esc(k)}" for k, n in about.visit_rows)
        parts.append(f"<p>Visit rows behind the charts of this selection: {said}. "
                     "(Columns as listed in <code>data/datapackage.json</code>.)</p>")
    parts.append("<p><b>What this means:</b> averages at the published visits match the papers. The spread "
                 "between patients, individual courses and differences between subgroups come partly from the "
                 "reconstruction. Use them to explore and to teach, not to make decisions about a patient.</p>")
    return "".join(parts)


class Messages:
    """The banner (reconstructed or simulated data), a notice about the address, errors and upload results."""

    def __init__(self):
        self.reconstructed_label = text()
        self.reconstructed_label.add_class("sjia-reconstructed-label")
        self.explain_button = W.Button(description=EXPLAIN,
                                       layout=W.Layout(width="auto", align_self="flex-start", margin="4px 0"),
                                       tooltip="Show or hide the explanation")
        self.explain_button.add_class("sjia-explain-button")
        self.explanation = text(layout=W.Layout(display="none"))  # written when it is first opened
        self._about: AboutModel | None = None
        self.explanation.add_class("sjia-explanation")
        self.explain_button.on_click(lambda _b: self.toggle_explanation())
        self.banner = W.VBox([self.reconstructed_label, self.explain_button, self.explanation])
        self.banner.add_class("sjia-banner")
        self.shared_text = text()
        self.shared_text.add_class("sjia-shared-file-text")
        self.shared_upload = UploadButton(accept=UPLOAD_ACCEPT, label="Upload the file", max_bytes=UPLOAD_MAX_BYTES,
                                          css="sjia-shared-upload", layout=W.Layout(width="auto"))
        self.shared_file = W.VBox([self.shared_text, self.shared_upload], layout=W.Layout(display="none"))
        self.shared_file.add_class("sjia-shared-file")
        self.notice = self._box("sjia-notice")
        self.error = self._box("sjia-error")
        self.upload_problems = self._box("sjia-upload-problems")
        self.upload_warnings = self._box("sjia-upload-warnings")
        self.widgets = [self.banner, self.shared_file, self.notice, self.error, self.upload_problems,
                        self.upload_warnings]

    @staticmethod
    def _box(css: str) -> W.HTML:
        box = text(layout=W.Layout(display="none"))
        box.add_class(css)
        return box

    @staticmethod
    def _show(box: W.HTML, html: str | None) -> None:
        if html is not None:
            box.value = html
        box.layout.display = "" if html else "none"

    def toggle_explanation(self) -> None:
        hidden = self.explanation.layout.display == "none"
        if hidden and self._about is not None:  # written when opened: a new page is not sent it
            self.explanation.value = explanation_html(self._about)
        self.explanation.layout.display = "" if hidden else "none"
        self.explain_button.description = "Hide the explanation" if hidden else EXPLAIN

    def render(self, about: AboutModel) -> None:
        """The banner stands above everything whenever any value drawn is reconstructed (or simulated)."""
        if about.reconstructed:
            self.reconstructed_label.value = (
                "<b>⚠ Reconstructed data.</b> The follow-up values shown were generated to match the published "
                "averages; they are not measurements of real patients.")
        elif about.simulated:
            self.reconstructed_label.value = (
                "<b>⚠ Simulated data.</b> Every value shown was generated by a program; none describes a real "
                "child.")
        self.banner.layout.display = "" if (about.reconstructed or about.simulated) else "none"
        self.explain_button.layout.display = "" if about.reconstructed else "none"
        self._about = about
        if self.explanation.layout.display != "none":
            self.explanation.value = explanation_html(about)

    def show_shared_file(self, expected: tuple[str, str] | None, still_showing: str = "the bundled studies",
                         uploaded: tuple[str, str] | None = None) -> None:
        """The file a shared address was made on, ``(name, fingerprint)``, and the offer to upload it
        (None: hide). ``uploaded``: a file the viewer uploaded instead, whose fingerprint differs."""
        if expected is None:
            self.shared_file.layout.display = "none"
            return
        name, sha = (esc(v) for v in expected)
        if uploaded is None:
            html = (f"<b>This view was made on “{name}” (fingerprint {sha}).</b> Upload that file to see it; "
                    f"until then the app shows {esc(still_showing)}. "
                    "The address holds the view’s choices, never the data, so the file has to come from whoever "
                    "shared the address.")
        else:
            other, other_sha = (esc(v) for v in uploaded)
            html = (f"<b>“{other}” is not the file this view was made on:</b> its fingerprint, {other_sha}, "
                    f"differs from the address’s, {sha} (“{name}”). It is shown with every patient, without the "
                    f"address’s filters. Upload “{name}” to see the shared view.")
        self.shared_text.value = html
        self.shared_upload.label = f"Upload “{expected[0]}”"
        self.shared_file.layout.display = ""

    @property
    def shared_file_shown(self) -> bool:
        return self.shared_file.layout.display == ""

    def show_notice(self, lines: list[str]) -> None:
        self._show(self.notice, "<br>".join(esc(n) for n in lines))

    def hide_notice(self) -> None:
        self.notice.layout.display = "none"

    @property
    def notice_shown(self) -> bool:
        return self.notice.layout.display == ""

    def show_error(self, exc: BaseException | None) -> None:
        """A plain message for a failed update (None: hide it)."""
        if exc is None:
            self.error.layout.display = "none"
            self.error.value = ""
            return
        self._show(self.error,
                   "<b>Something went wrong while updating the view.</b> The filters, charts and counts below are "
                   "back to the last view that worked. Try another filter, or reload the page to start afresh. "
                   f"<br><small>Details for the maintainers: {esc(type(exc).__name__)}: {esc(exc)}</small>")

    def show_upload(self, result: UploadResult | None, still_showing: str = "") -> None:
        """What an upload gave: the problems that stopped it, or what was noted while reading it (None: hide both)."""
        if result is None:
            self._show(self.upload_problems, None)
            self._show(self.upload_warnings, None)
        elif result.cohort is None:
            shown = result.problems[:MAX_PROBLEMS_SHOWN]
            more = len(result.problems) - len(shown)
            self._show(self.upload_problems,
                       f"<b>“{esc(result.name)}” could not be used as a cohort</b>, so the app still shows "
                       f"{esc(still_showing)}. Fix what is listed below and upload it again "
                       "(each line: file:row:column: what is wrong).<br>" + problem_lines(shown)
                       + (f"<div>…and {more} more.</div>" if more else "")
                       + ("<br>Also noted:" + problem_lines(result.warnings) if result.warnings else ""))
        else:
            self._show(self.upload_problems, None)
            cohort = result.cohort
            html = (f"<b>Now showing your file “{esc(result.name)}”: {esc(fmt.patients(cohort.n_patients))}.</b> "
                    "Every filter, chart and statistic uses it. “Back to the bundled cohort” (with the filters) "
                    "returns to the bundled studies.")
            if cohort.warnings:
                html += ("<br>While reading it, the app noted (columns that look like names, dates or record numbers "
                         "are dropped and never shown or downloaded):" + problem_lines(cohort.warnings))
            self._show(self.upload_warnings, html)
