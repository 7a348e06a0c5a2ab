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
    return {k: f"every node at level {k}" for k in range(1, depth + 1)}


def picker(tree, kind: str, selected: list[str]) -> dict:
    """What the hierarchy picker template needs for one dimension."""
    nodes = tree.public()
    return {"kind": kind, "nodes": nodes, "selected": set(selected),
            "levels": sorted(_level_names(tree, kind).items())}


def expand_levels(tree, codes: list[str], level: str | None, field: str) -> list[str]:
    """Add a whole level (or every leaf) to the checked nodes, for browsers without JavaScript."""
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
                 products=picker(dataset.products, "products", values["products"]),
                 regions=picker(dataset.regions, "regions", values["regions"]))
    return state


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
