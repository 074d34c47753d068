"""Time units as harnesses print them → nanoseconds.

Accepted: ns, µs (U+00B5 micro sign or U+03BC Greek mu), us, ms, s, with or
without a ``/op``, ``/iter`` or ``/loop`` tail. Numbers may carry thousands
separators (``18,149``). Conversion happens once, at the adapter; the
original value and unit are kept next to the normalized one.
"""

from __future__ import annotations

import math
import re

NS_PER_UNIT = {"ns": 1.0, "us": 1e3, "µs": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9}

_TAIL = re.compile(r"/(op|iter|loop)$")
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?([eE][+-]?\d+)?$")


def unit_scale(unit: str) -> float:
    """ns per one ``unit``; raises ValueError naming the unit when unknown."""
    base = _TAIL.sub("", unit.strip())
    try:
        return NS_PER_UNIT[base]
    except KeyError:
        raise ValueError(f"unknown time unit {unit!r} (known: ns, µs, us, ms, s)") from None


def parse_number(text: str) -> float:
    """``18,149`` → 18149.0; ``40,865.31`` → 40865.31; raises ValueError otherwise."""
    t = text.strip()
    if not _NUMBER.match(t):
        raise ValueError(f"not a number: {text!r}")
    value = float(t.replace(",", ""))
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"not a finite number: {text!r}")
    return value


def to_ns(value: float, unit: str) -> float:
    return value * unit_scale(unit)
