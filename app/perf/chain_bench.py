"""Benchmark of the supply-chain analyses (app/engine/supply.py): production layers, the largest paths and
the coefficients that matter, over a few selections of the dataset's latest year."""

from __future__ import annotations

import statistics
import time

import numpy as np

from ..engine import Engine, answer_any, parse_query


def _selections(dataset, rng) -> list[dict]:
    """Everyone's footprint, one consumer region's, and one region's impacts for everyone's demand."""
    regions = dataset.regions.leaf_codes()
    return [{"by": "consumer-region"}, {"by": "consumer-region", "consumer_regions": [str(rng.choice(regions))]},
            {"by": "origin-region", "origin_regions": [str(rng.choice(regions))]}]


def supply_chains(engine: Engine, dataset, repeats: int = 2, log=lambda _: None) -> dict:
    """"layers" (10 tiers), "paths" (the top 100 at depth 8, threshold 1e-4; with "expanded_max") and
    "sensitivity" (top 50): {median_ms, max_ms} over the selections, each run `repeats` times."""
    rng = np.random.default_rng(5)
    indicator = next((i["code"] for i in dataset.indicators if i["code"] in ("ghg", "co2")),
                     dataset.indicators[0]["code"])
    kinds = {"layers": {"layers": 10}, "paths": {"paths": 100, "depth": 8, "threshold": 1e-4},
             "sensitivity": {"sensitivity": 50}}
    out = {}
    for kind, fields in kinds.items():
        times, expanded = [], []
        for selection in _selections(dataset, rng):
            query = parse_query({"dataset": dataset.name, "indicator": indicator, **selection, **fields})
            for _ in range(repeats):
                started = time.perf_counter()
                result = answer_any(engine, query).to_dict()
                times.append((time.perf_counter() - started) * 1000)
                expanded.append(result.get("expanded", 0))
        out[kind] = {"median_ms": round(statistics.median(times), 2), "max_ms": round(max(times), 2),
                     "queries": len(times)}
        if kind == "paths":
            out[kind]["expanded_max"] = max(expanded)
        log(f"{kind}: median {out[kind]['median_ms']} ms, max {out[kind]['max_ms']} ms")
    return out
