"""The downloads of the outcome sections: disease activity, published figures, biomarkers, each patient."""

from __future__ import annotations

from typing import Callable

from sjia_explore.app.vocabulary import SECTION_TITLES


def _shown(model, name: str):
    shown = model.sections.get(name)
    if shown is None:
        raise ValueError(f"open the “{SECTION_TITLES[name]}” section first")
    return shown


def outcome_content(model, section: str, picture: Callable[[str], object]):
    """(tables behind it, chart or None, table, count columns) of an outcome section's download, or None when
    ``section`` is not one of them."""
    if section == "literature":
        from sjia_explore.literature import literature

        return (), None, literature(), ()
    if section == "windowpoints":
        shown = _shown(model, "window")
        if shown.points is None:
            raise ValueError(shown.message or "nothing is drawn in this section")
        return ("patients", "visits"), None, shown.points, ("n",)
    if section in ("activity", "biomarkers", "patients"):
        shown = _shown(model, section)
        if shown.spec is None:
            raise ValueError(shown.message or "nothing is drawn in this section")
        table = shown.table() if callable(shown.table) else shown.table
        counts = {"activity": ("n", "n_total", "n_missing", "n_inactive", "n_unknown"),
                  "biomarkers": ("n",), "patients": ()}[section]
        return ("patients", "visits"), lambda: picture(section).spec, table, counts
    return None
