"""A :class:`~sjia_explore.app.state.ViewState` as a page address, and as Python for JupyterLab.

Nothing from an address is ever evaluated: every value is compared with a list
of allowed values, or parsed as a number and range-checked; what is not
understood is left out and listed in plain words.

Examples
--------
>>> from sjia_explore.app.state import ViewState
>>> to_query(ViewState(sex="M", prior_mas=True))
'prior_mas=yes&sex=M'
>>> from_query("cutoff=abc", studies=[], drugs=[])[1]
['cut-off “abc” (expected whole months between 1 and 240)']
>>> from_query("sex=F&sex=M&colour=red&token=x", studies=[], drugs=[])[1]
['“sex” given 2 times (the first value understood is used)', 'setting “colour” (not one this page knows)']

A view made on an uploaded file names the file and its fingerprint, never its data:

>>> to_query(ViewState(open_panel="statistics", data_name="mycohort.csv", data_sha="1a2b3c4d5e6f"))
'open=statistics&data=mycohort.csv&sha=1a2b3c4d5e6f'
>>> from_query("data=../secret.csv&sha=xyz", studies=[], drugs=[])[1][0]
'file name “../secret.csv” (a file’s own name only: no folders, and only letters, digits, spaces and . , ( ) + - _)'
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import unicodedata
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from sjia_explore.app.state import DETAIL_PANELS, FINGERPRINT, MAX_WINDOW_WEEK, ViewState
from sjia_explore.app.vocabulary import (
    ACTIVITY_SCORES,
    DEFAULT_PANELS,
    MAX_PANELS,
    OUTCOME_COLUMNS,
    PANEL_COLUMNS,
    SECTIONS,
    TEST_METHODS,
)
from sjia_explore.cohort import DEFAULT_EARLY_CUTOFF_MONTHS
from sjia_explore.plots import DEFAULT_WEEKS

log = logging.getLogger(__name__)

#: Longest value accepted from the page address, in characters.
MAX_QUERY_VALUE_CHARS = 100
#: Most key=value pairs read from one address.
MAX_QUERY_FIELDS = 200
#: Longest file name an address carries, in characters.
MAX_ADDRESS_FILE_NAME_CHARS = 80
#: How many hexadecimal digits of a file's SHA-256 an address carries (its fingerprint).
FINGERPRINT_DIGITS = 12

_YES_NO = {"yes": True, "no": False}
#: Keys this page reads from its address.
KNOWN_KEYS = frozenset({"study", "had_any", "had_none", "cutoff", "prior_mas", "sex", "steroid_week0", "each_patient",
                        "test_outcome", "test_method", "section", "window_outcome", "window_week", "theme",
                        "activity_score", "open", "data", "sha", "outcomes"})
#: Keys Voila and Jupyter read themselves (``?token=``, ``?template=``, ``?voila-…``): passed over silently.
SERVER_KEYS = frozenset({"token", "template", "_xsrf"})
#: Keys that may be given more than once (one value each).
_REPEATABLE = frozenset({"had_any", "had_none"})
#: Address keys whose value is a plain choice, and the ViewState field defaults they are compared with.
_CHOICES = (("test_outcome", "active_joints"), ("test_method", "paper"), ("section", "trajectories"),
            ("window_outcome", "sjadas27"), ("theme", "auto"))
#: A file name an address may carry: a file's own name, in letters, digits, spaces and a few marks.
_FILE_NAME = re.compile(r"\w[\w .,()+\-]*")
_NOT_IN_FILE_NAME = re.compile(r"[^\w .,()+\-]")


def is_file_name(text: str) -> bool:
    """Whether ``text`` is a file name an address may carry (no folders, no markup, not too long).

    Examples
    --------
    >>> is_file_name("mycohort (2024).csv"), is_file_name("../mycohort.csv"), is_file_name("<b>.csv")
    (True, False, False)
    """
    return (isinstance(text, str) and len(text) <= MAX_ADDRESS_FILE_NAME_CHARS and text == text.strip()
            and _FILE_NAME.fullmatch(text) is not None)


def address_file_name(name: str) -> str:
    """An uploaded file's name as an address carries it: folders dropped, odd characters made ``_``,
    at most :data:`MAX_ADDRESS_FILE_NAME_CHARS` characters (the extension kept); ``"upload"`` if nothing is left.

    Examples
    --------
    >>> address_file_name("/home/me/my cohort <2024>.csv")
    'my cohort _2024_.csv'
    >>> len(address_file_name("x" * 300 + ".csv")), address_file_name("../")
    (80, 'upload')
    """
    text = unicodedata.normalize("NFC", str(name))
    text = re.split(r"[/\\]", text)[-1]
    text = _NOT_IN_FILE_NAME.sub("_", text).strip().lstrip(" .,()+-")
    if len(text) > MAX_ADDRESS_FILE_NAME_CHARS:
        stem, dot, ext = text.rpartition(".")
        keep = MAX_ADDRESS_FILE_NAME_CHARS - len(ext) - 1
        text = (stem[:keep].rstrip() + "." + ext) if dot and 0 < len(ext) <= 10 and stem[:keep].strip() \
            else text[:MAX_ADDRESS_FILE_NAME_CHARS].rstrip()
    return text if is_file_name(text) else "upload"


def fingerprint(content) -> str:
    """A file's fingerprint as an address carries it: the first :data:`FINGERPRINT_DIGITS` hexadecimal
    digits of the SHA-256 of its bytes.

    Examples
    --------
    >>> fingerprint(b"abc")
    'ba7816bf8f01'
    """
    return hashlib.sha256(content).hexdigest()[:FINGERPRINT_DIGITS]


def yes_no(value: bool | None) -> str:
    """``True``/``False``/``None`` as the address (and the toggles) write them: ``yes``/``no``/``any``."""
    return "any" if value is None else ("yes" if value else "no")


def from_yes_no(value: str) -> bool | None:
    """Inverse of :func:`yes_no` (anything else: ``None``)."""
    return _YES_NO.get(value)


def to_query(state: ViewState) -> str:
    """The view as a URL query string (only what differs from the defaults)."""
    pairs: list[tuple[str, str]] = []
    if state.study is not None:
        pairs.append(("study", state.study))
    pairs += [("had_any", d) for d in state.prior_biologic_any]
    pairs += [("had_none", d) for d in state.prior_biologic_none]
    if state.early_cutoff_months != DEFAULT_EARLY_CUTOFF_MONTHS:
        pairs.append(("cutoff", f"{state.early_cutoff_months:g}"))
    if state.prior_mas is not None:
        pairs.append(("prior_mas", yes_no(state.prior_mas)))
    if state.sex is not None:
        pairs.append(("sex", state.sex))
    if state.baseline_steroid is not None:
        pairs.append(("steroid_week0", yes_no(state.baseline_steroid)))
    if state.each_patient:
        pairs.append(("each_patient", "yes"))
    for key, default in _CHOICES[:4]:
        if getattr(state, key) != default:
            pairs.append((key, getattr(state, key)))
    if state.window_week != 24:
        pairs.append(("window_week", str(state.window_week)))
    if state.theme != "auto":
        pairs.append(("theme", state.theme))
    if state.activity_score != "sjadas10":
        pairs.append(("activity_score", state.activity_score))
    if state.open_panel is not None:
        pairs.append(("open", state.open_panel))
    if state.data_name is not None:  # the file's name and fingerprint; never its data
        pairs += [("data", state.data_name), ("sha", state.data_sha)]
    if state.trajectory_outcomes != DEFAULT_PANELS:
        pairs.append(("outcomes", ",".join(state.trajectory_outcomes)))
    # state.highlight (the patient picked) is never written: a patient id is data, not a setting
    return urlencode(pairs, quote_via=quote)


def trajectory_outcomes(given: str, ignored: list[str]) -> tuple[str, ...]:
    """The trajectory panels of an ``outcomes=`` value (columns separated by commas): the known ones, in order,
    at most :data:`~sjia_explore.app.vocabulary.MAX_PANELS`; what is left out is added to ``ignored``.

    Examples
    --------
    >>> said = []
    >>> trajectory_outcomes("ferritin_ng_ml,crp_mg_l,x,crp_mg_l", said)
    ('ferritin_ng_ml', 'crp_mg_l')
    >>> said
    ['trajectory outcome “x” (not one this page draws)', 'trajectory outcome “crp_mg_l” given twice']
    """
    chosen: list[str] = []
    for name in given.split(","):
        name = name.strip()
        if not name:
            continue
        if name not in PANEL_COLUMNS:
            shown = name if len(name) <= 40 else name[:40] + "…"
            ignored.append(f"trajectory outcome “{shown}” (not one this page draws)")
        elif name in chosen:
            ignored.append(f"trajectory outcome “{name}” given twice")
        elif len(chosen) == MAX_PANELS:
            ignored.append(f"trajectory outcome “{name}” (at most {MAX_PANELS} panels are shown)")
        else:
            chosen.append(name)
    return tuple(chosen)


def from_query(query: str, *, studies, drugs, cutoff_range: tuple[float, float] = (1, 240),
               weeks=None) -> tuple[ViewState, list[str]]:
    """Read a view from a URL query string, accepting only known keys and values.

    Parameters
    ----------
    query
        The raw query string (``QUERY_STRING``), e.g. ``"cutoff=6&sex=F"``.
    studies, drugs
        Allowed study labels and prior-biologic names (``None``: any value, for an address
        made on a file not loaded yet; check it again against that file's cohort).
    cutoff_range
        Smallest and largest accepted cut-off, in months.
    weeks
        Allowed follow-up weeks for ``window_week`` (default: any whole week from 1 to 520).

    Returns
    -------
    state, ignored
        The view, and one plain sentence per part that was not understood
        and was left out: values out of range, keys this page does not know,
        keys given more than once. The server's own keys (:data:`SERVER_KEYS`,
        ``voila…``) are passed over silently.
    """
    parsed = parse_qs(query or "", keep_blank_values=False, max_num_fields=MAX_QUERY_FIELDS)
    studies = None if studies is None else {str(s) for s in studies}
    drugs = None if drugs is None else {str(d) for d in drugs}
    values: dict[str, Any] = {}
    ignored: list[str] = []
    for key, given in parsed.items():
        if key in KNOWN_KEYS:
            if key not in _REPEATABLE and len(given) > 1:
                ignored.append(f"“{key}” given {len(given)} times (the first value understood is used)")
            elif key in _REPEATABLE and len(set(given)) < len(given):
                ignored.append(f"“{key}” given the same value more than once")
        elif key not in SERVER_KEYS and not key.lower().startswith("voila"):
            shown = key if len(key) <= 40 else key[:40] + "…"
            ignored.append(f"setting “{shown}” (not one this page knows)")

    def values_of(key: str) -> list[str]:
        out = []
        for v in parsed.get(key, []):
            if len(v) > MAX_QUERY_VALUE_CHARS:
                ignored.append(f"a value of “{key}” longer than {MAX_QUERY_VALUE_CHARS} characters")
            else:
                out.append(v)
        return out

    def one(key: str, allowed: dict[str, Any] | set[str] | tuple | None, what: str):
        for v in values_of(key):
            if allowed is None:
                return v
            if v in allowed:
                return allowed[v] if isinstance(allowed, dict) else v
            ignored.append(f"{what} “{v}” (not one of {', '.join(sorted(map(str, allowed)))})")
        return None

    study = one("study", studies, "study")
    if study is not None:
        values["study"] = study
    for key, name in (("had_any", "prior_biologic_any"), ("had_none", "prior_biologic_none")):
        ok = []
        for v in values_of(key):
            if drugs is None or v in drugs:
                ok.append(v)
            else:
                ignored.append(f"prior biologic “{v}” (not in this cohort)")
        if ok:
            values[name] = tuple(ok)
    for v in values_of("cutoff"):
        try:
            months = float(v)
        except ValueError:
            months = math.nan
        if math.isfinite(months) and months == int(months) and cutoff_range[0] <= months <= cutoff_range[1]:
            values["early_cutoff_months"] = months
            break
        ignored.append(f"cut-off “{v}” (expected whole months between {cutoff_range[0]:g} and {cutoff_range[1]:g})")
    for key, name in (("prior_mas", "prior_mas"), ("steroid_week0", "baseline_steroid")):
        got = one(key, _YES_NO, key.replace("_", " "))
        if got is not None:
            values[name] = got
    sex = one("sex", {"F": "F", "M": "M"}, "sex")
    if sex is not None:
        values["sex"] = sex
    if one("each_patient", _YES_NO, "each patient") is True:
        values["each_patient"] = True
    for key, allowed in (("test_outcome", OUTCOME_COLUMNS), ("test_method", TEST_METHODS),
                         ("section", SECTIONS), ("window_outcome", OUTCOME_COLUMNS),
                         ("theme", ("light", "dark")), ("activity_score", tuple(ACTIVITY_SCORES))):
        got = one(key, set(allowed), key.replace("_", " "))
        if got is not None:
            values[key] = got
    for v in values_of("outcomes")[:1]:
        chosen = trajectory_outcomes(v, ignored)
        if chosen:
            values["trajectory_outcomes"] = chosen
    allowed_weeks = {int(w) for w in weeks if int(w) > 0} if weeks is not None else None
    for v in values_of("window_week"):
        ok = re.fullmatch(r"\d{1,3}", v) is not None and 0 < int(v) <= MAX_WINDOW_WEEK \
            and (allowed_weeks is None or int(v) in allowed_weeks)
        if ok:
            values["window_week"] = int(v)
            break
        expected = (", ".join(str(w) for w in sorted(allowed_weeks)) if allowed_weeks
                    else "a whole number of weeks")
        ignored.append(f"window week “{v}” (expected {expected})")
    panel = one("open", set(DETAIL_PANELS), "open panel")
    if panel is not None:
        values["open_panel"] = panel
    name = sha = None
    for v in values_of("data"):
        if is_file_name(v):
            name = v
            break
        ignored.append(f"file name “{v}” (a file’s own name only: no folders, and only letters, digits, spaces "
                       "and . , ( ) + - _)")
    for v in values_of("sha"):
        if FINGERPRINT.fullmatch(v.lower()):
            sha = v.lower()
            break
        ignored.append(f"fingerprint “{v}” (expected 12 to 64 hexadecimal digits, 0–9 and a–f)")
    if name is not None and sha is not None:
        values["data_name"], values["data_sha"] = name, sha
    elif name is not None:
        ignored.append(f"file name “{name}” given without its fingerprint (“sha”), so no file is asked for")
    elif sha is not None:
        ignored.append(f"fingerprint “{sha}” given without its file name (“data”), so no file is asked for")
    return ViewState(**values), ignored


def to_python(state: ViewState, cohort_expr: str = "load_cohort()", weeks: tuple[int, ...] | None = None) -> str:
    """Python that recreates this view, and the numbers behind it, in JupyterLab.

    A view made on an uploaded file loads that file by its name (``cohort_expr`` is then not used),
    after checking that the file has the view's fingerprint.

    Examples
    --------
    >>> code = to_python(ViewState(sex="F", data_name="mycohort.csv", data_sha="1a2b3c4d5e6f"))
    >>> print(code.split("from sjia_explore.app import ViewState")[1].split("CohortExplorer")[0].strip())
    state = ViewState(sex='F')
    # This view was made on the file "mycohort.csv" (fingerprint 1a2b3c4d5e6f: the start of its SHA-256).
    # Put that file next to this notebook; the next line checks that it is the same file.
    assert hashlib.sha256(Path("mycohort.csv").read_bytes()).hexdigest().startswith("1a2b3c4d5e6f"), \\
        "not the file this view was made on: its fingerprint differs"
    cohort = load_cohort("mycohort.csv")
    """
    args = ", ".join(f"{k}={v!r}" for k, v in state.changed().items() if k not in ("data_name", "data_sha"))
    imports = file_lines = ""
    if state.data_name is not None:
        name = json.dumps(state.data_name, ensure_ascii=False)  # also a Python string literal
        sha = json.dumps(state.data_sha)
        cohort_expr = f"load_cohort({name})"
        imports = "import hashlib\nfrom pathlib import Path\n\n"
        file_lines = (
            f"# This view was made on the file {name} (fingerprint {state.data_sha}: the start of its SHA-256).\n"
            "# Put that file next to this notebook; the next line checks that it is the same file.\n"
            f"assert hashlib.sha256(Path({name}).read_bytes()).hexdigest().startswith({sha}), \\\n"
            '    "not the file this view was made on: its fingerprint differs"\n')
    weeks_list = ", ".join(str(int(w)) for w in (DEFAULT_WEEKS if weeks is None else weeks))
    return (
        f"{imports}"
        "from sjia_explore import CohortExplorer, load_cohort\n"
        "from sjia_explore.trajectories import summarise\n"
        "from sjia_explore.app import ViewState\n"
        "\n"
        f"state = ViewState({args})\n"
        f"{file_lines}"
        f"cohort = {cohort_expr}\n"
        "CohortExplorer(cohort, state=state).view  # the dashboard, as shown\n"
        "\n"
        "# the numbers behind the active-joints chart\n"
        "selected = cohort.filter(state.subgroup())\n"
        'summarise(selected.visits, "active_joints", by="duration_group",\n'
        "          patients=selected.patient_features(state.early_cutoff_months),\n"
        f"          weeks=[{weeks_list}])\n"
    )


def page_query() -> str | None:
    """The query string of the page this kernel serves under Voila, or None outside Voila.

    In a kernel that Voila started before any viewer arrived (``--preheat_kernel``),
    the notebook runs with no request: this waits for the viewer's request
    (:func:`wait_for_voila_request`). Call it after the view is built and
    displayed, in a cell of its own, so that the first chart is ready when the
    viewer arrives. Outside Voila (JupyterLab, nbmake) it returns None at once.
    """
    if os.environ.get("VOILA_PREHEAT") == "True" and os.environ.get("VOILA_KERNEL_ID"):
        wait_for_voila_request()
        return os.environ.get("QUERY_STRING") or ""
    return served_query()


def voila_request_url(environ: dict[str, str] | None = None) -> str:
    """Where a preheated kernel hears of its viewer's request: Voila's ``voila/query/<kernel id>`` WebSocket.

    Built from the variables Voila gives the kernel, as :func:`voila.utils.wait_for_request` builds it.

    Examples
    --------
    >>> voila_request_url({"VOILA_KERNEL_ID": "k1", "VOILA_APP_PORT": "8866", "VOILA_SERVER_URL": "/app/"})
    'ws://127.0.0.1:8866/app/voila/query/k1'
    """
    env = os.environ if environ is None else environ
    base = env.get("VOILA_WS_BASE_URL", env.get("VOILA_SERVER_URL", "/"))
    return (f"{env.get('VOILA_WS_PROTOCOL', 'ws')}://{env.get('VOILA_APP_IP', '127.0.0.1')}:"
            f"{env.get('VOILA_APP_PORT', '8866')}{base}voila/query/{env.get('VOILA_KERNEL_ID', '')}")


def wait_for_voila_request(url: str | None = None, open_timeout_s: float = 5.0) -> bool:
    """Wait for the viewer's request, then put its details (``QUERY_STRING``, …) into ``os.environ``.

    What :func:`voila.utils.wait_for_request` does, with the ``websockets`` client alone: importing
    ``voila.utils`` brings Voila's whole server (jupyter_server, nbconvert, …) into the kernel, about
    40 MB and a second of CPU in every kernel kept ready. Returns False (and the environment is left as
    it is) when Voila cannot be reached.
    """
    import asyncio
    import threading

    from websockets.asyncio.client import connect

    url = voila_request_url() if url is None else url
    received: list[str] = []

    async def receive() -> None:
        async with connect(url, open_timeout=open_timeout_s) as socket:
            received.append(await socket.recv())

    def run() -> None:  # its own loop, in its own thread: the kernel's loop is running this cell
        try:
            asyncio.run(receive())
        except Exception as err:  # refused, timed out or closed: the page opens on the default view
            log.warning("the page's address could not be read from Voila at %s (%s)", url, err)

    thread = threading.Thread(target=run, name="voila-request", daemon=True)
    thread.start()
    thread.join()
    if not received:
        return False
    for key, value in json.loads(received[0]).items():
        os.environ[key] = str(value)
    return True


def served_by_voila() -> bool:
    """Whether this kernel serves a Voila page (the app), rather than a notebook in JupyterLab."""
    return os.environ.get("SERVER_SOFTWARE", "").startswith("voila") or bool(os.environ.get("VOILA_KERNEL_ID"))


def share_words(in_voila: bool) -> str:
    """What the Share panel says of the address it shows: the page's own address in the app; in JupyterLab,
    only the part to add to the app's address.

    Examples
    --------
    >>> "address bar" in share_words(True), "address bar" in share_words(False)
    (True, False)
    """
    if in_voila:
        return ("<p>This address opens this exact view: the same patients, section and settings, with Table 1 "
                "or the statistics open if you had one of them open before this panel (it is also the one in "
                "your browser's address bar): copy it to share or bookmark the view.</p>")
    return ("<p>Added to the app's address (as <code>sjia-explore app</code> serves it), this opens this exact "
            "view in the app: the same patients, section and settings, with Table 1 or the statistics open if "
            "you had one of them open before this panel. Copy it to share the view.</p>")


def served_query() -> str | None:
    """The query string Voila gave this kernel when it started (not preheated), or None outside Voila."""
    if os.environ.get("SERVER_SOFTWARE", "").startswith("voila"):
        return os.environ.get("QUERY_STRING", "")
    return None
