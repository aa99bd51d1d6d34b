"""The multiplicity ledger: how many different p-values a viewer has been shown.

One :class:`TestLedger` can last a whole session: every statistics function
and :func:`sjia_explore.tables.table_one` take ``ledger=`` and record each
p-value they computed under a stable identity (analysis, selection of
patients, outcome, method, and the test's own key such as the week), so the
same test shown twice is counted once, while the same test on another
selection of patients is a new test. The selection is told by the patients
the test was computed on (a fingerprint of their ids, which the statistics
functions pass); :meth:`TestLedger.scoped` gives a view of the ledger that
also stamps every record with a description of the selection, in words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: The significance level the ledger's sentence is about.
LEDGER_ALPHA = 0.05
LEDGER_COLUMNS = ["analysis", "selection", "cohort", "outcome", "method", "n_tests", "n_repeated", "note"]


@dataclass
class TestLedger:
    """Counts the different hypothesis tests whose p-values were shown, for a multiplicity ledger.

    Pass one ledger to every statistics function (``ledger=``); each records
    the p-values it computed, one identity per test. Keep one ledger for a
    whole session to count every p-value across selections of patients,
    sections and Table 1 (use :meth:`scoped` to say which selection), and
    :meth:`reset` it when the viewer chooses to start again. Nothing is global.

    Examples
    --------
    >>> import pandas as pd
    >>> from sjia_explore.stats import omnibus, vs_baseline
    >>> ledger = TestLedger()
    >>> visits = pd.DataFrame({"patient_id": list("abcabc"), "week": [0, 0, 0, 4, 4, 4],
    ...                        "active_joints": [6, 4, 8, 1, 0, 5]})
    >>> _ = vs_baseline(visits, "active_joints", method="paper", ledger=ledger)
    >>> _ = omnibus(visits, "active_joints", method="paper", ledger=ledger)
    >>> _ = vs_baseline(visits, "active_joints", method="paper", ledger=ledger)  # shown again: not a new test
    >>> ledger.n_tests
    2
    >>> _ = vs_baseline(visits, "active_joints", method="paper", ledger=ledger.scoped("girls"))  # new patients
    >>> ledger.n_tests, round(ledger.expected_by_chance(), 2)
    (3, 0.15)
    """

    __test__ = False  # not a pytest test class, despite its name

    entries: list[dict] = field(default_factory=list)
    seen: set = field(default_factory=set)
    _resets: int = field(default=0, init=False, repr=False, compare=False)
    _frame: tuple | None = field(default=None, init=False, repr=False, compare=False)  # (revision, to_frame())

    def record_tests(self, analysis: str, outcome: str, method: str, keys, selection: str = "",
                     note: str = "", patients: Iterable | None = None, cohort: str = "") -> int:
        """Record one analysis that showed a p-value for each of ``keys`` (e.g. ``["week 4", "week 8"]``).

        A test is identified by (analysis, selection, patients, outcome, method,
        key), where ``patients`` are the ids of the patients it was computed on
        (only a fingerprint is kept); one already recorded is not counted again.
        Returns the number of new tests.
        """
        keys = [str(k) for k in keys]
        who = patients_fingerprint(patients)
        new = [k for k in dict.fromkeys(keys) if (analysis, selection, who, outcome, method, k) not in self.seen]
        self.seen.update((analysis, selection, who, outcome, method, k) for k in new)
        self.entries.append({"analysis": analysis, "selection": selection, "cohort": cohort, "outcome": outcome,
                             "method": method,
                             "n_tests": len(new), "n_repeated": len(keys) - len(new), "note": note})
        return len(new)

    def record(self, analysis: str, outcome: str, method: str, n_tests: int, note: str = "",
               selection: str = "", patients: Iterable | None = None, cohort: str = "") -> int:
        """Record ``n_tests`` p-values of one analysis, identified by the analysis, ``note`` and their order."""
        return self.record_tests(analysis, outcome, method, [f"{note}#{i}" for i in range(int(n_tests))],
                                 selection=selection, note=note, patients=patients, cohort=cohort)

    def scoped(self, selection: str, cohort: str = "") -> LedgerScope:
        """This ledger, with every record stamped with ``selection`` (a description of the patients) and the
        ``cohort`` they come from (a name, for a session that shows more than one)."""
        return LedgerScope(self, str(selection), str(cohort))

    def reset(self) -> None:
        """Forget every test recorded (the viewer chose to start counting again)."""
        self.entries.clear()
        self.seen.clear()
        self._resets += 1

    @property
    def revision(self) -> tuple[int, int]:
        """Changes with every record and reset: the same revision, the same :meth:`to_frame` and :meth:`sentence`.

        Examples
        --------
        >>> ledger = TestLedger()
        >>> before = ledger.revision
        >>> _ = ledger.record("overall test across visits", "sjadas27", "paper", 2)
        >>> ledger.revision != before
        True
        """
        return self._resets, len(self.entries)

    @property
    def n_tests(self) -> int:
        """Number of different tests recorded."""
        return len(self.seen)

    def expected_by_chance(self, alpha: float = LEDGER_ALPHA) -> float:
        """How many of the tests would give p < ``alpha`` by chance alone if nothing really differed."""
        return alpha * self.n_tests

    def to_frame(self) -> pd.DataFrame:
        """One row per recorded analysis: ``analysis``, ``selection``, ``outcome``, ``method``, ``n_tests``
        (new tests), ``n_repeated`` (shown again, not counted), ``note``."""
        if self._frame is None or self._frame[0] != self.revision:  # made again only when a test was recorded
            self._frame = (self.revision, pd.DataFrame(self.entries, columns=LEDGER_COLUMNS))
        return self._frame[1].copy(deep=False)  # copy-on-write: a change to it never reaches the ledger

    def summary(self) -> str:
        """The ledger in one sentence, e.g. ``9 tests in 2 analyses``."""
        n, a = self.n_tests, len(self.entries)
        return f"{n} test{'s' if n != 1 else ''} in {a} analys{'e' if a != 1 else 'i'}s"

    def sentence(self, alpha: float = LEDGER_ALPHA) -> str:
        """What the count means, in plain words.

        Examples
        --------
        >>> ledger = TestLedger()
        >>> _ = ledger.record("overall test across visits", "sjadas27", "paper", 20)
        >>> ledger.sentence()  # doctest: +NORMALIZE_WHITESPACE
        '20 different p-values shown so far. Even if nothing really differed, chance alone would put about
        1.0 of them below 0.05 (1 in 20); if the tests were independent, the chance of at least one would be 64%.'
        """
        n = self.n_tests
        if n == 0:
            return "No p-value shown so far."
        return (f"{n} different p-value{'s' if n != 1 else ''} shown so far. Even if nothing really differed, "
                f"chance alone would put about {self.expected_by_chance(alpha):.1f} of them below {alpha:g} "
                f"(1 in {1 / alpha:.0f}); if the tests were independent, the chance of at least one would be "
                f"{1 - (1 - alpha) ** n:.0%}.")


@dataclass(frozen=True)
class LedgerScope:
    """A :class:`TestLedger` seen from one selection of patients: records go to the ledger, stamped."""

    ledger: TestLedger
    selection: str
    cohort: str = ""

    def record_tests(self, analysis: str, outcome: str, method: str, keys, selection: str | None = None,
                     note: str = "", patients: Iterable | None = None) -> int:
        """As :meth:`TestLedger.record_tests`, with this scope's selection and cohort."""
        return self.ledger.record_tests(analysis, outcome, method, keys, self.selection if selection is None
                                        else selection, note, patients, self.cohort)

    def record(self, analysis: str, outcome: str, method: str, n_tests: int, note: str = "",
               selection: str | None = None, patients: Iterable | None = None) -> int:
        """As :meth:`TestLedger.record`, with this scope's selection and cohort."""
        return self.ledger.record(analysis, outcome, method, n_tests, note,
                                  self.selection if selection is None else selection, patients, self.cohort)

    @property
    def entries(self) -> list[dict]:
        return self.ledger.entries

    @property
    def n_tests(self) -> int:
        return self.ledger.n_tests

    def to_frame(self) -> pd.DataFrame:
        return self.ledger.to_frame()


def patients_fingerprint(patients: Iterable | None) -> int | None:
    """A fingerprint of a set of patient ids (``None`` for none given): order and repeats do not matter.

    Python's own hash of the set of ids, as text: cheap (it runs for every test recorded, on up to
    tens of thousands of visit rows) and stable for as long as the ledger lives, which is all it needs.

    Examples
    --------
    >>> patients_fingerprint(["b", "a", "a"]) == patients_fingerprint(["a", "b"]) != patients_fingerprint(["a"])
    True
    """
    if patients is None:
        return None
    return hash(frozenset(map(str, pd.unique(pd.Series(patients, dtype=object)))))


def _record(ledger, analysis: str, outcome: str, method: str, p_values, keys, patients: Iterable | None = None
            ) -> None:
    """Record the tests whose p-value is finite, each under its key, computed on ``patients`` (ids)."""
    if ledger is not None:
        p = np.asarray(p_values, dtype=float)
        ledger.record_tests(analysis, outcome, method, [k for k, ok in zip(keys, np.isfinite(p)) if ok],
                            patients=patients)
