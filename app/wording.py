"""Words for people: a field's code as its name, and a refusal as a sentence a researcher understands.

The API keeps its messages and its `field` as they are (clients read them, tests pin them); pages and
fragments show what is made here from the same messages, so that the two never say different things.
"""

from __future__ import annotations

import re

from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, NotFound

from .engine import EngineError

# every field the forms, the API and the error path name, as a person would say it (lower case: the
# label's first letter is raised where it starts a line)
NAMES = {
    "dataset": "dataset",
    "year": "year",
    "indicator": "indicator",
    "perspective": "perspective",
    "by": "breakdown",
    "products": "products",
    "regions": "regions",
    "products_level": "level of products",
    "regions_level": "level of regions",
    "interventions": "interventions",
    "name": "scenario's name",
    "scenario_id": "scenario",
    "count": "number of interventions",
    "action": "button pressed",
    "csrf_token": "form's security token",
    "body": "request",
    "queue": "queue",
    "rate": "rate of requests",
    "query": "query",
    "id": "analysis",
    "a": "analysis in the first panel",
    "b": "analysis in the second panel",
    "side": "panel",
}
# the parts of one intervention (app/engine/interventions.py FIELDS)
INTERVENTION_PARTS = {
    "product": "product",
    "origin": "region of origin",
    "consumer": "consumer",
    "consumer_region": "consumer's region",
    "change_pct": "change",
}
INTERVENTION = re.compile(r"interventions\[(\d+)\](?:\.(\w+))?")
# codes that no reader would take for a word: written as their names wherever a message shows them, except
# inside quotes (a value as the user typed it)
CODE = re.compile(r"(?<!')\b(" + "|".join(sorted({k for k in [*NAMES, *INTERVENTION_PARTS] if "_" in k},
                                                key=len, reverse=True)) + r")\b(?!')")
# "field: rest", the form of werkzeug descriptions and of str(EngineError)
PREFIXED = re.compile(r"^\s*([\w\[\].]+):\s+(.*)$", re.DOTALL)
# a message that opens with its field's bare name, then a verb: "year must be a whole number"
OPENS_WITH_FIELD = re.compile(r"^(\w+) (must|is|are|has|cannot)\b")
# engine messages whose exact text tests pin, read as sentences here (after the codes became names)
REPHRASED = [
    (re.compile(r"^(the change of intervention \d+) below (-100 %) would make coefficients negative"),
     r"\1 is below \2, which would make coefficients negative"),
    (re.compile(r"must be FD or a product code"), "must be final demand (FD) or a product code"),
]
NOT_FOUND = ("This page was not found: an analysis, scenario or share link may have been deleted or revoked, or "
             "it belongs to someone else.")
EXPIRED = "This form has expired or came from another site. Reload the page and try again."


def field_label(field: str | None) -> str:
    """A field's name for a heading or a list: "Year", "Level of products", "Intervention 2: change"."""
    if not field:
        return ""
    whole = INTERVENTION.fullmatch(field)
    if whole:
        number, part = int(whole.group(1)) + 1, whole.group(2)
        return f"Intervention {number}" + (f": {INTERVENTION_PARTS.get(part, _spoken(part))}" if part else "")
    return _capital(NAMES.get(field) or INTERVENTION_PARTS.get(field) or _spoken(field))


def sentence(text) -> str:
    """A message as a sentence: codes written as names, a capital first letter, a full stop."""
    text = " ".join(str(text or "").split())
    if not text:
        return ""
    prefixed = PREFIXED.match(text)
    if prefixed and _is_field(prefixed.group(1)):
        field, rest = prefixed.groups()
        # "scenario_id: not the id of ..." names what is wrong; the rest reads on its own
        text = f"{_phrase(field)} given is {rest}" if rest.startswith("not ") else rest
    opening = OPENS_WITH_FIELD.match(text)
    if opening and opening.group(1) in NAMES:
        text = _phrase(opening.group(1)) + text[len(opening.group(1)):]
    text = INTERVENTION.sub(lambda m: _phrase(m.group(0)), text)
    text = CODE.sub(lambda m: _phrase(m.group(1)).removeprefix("the "), text)
    for pattern, replacement in REPHRASED:
        text = pattern.sub(replacement, text)
    text = _capital(text)
    return text if text.endswith((".", "!", "?")) else text + "."


def page_message(exc: BaseException) -> str:
    """What a page or fragment says about a refusal (the API says exc's own message, with its field)."""
    if isinstance(exc, EngineError):
        return sentence(exc.message)
    if isinstance(exc, CSRFError):
        return EXPIRED
    if isinstance(exc, HTTPException):
        if isinstance(exc, NotFound) and exc.description in (None, NotFound.description):
            return NOT_FOUND
        return sentence(exc.description or exc.name)
    return sentence(str(exc))


def init_app(app) -> None:
    # templates write an inline message as `{{ errors.year|sentence }}`
    app.add_template_filter(sentence, "sentence")
    app.add_template_filter(field_label, "field_label")


def _is_field(code: str) -> bool:
    return code in NAMES or code in INTERVENTION_PARTS or INTERVENTION.fullmatch(code) is not None


def _phrase(field: str) -> str:
    """A field's name inside a sentence: "the year", "the change of intervention 2"."""
    whole = INTERVENTION.fullmatch(field)
    if whole:
        number, part = int(whole.group(1)) + 1, whole.group(2)
        if part is None:
            return f"intervention {number}"
        return f"the {INTERVENTION_PARTS.get(part, _spoken(part))} of intervention {number}"
    return "the " + (NAMES.get(field) or INTERVENTION_PARTS.get(field) or _spoken(field))


def _spoken(code: str) -> str:
    return code.replace("_", " ").strip()


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
