"""Strict parsing of numbers typed or posted by users: plain ASCII digits only, bounded length.

Python's int() and float() accept far more than a form should: "1_000", Arabic-Indic or full-width
digits, surrounding spaces, "nan", "inf", and thousands of digits (a ValueError from the integer
digit limit, i.e. a 500). Every number read from a form or query string goes through here instead.
"""

from __future__ import annotations

import re

from .engine.errors import QueryError
from .engine.numbers import read_number

INTEGER = re.compile(r"[0-9]+")


class FieldError(QueryError):
    """A form or query-string value that is not a well-formed value for its field: a 400 naming it."""


def strict_int(text, field: str, max_digits: int = 9, message: str | None = None) -> int:
    """A non-negative whole number written in ASCII digits, at most max_digits of them."""
    if not isinstance(text, str) or len(text) > max_digits or not INTEGER.fullmatch(text):
        raise FieldError(field, text, message or f"{field} must be a whole number of at most {max_digits} "
                                                 "digits (0-9)")
    return int(text)


def optional_int(text, field: str, max_digits: int = 9, message: str | None = None) -> int | None:
    """strict_int, with an absent or empty field read as None."""
    if text is None or text == "":
        return None
    return strict_int(text, field, max_digits, message)


def strict_number(text, field: str, message: str | None = None) -> float:
    """A finite decimal number such as -20, 12.5 or 1e3 (the engine's grammar, app/engine/numbers.py)."""
    return read_number(text, field, message, error=FieldError)
