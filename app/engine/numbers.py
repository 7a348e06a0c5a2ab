"""Numbers written by people (the command line, forms): plain ASCII decimals, bounded length, finite.

Python's float() accepts far more: "1_000", Arabic-Indic or full-width digits, surrounding spaces,
"nan", "inf". The engine's command-line input and the web forms both read numbers through here.
"""

from __future__ import annotations

import math
import re

from .errors import QueryError

# [+-]digits[.digits][e[+-]digits]: what a person types as a decimal number, nothing else
NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
MAX_NUMBER_LENGTH = 32


def read_number(text, field: str, message: str | None = None, error: type[QueryError] = QueryError) -> float:
    """A finite decimal number such as -20, 12.5 or 1e3, at most MAX_NUMBER_LENGTH characters; else `error`."""
    message = message or f"{field} must be a number such as -20 or 12.5"
    if not isinstance(text, str) or len(text) > MAX_NUMBER_LENGTH or not NUMBER.fullmatch(text):
        raise error(field, text, message)
    value = float(text)
    if not math.isfinite(value):
        raise error(field, text, f"{message}; {text} is too large")
    return value


def whole(value):
    """2011.0 is the whole number 2011 in JSON (and in the published schema); anything else as it is."""
    return int(value) if isinstance(value, float) and value.is_integer() else value
