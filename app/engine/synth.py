"""A seeded synthetic dataset with EXIOBASE 3 pxp's or GLORIA's shape and labels, for benchmarks and load tests."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import nace
from .classifications import EXIO3_REGIONS, REST_OF_WORLD_NAMES, _exio3_classification, product_tree, region_tree
from .compiling import Source, SourceYear
from .errors import DatasetError
from .formats.regions import continent_tree
from .hierarchy import ROOT
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


# GLORIA-like sectors: 120 under seven groups, each group with the NACE section whose emission profile
# its synthetic numbers follow. Names in GLORIA's spirit (crops, livestock, ores, electricity by source),
# not its official list, which an import of GLORIA's own files brings.
GLORIA_GROUPS = [
    ("AGR", "Agriculture", "A", "Wheat; Maize; Rice; Other cereals; Legumes; Potatoes; Cassava; Other roots and "
     "tubers; Sugar crops; Oil seeds; Vegetables; Fruits; Nuts; Coffee, tea and cocoa; Spices; Tobacco; Fibre "
     "crops; Other crops; Cattle; Pigs; Poultry; Other livestock; Raw milk"),
    ("FOF", "Forestry and fishing", "A", "Forestry and logging; Fishing; Aquaculture"),
    ("MIN", "Mining and quarrying", "B", "Hard coal; Lignite; Crude petroleum; Natural gas; Iron ores; Uranium "
     "ores; Aluminium ores; Copper ores; Gold ores; Lead, zinc and silver ores; Nickel ores; Tin ores; Other "
     "non-ferrous ores; Stone; Sand and clay; Chemical and fertiliser minerals; Salt; Other minerals"),
    ("MAN", "Manufacturing", "C", "Meat products; Dairy products; Fish products; Vegetable oils and fats; Grain "
     "mill products; Sugar; Other food products; Beverages; Tobacco products; Textiles; Wearing apparel; "
     "Leather and footwear; Wood products; Pulp and paper; Printing; Coke oven products; Refined petroleum; "
     "Basic chemicals; Fertilisers; Plastics in primary forms; Pharmaceuticals; Other chemical products; "
     "Rubber and plastic products; Glass; Cement, lime and plaster; Ceramics; Other non-metallic minerals; Iron "
     "and steel; Aluminium; Copper; Precious metals; Other non-ferrous metals; Metal casting; Fabricated metal "
     "products; Computers and electronics; Electrical equipment; Machinery; Motor vehicles; Other transport "
     "equipment; Furniture; Other manufacturing; Repair and installation"),
    ("UTL", "Electricity, gas and water", "D", "Electricity from coal; Electricity from gas; Electricity from "
     "oil; Nuclear electricity; Hydro electricity; Wind electricity; Solar electricity; Electricity from "
     "biomass and waste; Other electricity; Electricity transmission and distribution; Gas distribution; "
     "Steam and air conditioning; Water supply; Waste management"),
    ("CON", "Construction", "F", "Building construction; Civil engineering"),
    ("SER", "Services", "G", "Wholesale trade; Retail trade; Land transport; Water transport; Air transport; "
     "Warehousing and postal services; Accommodation and food services; Publishing and broadcasting; "
     "Telecommunications; Computer and information services; Financial and insurance services; Real estate; "
     "Professional and business services; Public administration; Education; Health and social work; Arts, "
     "recreation and other services; Households as employers"),
]
GLORIA_REST = "ROW"
# GLORIA's A is sparse: most foreign blocks hold only what trade statistics show. 3 % of its cells (about
# 100 inputs a sector: a third of its own region's 120, some 60 from abroad) keeps that character.
GLORIA_DENSITY = 0.03
LIKE = ("exiobase", "gloria")


def _gloria_sectors() -> list[tuple[str, str, str, str]]:
    """(code, name, group code, NACE section) of the 120 sectors, coded S001 to S120 in order."""
    named = [(name, group, section) for group, _, section, names in GLORIA_GROUPS for name in names.split("; ")]
    return [(f"S{i:03d}", name, group, section) for i, (name, group, section) in enumerate(named, start=1)]


@lru_cache(maxsize=1)
def _gloria_regions() -> list[str]:
    """163 countries by their ISO3 codes, then a rest of the world: EXIOBASE's 44 countries and the UN
    members spread evenly through the alphabet to make up the number, as GLORIA's 164 regions do."""
    import country_converter as coco

    data = coco.CountryConverter().data
    exio = set(data.ISO3[data.EXIO3.isin([r for r in EXIO3_REGIONS if r not in REST_OF_WORLD_NAMES])])
    others = sorted(set(data.ISO3[data.UNmember.notna()]) - exio)
    return sorted(exio | set(_spread(others, 163 - len(exio)))) + [GLORIA_REST]


def gloria_region_tree(regions: list[str]) -> list[dict]:
    """Countries under their continents (country_converter's), the rest of the world on its own."""
    records = continent_tree(regions)
    for record in records:
        if record["code"] == GLORIA_REST:
            record["name"] = "Rest of the world"
    return records


def gloria_product_tree(codes: list[str]) -> list[dict]:
    """Sectors under their groups under the total."""
    sectors = {code: (name, group) for code, name, group, _ in _gloria_sectors()}
    used = {sectors[code][1] for code in codes}
    records = [{"code": ROOT, "name": "Total", "parent": None, "leaf": None}]
    records += [{"code": g, "name": name, "parent": ROOT, "leaf": None} for g, name, _, _ in GLORIA_GROUPS if g in used]
    records += [{"code": c, "name": sectors[c][0], "parent": sectors[c][1], "leaf": i} for i, c in enumerate(codes)]
    return records


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


def _labels(like: str, n_regions: int, n_products: int) -> tuple[list, list[dict], list, list[dict], list]:
    """Regions, their tree, products, their tree and each product's NACE section, spread over the labels.

    like "exiobase": EXIOBASE 3 pxp's regions and products, its first or evenly spread ones; more regions
    than its 49 come from GLORIA's list (ISO3 codes). like "gloria": GLORIA-like regions and sectors."""
    gloria_regions = _gloria_regions()
    if not 1 <= n_regions <= len(gloria_regions):
        raise DatasetError("regions", n_regions, f"regions must be between 1 and {len(gloria_regions)}")
    if like == "gloria" or n_regions > len(EXIO3_REGIONS):
        regions = _spread(gloria_regions, n_regions)
        region_records = gloria_region_tree(regions)
    else:
        regions = _spread(EXIO3_REGIONS, n_regions)
        region_records = region_tree(regions)
    if like == "gloria":
        sectors = _gloria_sectors()
        if not 1 <= n_products <= len(sectors):
            raise DatasetError("products", n_products, f"products must be between 1 and {len(sectors)}")
        chosen = _spread(sectors, n_products)
        codes = [code for code, *_ in chosen]
        return regions, region_records, codes, gloria_product_tree(codes), [s for *_, s in chosen]
    name_to_code, _ = _exio3_classification("pxp")
    names = list(name_to_code)
    if not 1 <= n_products <= len(names):
        raise DatasetError("products", n_products, f"products must be between 1 and {len(names)}")
    products = _spread(names, n_products)
    codes = [name_to_code[p] for p in products]
    return regions, region_records, codes, product_tree(products), [nace.section_of(c) for c in codes]


def synthetic_source(years: list[int], n_regions: int | None = None, n_products: int | None = None, seed: int = 0,
                     density: float | None = None, like: str = "exiobase") -> Source:
    """Seeded numbers under EXIOBASE 3 pxp's labels or (like "gloria") GLORIA-like ones (see _labels); sizes
    by default EXIOBASE's 49 x 200 or GLORIA's 164 x 120. density: the share of A's cells that are non-zero
    (None: like EXIOBASE, the default pattern, about 3.6 % at 49 regions; like GLORIA, GLORIA_DENSITY)."""
    if like not in LIKE:
        raise DatasetError("like", like, f"like must be one of {', '.join(LIKE)}, not {like!r}")
    gloria = like == "gloria"
    n_regions = n_regions if n_regions is not None else (164 if gloria else 49)
    n_products = n_products if n_products is not None else (120 if gloria else 200)
    density = check_density(GLORIA_DENSITY if density is None and gloria else density)
    if not years:
        raise DatasetError("years", years, "give at least one year")
    regions, region_records, codes, product_records, sections = _labels(like, n_regions, n_products)
    labels = "GLORIA-like" if like == "gloria" else "EXIOBASE 3 pxp"
    return Source(
        regions=regions, products=codes, region_tree=region_records, product_tree=product_records,
        indicators=[dict(i) for i in INDICATORS],
        years=[(y, lambda y=y: synthetic_year(y, n_regions, sections, seed, density)) for y in years],
        description=f"synthetic, {labels} labels, {n_regions} regions x {n_products} products, seed {seed}"
                    + ("" if density is None else f", A {density:g} non-zero"),
        population=synthetic_population(n_regions, years, seed))
