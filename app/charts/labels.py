"""A name fitted to a treemap cell: whole on one line or wrapped over more, else shortened by rule
(EXIOBASE's names are long: "Manufacture of ..., except ...; ..."), else left out: never cut mid-word.
Widths are estimated as everywhere in the charts (svg.chip_box); the whole name stays in the cell's
<title> and in the table."""

from __future__ import annotations

import re

from .svg import CHAR_WIDTH, FONT

LINE = FONT + 3       # a chip's line height (svg.chip)
MAX_NAME_LINES = 3
KEEP = "\u2060"  # joins a share's number to its "%" while wrapping: a share is never split
# what a shorter name drops or shortens, in turn: a trailing "(52)", the part after the first ";" or
# ", Re-processing", a leading "Manufacture of", then the longest common words
CLAUSES = [re.compile(r"\s*\(\d+\)\s*$"), re.compile(r"\s*;.*$"), re.compile(r",\s*Re-processing .*$"),
           re.compile(r",\s*(except|excluding)\b.*$", re.I)]
VERB = re.compile(r"^(Manufacture|Production|Extraction|Cultivation|Mining|Processing|Growing) of (the )?", re.I)
WORDS = {"and": "&", "products": "prod.", "equipment": "equip.", "services": "serv.", "treatment": "treatm.",
         "secondary": "sec.", "Secondary": "Sec.", "materials": "mat.", "material": "mat.", "activities": "act.",
         "n.e.c.": "", "nec": ""}


def shorter(name: str) -> str:
    """The name without its code, side clauses and leading verb, common words abbreviated."""
    short = name
    for clause in CLAUSES:
        short = clause.sub("", short).strip() or short
    words = [_abbreviated(word) for word in VERB.sub("", short).split()]
    short = " ".join(word for word in words if word.strip(",:"))
    return short[:1].upper() + short[1:]


def _abbreviated(word: str) -> str:
    bare = word.rstrip(",:")
    return WORDS[bare] + word[len(bare):] if bare in WORDS else word


def wrap(text: str, chars: int, lines: int) -> list[str] | None:
    """Whole words on at most `lines` lines of at most `chars` characters; None if they do not fit."""
    out: list[str] = []
    for word in text.split():
        if out and len(out[-1]) + 1 + len(word) <= chars:
            out[-1] += " " + word
        elif len(word) <= chars and len(out) < lines:
            out.append(word)
        else:
            return None
    return out or None


def fitted(name: str, share: str, width: float, height: float, bold: bool = False,
           most: int = MAX_NAME_LINES, alone: bool = True) -> list[list[str]]:
    """The label's lines to try in a cell, best first: "name: share" wrapped over the fewest lines
    (the share never split), the whole name before the shorter one; then, with `alone`, the name
    without its share. Empty when nothing fits."""
    glyph = FONT * CHAR_WIDTH * (1.1 if bold else 1.0)
    chars = int((width - 4 - 6) / glyph)  # svg.chip_box's width within the cell's 2 px margins
    rows = int((height - 4 - 3) / LINE)
    texts = list(dict.fromkeys((name, shorter(name))))
    options: list[list[str]] = []
    for text in texts:
        lines = wrap(f"{text}: {share.replace(' ', KEEP)}", chars, min(rows, most + 1))
        if lines:
            options.append([line.replace(KEEP, " ") for line in lines])
    for text in texts if alone else ():
        lines = wrap(text, chars, min(rows, most))
        if lines:
            options.append(lines)
    return options
