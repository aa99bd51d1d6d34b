"""The multiplicity ledger: how many p-values have been shown."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class TestLedger:
    """Counts the hypothesis tests a view has run, for a multiplicity ledger.

    Pass one ledger to every statistics function of a view (``ledger=``); each
    records how many p-values it computed. Nothing is global: a new view gets
    a new ledger.

    Examples
    --------
    >>> import pandas as pd
    >>> from sjia_explore.stats import omnibus, vs_baseline
    >>> ledger = TestLedger()
    >>> visits = pd.DataFrame({"patient_id": list("abcabc"), "week": [0, 0, 0, 4, 4, 4],
    ...                        "active_joints": [6, 4, 8, 1, 0, 5]})
    >>> _ = vs_baseline(visits, "active_joints", method="paper", ledger=ledger)
    >>> _ = omnibus(visits, "active_joints", method="paper", ledger=ledger)
    >>> ledger.n_tests
    2
    """

    __test__ = False  # not a pytest test class, despite its name

    entries: list[dict] = field(default_factory=list)

    def record(self, analysis: str, outcome: str, method: str, n_tests: int, note: str = "") -> None:
        """Add one analysis that ran ``n_tests`` tests (p-values actually computed)."""
        self.entries.append({"analysis": analysis, "outcome": outcome, "method": method,
                             "n_tests": int(n_tests), "note": note})

    @property
    def n_tests(self) -> int:
        """Total number of tests recorded."""
        return sum(e["n_tests"] for e in self.entries)

    def to_frame(self) -> pd.DataFrame:
        """One row per recorded analysis: ``analysis``, ``outcome``, ``method``, ``n_tests``, ``note``."""
        return pd.DataFrame(self.entries, columns=["analysis", "outcome", "method", "n_tests", "note"])

    def summary(self) -> str:
        """The ledger in one sentence, e.g. ``9 tests in 2 analyses``."""
        n, a = self.n_tests, len(self.entries)
        return f"{n} test{'s' if n != 1 else ''} in {a} analys{'e' if a != 1 else 'i'}s"


def _record(ledger: TestLedger | None, analysis: str, outcome: str, method: str, p_values) -> None:
    if ledger is not None:
        count = int(np.sum(np.isfinite(np.asarray(p_values, dtype=float))))
        ledger.record(analysis, outcome, method, count)
