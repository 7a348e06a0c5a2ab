"""EXIOBASE 1 and 2: miniature coefficient archives in the real layout import, and every standard view
equals pymrio's on its own parse of the same files."""

# Layout facts, from pymrio's get_exiobase_files, generic_exiobase12_parser and parse_exiobase2
# (tools/ioparser.py) and its exio1 mock: tab-separated text files found by name (mrIot, mrFinalDemand,
# mrFactorInputs, mrEmissions, mrMaterials, mrResources, mrFDEmissions, ...), two header lines (region,
# then sector or category) over three index columns (region, sector, unit; stressor, compartment, unit)
# or two (stressor, unit). Coefficients: A in M.EUR/M.EUR, S per M.EUR. EXIOBASE 2 adds the workbook
# characterisation_*.xlsx with sheets Q_factorinputs, Q_emission (46 rows at least: pymrio renames rows
# 42 to 45), Q_materials and Q_resources, one column per account row after the name and unit columns.

import gc
import io
import warnings
import zipfile

import numpy as np
import pymrio
import pytest
from openpyxl import Workbook

from app.engine import DatasetError, Engine, Store
from app.engine.formats import detect
from app.engine.sources import import_source

from .test_engine_reference import check_views

PRODUCTS = ["Paddy rice", "Other Hydrocarbons", "Rubber and plastic products (25)"]
FACTORS = ["Taxes less subsidies on products purchased: Total", "Value added"]
EMISSIONS = [("CO2 - combustion", "air"), ("CH4 - combustion", "air")]
MATERIALS = ["Domestic Extraction Used - Crop"]
CATEGORIES = ["Final consumption expenditure by households", "Gross fixed capital formation"]


def _lines(rows: list[list]) -> str:
    return "".join("\t".join(str(c) for c in row) + "\n" for row in rows)


def _header(regions, second, leading: int) -> list[list]:
    return [[""] * leading + [r for r in regions for _ in second], [""] * leading + list(second) * len(regions)]


def _files(regions, rng, version: str, products=PRODUCTS) -> dict[str, str]:
    n = len(regions) * len(products)
    A = rng.uniform(0.01, 0.08, (n, n))
    cells = [(r, p) for r in regions for p in products]
    head = _header(regions, products, 3)
    files = {
        "mrIot": head + [[r, p, "M.EUR/M.EUR"] + list(a) for (r, p), a in zip(cells, A)],
        "mrFinalDemand": _header(regions, CATEGORIES, 3) + [
            [r, p, "M.EUR"] + list(rng.uniform(5, 50, len(regions) * len(CATEGORIES))) for r, p in cells],
        "mrFactorInputs": _header(regions, products, 2) + [
            [f, "M.EUR/M.EUR"] + list(rng.uniform(0.1, 0.4, n)) for f in FACTORS],
        "mrEmissions": head + [[s, c, "kg/M.EUR"] + list(rng.uniform(1, 90, n)) for s, c in EMISSIONS],
        "mrFDEmissions": _header(regions, CATEGORIES, 3) + [
            [s, c, "kg"] + list(rng.uniform(1, 9, len(regions) * len(CATEGORIES))) for s, c in EMISSIONS],
        "mrMaterials": _header(regions, products, 2) + [[m, "t/M.EUR"] + list(rng.uniform(1, 5, n))
                                                       for m in MATERIALS],
        "mrResources": _header(regions, products, 2) + [["Water Consumption Blue", "Mm3/M.EUR"]
                                                       + list(rng.uniform(0, 2, n))],
    }
    return {f"{name}{version}.txt": _lines(rows) for name, rows in files.items()}


def _characterisation(rng) -> bytes:
    """Q_* sheets: header rows pymrio skips, then a row per impact with its unit and factors."""
    book = Workbook()
    book.remove(book.active)
    layout = {"Q_factorinputs": (2, 0, FACTORS), "Q_emission": (3, 2, EMISSIONS),
              "Q_materials": (2, 0, MATERIALS), "Q_resources": (3, 0, ["water"])}
    for sheet, (skip, extra, rows) in layout.items():
        page = book.create_sheet(sheet)
        for _ in range(skip):
            page.append(["header"])
        count = 46 if sheet == "Q_emission" else 2
        for i in range(count):
            name = f"{sheet[2:]} impact {i}"
            start = ["id", name, "method"] if extra else [name]
            page.append(start + [f"unit {i}"] + list(rng.uniform(0, 3, len(rows))))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_exiobase2(folder, seed=1, regions=("AT", "DE", "US", "WA"), zipped=True, drop=None):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    files = {f"mrIOT_PxP_ita_coefficient_version2.2.2/{k}": v
             for k, v in _files(list(regions), rng, "_version2.2.2").items() if k.split("_")[0] != drop}
    charact = {"mrIOT_PxP_ita_coefficient_version2.2.2/characterisation_CREEA_version2.2.2.xlsx":
               _characterisation(rng)}
    return _pack(folder / "mrIOT_PxP_ita_coefficient_version2.2.2", files | charact, zipped)


def write_exiobase1(folder, seed=2, regions=("AT", "DE", "US", "WW"), zipped=True, products=None):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    products = products or ["Cultivation of paddy rice", "Mining of coal", "Manufacture of rubber"]
    files = _files(list(regions), rng, "", products)
    return _pack(folder / "pxp_ita_44_regions_coeff_txt", files, zipped)


def _pack(base, files: dict, zipped: bool):
    if zipped:
        path = base.parent / f"{base.name}.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for name, content in files.items():
                archive.writestr(name, content)
        return path
    for name, content in files.items():
        target = base / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
    return base


def quietly(parse, *args, **kwargs):
    """pymrio's own parse, the archive members it leaves open closed before the next test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        io = parse(*args, **kwargs)
        gc.collect()
    return io


def _store(tmp_path, path, year):
    store = Store(tmp_path / "store")
    store.write("exio", import_source([path]))  # each release is of one year: the format knows it
    assert store.open("exio").years == [year]
    return store


@pytest.mark.parametrize("zipped", [True, False])
def test_exiobase2_views_equal_pymrio(tmp_path, zipped):
    path = write_exiobase2(tmp_path / "src", zipped=zipped)
    store = _store(tmp_path, path, 2007)
    reference = quietly(pymrio.parse_exiobase2, path, charact=True, popvector="exio2")
    reference.calc_all()
    dataset = store.open("exio")
    codes = dataset.products.leaf_codes()
    selections = [(["TOTAL"], ["TOTAL"]), ([codes[0], "TOTAL"], ["AT", "US"]), (codes[1:], ["Europe", "WA"])]
    for code, account, label in [("co2_combustion_air", reference.emissions, ("CO2 - combustion", "air")),
                                 ("value_added", reference.factor_inputs, "Value added"),
                                 ("emission_impact_44_2010", reference.impact, "emission impact 44 2010")]:
        check_views(Engine(store), "exio", code, _named(account.D_cba.loc[label], codes),
                    _named(account.D_pba.loc[label], codes), selections)
    assert dataset.regions.leaf_codes() == ["AT", "DE", "US", "WA"] and dataset.regions["WA"].parent == "Asia"
    units = {i["name"]: i["unit"] for i in dataset.indicators}
    assert units["CO2 - combustion - air"] == "kg" and units["Value added"] == "M.EUR"
    assert units["emission impact 44 2010"] == "unit 44"
    source = dataset.provenance()
    assert (source["database"], source["format"]) == ("EXIOBASE 2", "exiobase2")
    assert "exiobase.eu" in source["licence"] and source["years"]["2007"]["version"] == "2.2.2"


def _named(row, codes):
    """pymrio's account with the products named by the dataset's codes, position by position."""
    sectors = list(dict.fromkeys(row.index.get_level_values("sector")))
    return row.rename(index=dict(zip(sectors, codes)), level="sector")


def test_exiobase1_views_equal_pymrio_and_its_regions_roll_up(tmp_path):
    path = write_exiobase1(tmp_path / "src")
    assert detect(path).name == "exiobase1"
    store = _store(tmp_path, path, 2000)
    reference = quietly(pymrio.parse_exiobase1, path)
    reference.calc_all()
    dataset = store.open("exio")
    assert dataset.products.leaf_codes() == list(reference.get_sectors())
    assert dataset.regions["WW"].parent == "Rest of the world" and dataset.regions["DE"].parent == "Europe"
    check_views(Engine(store), "exio", "co2_combustion_air", reference.emissions.D_cba.loc[EMISSIONS[0]],
                reference.emissions.D_pba.loc[EMISSIONS[0]], [(["TOTAL"], ["TOTAL"]), (["Mining of coal"], ["WW"])])
    assert dataset.provenance()["database"] == "EXIOBASE 1"


def test_detected_by_name_and_refusals_leave_the_dataset(tmp_path):
    good = write_exiobase2(tmp_path / "good")
    assert detect(good).name == "exiobase2"
    assert detect(write_exiobase2(tmp_path / "dir", zipped=False)).name == "exiobase2"
    store = _store(tmp_path, good, 2007)
    before = store.open("exio").path

    def refused(path, years, message):
        with pytest.raises(DatasetError) as caught:
            store.write("exio", import_source([path], years))
        assert message in str(caught.value) and str(path) in str(caught.value)
        assert store.open("exio").path == before

    refused(good, [2011], "EXIOBASE 2 is the table of 2007, not 2011")
    truncated = tmp_path / "cut" / good.name
    truncated.parent.mkdir()
    truncated.write_bytes(good.read_bytes()[:3000])
    refused(truncated, [2007], "no mrIot file")
    refused(write_exiobase2(tmp_path / "nofd", drop="mrFinalDemand"), [2007], "no mrFinalDemand")
    # an account over other regions than the table's
    other = write_exiobase1(tmp_path / "odd", zipped=False)
    (other / "mrMaterials.txt").write_text(_lines(_header(["AT"], ["a"], 2) + [["m", "t/M.EUR", 1.0]]))
    refused(other, [2000], "do not line up")
