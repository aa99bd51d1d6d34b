"""Spot columns that look like direct identifiers, so they can be dropped before anyone sees them.

A cohort explored here should hold study codes, not people. Columns are checked
two ways:

* by **header**, against the HIPAA Safe Harbor list (45 CFR 164.514(b)(2)):
  names, dates of birth, other exact dates, record / account / licence numbers,
  addresses and places smaller than a state, telephone and fax numbers, email,
  web and IP addresses, photos, and ages over 89;
* by **content**, on a sample of the cells, so that a column headed ``x1`` full
  of email addresses, telephone numbers, NHS numbers (mod-11 check digit),
  US social security numbers or exact dates is caught too.

Findings name the column and the rule, never the values in the cells. The
loader drops the flagged columns that are not part of the schema and warns
about flagged schema columns (``patient_id`` must stay: it should be a study
code, so the warning says to replace it).

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"patient_id": ["P1", "P2"], "Patient Name": ["Ann", "Bo"],
...                    "x1": ["ann@example.org", "bo@example.org"], "age_years": ["7", "9"]})
>>> [(f.column, f.rule) for f in find_identifiers(df)]
[('Patient Name', "a person's name"), ('x1', 'email addresses')]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from sjia_explore.schema import MISSING_TOKENS, normalise_header

#: How many non-empty cells of a column the content checks look at (the first ones):
#: enough to see a pattern, cheap on a 100 000-row file.
CONTENT_SAMPLE_SIZE = 200
#: A column is flagged by a whole-cell pattern (phone, date, NHS number ...) when at least
#: this share of its sampled cells match: one stray match in a column of codes is noise.
CONTENT_MATCH_FRACTION = 0.5
#: HIPAA Safe Harbor: ages over 89 must be aggregated to "90 or older".
MAX_SAFE_HARBOR_AGE_YEARS = 89
#: NHS numbers have 10 digits, the last a mod-11 check digit over weights 10..2.
NHS_NUMBER_DIGITS = 10
NHS_CHECK_MODULUS = 11
#: A telephone number has 9 to 15 digits (ITU-T E.164 allows at most 15).
MIN_PHONE_DIGITS = 9
MAX_PHONE_DIGITS = 15

Basis = Literal["header", "content"]


@dataclass(frozen=True)
class IdentifierFinding:
    """One column that looks like a direct identifier.

    Attributes
    ----------
    column
        The header as written in the file.
    rule
        What it looks like, in words (``"a date of birth"``, ``"email addresses"``).
    basis
        ``"header"`` when the header gave it away, ``"content"`` when the cells did.
    """

    column: str
    rule: str
    basis: Basis

    def describe(self) -> str:
        """The finding in words, without any cell value.

        Examples
        --------
        >>> IdentifierFinding("dob", "a date of birth", "header").describe()
        'the header looks like a date of birth (a HIPAA Safe Harbor identifier)'
        """
        if self.rule == MARKUP_WITH_ADDRESS:
            return (f"the cells hold {self.rule} (web addresses are a HIPAA Safe Harbor identifier; "
                    "the markup is never run)")
        where = "the header looks like" if self.basis == "header" else "the cells look like"
        return f"{where} {self.rule} (a HIPAA Safe Harbor identifier)"


def _words(*alternatives: str) -> str:
    """A pattern matching any alternative as a whole ``_``-separated word of a normalised header."""
    return r"(?:^|_)(?:" + "|".join(alternatives) + r")(?:_|$)"


#: Header rules, tried in order on the normalised header (see :func:`schema.normalise_header`).
HEADER_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a date of birth", re.compile(
        _words("dob", "d_o_b", "birthday", "birthdate", "geburtsdatum") + "|date_of_birth|birth_date|born_on")),
    ("a person's name", re.compile(
        r"^(?:(?:patient|child|mother|father|parent|guardian|first|last|given|family|middle|full|maiden|"
        r"sur|fore|preferred|nick)_?)?names?$|"
        r"(?:^|_)(?:first|last|given|family|full|middle|maiden|sur|fore)_?names?(?:_|$)|"
        + _words("surname", "forename", "firstname", "lastname", "initials", "prenom", "vorname", "nachname"))),
    ("a record, account or licence number", re.compile(
        _words("mrn", "ssn", "nhs", "nhs_no", "nhs_number", "chi_no", "chi_number", "medicare", "medicaid",
               "insurance", "beneficiary", "account", "passport", "licence", "license", "vehicle", "vin",
               "serial", "social_security", "national_id", "hospital_id", "hospital_no", "hospital_number",
               "record_no", "record_number", "chart_no", "chart_number", "health_plan", "device_id")
        + "|medical_record")),
    ("an exact date", re.compile(_words("date", "dates", "datum", "dt", "datetime", "timestamp", "fecha"))),
    ("an address or a place smaller than a state", re.compile(
        _words("address", "addr", "street", "city", "town", "village", "county", "district", "zip", "zipcode",
               "zip_code", "postcode", "post_code", "postal_code", "plz", "geolocation", "latitude", "longitude"))),
    ("a telephone or fax number", re.compile(
        _words("phone", "telephone", "tel", "mobile", "cellphone", "cell_phone", "fax"))),
    ("an email address", re.compile(_words("email", "e_mail", "mail"))),
    ("a web or IP address", re.compile(_words("url", "website", "web_address", "homepage", "ip", "ip_address"))),
    ("a photo or biometric record", re.compile(_words("photo", "picture", "fingerprint", "biometric"))),
)
_AGE_HEADER = re.compile(r"^age(?:_|$)")

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>")
#: What a cell of HTML or script markup with a web address in it is called (not "web addresses" alone:
#: the person reading the message should recognise what the file holds).
MARKUP_WITH_ADDRESS = "HTML or script markup with web addresses"
_PHONE = re.compile(r"\+?\(?\d[\d\s().\-/]*\d")
_PHONE_SEPARATED = re.compile(r"^\+|\d[\s().\-/]+\d")
_DECIMAL = re.compile(r"[+-]?\d*\.\d+")
_NHS = re.compile(r"(\d{3})[\s-]?(\d{3})[\s-]?(\d{4})")
_SSN = re.compile(r"\d{3}-\d{2}-\d{4}")
_IP = re.compile(r"(?:\d{1,3}\.){3}\d{1,3}")
_DATE = re.compile(
    r"(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})|\d{4}/\d{1,2}/\d{1,2})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)


def _is_nhs_number(text: str) -> bool:
    """True for a 10-digit number (spaced 3-3-4 or not) whose mod-11 check digit is right."""
    m = _NHS.fullmatch(text)
    if not m:
        return False
    digits = [int(d) for d in "".join(m.groups())]
    total = sum(d * w for d, w in zip(digits[:-1], range(NHS_NUMBER_DIGITS, 1, -1)))
    check = NHS_CHECK_MODULUS - total % NHS_CHECK_MODULUS
    check = 0 if check == NHS_CHECK_MODULUS else check
    return check != NHS_CHECK_MODULUS - 1 and check == digits[-1]


def _is_phone(text: str) -> bool:
    """True for a telephone-like string: 9–15 digits with a leading + or separators between groups.

    A bare run of digits is not taken for a phone number: study codes look like that too.
    """
    if not _PHONE.fullmatch(text) or not _PHONE_SEPARATED.search(text) or _DECIMAL.fullmatch(text):
        return False
    return MIN_PHONE_DIGITS <= sum(ch.isdigit() for ch in text) <= MAX_PHONE_DIGITS


#: Content rules: (what the cells look like, what one cell looks like, test of one cell,
#: whether a single matching cell is enough: an email address anywhere is one too many).
CONTENT_RULES: tuple[tuple[str, str, Callable[[str], bool], bool], ...] = (
    ("email addresses", "an email address", lambda t: _EMAIL.search(t) is not None, True),
    (MARKUP_WITH_ADDRESS, "markup with a web address",
     lambda t: _MARKUP.search(t) is not None and _URL.search(t) is not None, True),
    ("web addresses", "a web address", lambda t: _URL.search(t) is not None, True),
    ("NHS numbers", "an NHS number", _is_nhs_number, False),
    ("US social security numbers", "a US social security number", lambda t: _SSN.fullmatch(t) is not None, False),
    ("IP addresses", "an IP address", lambda t: _IP.fullmatch(t) is not None, False),
    ("exact dates", "an exact date", lambda t: _DATE.fullmatch(t) is not None, False),
    ("telephone numbers", "a telephone number", _is_phone, False),
)


def _sample(values: Iterable) -> list[str]:
    out: list[str] = []
    for v in values:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            continue
        text = str(v).strip()
        if text and text.lower() not in MISSING_TOKENS:
            out.append(text)
            if len(out) >= CONTENT_SAMPLE_SIZE:
                break
    return out


def header_rule(header: str) -> str | None:
    """The identifier rule a column header matches, or ``None``.

    Examples
    --------
    >>> header_rule("Date of birth"), header_rule("Patient Name"), header_rule("drug_name")
    ('a date of birth', "a person's name", None)
    >>> header_rule("year_of_onset") is None
    True
    """
    norm = normalise_header(header)
    for rule, pattern in HEADER_RULES:
        if pattern.search(norm):
            return rule
    return None


def content_rule(values: Iterable) -> str | None:
    """The identifier pattern most cells of a column match, or ``None``; values are never returned.

    Examples
    --------
    >>> content_rule(["020 7946 0958", "+44 161 496 0000"])
    'telephone numbers'
    >>> content_rule(["943 476 5919", "401 023 2137"])
    'NHS numbers'
    >>> content_rule(["P001", "P002"]) is None
    True
    """
    sample = _sample(values)
    if not sample:
        return None
    for rule, _, test, one_is_enough in CONTENT_RULES:
        hits = sum(bool(test(t)) for t in sample)
        if (one_is_enough and hits) or hits >= CONTENT_MATCH_FRACTION * len(sample):
            return rule
    return None


def _ages_over_limit(header: str, values: Iterable) -> bool:
    if not _AGE_HEADER.search(normalise_header(header)):
        return False
    for text in _sample(values):
        try:
            if float(text.replace(",", ".")) > MAX_SAFE_HARBOR_AGE_YEARS:
                return True
        except ValueError:
            continue
    return False


def check_column(header: str, values: Sequence, by_header: bool = True) -> IdentifierFinding | None:
    """Check one column by its header (when ``by_header``) and by its content.

    Parameters
    ----------
    header
        The header as written.
    values
        Its cells (text or numbers).
    by_header
        ``False`` for columns the schema defines (their names are known not to be
        identifiers); only their content is checked then.

    Examples
    --------
    >>> check_column("age", ["4", "93"]).rule
    'an age over 89'
    >>> check_column("age_years", ["4", "12"]) is None
    True
    """
    if by_header:
        rule = header_rule(header)
        if rule:
            return IdentifierFinding(str(header), rule, "header")
        if _ages_over_limit(header, values):
            return IdentifierFinding(str(header), f"an age over {MAX_SAFE_HARBOR_AGE_YEARS}", "content")
    rule = content_rule(values)
    if rule:
        return IdentifierFinding(str(header), rule, "content")
    return None


def find_identifiers(df: pd.DataFrame, schema_columns: Iterable[str] = ("patient_id",)) -> list[IdentifierFinding]:
    """Every column of ``df`` that looks like a direct identifier.

    Parameters
    ----------
    df
        A table as read (any cell types). It is not changed.
    schema_columns
        Columns known to the schema: checked by content only.

    Returns
    -------
    list of IdentifierFinding
        In column order; no cell values.
    """
    known = set(schema_columns)
    found = []
    for name in df.columns:
        finding = check_column(str(name), df[name].tolist(), by_header=name not in known)
        if finding:
            found.append(finding)
    return found


def looks_identifying(text: str) -> str | None:
    """What a single cell text looks like (an email, a date ...), or ``None``; for redacting messages.

    Examples
    --------
    >>> looks_identifying("2024-03-01"), looks_identifying("12.5")
    ('an exact date', None)
    """
    text = str(text).strip()
    if not text:
        return None
    for _, one, test, _ in CONTENT_RULES:
        if test(text):
            return one
    return None


_QUOTED = re.compile(r'"([^"]*)"')


def redact(message: str) -> str:
    """Replace quoted cell values that look like identifiers in a message by a neutral note.

    Examples
    --------
    >>> redact('"ann@example.org" is not a whole number of weeks')
    '(a value that looks like an email address, not shown) is not a whole number of weeks'
    >>> redact('"abc" is not a whole number')
    '"abc" is not a whole number'
    """
    def repl(m: re.Match) -> str:
        rule = looks_identifying(m.group(1))
        return f"(a value that looks like {rule}, not shown)" if rule else m.group(0)

    return _QUOTED.sub(repl, message)
