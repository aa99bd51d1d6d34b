"""One formatting layer: numbers, p-values, intervals, percentages, counts and sizes, as users read them.

Every text the package shows (the app, chart notes, exports' notes, error messages)
formats its numbers here, so that the same value always reads the same way.

- Negative numbers use a true minus sign (``−1.2``), as charts print them.
- p-values: ``< 0.0001``, four decimals below 0.01, two decimals above.
- Sizes are binary (1 MiB = 1,048,576 bytes) and always say so: ``8 MiB``.

Examples
--------
>>> number(-1.234), p_value(0.00591), ci(1.234, 3.456), size(8 * 2 ** 20)
('−1.2', '0.0059', '1.2 to 3.5', '8 MiB')
"""

from __future__ import annotations

import math
from typing import Any

#: Bytes in one mebibyte, the unit of every size the package prints.
MIB = 2 ** 20
KIB = 2 ** 10


def is_finite(value: Any) -> bool:
    """True for a real, finite number (not None, NA, NaN or infinity).

    Examples
    --------
    >>> is_finite(1), is_finite(float("nan")), is_finite(None), is_finite("x")
    (True, False, False, False)
    """
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _digits(value_format: str) -> int:
    return int(value_format.strip(".f~") or 1) if value_format.endswith("f") else 1


def number(value: Any, value_format: str = ".1f", sign: bool = False) -> str:
    """A number with a fixed number of decimals (``".2f"`` style), a true minus sign; ``''`` when missing.

    Examples
    --------
    >>> number(-1.234, ".1f"), number(2, ".2f", sign=True), number(None)
    ('−1.2', '+2.00', '')
    """
    if not is_finite(value):
        return ""
    return f"{float(value):{'+' if sign else ''}.{_digits(value_format)}f}".replace("-", "−")


def decimals(value: Any, digits: int, sign: bool = False) -> str:
    """:func:`number` with the decimals given as a count.

    Examples
    --------
    >>> decimals(-0.25, 2), decimals(3, 0, sign=True)
    ('−0.25', '+3')
    """
    return number(value, f".{digits}f", sign=sign)


def plain(value: Any) -> str:
    """A limit or setting as written by a person: ``3`` for 3.0, ``0.5`` for 0.5.

    Examples
    --------
    >>> plain(3.0), plain(0.5), plain(12)
    ('3', '0.5', '12')
    """
    return str(int(value)) if float(value).is_integer() else str(value)


def ci(low: Any, high: Any, value_format: str = ".1f", missing: str = "not computed") -> str:
    """A confidence interval in words: ``'1.2 to 3.4'`` (or ``missing``).

    Examples
    --------
    >>> ci(-0.26, 5.38), ci(None, 1)
    ('−0.3 to 5.4', 'not computed')
    """
    if not (is_finite(low) and is_finite(high)):
        return missing
    return f"{number(low, value_format)} to {number(high, value_format)}"


def p_value(p: Any) -> str:
    """p as a reader can compare it: ``'< 0.0001'``, ``'0.0059'``, ``'0.23'``, or ``'not given'``.

    Examples
    --------
    >>> p_value(0.00001), p_value(0.00591), p_value(0.234), p_value(float("nan"))
    ('< 0.0001', '0.0059', '0.23', 'not given')
    """
    if not is_finite(p):
        return "not given"
    p = float(p)
    if p < 0.0001:
        return "< 0.0001"
    return f"{p:.4f}" if p < 0.01 else f"{p:.2f}"


def p_equals(p: Any) -> str:
    """``p = 0.23`` or ``p < 0.0001`` (never ``p = < 0.0001``).

    Examples
    --------
    >>> p_equals(0.234), p_equals(1e-9)
    ('p = 0.23', 'p < 0.0001')
    """
    text = p_value(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def percent(k: int, n: int) -> str:
    """``k`` of ``n`` as a whole percentage; ``'–'`` when ``n`` is 0.

    Examples
    --------
    >>> percent(3, 4), percent(0, 0)
    ('75%', '–')
    """
    return f"{100 * k / n:.0f}%" if n else "–"


def plural(n: int, word: str, plural_form: str | None = None) -> str:
    """``1 test``, ``2 tests`` (or the plural given).

    Examples
    --------
    >>> plural(1, "test"), plural(3, "analysis", "analyses")
    ('1 test', '3 analyses')
    """
    return f"{n} {word if n == 1 else (plural_form or word + 's')}"


def joined_and(parts: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``.

    Examples
    --------
    >>> joined_and(["study"]), joined_and(["study", "drug"]), joined_and(["study", "drug", "line of therapy"])
    ('study', 'study and drug', 'study, drug and line of therapy')
    """
    parts = list(parts)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1] if parts else ""


def patients(n: int) -> str:
    """``no patients``, ``1 patient``, ``12 patients``.

    Examples
    --------
    >>> patients(0), patients(1), patients(12)
    ('no patients', '1 patient', '12 patients')
    """
    return "no patients" if n == 0 else plural(n, "patient")


def size(n_bytes: int) -> str:
    """A size in binary units, the one unit of every size the package prints.

    Examples
    --------
    >>> size(8 * 2 ** 20), size(20_000_000), size(3_000), size(10)
    ('8 MiB', '19.1 MiB', '2.9 KiB', '10 bytes')
    """
    if n_bytes >= MIB:
        value = n_bytes / MIB
        return f"{value:.0f} MiB" if value.is_integer() else f"{value:.1f} MiB"
    if n_bytes >= KIB:
        value = n_bytes / KIB
        return f"{value:.0f} KiB" if value.is_integer() else f"{value:.1f} KiB"
    return plural(int(n_bytes), "byte")
