"""A cohort file uploaded in the app: its size checked, then read by :func:`sjia_explore.load_cohort_from_bytes`.

Examples
--------
>>> result = read_upload(b"", "cohort.csv")
>>> result.cohort is None, result.problems[0]
(True, 'cohort.csv: the file is empty (0 bytes); choose it again, or check that it was saved')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sjia_explore import format as fmt
from sjia_explore.cohort import Cohort

#: Largest file the upload control accepts, in bytes. It stays under the 10 MiB a Jupyter
#: websocket message may carry by default, so the limit holds wherever the app runs; the
#: kernel checks the size of what actually arrived, never the size the browser claims.
UPLOAD_MAX_BYTES = 8 * fmt.MIB
UPLOAD_ACCEPT = ".csv,.zip,.xlsx"
#: At most this many problems of an upload are listed (the rest are counted).
MAX_PROBLEMS_SHOWN = 40


@dataclass(frozen=True)
class UploadResult:
    """The cohort read from an upload, or the problems that stopped it (``file:row:column: message``)."""

    name: str
    cohort: Cohort | None
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def too_large(name: str, size: int) -> UploadResult:
    """The message for a file over :data:`UPLOAD_MAX_BYTES` (refused in the browser, or on arrival).

    Examples
    --------
    >>> too_large("big.csv", 42_000_000).problems[0].split(". ")[0]
    "big.csv: the file is 40.1 MiB, over this app's limit of 8 MiB"
    """
    return UploadResult(name, None, (f"{name}: the file is {fmt.size(size)}, over this app's limit of "
                                     f"{fmt.size(UPLOAD_MAX_BYTES)}. Remove unused columns or rows, or load it "
                                     "in JupyterLab with sjia_explore.load_cohort(path), which has no such "
                                     "limit",))


#: An event name as REDCap writes it (letters, digits, underscores), for the event-weeks option.
_EVENT = re.compile(r"[A-Za-z0-9_]{1,100}")


def read_options(visit_windows: str = "", event_weeks: str = "") -> tuple[dict, tuple[str, ...]]:
    """The reading options a viewer typed for dated and REDCap files, or what is wrong with them.

    ``visit_windows`` as on the command line (``"0=0-1, 4=1, 8=2"``: a half-width in weeks, or the
    earliest and latest week); ``event_weeks`` as ``"flare_arm_1=16, extra_arm_1=30"``. Only text is
    read here: nothing typed is ever taken as a file path.

    Examples
    --------
    >>> read_options("4=1, 24=20-28", "flare_arm_1=16")
    ({'visit_windows': {4: 1.0, 24: (20.0, 28.0)}, 'event_weeks': {'flare_arm_1': 16}}, ())
    >>> read_options("", "flare=soon")[1]
    ('REDCap events → weeks: “flare=soon” is not event=week (a whole number of weeks), e.g. flare_arm_1=16',)
    """
    from sjia_explore import readers

    options: dict = {}
    problems: list[str] = []
    if visit_windows.strip():
        try:
            windows = readers.parse_visit_windows(visit_windows)
            readers.visit_windows(windows)  # checked here, so that a mistake is said before the file is read
            options["visit_windows"] = windows
        except ValueError as err:
            problems.append(f"visit windows: {err}")
    weeks: dict[str, int] = {}
    for part in (p.strip() for p in event_weeks.split(",")):
        if not part:
            continue
        event, _, week = (x.strip() for x in part.partition("="))
        if not _EVENT.fullmatch(event) or not week.isdigit():
            problems.append(f"REDCap events → weeks: “{part}” is not event=week (a whole number of weeks), "
                            "e.g. flare_arm_1=16")
            continue
        weeks[event] = int(week)
    if weeks:
        options["event_weeks"] = weeks
    return options, tuple(problems)


def read_upload(content: bytes, name: str, visit_windows: str = "", event_weeks: str = "") -> UploadResult:
    """Read an uploaded file's bytes as a cohort, or say why it cannot be one.

    ``visit_windows`` and ``event_weeks`` are the reading options for dated and REDCap files, as typed
    (see :func:`read_options`).
    """
    from sjia_explore.data import CohortValidationError, load_cohort_from_bytes

    size = memoryview(content).nbytes  # what arrived, not what the browser said
    if size == 0:
        return UploadResult(name, None, (f"{name}: the file is empty (0 bytes); choose it again, or check that it "
                                         "was saved",))
    if size > UPLOAD_MAX_BYTES:
        return too_large(name, size)
    options, wrong = read_options(visit_windows, event_weeks)
    if wrong:
        return UploadResult(name, None, wrong)
    try:
        return UploadResult(name, load_cohort_from_bytes(content, name, **options))
    except CohortValidationError as err:
        return UploadResult(name, None, tuple(str(p) for p in err.problems) or (f"{name}: the file could not be read",),
                            tuple(err.warnings))
