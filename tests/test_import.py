"""EXIOBASE 3 archives (3.8 and 3.9+ layouts, zipped and unpacked, pxp and ixi) and pymrio folders."""

import zipfile

import numpy as np
import pymrio
import pytest

from app.engine import DatasetError, Engine, Query, Store
from app.engine.sources import import_source, read_mrio

from .exiobase_archives import write_exiobase_archive, write_pymrio_saved


def import_one(tmp_path, path, name="exio"):
    store = Store(tmp_path / "store")
    store.write(name, import_source([path]))
    return store, Engine(store)


@pytest.mark.parametrize("layout", ["3.8", "3.9"])
@pytest.mark.parametrize("system", ["pxp", "ixi"])
@pytest.mark.parametrize("zipped", [True, False])
def test_exiobase_archive_imports_exactly(tmp_path, layout, system, zipped):
    path, truth = write_exiobase_archive(tmp_path / "src", 2011, layout=layout, system=system,
                                         zipped=zipped, n_products=7, seed=5)
    store, engine = import_one(tmp_path, path)
    dataset = store.open("exio")
    assert dataset.years == [2011]
    assert dataset.regions.leaf_codes() == truth["regions"]
    prefix = "p" if system == "pxp" else "i"
    codes = dataset.products.leaf_codes()
    assert len(codes) == 7 and all(c.startswith(prefix) for c in codes)
    assert [dataset.products[c].name for c in codes] == truth["sectors"]
    assert dataset.products[codes[0]].level == 3 and dataset.regions["AT"].parent == "Europe"
    assert np.allclose(dataset.technical_coefficients(2011, dense=True), truth["A"], rtol=1e-12, atol=0)
    assert np.allclose(dataset.array(2011, "Y"), truth["Y_by_region"], rtol=1e-12, atol=0)
    assert np.allclose(dataset.array(2011, "x"), truth["x"], rtol=1e-12, atol=0)
    # every extension row is an indicator with its unit, grouped by its folder's extension
    expected = [(row, unit) for ext in truth["extensions"].values() for row, unit in zip(ext["rows"], ext["units"])]
    assert sorted((i["name"], i["unit"]) for i in dataset.indicators) == sorted(expected)
    assert len({i["code"] for i in dataset.indicators}) == len(dataset.indicators)
    # direct final-demand emissions are kept, apart from the four views
    assert dataset.has_array(2011, "F_Y")
    F = np.vstack([ext["F"] for ext in truth["extensions"].values()])
    rows = {(i["name"], i["group"]): n for n, i in enumerate(dataset.indicators)}
    assert np.abs(np.array(dataset.array(2011, "S")) * truth["x"]).sum() == pytest.approx(np.abs(F).sum(), rel=1e-12)
    assert len(rows) == len(dataset.indicators)
    assert store.verify("exio") == []


def test_zip_without_top_folder_and_nested_system_is_not_loaded_twice(tmp_path):
    path, truth = write_exiobase_archive(tmp_path / "src", 2012, layout="3.9", zipped=True, seed=2)
    io = read_mrio(path)
    assert "IOT_2012_pxp" not in vars(io)
    assert sorted(e.name for e in io.get_extensions(data=True)) == sorted(
        ext.name for ext in io.get_extensions(data=True))
    assert len(list(io.get_extensions())) == len(truth["extensions"])
    # the same archive repacked with its files at the zip's root
    flat = tmp_path / "IOT_2012_pxp_flat.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(flat, "w") as dst:
        for member in src.namelist():
            dst.writestr(member.split("/", 1)[1], src.read(member))
    io_flat = read_mrio(flat)
    assert len(list(io_flat.get_extensions())) == len(truth["extensions"])
    assert np.allclose(io_flat.A.to_numpy(), truth["A"], rtol=1e-12)


def test_imported_footprints_match_pymrio_on_the_same_archive(tmp_path):
    path, truth = write_exiobase_archive(tmp_path / "src", 2011, layout="3.8", n_products=9, seed=7)
    store, engine = import_one(tmp_path, path)
    dataset = store.open("exio")
    reference = pymrio.parse_exiobase3(path)
    reference.calc_all()
    name = "CO2 - combustion - air"
    code = next(i["code"] for i in dataset.indicators if i["name"] == name and i["group"] != "Impacts")
    sectors = truth["sectors"]
    codes = dataset.products.leaf_codes()
    for perspective, account in (("consumption", reference.satellite.D_cba), ("production", reference.satellite.D_pba)):
        result = engine.answer(Query("exio", code, perspective, "product", products=tuple(codes), direct=False))
        want = account.loc[name].groupby(level="sector", sort=False).sum().reindex(sectors).to_numpy()
        assert np.allclose([r.value for r in result.rows], want, rtol=1e-9, atol=0)
        result = engine.answer(Query("exio", code, perspective, "region", regions=tuple(truth["regions"]),
                                     direct=False))
        want = account.loc[name].groupby(level="region", sort=False).sum().reindex(truth["regions"]).to_numpy()
        assert np.allclose([r.value for r in result.rows], want, rtol=1e-9, atol=0)


def test_pymrio_saved_folder_imports(tmp_path):
    path, truth = write_pymrio_saved(tmp_path / "src", 2015, seed=4)
    store, _ = import_one(tmp_path, path)
    dataset = store.open("exio")
    assert dataset.years == [2015]
    assert np.allclose(dataset.technical_coefficients(2015, dense=True), truth["A"], rtol=1e-12)
    assert [i["unit"] for i in dataset.indicators] == truth["extensions"]["air_emissions"]["units"]


def test_several_years_and_adding_a_year_later(tmp_path, runner):
    paths = [write_exiobase_archive(tmp_path / "src", y, seed=y)[0] for y in (2010, 2011, 2012)]
    store = Store(runner.app.config["STORE_PATH"])
    result = runner.invoke(args=["data", "import", str(paths[0]), str(paths[1]), "--name", "exio"])
    assert result.exit_code == 0, result.output
    first = store.open("exio")
    assert first.years == [2010, 2011]
    a2010 = np.array(first.technical_coefficients(2010, dense=True))
    result = runner.invoke(args=["data", "import", str(paths[2]), "--name", "exio"])
    assert result.exit_code == 0, result.output
    second = store.open("exio")
    assert second.years == [2010, 2011, 2012] and second.path != first.path
    assert np.array_equal(second.technical_coefficients(2010, dense=True), a2010)
    assert not first.path.exists()  # the old version is gone once the new one is in place
    assert store.verify("exio") == []


def test_a_year_with_other_labels_is_refused(tmp_path):
    a, _ = write_exiobase_archive(tmp_path / "a", 2010, n_products=5)
    b, _ = write_exiobase_archive(tmp_path / "b", 2011, n_products=6)
    store = Store(tmp_path / "store")
    with pytest.raises(DatasetError) as caught:
        store.write("exio", import_source([a, b]))
    assert "other regions, products or indicators" in str(caught.value)
    assert store.names() == []


def _write(path, content):
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing.zip", "does not exist"),
    (lambda p: _write(p / "IOT_2011_pxp.zip", b"not a zip"), "neither a zip archive nor a folder"),
    (lambda p: (p / "IOT_2011_pxp").mkdir() or p / "IOT_2011_pxp", "no MRIO system"),
])
def test_bad_paths_get_clear_messages(tmp_path, runner, make, message):
    path = make(tmp_path)
    result = runner.invoke(args=["data", "import", str(path), "--name", "exio"])
    assert result.exit_code == 1
    assert message in result.stderr
    assert Store(runner.app.config["STORE_PATH"]).names() == []


def test_year_must_be_told_when_the_name_does_not(tmp_path, runner):
    path, _ = write_exiobase_archive(tmp_path / "src", 2011, zipped=False)
    renamed = path.rename(tmp_path / "exiobase_current")
    result = runner.invoke(args=["data", "import", str(renamed), "--name", "exio"])
    assert result.exit_code == 1 and "cannot tell the year" in result.stderr
    result = runner.invoke(args=["data", "import", str(renamed), "--name", "exio", "--years", "2011"])
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("content", ['[' * 100_000, '{"systemtype": "IOSystem", "files": 0}', '[1, 2]', "\xff"])
def test_a_hostile_file_parameters_json_is_refused_with_a_message(tmp_path, runner, content):
    folder = tmp_path / "IOT_2011_pxp"
    folder.mkdir()
    (folder / "file_parameters.json").write_bytes(content.encode("utf-8", "surrogateescape")
                                                  if content != "\xff" else b"\xff")
    result = runner.invoke(args=["data", "import", str(folder), "--name", "exio"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # a message, not a traceback
    assert "file_parameters.json" in result.output
