"""WIOD 2013: a miniature release in the real file layout imports, and every standard view equals pymrio's."""

# Layout facts, from pymrio's parse_wiod and __get_WIOD_env_extension (tools/ioparser.py), which read
# the November 2013 release:
# * wiot<yy>_row_sep12.xlsx, first sheet. Column A of rows 1, 3 and 4 holds the title ending in the year,
#   "(industry-by-industry)" and "(millions of US$)". Rows 3 to 6 are the column headers (ISIC code,
#   name, country, c-code), columns A to D the row headers in the same order, so the interindustry block
#   is square; it ends at the last row whose c-code is c35. Final demand (c37..c42 per country) follows
#   it, then one total column, which the parser drops. Below the block the factor-input rows r60..r69,
#   named in column B; r60 and r69 (totals) are dropped. USA must be a country (pymrio takes the sector
#   and category names from its rows); early years call Romania ROM, which pymrio reads as ROU.
# * Each account is a folder or zip beside the workbook, its name starting AIR_, CO2_, EM_, EU_, lan_,
#   mat_ or wat_; inside, one workbook per country (<ISO3>_...xls) with one sheet per year. Rows are
#   sectors coded sec<ISIC> plus FC_HH (households), secQ and secTOT, which are dropped; columns are the
#   stressors. Upper-case accounts have a description column first and their units in pymrio; lower-case
#   accounts state their unit in the first header cell.
# * The real account workbooks are BIFF .xls; no .xls writer is installed here, so the miniatures are
#   OOXML workbooks under the real .xls names (pandas picks the reader from the content).

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

REGIONS = ["USA", "DEU", "ROM", "RoW"]  # ROM: as the early years name Romania
SECTORS = [("AtB", "Agriculture, Hunting, Forestry and Fishing", "c1"),
           ("15t16", "Food, Beverages and Tobacco", "c3"),
           ("50", "Sale, Maintenance and Repair of Motor Vehicles and Motorcycles; Retail Sale of Fuel", "c19"),
           ("64", "Post and Telecommunications", "c27"),
           ("P", "Private Households with Employed Persons", "c35")]
DEMAND = [("CONS_h", "Final consumption expenditure by households", "c37"),
          ("CONS_np", "Final consumption expenditure by non-profit organisations serving households", "c38"),
          ("CONS_g", "Final consumption expenditure by government", "c39"),
          ("GFCF", "Gross fixed capital formation", "c41"),
          ("INVEN", "Changes in inventories and valuables", "c42")]
FACTORS = [("r60", "Total intermediate consumption"), ("r61", "taxes less subsidies on products"),
           ("r62", "Cif/ fob adjustments on exports"), ("r63", "Direct purchases abroad by residents"),
           ("r64", "Purchases on the domestic territory by non-residents"),
           ("r65", "Value added at basic prices"), ("r66", "International Transport Margins"),
           ("r69", "Output at basic prices")]
AIR = ["CO2", "CH4", "N2O"]
LAND = ["Arable land", "Pasture"]


def _xlsx(sheets: dict[str, list[list]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _table(year: int, rng) -> list[list]:
    cells = [(r, s) for r in REGIONS for s in SECTORS]
    demand = [(r, d) for r in REGIONS for d in DEMAND]
    Z = rng.uniform(1, 10, (len(cells), len(cells)))
    Y = rng.uniform(20, 60, (len(cells), len(demand)))
    head = [None] * 4
    rows = [[f"World Input-Output Table {year}"], [],
            ["(industry-by-industry)", None, None, None] + [s[0] for _, s in cells] + [d[0] for _, d in demand]
            + ["TOT"],
            ["(millions of US$)", None, None, None] + [s[1] for _, s in cells] + [d[1] for _, d in demand]
            + ["Total output"],
            head + [r for r, _ in cells] + [r for r, _ in demand] + ["TOT"],
            head + [s[2] for _, s in cells] + [d[2] for _, d in demand] + ["c62"]]
    for i, (region, (code, name, c_code)) in enumerate(cells):
        values = list(Z[i]) + list(Y[i])
        rows.append([code, name, region, c_code] + values + [sum(values)])
    for code, name in FACTORS:
        values = list(rng.uniform(1, 5, len(cells) + len(demand)))
        rows.append([code, name, None, code] + values + [sum(values)])
    return rows


def _account(country: str, years: list[int], stressors: list[str], upper: bool, rng) -> bytes:
    """One country's account workbook: a sheet per year, sectors down, stressors across."""
    sheets = {}
    for year in years:
        codes = [f"sec{code}" for code, _, _ in SECTORS] + ["secQ", "FC_HH", "secTOT"]
        values = rng.uniform(0.5, 9, (len(codes), len(stressors)))
        if upper:
            rows = [["Description", "Code"] + stressors]
            rows += [[f"sector {c}", c] + list(v) for c, v in zip(codes, values)]
        else:
            rows = [["1000 ha"] + stressors] + [[c] + list(v) for c, v in zip(codes, values)]
        sheets[str(year)] = rows
    return _xlsx(sheets)


def write_wiod(folder, year: int = 2000, seed: int = 1, account_years=None, countries=REGIONS):
    """A miniature WIOD 2013 release: the year's workbook, AIR as a zip and land use as a folder."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    workbook = folder / f"wiot{str(year)[-2:]}_row_sep12.xlsx"
    workbook.write_bytes(_xlsx({"WIOT": _table(year, rng)}))
    account_years = account_years or [year]
    with zipfile.ZipFile(folder / "AIR_may12.zip", "w") as archive:
        for country in countries:
            code = "ROU" if country == "ROM" else country.upper()
            archive.writestr(f"{code}_AIR_May12.xls", _account(code, account_years, AIR, True, rng))
    (folder / "lan_may12").mkdir(exist_ok=True)
    for country in countries:
        code = "ROU" if country == "ROM" else country.upper()
        (folder / "lan_may12" / f"{code}_lan_May12.xls").write_bytes(
            _account(code, account_years, LAND, False, rng))
    return workbook


def pymrio_wiod(workbook):
    """pymrio's own parse, its notes on absent accounts and its unclosed zips set aside."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        io = pymrio.parse_wiod(workbook)
        gc.collect()
    return io


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    root = tmp_path_factory.mktemp("wiod")
    workbook = write_wiod(root / "src", 2000)
    store = Store(root / "store")
    store.write("wiod", import_source([workbook]))  # the year from the name: wiot00 -> 2000
    reference = pymrio_wiod(workbook)
    reference.calc_all()
    return store, Engine(store), reference, workbook


def by_position(account_row, dataset, reference):
    """pymrio's account with its regions named as the dataset names the same positions."""
    codes = dict(zip(reference.get_regions(), dataset.regions.leaf_codes()))
    return account_row.rename(index=codes, level="region")


@pytest.mark.parametrize("code, extension, label", [
    ("co2", "AIR", "CO2"), ("ch4", "AIR", "CH4"), ("pasture", "lan", "Pasture"),
    ("value_added", "factor_inputs", "Value added at basic prices"),
    ("taxes_less_subsidies_on_products", "factor_inputs", "taxes less subsidies on products")])
def test_every_standard_view_equals_pymrio(imported, code, extension, label):
    store, engine, reference, _ = imported
    dataset = store.open("wiod")
    usa, _, _, row = dataset.regions.leaf_codes()
    selections = [(["TOTAL"], ["TOTAL"]), (["NACE-D", "P", "TOTAL"], [usa]),
                  (["AtB", "NACE-I"], ["Europe", row]), (["50", "64"], ["America", "Europe", "TOTAL"])]
    account = getattr(reference, extension)
    check_views(engine, "wiod", code, by_position(account.D_cba.loc[label], dataset, reference),
                by_position(account.D_pba.loc[label], dataset, reference), selections)


def test_labels_trees_units_and_provenance(imported):
    store, _, reference, workbook = imported
    dataset = store.open("wiod")
    assert dataset.years == [2000]
    assert dataset.products.leaf_codes() == [s[0] for s in SECTORS] == list(reference.get_sectors())
    usa, deu, rou, row = dataset.regions.leaf_codes()
    assert dataset.regions[deu].parent == "Europe" and dataset.regions[rou].name == "Romania"
    assert dataset.regions[row].parent == "Rest of the world" and dataset.regions[usa].parent == "America"
    assert [dataset.products[c].parent for c in dataset.products.leaf_codes()] == [
        "NACE-A-B", "NACE-D", "NACE-G", "NACE-I", "NACE-P"]
    assert dataset.products["NACE-D"].name == "Manufacturing" and dataset.products["NACE-D"].parent == "TOTAL"
    assert dataset.products["64"].name == "Post and telecommunications"
    units = {i["name"]: i["unit"] for i in dataset.indicators}
    assert units == {**{s: u for s, u in zip(AIR, ["Gg", "t", "t"])}, **{s: "1000 ha" for s in LAND},
                     **{name: "millions of US$" for code, name in FACTORS if code not in ("r60", "r69")
                        and name != "Value added at basic prices"}, "Value added": "millions of US$"}
    assert np.allclose(dataset.technical_coefficients(2000, dense=True), reference.A.to_numpy(), rtol=1e-12)
    assert np.allclose(dataset.array(2000, "x"), reference.x.to_numpy().ravel(), rtol=1e-12)
    source = dataset.provenance()
    assert source["database"] == "WIOD 2013 release" and source["format"] == "wiod"
    assert "Timmer et al. (2015)" in source["licence"]
    assert source["years"]["2000"]["version"] == "WIOD 2013 release (sep12)"
    assert source["years"]["2000"]["origin"] == str(workbook)


def test_region_codes_are_wiods_iso3_labels(imported):
    store, _, reference, _ = imported
    assert store.open("wiod").regions.leaf_codes() == list(reference.get_regions()) == ["USA", "DEU", "ROU", "RoW"]


def test_value_added_normalises_per_unit(imported):
    from app.engine.normalise import value_added_row

    store, _, reference, _ = imported
    dataset = store.open("wiod")
    row = value_added_row(dataset)
    assert dataset.indicators[row]["name"] == "Value added"


def test_detected_from_the_names_and_year_from_the_workbook(tmp_path, runner):
    workbook = write_wiod(tmp_path / "src", 2003)
    assert detect(workbook).name == "wiod" and detect(tmp_path / "src").name == "wiod"
    result = runner.invoke(args=["data", "import", str(workbook), "--name", "w", "--years", "2003"])
    assert result.exit_code == 0, result.output
    assert Store(runner.app.config["STORE_PATH"]).open("w").provenance()["format"] == "wiod"


def _reimport(tmp_path, path, years, message):
    """A failing import names the file and what; the dataset already stored stays as it was."""
    store = Store(tmp_path / "store")
    first = write_wiod(tmp_path / "good", 2000, seed=3)
    store.write("wiod", import_source([first], [2000]))
    before = store.open("wiod").path
    with pytest.raises(DatasetError) as caught:
        store.write("wiod", import_source([path], years, fmt="wiod"))
    assert message in str(caught.value)
    assert store.open("wiod").path == before and store.verify("wiod") == []
    return str(caught.value)


def test_a_truncated_workbook_is_refused(tmp_path):
    workbook = write_wiod(tmp_path / "bad", 2001)
    workbook.write_bytes(workbook.read_bytes()[:2000])
    assert str(workbook) in _reimport(tmp_path, workbook, [2001], "pymrio cannot read")


def test_a_year_missing_from_the_files_is_refused(tmp_path):
    folder = tmp_path / "bad"
    write_wiod(folder, 2001)
    # the folder holds no workbook of 2002
    assert str(folder) in _reimport(tmp_path, folder, [2002], "file not found")
    # the accounts hold no sheet of the workbook's year
    other = write_wiod(tmp_path / "bad2", 2004, account_years=[2003])
    assert "does not includedata for the year 2004" in _reimport(tmp_path, other, [2004], str(other))
    # the year given is not the workbook's
    assert "holds the table of 2001, not 2005" in _reimport(tmp_path, folder / "wiot01_row_sep12.xlsx",
                                                           [2005], "not 2005")


def test_accounts_that_do_not_line_up_are_refused(tmp_path):
    folder = tmp_path / "bad"
    workbook = write_wiod(folder, 2001)
    with zipfile.ZipFile(folder / "AIR_may12.zip", "w") as archive:
        for country in ["USA", "DEU", "ROU", "ROW"]:
            rows = [["Description", "Code"] + AIR] + [["a", "secXX", 1.0, 2.0, 3.0], ["h", "FC_HH", 1.0, 1.0, 1.0]]
            archive.writestr(f"{country}_AIR_May12.xls", _xlsx({"2001": rows}))
    assert "do not line up" in _reimport(tmp_path, workbook, [2001], str(workbook))
    missing = write_wiod(tmp_path / "bad2", 2001, countries=["USA", "DEU", "ROM"])
    assert "missing RoW" in _reimport(tmp_path, missing, [2001], str(missing))


def test_an_unknown_layout_is_refused(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    workbook = folder / "wiot01_row_sep12.xlsx"
    workbook.write_bytes(_xlsx({"WIOT": [["World Input-Output Table 2001"], [], ["x"], ["y"], [1, 2, 3]]}))
    assert str(workbook) in _reimport(tmp_path, workbook, [2001], "pymrio cannot read")
    with pytest.raises(DatasetError) as caught:
        detect(tmp_path / "good" / "AIR_may12.zip")
    assert "not the files of any database" in str(caught.value)
