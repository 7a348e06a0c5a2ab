"""The references bench checks against where a dense solve is out of reach: the changed system's power
series on the sparse A' (GLORIA's size), and pymrio's calc_all on the same year."""

from __future__ import annotations

import time

import numpy as np

from ..engine import Engine, Query


def changed_a_sparse(dataset, year: int, interventions):
    """A' in CSR form, built directly from the interventions (the stored A's non-zeros scaled)."""
    import scipy.sparse

    from ..engine.interventions import FINAL_DEMAND
    from ..engine.scenario import cell_indices

    A = scipy.sparse.csr_matrix(dataset.technical_coefficients(year), copy=True)
    rows = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
    for iv in interventions:
        if iv.consumer != FINAL_DEMAND:
            cells = (np.isin(rows, cell_indices(dataset, iv.origin, iv.product))
                     & np.isin(A.indices, cell_indices(dataset, iv.consumer_region, iv.consumer)))
            A.data[cells] *= iv.factor
    return A


def iterative_reference(dataset, year: int, query, A) -> np.ndarray:
    """The by-leaf view of the query from the power series x = y + A' x (and m = s + m A'), iterated on the
    sparse A' until it no longer changes: no L, no dense matrix, seconds at GLORIA's size."""
    from ..engine.query import (
        consumption_by_product,
        consumption_by_region,
        production_by_product,
        production_by_region,
    )
    from ..engine.scenario import ScenarioSystem

    system = ScenarioSystem(dataset, year, query.interventions)
    s = np.asarray(dataset.array(year, "S")[dataset.indicator_row[query.indicator]])
    operator, start = (A.T.tocsr(), s) if query.perspective == "consumption" else (A, np.asarray(system.Y).sum(axis=1))
    value = start.copy()
    for _ in range(10_000):
        following = start + operator @ value
        done = np.abs(following - value).max() <= 1e-14 * np.abs(following).max()
        value = following
        if done:
            break
    else:
        raise RuntimeError("the power series of the changed system does not converge: no reference")
    everything = np.arange(dataset.regions.size if query.by == "product" else dataset.products.size)
    n_regions = dataset.regions.size
    if query.perspective == "consumption":
        view = consumption_by_product if query.by == "product" else consumption_by_region
        return view(value, system.Y, everything, n_regions)
    view = production_by_product if query.by == "product" else production_by_region
    return view(s, value, everything, n_regions)


def against_pymrio(engine: Engine, dataset, year: int, report: dict, log) -> dict:
    """pymrio's calc_all on the same year, and the largest difference of its footprints from ours."""
    import pandas as pd
    import pymrio

    regions, products = dataset.regions.leaf_codes(), dataset.products.leaf_codes()
    cells = pd.MultiIndex.from_product([regions, products], names=["region", "sector"])
    fd = pd.MultiIndex.from_product([regions, ["final demand"]], names=["region", "category"])
    codes = [i["code"] for i in dataset.indicators]
    io = pymrio.IOSystem(
        A=pd.DataFrame(np.asarray(dataset.technical_coefficients(year, dense=True)), index=cells, columns=cells),
        Y=pd.DataFrame(np.array(dataset.array(year, "Y")), index=cells, columns=fd),
        x=pd.DataFrame(np.array(dataset.array(year, "x")), index=cells, columns=["indout"]),
    )
    io.ext = pymrio.Extension(name="ext", S=pd.DataFrame(np.array(dataset.array(year, "S")),
                                                         index=codes, columns=cells))
    log("pymrio calc_all ...")
    started = time.perf_counter()
    io.calc_all()
    calc_all_ms = (time.perf_counter() - started) * 1000
    worst = 0.0
    for code in codes:
        for perspective, table in (("consumption", io.ext.D_cba), ("production", io.ext.D_pba)):
            ours = engine.answer(Query(dataset=dataset.name, year=year, indicator=code, perspective=perspective,
                                       by="product", products=tuple(products), direct=False))
            theirs = table.loc[code].groupby(level="sector", sort=False).sum().reindex(products).to_numpy()
            got = np.array([r.value for r in ours.rows])
            worst = max(worst, float(np.max(np.abs(got - theirs)) / max(np.abs(theirs).max(), 1e-300)))
    median = report["views"]["consumption/product"]["median_ms"]
    return {"calc_all_ms": round(calc_all_ms, 1), "max_rel_err": worst,
            "calc_all_over_consumption_product_median": round(calc_all_ms / median, 1)}
