"""The query form: what it shows, and what a posted form means (the scenario builder's: builderform.py).

Each reader turns posted strings into engine objects or messages keyed by field; nothing here
writes to the database or renders a template.
"""

from __future__ import annotations

from dataclasses import replace

from .engine import EngineError, Query, QueryError, resolve_any
from .engine.classic import DESTINATION, ORIGIN, classic_of
from .engine.flows import FlowQuery, resolve_flows
from .engine.hierarchy import ROOT
from .engine.series import MAX_YEARS, SeriesQuery, read_years
from .parsing import FieldError, strict_int
from .web import default_dataset, engine


def _level_names(tree, kind: str) -> dict[int, str]:
    """kind: the tree's noun, products or regions."""
    depth = max(n.level for n in tree.nodes.values())
    if kind == "products" and depth == 3:
        return {1: "every section", 2: "every division", 3: "every product below a division"}
    if kind == "regions" and depth == 2:
        return {1: "every continent", 2: "every region"}
    if depth == 1:
        return {1: f"every {kind[:-1]}"}
    return {k: f"every node at level {k}" for k in range(1, depth + 1)}


def _level_buttons(tree, kind: str) -> list[tuple[str, str, int]]:
    """(value, words, how many nodes) for each "Add a whole level" button; "every leaf" only where it differs."""
    nodes = tree.public()
    buttons, sets = [], []
    for level, name in sorted(_level_names(tree, kind).items()):
        codes = {n["code"] for n in nodes if n["level"] == level}
        buttons.append((str(level), name, len(codes)))
        sets.append(codes)
    leaves = set(tree.leaf_codes())
    if leaves not in sets:
        buttons.append(("leaves", f"every {kind[:-1]} at its finest level", len(leaves)))
    return buttons


def _found(nodes: list[dict], find: str) -> tuple[list[dict], set[str], int]:
    """The nodes a server-side Find shows (matches, their groups and their parts), the groups to open, matches."""
    needle = find.strip().casefold()
    if not needle:
        return nodes, set(), len(nodes)
    parent = {n["code"]: n["parent"] for n in nodes}
    matches = {n["code"] for n in nodes if needle in n["name"].casefold() or needle in n["code"].casefold()}
    opened = set()
    for code in matches:
        up = parent[code]
        while up is not None:
            opened.add(up)
            up = parent[up]
    inside = set()  # the parts of a match: depth first, so a parent is decided before its children
    for n in nodes:
        if n["parent"] in matches or n["parent"] in inside:
            inside.add(n["code"])
    shown = [n for n in nodes if n["code"] in matches or n["code"] in opened or n["code"] in inside]
    return shown, opened, len(matches)


def picker(tree, kind: str, selected: list[str], find: str = "", noun: str | None = None) -> dict:
    """What the hierarchy picker template needs for one field (kind) picking from a tree of products or
    regions (noun, the kind by default), narrowed to a Find if there is one."""
    nodes = tree.public()
    shown, opened, matches = _found(nodes, find)
    visible = {n["code"] for n in shown}
    chosen = set(selected)
    return {"kind": kind, "nodes": shown, "selected": chosen, "find": find, "opened": opened,
            "matches": matches, "total": len(nodes), "levels": _level_buttons(tree, noun or kind),
            "chips": [n for n in nodes if n["code"] in chosen],
            "kept": [n["code"] for n in nodes if n["code"] in chosen and n["code"] not in visible]}


def expand_levels(tree, codes: list[str], level: str | None, field: str) -> list[str]:
    """Add a whole level (or every leaf) to the checked nodes; the root goes, as the level covers it."""
    if not level:
        return codes
    if level == "leaves":
        extra = tree.leaf_codes()
    else:
        depth = strict_int(level, f"{field}_level", 3, "choose a level from the list")
        extra = [n["code"] for n in tree.public() if n["level"] == depth]
        if not extra:
            raise QueryError(f"{field}_level", level, "that level does not exist in this dataset")
    return [c for c in codes if c != ROOT or not extra] + [c for c in extra if c not in codes]


AXIS_PICKERS = {"origin_regions": "regions", "origin_products": "products",
                "consumer_regions": "regions", "final_products": "products"}  # field -> the tree it picks from
LEGACY_PICKERS = {"products": "products", "regions": "regions"}  # the classic form's (bookmarks, scripts)
PICKERS = {**AXIS_PICKERS, **LEGACY_PICKERS}
AXIS_NAMES = {"final-product": "products bought by final consumers", "consumer-region": "consuming regions",
              "origin-region": "regions where the impacts occur", "origin-product": "products whose making emits"}
# the four classic views, one click each: the rows, and the selections the view sums over entirely
PRESETS = {
    "consumption-product": ("final-product", ORIGIN, "Footprint by product bought"),
    "consumption-region": ("consumer-region", ORIGIN, "Footprint by consuming region"),
    "production-region": ("origin-region", DESTINATION, "Territorial impacts by region"),
    "production-product": ("origin-product", DESTINATION, "Territorial impacts by product made"),
}
PER_CHOICES = {"": "Totals", "capita": "Per person", "value-added": "Per unit of value added"}
TEXT_FIELDS = ("dataset", "year", "year_from", "year_to", "indicator", "by", "by2", "per")
MAX_FIND = 100  # characters of a Find: longer text names no node


def form_state(dataset_name: str | None, values: dict | None = None, errors: dict | None = None) -> dict:
    """Everything the query form shows: choices from the dataset, the user's values, messages per field."""
    names = engine().store.names()
    dataset_name = default_dataset(dataset_name)
    values = dict(values or {})
    state = {"datasets": names, "values": values, "errors": errors or {}, "dataset": None, "presets": PRESETS,
             "axis_names": AXIS_NAMES, "per_choices": PER_CHOICES}
    if dataset_name is None:
        return state
    dataset = engine().dataset(dataset_name)
    values.setdefault("dataset", dataset_name)
    values.setdefault("year", dataset.years[-1])
    values.setdefault("indicator", dataset.indicators[0]["code"])
    values.setdefault("by", "final-product")
    values.setdefault("by2", "")
    values.setdefault("direct", True)
    values.setdefault("per", "")
    depth = {}
    for ind in dataset.indicators:
        depth[ind["code"]] = 0 if ind["parent"] is None else depth.get(ind["parent"], 0) + 1
    state.update(dataset=dataset, indicator_depth=depth)
    for field, noun in AXIS_PICKERS.items():
        values.setdefault(field, [ROOT])
        state[field] = picker(getattr(dataset, noun), field, values[field], values.get(f"{field}_find", ""), noun)
    # the origin side is folded while it selects everything and nothing about it needs attention
    state["origin_open"] = "origin" in values["by"] + values["by2"] or any(
        values[f] != [ROOT] or values.get(f"{f}_find") or any(k.startswith(f) for k in state["errors"]) for f in ORIGIN)
    return state


def _as_entered(form) -> dict:
    values = {key: form.get(key, "") for key in TEXT_FIELDS}
    values["direct"] = form.get("direct") == "on"
    for field in AXIS_PICKERS:
        values[field] = list(dict.fromkeys(form.getlist(field)))
    return values


def picker_edit(form) -> tuple[dict, dict] | None:
    """The form as entered, changed by a picker button (Find, Add a whole level, Remove a chosen node) or a
    preset, with errors by field; None when the form asks to run the analysis.

    Without JavaScript these buttons post the whole form, so nothing typed or ticked so far is lost."""
    if not any(key in form for key in ("find", "add_level", "remove", "preset")):
        return None
    values, errors = _as_entered(form), {}
    for field in AXIS_PICKERS:
        values[f"{field}_find"] = form.get(f"{field}_find", "")[:MAX_FIND]
    try:
        values["year"] = int(values["year"]) if values["year"].isascii() and values["year"].isdigit() else None
        field, _, code = form.get("remove", "").partition(":")
        if field in AXIS_PICKERS:
            values[field] = [c for c in values[field] if c != code]
        field, _, level = form.get("add_level", "").partition(":")
        if field in AXIS_PICKERS:
            tree = getattr(engine().dataset(values["dataset"]), AXIS_PICKERS[field])
            values[field] = expand_levels(tree, [c for c in values[field] if c in tree], level, field)
        preset = PRESETS.get(form.get("preset", ""))
        if preset is not None:
            values.update(by=preset[0], by2="")
            values.update({field: [ROOT] for field in preset[1]})
    except EngineError as exc:  # an unknown dataset, or a level that is not one
        errors[exc.field] = exc.message
    if values["year"] is None:
        del values["year"]
    return values, errors


def query_from_form(form) -> tuple[Query | FlowQuery | None, dict, dict]:
    """(query or None, the values as entered, errors by field) of the origin -> destination form; with a
    first and a last year, a series. (A form with a perspective is the classic one: app/classicform.py.)"""
    values, errors = _as_entered(form), {}
    try:
        dataset = engine().dataset(values["dataset"])
        values["year"] = strict_int(values["year"], "year", 4, "choose a year from the list")
        for field, noun in AXIS_PICKERS.items():
            values[field] = expand_levels(getattr(dataset, noun), values[field], form.get(f"{field}_level"), field)
        by = [values["by"]] + ([values["by2"]] if values["by2"] else [])
        query = FlowQuery.from_dict({
            "dataset": values["dataset"], "year": values["year"], "indicator": values["indicator"], "by": by,
            "direct": values["direct"], "per": values["per"] or None,
            **{field: values[field] for field in AXIS_PICKERS}})
        resolve_flows(engine(), query)
        years = series_years(values)
        if years is None:
            return classic_of(query), values, errors
        series = SeriesQuery(replace(classic_of(query), year=None), read_years(years))
        resolve_any(engine(), series)
        return series, values, errors
    except EngineError as exc:  # a bad field, or a dataset found damaged
        field = "year_to" if exc.field == "years" else exc.field
        errors["by" if field.startswith("by") else field] = exc.message
        return None, values, errors


def series_years(values: dict) -> list[int] | None:
    """The years from the form's first to its last year, both included; None when both are left empty."""
    first, last = values.get("year_from", ""), values.get("year_to", "")
    if not first and not last:
        return None
    if not first or not last:
        raise FieldError("year_from" if not first else "year_to", first or last,
                         "choose both the first and the last year of a series, or neither for one year")
    first = strict_int(first, "year_from", 4, "choose a first year from the list")
    last = strict_int(last, "year_to", 4, "choose a last year from the list")
    if last < first:
        raise FieldError("year_to", last, f"the last year ({last}) comes before the first ({first}): swap them")
    if last == first:
        raise FieldError("year_to", last, "choose two different years for a series, or neither for one year")
    if last - first + 1 > MAX_YEARS:
        raise FieldError("year_to", last, f"a series has at most {MAX_YEARS} years ({last - first + 1} chosen)")
    return list(range(first, last + 1))
