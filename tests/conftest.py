"""Fixtures shared by the unit tests: the bundled cohort and its Qiu 2024 part, loaded once per session.

A Cohort is immutable (``filter`` returns a new one), so sharing it across tests cannot leak changes.
"""

from __future__ import annotations

import os

import pytest

# Every load reads and checks its files: no test gets a cohort kept by an earlier load (or by another run of
# the code). tests/test_cohort_cache.py turns the cache on, in a folder of its own.
os.environ["SJIA_COHORT_CACHE"] = "off"

from sjia_explore import load_cohort


@pytest.fixture(scope="session")
def cohort():
    """The bundled cohort (Qiu 2024 and Vastert 2011)."""
    return load_cohort()


@pytest.fixture(scope="session")
def qiu_cohort(cohort):
    """The bundled Qiu 2024 patients only."""
    return cohort.filter(studies=("qiu2024",))
