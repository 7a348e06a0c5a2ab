"""The scenario builder's form: what it shows, and the interventions a posted builder means.

Nothing here writes to the database or renders a template.
"""

from __future__ import annotations

from .engine import QueryError
from .engine.hierarchy import ROOT
from .engine.interventions import FIELDS, FINAL_DEMAND, MAX_INTERVENTIONS, Intervention, check_interventions
from .ownership import owned_scenarios
from .parsing import FieldError, strict_int, strict_number
from .web import default_dataset, engine


def blank_intervention() -> dict:
    """A new builder row: every product from everywhere, to final demand everywhere, no change yet."""
    return {"product": ROOT, "origin": ROOT, "consumer": FINAL_DEMAND, "consumer_region": ROOT, "change_pct": ""}


LINK_WORDS = {"product": "the product supplied", "origin": "the region making it",
              "consumer": "the product of the buying industries", "consumer_region": "the buyers' region"}


def row_from_args(dataset, args) -> dict | None:
    """A builder row from a link's query (a supply-chain coefficient's "Use in a scenario"), its codes checked
    against the dataset; None when the link names no intervention."""
    if not any(key in args for key in LINK_WORDS):
        return None
    row = {}
    for key, words in LINK_WORDS.items():
        code = args.get(key, "")
        tree = dataset.regions if key in ("origin", "consumer_region") else dataset.products
        if not (code in tree or (key == "consumer" and code == FINAL_DEMAND)):
            kind = "region" if tree is dataset.regions else "product"
            raise FieldError(key, code, f"{words} {code!r} is not a {kind} of {dataset.name}")
        row[key] = code
    return {**row, "change_pct": ""}


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
