"""Turning a query and its result into words, table rows, charts and downloads."""

from __future__ import annotations

import csv
import io

from . import charts
from .engine import EngineError
from .engine.hierarchy import EXIO3_REGIONS
from .engine.scenario import FINAL_DEMAND
from .web import engine

PERSPECTIVE_WORDS = {"consumption": "Consumption-based", "production": "Production-based"}


def dataset_or_none(name):
    """The dataset, or None when it has gone (a result outlives its dataset)."""
    try:
        return engine().dataset(name)
    except EngineError:
        return None


def _names(tree, codes) -> str:
    if tree is None:
        return ", ".join(codes)
    return ", ".join(f"{tree[c].name} ({c})" if c in tree else c for c in codes)


def indicator_of(dataset, code) -> dict:
    if dataset is not None and code in dataset.indicator_row:
        return dataset.indicators[dataset.indicator_row[code]]
    return {"code": code, "name": code, "unit": ""}


def describe(query: dict) -> str:
    """The query in words, the way product.md defines each view."""
    dataset = dataset_or_none(query["dataset"])
    indicator = indicator_of(dataset, query["indicator"])
    products = _names(dataset and dataset.products, query["products"])
    regions = _names(dataset and dataset.regions, query["regions"])
    what = f"{indicator['name']} [{indicator['unit']}]"
    views = {
        ("consumption", "product"): f"{what} caused anywhere in the world by the final demand of consumers in "
                                    f"{regions}, per product bought: {products}",
        ("consumption", "region"): f"{what} caused by the final demand for {products} of the consumers "
                                   f"in each region: {regions}",
        ("production", "region"): f"{what} occurring in each region's production of {products}, for final "
                                  f"demand anywhere: {regions}",
        ("production", "product"): f"{what} occurring in {regions} in the production of each product: "
                                   f"{products}",
    }
    return (f"{PERSPECTIVE_WORDS[query['perspective']]}: "
            f"{views[(query['perspective'], query['by'])]}. Dataset {query['dataset']}, {query['year']}.")


def title(query: dict) -> str:
    dataset = dataset_or_none(query["dataset"])
    indicator = indicator_of(dataset, query["indicator"])
    return (f"{PERSPECTIVE_WORDS[query['perspective']]} {indicator['name']} by {query['by']}, "
            f"{query['dataset']} {query['year']}")


def chart(query: dict, result: dict, ident: str = "chart") -> str:
    """A treemap by product; a world map for EXIOBASE regions; bars for other regions."""
    heading = title(query)
    if query["by"] == "product":
        return charts.treemap(result["rows"], result["unit"], result["total"], heading, ident)
    dataset = dataset_or_none(query["dataset"])
    if dataset is not None and set(dataset.regions.leaf_codes()) <= set(EXIO3_REGIONS):
        codes = dataset.regions.leaf_codes()
        leaves = [{codes[i] for i in dataset.regions[r["code"]].leaves} for r in result["rows"]]
        return charts.world_map(result["rows"], leaves, result["unit"], result["total"], heading, ident)
    return charts.bars(result["rows"], result["unit"], result["total"], heading, ident)


def comparison(a: dict, b: dict) -> list[dict] | None:
    """Per-row difference b - a when both results answer the same view (other year or scenario)."""
    if a is None or b is None or a.get("result") is None or b.get("result") is None:
        return None
    same = ("dataset", "indicator", "perspective", "by", "products", "regions")
    if any(a["query"][k] != b["query"][k] for k in same) or a["query"] == b["query"]:
        return None
    rows = [_difference(ra["code"], ra["name"], ra["value"], rb["value"])
            for ra, rb in zip(a["result"]["rows"], b["result"]["rows"])]
    rows.append(_difference("", "Total", a["result"]["total"], b["result"]["total"]))
    return rows


def _difference(code: str, name: str, a: float, b: float) -> dict:
    diff = b - a
    return {"code": code, "name": name, "a": a, "b": b, "diff": diff, "relative": diff / a if a else None}


def scenario_comparison(result: dict) -> dict:
    """Baseline (a) against scenario (b), per row and for the whole selection."""
    baseline = result["baseline"]
    return {"rows": [_difference(row["code"], row["name"], base["value"], row["value"])
                     for row, base in zip(result["rows"], baseline["rows"])],
            "total": _difference("", "Total", baseline["total"], result["total"])}


def describe_intervention(iv: dict, dataset_name: str) -> str:
    """One intervention in words, with the dataset's names for its codes when the dataset is there."""
    dataset = dataset_or_none(dataset_name)

    def node(tree, code):
        return f"{tree[code].name} ({code})" if dataset is not None and code in tree else code

    products = dataset.products if dataset else None
    regions = dataset.regions if dataset else None
    to = ("final demand" if iv["consumer"] == FINAL_DEMAND
          else f"the industries making {node(products, iv['consumer'])}")
    return (f"{node(products, iv['product'])} made in {node(regions, iv['origin'])}, delivered to {to} "
            f"in {node(regions, iv['consumer_region'])}: {iv['change_pct']:+g} %")


def intervention_spec(iv: dict) -> str:
    """The command line's form of an intervention."""
    return (f"product={iv['product']},origin={iv['origin']},consumer={iv['consumer']},"
            f"consumer_region={iv['consumer_region']},change={iv['change_pct']:g}")


# What makes a spreadsheet read a cell as a formula, full-width forms included (some accept them);
# and what some readers skip at the start of a cell before they look for one (OWASP, ASVS 1.2.10).
FORMULA_START = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
HIDDEN_START = ("\t", "\r", "\n", "\0")


def spreadsheet_safe(text) -> str:
    """A text cell that no spreadsheet runs: one that would start a formula gets a leading apostrophe.

    Labels like =HYPERLINK(...) or -2+3 are legitimate data; the apostrophe (OWASP's advice) makes a
    spreadsheet show them as the text they are. Numbers never come through here: they are written as numbers.
    """
    text = str(text)
    if text.startswith(HIDDEN_START) or text.lstrip().startswith(FORMULA_START):
        return "'" + text
    return text


def spreadsheet_row(cells) -> list:
    """Numbers as numbers, everything else as neutralised text."""
    return [c if isinstance(c, (int, float)) and not isinstance(c, bool) else spreadsheet_safe(c) for c in cells]


def csv_table(header: list[str], rows) -> str:
    """CSV with every text cell quoted and neutralised, numbers bare, so a spreadsheet tells them apart."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(spreadsheet_row(header))
    for row in rows:
        writer.writerow(spreadsheet_row(row))
    return out.getvalue()


def csv_text(job) -> str:
    """code, name, value, unit, plus the query (and any interventions) on every row so that a file stands on its own."""
    query, result = job.query, job.result
    baseline = result.get("baseline")
    header = ["code", "name", "level", "value", "unit", "dataset", "year", "indicator",
              "perspective", "breakdown", "products", "regions"]
    if baseline:
        header[4:4] = ["baseline_value", "difference"]
        header.append("interventions")
    context = [query["dataset"], query["year"], query["indicator"], query["perspective"], query["by"],
               " ".join(query["products"]), " ".join(query["regions"])]
    if baseline:
        context.append("; ".join(intervention_spec(iv) for iv in query["interventions"]))
    rows = [(r["code"], r["name"], r["level"], r["value"]) for r in result["rows"]]
    rows.append(("", "Total of the selection", "", result["total"]))
    base_values = [r["value"] for r in baseline["rows"]] + [baseline["total"]] if baseline else None
    lines = []
    for k, (code, name, level, value) in enumerate(rows):
        extra = [base_values[k], value - base_values[k]] if baseline else []
        lines.append([code, name, level, value, *extra, result["unit"], *context])
    return csv_table(header, lines)
