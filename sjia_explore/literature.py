"""Published figures beside ours: ``data/literature.csv``, one row per figure as printed in its source.

Every row was read in the source named in ``read_at`` (mostly the abstract;
``read_from`` says which). Numerator and denominator are filled only where the
source prints them; ``proportion`` is the printed percentage, or numerator /
denominator to 4 decimals where both are printed. Nothing is estimated or
re-derived; ``time_point_weeks`` only converts the printed time point to weeks
(days / 7, months × 30.4375 / 7) so that it can be drawn on a week axis.

These are different populations (first-line vs later-line, trials vs
registries) with different definitions: reference points, not comparators.

Examples
--------
>>> lit = literature()
>>> row = lit[(lit["study_id"] == "pardeo2015")].iloc[0]
>>> int(row["numerator"]), int(row["denominator"]), float(row["proportion"])
(14, 25, 0.56)
"""

from __future__ import annotations

import pandas as pd

#: The file, in the bundled data folder.
FILENAME = "literature.csv"
#: Columns of the table: (name, Table Schema type, description).
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("study_id", "string", "Short key of the study (one study can give several rows)."),
    ("study", "string", "Citation in short."),
    ("doi_or_url", "string", "DOI link or address of the publication."),
    ("read_at", "string", "Address of the copy the figure was read in."),
    ("read_from", "string", "What was read: abstract, conference abstract, review table, ..."),
    ("design", "string", "Study design and setting."),
    ("drug", "string", "Drug (and dose where printed)."),
    ("line_of_therapy", "string", "First-line, later line, ... as described."),
    ("n", "integer", "Patients in the group the figure is about."),
    ("group", "string", "Which patients (arm, subgroup, or all)."),
    ("onset_to_treatment", "string", "Time from onset (or diagnosis) to the drug, as printed, or 'not found'."),
    ("outcome", "string", "Outcome key, e.g. inactive_disease, acr_pedi_30_adapted."),
    ("outcome_definition", "string", "The outcome in words, as the source defines it."),
    ("matches", "string", "The sjia_explore function computing a comparable outcome (empty: none)."),
    ("time_point", "string", "Time point as printed."),
    ("time_point_weeks", "number", "The time point in weeks (unit conversion only; empty when not a single time)."),
    ("numerator", "integer", "Patients with the outcome, where printed."),
    ("denominator", "integer", "Patients evaluated, where printed."),
    ("proportion", "number", "The printed percentage / 100, or numerator / denominator where both are printed."),
    ("printed", "string", "The sentence or table cell the figure was read from."),
)
#: Said wherever these figures are drawn.
LITERATURE_NOTE = "published, different population and definitions"


def literature_dir():
    """The folder holding ``literature.csv`` (the bundled data folder)."""
    from sjia_explore.data import bundled_data_dir

    return bundled_data_dir()


def literature() -> pd.DataFrame:
    """The published reference figures, typed (integers nullable, proportions as floats).

    Returns
    -------
    pandas.DataFrame
        One row per published figure; columns as in :data:`FIELDS`, plus
        ``note`` (:data:`LITERATURE_NOTE`).
    """
    kinds = {"integer": "Int64", "number": "Float64", "string": "string"}
    table = pd.read_csv(literature_dir() / FILENAME, dtype={name: kinds[kind] for name, kind, _ in FIELDS},
                        keep_default_na=False, na_values=[""])
    table["note"] = LITERATURE_NOTE
    return table


def datapackage_resource() -> dict:
    """The Frictionless resource describing ``literature.csv`` (provenance: published).

    Examples
    --------
    >>> datapackage_resource()["sjia:provenance"]
    'published'
    """
    return {
        "name": "literature", "path": FILENAME, "profile": "tabular-data-resource", "format": "csv",
        "mediatype": "text/csv", "encoding": "utf-8",
        "description": ("Published figures from other sJIA studies (anakinra, canakinumab, registries), one row per "
                        "figure as printed in the source named in read_at; reference points drawn beside a cohort, "
                        "not comparators. Nothing estimated or re-derived."),
        "sjia:provenance": "published",
        "schema": {"fields": [{"name": name, "type": kind, "description": text} for name, kind, text in FIELDS]},
    }


def reference_points(outcome: str | None = None, matches: str | None = None) -> pd.DataFrame:
    """Published figures to draw beside a cohort, with an exact 95% interval where the counts are printed.

    The interval (Clopper–Pearson) is computed here from the printed numerator
    and denominator, and is missing when the source prints only a percentage.

    Parameters
    ----------
    outcome
        Keep rows of this outcome key (e.g. ``"inactive_disease"``).
    matches
        Keep rows whose outcome matches this sjia_explore function (e.g. ``"inactive_by_week"``).

    Returns
    -------
    pandas.DataFrame
        The rows of :func:`literature` plus ``ci_low``, ``ci_high`` and
        ``label`` (study, group and time point, for a tooltip).

    Examples
    --------
    >>> pts = reference_points(outcome="inactive_disease")
    >>> row = pts[pts["study_id"] == "pardeo2015"].iloc[0]
    >>> round(float(row["ci_low"]), 3), round(float(row["ci_high"]), 3)
    (0.349, 0.756)
    """
    from sjia_explore.outcomes import exact_ci

    table = literature()
    if outcome is not None:
        table = table.loc[table["outcome"] == outcome]
    if matches is not None:
        table = table.loc[table["matches"] == matches]
    table = table.reset_index(drop=True)
    lows, highs, notes = [], [], []
    for num, den, note in zip(table["numerator"], table["denominator"], table["note"]):
        if pd.isna(num) or pd.isna(den):
            lows.append(float("nan"))
            highs.append(float("nan"))
            notes.append(f"{note}; no interval: the source prints a percentage only")
        else:
            low, high = exact_ci(int(num), int(den))
            lows.append(low)
            highs.append(high)
            notes.append(f"{note}; exact 95% interval computed here from the printed counts")
    table["ci_low"], table["ci_high"], table["note"] = lows, highs, notes
    table["label"] = table["study"] + " — " + table["group"] + ", " + table["time_point"]
    return table
