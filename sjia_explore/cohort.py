"""A cohort (four tidy tables) and the subgroups a user can slice it into.

A :class:`Cohort` is never changed in place: :meth:`Cohort.filter` returns a new
one holding copies of the matching rows. Derived fields (prior biologics, the
early/late split, steroid at baseline) are computed from the stored tables on
demand and never written back.

Examples
--------
>>> from sjia_explore import load_cohort
>>> c = load_cohort()
>>> early = c.filter(duration="early", early_cutoff_months=12)
>>> early.n_patients < c.n_patients
True
>>> c.filter(prior_biologic_any=("adalimumab",), studies=("qiu2024",)).n_patients
5
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from sjia_explore import derive
from sjia_explore.conventions import ABSENT
from sjia_explore.schema import TABLES, UNSCHEDULED_VISITS

Duration = Literal["any", "early", "late"]

#: Drug classes counted as "prior biologic" (JAK inhibitors included: they are the other advanced therapy).
ADVANCED_THERAPY_CLASSES = ("bDMARD", "JAKi")
DEFAULT_EARLY_CUTOFF_MONTHS = 12.0


@dataclass(frozen=True)
class Subgroup:
    """Which patients to keep. Every criterion left at its default keeps everyone.

    Parameters
    ----------
    studies
        Keep patients of these studies (empty: all studies).
    prior_biologic_any
        Keep patients who received at least one of these drugs before week 0.
    prior_biologic_none
        Keep patients who received none of these drugs before week 0.
    duration
        ``"early"``: months from onset to treatment below ``early_cutoff_months``;
        ``"late"``: at or above it; ``"any"``: no restriction.
    early_cutoff_months
        The window-of-opportunity cut-off, in months (default 12).
    prior_mas
        ``True``/``False`` to keep patients with/without MAS before week 0.
    sex
        ``"F"`` or ``"M"``.
    baseline_steroid
        ``True``/``False`` to keep patients on/off corticosteroid at week 0.
    """

    studies: tuple[str, ...] = ()
    prior_biologic_any: tuple[str, ...] = ()
    prior_biologic_none: tuple[str, ...] = ()
    duration: Duration = "any"
    early_cutoff_months: float = DEFAULT_EARLY_CUTOFF_MONTHS
    prior_mas: bool | None = None
    sex: str | None = None
    baseline_steroid: bool | None = None

    def __post_init__(self):
        for name in ("studies", "prior_biologic_any", "prior_biologic_none"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, name, tuple(sorted(str(v) for v in value)))
        if self.duration not in ("any", "early", "late"):
            raise ValueError(f"duration must be 'any', 'early' or 'late', not {self.duration!r}")
        if not 0 < float(self.early_cutoff_months) <= 240:
            raise ValueError(f"early_cutoff_months must be between 0 and 240 months, not {self.early_cutoff_months!r}")
        object.__setattr__(self, "early_cutoff_months", float(self.early_cutoff_months))
        if self.sex not in (None, "F", "M"):
            raise ValueError(f"sex must be None, 'F' or 'M', not {self.sex!r}")
        for name in ("prior_mas", "baseline_steroid"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, (bool, np.bool_)):
                raise ValueError(f"{name} must be True, False or None, not {value!r}")
            object.__setattr__(self, name, None if value is None else bool(value))

    def to_dict(self) -> dict:
        """Plain, JSON-ready form (tuples as lists)."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: dict) -> Subgroup:
        """Inverse of :meth:`to_dict`; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown subgroup field(s): {', '.join(sorted(unknown))}")
        return cls(**values)

    def describe(self, drug_label: Callable[[str], str] = str, study_label: Callable[[str], str] = str) -> str:
        """The subgroup in plain words, e.g. ``treated < 12 months from onset, MAS before``.

        Parameters
        ----------
        drug_label, study_label
            How to name a drug or a study (the app passes its display names).

        Examples
        --------
        >>> Subgroup(prior_biologic_none=("etanercept",), sex="F").describe()
        'never had etanercept, female'
        """
        parts = []
        if self.studies:
            parts.append("study " + " or ".join(study_label(s) for s in self.studies))
        if self.prior_biologic_any:
            parts.append("had " + " or ".join(drug_label(d) for d in self.prior_biologic_any))
        if self.prior_biologic_none:
            parts.append("never had " + " or ".join(drug_label(d) for d in self.prior_biologic_none))
        cut = f"{self.early_cutoff_months:g}"
        if self.duration == "early":
            parts.append(f"treated < {cut} months from onset")
        elif self.duration == "late":
            parts.append(f"treated ≥ {cut} months from onset")
        if self.prior_mas is not None:
            parts.append("MAS before" if self.prior_mas else "no MAS before")
        if self.sex is not None:
            parts.append("female" if self.sex == "F" else "male")
        if self.baseline_steroid is not None:
            parts.append("on corticosteroid at week 0" if self.baseline_steroid else "off corticosteroid at week 0")
        return ", ".join(parts) if parts else "all patients"


def prior_drugs(treatments: pd.DataFrame, classes: tuple[str, ...] = ADVANCED_THERAPY_CLASSES) -> pd.DataFrame:
    """Drugs received before week 0, one row per patient and drug.

    Examples
    --------
    >>> t = pd.DataFrame({"patient_id": ["a", "a", "b"], "period": ["previous"] * 3,
    ...                   "drug_class": ["bDMARD", "NSAID", "bDMARD"],
    ...                   "drug": ["tocilizumab", "naproxen", "etanercept"], "received": [True, True, False]})
    >>> prior_drugs(t)[["patient_id", "drug"]].values.tolist()
    [['a', 'tocilizumab']]
    """
    if treatments.empty:
        return pd.DataFrame(columns=["patient_id", "drug"])
    mask = (treatments["period"] == "previous") & treatments["drug_class"].isin(classes) \
        & treatments["received"].fillna(False).astype(bool)
    return treatments.loc[mask, ["patient_id", "drug"]].drop_duplicates().reset_index(drop=True)


def baseline_steroid(visits: pd.DataFrame) -> pd.Series:
    """Whether each patient was on corticosteroid at week 0 (steroid dose > 0), indexed by patient_id.

    Patients with no week-0 dose recorded are missing (``<NA>``), not ``False``.
    """
    if "steroid_mg_kg_day" not in visits:
        return pd.Series(dtype="boolean", name="baseline_steroid")
    week0 = visits.loc[visits["week"] == 0].set_index("patient_id")["steroid_mg_kg_day"]
    on = week0.astype("Float64") > 0
    return on.astype("boolean").rename("baseline_steroid")


def early_flag(months_onset_to_treatment: pd.Series, early_cutoff_months: float) -> pd.Series:
    """True when treatment started before the cut-off; missing when the duration is unknown."""
    months = months_onset_to_treatment.astype("Float64")
    return (months < early_cutoff_months).astype("boolean")


def duration_group_label(early: bool, early_cutoff_months: float) -> str:
    """Words for one side of the early/late split, e.g. ``early (< 12 mo)``."""
    cut = f"{early_cutoff_months:g}"
    return f"early (< {cut} mo)" if early else f"late (≥ {cut} mo)"


def _empty(table: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in TABLES[table].names})


def _empty_unscheduled() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in UNSCHEDULED_VISITS.names})


@dataclass(frozen=True)
class Cohort:
    """Four tidy tables of one cohort (or a subgroup of it), with their provenance.

    Use :func:`sjia_explore.load_cohort` to make one; :meth:`filter` to slice it.

    Attributes
    ----------
    patients, treatments, visits, adverse_events
        The tables described in :func:`sjia_explore.load_cohort`.
    provenance
        One row per table, column and study: ``published``, ``reconstructed``,
        ``not reported`` or ``not applicable`` (empty for your own data).
    source
        Where the data came from, in words.
    sha256
        Digest of the files read, for export provenance.
    subgroup
        The :class:`Subgroup` this cohort was filtered to.
    warnings
        What the loader assumed or dropped while reading the files (columns
        renamed or dropped as identifiers, encoding guessed, units converted),
        one ``file:row:column: message`` line each.
    unscheduled_visits
        Visits given by date that fall outside every visit window (or second in
        one), with ``study_day`` and their exact ``week`` (a number): for a
        patient's own timeline only, never in per-week summaries. Empty unless
        visits were given by date or study day.
    """

    patients: pd.DataFrame
    treatments: pd.DataFrame
    visits: pd.DataFrame
    adverse_events: pd.DataFrame
    provenance: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["table", "column", "study", "status"]))
    source: str = ""
    sha256: str = ""
    subgroup: Subgroup = field(default_factory=Subgroup)
    warnings: tuple[str, ...] = ()
    unscheduled_visits: pd.DataFrame = field(default_factory=lambda: _empty_unscheduled())

    @classmethod
    def from_tables(cls, patients: pd.DataFrame, visits: pd.DataFrame,
                    treatments: pd.DataFrame | None = None, adverse_events: pd.DataFrame | None = None,
                    unscheduled_visits: pd.DataFrame | None = None, **kwargs) -> Cohort:
        """Build a cohort from frames already in the schema's types (missing optional tables become empty)."""
        if unscheduled_visits is not None:
            kwargs["unscheduled_visits"] = unscheduled_visits.sort_values(["patient_id", "study_day"]
                                                                          ).reset_index(drop=True)
        return cls(
            patients=patients.reset_index(drop=True),
            visits=visits.sort_values(["patient_id", "week"]).reset_index(drop=True),
            treatments=(treatments if treatments is not None else _empty("treatments")).reset_index(drop=True),
            adverse_events=(
                adverse_events if adverse_events is not None else _empty("adverse_events")
            ).reset_index(drop=True),
            **kwargs,
        )

    # -- size ---------------------------------------------------------------
    @cached_property
    def n_patients(self) -> int:
        """Number of distinct patients (counted once: a cohort's tables are not changed in place)."""
        return int(self.patients["patient_id"].nunique())

    @property
    def is_bundled(self) -> bool:
        """True for the bundled studies (``load_cohort()``), False for a cohort of your own."""
        return (self.source or "").startswith("bundled")

    @property
    def studies(self) -> list[str]:
        return sorted(self.patients["study"].dropna().unique().tolist())

    def __repr__(self) -> str:
        return (f"Cohort({self.n_patients} patients, {len(self.visits)} visits, "
                f"{len(self.adverse_events)} adverse events; {self.subgroup.describe()})")

    # -- derived fields -----------------------------------------------------
    @cached_property
    def _prior_drugs(self) -> pd.DataFrame:
        return prior_drugs(self.treatments)

    @cached_property
    def _base_features(self) -> pd.DataFrame:
        """Patients with the derived columns that do not depend on the cut-off (computed once per cohort)."""
        out = self.patients.copy()
        out["baseline_steroid"] = out["patient_id"].map(baseline_steroid(self.visits)).astype("boolean")
        drugs = self._prior_drugs.sort_values(["patient_id", "drug"])
        joined = drugs.groupby("patient_id", sort=False)["drug"].agg(", ".join)
        out["prior_biologics"] = out["patient_id"].map(joined).astype("string").fillna("none")
        return out

    def patient_positions(self, df: pd.DataFrame) -> np.ndarray:
        """Per row of ``df`` (one of this cohort's tables), its patient's row in ``patients`` (−1 if none).

        Worked out once per table, so that a new selection of patients is a boolean mask, not a search
        (``patients`` must hold each patient once).

        Examples
        --------
        >>> from sjia_explore import load_cohort
        >>> c = load_cohort()
        >>> rows = c.patient_positions(c.visits)
        >>> bool((c.patients["patient_id"].to_numpy()[rows] == c.visits["patient_id"].to_numpy()).all())
        True
        """
        cache = self.__dict__.setdefault("_positions", {})
        key = id(df)
        if key not in cache or cache[key][0] is not df:
            cache[key] = (df, pd.Index(self.patients["patient_id"]).get_indexer(df["patient_id"]))
        return cache[key][1]

    def patient_features(self, early_cutoff_months: float | None = None) -> pd.DataFrame:
        """Patients with derived columns: ``early``, ``duration_group``, ``baseline_steroid``, ``prior_biologics``.

        Parameters
        ----------
        early_cutoff_months
            Cut-off for ``early``; defaults to the cohort's subgroup cut-off.
        """
        cut = self.subgroup.early_cutoff_months if early_cutoff_months is None else float(early_cutoff_months)
        base = self._base_features
        early = early_flag(base["months_onset_to_treatment"], cut)
        labels = pd.Series(np.where(early.fillna(False).to_numpy(dtype=bool), duration_group_label(True, cut),
                                    duration_group_label(False, cut)), index=base.index, dtype="string")
        out = base.copy()
        out.insert(len(self.patients.columns), "early", early)
        out.insert(len(self.patients.columns) + 1, "duration_group", labels.mask(early.isna()))
        return out

    def prior_biologic_options(self) -> list[str]:
        """Every biologic or JAK inhibitor any patient received before week 0, sorted."""
        return sorted(self._prior_drugs["drug"].unique().tolist())

    def _known_names(self, sub: Subgroup) -> Subgroup:
        """``sub`` with its studies and drugs spelled as this cohort spells them (case aside).

        A name that matches none of them is an error that lists them: a misspelt drug
        would otherwise keep nobody (``prior_biologic_any``) or everybody
        (``prior_biologic_none``) without a word.
        """
        drugs_words = ("drug", "drugs patients of this cohort received before week 0")
        known = {"studies": (lambda: self.studies, ("study", "studies of this cohort")),
                 "prior_biologic_any": (self.prior_biologic_options, drugs_words),
                 "prior_biologic_none": (self.prior_biologic_options, drugs_words)}
        changes = {}
        for name, (options, (what, listed)) in known.items():
            given = getattr(sub, name)
            if not given:
                continue
            # names of the subgroup this cohort was chosen by stay valid (a drug "never had" is in no row now)
            before = (self.subgroup.prior_biologic_any + self.subgroup.prior_biologic_none
                      if name.startswith("prior_biologic") else getattr(self.subgroup, name))
            names = list(dict.fromkeys([*options(), *before]))
            by_lower = {str(n).casefold(): str(n) for n in names}
            spelled = []
            for value in given:
                if value not in names and value.casefold() not in by_lower:
                    raise ValueError(f"{name}: no {what} {value!r} in this cohort; the {listed}: "
                                     f"{', '.join(map(str, names)) or 'none'}")
                spelled.append(value if value in names else by_lower[value.casefold()])
            if tuple(spelled) != given:
                changes[name] = tuple(spelled)
        return replace(sub, **changes) if changes else sub

    def provenance_studies(self, table: str, status: str, columns: list[str] | None = None) -> list[str]:
        """Studies of this cohort whose ``table`` (or ``columns`` of it) have provenance ``status``.

        The one look-up of the data package's provenance (``published``,
        ``reconstructed``, ``not reported``, ...) that every view uses.

        Examples
        --------
        >>> from sjia_explore import load_cohort
        >>> load_cohort().provenance_studies("visits", "not reported", ["steroid_mg_kg_day"])
        ['vastert2011']
        """
        rows = self._provenance_rows(table)
        rows = rows[rows["status"] == status]
        if columns is not None:
            rows = rows[rows["column"].isin(columns)]
        return sorted(rows["study"].astype(str).unique())

    def _provenance_rows(self, table: str) -> pd.DataFrame:
        """The data package's provenance rows of ``table`` for this cohort's studies (the one look-up)."""
        prov = self.provenance
        if prov is None or prov.empty:
            return pd.DataFrame(columns=["table", "column", "study", "status"])
        return prov[(prov["table"] == table) & prov["study"].isin(self.studies)]

    def is_reconstructed(self, table: str = "visits", columns: list[str] | None = None) -> bool:
        """True when any value of ``table`` (or of ``columns`` in it) shown for this cohort is reconstructed."""
        df = getattr(self, table)
        if "provenance" in df.columns and (df["provenance"] == "reconstructed").any():
            return True
        return bool(self.provenance_studies(table, "reconstructed", columns))

    def reconstructed_columns(self, table: str) -> list[str]:
        """Columns of ``table`` whose values are reconstructed for any study in this cohort.

        Examples
        --------
        >>> from sjia_explore import load_cohort
        >>> "exposure_months" in load_cohort().filter(studies=("qiu2024",)).reconstructed_columns("patients")
        True
        """
        df = getattr(self, table)
        if "provenance" in df.columns and (df["provenance"] == "reconstructed").any():
            return list(df.columns)
        return [c for c in df.columns if self.provenance_studies(table, "reconstructed", [c])]

    def table_one(self, early_cutoff_months: float | None = None, groupby: str | None = "duration_group",
                  ledger=None) -> pd.DataFrame:
        """Table 1 of this cohort, with the outcomes at week 0, its reconstructed rows labelled as such.

        :func:`sjia_explore.tables.table_one` on :meth:`patient_features` (split at
        ``early_cutoff_months``, default the subgroup's) and the week-0 outcomes
        (:func:`sjia_explore.tables.with_week0_outcomes`), told which columns are
        reconstructed, so that their rows read "Reconstructed: …". ``groupby=None``: one column.

        Examples
        --------
        >>> from sjia_explore import load_cohort
        >>> t = load_cohort().filter(studies=("qiu2024",)).table_one()
        >>> [label for label in t.index.get_level_values(0).unique() if label.startswith("Reconstructed")][0]
        'Reconstructed: Time on treatment, months, mean (SD)'
        """
        from sjia_explore import tables

        features = tables.with_week0_outcomes(self.patient_features(early_cutoff_months), self.visits)
        reconstructed = self.reconstructed_columns("patients") + [
            c + tables.WEEK0_SUFFIX for c in tables.WEEK0_OUTCOMES
            if c in self.visits.columns and self.is_reconstructed("visits", columns=[c])]
        return tables.table_one(features, groupby=groupby, ledger=ledger, reconstructed=reconstructed)

    def adverse_event_summary(self, **options) -> pd.DataFrame:
        """Adverse events of this cohort: counts and rate, leaving out the studies that did not collect them.

        :func:`sjia_explore.stats.adverse_event_summary` on this cohort's tables, told which
        studies' adverse events were not reported (by a paper) or not recorded (your files
        held no adverse-events table): their patients are no denominator, and the note says so.
        ``options`` go to that function (``by=``, ``follow_up_years=``, ``windows=``).

        Examples
        --------
        >>> from sjia_explore import load_cohort
        >>> r = load_cohort().adverse_event_summary().iloc[0]
        >>> int(r["n_patients"]), int(r["n_events"]), round(float(r["rate_per_100_py"]), 1)
        (11, 20, 363.6)
        """
        from sjia_explore import stats

        return stats.adverse_event_summary(self.adverse_events, self.patients,
                                           not_recorded=self.absent_studies("adverse_events", "patient_id"),
                                           **options)

    def absent_studies(self, table: str, column: str) -> dict[str, str]:
        """Studies of this cohort with no value of ``column`` in ``table`` by design, and why: ``{study: status}``
        (``not reported`` by a paper, ``not recorded`` by your files: :data:`sjia_explore.conventions.ABSENT`).

        Examples
        --------
        >>> from sjia_explore import load_cohort
        >>> load_cohort().absent_studies("adverse_events", "patient_id")
        {'vastert2011': 'not reported'}
        """
        return {study: status for status in ABSENT for study in self.provenance_studies(table, status, [column])}

    def column_provenance(self, table: str, column: str) -> dict[str, str]:
        """Where ``column`` of ``table`` comes from, per study of this cohort: ``{study: status}``.

        Statuses are those of the bundled data package (``published``, ``reconstructed``,
        ``not reported``, ``not applicable``) and, for your own files, ``computed from
        components`` / ``computed from mSMS items`` where the loader computed a score
        (:mod:`sjia_explore.derive`). Columns taken as given have no entry.

        Examples
        --------
        >>> from sjia_explore import load_cohort
        >>> load_cohort().column_provenance("visits", "steroid_mg_kg_day")
        {'qiu2024': 'reconstructed', 'vastert2011': 'not reported'}
        """
        rows = self._provenance_rows(table)
        rows = rows[rows["column"] == column]
        return {str(r.study): str(r.status) for r in rows.sort_values("study").itertuples()}

    def missing_outcome_note(self, column: str) -> str | None:
        """The sentence to show in place of an outcome's charts when no visit has a value of it; else ``None``.

        For ``active_joints``, ``sjadas27`` and ``steroid_mg_kg_day``: which charts and analyses
        have nothing to show and which column would fill them (the loader gives the same sentence
        as a warning). See :func:`sjia_explore.derive.missing_outcome_note`.

        Examples
        --------
        >>> from sjia_explore import load_cohort
        >>> load_cohort().missing_outcome_note("active_joints") is None
        True
        """
        return derive.missing_outcome_note(self.visits, column)

    def is_simulated(self) -> bool:
        """True when any visit or adverse event of this cohort is simulated (see :mod:`sjia_explore.simulate`)."""
        return any("provenance" in df.columns and (df["provenance"] == "simulated").any()
                   for df in (self.visits, self.adverse_events))

    # -- slicing ------------------------------------------------------------
    def filter(self, subgroup: Subgroup | None = None, **criteria) -> Cohort:
        """A new cohort holding only the patients of ``subgroup`` (and their rows in every table).

        Parameters
        ----------
        subgroup
            A :class:`Subgroup`; or give its fields as keyword arguments
            (``duration="early"``, ``prior_mas=True``, ...). Both together:
            the keywords override the subgroup's fields.

        Examples
        --------
        >>> from sjia_explore import load_cohort
        >>> c = load_cohort()
        >>> c.filter(prior_mas=True).n_patients
        3
        """
        sub = subgroup or self.subgroup
        if criteria:
            sub = replace(sub, **criteria)
        sub = self._known_names(sub)
        kept = np.ones(len(self.patients), dtype=bool)
        for mask in self._masks(sub).values():
            kept &= mask
        return self.subset(kept, sub)

    def subgroup_masks(self, subgroup: Subgroup) -> dict[str, np.ndarray]:
        """Which patients meet each criterion of ``subgroup`` that is set: one boolean per row of ``patients``.

        Keyed by the :class:`Subgroup` field (``"studies"``, ``"prior_biologic_any"``,
        ``"prior_biologic_none"``, ``"duration"``, ``"prior_mas"``, ``"sex"``,
        ``"baseline_steroid"``); a criterion left at its default is not in it. A
        patient with no value of a yes/no or sex criterion does not meet it
        (:meth:`not_recorded` says who). :meth:`filter` keeps the patients who meet
        them all; counting how many each one leaves needs no new cohort.

        Examples
        --------
        >>> from sjia_explore import load_cohort
        >>> c = load_cohort()
        >>> masks = c.subgroup_masks(Subgroup(sex="F", prior_mas=True))
        >>> sorted(masks)
        ['prior_mas', 'sex']
        >>> int((masks["sex"] & masks["prior_mas"]).sum()) == c.filter(sex="F", prior_mas=True).n_patients
        True
        """
        return self._masks(self._known_names(subgroup))

    def _masks(self, sub: Subgroup) -> dict[str, np.ndarray]:
        """:meth:`subgroup_masks` of a subgroup whose names are spelled as this cohort spells them."""
        base = self._base_features
        masks: dict[str, np.ndarray] = {}

        def put(name: str, values: pd.Series) -> None:
            masks[name] = values.fillna(False).to_numpy(dtype=bool)

        if sub.studies:
            put("studies", base["study"].isin(sub.studies))
        drugs = self._prior_drugs
        if sub.prior_biologic_any:
            put("prior_biologic_any", base["patient_id"].isin(
                drugs.loc[drugs["drug"].isin(sub.prior_biologic_any), "patient_id"]))
        if sub.prior_biologic_none:
            put("prior_biologic_none", ~base["patient_id"].isin(
                drugs.loc[drugs["drug"].isin(sub.prior_biologic_none), "patient_id"]))
        if sub.duration != "any":
            early = early_flag(base["months_onset_to_treatment"], sub.early_cutoff_months)
            put("duration", early if sub.duration == "early" else ~early)
        if sub.prior_mas is not None:
            put("prior_mas", self._recorded("prior_mas").astype("boolean").eq(sub.prior_mas))
        if sub.sex is not None:
            put("sex", self._recorded("sex").eq(sub.sex))
        if sub.baseline_steroid is not None:
            put("baseline_steroid", self._recorded("baseline_steroid").eq(sub.baseline_steroid))
        return masks

    def _recorded(self, column: str) -> pd.Series:
        """A patient column of :attr:`_base_features`; a file without it has no value for anybody (a filter on
        it keeps nobody, and :meth:`not_recorded` says why) rather than failing."""
        base = self._base_features
        return base[column] if column in base.columns else pd.Series(pd.NA, index=base.index, dtype="object")

    def not_recorded(self, column: str) -> np.ndarray:
        """Which patients have no value of ``column``: one boolean per row of ``patients``.

        ``column`` is a column of :meth:`patient_features` that does not depend on the
        cut-off (``"sex"``, ``"prior_mas"``, ``"baseline_steroid"``, ...). A yes/no or sex
        criterion of :meth:`subgroup_masks` leaves these patients out.

        Examples
        --------
        >>> from sjia_explore import load_cohort
        >>> int(load_cohort().not_recorded("sex").sum())  # Vastert 2011 did not report its patients' sex
        5
        """
        return self._recorded(column).isna().to_numpy(dtype=bool)

    def subset(self, kept, subgroup: Subgroup | None = None) -> Cohort:
        """A new cohort holding the patients where ``kept`` is True (one boolean per row of ``patients``),
        with their rows in every table, described as ``subgroup`` (default: this cohort's).

        :meth:`filter` is this with the patients of a subgroup; use it with masks of
        :meth:`subgroup_masks` combined as you need.

        Examples
        --------
        >>> from sjia_explore import load_cohort
        >>> c = load_cohort()
        >>> c.subset(c.patients["study"].eq("vastert2011").to_numpy()).n_patients
        5
        """
        kept = np.asarray(kept, dtype=bool)
        if kept.shape != (len(self.patients),):
            raise ValueError(f"kept must hold one True or False per patient row ({len(self.patients)}), "
                             f"not {kept.shape[0] if kept.ndim else 'a single value'}")
        ids = None if self.patients["patient_id"].is_unique else set(self.patients.loc[kept, "patient_id"])
        at = np.append(kept, False)  # position -1 (a row of no known patient): dropped

        def rows(df: pd.DataFrame) -> pd.DataFrame:
            chosen = at[self.patient_positions(df)] if ids is None else df["patient_id"].isin(ids).to_numpy()
            out = df.take(np.flatnonzero(chosen))  # a new frame (copy-on-write): nothing shared
            out.index = pd.RangeIndex(len(out))
            return out

        out = replace(self, patients=rows(self.patients), visits=rows(self.visits),
                      treatments=rows(self.treatments), adverse_events=rows(self.adverse_events),
                      unscheduled_visits=rows(self.unscheduled_visits),
                      subgroup=self.subgroup if subgroup is None else subgroup)
        # The kept patients' cut-off-free features are already known: hand them on rather than recompute.
        base = self._base_features.take(np.flatnonzero(kept))
        base.index = pd.RangeIndex(len(base))
        out.__dict__["_base_features"] = base
        return out
