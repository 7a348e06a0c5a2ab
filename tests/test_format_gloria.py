"""GLORIA releases (the MRIO and satellite archives of a year and the release's ReadMe) imported by the block
reader (the system pymrio's parse_gloria builds), checked against pymrio's own calc_all on the same files."""

# Layout facts, from pymrio's parse_gloria_sut (tools/ioparser.py) and its download list (core/constants.py):
# * a release folder holds, per year, GLORIA_MRIOs_<v>_<year>.zip and GLORIA_SatelliteAccounts_0<v>_<year>.zip
#   (or the folders they unpack to), and once GLORIA_ReadMe_0<v>.xlsx; v is the release, 57 for 057.
# * the MRIO archive holds <date>_120secMother_AllCountries_002_{T,Y,V}-Results_<year>_0<v>_Markup001(full).csv
#   (Markup001 is basic prices), the satellite archive the TQ- and YQ-Results; headerless comma-separated
#   numbers.
# * T's rows and columns are region x (Industry, Product) x sector, so T holds the supply (Industry rows,
#   Product columns) and the use (Product rows, Industry columns); Y's rows are those of T, its columns
#   region x final-demand category; V's rows region x value-added category; TQ's and YQ's rows the
#   satellite rows, their columns those of T and Y.
# * the ReadMe's sheets: Regions (Region_acronyms, Region_names), Sectors (Sector_names), "Value added and
#   final demand" (Value_added_names, Final_demand_names), Satellites (Sat_head_indicator, Sat_indicator,
#   Sat_unit).

from __future__ import annotations

import itertools
import zipfile

import numpy as np
import pandas as pd
import pymrio
import pytest

from app.engine import DatasetError, Engine, Query, Store
from app.engine.formats import detect
from app.engine.formats.gloria import SECTOR_NAMES, sector_tree
from app.engine.hierarchy import ROOT
from app.engine.normalise import value_added_row
from app.engine.sources import import_source

REGIONS = [("DEU", "Germany"), ("CHN", "China"), ("BRA", "Brazil"), ("XAF", "Rest of Africa")]
SECTORS = ["Growing wheat", "Raising of cattle", "Basic iron and steel", "Road transport", "Education"]
VALUE_ADDED = ["Compensation of employees D.1", "Taxes on production D.29", "Subsidies on production D.39",
               "Net operating surplus B.2n", "Net mixed income B.3n", "Consumption of fixed capital K.1"]
FINAL_DEMAND = ["Household final consumption P.3h", "Non-profit institutions serving households P.3n",
                "Government final consumption P.3g", "Gross fixed capital formation P.51",
                "Changes in inventories P.52", "Acquisitions less disposals of valuables P.53"]
SATELLITES = [("Emissions (EDGAR)", "co2_excl_short_cycle_org_c_total_EDGAR_consistent", "Gg"),
              ("Emissions (EDGAR)", "ch4_total_EDGAR_consistent", "Gg"),
              ("Land use", "Cropland", "1000 ha"),
              ("Employment", "Employment", "1000 persons")]
STAMP = "20240111"


def _csv(frame: np.ndarray) -> bytes:
    return pd.DataFrame(frame).to_csv(header=False, index=False, float_format="%.17g").encode()


def _results(kind: str, year: int, version: int) -> str:
    return f"{STAMP}_120secMother_AllCountries_002_{kind}-Results_{year}_0{version}_Markup001(full).csv"


def write_release(folder, year, version=59, seed=0, regions=REGIONS, zipped=True, readme=True,
                  change=lambda files: None):
    """One year of a GLORIA release in its real layout, and what the files hold (A, value added, satellites)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n_r, n_s = len(regions), len(SECTORS)
    n = n_r * n_s
    A = rng.uniform(0, 1, (n, n)) * (rng.uniform(0, 1, (n, n)) < 0.6)
    A *= 0.6 / A.sum(axis=0).max()
    Y = rng.uniform(0.5, 3, (n, n_r * len(FINAL_DEMAND)))
    q = np.linalg.solve(np.eye(n) - A, Y.sum(axis=1))
    cells = list(itertools.product(range(n_r), ("Industry", "Product"), range(n_s)))
    position = {(r, s, j): k for k, (r, s, j) in enumerate(cells)}
    industry = [position[r, "Industry", j] for r in range(n_r) for j in range(n_s)]
    product = [position[r, "Product", j] for r in range(n_r) for j in range(n_s)]
    T = np.zeros((len(cells), len(cells)))
    T[np.ix_(product, industry)] = A * q                   # use: products into industries
    T[industry, product] = q                              # supply: each industry makes its own product
    Y_full = np.zeros((len(cells), Y.shape[1]))
    Y_full[product] = Y
    va = rng.uniform(0, 1, (n_r * len(VALUE_ADDED), n))
    va[np.arange(len(va))[:, None] // len(VALUE_ADDED) != np.arange(n)[None, :] // n_s] = 0  # own region only
    va[2::len(VALUE_ADDED)] *= -0.1                        # subsidies are negative
    V_full = np.zeros((len(va), len(cells)))
    V_full[:, industry] = va
    F = rng.uniform(0, 10, (len(SATELLITES), n))
    TQ = np.zeros((len(SATELLITES), len(cells)))
    TQ[:, industry] = F
    YQ = rng.uniform(0, 5, (len(SATELLITES), Y.shape[1]))
    files = {
        "T": _csv(T), "Y": _csv(Y_full), "V": _csv(V_full), "TQ": _csv(TQ), "YQ": _csv(YQ),
    }
    change(files)
    mrio, satellites = f"GLORIA_MRIOs_{version}_{year}", f"GLORIA_SatelliteAccounts_0{version}_{year}"
    for archive, kinds in ((mrio, ("T", "Y", "V")), (satellites, ("TQ", "YQ"))):
        if zipped:
            with zipfile.ZipFile(folder / f"{archive}.zip", "w") as out:
                for kind in kinds:
                    out.writestr(_results(kind, year, version), files[kind])
        else:
            (folder / archive).mkdir()
            for kind in kinds:
                (folder / archive / _results(kind, year, version)).write_bytes(files[kind])
    if readme:
        write_readme(folder / f"GLORIA_ReadMe_0{version}.xlsx", regions)
    path = folder / (f"{mrio}.zip" if zipped else mrio)
    return path, {"A": A, "Y": Y, "x": q, "va": va, "F": F, "F_Y": YQ}


def write_readme(path, regions=REGIONS, sectors=SECTORS):
    with pd.ExcelWriter(path) as book:
        pd.DataFrame({"Lfd_Nr": range(1, len(regions) + 1), "Region_acronyms": [r for r, _ in regions],
                      "Region_names": [name for _, name in regions]}).to_excel(book, sheet_name="Regions",
                                                                               index=False)
        pd.DataFrame({"Lfd_Nr": range(1, len(sectors) + 1), "Sector_names": sectors}).to_excel(
            book, sheet_name="Sectors", index=False)
        pd.DataFrame({"Lfd_Nr": range(1, 7), "Value_added_names": VALUE_ADDED,
                      "Final_demand_names": FINAL_DEMAND}).to_excel(
            book, sheet_name="Value added and final demand", index=False)
        pd.DataFrame({"Lfd_Nr": range(1, len(SATELLITES) + 1), "Sat_head_indicator": [s[0] for s in SATELLITES],
                      "Sat_indicator": [s[1] for s in SATELLITES], "Sat_unit": [s[2] for s in SATELLITES]}).to_excel(
            book, sheet_name="Satellites", index=False)


def import_release(tmp_path, paths, name="gloria", **kwargs):
    store = Store(tmp_path / "store")
    store.write(name, import_source(list(paths), **kwargs))
    return store, Engine(store)


def reference(folder, year, version=59):
    """pymrio's own parse of the same files, with its accounts."""
    io = pymrio.parse_gloria(folder, year=year, version=version, price="bp")
    io.calc_all()
    return io


@pytest.mark.parametrize("zipped", [True, False])
def test_every_standard_view_equals_pymrio_on_the_same_files(tmp_path, zipped):
    path, truth = write_release(tmp_path / "release", 2019, zipped=zipped, seed=3)
    store, engine = import_release(tmp_path, [path])
    dataset = store.open("gloria")
    io = reference(tmp_path / "release", 2019)
    regions, sectors = [r for r, _ in REGIONS], SECTORS
    assert dataset.years == [2019]
    assert dataset.regions.leaf_codes() == regions and dataset.products.leaf_codes() == sectors
    assert np.allclose(dataset.technical_coefficients(2019, dense=True), truth["A"], rtol=1e-12, atol=1e-15)
    assert np.allclose(dataset.array(2019, "x"), io.x.to_numpy().ravel(), rtol=1e-12, atol=0)
    satellites = {(i["name"], i["unit"]): i["code"] for i in dataset.indicators if i["group"] == "Satellite accounts"}
    assert sorted(satellites) == sorted((f"{s} - {head}", unit) for head, s, unit in SATELLITES)
    for (name, _), code in satellites.items():
        label = tuple(name.split(" - "))
        for perspective, account in (("consumption", io.Q.D_cba), ("production", io.Q.D_pba)):
            for by, level, keys in (("product", "sector", sectors), ("region", "region", regions)):
                selection = {"products": tuple(sectors)} if by == "product" else {"regions": tuple(regions)}
                result = engine.answer(Query("gloria", code, perspective, by, direct=False, **selection))
                want = account.loc[label].groupby(level=level, sort=False).sum().reindex(keys).to_numpy()
                assert np.allclose([r.value for r in result.rows], want, rtol=1e-9, atol=0), (name, perspective, by)
    # direct emissions of final demand are kept beside the four views
    assert np.allclose(np.array(dataset.array(2019, "F_Y")).sum(axis=1)[:len(SATELLITES)],
                       io.Q.F_Y.sum(axis=1).to_numpy(), rtol=1e-12)


def test_value_added_is_summed_over_regions_into_its_categories_and_total(tmp_path):
    path, truth = write_release(tmp_path / "release", 2019, seed=4)
    store, engine = import_release(tmp_path, [path])
    dataset = store.open("gloria")
    io = reference(tmp_path / "release", 2019)
    added = [i for i in dataset.indicators if i["group"] == "Value added"]
    assert [i["name"] for i in added] == VALUE_ADDED + ["Value added"]
    assert {i["unit"] for i in added} == {"‘000 US$"}
    assert dataset.indicators[value_added_row(dataset)]["name"] == "Value added"
    # each category's footprint by product is pymrio's, summed over the regions GLORIA files it under
    for category in VALUE_ADDED + ["Value added"]:
        code = next(i["code"] for i in added if i["name"] == category)
        result = engine.answer(Query("gloria", code, "consumption", "product", products=tuple(SECTORS),
                                     direct=False))
        rows = io.VA.D_cba if category == "Value added" else io.VA.D_cba.xs(category, level="inputtype")
        want = rows.sum(axis=0).groupby(level="sector", sort=False).sum().reindex(SECTORS).to_numpy()
        assert np.allclose([r.value for r in result.rows], want, rtol=1e-9, atol=0), category
    total = np.array(dataset.array(2019, "S"))[value_added_row(dataset)] * np.array(dataset.array(2019, "x"))
    assert np.allclose(total, truth["va"].sum(axis=0), rtol=1e-12)


def test_trees_are_continents_and_isic_sections(tmp_path):
    path, _ = write_release(tmp_path / "release", 2019)
    store, _ = import_release(tmp_path, [path])
    dataset = store.open("gloria")
    assert dataset.regions["DEU"].parent == "Europe" and dataset.regions["DEU"].name == "Germany"
    assert dataset.regions["CHN"].parent == "Asia" and dataset.regions["BRA"].parent == "America"
    assert dataset.regions["XAF"].parent == "Rest of the world" and dataset.regions["XAF"].name == "XAF"
    parents = {code: dataset.products[code].parent for code in SECTORS}
    assert parents == {"Growing wheat": "A", "Raising of cattle": "A", "Basic iron and steel": "C",
                       "Road transport": "H", "Education": "P"}
    assert dataset.products["C"].name == "Manufacturing" and dataset.products["C"].parent == ROOT
    assert dataset.products["Education"].level == 2


def test_sector_tree_places_all_120_sectors_once_and_an_unknown_one_under_total():
    assert len(SECTOR_NAMES) == len(set(SECTOR_NAMES)) == 120
    records = sector_tree(list(SECTOR_NAMES) + ["Something new"])
    leaves = [r for r in records if r["leaf"] is not None]
    assert [r["leaf"] for r in leaves] == list(range(121))
    assert {r["code"] for r in records if r["leaf"] is None} == {ROOT, *"ABCDEFGHIJKLMNOPQRS"}
    assert leaves[-1]["parent"] == ROOT and all(r["parent"] != ROOT for r in leaves[:-1])


def test_provenance_states_database_licence_and_each_years_release(tmp_path):
    first, _ = write_release(tmp_path / "release", 2018, version=59, seed=1)
    second, _ = write_release(tmp_path / "release", 2019, version=59, seed=2, readme=False)
    store, _ = import_release(tmp_path, [first, second])
    source = store.open("gloria").provenance()
    assert source["format"] == "gloria" and source["database"].startswith("GLORIA")
    assert "own terms" in source["licence"] and "ielab.info" in source["licence"]
    assert {year: known["version"] for year, known in source["years"].items()} == {"2018": "059", "2019": "059"}
    assert source["years"]["2019"]["origin"] == str(second)


def test_release_059a_reads_059s_files_with_its_own_readme(tmp_path):
    path, truth = write_release(tmp_path / "release", 2019, version=59)
    readme = tmp_path / "release" / "GLORIA_ReadMe_059.xlsx"
    readme.rename(readme.with_name("GLORIA_ReadMe_059a.xlsx"))
    store, _ = import_release(tmp_path, [path])
    dataset = store.open("gloria")
    assert dataset.provenance()["years"]["2019"]["version"] == "059a"
    assert np.allclose(dataset.technical_coefficients(2019, dense=True), truth["A"], rtol=1e-12, atol=1e-15)


def test_detected_from_names_without_format(tmp_path, runner):
    path, _ = write_release(tmp_path / "release", 2020, version=60)
    assert detect(path).name == "gloria" and detect(tmp_path / "release").name == "gloria"
    with pytest.raises(DatasetError):
        detect(tmp_path / "release" / "GLORIA_ReadMe_060.xlsx")
    result = runner.invoke(args=["data", "import", str(path), "--name", "g"])
    assert result.exit_code == 0, result.output
    # the release folder: the year told, the release read from the archive's name
    result = runner.invoke(args=["data", "import", str(tmp_path / "release"), "--name", "f", "--years", "2020"])
    assert result.exit_code == 0, result.output
    store = Store(runner.app.config["STORE_PATH"])
    for name in ("g", "f"):
        assert store.open(name).provenance()["years"]["2020"]["version"] == "060"
    assert np.array_equal(store.open("g").technical_coefficients(2020, dense=True),
                          store.open("f").technical_coefficients(2020, dense=True))


def test_region_codes_are_gloria_labels_as_imported(tmp_path):
    """ISO3 labels EXIOBASE also has (DEU, CHN) stay GLORIA's: only EXIOBASE's own archives get its codes."""
    path, _ = write_release(tmp_path / "release", 2019)
    store, _ = import_release(tmp_path, [path])
    assert store.open("gloria").regions.leaf_codes() == [r for r, _ in REGIONS]


def _cut(kind, keep):
    def change(files):
        files[kind] = files[kind][:keep(len(files[kind]))]
    return change


def _relabelled(path, year):
    """The year's two archives renamed for another year, their files left as they are."""
    satellites = path.with_name(path.name.replace("MRIOs_59", "SatelliteAccounts_059"))
    satellites.rename(satellites.with_name(satellites.name.replace("2020", str(year))))
    return path.rename(path.with_name(path.name.replace("2020", str(year))))


@pytest.mark.parametrize("make, args, message", [
    # truncated: a table cut in the middle, or at the end of its last line
    (lambda d: write_release(d, 2020, change=_cut("T", lambda n: n // 2))[0], [],
     "T-Results_2020_059_Markup001(full).csv: line"),
    (lambda d: write_release(d, 2020, change=_cut("YQ", lambda n: n - 60))[0], [],
     "YQ-Results_2020_059_Markup001(full).csv: line 4 has"),
    (lambda d: _write_cut_zip(write_release(d, 2020)[0]), [], "GLORIA_MRIOs_59_2020.zip is not a readable zip"),
    # a year missing from the files: none for the year told, or an archive named for a year it does not hold
    (lambda d: write_release(d, 2020)[0].parent, ["--years", "2021"], "no GLORIA_MRIOs archive for 2021"),
    (lambda d: _relabelled(write_release(d, 2020)[0], 2021), [],
     "has 0 files ending in _120secMother_AllCountries_002_T-Results_2021_059_Markup001(full).csv"),
    # labels that do not line up: the ReadMe names a region the tables do not have
    (lambda d: _with_readme(write_release(d, 2020, readme=False)[0], REGIONS + [("FRA", "France")]), [],
     "T-Results_2020_059_Markup001(full).csv: line 1 has 40 values; the labels in GLORIA_ReadMe_059.xlsx "
     "(5 regions, 5 sectors"),
    # an unknown layout: no ReadMe, no satellite accounts, no GLORIA file at all
    (lambda d: write_release(d, 2020, readme=False)[0], [], "has no GLORIA_ReadMe_059.xlsx"),
    (lambda d: _without(write_release(d, 2020)[0], "GLORIA_SatelliteAccounts_059_2020.zip"), [],
     "has no GLORIA_SatelliteAccounts_059_2020.zip (the satellite accounts)"),
    (lambda d: d.mkdir() or d, ["--years", "2020", "--format", "gloria"], "has no GLORIA_MRIOs archive for 2020"),
    (lambda d: d.mkdir() or _write(d / "IOT_2020.csv"), ["--format", "gloria"], "not a GLORIA release"),
])
def test_a_bad_release_is_refused_by_file_and_leaves_the_dataset_as_it_was(tmp_path, make, args, message):
    good, _ = write_release(tmp_path / "good", 2019)
    store, _ = import_release(tmp_path, [good], name="g")
    before = store.open("g")
    path = make(tmp_path / "bad")
    years = [int(args[args.index("--years") + 1])] if "--years" in args else None
    fmt = "gloria" if "--format" in args else None
    with pytest.raises(DatasetError) as caught:
        store.write("g", import_source([path], years, fmt))
    assert message in str(caught.value)
    after = store.open("g")
    assert after.path == before.path and after.years == [2019] and store.verify("g") == []


def test_the_command_line_says_which_file_and_what(tmp_path, runner):
    path, _ = write_release(tmp_path / "release", 2020, change=_cut("V", lambda n: n // 3))
    result = runner.invoke(args=["data", "import", str(path), "--name", "g"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "V-Results_2020_059_Markup001(full).csv: line" in result.stderr
    assert Store(runner.app.config["STORE_PATH"]).names() == []


def _write(path):
    path.write_text("1,2\n")
    return path


def _write_cut_zip(path):
    path.write_bytes(path.read_bytes()[:200])
    return path


def _with_readme(path, regions):
    write_readme(path.parent / "GLORIA_ReadMe_059.xlsx", regions)
    return path


def _without(path, name):
    (path.parent / name).unlink()
    return path


@pytest.mark.parametrize("zipped", [True, False])
def test_every_view_is_as_it_was_when_parse_gloria_read_the_year(tmp_path, zipped, monkeypatch):
    """The importer read GLORIA through pymrio's parse_gloria (the whole T table at once) before it read T a
    block of rows at a time: every standard view of every indicator, and A, x and S, stay as they were."""
    from app.engine.formats import gloria

    path, _ = write_release(tmp_path / "release", 2019, zipped=zipped, seed=7)
    store = Store(tmp_path / "store")
    store.write("streamed", import_source([path]))
    monkeypatch.setattr(gloria, "read_year", lambda *_: pymrio.parse_gloria(tmp_path / "release", year=2019,
                                                                             version=59, price="bp"))
    store.write("parsed", import_source([path]))
    engine = Engine(store)
    streamed, parsed = store.open("streamed"), store.open("parsed")
    assert streamed.indicators == parsed.indicators and len(parsed.indicators) == len(SATELLITES) + 7
    for table in ("x", "S"):
        assert np.allclose(streamed.array(2019, table), parsed.array(2019, table), rtol=1e-12, atol=0), table
    assert np.allclose(streamed.technical_coefficients(2019, dense=True),
                       parsed.technical_coefficients(2019, dense=True), rtol=1e-12, atol=0)
    regions = tuple(r for r, _ in REGIONS)
    for indicator, perspective, (by, selection), direct in itertools.product(
            [i["code"] for i in parsed.indicators], ("consumption", "production"),
            (("product", {"products": tuple(SECTORS)}), ("region", {"regions": regions})), (False, True)):
        want, got = (engine.answer(Query(name, indicator, perspective, by, direct=direct, **selection))
                     for name in ("parsed", "streamed"))
        assert [r.code for r in got.rows] == [r.code for r in want.rows] and got.unit == want.unit
        assert np.allclose([r.value for r in got.rows], [r.value for r in want.rows], rtol=1e-12, atol=0), \
            (indicator, perspective, by, direct)
        assert want.total != 0 and np.isclose(got.total, want.total, rtol=1e-12, atol=0)
