"""The forms: what the query form and the scenario builder show, and what a posted form means.

Each reader turns posted strings into engine objects or messages keyed by field; nothing here
writes to the database or renders a template.
"""

from __future__ import annotations

from .engine import EngineError, Query, QueryError
from .engine.hierarchy import ROOT
from .engine.interventions import FIELDS, FINAL_DEMAND, MAX_INTERVENTIONS, Intervention, check_interventions
from .ownership import owned_scenarios
from .parsing import FieldError, strict_int, strict_number
from .web import default_dataset, engine


def _level_names(tree, kind: str) -> dict[int, str]:
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


def picker(tree, kind: str, selected: list[str], find: str = "") -> dict:
    """What the hierarchy picker template needs for one dimension, narrowed to a Find if there is one."""
    nodes = tree.public()
    shown, opened, matches = _found(nodes, find)
    visible = {n["code"] for n in shown}
    chosen = set(selected)
    return {"kind": kind, "nodes": shown, "selected": chosen, "find": find, "opened": opened,
            "matches": matches, "total": len(nodes), "levels": _level_buttons(tree, kind),
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


def form_state(dataset_name: str | None, values: dict | None = None, errors: dict | None = None) -> dict:
    """Everything the query form shows: choices from the dataset, the user's values, messages per field."""
    names = engine().store.names()
    dataset_name = default_dataset(dataset_name)
    values = dict(values or {})
    state = {"datasets": names, "values": values, "errors": errors or {}, "dataset": None}
    if dataset_name is None:
        return state
    dataset = engine().dataset(dataset_name)
    values.setdefault("dataset", dataset_name)
    values.setdefault("year", dataset.years[-1])
    values.setdefault("indicator", dataset.indicators[0]["code"])
    values.setdefault("perspective", "consumption")
    values.setdefault("by", "product")
    values.setdefault("products", [ROOT])
    values.setdefault("regions", [ROOT])
    depth = {}
    for ind in dataset.indicators:
        depth[ind["code"]] = 0 if ind["parent"] is None else depth.get(ind["parent"], 0) + 1
    state.update(dataset=dataset, indicator_depth=depth,
                 products=picker(dataset.products, "products", values["products"], values.get("products_find", "")),
                 regions=picker(dataset.regions, "regions", values["regions"], values.get("regions_find", "")))
    return state


PICKERS = ("products", "regions")
MAX_FIND = 100  # characters of a Find: longer text names no node


def picker_edit(form) -> tuple[dict, dict] | None:
    """The form as entered, changed by a picker button (Find, Add a whole level, Remove a chosen node),
    with errors by field; None when the form asks to run the analysis.

    Without JavaScript these buttons post the whole form, so nothing typed or ticked so far is lost."""
    if not any(key in form for key in ("find", "add_level", "remove")):
        return None
    values = {key: form.get(key, "") for key in ("dataset", "year", "indicator", "perspective", "by")}
    errors = {}
    for kind in PICKERS:
        values[kind] = list(dict.fromkeys(form.getlist(kind)))
        values[f"{kind}_find"] = form.get(f"{kind}_find", "")[:MAX_FIND]
    try:
        values["year"] = int(values["year"]) if values["year"].isascii() and values["year"].isdigit() else None
        kind, _, code = form.get("remove", "").partition(":")
        if kind in PICKERS:
            values[kind] = [c for c in values[kind] if c != code]
        kind, _, level = form.get("add_level", "").partition(":")
        if kind in PICKERS:
            tree = getattr(engine().dataset(values["dataset"]), kind)
            values[kind] = expand_levels(tree, [c for c in values[kind] if c in tree], level, kind)
    except EngineError as exc:  # an unknown dataset, or a level that is not one
        errors[exc.field] = exc.message
    if values["year"] is None:
        del values["year"]
    return values, errors


def query_from_form(form) -> tuple[Query | None, dict, dict]:
    """(query or None, the values as entered, errors by field)."""
    values = {key: form.get(key, "") for key in ("dataset", "year", "indicator", "perspective", "by")}
    values["products"] = form.getlist("products")
    values["regions"] = form.getlist("regions")
    errors = {}
    try:
        dataset = engine().dataset(values["dataset"])
        values["year"] = strict_int(values["year"], "year", 4, "choose a year from the list")
        values["products"] = expand_levels(dataset.products, values["products"], form.get("products_level"),
                                           "products")
        values["regions"] = expand_levels(dataset.regions, values["regions"], form.get("regions_level"),
                                          "regions")
        query = Query(dataset=values["dataset"], year=values["year"], indicator=values["indicator"],
                      perspective=values["perspective"], by=values["by"],
                      products=tuple(values["products"]), regions=tuple(values["regions"]))
        engine().resolve(query)
        return query, values, errors
    except EngineError as exc:  # a bad field, or a dataset found damaged
        errors[exc.field] = exc.message
        return None, values, errors


def blank_intervention() -> dict:
    """A new builder row: every product from everywhere, to final demand everywhere, no change yet."""
    return {"product": ROOT, "origin": ROOT, "consumer": FINAL_DEMAND, "consumer_region": ROOT, "change_pct": ""}


def rows_from_form(form) -> list[dict]:
    """The builder's rows as entered (strings), in order."""
    # one more than allowed is kept, so that validate() can say there are too many
    count = min(strict_int(form.get("count", "0"), "count", 3), MAX_INTERVENTIONS + 1)
    # codes come from the selects as they are (a dataset's code may begin with a space or a tab)
    return [{key: form.get(f"{key}-{i}", "").strip() if key == "change_pct" else form.get(f"{key}-{i}", "")
             for key in FIELDS} for i in range(count)]


def validate(dataset, name: str, rows: list[dict]) -> tuple[list[Intervention], dict]:
    """Interventions from the rows, or messages keyed by field (interventions[i].key)."""
    errors, interventions = {}, []
    if not name or len(name) > 100:
        errors["name"] = "give the scenario a name of 1 to 100 characters"
    if not rows:
        errors["interventions"] = "add at least one intervention"
    if len(rows) > MAX_INTERVENTIONS:
        errors["interventions"] = f"at most {MAX_INTERVENTIONS} interventions"
    for i, row in enumerate(rows):
        data = dict(row)
        try:
            data["change_pct"] = strict_number(row["change_pct"], f"interventions[{i}].change_pct",
                                               "enter the change in percent as a plain number, e.g. -20 or 12.5")
        except FieldError as exc:
            errors[exc.field] = exc.message
            continue
        try:
            intervention = Intervention.from_dict(data, i)
            check_interventions(dataset, [intervention])
            interventions.append(intervention)
        except QueryError as exc:
            errors[exc.field.replace("interventions[0]", f"interventions[{i}]")] = exc.message.replace(
                "interventions[0]", f"intervention {i + 1}")
    return interventions, errors


def builder_context(dataset_name: str | None, name: str = "", rows=None, errors=None, scenario_id=None) -> dict:
    """Everything the scenario builder shows: the dataset's choices, the rows as entered, messages per field."""
    names = engine().store.names()
    dataset_name = default_dataset(dataset_name)
    dataset = engine().dataset(dataset_name) if dataset_name else None
    return {"dataset": dataset, "datasets": names, "name": name, "rows": rows if rows is not None else
            ([blank_intervention()] if dataset else []), "errors": errors or {}, "scenario_id": scenario_id,
            "scenarios": owned_scenarios(), "max": MAX_INTERVENTIONS}
