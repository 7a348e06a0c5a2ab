"""Benchmark of the views through time: series of the standard views and of an origin -> destination view
(beside that view's one-year time), and decompositions between the first and the last year; a memory
check of mixed queries across the years. A one-year dataset skips all of it and says so."""

from __future__ import annotations

import statistics
import time

import numpy as np

from ..engine import Engine, FlowQuery, Query, answer_any
from ..engine.change import DecompositionQuery
from ..engine.hierarchy import ROOT
from ..engine.series import SeriesQuery
from .od_memory import PeakSampler, rss_anon_mb
from .stats import percentile

SERIES_YEARS = 5
VIEWS = [("consumption", "product"), ("consumption", "region"), ("production", "region"),
         ("production", "product")]


def _summary(times_ms: list[float], years: list[int]) -> dict:
    return {"median_ms": round(statistics.median(times_ms), 3), "p95_ms": round(percentile(times_ms, 0.95), 3),
            "queries": len(times_ms), "years": years}


def _timed(engine: Engine, query) -> float:
    started = time.perf_counter()
    answer_any(engine, query)
    return (time.perf_counter() - started) * 1000


def _standard(dataset, rng, indicator: str, k: int) -> Query:
    perspective, by = VIEWS[k % len(VIEWS)]
    regions, products = dataset.regions.leaf_codes(), dataset.products.leaf_codes()
    if by == "product":
        return Query(dataset.name, indicator, perspective, by, products=tuple(products),
                     regions=(str(rng.choice(regions)),) if k % 2 else (ROOT,))
    return Query(dataset.name, indicator, perspective, by, regions=tuple(regions))


def _flow(dataset, rng, indicator: str) -> FlowQuery:
    """Where one region's footprint occurs, by origin region: the origin -> destination view a series of
    it shows first."""
    return FlowQuery(dataset.name, indicator, ("origin-region",), origin_regions=tuple(dataset.regions.leaf_codes()),
                     consumer_regions=(str(rng.choice(dataset.regions.leaf_codes())),))


def _decomposable(dataset, rng, indicator: str, k: int) -> FlowQuery:
    regions, products = tuple(dataset.regions.leaf_codes()), tuple(dataset.products.leaf_codes())
    return [FlowQuery(dataset.name, indicator, ("consumer-region",), consumer_regions=regions),
            FlowQuery(dataset.name, indicator, ("origin-region",), origin_regions=regions,
                      consumer_regions=(str(rng.choice(regions)),)),
            FlowQuery(dataset.name, indicator, ("final-product",), final_products=products),
            FlowQuery(dataset.name, indicator, ("origin-product",), origin_products=products)][k % 4]


def over_time(engine: Engine, dataset, repeats: int = 20, log=lambda _: None) -> dict:
    """"series", "od_series" and "decomposition" timings ({median_ms, p95_ms, years}), or why skipped."""
    if len(dataset.years) < 2:
        reason = f"dataset {dataset.name!r} has one year ({dataset.years[0]}); series and decompositions need two"
        log(reason)
        return {"series": {"skipped": reason}, "decomposition": {"skipped": reason}}
    rng = np.random.default_rng(3)
    years = dataset.years[-SERIES_YEARS:]
    indicators = [i["code"] for i in dataset.indicators]
    standard, one_year = [], []
    for k in range(repeats * 4):
        query = _standard(dataset, rng, indicators[k % len(indicators)], k)
        standard.append(_timed(engine, SeriesQuery(query, tuple(years))))
        one_year.append(_timed(engine, Query(**{**vars(query), "year": years[-1]})))
    out = {"series": _summary(standard, years)}
    out["series"]["one_year_median_ms"] = round(statistics.median(one_year), 3)
    flow_series, flow_one, flow_same = [], [], []
    for k in range(repeats):
        query = _flow(dataset, rng, indicators[k % len(indicators)])
        # one year at a time over the same years (what a user asking year after year waits), and the same
        # year again and again (its arrays stay in the processor's cache: the best case)
        flow_one.extend(_timed(engine, FlowQuery(**{**vars(query), "year": year})) for year in years)
        flow_same.extend(_timed(engine, FlowQuery(**{**vars(query), "year": years[-1]})) for _ in years)
        flow_series.append(_timed(engine, SeriesQuery(query, tuple(years))))
    out["od_series"] = _summary(flow_series, years)
    one, same = statistics.median(flow_one), statistics.median(flow_same)
    out["od_series"].update(one_year_median_ms=round(one, 3), same_year_median_ms=round(same, 3),
                            over_one_year=round(statistics.median(flow_series) / one, 2),
                            over_same_year=round(statistics.median(flow_series) / same, 2))
    pair = (years[0], years[-1])
    decompositions = [_timed(engine, DecompositionQuery(_decomposable(dataset, rng, indicators[k % len(indicators)],
                                                                      k), pair))
                      for k in range(max(4, repeats // 2))]
    out["decomposition"] = _summary(decompositions, list(pair))
    log(f"series of {len(years)} years: median {out['series']['median_ms']} ms; origin -> destination series "
        f"{out['od_series']['over_one_year']} x its one-year time; decomposition median "
        f"{out['decomposition']['median_ms']} ms")
    return out


def memory_over_time(engine: Engine, name: str, n_queries: int = 1000, limit_mb: float = 600.0,
                     log=lambda _: None) -> dict:
    """One process answers n_queries mixed queries across the dataset's last five years (standard views,
    origin -> destination views, series and decompositions) while a thread samples its RssAnon."""
    dataset = engine.dataset(name)
    years = dataset.years[-SERIES_YEARS:]
    rng = np.random.default_rng(11)
    indicators = [i["code"] for i in dataset.indicators]
    before = rss_anon_mb()
    times = []
    with PeakSampler() as sampler:
        for i in range(n_queries):
            indicator, year = indicators[i % len(indicators)], years[i % len(years)]
            kind = i % 4 if len(years) > 1 else i % 2
            if kind == 0:
                query = Query(**{**vars(_standard(dataset, rng, indicator, i)), "year": year})
            elif kind == 1:
                query = FlowQuery(**{**vars(_flow(dataset, rng, indicator)), "year": year})
            elif kind == 2:
                query = SeriesQuery(_standard(dataset, rng, indicator, i), tuple(years))
            else:
                query = DecompositionQuery(_decomposable(dataset, rng, indicator, i), (years[0], years[-1]))
            times.append(_timed(engine, query))
            sampler.sample()
            if (i + 1) % 100 == 0:
                log(f"{i + 1} queries, RssAnon {sampler.sample():.0f} MB (peak {sampler.peak:.0f} MB)")
    report = {"dataset": name, "years": years, "queries": n_queries, "rss_anon_before_mb": round(before, 1),
              "rss_anon_peak_mb": round(sampler.peak, 1), "rss_anon_after_mb": round(rss_anon_mb(), 1),
              "limit_mb": limit_mb, "median_ms": round(statistics.median(times), 3)}
    report["within_limit"] = report["rss_anon_peak_mb"] <= limit_mb
    return report
