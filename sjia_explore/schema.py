"""The one definition of every table and column of a cohort.

Validation (:func:`validate_tables`), the data dictionary in the docs and the
``schema`` blocks of ``data/datapackage.json`` are all derived from
:data:`TABLES`, so they cannot disagree.

Validation is done by pandera in two passes: first every cell is coerced to
its column's type (cells that cannot be read become problems), then ranges,
codes, required values and keys are checked on what could be read. Every
problem is reported, not only the first, as a :class:`Problem` naming the
file, the spreadsheet row (the header is row 1) and the column.

Examples
--------
>>> import pandas as pd
>>> from sjia_explore.schema import validate_tables
>>> visits = pd.DataFrame({"patient_id": ["P1"], "week": ["0"], "active_joints": ["abc"]})
>>> patients = pd.DataFrame({"patient_id": ["P1"], "study": ["mine"],
...                          "months_onset_to_treatment": ["3"]})
>>> problems, _ = validate_tables({"patients": patients, "visits": visits})
>>> print(problems[0])
visits.csv:2:active_joints: "abc" is not a whole number of joints (0–71)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from sjia_explore import format as fmt

Kind = Literal["string", "integer", "number", "boolean"]

#: Spellings accepted for yes/no cells (case-insensitive), as real exports write them.
TRUE_TOKENS = frozenset({"true", "yes", "y", "1", "+", "t", "ja", "oui", "si"})
FALSE_TOKENS = frozenset({"false", "no", "n", "0", "-", "_", "f", "nein", "non"})
#: Cell texts read as "no value".
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "none", "null", "missing", "not reported", "."})


@dataclass(frozen=True)
class Column:
    """One column: its type, allowed values, unit and meaning."""

    name: str
    kind: Kind
    description: str
    required: bool = False  # the column must be present
    nullable: bool = True  # cells may be empty
    minimum: float | None = None
    maximum: float | None = None
    codes: tuple[str, ...] | None = None
    unit: str | None = None
    noun: str | None = None  # what one unit counts, for messages ("joints")

    def expectation(self) -> str:
        """Plain words for what a cell must hold, e.g. ``a whole number of joints (0–71)``."""
        if self.kind == "boolean":
            return "yes or no (yes/no, true/false, 1/0, +/-, Y/N)"
        if self.codes is not None:
            return "one of " + ", ".join(self.codes)
        if self.kind == "string":
            return "text"
        what = "a whole number" if self.kind == "integer" else "a number"
        rng = _format_range(self.minimum, self.maximum)
        if self.unit and rng and rng in self.unit:  # "0–67 scale": the unit already says the range
            return f"{what} on the {self.unit}"
        if self.noun:
            what += f" of {self.noun}"
        elif self.unit:
            what += f" in {self.unit}"
        return f"{what} ({rng})" if rng else what

    def frictionless(self) -> dict:
        """This column as a Frictionless Table Schema field descriptor."""
        out: dict = {"name": self.name, "type": self.kind, "description": self.description}
        constraints: dict = {}
        if not self.nullable:
            constraints["required"] = True
        if self.minimum is not None:
            constraints["minimum"] = self.minimum
        if self.maximum is not None:
            constraints["maximum"] = self.maximum
        if self.codes is not None:
            constraints["enum"] = list(self.codes)
        if constraints:
            out["constraints"] = constraints
        if self.unit:
            out["unit"] = self.unit
        return out


def _format_number(x: float) -> str:
    return fmt.plain(x)


def _format_range(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"{_format_number(lo)}–{_format_number(hi)}"
    if lo is not None:
        return f"at least {_format_number(lo)}"
    if hi is not None:
        return f"at most {_format_number(hi)}"
    return ""


@dataclass(frozen=True)
class Table:
    """One table of a cohort and the file it is read from."""

    name: str
    filename: str
    required: bool
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _flag(name: str, what: str) -> Column:
    return Column(name, "boolean", what)


PROVENANCE_CODES = ("published", "reconstructed", "simulated", "observed")

PATIENTS = Table(
    name="patients",
    filename="patients.csv",
    required=True,
    description="One row per patient: demographics, disease duration and baseline features (Qiu 2024 Table 1).",
    primary_key=("patient_id",),
    columns=(
        Column("patient_id", "string", "Study code of the patient (never a name or record number).",
               required=True, nullable=False),
        Column("study", "string", "Study the patient belongs to (qiu2024, vastert2011, or your own label).",
               required=True, nullable=False),
        Column("case_label", "string", "The patient's label in the source publication, e.g. 'Case 1'."),
        Column("sex", "string", "Sex: F or M.", codes=("F", "M")),
        Column("age_onset_years", "number", "Age at disease onset.", minimum=0, maximum=18, unit="years"),
        Column("age_diagnosis_years", "number", "Age at diagnosis.", minimum=0, maximum=18, unit="years"),
        Column(
            "months_onset_to_treatment", "number",
            "Time from disease onset to the start of the IL-1 blocker (week 0).",
            required=True, minimum=0, maximum=240, unit="months",
        ),
        Column("treatment", "string", "IL-1 blocker started at week 0 (e.g. canakinumab, anakinra)."),
        Column("exposure_months", "number", "Time on the IL-1 blocker up to the data cut.",
               minimum=0, maximum=240, unit="months"),
        Column(
            "prior_steroid_months", "number", "Months of corticosteroid therapy before week 0.",
            minimum=0, maximum=240, unit="months",
        ),
        Column(
            "active_joints_baseline", "integer", "Number of joints with active inflammation at week 0.",
            minimum=0, maximum=71, noun="joints",
        ),
        _flag("fever", "Fever at baseline."),
        _flag("rash", "Rash at baseline."),
        _flag("lymphadenopathy", "Lymphadenopathy at baseline."),
        _flag("myalgia", "Myalgia at baseline."),
        _flag("prior_mas", "Macrophage activation syndrome before week 0."),
        _flag("ferritin_gt_330", "Ferritin > 330 ng/mL at baseline."),
        _flag("wbc_gt_15000", "White cell count > 15,000/mm3 at baseline."),
        _flag("esr_gt_20", "ESR > 20 mm/h at baseline."),
        _flag("crp_gt_10", "CRP > 10 mg/L at baseline."),
        _flag("transaminases_increased", "Increased transaminases at baseline."),
    ),
)

DRUG_CLASSES = ("NSAID", "corticosteroid", "cDMARD", "bDMARD", "JAKi")

TREATMENTS = Table(
    name="treatments",
    filename="treatments.csv",
    required=False,
    description="Previous and baseline (concomitant) treatments, one row per patient, period and drug "
    "(Qiu 2024 Table 2).",
    primary_key=("patient_id", "period", "drug"),
    columns=(
        Column("patient_id", "string", "Patient (see patients.csv).", required=True, nullable=False),
        Column("period", "string", "previous: before week 0; baseline: taken at week 0.",
               required=True, nullable=False, codes=("previous", "baseline")),
        Column("drug_class", "string", "Class of the drug.", required=True, nullable=False, codes=DRUG_CLASSES),
        Column("drug", "string", "Drug (or treatment) as named in the source.", required=True, nullable=False),
        Column("received", "boolean", "Whether the patient received it in that period.", required=True, nullable=False),
    ),
)

VISITS = Table(
    name="visits",
    filename="visits.csv",
    required=True,
    description="One row per patient and visit week: joints, sJADAS27 and its components, steroid dose, "
    "laboratory values, symptoms.",
    primary_key=("patient_id", "week"),
    columns=(
        Column("patient_id", "string", "Patient (see patients.csv).", required=True, nullable=False),
        Column("week", "integer", "Weeks since the IL-1 blocker was started (0 = baseline).",
               required=True, nullable=False, minimum=0, maximum=520, noun="weeks"),
        Column("active_joints", "integer", "Number of joints with active arthritis.",
               minimum=0, maximum=71, noun="joints"),
        Column("physician_global", "number", "Physician global assessment of disease activity.",
               minimum=0, maximum=10, unit="0–10 scale"),
        Column("parent_global", "number", "Parent/patient global assessment of well-being.",
               minimum=0, maximum=10, unit="0–10 scale"),
        Column("esr_mm_h", "number", "Erythrocyte sedimentation rate.", minimum=0, maximum=200, unit="mm/h"),
        Column("systemic_score", "number", "Systemic manifestation score of sJADAS (fever, rash, serositis, ...).",
               minimum=0, maximum=10, unit="0–10 scale"),
        Column("sjadas27", "number", "sJADAS27: the sum of the five components above (joints capped at 27, ESR "
               "normalised to 0–10).", minimum=0, maximum=67, unit="0–67 scale"),
        Column("jadas27", "number", "JADAS27: sJADAS27 without the systemic score (physician and parent global, "
               "joints capped at 27, normalised ESR).", minimum=0, maximum=57, unit="0–57 scale"),
        Column("cjadas27", "number", "Clinical JADAS27: JADAS27 without ESR (physician and parent global, joints "
               "capped at 27).", minimum=0, maximum=47, unit="0–47 scale"),
        Column("steroid_mg_kg_day", "number", "Corticosteroid dose, prednisone equivalent; 0 when off steroid.",
               minimum=0, maximum=30, unit="mg/kg/day"),
        Column("crp_mg_l", "number", "C-reactive protein.", minimum=0, maximum=1000, unit="mg/L"),
        Column("ferritin_ng_ml", "number", "Serum ferritin.", minimum=0, maximum=200000, unit="ng/mL"),
        Column("il18_pg_ml", "number", "Serum IL-18.", minimum=0, maximum=10000000, unit="pg/mL"),
        Column("mrp8_14_ng_ml", "number", "Serum MRP8/14 (S100A8/A9).", minimum=0, maximum=10000000, unit="ng/mL"),
        _flag("fever", "Fever at this visit."),
        _flag("rash", "Rash at this visit."),
        _flag("myalgia", "Myalgia at this visit."),
        # The items of the modified systemic manifestation score (mSMS, Rosina 2024; see sjia_explore.scores.msms)
        Column("fever_grade", "integer", "mSMS fever points: 0 none, 1 > 37.5–38 °C, 2 > 38–39 °C, 3 > 39–40 °C, "
               "4 > 40 °C.", minimum=0, maximum=4, noun="fever points"),
        Column("max_temperature_c", "number", "Highest body temperature of the day (gives the mSMS fever points).",
               minimum=34, maximum=43, unit="°C"),
        _flag("generalised_lymphadenopathy",
              "Generalised lymphadenopathy (more than 3 lymph node stations) at this visit."),
        _flag("hepatosplenomegaly", "Hepatomegaly and/or splenomegaly at this visit."),
        _flag("serositis", "Serositis (pleuritis, pericarditis or peritonitis) at this visit."),
        Column("haemoglobin_g_dl", "number", "Haemoglobin (mSMS item: < 9 g/dL).", minimum=0, maximum=25, unit="g/dL"),
        Column("platelets_10e9_l", "number", "Platelet count (mSMS item with ferritin: > 600 × 10⁹/L).",
               minimum=0, maximum=3000, unit="10⁹/L"),
        Column("provenance", "string", "published; reconstructed (synthetic, consistent with published aggregates); "
               "simulated (synthetic registry); or observed (your own records).", codes=PROVENANCE_CODES),
    ),
)

#: Visits given by date (or study day) that fall outside every visit window, or second in one: kept
#: for the patient's own timeline at their exact week, never in the per-week summaries. Read from
#: the visits file and checked with the visits' columns; not a table of the bundled data.
UNSCHEDULED_VISITS = Table(
    name="unscheduled_visits",
    filename="visits.csv",
    required=False,
    description="Visits outside every visit window, at their exact time since the IL-1 blocker was started.",
    columns=(
        VISITS.column("patient_id"),
        Column("study_day", "integer", "Days since the IL-1 blocker was started.", required=True, nullable=False,
               minimum=0, maximum=3640, noun="days"),
        Column("week", "number", "Exact weeks since the IL-1 blocker was started (study day / 7).", required=True,
               nullable=False, minimum=0, maximum=520, noun="weeks"),
        *(c for c in VISITS.columns if c.name not in ("patient_id", "week")),
    ),
)

ADVERSE_EVENTS = Table(
    name="adverse_events",
    filename="adverse_events.csv",
    required=False,
    description="One row per adverse event.",
    columns=(
        Column("patient_id", "string", "Patient (see patients.csv).", required=True, nullable=False),
        Column("week", "number", "Week of onset after week 0.", minimum=0, maximum=520, noun="weeks"),
        Column("term", "string", "What happened, in words.", required=True, nullable=False),
        Column("category", "string", "Broad category, e.g. infection.", required=False),
        Column("serious", "boolean", "Serious adverse event."),
        Column("provenance", "string", "published, reconstructed, simulated or observed.", codes=PROVENANCE_CODES),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (PATIENTS, TREATMENTS, VISITS, ADVERSE_EVENTS)}


def normalise_header(text: str) -> str:
    """A column header reduced to lower-case letters, digits and single underscores.

    Accents are dropped, the micro sign becomes ``u`` and any run of other
    characters (spaces, brackets, slashes, dashes) becomes one underscore, so
    units written in brackets match the schema's ``_unit`` suffixes.

    Examples
    --------
    >>> normalise_header("CRP (mg/L)")
    'crp_mg_l'
    >>> normalise_header(" Active joint count ")
    'active_joint_count'
    >>> normalise_header("Ferritin (µg/L)")
    'ferritin_ug_l'
    """
    text = str(text).replace("\u00b5", "u").replace("\u03bc", "u")  # micro sign, Greek mu
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


_PATIENT_ID_SYNONYMS = {
    k: "patient_id" for k in (
        "id", "patient", "patient_code", "patient_study_code", "patient_no", "patient_number", "pid", "pt_id",
        "study_code", "study_id", "subject", "subject_id", "subject_code", "participant", "participant_id",
    )
}

#: Other spellings of the schema's column headers, as real exports write them, per table.
#:
#: Keys are headers after :func:`normalise_header`; values are the schema's column names.
#: A header that already is (or normalises to) a column's own name is read as that column
#: and never looked up here. Only spellings whose unit is unambiguous map to a column with
#: a unit (``crp`` is read as mg/L, which is how CRP is reported in paediatric rheumatology;
#: ``steroid`` without a unit is not mapped, because mg/day and mg/kg/day overlap in range).
#: Headers naming a person, a date or a record number are never synonyms: see
#: :mod:`sjia_explore.identifiers`, which drops such columns.
#:
#: Examples
#: --------
#: >>> SYNONYMS["visits"]["joints"], SYNONYMS["visits"]["crp"], SYNONYMS["patients"]["subject_id"]
#: ('active_joints', 'crp_mg_l', 'patient_id')
SYNONYMS: dict[str, dict[str, str]] = {
    "patients": {
        **_PATIENT_ID_SYNONYMS,
        **{k: "study" for k in ("study_name", "cohort", "cohort_name", "trial", "source_study")},
        **{k: "case_label" for k in ("case", "label", "case_number", "publication_label")},
        **{k: "sex" for k in ("gender", "sex_m_f", "sex_f_m")},
        **{k: "age_onset_years" for k in (
            "age_at_onset", "age_at_onset_years", "age_onset", "onset_age", "age_at_disease_onset",
            "age_at_onset_y", "age_onset_y")},
        **{k: "age_diagnosis_years" for k in (
            "age_at_diagnosis", "age_at_diagnosis_years", "age_diagnosis", "age_at_dx", "age_at_diagnosis_y")},
        **{k: "months_onset_to_treatment" for k in (
            "disease_duration_months", "duration_months", "months_to_treatment", "time_to_treatment_months",
            "onset_to_treatment_months", "months_from_onset_to_treatment", "disease_duration_mo")},
        **{k: "treatment" for k in ("il1_blocker", "il_1_blocker", "drug", "biologic", "study_drug", "treatment_drug")},
        **{k: "exposure_months" for k in (
            "exposure", "exposure_mo", "follow_up_months", "time_on_treatment_months", "treatment_duration_months")},
        **{k: "prior_steroid_months" for k in ("prior_steroid_duration_months", "steroid_months_before_treatment")},
        **{k: "active_joints_baseline" for k in (
            "baseline_active_joints", "active_joints_at_baseline", "ajc_baseline", "baseline_ajc",
            "joints_baseline", "baseline_joints")},
        **{k: "fever" for k in ("baseline_fever", "fever_at_baseline")},
        **{k: "rash" for k in ("baseline_rash", "rash_at_baseline")},
        **{k: "lymphadenopathy" for k in ("baseline_lymphadenopathy", "lymphadenopathy_at_baseline", "lymph_nodes")},
        **{k: "myalgia" for k in ("baseline_myalgia", "myalgia_at_baseline")},
        **{k: "prior_mas" for k in ("mas", "previous_mas", "history_of_mas", "mas_history", "mas_before_treatment")},
        **{k: "ferritin_gt_330" for k in ("ferritin_330", "ferritin_over_330", "high_ferritin")},
        **{k: "wbc_gt_15000" for k in ("wbc_15000", "wbc_over_15000", "leukocytosis")},
        **{k: "esr_gt_20" for k in ("esr_20", "esr_over_20", "raised_esr")},
        **{k: "crp_gt_10" for k in ("crp_10", "crp_over_10", "raised_crp")},
        **{k: "transaminases_increased" for k in (
            "elevated_transaminases", "raised_transaminases", "increased_transaminases", "transaminases")},
    },
    "treatments": {
        **_PATIENT_ID_SYNONYMS,
        **{k: "period" for k in ("time_period", "treatment_period", "when")},
        **{k: "drug_class" for k in ("class", "drug_type", "therapy_class")},
        **{k: "drug" for k in ("medication", "medicine", "drug_name", "agent", "treatment")},
        **{k: "received" for k in ("given", "taken", "used")},
    },
    "visits": {
        **_PATIENT_ID_SYNONYMS,
        **{k: "week" for k in (
            "visit_week", "weeks", "wk", "visit", "week_number", "time_weeks", "weeks_since_start", "study_week",
            "week_of_treatment")},
        **{k: "active_joints" for k in (
            "joints", "active_joint_count", "active_joints_count", "ajc", "n_active_joints",
            "number_of_active_joints", "joint_count", "active_joint")},
        **{k: "physician_global" for k in ("physician_global_assessment", "phga", "md_global", "physician_vas")},
        **{k: "parent_global" for k in (
            "parent_global_assessment", "parent_vas", "patient_global", "patient_global_assessment", "pgawb")},
        **{k: "esr_mm_h" for k in ("esr", "esr_mm_hr", "sed_rate")},
        **{k: "systemic_score" for k in ("systemic", "systemic_manifestations_score")},
        **{k: "sjadas27" for k in ("sjadas", "sjadas_27", "sjadas27_score", "sjadas_score")},
        **{k: "jadas27" for k in ("jadas_27", "jadas27_score")},
        **{k: "cjadas27" for k in ("cjadas_27", "cjadas27_score", "clinical_jadas27")},
        # mSMS items. Haemoglobin and platelets without a unit are read in g/dL and 10^9/L: the other units in use
        # (g/L; 10^9/L is 10^3/uL) give values outside the column's range, so a wrong unit is reported, not misread.
        **{k: "fever_grade" for k in ("fever_points", "msms_fever", "fever_score", "msms_fever_points")},
        **{k: "max_temperature_c" for k in (
            "max_temperature", "max_temp", "max_temp_c", "maximum_temperature", "maximum_temperature_c",
            "temperature", "temperature_c", "temp_c", "highest_temperature", "highest_temperature_c", "tmax")},
        **{k: "generalised_lymphadenopathy" for k in (
            "generalized_lymphadenopathy", "lymphadenopathy_generalised", "lymphadenopathy_generalized")},
        **{k: "hepatosplenomegaly" for k in (
            "hepatomegaly_or_splenomegaly", "hepatomegaly_and_or_splenomegaly", "hepatomegaly_splenomegaly",
            "hepato_splenomegaly", "organomegaly")},
        **{k: "haemoglobin_g_dl" for k in (
            "hemoglobin_g_dl", "hb_g_dl", "hgb_g_dl", "haemoglobin", "hemoglobin", "hb", "hgb")},
        **{k: "platelets_10e9_l" for k in (
            "platelets", "platelet_count", "plt", "platelets_10_9_l", "platelets_109_l", "platelets_x10_9_l",
            "platelet_count_10_9_l", "plt_10_9_l", "platelets_10_3_ul", "platelets_103_ul", "platelets_k_ul")},
        **{k: "steroid_mg_kg_day" for k in (
            "prednisone_mg_kg_day", "prednisolone_mg_kg_day", "pred_mg_kg_day", "steroid_mg_kg",
            "steroid_dose_mg_kg_day", "corticosteroid_mg_kg_day", "gc_mg_kg_day", "steroid_mg_kg_d")},
        **{k: "crp_mg_l" for k in ("crp", "c_reactive_protein", "c_reactive_protein_mg_l", "crp_mg_per_l")},
        **{k: "ferritin_ng_ml" for k in ("ferritin", "ferritin_ug_l", "serum_ferritin")},
        **{k: "il18_pg_ml" for k in ("il18", "il_18", "il_18_pg_ml", "interleukin_18")},
        **{k: "mrp8_14_ng_ml" for k in ("mrp8_14", "mrp_8_14", "s100a8_a9", "s100a8_s100a9")},
    },
    "adverse_events": {
        **_PATIENT_ID_SYNONYMS,
        **{k: "week" for k in ("onset_week", "week_of_onset", "ae_week", "visit_week", "weeks")},
        **{k: "term" for k in ("event", "adverse_event", "ae", "ae_term", "description", "preferred_term")},
        **{k: "category" for k in ("ae_category", "soc", "system_organ_class", "type")},
        **{k: "serious" for k in ("sae", "is_serious", "serious_ae")},
    },
}


def canonical_column(header: str, table: str) -> str | None:
    """The schema column of ``table`` that ``header`` names, or ``None``.

    The header's own name wins, then its normalised form, then :data:`SYNONYMS`.

    Examples
    --------
    >>> canonical_column("Active joint count", "visits")
    'active_joints'
    >>> canonical_column("CRP (mg/L)", "visits")
    'crp_mg_l'
    >>> canonical_column("drug", "treatments"), canonical_column("drug", "patients")
    ('drug', 'treatment')
    >>> canonical_column("comments", "visits") is None
    True
    """
    names = TABLES[table].names
    stripped = str(header).strip()
    if stripped in names:
        return stripped
    norm = normalise_header(stripped)
    if norm in names:
        return norm
    return SYNONYMS[table].get(norm)


#: Said of a table with a header and no rows.
NO_ROWS = "the file has a header but no rows; add at least one row"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, where it is, and in plain words."""

    file: str
    row: int | None  # spreadsheet row: header = 1, first data row = 2; None for the whole file/column
    column: str | None
    message: str

    def __str__(self) -> str:
        """``file:row:column: message`` where both are known, else the known parts in words (never ``::``).

        Examples
        --------
        >>> str(Problem("visits.csv", 3, "week", "not a number")), str(Problem("a.zip", None, None, "damaged"))
        ('visits.csv:3:week: not a number', 'a.zip: damaged')
        >>> str(Problem("visits.csv", None, "sjadas27", "derived")), str(Problem("visits.csv", 4, None, "6 cells"))
        ('visits.csv, column sjadas27: derived', 'visits.csv, row 4: 6 cells')
        """
        if self.row is not None and self.column:
            return f"{self.file}:{self.row}:{self.column}: {self.message}"
        where = self.file + ("" if self.row is None else f", row {self.row}") + (
            f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


_PANDAS_DTYPE = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean"}


def _cell_text(value) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _normalise_cells(df: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Strip cells, turn missing-value spellings into NA and yes/no spellings into booleans."""
    out = df.copy()
    for name in out.columns:
        col = out[name].astype("string").str.strip()
        col = col.mask(col.str.lower().isin(MISSING_TOKENS))
        if name in table.names and table.column(name).kind == "boolean":
            low = col.str.lower()
            as_bool = col.astype(object)
            as_bool[low.isin(TRUE_TOKENS).fillna(False).astype(bool)] = True
            as_bool[low.isin(FALSE_TOKENS).fillna(False).astype(bool)] = False
            out[name] = as_bool
            continue
        out[name] = col
    return out


def _coerce(df: pd.DataFrame, table: Table, problems: list[Problem]) -> pd.DataFrame:
    """Pass 1: coerce every known column; unreadable cells become problems and NA."""
    import pandera.pandas as pa

    present = [c for c in table.columns if c.name in df.columns]
    schema = pa.DataFrameSchema(
        {c.name: pa.Column(_PANDAS_DTYPE[c.kind], coerce=True, nullable=True) for c in present},
        strict=False,
    )
    try:
        return schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        bad = cases[cases["check"].astype(str).str.startswith("coerce_dtype")]
        out = df.copy()
        for _, case in bad.drop_duplicates(["column", "index"]).iterrows():
            col = table.column(case["column"])
            idx = case["index"]
            problems.append(Problem(
                table.filename, int(idx) + 2, col.name,
                f'"{_cell_text(case["failure_case"])}" is not {col.expectation()}',
            ))
            out.loc[idx, col.name] = pd.NA
        return schema.validate(out, lazy=False)


def _check(df: pd.DataFrame, table: Table, problems: list[Problem], known_patients: pd.Series | None) -> None:
    """Pass 2: ranges, codes, required cells, keys and links to patients.csv."""
    import pandera.pandas as pa

    columns = {}
    for c in table.columns:
        if c.name not in df.columns:
            continue
        checks = []
        if c.minimum is not None or c.maximum is not None:
            lo = -float("inf") if c.minimum is None else c.minimum
            hi = float("inf") if c.maximum is None else c.maximum
            checks.append(pa.Check.in_range(lo, hi, error="range"))
        if c.codes is not None:
            checks.append(pa.Check.isin(list(c.codes), error="codes"))
        if c.name == "patient_id" and known_patients is not None:
            checks.append(pa.Check.isin(list(known_patients.dropna()), error="known_patient"))
        columns[c.name] = pa.Column(nullable=c.nullable, checks=checks)
    key = [k for k in table.primary_key if k in df.columns]
    schema = pa.DataFrameSchema(columns, strict=False)
    said = {(p.row, p.column) for p in problems}  # cells pass 1 could not read: not "a value is required" too
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        for _, case in err.failure_cases.iterrows():
            problem = _describe(table, case)
            if not (str(case["check"]) == "not_nullable" and (problem.row, problem.column) in said):
                problems.append(problem)
    if key and len(key) == len(table.primary_key):
        dup = df.duplicated(subset=key, keep="first") & df[key].notna().all(axis=1)
        for idx in df.index[dup]:
            first = df.index[(df[key] == df.loc[idx, key]).all(axis=1)][0]
            what = ", ".join(f"{k} {df.loc[idx, k]}" for k in key)
            problems.append(Problem(
                table.filename, int(idx) + 2, key[-1],
                f"duplicate row for {what} (first given on row {int(first) + 2}); keep one row per {' and '.join(key)}",
            ))


def _describe(table: Table, case) -> Problem:
    col_name = case["column"]
    col = table.column(col_name)
    row = None if pd.isna(case["index"]) else int(case["index"]) + 2
    check = str(case["check"])
    value = case["failure_case"]
    if check == "not_nullable":
        msg = f"a value is required here: {col.expectation()}"
    elif check == "known_patient":
        msg = f'patient "{_cell_text(value)}" is not in patients.csv; add the patient there or correct the id'
    elif check == "codes":
        msg = f'"{_cell_text(value)}" is not a known code; use {col.expectation()}'
    elif check == "range":
        msg = f"{_cell_text(value)} is out of range; expected {col.expectation()}"
    else:  # pragma: no cover - a check we did not name
        msg = f'"{_cell_text(value)}" failed {check}'
    return Problem(table.filename, row, col_name, msg)


def validate_table(df: pd.DataFrame, table: Table, known_patients: pd.Series | None = None,
                   filename: str | None = None) -> tuple[list[Problem], pd.DataFrame]:
    """Check one table read as text; return its problems and the typed frame.

    Parameters
    ----------
    df
        The table as read from its file, every cell as text (or already typed).
    table
        Its definition from :data:`TABLES`.
    known_patients
        Patient ids from patients.csv; rows of other tables must refer to one.
    filename
        Name used in messages (defaults to the table's usual file name).

    Returns
    -------
    problems, typed
        All problems found and the frame with each column in its type
        (unreadable cells as missing). Columns not in the schema are kept as text.
    """
    t = table if filename is None else Table(table.name, filename, table.required, table.description,
                                             table.columns, table.primary_key)
    problems: list[Problem] = []
    df = df.reset_index(drop=True)
    missing = [c.name for c in t.columns if c.required and c.name not in df.columns]
    for name in missing:
        problems.append(Problem(t.filename, 1, name,
                                f"required column is missing; add a column headed {name} "
                                f"({t.column(name).expectation()})"))
    if len(df) == 0:
        problems.append(Problem(t.filename, None, None, NO_ROWS))
    typed = _coerce(_normalise_cells(df, t), t, problems)
    _check(typed, t, problems, known_patients)
    return problems, typed


def _normalise_cells_plain(df: pd.DataFrame, table: Table) -> pd.DataFrame:
    """:func:`_normalise_cells` cell by cell in plain Python: the same result, about three times faster on a
    small table (a new viewer's kernel loads the bundled cohort through it)."""
    columns = {}
    for name in df.columns:
        boolean = name in table.names and table.column(name).kind == "boolean"
        values = []
        for value in df[name].tolist():
            text = None if value is None or value is pd.NA or value != value else str(value).strip()
            low = None if text is None else text.lower()
            if low is None or low in MISSING_TOKENS:
                values.append(pd.NA if boolean else None)
            elif boolean and low in TRUE_TOKENS:
                values.append(True)
            elif boolean and low in FALSE_TOKENS:
                values.append(False)
            else:
                values.append(text)
        columns[name] = pd.Series(values, dtype=object) if boolean else pd.array(values, dtype="string")
    return pd.DataFrame(columns, index=df.index)


def type_trusted_tables(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Each table in its column types, without checking it: for files already known to be valid.

    The same cleaning and types as :func:`validate_tables` (cells stripped, missing
    and yes/no spellings read, each known column cast to its type), without the
    validator, which takes most of the time of loading a small cohort (importing
    it included). Only for the bundled data, which the test suite validates and
    compares with this path (``tests/test_validate.py``); anything else goes
    through :func:`validate_tables`. A cell that cannot be read raises.
    """
    typed = {}
    for name, df in frames.items():
        table = TABLES[name]
        out = _normalise_cells_plain(df.reset_index(drop=True), table)
        # text as the validator leaves it: pandas' default string type ("str", missing as NaN)
        typed[name] = out.astype({c.name: "str" if c.kind == "string" else _PANDAS_DTYPE[c.kind]
                                  for c in table.columns if c.name in out.columns})
    return typed


def validate_tables(frames: dict[str, pd.DataFrame], filenames: dict[str, str] | None = None
                    ) -> tuple[list[Problem], dict[str, pd.DataFrame]]:
    """Check all tables of a cohort together (patients first, then tables that refer to them).

    Parameters
    ----------
    frames
        Table name -> frame, e.g. ``{"patients": ..., "visits": ...}``.
    filenames
        Table name -> file name to use in messages.

    Returns
    -------
    problems, typed
        Every problem in every table, and each table in its column types.
    """
    filenames = filenames or {}
    problems: list[Problem] = []
    typed: dict[str, pd.DataFrame] = {}
    for name in ("patients", "treatments", "visits", "adverse_events"):
        table = TABLES[name]
        if name not in frames:
            if table.required:
                problems.append(Problem(filenames.get(name, table.filename), None, None,
                                        f"the {name} table is required but was not found; provide {table.filename}"))
            continue
        known = typed["patients"]["patient_id"] if name != "patients" and "patients" in typed \
            and "patient_id" in typed["patients"] else None
        found, typed[name] = validate_table(frames[name], table, known, filenames.get(name))
        problems.extend(found)
    return problems, typed


def datapackage_schema(table: Table) -> dict:
    """Frictionless Table Schema for ``table`` (fields, primary key, foreign keys)."""
    out: dict = {"fields": [c.frictionless() for c in table.columns]}
    if table.primary_key:
        out["primaryKey"] = list(table.primary_key)
    if table.name != "patients":
        out["foreignKeys"] = [{"fields": "patient_id", "reference": {"resource": "patients", "fields": "patient_id"}}]
    return out
