"""Former home of the dashboard, kept so that older snippets (``from sjia_explore.ui import ViewState``) still run.

The dashboard now lives in :mod:`sjia_explore.app`.
"""

from sjia_explore.app import CohortExplorer, ViewState, page_query  # noqa: F401
