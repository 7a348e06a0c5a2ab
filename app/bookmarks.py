"""Bookmarkable queries: the query form's state as a workspace URL (`/?dataset=...&by=...`), and back.

A URL uses the names the form posts, so it reads as the form's own GET encoding, written so that it stays
short and means the same later: a picker left at TOTAL is left out, a picker holding exactly one whole
level is that level (`final_products_level=3`, as scripts post it), and the year and indicator are always
written out. A field a URL leaves out takes the form's default, so the checkbox is written either way
(`direct=on` or `direct=off`). The classic form's fields (perspective, products, regions) are read too, for
hand-written links; links made here are in the current form's fields. A picker's Find text is not part of
a query: it narrows the list shown, so it is neither read nor written.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import url_for
from werkzeug.datastructures import MultiDict

from .classicform import any_query_from_form, as_axes
from .engine.hierarchy import ROOT
from .forms import AXIS_PICKERS, TEXT_FIELDS, expand_levels
from .parsing import FieldError
from .web import default_dataset, engine

CLASSIC_PICKERS = ("products", "regions")
PICKED = (*AXIS_PICKERS, *CLASSIC_PICKERS)  # the fields with one value per chosen node
ONE_VALUE = (*TEXT_FIELDS, "perspective", "direct", *(f"{field}_level" for field in PICKED))
FIELDS = (*ONE_VALUE, *PICKED)
# what a stored query may hold for the form to ask it again (no scenario, supply chain or decomposition)
LINKABLE = {"dataset", "indicator", "year", "years", "by", "direct", "per", "perspective", *PICKED}
# gunicorn refuses a request line over 4094 bytes by default ("GET " + URL + " HTTP/1.1"): a longer URL
# (hundreds of nodes picked one by one) would be a link that fails, so none is made
MAX_URL = 4000


def form_of(args) -> MultiDict | None:
    """What the query form would post for a URL's fields, the form's defaults filled in where the URL leaves
    a field out; None when the URL names no field of a query (only a dataset, panels or a table's order).

    A field given twice that takes one value cannot be shown: a 400 naming it."""
    if not any(key in args for key in (*FIELDS, "run") if key != "dataset"):
        return None
    name = default_dataset(args.get("dataset"))
    if name is None:
        return None
    for key in (*ONE_VALUE, "run"):
        if len(args.getlist(key)) > 1:
            raise FieldError(key, args.getlist(key)[:3], f"{key} is given {len(args.getlist(key))} times: give it once")
    form = MultiDict([(key, value) for key, value in args.items(multi=True) if key in FIELDS])
    dataset = engine().dataset(name)
    form.setdefault("dataset", name)
    form.setdefault("year", str(dataset.years[-1]))
    form.setdefault("indicator", dataset.indicators[0]["code"])
    classic = any(key in form for key in ("perspective", *CLASSIC_PICKERS, "products_level", "regions_level"))
    if classic:
        form.setdefault("perspective", "")  # the classic form's fields ask for it: its error, not a silent skip
    else:
        form.setdefault("by", "final-product")
    for field in CLASSIC_PICKERS if classic else AXIS_PICKERS:
        if field not in form and f"{field}_level" not in form:
            form.add(field, ROOT)
    direct = form.pop("direct", "on")
    if direct not in ("on", "off"):
        raise FieldError("direct", direct, "direct must be on or off (include direct emissions of final demand)")
    if direct == "on" or classic:
        form.add("direct", direct)  # the current form's box posts "on" when ticked and nothing when not
    return form


def read(args) -> tuple | None:
    """(query or None, the values the form shows, errors by field, the form's post) that a URL asks for,
    checked as a submit checks them; None when the URL names no query."""
    form = form_of(args)
    if form is None:
        return None
    query, values, errors = any_query_from_form(form)
    if query is not None and "perspective" in values:
        values = as_axes(values, {})[0]  # a classic link opens the current form, asking the same
    return query, values, errors, form


def url_of(query: dict) -> str | None:
    """The workspace URL whose form asks this query again (a job's stored query); None for one the form
    cannot ask (a scenario, a supply chain, a decomposition, years with gaps), of a dataset gone, or too long."""
    if not set(query) <= LINKABLE or query["dataset"] not in engine().store.names():
        return None
    dataset = engine().dataset(query["dataset"])
    classic = "perspective" in query
    axes = as_axes(query, {})[0] if classic else query
    by = [axes["by"]] if classic else list(query["by"])
    args = [("dataset", query["dataset"])]
    years = query.get("years")
    if years is None:
        args.append(("year", str(query["year"])))
    elif len(years) > 1 and list(years) == list(range(years[0], years[-1] + 1)):
        args += [("year_from", str(years[0])), ("year_to", str(years[-1]))]
    else:
        return None
    args += [("indicator", query["indicator"]), ("by", by[0])]
    args += [("by2", axis) for axis in by[1:]]
    if query.get("per"):
        args.append(("per", query["per"]))
    args.append(("direct", "on" if query.get("direct", True) else "off"))
    for field, noun in AXIS_PICKERS.items():
        args += picked(getattr(dataset, noun), field, list(axes.get(field, [ROOT])))
    url = url_for("pages.index") + "?" + urlencode(args)
    return url if len(url) <= MAX_URL else None


def picked(tree, field: str, codes: list[str]) -> list[tuple[str, str]]:
    """A picker's choice as URL fields: none for TOTAL alone (the default), a whole level as that level (the
    codes in the tree's order, as the form posts them), else each code."""
    if codes == [ROOT]:
        return []
    levels = sorted({node["level"] for node in tree.public()} - {0})
    for level in [*map(str, levels), "leaves"]:
        if expand_levels(tree, [], level, field) == codes:
            return [(f"{field}_level", level)]
    return [(field, code) for code in codes]
