"""sjia-explore: cohorts of children with systemic JIA on IL-1 blockade, explored honestly.

Public API
----------
load_cohort(path=None) -> Cohort
    The bundled studies (Qiu 2024 published Tables 1–2 with reconstructed
    follow-up; Vastert 2011 reconstructed), or your own CSV folder.
Cohort, Subgroup
    Four tidy tables; ``cohort.filter(...)`` returns a new cohort for a subgroup.
CohortValidationError
    Raised with ``.problems`` (file, row, column, message) for bad input.
CohortExplorer
    The dashboard (imported on first use: it pulls in the widget stack).

Examples
--------
>>> from sjia_explore import load_cohort
>>> c = load_cohort()
>>> c.filter(duration="late").n_patients
9
"""

from importlib.metadata import PackageNotFoundError, version

from sjia_explore.cohort import Cohort, Subgroup
from sjia_explore.data import CohortValidationError, load_cohort

try:
    __version__ = version("sjia-explore")
except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
    __version__ = "0+unknown"

__all__ = ["Cohort", "CohortExplorer", "CohortValidationError", "Subgroup", "load_cohort", "__version__"]


def __getattr__(name):
    if name == "CohortExplorer":  # lazy: keeps `import sjia_explore` light for scripts and the CLI
        from sjia_explore.app import CohortExplorer

        return CohortExplorer
    raise AttributeError(f"module 'sjia_explore' has no attribute {name!r}")
