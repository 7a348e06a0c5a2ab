"""The chart a spreadsheet draws itself for a result, since a workbook cannot hold the page's SVG: its kind,
its data and a sentence saying what it shows and where the page's own chart is; for a result whose chart no
spreadsheet chart can stand in for (the tree of supply-chain paths), only the sentence."""

from __future__ import annotations

from . import charts, presenting, timeviews
from .chainviews import chain_kind

TOP_BARS = 20          # the rows a bar chart draws, largest first (the page's table shows as many)
SENSITIVITY_BARS = 15  # as the page's chart (chainviews.SENSITIVITY_BARS)
SVG_BESIDE = "the chart (SVG) download beside this workbook's link on the result's page"


def chart_plan(query: dict, result: dict) -> dict:
    """{"type": "bar", "column", "line", "grid" (a rows x columns sheet with a colour scale) or None,
    "title", "categories", "series": [(name, values)], "words"}."""
    kind = chain_kind(query)
    if kind is not None:
        return _chain_plan(kind, result)
    if timeviews.kind(query) == "series":
        return _series_plan(query, result)
    if timeviews.kind(query) == "decomposition":
        return _decomposition_plan(result)
    if result.get("matrix") is not None:
        matrix = result["matrix"]
        return {"type": "grid", "title": "Matrix", "categories": [_label(r) for r in matrix["rows"]],
                "columns": [_label(c) for c in matrix["columns"]], "series": [("", matrix["values"])],
                "words": ("The sheet Matrix has the rows x columns grid of the table's values, coloured by a "
                          "colour scale (the spreadsheet's own heat map); the page's heat map is in "
                          f"{SVG_BESIDE}.")}
    return _rows_plan(result)


def _label(node: dict) -> str:
    return f"{node['name']} ({node['code']})" if node["code"] else node["name"]


def _rows_plan(result: dict) -> dict:
    """The largest rows as bars, beside their baseline under a scenario."""
    rows = result["rows"]
    order = sorted(range(len(rows)), key=lambda i: -rows[i]["value"])[:TOP_BARS]
    values = [rows[i]["value"] for i in order]
    series = [("Value", values)]
    if result.get("baseline"):
        series = [("Scenario", values), ("Baseline", [result["baseline"]["rows"][i]["value"] for i in order])]
    which = f"the {len(order)} largest of the {len(rows)} rows" if len(order) < len(rows) else \
        f"the {len(rows)} row{'s' if len(rows) != 1 else ''}"
    return {"type": "bar", "title": f"Largest rows, {result['unit']}", "categories": [_label(rows[i]) for i in order],
            "series": series,
            "words": (f"A bar chart of {which}, largest first, in {result['unit']}, drawn by the spreadsheet; the "
                      f"page's chart is in {SVG_BESIDE}.")}


def _series_plan(query: dict, result: dict) -> dict:
    """The lines the page draws: the largest rows in the last year, and the rest summed as "other"."""
    rows = result["rows"]
    tree = presenting.breakdown_tree(query, presenting.dataset_or_none(query["dataset"]))
    choice = charts.line_choice(rows, timeviews.disjoint(tree, [r["code"] for r in rows]), result["years"][-1])
    series = [(_label(rows[i]), rows[i]["values"]) for i in choice["drawn"]]
    if choice["other"] is not None:
        series.append(("Other", choice["other"]))
    return {"type": "line", "title": f"By year, {result['unit']}", "categories": [str(y) for y in result["years"]],
            "series": series,
            "words": (f"A line chart of each year's values in {result['unit']}, drawn by the spreadsheet, as the "
                      f"page draws them. {choice['words']}")}


def _decomposition_plan(result: dict) -> dict:
    """The total's change, driver by driver (the page draws a waterfall for the total and each row)."""
    contributions = result["total"]["contributions"]
    y0, y1 = result["years"]
    return {"type": "column", "title": f"Change of the total from {y0} to {y1}, by driver, {result['unit']}",
            "categories": [timeviews.FACTOR_HEADINGS.get(name, name) for name in contributions],
            "series": [("Contribution", list(contributions.values()))],
            "words": (f"A column chart of what each driver contributed to the change of the total from {y0} to "
                      f"{y1}, in {result['unit']}, drawn by the spreadsheet; the page's waterfalls (the total "
                      f"and the rows that changed most) are in {SVG_BESIDE}.")}


def _chain_plan(kind: str, result: dict) -> dict:
    unit = result["unit"]
    if kind == "layers":
        return {"type": "column", "title": f"Footprint by production layer, {unit}",
                "categories": [f"Tier {layer['tier']}" for layer in result["layers"]] + ["Deeper"],
                "series": [("Footprint", [layer["value"] for layer in result["layers"]] + [result["remainder"]])],
                "words": ("A column chart of the footprint by production layer (tier 0: the final producers' "
                          f"own impacts; the last column every deeper tier), in {unit}, drawn by the "
                          "spreadsheet; the page's chart, which splits each layer by its largest origins, is in "
                          f"{SVG_BESIDE}.")}
    if kind == "paths":
        return {"type": None, "words": ("No chart in this workbook: a spreadsheet cannot draw the page's tree of "
                                        f"supply-chain paths. It is in {SVG_BESIDE}; the sheet Table lists every "
                                        "path.")}
    cells = result["cells"][:SENSITIVITY_BARS]
    return {"type": "bar", "title": "The coefficients that matter (elasticity)",
            "categories": [f"{c['origin']['region']} {c['origin']['product']} → {c['consumer']['region']} "
                           f"{c['consumer']['product']}" for c in cells],
            "series": [("Elasticity", [c["elasticity"] for c in cells])],
            "words": (f"A bar chart of the {len(cells)} largest elasticities (supplier → buyer, by region and "
                      "product code), as the page draws them, drawn by the spreadsheet.")}
