"""The store keeps A once: CSR when that is smaller, else dense; older layouts are upgraded atomically."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse

from app.engine import DatasetError, Engine, Query, Store
from app.engine.compiling import csr_is_smaller
from app.engine.hierarchy import ROOT
from app.engine.interventions import Intervention
from app.engine.manifest import CSR_PARTS, _sha256
from app.engine.synth import synthetic_source
from app.perf.bench import _dense_reference

ROOT_DIR = Path(__file__).resolve().parent.parent
VIEWS = [("consumption", "product"), ("consumption", "region"), ("production", "region"),
         ("production", "product")]
SMALL = {"years": [2011, 2012], "n_regions": 6, "n_products": 24, "seed": 3}


def older_layout(store: Store, name: str, keep_csr: bool = True) -> None:
    """Rewrite a dataset in place as the store wrote it before A was kept once: dense A.npy beside its
    CSR parts (keep_csr) or dense A.npy alone."""
    folder = store.path(name)
    manifest = json.loads((folder / "manifest.json").read_text())
    dataset = store.open(name)
    for year in dataset.years:
        A = dataset.technical_coefficients(year, dense=True)
        path = folder / str(year) / "A.npy"
        np.save(path, A)
        arrays = manifest["years"][str(year)]["arrays"]
        arrays["A"] = {"shape": list(A.shape), "dtype": str(A.dtype), "sha256": _sha256(path)}
        if not keep_csr:
            for key in CSR_PARTS:
                (folder / str(year) / f"{key}.npy").unlink()
                del arrays[key]
    (folder / "manifest.json").write_text(json.dumps(manifest))


def a_files(store: Store, name: str, year: int) -> set[str]:
    return {p.name for p in (store.path(name) / str(year)).glob("A*.npy")}


def answers(engine: Engine, name: str, interventions=()) -> list:
    """Every standard view by leaf in both years, under the interventions given."""
    dataset = engine.dataset(name)
    out = []
    for year in dataset.years:
        for perspective, by in VIEWS:
            for indicator in ("ghg", "value_added"):
                leaves = dataset.products.leaf_codes() if by == "product" else dataset.regions.leaf_codes()
                query = Query(name, indicator, perspective, by, year=year, interventions=tuple(interventions),
                              products=tuple(leaves) if by == "product" else (ROOT,),
                              regions=tuple(leaves) if by == "region" else (ROOT,))
                out.append([row.value for row in engine.answer(query).rows])
    return out


SCENARIO = [Intervention("C", "Europe", "D", "JP", -40.0), Intervention("p01.a", "TOTAL", "FD", "Asia", 25.0),
            Intervention("D", "TOTAL", "TOTAL", "Europe", -20.0)]


@pytest.fixture()
def layouts(tmp_path):
    """One synthetic set written three times: as the store writes it now, and in the two older layouts."""
    store = Store(tmp_path / "store")
    for name in ("now", "both", "dense"):
        store.write(name, synthetic_source(**SMALL))
    older_layout(store, "both")
    older_layout(store, "dense", keep_csr=False)
    return store


def test_a_sparse_set_keeps_A_only_in_csr_with_int32_indices(shared_store):
    dataset = shared_store.open("small")
    n = dataset.regions.size * dataset.products.size
    for year in dataset.years:
        arrays = dataset.manifest["years"][str(year)]["arrays"]
        assert "A" not in arrays and set(CSR_PARTS) <= set(arrays)
        assert a_files(shared_store, "small", year) == {f"{key}.npy" for key in CSR_PARTS}
        assert arrays["A_indices"]["dtype"] == arrays["A_indptr"]["dtype"] == "int32"
        nnz = arrays["A_data"]["shape"][0]
        assert 0 < nnz < 0.2 * n * n and csr_is_smaller(n, nnz)
        A = dataset.technical_coefficients(year)
        assert scipy.sparse.issparse(A) and A.nnz == nnz
        with pytest.raises(DatasetError, match="has no array A for"):
            dataset.array(year, "A")
    assert shared_store.verify("small") == []


def test_the_csr_rule_is_the_smaller_form():
    n = 9800
    assert csr_is_smaller(n, int(0.33 * n * n)) and csr_is_smaller(n, int(0.66 * n * n))
    assert not csr_is_smaller(n, int(0.67 * n * n)) and not csr_is_smaller(n, n * n)
    assert csr_is_smaller(4, 8) and not csr_is_smaller(4, 9)  # 8 * 12 + 5 * 4 = 116 < 4 * 4 * 8 = 128 <= 9 * 12 + 20


def test_every_view_and_a_scenario_answer_as_from_the_older_layouts(layouts):
    engine = Engine(layouts)
    assert a_files(layouts, "both", 2011) == {"A.npy", *(f"{k}.npy" for k in CSR_PARTS)}
    assert a_files(layouts, "dense", 2011) == {"A.npy"} and a_files(layouts, "now", 2011) == {
        f"{k}.npy" for k in CSR_PARTS}
    for name in ("both", "dense"):
        assert layouts.verify(name) == []
        assert answers(engine, name) == answers(engine, "now")
    # the older layout with both forms already read A's CSR form: the very same numbers
    assert answers(engine, "both", SCENARIO) == answers(engine, "now", SCENARIO)
    for got, want in zip(answers(engine, "now", SCENARIO), answers(engine, "dense", SCENARIO)):
        assert np.allclose(got, want, rtol=1e-12, atol=0)
    # and the scenario against a dense LU of I - A' built from A itself
    dataset = engine.dataset("now")
    A = dataset.technical_coefficients(2012, dense=True)
    for iv in SCENARIO:
        if iv.consumer != "FD":
            from app.engine.scenario import cell_indices
            A[np.ix_(cell_indices(dataset, iv.origin, iv.product),
                     cell_indices(dataset, iv.consumer_region, iv.consumer))] *= iv.factor
    lu = scipy.linalg.lu_factor(np.eye(len(A)) - A)
    for perspective in ("consumption", "production"):
        query = Query("now", "ghg", perspective, "region", year=2012, regions=tuple(dataset.regions.leaf_codes()),
                      interventions=tuple(SCENARIO))
        got = np.array([row.value for row in engine.answer(query).rows])
        want = _dense_reference(dataset, 2012, query, lu)
        assert np.abs(got - want).max() <= 1e-10 * np.abs(want).max()


def test_a_dense_A_stays_dense(tmp_path, runner):
    store = Store(tmp_path / "dense-store")
    store.write("full", synthetic_source([2011], 3, 5, seed=2, density=1.0))
    dataset = store.open("full")
    arrays = dataset.manifest["years"]["2011"]["arrays"]
    assert "A" in arrays and not set(CSR_PARTS) & set(arrays) and a_files(store, "full", 2011) == {"A.npy"}
    assert isinstance(dataset.technical_coefficients(2011), np.ndarray)
    assert store.verify("full") == [] and store.upgrade("full") == []
    engine = Engine(store)
    scenario = (Intervention(ROOT, ROOT, ROOT, "TOTAL", -10.0),)
    query = Query("full", "co2", "consumption", "region", regions=tuple(dataset.regions.leaf_codes()),
                  interventions=scenario)
    A = dataset.technical_coefficients(2011, dense=True) * 0.9
    got = np.array([row.value for row in engine.answer(query).rows])
    want = _dense_reference(dataset, 2011, query, scipy.linalg.lu_factor(np.eye(len(A)) - A))
    assert np.abs(got - want).max() <= 1e-10 * np.abs(want).max()


def _upgrade(runner, name):
    return runner.invoke(args=["data", "upgrade", name])


@pytest.mark.parametrize("keep_csr", [True, False], ids=["A.npy beside CSR", "dense A alone"])
def test_upgrade_keeps_every_answer_and_drops_the_redundancy(runner, keep_csr):
    store = runner.app.extensions["engine"].store
    store.write("old", synthetic_source(**SMALL))
    older_layout(store, "old", keep_csr)
    engine = Engine(Store(store.root))
    before, before_scenario = answers(engine, "old"), answers(engine, "old", SCENARIO)
    size_before = store.open("old").year_bytes()
    result = _upgrade(runner, "old")
    assert result.exit_code == 0, result.stderr
    assert "upgraded" in result.stdout and "2011: A kept once (A_data, A_indices, A_indptr)" in result.stdout
    for year in (2011, 2012):
        assert a_files(store, "old", year) == {f"{k}.npy" for k in CSR_PARTS}
        assert "A" not in store.open("old").manifest["years"][str(year)]["arrays"]
    size_after = store.open("old").year_bytes()
    assert all(size_after[y] < size_before[y] for y in size_before)
    assert store.verify("old") == [] and len(list((store.root / ".versions").iterdir())) == 1
    engine = Engine(Store(store.root))
    assert answers(engine, "old") == before
    for got, want in zip(answers(engine, "old", SCENARIO), before_scenario):
        assert got == want if keep_csr else np.allclose(got, want, rtol=1e-12, atol=0)
    # nothing left to do: said so, and nothing changed
    version, manifest = store.path("old"), (store.path("old") / "manifest.json").read_text()
    again = _upgrade(runner, "old")
    assert again.exit_code == 0 and "in the current layout already; nothing changed" in again.stdout
    assert store.path("old") == version and (version / "manifest.json").read_text() == manifest


def test_upgrade_makes_a_dense_A_kept_in_csr_dense(tmp_path):
    store = Store(tmp_path)
    store.write("full", synthetic_source([2011], 3, 5, seed=2, density=1.0))
    folder = store.path("full")
    manifest = json.loads((folder / "manifest.json").read_text())
    A = np.load(folder / "2011" / "A.npy")
    csr = scipy.sparse.csr_matrix(A)
    arrays = manifest["years"]["2011"]["arrays"]
    for key, part in zip(CSR_PARTS, (csr.data, csr.indices, csr.indptr)):
        np.save(folder / "2011" / f"{key}.npy", part)
        arrays[key] = {"shape": list(part.shape), "dtype": str(part.dtype),
                       "sha256": _sha256(folder / "2011" / f"{key}.npy")}
    (folder / "2011" / "A.npy").unlink()
    del arrays["A"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert store.verify("full") == []
    changes = store.upgrade("full")
    assert changes and changes[0].startswith("2011: A kept once (A);")
    assert a_files(store, "full", 2011) == {"A.npy"}
    assert np.array_equal(np.load(store.path("full") / "2011" / "A.npy"), A) and store.verify("full") == []


def test_a_failed_upgrade_leaves_the_old_version_as_it_was(layouts, monkeypatch):
    from app.engine import store as store_module

    engine = Engine(layouts)
    for name in ("both", "dense"):
        version, manifest = layouts.path(name), (layouts.path(name) / "manifest.json").read_text()
        before = answers(engine, name)
        files = sorted(p.name for p in (version / "2011").iterdir())

        def broken(version, manifest):
            raise OSError("disk full")  # after the links and any new arrays are written

        monkeypatch.setattr(store_module, "_write_manifest", broken)
        with pytest.raises(OSError, match="disk full"):
            layouts.upgrade(name)
        monkeypatch.undo()
        assert layouts.path(name) == version and (version / "manifest.json").read_text() == manifest
        assert sorted(p.name for p in (version / "2011").iterdir()) == files
        assert layouts.verify(name) == [] and answers(Engine(Store(layouts.root)), name) == before
        versions = {p.name for p in (layouts.root / ".versions").iterdir()}
        assert versions == {layouts.path(n).name for n in ("now", "both", "dense")}


def test_kill_9_midway_through_an_upgrade_leaves_the_old_dataset(layouts):
    script = ("import os, signal, sys\n"
              "from app.engine import Store\n"
              "from app.engine import store as module\n"
              "module._write_manifest = lambda *a: os.kill(os.getpid(), signal.SIGKILL)\n"
              "Store(sys.argv[1]).upgrade('dense')\n")
    version = layouts.path("dense")
    killed = subprocess.run([sys.executable, "-c", script, str(layouts.root)], cwd=ROOT_DIR,
                            env={**os.environ, "PYTHONPATH": str(ROOT_DIR)}, timeout=120)
    assert killed.returncode == -9
    assert len(list((layouts.root / ".versions").iterdir())) == 4  # the killed upgrade's folder is left
    assert layouts.path("dense") == version and layouts.verify("dense") == []
    assert a_files(layouts, "dense", 2011) == {"A.npy"}
    assert layouts.upgrade("dense")  # works, and sweeps what the killed one left
    assert len(list((layouts.root / ".versions").iterdir())) == 3
    assert a_files(layouts, "dense", 2011) == {f"{k}.npy" for k in CSR_PARTS}


def test_upgrade_refuses_a_damaged_dataset(runner):
    store = runner.app.extensions["engine"].store
    store.write("old", synthetic_source([2011], 3, 4))
    older_layout(store, "old")
    version = store.path("old")
    path = version / "2011" / "L.npy"
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))
    result = _upgrade(runner, "old")
    assert result.exit_code == 1
    assert "dataset 'old' is damaged, so it was not upgraded (nothing changed)" in result.stderr
    assert "L.npy" in result.stderr and store.path("old") == version
    assert "A.npy" in a_files(store, "old", 2011)
    missing = _upgrade(runner, "nope")
    assert missing.exit_code == 1 and "no dataset named 'nope'" in missing.stderr


def test_data_list_and_show_give_bytes_on_disk_per_year(runner):
    store = runner.app.extensions["engine"].store
    store.write("s", synthetic_source([2011, 2012], 3, 4))
    listed = json.loads(runner.invoke(args=["data", "list", "--format", "json"]).stdout)[0]
    folder = store.path("s")
    for year in ("2011", "2012"):
        assert listed["bytes_per_year"][year] == sum(p.stat().st_size for p in (folder / year).iterdir()) > 0
    assert listed["bytes"] == sum(listed["bytes_per_year"].values()) + (folder / "manifest.json").stat().st_size
    table = runner.invoke(args=["data", "list"]).stdout
    from app.cli.data import _size
    assert f"on disk: 2011 {_size(listed['bytes_per_year']['2011'])}, 2012 " in table and " kB" in table
    assert (_size(999), _size(56_640), _size(1_925_300_000)) == ("999 B", "56.6 kB", "1.93 GB")
    shown = json.loads(runner.invoke(args=["data", "show", "s", "--format", "json"]).stdout)
    assert shown["bytes"]["2011"]["L"] == (folder / "2011" / "L.npy").stat().st_size
    assert sum(shown["bytes"]["2012"].values()) == listed["bytes_per_year"]["2012"]
    assert "bytes on disk:" in runner.invoke(args=["data", "show", "s"]).stdout


def _density(dataset, year):
    n = dataset.regions.size * dataset.products.size
    return dataset.technical_coefficients(year).nnz / (n * n)


def test_synth_density(runner):
    result = runner.invoke(args=["data", "synth", "--name", "third", "--years", "2011,2012", "--regions", "6",
                                 "--products", "24", "--density", "0.33"])
    assert result.exit_code == 0, result.stderr
    store = runner.app.extensions["engine"].store
    dataset = store.open("third")
    for year in dataset.years:
        assert 0.30 <= _density(dataset, year) <= 0.36
        A = dataset.technical_coefficients(year, dense=True)
        assert (A >= 0).all() and A.sum(axis=0).max() < 1
        assert max(abs(np.linalg.eigvals(A))) < 1
    assert store.verify("third") == []
    # the default is the pattern it always was (about 3.6 % non-zero at 49 regions): the very numbers the
    # store's CSR parts held before --density existed (sha256 of A_data.npy written by that version)
    store.write("default", synthetic_source([2011], 49, 4, seed=0))
    assert 0.03 <= _density(store.open("default"), 2011) <= 0.045
    assert store.open("default").manifest["years"]["2011"]["arrays"]["A_data"]["sha256"] == \
        "a963d9a361b8acb8fe42faa19555029e16b970f68efdaad179af23a903d4f6be"


@pytest.mark.parametrize("value", ["0", "-0.1", "1.5", "abc", "nan", "inf", ""])
def test_synth_refuses_a_bad_density(runner, value):
    result = runner.invoke(args=["data", "synth", "--name", "bad", "--years", "2011", "--regions", "2",
                                 "--products", "3", "--density", value])
    assert result.exit_code == 2
    assert "Invalid value for '--density'" in result.stderr
    assert runner.app.extensions["engine"].store.names() == []


@pytest.mark.slow
def test_one_exiobase_size_year_at_a_third_density_fits_in_two_gigabytes(tmp_path):
    store = Store(tmp_path)
    store.write("exio", synthetic_source([2011], 49, 200, seed=0, density=0.33))
    dataset = store.open("exio")
    assert 0.30 <= _density(dataset, 2011) <= 0.36
    assert dataset.year_bytes()["2011"] <= 2.0e9
