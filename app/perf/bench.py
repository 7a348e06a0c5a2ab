"""Benchmark of the standard views, measured side by side with a dense L @ y (and pymrio) in one run."""

from __future__ import annotations

import resource
import statistics
import time

import numpy as np

from ..engine import Engine, Query
from ..engine.hierarchy import ROOT
from .chain_bench import supply_chains
from .od_bench import origin_destination
from .od_memory import PeakSampler, rss_anon_mb
from .references import against_pymrio, changed_a_sparse, iterative_reference
from .stats import percentile
from .time_bench import over_time

VIEWS = [("consumption", "product"), ("consumption", "region"), ("production", "region"),
         ("production", "product")]
DENSE_MAX = 8000  # sectors up to which the dense references run by default


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _selections(dataset, by: str, rng) -> list[tuple[str, list[str], list[str]]]:
    """(kind, products, regions): everything, one region, a sector node, one product."""
    products = dataset.products.leaf_codes()
    regions = dataset.regions.leaf_codes()
    sectors = [c for c, n in dataset.products.nodes.items() if n.level == 1] or [ROOT]
    region, product, sector = (str(rng.choice(regions)), str(rng.choice(products)), str(rng.choice(sectors)))
    if by == "product":
        return [("everything", products, [ROOT]), ("one region", products, [region]),
                ("a sector node", [sector], [ROOT]), ("one product", [product], [ROOT])]
    return [("everything", [ROOT], regions), ("one region", [ROOT], [region]),
            ("a sector node", [sector], regions), ("one product", [product], regions)]


def _summary(times_ms: list[float]) -> dict:
    return {"median_ms": round(statistics.median(times_ms), 4), "p95_ms": round(percentile(times_ms, 0.95), 4),
            "queries": len(times_ms)}


def run_bench(engine: Engine, name: str, n_queries: int = 1000, vs_pymrio: bool = False,
              log=lambda _: None, scenarios: int = 0, dense: bool | None = None, chains: bool = True) -> dict:
    """Every timing in one JSON-ready dict. dense: the dense references (None: by size, see dense_checks);
    chains: time the supply-chain analyses too."""
    dataset = engine.dataset(name)
    rng = np.random.default_rng(0)
    rss_before = _peak_rss_mb()
    anon_before = rss_anon_mb()
    sampler = PeakSampler().__enter__()  # a worker's anonymous memory through the views and flows below
    times: dict[str, list[float]] = {f"{p}/{b}": [] for p, b in VIEWS}
    by_kind: dict[str, list[float]] = {}
    indicators = [i["code"] for i in dataset.indicators]
    for i in range(n_queries):
        perspective, by = VIEWS[i % len(VIEWS)]
        year = dataset.years[(i // len(VIEWS)) % len(dataset.years)]
        kind, products, regions = _selections(dataset, by, rng)[(i // 8) % 4]
        query = Query(dataset=name, year=year, indicator=indicators[i % len(indicators)],
                      perspective=perspective, by=by, products=tuple(products), regions=tuple(regions))
        started = time.perf_counter()
        engine.answer(query)
        elapsed = (time.perf_counter() - started) * 1000
        times[f"{perspective}/{by}"].append(elapsed)
        by_kind.setdefault(kind, []).append(elapsed)
    report = {
        "dataset": name,
        "regions": dataset.regions.size,
        "products": dataset.products.size,
        "years": dataset.years,
        "queries": n_queries,
        "views": {view: _summary(t) for view, t in times.items() if t},
        "selections": {kind: _summary(t) for kind, t in by_kind.items()},
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "rss_before_queries_mb": round(rss_before, 1),
    }
    log(f"{n_queries} queries done; peak RSS {report['peak_rss_mb']} MB")
    sizes = dataset.year_bytes()
    report["store_bytes_per_year"] = {"years": sizes, "median": statistics.median(sizes.values()),
                                      "max": max(sizes.values())}
    log(f"store: {report['store_bytes_per_year']['max'] / 1e9:.3f} GB for its largest year ({sizes})")

    year = dataset.years[-1]
    started = time.perf_counter()
    L = dataset.array(year, "L")  # the first map checks L's size, header and checksum, once per process
    report["l_first_map_with_checksum_ms"] = round((time.perf_counter() - started) * 1000, 3)
    y = np.asarray(dataset.array(year, "Y").sum(axis=1))
    started = time.perf_counter()
    L @ y
    report["l_matvec_first_ms"] = round((time.perf_counter() - started) * 1000, 3)
    matvec = []
    for _ in range(5):
        started = time.perf_counter()
        L @ y
        matvec.append((time.perf_counter() - started) * 1000)
    report["l_matvec_ms"] = round(statistics.median(matvec), 3)
    slowest = max(v["median_ms"] for v in report["views"].values())
    report["l_matvec_over_slowest_view_median"] = round(report["l_matvec_ms"] / slowest, 1)
    report["peak_rss_after_matvec_mb"] = round(_peak_rss_mb(), 1)
    report["origin_destination"] = origin_destination(engine, dataset, n_queries, log)
    sampler.__exit__(None, None, None)
    report["rss_anon_mb"] = {"before": round(anon_before, 1), "peak": round(sampler.peak, 1),
                             "after": round(rss_anon_mb(), 1), "queries": n_queries * 4}
    log(f"RssAnon after {n_queries * 4} queries: peak {sampler.peak:.0f} MB")
    report.update(over_time(engine, dataset, log=log))
    if chains:
        report.update(supply_chains(engine, dataset, log=log))
    else:
        report["supply_chains"] = {"skipped": "--no-chains"}
    dense = dense_checks(dataset) if dense is None else dense
    report["dense_checks"] = dense
    if vs_pymrio:
        report["pymrio"] = (against_pymrio(engine, dataset, year, report, log) if dense else
                            {"skipped": f"{dataset.regions.size * dataset.products.size} sectors is above "
                                        f"{DENSE_MAX} (pymrio inverts I - A densely, in pandas): --dense-checks yes"})
    if scenarios:
        report.update(_scenarios(engine, dataset, year, scenarios, log, dense))
    return report


def dense_checks(dataset) -> bool:
    """Whether the dense references (an LU of I - A', a full re-inversion, pymrio) run by default: up to
    DENSE_MAX sectors; above, each takes minutes and gigabytes (GLORIA's 19,680: about ten minutes each)."""
    return dataset.regions.size * dataset.products.size <= DENSE_MAX


def benchmark_interventions(dataset, rng, count: int) -> tuple:
    """count interventions of the benchmark's kind: one product from all origins, consumed by one
    sector in one region, or (every fifth) by one region's final demand; each -20 %."""
    from ..engine.interventions import Intervention

    products, regions = dataset.products.leaf_codes(), dataset.regions.leaf_codes()
    out = []
    for k in range(count):
        consumer = "FD" if k % 5 == 4 else str(rng.choice(products))
        out.append(Intervention(str(rng.choice(products)), ROOT, consumer, str(rng.choice(regions)), -20.0))
    return tuple(out)


def _dense_reference(dataset, year: int, query, lu) -> np.ndarray:
    """The by-leaf view of the query from a dense LU factorisation of I - A' (the reference)."""
    import scipy.linalg

    from ..engine.query import (
        consumption_by_product,
        consumption_by_region,
        production_by_product,
        production_by_region,
    )
    from ..engine.scenario import ScenarioSystem

    system = ScenarioSystem(dataset, year, query.interventions)
    row = dataset.indicator_row[query.indicator]
    s = np.asarray(dataset.array(year, "S")[row])
    everything = np.arange(dataset.regions.size if query.by == "product" else dataset.products.size)
    n_regions = dataset.regions.size
    if query.perspective == "consumption":
        m = scipy.linalg.lu_solve(lu, s, trans=1)
        view = consumption_by_product if query.by == "product" else consumption_by_region
        return view(m, system.Y, everything, n_regions)
    x = scipy.linalg.lu_solve(lu, np.asarray(system.Y).sum(axis=1))
    view = production_by_product if query.by == "product" else production_by_region
    return view(s, x, everything, n_regions)


def _changed_a(dataset, year: int, interventions) -> np.ndarray:
    """A' as a dense matrix, built directly from the interventions."""
    from ..engine.interventions import FINAL_DEMAND
    from ..engine.scenario import cell_indices

    A = dataset.technical_coefficients(year, dense=True)
    A = np.array(A) if isinstance(A, np.memmap) else A  # changed below: a copy of the map, never the map
    for iv in interventions:
        if iv.consumer != FINAL_DEMAND:
            rows = cell_indices(dataset, iv.origin, iv.product)
            A[np.ix_(rows, cell_indices(dataset, iv.consumer_region, iv.consumer))] *= iv.factor
    return A


def _scenarios(engine: Engine, dataset, year: int, repeats: int, log, dense: bool = True) -> dict:
    """Median time of scenario queries, their error against a dense solve (or, without dense, an iterative
    one on the sparse A'), and one full re-inversion (dense only; "total", a change of every cell, too)."""
    import scipy.linalg

    from ..engine.interventions import Intervention

    rng = np.random.default_rng(1)
    indicator = next((i["code"] for i in dataset.indicators if i["code"] == "ghg"), dataset.indicators[0]["code"])
    regions = dataset.regions.leaf_codes()
    kinds = {
        "1": lambda: benchmark_interventions(dataset, rng, 1),
        "5": lambda: benchmark_interventions(dataset, rng, 5),
        "region": lambda: (Intervention(ROOT, ROOT, ROOT, str(rng.choice(regions)), -20.0),),
        "total": lambda: (Intervention(ROOT, ROOT, ROOT, ROOT, -20.0),),
    }
    if not dense:
        del kinds["total"]  # every cell changed: the engine's change block is n x n, dense
    out, reinversion_ms = {}, None
    for kind, make in kinds.items():
        n = repeats if kind in ("1", "5") else (3 if kind == "region" else 1)
        times, worst, methods = [], 0.0, set()
        for k in range(n):
            interventions = make()
            by = ("product", "region")[k % 2]
            for perspective in ("consumption", "production"):
                query = Query(dataset=dataset.name, year=year, indicator=indicator, perspective=perspective, by=by,
                              products=tuple(dataset.products.leaf_codes()) if by == "product" else (ROOT,),
                              regions=tuple(regions) if by == "region" else (ROOT,), interventions=interventions,
                              direct=False)  # the dense reference has no direct emissions of final demand
                started = time.perf_counter()
                result = engine.answer(query)
                times.append((time.perf_counter() - started) * 1000)
                methods.add(result.solver["method"])
                if k == 0 and not dense:
                    if perspective == "consumption":
                        changed = changed_a_sparse(dataset, year, interventions)
                    want = iterative_reference(dataset, year, query, changed)
                    got = np.array([r.value for r in result.rows])
                    worst = max(worst, float(np.abs(got - want).max() / np.abs(want).max()))
                elif k == 0:
                    # the reference: a dense LU of I - A', once per kind (it takes seconds at EXIOBASE's size)
                    if perspective == "consumption":
                        i_minus = -_changed_a(dataset, year, interventions)
                        i_minus[np.diag_indices(len(i_minus))] += 1
                        if kind == "5":
                            log("full re-inversion of I - A' (what RaMa-Scene did per scenario) ...")
                            started = time.perf_counter()
                            scipy.linalg.inv(i_minus)
                            reinversion_ms = (time.perf_counter() - started) * 1000
                        lu = scipy.linalg.lu_factor(i_minus, overwrite_a=True)
                        del i_minus
                    want = _dense_reference(dataset, year, query, lu)
                    got = np.array([r.value for r in result.rows])
                    worst = max(worst, float(np.abs(got - want).max() / np.abs(want).max()))
        out[kind] = {"median_ms": round(statistics.median(times), 2), "max_ms": round(max(times), 2),
                     "queries": len(times), "max_rel_err": worst, "method": sorted(methods)}
        log(f"scenarios {kind}: median {out[kind]['median_ms']} ms, max rel err {worst:.1e}")
    if reinversion_ms is None:
        return {"scenarios": out, "reinversion_ms": {"skipped": "no dense checks; the compile's time of the "
                                                                 "same inverse is in `data show`"}}
    report = {"scenarios": out, "reinversion_ms": round(reinversion_ms, 1)}
    report["reinversion_over_5_median"] = round(reinversion_ms / out["5"]["median_ms"], 1)
    return report
