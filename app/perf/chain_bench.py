"""Benchmark of the supply-chain analyses (app/engine/supply.py): production layers, the largest paths and
the coefficients that matter, over a few selections of the dataset's latest year, in the data as it is and
under a scenario of five interventions; the process's anonymous memory sampled throughout."""

from __future__ import annotations

import statistics
import time

import numpy as np

from ..engine import Engine, answer_any, parse_query
from ..engine.hierarchy import ROOT
from .od_memory import PeakSampler, rss_anon_mb

KINDS = {"layers": {"layers": 10}, "paths": {"paths": 100, "depth": 8, "threshold": 1e-4},
         "sensitivity": {"sensitivity": 50}}


def _selections(dataset, rng) -> list[dict]:
    """Everyone's footprint, one consumer region's, and one region's impacts for everyone's demand."""
    regions = dataset.regions.leaf_codes()
    return [{"by": "consumer-region"}, {"by": "consumer-region", "consumer_regions": [str(rng.choice(regions))]},
            {"by": "origin-region", "origin_regions": [str(rng.choice(regions))]}]


def scenario_of(dataset, rng) -> list[dict]:
    """Five interventions of every shape: one product from everywhere to every industry everywhere (a wide
    change), one cell, a removed block (-100 %), and two changes of final demand."""
    products, regions = dataset.products.leaf_codes(), dataset.regions.leaf_codes()
    p = [str(c) for c in rng.choice(products, 6, replace=False)]
    r = [str(c) for c in rng.choice(regions, 4, replace=False)]
    return [{"product": p[0], "origin": ROOT, "consumer": ROOT, "consumer_region": ROOT, "change_pct": -20.0},
            {"product": p[1], "origin": r[0], "consumer": p[2], "consumer_region": r[1], "change_pct": 50.0},
            {"product": p[3], "origin": r[2], "consumer": p[4], "consumer_region": ROOT, "change_pct": -100.0},
            {"product": p[5], "origin": ROOT, "consumer": "FD", "consumer_region": r[3], "change_pct": -30.0},
            {"product": p[0], "origin": r[1], "consumer": "FD", "consumer_region": ROOT, "change_pct": 10.0}]


def supply_chains(engine: Engine, dataset, repeats: int = 2, log=lambda _: None) -> dict:
    """"layers" (10 tiers), "paths" (the top 100 at depth 8, threshold 1e-4; with "expanded_max") and
    "sensitivity" (top 50): {median_ms, max_ms} over the selections, each run `repeats` times; the same
    under a scenario of five interventions ("layers_scenario", ...); "supply_chains_rss_anon_mb": RssAnon
    before and at its peak."""
    rng = np.random.default_rng(5)
    indicator = next((i["code"] for i in dataset.indicators if i["code"] in ("ghg", "co2")),
                     dataset.indicators[0]["code"])
    selections, interventions = _selections(dataset, rng), scenario_of(dataset, rng)
    out, before = {}, rss_anon_mb()
    with PeakSampler() as sampler:
        for suffix, extra in (("", {}), ("_scenario", {"interventions": interventions})):
            for kind, fields in KINDS.items():
                times, expanded = [], []
                for selection in selections:
                    query = parse_query({"dataset": dataset.name, "indicator": indicator, **selection, **fields,
                                         **extra})
                    for _ in range(repeats):
                        started = time.perf_counter()
                        result = answer_any(engine, query).to_dict()
                        times.append((time.perf_counter() - started) * 1000)
                        expanded.append(result.get("expanded", 0))
                name = kind + suffix
                out[name] = {"median_ms": round(statistics.median(times), 2), "max_ms": round(max(times), 2),
                             "queries": len(times)}
                if kind == "paths":
                    out[name]["expanded_max"] = max(expanded)
                log(f"{name}: median {out[name]['median_ms']} ms, max {out[name]['max_ms']} ms")
    out["supply_chains_rss_anon_mb"] = {"before": round(before, 1), "peak": round(sampler.peak, 1)}
    log(f"supply chains: RssAnon {before:.0f} MB before, {sampler.peak:.0f} MB at peak")
    return out
