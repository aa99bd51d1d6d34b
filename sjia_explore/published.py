"""Every number the source publications print, in one place, with where it is printed.

Nothing in this module is computed. Tests, the reconstruction generator and
``sjia-explore reproduce`` compare the bundled data against these values, so a
number typed twice in the code base cannot drift.

Sources
-------
QIU2024
    Qiu L, et al. Efficacy and safety of canakinumab in Chinese patients with
    systemic juvenile idiopathic arthritis: a retrospective study.
    Pediatr Rheumatol Online J. 2024;22:38. doi:10.1186/s12969-024-00974-4.
    CC BY 4.0.
VASTERT2011
    Vastert S, De Jager W, Noordman B, et al. Recombinant IL1-RA in the early
    phase of systemic onset JIA: before the onset of arthritis.
    Pediatr Rheumatol. 2011;9(Suppl 1):O6. doi:10.1186/1546-0096-9-S1-O6. CC BY.

Each :class:`Published` value keeps the text as printed (``printed``) and the
number of decimals it was rounded to, so a comparison can allow exactly the
published rounding and no more.

Examples
--------
>>> from sjia_explore import published
>>> published.JOINTS_MEAN_WEEK_24.value
0.9
>>> published.JOINTS_MEAN_WEEK_24.matches(10 / 11)
True
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """A citable publication."""

    key: str
    citation: str
    doi: str
    licence: str

    @property
    def url(self) -> str:
        return f"https://doi.org/{self.doi}"


QIU2024 = Source(
    key="qiu2024",
    citation=(
        "Qiu L, et al. Efficacy and safety of canakinumab in Chinese patients with "
        "systemic juvenile idiopathic arthritis: a retrospective study. "
        "Pediatr Rheumatol Online J. 2024;22:38."
    ),
    doi="10.1186/s12969-024-00974-4",
    licence="CC-BY-4.0",
)

VASTERT2011 = Source(
    key="vastert2011",
    citation=(
        "Vastert S, De Jager W, Noordman B, et al. Recombinant IL1-RA in the early phase "
        "of systemic onset JIA: before the onset of arthritis. "
        "Pediatr Rheumatol. 2011;9(Suppl 1):O6."
    ),
    doi="10.1186/1546-0096-9-S1-O6",
    licence="CC-BY-2.0",
)

SOURCES = {s.key: s for s in (QIU2024, VASTERT2011)}


@dataclass(frozen=True)
class Published:
    """One printed number.

    Parameters
    ----------
    value
        The number as printed.
    decimals
        Decimal places it was printed with; a recomputed value matches when it
        rounds to ``value`` at this precision (half-up, as journals round).
    printed
        The text as it stands in the publication.
    where
        Section, table or figure legend that prints it.
    source
        The publication.
    """

    value: float
    decimals: int
    printed: str
    where: str
    source: Source = QIU2024

    @property
    def tolerance(self) -> float:
        """Largest difference that still rounds to the printed value."""
        return 0.5 * 10 ** (-self.decimals)

    def matches(self, computed: float) -> bool:
        """True when ``computed`` rounds (half-up) to the printed value."""
        lo = self.value - self.tolerance
        hi = self.value + self.tolerance
        eps = 1e-12
        return lo - eps <= computed < hi - eps


# --- Qiu 2024: cohort ---------------------------------------------------------
N_PATIENTS = 11  # "A total of 11 patients ... had follow-up data for 24 weeks" (Results)
N_FEMALE = 7  # "Seven female and four male patients" (Abstract)
N_MALE = 4
WEEKS = (0, 4, 8, 12, 24)  # "baseline and at 4, 8, 12, and 24 weeks" (Abstract, Methods)

AGE_ONSET_MEAN = Published(4.8, 1, "4.8 ± 2.6 years", "Results")
AGE_ONSET_SD = Published(2.6, 1, "4.8 ± 2.6 years", "Results")
FEMALE_PERCENT = Published(63.6, 1, "63.6% (n = 7) were female", "Results")
MONTHS_TO_TREATMENT_MEAN = Published(49.6, 1, "49.6 ± 42.5 months", "Results")
MONTHS_TO_TREATMENT_SD = Published(42.5, 1, "49.6 ± 42.5 months", "Results")
OVER_24_MONTHS_PERCENT = Published(63.6, 1, "In more than half of the patients (63.6%) ... exceeded 2 years", "Results")
N_WITHIN_12_MONTHS = 2  # "two cases were within 12 months and nine cases were over 12 months" (Discussion)
N_SYSTEMIC_FEATURES = 8  # "eight (72.7%) patients presented with systemic manifestations" (Results)
N_ARTHRITIS = 10  # "Arthritis (n = 10; 90.9%)" (Results)
N_FEVER = 7  # "fever (n = 7; 63.6%)" (Results)
N_RASH = 3  # "rash (n = 3; 27.3%)" (Results)
N_MYALGIA = 3  # "myalgia (n = 3; 27.3%)" (Results)
N_ONE_TO_FOUR_JOINTS = 5  # "Of the 10 patients with active arthritis, five (50%) had ... one to four joints" (Results)
N_PRIOR_MAS = 3  # "three patients experienced episodes of MAS before starting" (Results)

# Table 2 (Results text)
N_PRIOR_TOCILIZUMAB = 11  # "Tocilizumab (n = 11, 100%)"
N_PRIOR_ADALIMUMAB = 5  # "adalimumab (n = 5, 45.5%)"
N_PRIOR_ETANERCEPT = 3  # "etanercept (n = 3, 27.3%)"
N_BASELINE_NSAID = 9  # "nine (81.8%) patients were treated with NSAIDs"
N_BASELINE_STEROID = 4  # "four with corticosteroid"
N_BASELINE_CDMARD = 10  # "Ten (90.9%) patients received at least one cDMARD"
N_BASELINE_TWO_OR_MORE_CDMARDS = 3  # "three concurrently receiving two or more cDMARDs"
BASELINE_STEROID_CASES = (1, 4, 5, 8)  # Table 2, "Treatment at baseline: Corticosteroid"

# --- Qiu 2024: follow-up -------------------------------------------------------
JOINTS_MEAN_WEEK_0 = Published(5.9, 1, "declining from 5.9 at baseline", "Results (Fig. 2)")
JOINTS_MEAN_WEEK_24 = Published(0.9, 1, "to 0.9 at week 24", "Results (Fig. 2)")
JOINTS_ANOVA_P = Published(0.0059, 4, "P = 0.0059", "Abstract; Results")
SJADAS_MEAN_WEEK_0 = Published(25.6, 1, "from a mean score of 25.6", "Results (Fig. 3)")
SJADAS_MEAN_WEEK_4 = Published(8.5, 1, "to 8.5", "Results (Fig. 3)")
SJADAS_ANOVA_P_BELOW = 0.0001  # "P < 0.0001" (Abstract)

# Corticosteroids: among the 4 on steroid at baseline
STEROID_FREE_BY_WEEK = {4: 1, 12: 3, 24: 4}  # "1 (25%) at week 4 to 4 (100%) at week 24"; "75% (3/4)" at 12
STEROID_STOPPED_AT_WEEK = {4: 1, 12: 2, 24: 1}  # "one at week 4, two at week 12, and one at week 24" (Abstract)
STEROID_EXPOSURE_MONTHS_MEAN = Published(21.8, 1, "21.8 ± 10.3 months", "Discussion")
STEROID_EXPOSURE_MONTHS_SD = Published(10.3, 1, "21.8 ± 10.3 months", "Discussion")
PRIOR_STEROID_MONTHS_MEDIAN = 22  # "median duration of corticosteroid therapy was 22 months (range: 3–95 months)"
PRIOR_STEROID_MONTHS_RANGE = (3, 95)

# Markers and symptoms
N_MARKERS_NORMAL_BY_WEEK_12 = 9  # "Inflammatory indicators normalized within 12 weeks in nine of the 11"
N_FEVER_WEEK_24 = 1  # "At week 24, only one patient experienced fever due to pneumonia"
N_FREE_OF_ALL_SIGNS_WEEK_24 = 8  # "over 70% (8/11, with one case of infection) ... complete absence"

# Exposure and safety
EXPOSURE_MONTHS_MEAN = Published(12.4, 1, "12.4 ± 3.4 months", "Abstract; Results")
EXPOSURE_MONTHS_SD = Published(3.4, 1, "12.4 ± 3.4 months", "Abstract; Results")
N_AE = 20  # "eight (72.7%) patients experienced 20 AEs"
N_PATIENTS_WITH_AE = 8
N_AE_VIRAL_URTI = 8  # "eight cases of viral upper respiratory tract infection"
N_AE_PNEUMONIA = 1  # "and one case of pneumonia"
N_SERIOUS_AE = 0  # "no patients experienced serious AEs" (Abstract)
AE_RATE_PER_100_PY = Published(364, 0, "364 per 100 patient-years", "Results")
AE_FOLLOW_UP_YEARS = 0.5  # the rate is 20 / (11 x 24 weeks): 20 / 5.5 = 3.636 per patient-year


@dataclass(frozen=True)
class RecordingWindow:
    """When a study recorded adverse events: weeks ``first_week`` to ``last_week`` after starting the drug,
    counted as ``years`` per patient in its rate.

    Examples
    --------
    >>> AE_RECORDING_WINDOWS["qiu2024"].describe()
    'weeks 1–24 (0.5 years per patient)'
    """

    first_week: int
    last_week: int
    years: float
    basis: str

    def describe(self) -> str:
        return f"weeks {self.first_week}–{self.last_week} ({self.years:g} years per patient)"

    def to_json(self) -> dict:
        return {"first_week": self.first_week, "last_week": self.last_week, "years_per_patient": self.years,
                "basis": self.basis}


#: Per study, the window over which adverse events were recorded (written into data/datapackage.json).
AE_RECORDING_WINDOWS = {
    QIU2024.key: RecordingWindow(
        1, 24, AE_FOLLOW_UP_YEARS,
        "AEs were collected at the visits to week 24 (Methods); the 24 weeks are counted as 0.5 years, the "
        "denominator that gives the printed rate (20 AEs / (11 patients x 0.5 years) = 364 per 100 "
        "patient-years): inferred from the rate itself, not printed"),
}

# Normal limits used by Table 1 for its flags (also used for "normalised" markers)
FERRITIN_UPPER_NG_ML = 330
WBC_UPPER_PER_MM3 = 15000
ESR_UPPER_MM_H = 20
CRP_UPPER_MG_L = 10

# --- Vastert 2011 --------------------------------------------------------------
VASTERT_N_PATIENTS = 5  # "5 'suspected SoJIA' patients"
VASTERT_ANAKINRA_MG_KG_DAY = 2  # "Anakinra (dose 2mg/kg/day)"
VASTERT_FOLLOW_UP_MONTHS_MEDIAN = 10  # "prospectively followed them for 10 months (5-12) months"
VASTERT_FOLLOW_UP_MONTHS_RANGE = (5, 12)


# --- other studies' published figures (data/literature.csv) -----------------------------------------
def literature():
    """Published figures of other sJIA studies, one row per figure: see :func:`sjia_explore.literature.literature`."""
    from sjia_explore.literature import literature as load

    return load()
