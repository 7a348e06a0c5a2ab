"""Benchmark of origin -> destination queries: the three kinds the issue times, over the dataset's years."""

from __future__ import annotations

import statistics
import time

import numpy as np

from ..engine import Engine
from ..engine.hierarchy import ROOT
from .stats import percentile


def _summary(times_ms: list[float]) -> dict:
    return {"median_ms": round(statistics.median(times_ms), 4), "p95_ms": round(percentile(times_ms, 0.95), 4),
            "queries": len(times_ms)}


def _od_queries(dataset, rng, indicator: str, year: int) -> dict[str, list]:
    """Origin -> destination queries of the three kinds the issue times."""
    from ..engine.flows import FlowQuery

    regions, products = tuple(dataset.regions.leaf_codes()), tuple(dataset.products.leaf_codes())
    continents = [c for c, n in dataset.regions.nodes.items() if n.level == 1] or [ROOT]
    sectors = [c for c, n in dataset.products.nodes.items() if n.level == 1] or [ROOT]

    def q(**fields):
        return FlowQuery(dataset=dataset.name, indicator=indicator, year=year, **fields)

    def consumers():
        return [(str(rng.choice(regions)),), (str(rng.choice(continents)),), (ROOT,), regions[:10]][rng.integers(4)]

    return {
        "by_origin_for_consumers": [
            q(by=("origin-region",), origin_regions=regions, consumer_regions=consumers()),
            q(by=("origin-product",), origin_products=products, consumer_regions=consumers())],
        "matrix": [q(by=("origin-region", "consumer-region"), origin_regions=regions, consumer_regions=regions)],
        "other": [
            q(by=("final-product",), final_products=products, origin_regions=(str(rng.choice(regions)),)),
            q(by=("origin-region",), origin_regions=regions, final_products=(str(rng.choice(sectors)),)),
            q(by=("origin-region",), origin_regions=regions, final_products=(str(rng.choice(products)),),
              consumer_regions=consumers()),
            q(by=("consumer-region",), consumer_regions=regions, origin_products=(str(rng.choice(sectors)),)),
            q(by=("origin-product", "final-product"), origin_products=tuple(sectors), final_products=tuple(sectors),
              consumer_regions=consumers()),
            q(by=("origin-region", "final-product"), origin_regions=regions, final_products=tuple(sectors)),
            q(by=("consumer-region", "final-product"), consumer_regions=regions, final_products=tuple(sectors),
              origin_regions=(str(rng.choice(continents)),)),
            q(by=("origin-product",), origin_products=products, per="capita" if dataset.population(year)
              is not None else None, consumer_regions=consumers(), final_products=(str(rng.choice(sectors)),))]}


def origin_destination(engine: Engine, dataset, n_queries: int, log) -> dict:
    """Median and 95th percentile of each kind of origin -> destination query, over the dataset's years."""
    from ..engine.flows import answer_flows

    rng = np.random.default_rng(2)
    indicators = [i["code"] for i in dataset.indicators]
    for year in dataset.years:
        started = time.perf_counter()
        dataset.leontief_demand(year)  # stored, or computed once per process for an older store
        log(f"L Y of {year} ready in {(time.perf_counter() - started) * 1000:.0f} ms")
    times: dict[str, list[float]] = {"by_origin_for_consumers": [], "matrix": [], "other": []}
    for i in range(n_queries):
        year = dataset.years[i % len(dataset.years)]
        for kind, queries in _od_queries(dataset, rng, indicators[i % len(indicators)], year).items():
            query = queries[i % len(queries)]
            started = time.perf_counter()
            answer_flows(engine, query)
            times[kind].append((time.perf_counter() - started) * 1000)
    out = {kind: _summary(t) for kind, t in times.items()}
    log("origin -> destination: " + ", ".join(f"{k} median {v['median_ms']} ms" for k, v in out.items()))
    return out
