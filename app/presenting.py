"""Turning a query and its result into words, table rows and charts."""

from __future__ import annotations

from flask import url_for

from . import chainviews, charts, flowviews, timeviews
from .charts import basemap
from .engine import EngineError
from .engine.classifications import EXIO3_REGIONS
from .engine.interventions import FINAL_DEMAND
from .web import engine

PERSPECTIVE_WORDS = {"consumption": "Consumption-based", "production": "Production-based"}


def dataset_or_none(name):
    """The dataset, or None when it has gone (a result outlives its dataset)."""
    try:
        return engine().dataset(name)
    except EngineError:
        return None


FOLD_AFTER = 5  # a selection longer than this is summed up in words, not listed


def _names(tree, codes, noun: str) -> str:
    """The selected nodes by name; a long list folded: "all 49 regions (World)", or the first three and a count."""
    if tree is None:
        named = list(codes)
    else:
        named = [f"{tree[c].name} ({c})" if c in tree else c for c in codes]
    if len(named) <= FOLD_AFTER:
        return ", ".join(named)
    whole = tree is not None and _covered_node(tree, codes)
    if whole:
        return f"all {len(codes)} {noun} ({whole.name})"
    return f"{len(codes)} {noun}: {', '.join(named[:3])} and {len(codes) - 3} more"


def _covered_node(tree, codes):
    """The highest node whose leaves the codes cover exactly, each leaf once; None when there is none."""
    if any(c not in tree for c in codes):
        return None
    union = tree.union(codes)
    if sum(len(tree[c].leaves) for c in codes) != len(union):
        return None  # overlapping nodes: "all N" would count some twice
    fits = [node for node in tree.nodes.values()
            if len(node.leaves) == len(union) and (node.leaves == union).all()]
    return min(fits, key=lambda node: node.level, default=None)


def indicator_of(dataset, code) -> dict:
    if dataset is not None and code in dataset.indicator_row:
        return dataset.indicators[dataset.indicator_row[code]]
    return {"code": code, "name": code, "unit": ""}


def describe(query: dict, result: dict | None = None) -> str:
    """The query in words: which footprint, of what selection, by product or region, in which year."""
    dataset = dataset_or_none(query["dataset"])
    indicator = indicator_of(dataset, query["indicator"])
    if flowviews.is_flow(query):
        def names(axis, codes):
            return _names(flowviews.axis_tree(dataset, axis), codes, "regions" if "region" in axis else "products")

        return flowviews.describe(query, dataset, indicator, names, (result or {}).get("direct"))
    products = _names(dataset and dataset.products, query["products"], "products")
    regions = _names(dataset and dataset.regions, query["regions"], "regions")
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
            f"{views[(query['perspective'], query['by'])]}. Dataset {query['dataset']}, {timeviews.when(query)}.")


def title(query: dict) -> str:
    dataset = dataset_or_none(query["dataset"])
    indicator = indicator_of(dataset, query["indicator"])
    if flowviews.is_flow(query):
        return flowviews.title(query, indicator)
    return (f"{PERSPECTIVE_WORDS[query['perspective']]} {indicator['name']} by {query['by']}, "
            f"{query['dataset']} {timeviews.short_when(query)}")


def breakdown_tree(query: dict, dataset):
    """The tree of the nodes a result's rows are (None when the dataset has gone)."""
    if dataset is None:
        return None
    if flowviews.is_flow(query):
        return flowviews.axis_tree(dataset, query["by"][0])
    return dataset.products if query["by"] == "product" else dataset.regions


def chart(query: dict, result: dict, ident: str = "chart", standalone: bool = False, index: bool = False) -> str:
    """A treemap by product (nested by the product tree); a world map for EXIOBASE regions; bars for
    other regions; lines for a series (index: first year = 100), waterfalls for a decomposition.
    standalone: a file of its own (the download), carrying the map outlines itself."""
    heading = title(query)
    dataset = dataset_or_none(query["dataset"])
    if chainviews.chain_kind(query):
        return chainviews.chart(query, result, dataset, heading, ident, standalone)
    if timeviews.kind(query) == "series":
        return timeviews.series_chart(result, heading, ident, breakdown_tree(query, dataset), standalone, index)
    if timeviews.kind(query) == "decomposition":
        return timeviews.decomposition_chart(result, heading, ident, standalone)
    if flowviews.is_flow(query):
        def map_or_bars(rows, unit, total, heading, ident, standalone):
            return _regions_chart(dataset, rows, unit, total, heading, ident, standalone)

        return flowviews.chart(query, result, dataset, heading, ident, standalone, map_or_bars)
    rows, unit, total = result["rows"], result["unit"], result["total"]
    if query["by"] == "product":
        tree = dataset.products if dataset is not None else None
        return charts.treemap(rows, unit, total, heading, ident, tree=tree, standalone=standalone)
    return _regions_chart(dataset, rows, unit, total, heading, ident, standalone)


def _regions_chart(dataset, rows, unit, total, heading, ident, standalone) -> str:
    """A world map for EXIOBASE regions; bars for any other region classification."""
    if dataset is not None and set(dataset.regions.leaf_codes()) <= set(EXIO3_REGIONS):
        codes = dataset.regions.leaf_codes()
        leaves = [{codes[i] for i in dataset.regions[r["code"]].leaves} for r in rows]
        href = None if standalone else _static_url(basemap.ASSET)
        return charts.world_map(rows, leaves, unit, total, heading, ident, outlines_href=href)
    return charts.bars(rows, unit, total, heading, ident, standalone=standalone)


def _static_url(filename: str) -> str:
    """The static file's URL (fingerprinted where the app does so); its plain path outside a request."""
    try:
        return url_for("static", filename=filename)
    except RuntimeError:
        return f"/static/{filename}"


def same_view(a: dict, b: dict) -> bool:
    """Two finished jobs answer the same view: every field but the year and the interventions alike."""
    if a is None or b is None or a.get("result") is None or b.get("result") is None or a["query"] == b["query"]:
        return False
    keys = ({*a["query"]} | {*b["query"]}) - {"year", "interventions"}
    return all(a["query"].get(k) == b["query"].get(k) for k in keys)


def comparison(a: dict, b: dict) -> list[dict] | None:
    """Per-row difference b - a when both results answer the same view by rows (other year or scenario)."""
    if not same_view(a, b) or a["result"].get("rows") is None or b["result"].get("rows") is None:
        return None
    rows = [_difference(ra["code"], ra["name"], ra["value"], rb["value"])
            for ra, rb in zip(a["result"]["rows"], b["result"]["rows"])]
    rows.append(_difference("", "Total", a["result"]["total"], b["result"]["total"]))
    return rows


def matrix_comparison(a: dict, b: dict) -> dict | None:
    """Cell by cell, b - a, when both results answer the same two-axis view."""
    if not same_view(a, b) or a["result"].get("matrix") is None or b["result"].get("matrix") is None:
        return None
    ma, mb = a["result"]["matrix"], b["result"]["matrix"]
    cells = [[vb - va for va, vb in zip(line_a, line_b)] for line_a, line_b in zip(ma["values"], mb["values"])]
    return {"rows": mb["rows"], "columns": mb["columns"], "cells": cells,
            "total": _difference("", "Total", a["result"]["total"], b["result"]["total"])}


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
