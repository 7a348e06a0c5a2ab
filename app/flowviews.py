"""Origin -> destination results in words, charts and tables: where a footprint occurs, whose final
demand causes it, the bilateral matrix and the trade embodied in it (app/engine/flows.py, trade.py)."""

from __future__ import annotations

from . import charts
from .charts.heatmap import heatmap
from .engine import EngineError
from .engine.flows import DIRECT, FIELDS
from .engine.hierarchy import ROOT
from .engine.trade import embodied_trade
from .timeviews import short_when, when
from .web import engine

AXIS_WORDS = {"origin-region": "region where it occurs", "origin-product": "product whose making emits it",
              "consumer-region": "consuming region", "final-product": "product bought by final consumers"}
AXIS_PLURAL = {"origin-region": "producing regions", "origin-product": "products made",
               "consumer-region": "consuming regions", "final-product": "products bought"}
PER_WORDS = {"capita": {"consumer-region": "per person living in the consuming region",
                        "origin-region": "per person living in the region where it occurs"},
             "value-added": {"consumer-region": "per unit of the consuming region's value added",
                             "origin-region": "per unit of value added of the region where it occurs"}}


def is_flow(query: dict) -> bool:
    """An origin -> destination query (app/engine/flows.py) rather than one of the four classic views."""
    return "perspective" not in query


def axis_tree(dataset, axis: str):
    return None if dataset is None else dataset.regions if "region" in axis else dataset.products


def selection(query: dict, axis: str, names, everything: str, prefix: str) -> str:
    """One axis's selection in words: `everything` for TOTAL, else the prefix and the nodes."""
    codes = query[FIELDS[axis]]
    if list(codes) == [ROOT]:
        return everything
    return prefix + names(axis, codes)


def describe(query: dict, dataset, indicator: dict, names, direct: bool | None = None) -> str:
    """The query in words: what, where it occurs, whose demand causes it, the breakdown and the options.

    names(axis, codes) writes a selection (folded when long); direct: whether the result included direct
    emissions of final demand (None: not known yet, the job has not run)."""
    by = " and by ".join(AXIS_WORDS[a] for a in query["by"])
    words = (f"Origin and destination: {indicator['name']} [{indicator['unit']}] occurring "
             f"{selection(query, 'origin-region', names, 'anywhere', 'in ')}, "
             f"{selection(query, 'origin-product', names, 'in making any product', 'in making ')}, caused by "
             f"the final demand of consumers {selection(query, 'consumer-region', names, 'anywhere', 'in ')} "
             f"for {selection(query, 'final-product', names, 'any product', '')}; by {by}.")
    if not query.get("direct", True):
        words += " Direct emissions of final demand are left out, as asked."
    elif direct is True:
        words += " Direct emissions of final demand (households' own fuel, for instance) are included."
    elif direct is False:
        words += (" Direct emissions of final demand are not included: the dataset has none, or a product "
                  "selection other than all products cannot hold them.")
    if query.get("per"):
        region_axis = next((a for a in query["by"] if "region" in a), "consumer-region")
        words += f" Figures {PER_WORDS[query['per']].get(region_axis, 'per ' + query['per'])}."
    return words + f" Dataset {query['dataset']}, {when(query)}."


def title(query: dict, indicator: dict) -> str:
    by = " x ".join(AXIS_PLURAL[a] for a in query["by"])
    per = {"capita": " per person", "value-added": " per value added"}.get(query.get("per") or "", "")
    return f"{indicator['name']}{per} by {by}, {query['dataset']} {short_when(query)}"


def chart(query: dict, result: dict, dataset, heading: str, ident: str, standalone: bool, map_or_bars) -> str:
    """A heatmap for a matrix; a treemap for a product axis; a map (or bars) for a region axis."""
    unit, total = result["unit"], result["total"]
    if result.get("matrix") is not None:
        rows_axis, columns_axis = query["by"]
        return heatmap(result["matrix"], unit, total, heading, ident, AXIS_PLURAL[rows_axis],
                       AXIS_PLURAL[columns_axis], standalone=standalone)
    axis = query["by"][0]
    if "product" in axis:
        rows = [r for r in result["rows"] if r["code"] != DIRECT]
        direct = sum(r["value"] for r in result["rows"] if r["code"] == DIRECT)
        return charts.treemap(rows, unit, total - direct, heading, ident, tree=axis_tree(dataset, axis),
                              standalone=standalone)
    return map_or_bars(result["rows"], unit, total, heading, ident, standalone)


def trade(query: dict, result: dict) -> dict | None:
    """Embodied trade of a region breakdown's nodes (imports, exports, domestic part, balance), for a
    result by consuming or producing region over all products, in absolute figures; None otherwise."""
    if result.get("matrix") is not None or query["by"][0] not in ("origin-region", "consumer-region"):
        return None
    # the other end of the chain summed over entirely: the rows' own footprints and territorial totals
    other = "consumer-region" if query["by"][0] == "origin-region" else "origin-region"
    if query.get("per") or any(list(query[FIELDS[a]]) != [ROOT] for a in ("origin-product", "final-product", other)):
        return None
    if query.get("interventions"):
        return None  # embodied trade is computed for the tables as they are, not under a scenario
    regions = [r["code"] for r in result["rows"]]
    try:
        checked, nodes = embodied_trade(engine(), query["dataset"], query["indicator"], regions,
                                        query["year"], query.get("direct", True))
    except EngineError:  # the dataset has gone or changed since: the result stands without it
        return None
    return {"unit": result["unit"], "direct": checked.direct, "regions": [vars(n) for n in nodes]}


def trade_chart(trade_result: dict, heading: str, ident: str) -> str:
    """Balance of embodied trade per region: imports minus exports (= consumption minus production)."""
    rows = [{"code": r["code"], "name": r["name"], "value": r["balance"]} for r in trade_result["regions"]]
    return charts.bars(rows, trade_result["unit"], 0.0, heading, ident)


def csv_rows(result: dict) -> tuple[list[str], list[list]]:
    """The table of a flow result for a download: one line per row, or per (row, column) of a matrix."""
    if result.get("matrix") is None:
        lines = [[r["code"], r["name"], r["level"], r["value"]] for r in result["rows"]]
        lines.append(["", "Total of the selection", "", result["total"]])
        return ["code", "name", "level", "value"], lines
    matrix = result["matrix"]
    lines = [[row["code"], row["name"], column["code"], column["name"], value]
             for row, values in zip(matrix["rows"], matrix["values"])
             for column, value in zip(matrix["columns"], values)]
    lines.append(["", "Total of the selection", "", "", result["total"]])
    return ["row_code", "row_name", "column_code", "column_name", "value"], lines
