"""The cache of validated cohorts: a hit is the same cohort, anything changed is a miss, damage is rebuilt."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from sjia_explore import cohort_cache, data, load_cohort, simulate
from sjia_explore.cohort import Cohort

TABLES = [f.name for f in dataclasses.fields(Cohort) if f.type in ("pd.DataFrame", pd.DataFrame)]


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    """The cache on, in a folder of its own, keeping every cohort however fast it loaded."""
    root = tmp_path / "cache"
    monkeypatch.setenv("SJIA_COHORT_CACHE", str(root))
    monkeypatch.setattr(cohort_cache, "MIN_LOAD_S", 0.0)
    return root


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("registry")
    simulate.write_cohort(simulate.registry(60, seed=3), folder)
    return folder


@pytest.fixture()
def folder(registry, tmp_path) -> Path:
    """A copy of the registry this test may change."""
    copy = tmp_path / "registry"
    copy.mkdir()
    for p in registry.iterdir():
        (copy / p.name).write_bytes(p.read_bytes())
    return copy


@pytest.fixture()
def reads(monkeypatch):
    """How many times the files were read and checked (a cache hit reads none)."""
    calls = []
    real = data.readers.read_path

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(data.readers, "read_path", counting)
    return calls


def assert_same_cohort(a: Cohort, b: Cohort) -> None:
    assert TABLES and {"patients", "visits", "treatments", "adverse_events"} <= set(TABLES)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, check_dtype=True,
                                      check_index_type=True, check_column_type=True)
    for f in dataclasses.fields(Cohort):
        if f.name not in TABLES:
            assert getattr(a, f.name) == getattr(b, f.name), f.name


def fingerprints(folder: Path) -> dict[str, tuple[str, int]]:
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in folder.iterdir()}


def test_a_hit_is_the_cohort_read_from_the_files(cache, folder, reads):
    fresh = load_cohort(folder, cache=False)
    first = load_cohort(folder)
    assert len(reads) == 2 and len(list(cache.iterdir())) == 1
    kept = load_cohort(folder)
    assert len(reads) == 2, "the second load should not read the files"
    assert_same_cohort(kept, fresh)
    assert_same_cohort(first, fresh)
    assert {str(t) for t in kept.visits.dtypes} >= {"Int64", "Float64", "boolean"}  # typed, not text
    assert kept.n_patients == 60 and kept.sha256 == fresh.sha256 and kept.source == "registry"


def test_a_single_csv_file_is_kept_too(cache, tmp_path, reads):
    path = tmp_path / "cohort.csv"
    path.write_text("subject_id,study,sex,months_onset_to_treatment,visit_week,joints\n"
                    "S01,mine,F,3,0,4\nS01,mine,F,3,4,1\nS02,mine,M,,0,2\n")
    fresh = load_cohort(path, cache=False)
    load_cohort(path)
    kept = load_cohort(path)
    assert len(reads) == 2
    assert_same_cohort(kept, fresh)
    assert kept.warnings and kept.warnings == fresh.warnings  # the columns read under other names, said again


def test_a_changed_file_is_read_again(cache, folder, reads):
    load_cohort(folder)
    visits = folder / "visits.csv"
    lines = visits.read_text().splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    column = header.index("active_joints")
    row[column] = "17"
    visits.write_text("\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n")
    changed = load_cohort(folder)
    assert len(reads) == 2
    patient, week = row[header.index("patient_id")], int(row[header.index("week")])
    visit = changed.visits[(changed.visits["patient_id"] == patient) & (changed.visits["week"] == week)]
    assert visit["active_joints"].tolist() == [17]


def test_other_options_are_a_miss(cache, folder, reads):
    load_cohort(folder)
    load_cohort(folder, visit_windows={0: (0, 1), 4: 1, 8: 2, 12: 2, 24: 3})
    assert len(reads) == 2


@pytest.mark.parametrize("change", ["schema", "format"])
def test_a_new_schema_or_cache_format_is_a_miss(cache, folder, reads, monkeypatch, change):
    load_cohort(folder)
    load_cohort(folder)
    assert len(reads) == 1
    if change == "schema":  # what any change to the schema, readers or loader's code does to the key
        monkeypatch.setattr(cohort_cache, "_fingerprint", {"code": "another schema"})
    else:
        monkeypatch.setattr(cohort_cache, "FORMAT_VERSION", cohort_cache.FORMAT_VERSION + 1)
    load_cohort(folder)
    assert len(reads) == 2


def test_the_fingerprint_covers_the_schema_module():
    import sjia_explore.schema as schema

    assert "schema.py" in cohort_cache._CODE and Path(schema.__file__).name == "schema.py"
    assert len(cohort_cache.code_fingerprint()) == 64


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong rows", "no manifest"])
def test_a_damaged_entry_is_ignored_with_a_warning_and_rebuilt(cache, folder, reads, damage):
    fresh = load_cohort(folder, cache=False)
    load_cohort(folder)
    (entry,) = list(cache.iterdir())
    npz, manifest = entry / "tables.npz", entry / "manifest.json"
    if damage == "garbage":
        npz.write_bytes(b"not an archive")
    elif damage == "truncated":
        npz.write_bytes(npz.read_bytes()[: npz.stat().st_size // 2])
    elif damage == "wrong rows":
        manifest.write_text(manifest.read_text().replace('"rows": 60', '"rows": 61', 1))
    else:
        manifest.unlink()
    with pytest.warns(RuntimeWarning, match="could not be read"):
        again = load_cohort(folder)
    assert len(reads) == 3
    assert_same_cohort(again, fresh)
    rebuilt = load_cohort(folder)  # the entry was written anew, and is read back
    assert len(reads) == 3
    assert_same_cohort(rebuilt, fresh)


def test_the_input_files_are_never_changed(cache, folder):
    before = fingerprints(folder)
    load_cohort(folder)
    load_cohort(folder)
    assert fingerprints(folder) == before


def test_the_cache_is_private_and_one_open_to_others_is_not_used(cache, folder, reads):
    load_cohort(folder)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    os.chmod(cache, 0o777)
    with pytest.warns(RuntimeWarning, match="not private"):
        load_cohort(folder)
    assert len(reads) == 2


def test_off_means_off(tmp_path, folder, reads, monkeypatch):
    monkeypatch.setenv("SJIA_COHORT_CACHE", "off")
    monkeypatch.setattr(cohort_cache, "MIN_LOAD_S", 0.0)
    load_cohort(folder)
    load_cohort(folder)
    assert len(reads) == 2


def test_only_the_most_recent_cohorts_are_kept(cache, tmp_path, monkeypatch):
    monkeypatch.setattr(cohort_cache, "MAX_ENTRIES", 2)
    for i in range(4):
        path = tmp_path / f"c{i}.csv"
        path.write_text(f"patient_id,study,sex,months_onset_to_treatment,week,active_joints\nP{i},s,F,3,0,{i}\n")
        load_cohort(path)
    assert len([p for p in cache.iterdir() if not p.name.startswith(".")]) == 2
