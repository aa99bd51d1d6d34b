"""A cohort file uploaded in the app: its size checked, then read by :func:`sjia_explore.load_cohort_from_bytes`.

Examples
--------
>>> result = read_upload(b"", "cohort.csv")
>>> result.cohort is None, result.problems[0]
(True, 'cohort.csv: the file is empty (0 bytes); choose it again, or check that it was saved')
"""

from __future__ import annotations

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


def read_upload(content: bytes, name: str) -> UploadResult:
    """Read an uploaded file's bytes as a cohort, or say why it cannot be one."""
    from sjia_explore.data import CohortValidationError, load_cohort_from_bytes

    size = memoryview(content).nbytes  # what arrived, not what the browser said
    if size == 0:
        return UploadResult(name, None, (f"{name}: the file is empty (0 bytes); choose it again, or check that it "
                                         "was saved",))
    if size > UPLOAD_MAX_BYTES:
        return too_large(name, size)
    try:
        return UploadResult(name, load_cohort_from_bytes(content, name))
    except CohortValidationError as err:
        return UploadResult(name, None, tuple(str(p) for p in err.problems) or (f"{name}: the file could not be read",),
                            tuple(err.warnings))
