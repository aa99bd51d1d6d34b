"""Entry points: read a path, a folder or one file's bytes, its format told by its content."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from sjia_explore.readers.archive import archive_kind, open_archive, read_member
from sjia_explore.readers.layout import assemble
from sjia_explore.readers.limits import Limits, too_large
from sjia_explore.readers.reading import Candidate, Reading, ReadOptions, Sheet, short
from sjia_explore.readers.sniff import FORMAT_WORDS, TEXT_SUFFIXES, WORKBOOK_SUFFIXES, detect_format, read_text
from sjia_explore.readers.workbook import read_workbook


# -- entry points ------------------------------------------------------------------------
def read_path(path: Path, limits: Limits | None = None, options: ReadOptions | None = None) -> Reading:
    """Read a folder, or one file (CSV, .xlsx or .zip), refusing files over the size limit unread.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "patients.csv").write_text("id,study,months_onset_to_treatment\\nP1,mine,3\\n")
    >>> _ = (folder / "visits.csv").write_text("id,week,joints\\nP1,0,2\\n")
    >>> r = read_path(folder)
    >>> r.layout, list(r.frames["visits"].columns)
    ('tables', ['patient_id', 'week', 'active_joints'])
    """
    limits = limits or Limits()
    path = Path(path)
    if path.is_dir():
        return read_folder(path, limits, options)
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        reading = Reading()
        reading.problem(path.name, None, None, too_large(size, limits.max_file_bytes))
        return reading
    with open(path, "rb") as fh:  # read-only: input files are never changed
        raw = fh.read(limits.max_file_bytes + 1)
    return read_bytes(raw, path.name, limits, options)


def read_folder(folder: Path, limits: Limits | None = None, options: ReadOptions | None = None) -> Reading:
    """Read a folder of CSV files named after the tables (or one long CSV)."""
    limits = limits or Limits()
    reading = Reading()
    files = sorted((p for p in folder.iterdir()
                    if p.suffix.lower() in TEXT_SUFFIXES and not p.name.startswith(".") and p.is_file()),
                   key=lambda p: p.name)
    if len(files) > limits.max_archive_entries:
        reading.problem(folder.name, None, None, f"the folder holds {len(files)} text files, over the limit of "
                        f"{limits.max_archive_entries}; keep only the cohort's tables")
        return reading
    read: dict[str, bytes] = {}

    def loader(p: Path) -> Callable[[Reading], Sheet | None]:
        def load(r: Reading) -> Sheet | None:
            size = p.stat().st_size
            if size > limits.max_file_bytes:
                r.problem(p.name, None, None, too_large(size, limits.max_file_bytes))
                return None
            with open(p, "rb") as fh:  # read-only: input files are never changed
                raw = fh.read(limits.max_file_bytes + 1)
            read[p.name] = raw
            return read_text(raw, p.name, p.stem, limits, r)
        return load

    candidates = [Candidate(p.stem, p.name, loader(p)) for p in files]
    assemble(candidates, reading, folder.name, "folder", options)
    digest = hashlib.sha256()
    for name in sorted(read):
        digest.update(name.encode())
        digest.update(read[name])
    reading.sha256 = digest.hexdigest()
    return reading


def read_bytes(content: bytes, filename: str, limits: Limits | None = None,
               options: ReadOptions | None = None) -> Reading:
    """Read one file's bytes (CSV, .xlsx workbook or .zip archive), its format sniffed from the content.

    Parameters
    ----------
    content
        The whole file (bytes or a memoryview). Its length is checked against
        ``limits.max_file_bytes`` before anything else, the content is not copied before.
    filename
        Its name, used in messages and checked against the content (a ``.xlsx`` that is
        really text is refused).
    """
    limits = limits or Limits()
    label = filename
    size = memoryview(content).nbytes
    if size > limits.max_file_bytes:  # checked before the content is copied or hashed
        reading = Reading()
        reading.problem(label, None, None, too_large(size, limits.max_file_bytes))
        return reading
    content = bytes(content)
    reading = Reading(sha256=hashlib.sha256(content).hexdigest())
    kind = detect_format(content)
    archive = None
    if kind == "zip":
        archive = open_archive(content, label, limits, reading)
        if archive is None:
            return reading
        kind = archive_kind(archive.namelist())
    suffix = PurePosixPath(filename).suffix.lower()
    claimed = "xlsx" if suffix in WORKBOOK_SUFFIXES else "zip" if suffix == ".zip" else \
        "text" if suffix in TEXT_SUFFIXES else None
    if kind == "empty":
        reading.problem(label, None, None, "the file is empty; it needs a header row and data rows")
        return reading
    if claimed is not None and claimed != kind:
        fix = {"text": "if it is CSV text, rename it to .csv",
               "xlsx": "if it is an Excel workbook, rename it to .xlsx",
               "zip": "if it is a zip archive of CSV files, rename it to .zip"}.get(kind, "save it as .xlsx or CSV")
        reading.problem(label, None, None, f"the name says {FORMAT_WORDS[claimed]} but the content is "
                        f"{FORMAT_WORDS[kind]}; {fix}")
        return reading
    if kind in ("ole", "ods", "office", "binary"):
        reading.problem(label, None, None, f"the file is {FORMAT_WORDS[kind]}; save it as .xlsx (without a "
                        "password) or as CSV UTF-8")
        return reading
    if kind == "text":
        stem = PurePosixPath(filename).stem

        def load(r: Reading) -> Sheet | None:
            return read_text(content, label, stem, limits, r)

        assemble([Candidate(stem, label, load)], reading, label, "file", options)
        return reading
    if kind == "xlsx":
        before = len(reading.problems)
        sheets = read_workbook(content, archive, label, limits, reading)
        if sheets is None:
            return reading
        if not sheets:
            if len(reading.problems) == before:
                reading.problem(label, None, None, "the workbook has no rows in any sheet")
            return reading
        candidates = [Candidate(s.name, s.label, (lambda r, s=s: s if s.header else _empty_sheet(s, r)))
                      for s in sheets]
        assemble(candidates, reading, label, "workbook", options)
        return reading
    # a zip archive of CSV files
    members = [i for i in archive.infolist() if not i.is_dir()
               and not i.filename.startswith("__MACOSX/")
               and not PurePosixPath(i.filename).name.startswith(".")]
    candidates = []
    for info in members:
        member = PurePosixPath(info.filename)
        if member.suffix.lower() not in TEXT_SUFFIXES:
            reading.warn(label, None, None,
                         f"{short(info.filename)} was ignored: only CSV files are read from an archive")
            continue
        member_label = f"{label}/{info.filename}"

        def load(r: Reading, info=info, member_label=member_label, stem=member.stem) -> Sheet | None:
            raw = read_member(archive, info, member_label, limits, r)
            return None if raw is None else read_text(raw, member_label, stem, limits, r)

        candidates.append(Candidate(member.stem, member_label, load))
    assemble(candidates, reading, label, "zip", options)
    return reading


def _empty_sheet(sheet: Sheet, reading: Reading) -> None:
    reading.problem(sheet.label, None, None, "the sheet is empty; it needs a header row and data rows")
    return None
