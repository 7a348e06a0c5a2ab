"""Supply-chain results on the page (app/engine/chains.py): the layers, the paths and the coefficients
that matter, in words and tables."""

from __future__ import annotations

from .charts.svg import format_value

KINDS = ("layers", "paths", "sensitivity")
TITLES = {"layers": "Production layers", "paths": "The largest supply-chain paths",
          "sensitivity": "The coefficients that matter"}


def chain_kind(query: dict) -> str | None:
    """Which supply-chain analysis a stored query asks for; None for any other."""
    return next((kind for kind in KINDS if kind in query), None)


def stage_words(stage: dict, dataset) -> str:
    """One stage of a path: the product's and the region's names where the dataset still has them."""
    if dataset is None:
        return f"{stage['product']} in {stage['region']}"
    product = dataset.products[stage["product"]].name if stage["product"] in dataset.products else stage["product"]
    region = dataset.regions[stage["region"]].name if stage["region"] in dataset.regions else stage["region"]
    return f"{product} ({stage['product']}) in {region} ({stage['region']})"


def chain_view(query: dict, result: dict, dataset) -> dict:
    """What the template shows for each kind."""
    kind = chain_kind(query)
    total = result["total"]
    view = {"kind": kind, "title": TITLES[kind], "total": total, "unit": result["unit"]}
    if kind == "paths":
        view["paths"] = [{**p, "words": " ← ".join(stage_words(s, dataset) for s in reversed(p["stages"])),
                          "depth": len(p["stages"]) - 1} for p in result["paths"]]
        view["coverage_words"] = (f"These {len(result['paths'])} paths together are {100 * result['coverage']:.1f} % "
                                  f"of the footprint ({format_value(total)} {result['unit']}); the search expanded "
                                  f"{result['expanded']:,} nodes.")
    elif kind == "sensitivity":
        view["cells"] = [{**c, "origin_words": stage_words(c["origin"], dataset),
                          "consumer_words": stage_words(c["consumer"], dataset)} for c in result["cells"]]
        view["intensities"] = [{**c, "words": stage_words(c, dataset)} for c in result["intensities"]]
    return view
