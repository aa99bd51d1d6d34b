"""The package's fixed choices, each defined once: the visit schedule and the smallest group worth a number.

Examples
--------
>>> VISIT_WEEKS, MIN_PATIENTS
((0, 4, 8, 12, 24), 3)
"""

from __future__ import annotations

from sjia_explore.published import WEEKS

#: The visit schedule of the bundled studies, as Qiu 2024 printed it (weeks from the start of the IL-1
#: blocker); charts and the Python snippets of the app use it when a cohort gives no weeks of its own.
VISIT_WEEKS = WEEKS

#: Fewest patients for a p-value, and for each side of an early/late estimate: below it, no number is
#: shown and the reason is said instead.
MIN_PATIENTS = 3

#: Level of every confidence interval.
CI_LEVEL = 0.95

#: Said wherever a value, or a patient's group, was not recorded (never shown as zero).
NOT_RECORDED = "not recorded"
#: Provenance of what a study has no value of: a paper that did not report it, a file that did not hold it.
ABSENT = ("not reported", NOT_RECORDED)
