"""OECD ICIO release files (csv and zip) in the layout pymrio's parse_oecd reads, imported and checked against
pymrio's own parse and calc_all of the same file."""

import zipfile

import numpy as np
import pymrio
import pytest

from app.engine import DatasetError, Engine, Store
from app.engine.formats import detect
from app.engine.normalise import value_added_row
from app.engine.sources import import_source

from .test_format_eora26 import assert_refused_and_kept, assert_views_match

# Layout, as parse_oecd reads it (2018 release): one comma-separated table, its first column the row labels.
# Columns: <ISO3>_<industry> for every region's industries, then <ISO3>_<final demand category> (HFCE, NPISH,
# GGFC, GFCF, INVNT, P33) for each country, then TOTAL. Rows: the industries in the same order, then
# <ISO3>_TAXSUB per region, VALU (value added) and OUTPUT. China's processing-trade split (CN1) sits beside
# CHN among the industries, with no final demand of its own.
INDUSTRIES = ["01T03", "10T12", "35T39", "45T47", "69T82"]
REGIONS = ["AUS", "CHN", "CN1", "ROW"]
COUNTRIES = ["AUS", "CHN", "ROW"]  # what pymrio leaves: CN1 folded into CHN
FINAL = ["HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "P33"]


def icio_table(seed: int = 0, regions=REGIONS, industries=INDUSTRIES) -> str:
    rng = np.random.default_rng(seed)
    cells = [f"{r}_{i}" for r in regions for i in industries]
    final = [f"{r}_{f}" for r in regions if not r.startswith("CN1") for f in FINAL]
    rows = cells + [f"{r}_TAXSUB" for r in regions if r != "CN1"] + ["VALU"]
    values = np.vstack([rng.uniform(0, 5, (len(cells), len(cells) + len(final))),
                        rng.uniform(0, 2, (len(rows) - len(cells) - 1, len(cells) + len(final))),
                        np.hstack([rng.uniform(20, 60, len(cells)), np.zeros(len(final))])])
    values[len(cells):, len(cells):] = 0
    values[:len(cells), len(cells):] += rng.uniform(40, 90, (len(cells), len(final)))
    lines = ["," + ",".join(cells + final + ["TOTAL"])]
    lines += [",".join([label, *(repr(float(v)) for v in row), repr(float(row.sum()))])
              for label, row in zip(rows, values)]
    lines.append(",".join(["OUTPUT", *(repr(float(v)) for v in values.sum(axis=0)), "0.0"]))
    return "\n".join(lines) + "\n"


def write_icio(dest, name="ICIO2018_2011.csv", text=None, seed=0):
    dest.mkdir(parents=True, exist_ok=True)
    text = icio_table(seed) if text is None else text
    path = dest / name
    if name.endswith(".zip"):
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(name.replace(".zip", ".csv"), text)
    else:
        path.write_text(text)
    return path


@pytest.mark.filterwarnings("ignore::pandas.errors.PerformanceWarning")
@pytest.mark.parametrize("name", ["ICIO2018_2011.csv", "ICIO2018_2011.zip"])
def test_icio_imports_as_pymrio_reads_it(tmp_path, runner, name):
    path = write_icio(tmp_path / "src", name, seed=4)
    # the format from the name; the year told, as the name holds two (see the report)
    result = runner.invoke(args=["data", "import", str(path), "--name", "icio", "--years", "2011"])
    assert result.exit_code == 0, result.output + result.stderr
    store = Store(runner.app.config["STORE_PATH"])
    dataset, engine = store.open("icio"), Engine(store)
    assert dataset.years == [2011] and dataset.regions.size == len(COUNTRIES)
    assert dataset.products.leaf_codes() == INDUSTRIES
    parents = [dataset.products[i].parent for i in INDUSTRIES]
    assert parents == ["ISIC A", "ISIC C", "ISIC D-E", "ISIC G", "ISIC M-N"]
    assert dataset.products["ISIC D-E"].name.startswith("Electricity, gas") and "sewerage" in \
        dataset.products["ISIC D-E"].name
    assert {dataset.products[p].parent for p in parents} == {"TOTAL"}
    # the value added row is the one the per-unit normalisation divides by
    row = value_added_row(dataset)
    assert row is not None and dataset.indicators[row]["unit"] == "Million USD"
    assert len(dataset.indicators) == len(COUNTRIES) + 1
    provenance = dataset.provenance()
    assert provenance["database"] == "OECD ICIO" and provenance["format"] == "oecd"
    assert "oecd.org" in provenance["licence"] and provenance["years"]["2011"]["version"] == "v2018"

    reference = pymrio.parse_oecd(path)
    reference.calc_all()
    ext = reference.factor_inputs
    checked = 0
    for label in ext.F.index:
        name = "Value added" if label == "VALU" else label
        checked += assert_views_match(engine, dataset, name, ext, label, COUNTRIES, INDUSTRIES)
    assert checked == 4 * (len(COUNTRIES) + 1)
    assert store.verify("icio") == []


@pytest.mark.filterwarnings("ignore::pandas.errors.PerformanceWarning")
def test_icio_regions_keep_iso3_codes_under_continents(tmp_path):
    path = write_icio(tmp_path / "src")
    dataset = Store(tmp_path / "store").write("icio", import_source([path], years=[2011]))
    assert dataset.regions.leaf_codes() == COUNTRIES
    assert dataset.regions["AUS"].parent == "Oceania" and dataset.regions["CHN"].name == "China"
    assert dataset.regions["ROW"].parent == "Rest of the world"


@pytest.mark.filterwarnings("ignore::pandas.errors.PerformanceWarning")
def test_icio_year_is_read_from_the_name(tmp_path):
    source = import_source([write_icio(tmp_path / "src", "ICIO2018_2011.csv")])
    assert [year for year, _ in source.years] == [2011]


def test_the_2023_codes_roll_up_by_their_section_letters():
    from app.engine.formats.oecd import product_tree

    labels = ["A01_02", "B05_06", "C301", "D", "E", "H49", "J62_63", "T", "XYZ"]
    parents = {r["code"]: r["parent"] for r in product_tree(labels) if r["leaf"] is not None}
    assert parents == {"A01_02": "ISIC A", "B05_06": "ISIC B", "C301": "ISIC C", "D": "ISIC D", "E": "ISIC E",
                       "H49": "ISIC H", "J62_63": "ISIC J", "T": "ISIC T", "XYZ": "unclassified"}


def test_icio_is_detected_by_its_file_names(tmp_path):
    for name in ("ICIO2016_2005.csv", "ICIO2018_2011.zip", "ICIO2021_2015.csv", "ICIO2023_2020.CSV"):
        assert detect(write_icio(tmp_path / name[:8], name)).name == "oecd"
    with pytest.raises(DatasetError) as caught:
        detect(write_icio(tmp_path / "other", "icio_2011.csv"))
    assert "not the files of any database" in str(caught.value)


def _cut(text, keep):
    return text[:int(len(text) * keep)]


def _swap_label(text):
    return text.replace("\nROW_45T47,", "\nROW_46T47,", 1)


@pytest.mark.parametrize("make, args, message", [
    (lambda d: write_icio(d, "ICIO2018_2012.csv", _cut(icio_table(), 0.6)), ["--years", "2012"], "has "),
    (lambda d: write_icio(d, "ICIO2018_2012.csv", _cut(icio_table(), 0.6)), ["--years", "2012"], "cut short"),
    (lambda d: write_icio(d, "ICIO2018_2011.csv"), ["--years", "2012"], "holds ICIO 2011, not 2012"),
    (lambda d: write_icio(d, "ICIO2018_2012.csv", _swap_label(icio_table())), ["--years", "2012"],
     "do not line up (first odd one: ROW_45T47)"),
    (lambda d: write_icio(d, "ICIO2018_2012.csv", "a,b\n1,2\n"), ["--years", "2012"], "do not line up"),
    (lambda d: write_icio(d, "ICIO2018_2012.zip", ""), ["--years", "2012"], "pymrio cannot read"),
])
def test_a_broken_year_is_refused_and_the_dataset_kept(tmp_path, runner, make, args, message):
    good = write_icio(tmp_path / "good", seed=1)
    assert_refused_and_kept(runner, "icio", [str(good), "--years", "2011"], [str(make(tmp_path / "bad")), *args],
                            message)
