"""The dashboard, as a package of small parts.

How it fits together (a newcomer finds each concern by its file name)::

    state.py       ViewState: everything the dashboard shows, as plain values
    address.py     ViewState <-> page address; as Python for JupyterLab
    vocabulary.py  outcomes, methods, sections, drug and study names
    session.py     Session: cohort + state + caches + tests; update(state) -> ViewModel (atomic)
    sections.py    the list of sections, each with the inputs it is cached on
    compute/       one pure module per section: Context -> section model (frames, specs, numbers)
    model.py       the frozen models the views put on screen
    views/         widgets built once; render(model) is the only code that writes a widget
    browser.py     the small anywidgets (JavaScript in sjia_explore/_js/*.js)
    theme.py       the style sheet, generated from sjia_explore.palette
    downloads.py   (model, key) -> (file name, MIME type, bytes)
    upload.py      an uploaded file -> a cohort, or its problems
    explorer.py    CohortExplorer: event -> new ViewState -> Session.update -> views' render

Examples
--------
>>> from sjia_explore import load_cohort
>>> Session(load_cohort()).update(ViewState(prior_mas=True)).selection.n_total
3
"""

from sjia_explore.app.address import page_query
from sjia_explore.app.explorer import CohortExplorer
from sjia_explore.app.model import ViewModel
from sjia_explore.app.session import Session
from sjia_explore.app.state import ViewState
from sjia_explore.app.vocabulary import OUTCOMES, drug_label, study_label

__all__ = ["CohortExplorer", "OUTCOMES", "Session", "ViewModel", "ViewState", "drug_label", "page_query",
           "study_label"]
