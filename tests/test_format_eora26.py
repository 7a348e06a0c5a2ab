"""Eora26 archives (zip and unpacked) in the layout pymrio's parse_eora26 reads, imported and checked against
pymrio's own parse and calc_all of the same files."""

import zipfile

import numpy as np
import pymrio
import pytest

from app.engine import DatasetError, Engine, Query, Store
from app.engine.formats import detect
from app.engine.sources import import_source

# Layout, as parse_eora26 reads it: tab-separated tables without headers, Eora26_<year>_bp_T.txt (industries
# x industries), _FD.txt (industries x final demand), _Q.txt and _QY.txt (satellite rows x industries, x final
# demand), _VA.txt (primary inputs x industries); labels_T.txt and labels_FD.txt give (full name, Eora code,
# system, sector) per row, labels_Q.txt (stressor with its unit in brackets, source), labels_VA.txt
# (primary input, category). The rest of the world is one row "ROW" in labels_T and labels_FD.
SECTORS = [
    "Agriculture", "Fishing", "Mining and Quarrying", "Food & Beverages", "Textiles and Wearing Apparel",
    "Wood and Paper", "Petroleum, Chemical and Non-Metallic Mineral Products", "Metal Products",
    "Electrical and Machinery", "Transport Equipment", "Other Manufacturing", "Recycling",
    "Electricity, Gas and Water", "Construction", "Maintenance and Repair", "Wholesale Trade", "Retail Trade",
    "Hotels and Restraurants", "Transport", "Post and Telecommunications",
    "Finacial Intermediation and Business Activities", "Public Administration",
    "Education, Health and Other Services", "Private Households", "Others", "Re-export & Re-import"]
FINAL = ["Household final consumption P.3h", "Non-profit institutions serving households P.3n",
         "Government final consumption P.3g", "Gross fixed capital formation P.51",
         "Changes in inventories P.52", "Acquisitions less disposals of valuables P.53"]
# Eora's codes: SUD is Sudan (ISO3 SDN), USR the former USSR, which country_converter does not know
REGIONS = {"DEU": "Germany", "SUD": "Sudan", "USR": "Former USSR"}
Q_ROWS = [("Energy Usage (TJ)", "Natural Gas"), ("Energy Usage (TJ)", "Coal"),
          ("CO2 emissions (Gg)", "Total"), ("Water Footprint", "Blue")]
VA_ROWS = [("Primary input", "Compensation of employees D.1"), ("Primary input", "Taxes on production D.29"),
           ("Primary input", "Net operating surplus B.2n")]


def _lines(rows) -> str:
    return "".join("\t".join(str(v) for v in row) + "\n" for row in rows)


def _numbers(matrix) -> str:
    return "".join("\t".join(repr(float(v)) for v in row) + "\n" for row in matrix)


def eora26_files(year: int, seed: int = 0, regions=REGIONS) -> dict[str, str]:
    """The files of one Eora26 year at basic prices, by name."""
    rng = np.random.default_rng(seed)
    labels_t = [(name, code, "Industries", s) for code, name in regions.items() for s in SECTORS]
    labels_t.append(("Rest of the World", "ROW", "Industries", "TOTAL"))
    labels_fd = [(name, code, "Final Demand", f) for code, name in regions.items() for f in FINAL]
    labels_fd.append(("Rest of the World", "ROW", "Final Demand", "TOTAL"))
    n, m = len(labels_t), len(labels_fd)
    return {
        f"Eora26_{year}_bp_T.txt": _numbers(rng.uniform(0, 4, (n, n))),
        f"Eora26_{year}_bp_FD.txt": _numbers(rng.uniform(50, 200, (n, m))),
        f"Eora26_{year}_bp_Q.txt": _numbers(rng.uniform(0, 30, (len(Q_ROWS), n))),
        f"Eora26_{year}_bp_QY.txt": _numbers(rng.uniform(0, 10, (len(Q_ROWS), m))),
        f"Eora26_{year}_bp_VA.txt": _numbers(rng.uniform(10, 60, (len(VA_ROWS), n))),
        "labels_T.txt": _lines(labels_t), "labels_FD.txt": _lines(labels_fd),
        "labels_Q.txt": _lines(Q_ROWS), "labels_VA.txt": _lines(VA_ROWS),
    }


def write_eora26(dest, year: int, zipped: bool = True, seed: int = 0, files: dict | None = None,
                 name: str | None = None):
    """Eora26_<year>_bp.zip, or a folder of its files, in dest."""
    dest.mkdir(parents=True, exist_ok=True)
    files = files if files is not None else eora26_files(year, seed)
    if zipped:
        path = dest / (name or f"Eora26_{year}_bp.zip")
        with zipfile.ZipFile(path, "w") as archive:
            for member, text in files.items():
                archive.writestr(member, text)
        return path
    path = dest / (name or f"Eora26_{year}_bp")
    path.mkdir()
    for member, text in files.items():
        (path / member).write_text(text)
    return path


def stressor_name(row) -> str:
    return f"{row[0].split(' (')[0]} - {row[1]}"


@pytest.mark.filterwarnings("ignore::pandas.errors.PerformanceWarning")  # pymrio's own, on dropping ROW
@pytest.mark.parametrize("zipped", [True, False])
def test_eora26_imports_as_pymrio_reads_it(tmp_path, runner, zipped):
    path = write_eora26(tmp_path / "src", 2011, zipped=zipped, seed=3)
    result = runner.invoke(args=["data", "import", str(path), "--name", "eora"])  # the format from the name
    assert result.exit_code == 0, result.output + result.stderr
    store = Store(runner.app.config["STORE_PATH"])
    dataset, engine = store.open("eora"), Engine(store)
    assert dataset.years == [2011]
    assert dataset.regions.size == len(REGIONS)  # pymrio drops ROW
    assert dataset.products.leaf_codes() == SECTORS
    groups = {s: dataset.products[s].parent for s in SECTORS}
    assert groups["Fishing"] == "agriculture" and groups["Construction"] == "industry"
    assert groups["Private Households"] == "services" and groups["Re-export & Re-import"] == "other"
    assert {dataset.products[g].parent for g in set(groups.values())} == {"TOTAL"}
    assert sum(1 for g in groups.values() if g == "industry") == 12
    # every satellite row an indicator, with the unit in its label's brackets
    units = {i["name"]: i["unit"] for i in dataset.indicators}
    assert units["Energy Usage - Coal"] == "TJ" and units["CO2 emissions - Total"] == "Gg"
    assert units["Water Footprint - Blue"] == ""
    assert len(dataset.indicators) == len(Q_ROWS) + len(VA_ROWS) + 1  # and value added, the table's balance
    assert units["Value added"] == "000 USD"
    provenance = dataset.provenance()
    assert provenance["database"] == "Eora26" and provenance["format"] == "eora26"
    assert "academic" in provenance["licence"] and "worldmrio.com" in provenance["licence"]
    assert list(provenance["years"]) == ["2011"] and provenance["years"]["2011"]["origin"] == str(path)

    reference = pymrio.parse_eora26(path, year=2011, price="bp")
    reference.calc_all()
    checked = 0
    for ext, rows in ((reference.Q, Q_ROWS), (reference.VA, VA_ROWS)):
        for row in rows:
            name = stressor_name(row) if ext is reference.Q else " - ".join(row)
            checked += assert_views_match(engine, dataset, name, ext, (row[0].split(" (")[0], row[1]),
                                          list(REGIONS), SECTORS)
    assert checked == 4 * (len(Q_ROWS) + len(VA_ROWS))
    assert store.verify("eora") == []


def assert_views_match(engine, dataset, name, ext, label, regions, sectors, year=None) -> int:
    """The four classic views of indicator `name` equal pymrio's D_cba and D_pba of row `label` of the
    extension ext, by region (the files' order) and by product, to 1e-9; the number of views checked."""
    code = next(i["code"] for i in dataset.indicators if i["name"] == name)
    for perspective, account in (("consumption", ext.D_cba), ("production", ext.D_pba)):
        for by, level, keys in (("region", "region", regions), ("product", "sector", sectors)):
            # the dataset's regions in the files' order, whatever their codes (see the regions' test)
            selection = {"regions": tuple(dataset.regions.leaf_codes())} if by == "region" else \
                {"products": tuple(keys)}
            answer = engine.answer(Query(dataset.name, code, perspective, by, year=year, direct=False,
                                         **selection))
            want = account.loc[label].groupby(level=level, sort=False).sum().reindex(keys).to_numpy()
            assert np.allclose([r.value for r in answer.rows], want, rtol=1e-9, atol=0)
            assert want.sum() > 0
    return 4


def test_eora26_regions_keep_eoras_codes_under_continents(tmp_path):
    path = write_eora26(tmp_path / "src", 2011, seed=2)
    store = Store(tmp_path / "store")
    dataset = store.write("eora", import_source([path]))
    assert dataset.regions.leaf_codes() == list(REGIONS)  # Eora's codes; pymrio drops ROW
    # by Eora's codes: SUD is Sudan (not an ISO3 code), USR a region of the past
    assert dataset.regions["SUD"].parent == "Africa" and dataset.regions["SUD"].name == "Sudan"
    assert dataset.regions["DEU"].parent == "Europe" and dataset.regions["DEU"].name == "Germany"
    assert dataset.regions["USR"].parent == "Rest of the world" and dataset.regions["USR"].name == "Former USSR"


def test_eora26_is_detected_by_its_file_names(tmp_path):
    assert detect(write_eora26(tmp_path / "a", 2011)).name == "eora26"
    assert detect(write_eora26(tmp_path / "b", 2011, zipped=False)).name == "eora26"
    other = write_eora26(tmp_path / "c", 2011, name="Eora_world_2011.zip")
    with pytest.raises(DatasetError) as caught:
        detect(other)
    assert "not the files of any database" in str(caught.value)
    # named, it is refused with the name pymrio needs
    with pytest.raises(DatasetError) as caught:
        import_source([other], fmt="eora26")
    assert "Eora_world_2011.zip: pymrio reads an Eora26 archive by its release name" in str(caught.value)


def _cut(files, member, keep):
    text = files[member]
    files[member] = text[:int(len(text) * keep)]
    return files


def _relabel(files):
    lines = files["labels_Q.txt"].splitlines(keepends=True)
    files["labels_Q.txt"] = "".join(lines[:-1])
    return files


def _no_member(files):
    del files["Eora26_2012_bp_QY.txt"]
    return files


@pytest.mark.parametrize("make, args, message", [
    # a table cut short, at a line's end and in the middle of one
    (lambda d: write_eora26(d, 2012, files=_cut(eora26_files(2012), "Eora26_2012_bp_T.txt", 0.5)), [],
     "Eora26_2012_bp_T.txt has "),
    (lambda d: write_eora26(d, 2012, files=_cut(eora26_files(2012), "Eora26_2012_bp_FD.txt", 0.999)), [],
     "Eora26_2012_bp_FD.txt has 79 rows of"),
    # the year the name states is not in the archive, or not in the folder
    (lambda d: write_eora26(d, 2012, files=eora26_files(2011)), [], "no Eora26_2012_bp_T.txt"),
    (lambda d: write_eora26(d, 2011, zipped=False, name="Eora26_2012_bp"), [], "no Eora26_2012_bp_T.txt"),
    (lambda d: write_eora26(d, 2011), ["--years", "2012"], "holds Eora26 2011, not 2012"),
    # labels that do not line up with the table
    (lambda d: write_eora26(d, 2012, files=_relabel(eora26_files(2012))), [],
     "Eora26_2012_bp_Q.txt has 4 rows of 79 values, but labels_Q.txt and labels_T.txt label 3 rows"),
    # an archive named as Eora's that holds something else
    (lambda d: write_eora26(d, 2012, files={"readme.txt": "nothing here\n"}), [], "no Eora26_2012_bp_T.txt"),
    (lambda d: write_eora26(d, 2012, files=_no_member(eora26_files(2012))), [], "no Eora26_2012_bp_QY.txt"),
])
def test_a_broken_year_is_refused_and_the_dataset_kept(tmp_path, runner, make, args, message):
    good = write_eora26(tmp_path / "good", 2011, seed=1)
    assert_refused_and_kept(runner, "eora", [str(good)], [str(make(tmp_path / "bad")), *args], message)


def assert_refused_and_kept(runner, name, good_args, bad_args, message):
    """Import good_args as name, then bad_args: refused with a message naming the file and saying message,
    and the dataset as it was."""
    assert runner.invoke(args=["data", "import", *good_args, "--name", name]).exit_code == 0
    store = Store(runner.app.config["STORE_PATH"])
    before = store.open(name)
    A = np.array(before.technical_coefficients(2011, dense=True))
    result = runner.invoke(args=["data", "import", *bad_args, "--name", name])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # a message, not a traceback
    assert message in result.stderr and bad_args[0] in result.stderr
    after = store.open(name)
    assert after.path == before.path and after.years == [2011]
    assert np.array_equal(after.technical_coefficients(2011, dense=True), A)
    assert store.verify(name) == []


def write_with_indices(dest, years, seed: int = 0):
    """Year archives holding only their tables, and one indices.zip with the four label files beside them."""
    dest.mkdir(parents=True, exist_ok=True)
    paths = []
    for year in years:
        files = eora26_files(year, seed)
        tables = {m: text for m, text in files.items() if not m.startswith("labels_")}
        paths.append(write_eora26(dest, year, files=tables))
    with zipfile.ZipFile(dest / "indices.zip", "w") as archive:
        for member, text in files.items():
            if member.startswith("labels_"):
                archive.writestr(member, text)
    return paths


@pytest.mark.filterwarnings("ignore::pandas.errors.PerformanceWarning")
def test_labels_in_an_indices_zip_beside_the_year_archives(tmp_path, runner):
    paths = write_with_indices(tmp_path / "src", [2011, 2012], seed=5)
    result = runner.invoke(args=["data", "import", *map(str, paths), "--name", "eora"])
    assert result.exit_code == 0, result.output + result.stderr
    store = Store(runner.app.config["STORE_PATH"])
    dataset, engine = store.open("eora"), Engine(store)
    assert dataset.years == [2011, 2012] and dataset.regions.size == len(REGIONS)
    # pymrio's own reading of the same layout: the folder holding the year archive and indices.zip
    checked = 0
    for year in (2011, 2012):
        reference = pymrio.parse_eora26(str(tmp_path / "src"), year=year, price="bp")
        reference.calc_all()
        row = Q_ROWS[0]
        checked += assert_views_match(engine, dataset, stressor_name(row), reference.Q,
                                      (row[0].split(" (")[0], row[1]), list(REGIONS), SECTORS, year=year)
    assert checked == 8
    # without indices.zip the labels are missing, and the message says where they were looked for
    (tmp_path / "src" / "indices.zip").unlink()
    refused = runner.invoke(args=["data", "import", str(paths[0]), "--name", "eora2"])
    assert refused.exit_code == 1
    assert "no labels_T.txt in it or in an indices.zip beside it" in refused.stderr


@pytest.mark.filterwarnings("ignore::pandas.errors.PerformanceWarning")
def test_value_added_is_the_tables_balance_and_normalises_per_unit(tmp_path, runner):
    """Eora's value added: each industry's output (Z and FD across) less its inputs (Z down), from pymrio's own
    parse; per unit of value added divides each origin region's impacts by that summed per region."""
    from app.engine.flows import FlowQuery, answer_flows

    path = write_eora26(tmp_path / "src", 2011, seed=7)
    assert runner.invoke(args=["data", "import", str(path), "--name", "eora"]).exit_code == 0
    engine = Engine(Store(runner.app.config["STORE_PATH"]))
    dataset = engine.dataset("eora")
    reference = pymrio.parse_eora26(path, year=2011, price="bp")
    Z, Y = reference.Z.to_numpy(), reference.Y.to_numpy()
    balance = Z.sum(axis=1) + Y.sum(axis=1) - Z.sum(axis=0)
    by_region = balance.reshape(len(REGIONS), -1).sum(axis=1)
    regions = tuple(dataset.regions.leaf_codes())
    va = answer_flows(engine, FlowQuery(dataset="eora", indicator="value_added", by=("origin-region",),
                                        origin_regions=regions, direct=False))
    assert np.allclose([r.value for r in va.rows], by_region, rtol=1e-9, atol=0)
    co2 = next(i["code"] for i in dataset.indicators if i["name"] == "CO2 emissions - Total")
    plain = answer_flows(engine, FlowQuery(dataset="eora", indicator=co2, by=("origin-region",),
                                           origin_regions=regions))
    per = answer_flows(engine, FlowQuery(dataset="eora", indicator=co2, by=("origin-region",),
                                         origin_regions=regions, per="value-added"))
    assert np.allclose([r.value for r in per.rows], [r.value for r in plain.rows] / by_region, rtol=1e-9, atol=0)
    assert per.unit == "Gg per 000 USD of value added"


@pytest.mark.filterwarnings("ignore::pandas.errors.PerformanceWarning")
def test_the_first_year_is_let_go_once_handed_out_and_read_again_if_asked_twice(tmp_path):
    """import_source reads the first year for its labels; the Source hands it out once and drops it, so that a
    large year is not held while later years compile (3.4 GB at GLORIA's size), and reads it again for a
    second write of the same Source."""
    import gc
    import weakref

    paths = [write_eora26(tmp_path / "src", year, seed=2) for year in (2011, 2012)]
    source = import_source(paths)
    load = source.years[0][1]
    handed = load()
    gone = weakref.ref(handed)
    A = handed.A.copy()
    del handed
    gc.collect()
    assert gone() is None  # nothing else held it
    again = load()
    assert again.year == 2011 and np.array_equal(again.A, A)
    first, second = Store(tmp_path / "a"), Store(tmp_path / "b")
    first.write("eora", source)
    second.write("eora", source)  # the same Source twice: the first year read again, the same arrays
    for year in (2011, 2012):
        assert np.array_equal(first.open("eora").technical_coefficients(year, dense=True),
                              second.open("eora").technical_coefficients(year, dense=True))
