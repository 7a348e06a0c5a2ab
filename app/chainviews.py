"""Supply-chain results on the page (app/engine/chains.py): the layers, the paths and the coefficients
that matter, in words, tables and charts, with a link into the scenario builder for each coefficient."""

from __future__ import annotations

from flask import url_for

from . import charts
from .charts.labels import shorter
from .charts.svg import format_value

KINDS = ("layers", "paths", "sensitivity")
TITLES = {"layers": "Production layers", "paths": "The largest supply-chain paths",
          "sensitivity": "The coefficients that matter"}
OTHER = "OTHER"  # the code of a layer's row that sums the origins after its top ones (engine/supply.py)
SENSITIVITY_BARS = 15


def chain_kind(query: dict) -> str | None:
    """Which supply-chain analysis a stored query asks for; None for any other."""
    return next((kind for kind in KINDS if kind in query), None)


def _name(tree, code: str) -> str:
    return tree[code].name if tree is not None and code in tree else code


def stage_words(stage: dict, dataset) -> str:
    """One stage of a path: the product's and the region's names where the dataset still has them."""
    if dataset is None:
        return f"{stage['product']} in {stage['region']}"
    product, region = _name(dataset.products, stage["product"]), _name(dataset.regions, stage["region"])
    return f"{product} ({stage['product']}) in {region} ({stage['region']})"


def stage_label(stage: dict, dataset) -> str:
    """A stage in a chart's few characters: the region's code and the product's shortened name."""
    products = dataset.products if dataset is not None else None
    return f"{stage['region']} {shorter(_name(products, stage['product']))}"


def scenario_link(dataset_name: str, supplier: dict, buyer: dict) -> str:
    """The scenario builder, filled with an intervention on the coefficient: what the supplier delivers to
    the industries making the buyer's product in the buyer's region (no #fragment: it would stop the change
    field's autofocus)."""
    return url_for("scenarios.index", dataset=dataset_name, product=supplier["product"], origin=supplier["region"],
                   consumer=buyer["product"], consumer_region=buyer["region"])


def _links(stages: list[dict], dataset, dataset_name: str) -> list[dict]:
    """Each link of a path, upstream: the stage t + 1 supplying stage t, in words, with its builder link."""
    return [{"words": f"{stage_words(stages[t + 1], dataset)} supplying {stage_words(stages[t], dataset)}",
             "href": scenario_link(dataset_name, stages[t + 1], stages[t])} for t in range(len(stages) - 1)]


def chain_view(query: dict, result: dict, dataset) -> dict:
    """What the template shows for each kind."""
    kind = chain_kind(query)
    total = result["total"]
    view = {"kind": kind, "title": TITLES[kind], "total": total, "unit": result["unit"]}
    if kind == "paths":
        view["paths"] = [{**p, "words": " ← ".join(stage_words(s, dataset) for s in reversed(p["stages"])),
                          "depth": len(p["stages"]) - 1, "links": _links(p["stages"], dataset, query["dataset"])}
                         for p in result["paths"]]
        view["coverage_words"] = (f"These {len(result['paths'])} paths together are {100 * result['coverage']:.1f} % "
                                  f"of the footprint ({format_value(total)} {result['unit']}); the search expanded "
                                  f"{result['expanded']:,} nodes.")
        view["chart_words"] = (f"The tree draws the {min(len(result['paths']), charts.pathtree.MAX_PATHS)} largest "
                               f"paths; the list below has all {len(result['paths'])}.")
    elif kind == "sensitivity":
        view["cells"] = [{**c, "origin_words": stage_words(c["origin"], dataset),
                          "consumer_words": stage_words(c["consumer"], dataset),
                          "href": scenario_link(query["dataset"], c["origin"], c["consumer"])} for c in result["cells"]]
        view["intensities"] = [{**c, "words": stage_words(c, dataset)} for c in result["intensities"]]
    else:
        view["by_words"] = "origin regions" if query.get("layers_by", "origin-region") == "origin-region" \
            else "origin products"
    return view


def chart(query: dict, result: dict, dataset, heading: str, ident: str, standalone: bool = False) -> str:
    """Stacked bars per tier; the tree of the largest paths; bars of the largest elasticities."""
    kind, unit, total = chain_kind(query), result["unit"], result["total"]
    heading = f"{TITLES[kind]}: {heading}"
    if kind == "layers":
        bars, keys = charts.tiers.stacks_of(result["layers"], result["remainder"], OTHER)
        what = "origin regions" if query.get("layers_by", "origin-region") == "origin-region" else "origin products"
        return charts.tiers.tiers(bars, keys, unit, total, heading, what, ident, standalone)
    if kind == "paths":
        paths = [{"value": p["value"], "stages": [{"key": (s["region"], s["product"]), "label": stage_label(s, dataset),
                                                   "words": stage_words(s, dataset)} for s in p["stages"]]}
                 for p in result["paths"]]
        return charts.pathtree.path_tree(paths, unit, total, "Final demand of the selection", heading, ident,
                                         standalone)
    rows = [{"code": "", "name": f"{stage_label(c['origin'], dataset)} → {stage_label(c['consumer'], dataset)}",
             "value": c["elasticity"]} for c in result["cells"][:SENSITIVITY_BARS]]
    return charts.bars(rows, "(elasticity)", 0.0, heading, ident, standalone=standalone, label_w=520)
