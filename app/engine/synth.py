"""A seeded synthetic dataset with EXIOBASE 3 pxp's shape and labels, for benchmarks and load tests."""

from __future__ import annotations

import numpy as np

from . import nace
from .classifications import EXIO3_REGIONS, _exio3_classification, product_tree, region_tree
from .compiling import Source, SourceYear
from .errors import DatasetError
from .population import synthetic_population

# GWP100 factors of IPCC AR5, the ones EXIOBASE 3's GHG characterisation uses.
GWP100 = {"co2": 1.0, "ch4": 28.0, "n2o": 265.0}
INDICATORS = [
    {"code": "value_added", "name": "Value added", "unit": "M.EUR", "parent": None, "group": "factor inputs"},
    {"code": "employment", "name": "Employment", "unit": "1000 persons", "parent": None, "group": "employment"},
    {"code": "co2", "name": "CO2 emissions", "unit": "kg", "parent": None, "group": "air emissions"},
    {"code": "ch4", "name": "CH4 emissions", "unit": "kg", "parent": None, "group": "air emissions"},
    {"code": "n2o", "name": "N2O emissions", "unit": "kg", "parent": None, "group": "air emissions"},
    {"code": "ghg", "name": "GHG emissions (GWP100)", "unit": "kg CO2-eq", "parent": None, "group": "impacts"},
    {"code": "ghg_co2", "name": "GHG emissions from CO2", "unit": "kg CO2-eq", "parent": "ghg", "group": "impacts"},
    {"code": "ghg_ch4", "name": "GHG emissions from CH4", "unit": "kg CO2-eq", "parent": "ghg", "group": "impacts"},
    {"code": "ghg_n2o", "name": "GHG emissions from N2O", "unit": "kg CO2-eq", "parent": "ghg", "group": "impacts"},
]


def _spread(items: list, count: int) -> list:
    """count items evenly spread over the list, so small sets still span the classification."""
    if not 1 <= count <= len(items):
        raise ValueError(count)
    return [items[i] for i in np.unique(np.linspace(0, len(items) - 1, count).round().astype(int))]


def check_density(density) -> float | None:
    """None (the default pattern, about 3.6 % non-zero at 49 regions), or a share in (0, 1]."""
    if density is None:
        return None
    if isinstance(density, bool) or not isinstance(density, (int, float)) or not 0 < density <= 1:
        raise DatasetError("density", density, f"density must be a number above 0 and at most 1, not {density!r}")
    return float(density)


def _shares(n_regions: int, density: float | None) -> tuple[float, float]:
    """The chance that a cell of A is non-zero outside and inside the domestic blocks: 3 % and 35 % by
    default; for a given density, domestic blocks at least as dense as the rest and the whole at it."""
    if density is None:
        return 0.03, 0.35
    domestic = min(max(0.35, density), density * n_regions)
    foreign = (density * n_regions - domestic) / (n_regions - 1) if n_regions > 1 else 0.0
    return min(max(foreign, 0.0), 1.0), domestic


def synthetic_year(year: int, n_regions: int, sections: list[str], seed: int,
                   density: float | None = None) -> SourceYear:
    """One year: nonnegative A with denser domestic blocks and column sums below one, Y >= 0."""
    rng = np.random.default_rng([seed, year])
    n_products = len(sections)
    n = n_regions * n_products
    foreign, domestic_share = _shares(n_regions, density)
    A = np.zeros((n, n))
    for r in range(n_regions):
        cols = slice(r * n_products, (r + 1) * n_products)
        block = np.where(rng.random((n, n_products)) < foreign, rng.lognormal(0, 1.5, (n, n_products)), 0.0)
        domestic = slice(r * n_products, (r + 1) * n_products)
        block[domestic] = np.where(rng.random((n_products, n_products)) < domestic_share,
                                   rng.lognormal(1.5, 1.5, (n_products, n_products)), 0.0)
        sums = block.sum(axis=0)
        sums[sums == 0] = 1.0
        # intermediate-input shares between 10 % and 80 % of output, as in real tables
        A[:, cols] = block * (rng.uniform(0.1, 0.8, n_products) / sums)
    Y = np.where(rng.random((n, n_regions)) < 0.3, rng.lognormal(2, 2, (n, n_regions)), 0.0)
    for r in range(n_regions):
        Y[r * n_products:(r + 1) * n_products, r] = rng.lognormal(6, 1.5, n_products)
    # extension coefficients per M.EUR of output, scaled by what each section typically emits
    heavy = {"co2": "CDEI", "ch4": "ACO", "n2o": "AD"}
    product_factor = {gas: np.array([30.0 if s in heavy[gas] else 1.0 for s in sections])
                      for gas in heavy}
    region_factor = rng.lognormal(0, 0.4, (n_regions, 1))
    base = {"co2": 2e5, "ch4": 1e3, "n2o": 40.0}
    S = np.empty((len(INDICATORS), n))
    S[0] = 1.0 - A.sum(axis=0)  # value added closes each column
    S[1] = (rng.lognormal(-4.5, 0.8, (n_regions, n_products)) * region_factor).reshape(-1)
    for i, gas in enumerate(("co2", "ch4", "n2o"), start=2):
        coefficient = base[gas] * product_factor[gas] * rng.lognormal(0, 1, (n_regions, n_products))
        S[i] = (coefficient * region_factor).reshape(-1)
    for i, gas in enumerate(("co2", "ch4", "n2o"), start=6):
        S[i] = GWP100[gas] * S[i - 4]
    S[5] = S[6] + S[7] + S[8]
    return SourceYear(year=year, A=A, Y=Y, S=S, origin=f"synthetic (seed {seed})")


def synthetic_source(years: list[int], n_regions: int = 49, n_products: int = 200, seed: int = 0,
                     density: float | None = None) -> Source:
    """EXIOBASE 3 pxp's labels (its first or evenly spread regions and products), seeded numbers; density:
    the share of A's cells that are non-zero (None: the default pattern, about 3.6 % at 49 regions)."""
    density = check_density(density)
    name_to_code, _ = _exio3_classification("pxp")
    names = list(name_to_code)
    if not 1 <= n_regions <= len(EXIO3_REGIONS):
        raise DatasetError("regions", n_regions, f"regions must be between 1 and {len(EXIO3_REGIONS)}")
    if not 1 <= n_products <= len(names):
        raise DatasetError("products", n_products, f"products must be between 1 and {len(names)}")
    if not years:
        raise DatasetError("years", years, "give at least one year")
    regions = _spread(EXIO3_REGIONS, n_regions)
    products = _spread(names, n_products)
    codes = [name_to_code[p] for p in products]
    sections = [nace.section_of(c) for c in codes]
    return Source(
        regions=regions, products=codes,
        region_tree=region_tree(regions), product_tree=product_tree(products),
        indicators=[dict(i) for i in INDICATORS],
        years=[(y, lambda y=y: synthetic_year(y, n_regions, sections, seed, density)) for y in years],
        description=f"synthetic, EXIOBASE 3 pxp labels, {n_regions} regions x {n_products} products, seed {seed}"
                    + ("" if density is None else f", A {density:g} non-zero"),
        population=synthetic_population(n_regions, years, seed))
