"""The downloads of the outcome sections: disease activity, published figures, biomarkers, each patient."""

from __future__ import annotations

from typing import Callable

from sjia_explore.app.vocabulary import SECTION_TITLES

#: The ``provenance`` of every row of the published-figures file.
PUBLISHED_ROW = "published: as printed in the study named in this row; not reconstructed, not this cohort's data"


def literature_provenance(selected, base):
    """The stamp of the published-figures file: what its rows are, and which cohort they were shown beside.

    The rows are other studies' published figures, so the stamp names their file (with its SHA-256) as the
    data, says that the view's subgroup does not apply, and gives the cohort on screen, its SHA-256 and
    whether its values are reconstructed or observed, on a line of its own.

    Parameters
    ----------
    selected
        The patients of the view (a :class:`sjia_explore.Cohort`).
    base
        The view's own stamp (:func:`sjia_explore.app.downloads.provenance`).

    Returns
    -------
    sjia_explore.export.Provenance

    Examples
    --------
    >>> from sjia_explore import load_cohort
    >>> from sjia_explore.export import Provenance
    >>> cohort = load_cohort()
    >>> stamp = literature_provenance(cohort, Provenance.from_cohort(cohort, tables=("visits",)))
    >>> stamp.reconstructed, stamp.lines()[0].startswith("Data: published figures")
    (False, True)
    """
    import dataclasses
    import hashlib

    from sjia_explore import export
    from sjia_explore.literature import FILENAME, literature, literature_dir

    lit = literature()
    digest = hashlib.sha256((literature_dir() / FILENAME).read_bytes()).hexdigest()
    shown = ("reconstructed follow-up (not observations)" if base.reconstructed
             else "simulated (no real patient)" if base.simulated else "observed values")
    cohort_digest = f" (SHA-256 {base.sha256[:export.SHA256_PREFIX_CHARS]})" if base.sha256 else ""
    studies = "; ".join(dict.fromkeys(f"{r.study_id} = {r.study}" for r in lit.itertuples()))
    return dataclasses.replace(
        base, source=f"published figures of other studies, {FILENAME}", sha256=digest,
        subgroup="not applicable (published figures are not filtered by the view's selection)",
        reconstructed=False, simulated=False,
        notes=(f"Provenance of every row: {PUBLISHED_ROW} (column provenance); the study is in columns "
               "study_id, study and doi_or_url, the copy it was read in in read_at",
               f"Shown beside the cohort: {selected.source or 'unknown source'}{cohort_digest}, "
               f"{selected.n_patients} patients ({base.subgroup}): {shown}",
               f"Studies: {studies}"))


def _shown(model, name: str):
    shown = model.sections.get(name)
    if shown is None:
        raise ValueError(f"open the “{SECTION_TITLES[name]}” section first")
    return shown


def outcome_content(model, section: str, picture: Callable[[str], object]):
    """(tables behind it, chart or None, table, count columns) of an outcome section's download, or None when
    ``section`` is not one of them."""
    if section == "literature":
        from sjia_explore.literature import literature

        return (), None, literature().assign(provenance=PUBLISHED_ROW), ()
    if section == "windowpoints":
        shown = _shown(model, "window")
        if shown.points is None:
            raise ValueError(shown.message or "nothing is drawn in this section")
        return ("patients", "visits"), None, shown.points, ("n",)
    if section in ("activity", "biomarkers", "patients"):
        shown = _shown(model, section)
        if shown.spec is None:
            raise ValueError(shown.message or "nothing is drawn in this section")
        table = shown.table() if callable(shown.table) else shown.table
        counts = {"activity": ("n", "n_total", "n_missing", "n_inactive", "n_unknown"),
                  "biomarkers": ("n",), "patients": ()}[section]
        return ("patients", "visits"), lambda: picture(section).spec, table, counts
    return None
