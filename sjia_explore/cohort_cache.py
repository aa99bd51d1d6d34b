"""Validated cohorts kept on disk, so that a registry is read and checked once, not on every page.

Loading a large registry - reading every file, checking every row against
:mod:`sjia_explore.schema`, deriving the scores - takes seconds (about 9 s for
10,000 patients and 47,000 visits). Each Voila page runs the app in a kernel of
its own, so without a cache every page pays that again. :func:`sjia_explore.load_cohort`
keeps the cohort it built here and reads it back when the same bytes are loaded
again under the same code.

The key
-------
SHA-256 of the input's bytes (a file; for a folder, the name and bytes of each
file in it), the loading options (visit windows, REDCap event weeks, size
limits), :data:`FORMAT_VERSION`, the package's version and a fingerprint of the
code that reads and checks a cohort (the schema, the readers, the derivations,
the loader and the :class:`~sjia_explore.cohort.Cohort` class). A changed file,
option or schema gives another key: a cohort checked under an older schema is
never used.

The format
----------
One folder per cohort, in ``$XDG_CACHE_HOME/sjia-explore/cohorts`` (default
``~/.cache``; ``SJIA_COHORT_CACHE`` names another folder, or ``off``), a folder
only its owner can open: ``manifest.json`` (each table's
columns and their dtypes; the cohort's source, digest and warnings) and
``tables.npz``, NumPy arrays per column - numbers with a mask where some are
missing; text as its distinct values (fixed-width Unicode) and one code per
row - read with ``allow_pickle=False``: reading the cache runs no code stored
in it (Python object serialisation would). This needs nothing beyond NumPy and pandas (pyarrow, whose
Parquet files would do the same, is a 100 MB dependency for this one use).

A cache entry that cannot be read (cut short, edited, from a bug) is ignored
with a warning, removed and built again. Only cohorts that took at least
:data:`MIN_LOAD_S` to load are kept (small files load faster than the cache
would save), and at most :data:`MAX_ENTRIES` cohorts, the least recently used
removed first. The input files are only ever read.

Examples
--------
>>> key_of({"a": 1}) == key_of({"a": 1}) != key_of({"a": 2})
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import os
import shutil
import stat
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Version of the layout below; raise it when the layout changes.
FORMAT_VERSION = 1
#: Cohorts that loaded faster than this (seconds) are not kept.
MIN_LOAD_S = 1.0
#: Cohorts kept at most; the least recently used go first.
MAX_ENTRIES = 8
#: Modules whose code decides what a loaded cohort holds: any change to them gives new keys.
_CODE = ("schema.py", "data.py", "derive.py", "cohort.py", "conventions.py", "identifiers.py", "scores.py",
         "cohort_cache.py", "readers")
_MASKED = {"Float64": "float64", "Int64": "int64", "boolean": "bool"}
_fingerprint: dict[str, str] = {}


class CacheUnusable(Exception):
    """This cohort cannot be stored in the cache's format (a column of a type it does not keep)."""


def cache_root() -> Path | None:
    """``$XDG_CACHE_HOME/sjia-explore/cohorts`` (default ``~/.cache/sjia-explore/cohorts``).

    ``SJIA_COHORT_CACHE`` names another folder, or turns the cache off (``off``); ``None`` then.
    """
    chosen = os.environ.get("SJIA_COHORT_CACHE", "").strip()
    if chosen.lower() in ("off", "0", "no", "false"):
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sjia-explore" / "cohorts"


def code_fingerprint() -> str:
    """SHA-256 of the package's version and of the code that reads and checks cohorts (computed once)."""
    if "code" not in _fingerprint:
        digest = hashlib.sha256()
        try:
            digest.update(importlib.metadata.version("sjia-explore").encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(b"not installed")
        package = Path(__file__).resolve().parent
        for name in _CODE:
            for path in sorted((package / name).rglob("*.py")) if (package / name).is_dir() else [package / name]:
                digest.update(str(path.relative_to(package)).encode())
                digest.update(path.read_bytes() if path.is_file() else b"")
        _fingerprint["code"] = digest.hexdigest()
    return _fingerprint["code"]


def input_files(path: Path) -> list[Path]:
    """The files a cache key is made of: ``path`` itself, or every file in the folder (not hidden ones)."""
    return [path] if path.is_file() else sorted(
        (p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")), key=lambda p: p.name)


def input_digest(path: Path) -> str:
    """SHA-256 of a file's bytes; for a folder, of the name and bytes of every file in it (not hidden ones)."""
    digest = hashlib.sha256()
    for file in input_files(path):
        digest.update(file.name.encode() + b"\0")
        with open(file, "rb") as fh:  # read only
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


def key_of(options: Any) -> str:
    """The cache key of an input digest and options (anything JSON can write, with ``str`` for the rest)."""
    text = json.dumps({"format": FORMAT_VERSION, "code": code_fingerprint(), "options": options},
                      sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _private_root() -> Path | None:
    """The cache folder, made private to this user if new; ``None`` when it is not private (then unused)."""
    root = cache_root()
    if root is None:
        return None
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = root.stat()
    except OSError:
        return None
    if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
        warnings.warn(f"the cohort cache {root} is not private to this user; it is not used", RuntimeWarning,
                      stacklevel=3)
        return None
    return root


# -- writing ---------------------------------------------------------------------------------------------------

def _encode_column(series: pd.Series, prefix: str, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    dtype = str(series.dtype)
    missing = series.isna().to_numpy(dtype=bool)
    column: dict[str, Any] = {"name": series.name, "dtype": dtype, "masked": bool(missing.any())}
    if dtype in _MASKED:
        fill = False if dtype == "boolean" else 0
        arrays[prefix] = series.to_numpy(dtype=_MASKED[dtype], na_value=fill)
    elif dtype in ("str", "string") or (dtype == "object" and all(isinstance(v, str) for v in series[~missing])):
        if dtype == "object" and missing.any():
            raise CacheUnusable(f"{series.name}: an object column with missing values")
        codes, uniques = pd.factorize(series, use_na_sentinel=True)  # -1 where missing
        arrays[prefix] = np.array([str(u) for u in uniques], dtype=str) if len(uniques) else np.array([], "<U1")
        arrays[prefix + ".codes"] = codes.astype(np.int32)
        column["masked"] = False  # missing values are the code -1
    elif dtype in ("float64", "int64", "bool"):
        arrays[prefix] = series.to_numpy()
        column["masked"] = False
    else:
        raise CacheUnusable(f"{series.name}: dtype {dtype}")
    if column["masked"]:
        arrays[prefix + ".missing"] = missing
    return column


def _encode(cohort) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    from sjia_explore.cohort import Subgroup

    manifest: dict[str, Any] = {"format": FORMAT_VERSION, "tables": {}, "fields": {}}
    arrays: dict[str, np.ndarray] = {}
    for f in dataclasses.fields(cohort):
        value = getattr(cohort, f.name)
        if isinstance(value, pd.DataFrame):
            if not isinstance(value.index, pd.RangeIndex) or value.index.start != 0 or value.index.step != 1:
                raise CacheUnusable(f"{f.name}: an index other than 0, 1, 2, ...")
            if not all(isinstance(c, str) for c in value.columns) or value.columns.has_duplicates:
                raise CacheUnusable(f"{f.name}: column names")
            manifest["tables"][f.name] = {
                "rows": len(value),
                "columns": [_encode_column(value[c], f"{f.name}.{i}", arrays) for i, c in enumerate(value.columns)]}
        elif isinstance(value, str):
            manifest["fields"][f.name] = value
        elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            manifest["fields"][f.name] = {"tuple": list(value)}
        elif isinstance(value, Subgroup) and value == Subgroup():
            continue
        else:
            raise CacheUnusable(f"{f.name}: {type(value).__name__}")
    return manifest, arrays


def store(key: str, cohort) -> Path | None:
    """Keep ``cohort`` under ``key``; returns its folder, or ``None`` when it was not kept (said why, if it matters).

    The entry is written to a temporary folder and then renamed into place, so a
    reader never sees half of it.
    """
    root = _private_root()
    if root is None:
        return None
    try:
        manifest, arrays = _encode(cohort)
    except CacheUnusable:
        return None
    final = root / key
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
        np.savez(work / "tables.npz", **arrays)
        (work / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        try:
            os.replace(work, final)
        except OSError:  # another kernel stored the same cohort first
            shutil.rmtree(work, ignore_errors=True)
        _prune(root)
    except OSError as err:
        warnings.warn(f"the cohort could not be kept in the cache {root} ({err}); it will be checked again next time",
                      RuntimeWarning, stacklevel=2)
        return None
    return final if final.is_dir() else None


def _prune(root: Path) -> None:
    entries = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[MAX_ENTRIES:]:
        shutil.rmtree(old, ignore_errors=True)
    for tmp in root.glob(".*"):  # left by a process that stopped while writing
        if tmp.is_dir() and time.time() - tmp.stat().st_mtime > 3600:
            shutil.rmtree(tmp, ignore_errors=True)


# -- reading ---------------------------------------------------------------------------------------------------

def _decode_column(column: dict[str, Any], prefix: str, arrays, rows: int) -> pd.Series:
    dtype, values = column["dtype"], arrays[prefix]
    if dtype in ("str", "string", "object"):
        codes = arrays[prefix + ".codes"]
        if values.dtype.kind != "U" or values.ndim != 1 or codes.dtype != np.int32 or codes.shape != (rows,):
            raise ValueError(f"{prefix}: text stored as {values.dtype}, {codes.dtype} {codes.shape} for {rows} rows")
        if rows and (codes.min() < -1 or codes.max() >= len(values)):
            raise ValueError(f"{prefix}: a code outside the stored values")
        objects = np.append(values.astype(object), None)[codes]  # code -1: the None at the end
        return pd.Series(objects, name=column["name"], dtype=dtype)
    if values.shape != (rows,):
        raise ValueError(f"{prefix}: {values.shape[0] if values.ndim else 0} values for {rows} rows")
    missing = arrays[prefix + ".missing"] if column["masked"] else None
    if missing is not None and (missing.dtype != bool or missing.shape != (rows,)):
        raise ValueError(f"{prefix}: a mask of the wrong shape")
    if dtype in _MASKED:
        if values.dtype != np.dtype(_MASKED[dtype]):
            raise ValueError(f"{prefix}: {values.dtype} stored for {dtype}")
        mask = missing if missing is not None else np.zeros(rows, dtype=bool)
        array = {"Float64": pd.arrays.FloatingArray, "Int64": pd.arrays.IntegerArray,
                 "boolean": pd.arrays.BooleanArray}[dtype](values.copy(), mask.copy())
        return pd.Series(array, name=column["name"])
    if dtype in ("float64", "int64", "bool"):
        if values.dtype != np.dtype(dtype):
            raise ValueError(f"{prefix}: {values.dtype} stored for {dtype}")
        return pd.Series(values, name=column["name"])
    raise ValueError(f"{prefix}: unknown dtype {dtype}")


def _decode(manifest: dict[str, Any], arrays):
    from sjia_explore.cohort import Cohort

    if manifest.get("format") != FORMAT_VERSION:
        raise ValueError(f"format {manifest.get('format')!r}")
    kwargs: dict[str, Any] = {}
    for name, table in manifest["tables"].items():
        rows = int(table["rows"])
        columns = [_decode_column(c, f"{name}.{i}", arrays, rows) for i, c in enumerate(table["columns"])]
        frame = pd.concat(columns, axis=1) if columns else pd.DataFrame(index=pd.RangeIndex(rows))
        if not columns:
            frame.columns = pd.Index([], dtype=object)
        kwargs[name] = frame
    for name, value in manifest["fields"].items():
        kwargs[name] = tuple(value["tuple"]) if isinstance(value, dict) else value
    return Cohort(**kwargs)


def load(key: str):
    """The cohort kept under ``key``, or ``None``; an entry that cannot be read is removed, with a warning."""
    root = _private_root()
    folder = root / key if root is not None else None
    if folder is None or not folder.is_dir():
        return None
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        with np.load(folder / "tables.npz", allow_pickle=False) as npz:
            cohort = _decode(manifest, npz)
    except Exception as err:  # noqa: BLE001 - any damage: say so, rebuild
        warnings.warn(f"the cached cohort {folder} could not be read ({type(err).__name__}: {err}); it is removed "
                      "and the files are checked again", RuntimeWarning, stacklevel=2)
        shutil.rmtree(folder, ignore_errors=True)
        return None
    try:
        os.utime(folder)  # recently used: pruned last
    except OSError:
        pass
    return cohort
