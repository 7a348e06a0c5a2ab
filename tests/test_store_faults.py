"""A damaged store: every mapped array is checked (size and header always, sha256 once per process and
again after any change on disk), a damaged dataset is refused naming the file, the others keep answering."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from app.engine import DatasetError, Engine, EngineError, Query, Store
from app.engine import compiling as compiling_module
from app.engine import manifest as manifest_module
from app.engine import store as store_module
from app.engine.errors import DatasetDamaged
from app.engine.hierarchy import ROOT
from app.engine.synth import synthetic_source

from .conftest import make_app

PROJECT = Path(__file__).resolve().parent.parent
CONSUMPTION = Query("a", "ghg", "consumption", "region")
PRODUCTION = Query("a", "ghg", "production", "region")


@pytest.fixture()
def store(tmp_path) -> Store:
    """Two small datasets: "a" gets damaged, "b" must keep answering."""
    store = Store(tmp_path / "store")
    store.write("a", synthetic_source([2011], 3, 4, seed=1))
    store.write("b", synthetic_source([2011], 3, 4, seed=2))
    return store


def npy_offset(path: Path) -> int:
    with open(path, "rb") as f:
        assert np.lib.format.read_magic(f) == (1, 0)
        np.lib.format.read_array_header_1_0(f)
        return f.tell()


def overwrite_value(path: Path, index: int, value: float) -> None:
    """One float64 written in place, as a stray write or a bad disk block would."""
    time.sleep(0.05)  # past the file system's timestamp granularity, as any later write is
    with open(path, "r+b") as f:
        f.seek(npy_offset(path) + 8 * index)
        f.write(np.float64(value).tobytes())


def truncate(path: Path) -> None:
    os.truncate(path, npy_offset(path) + (path.stat().st_size - npy_offset(path)) // 10)


def assert_damaged(caught, name: str, file: str, problem: str) -> None:
    error = caught.value
    assert isinstance(error, DatasetDamaged) and error.field == "dataset"
    assert error.file == file and problem in error.problem
    assert str(error).startswith(f"dataset: dataset {name!r} is damaged: {file}: ")
    assert str(error).endswith(f"check it with `flask --app wsgi data verify {name}`")


def test_m_truncated_before_the_first_query_is_refused(store):
    engine = Engine(store)
    truncate(store.path("a") / "2011" / "M.npy")
    for _ in range(2):  # the second time from what the first found, without hashing again
        with pytest.raises(DatasetError) as caught:
            engine.answer(CONSUMPTION)
        assert_damaged(caught, "a", "2011/M.npy", "its header and shape need")
    assert "cut short" in caught.value.problem
    assert engine.answer(Query("b", "ghg", "consumption", "region")).total > 0
    assert engine.answer(PRODUCTION).total > 0  # production views do not read M


def test_m_replaced_by_a_smaller_array_is_refused(store):
    engine = Engine(store)
    path = store.path("a") / "2011" / "M.npy"
    np.save(path, np.load(path)[:1] / 10)
    with pytest.raises(DatasetError) as caught:
        engine.answer(CONSUMPTION)
    assert_damaged(caught, "a", "2011/M.npy", "holds (1, 12) float64, the manifest records (9, 12) float64")


def test_a_value_of_x_overwritten_in_place_is_refused_before_and_after_mapping(store):
    engine = Engine(store)
    right = engine.answer(PRODUCTION).total
    path = store.path("a") / "2011" / "x.npy"
    original = path.read_bytes()
    overwrite_value(path, 2, 1.83e18)
    with pytest.raises(DatasetError) as caught:
        engine.answer(PRODUCTION)  # the map this engine holds is of a file changed since
    assert_damaged(caught, "a", "2011/x.npy", "does not match its sha256 checksum in the manifest")
    with pytest.raises(DatasetError) as caught:
        Engine(Store(store.root)).answer(PRODUCTION)  # a process opening it afresh
    assert_damaged(caught, "a", "2011/x.npy", "sha256")
    assert Engine(store).answer(Query("b", "ghg", "production", "region")).total > 0
    time.sleep(0.05)
    with open(path, "r+b") as f:
        f.write(original)
    assert engine.answer(PRODUCTION).total == right  # mended on disk: answered again


TRUNCATED_WHILE_MAPPED = """
import json, os, sys
import numpy as np
from app.engine import Engine, Query, Store, DatasetError
engine = Engine(Store(sys.argv[1]))
query = Query("a", "ghg", "consumption", "region")
before = engine.answer(query).total
path = engine.dataset("a").path / "2011" / "M.npy"
os.truncate(path, 1000)  # M spans three pages: the last two are now past the end of the file
out = {"before": before}
try:
    out["after"] = engine.answer(query).total
except DatasetError as exc:
    out["error"] = str(exc)
out["other"] = engine.answer(Query("b", "ghg", "consumption", "region")).total
print(json.dumps(out))
"""


def test_a_file_truncated_while_mapped_is_refused_without_a_bus_error(store):
    store.delete("a")
    store.write("a", synthetic_source([2011], 6, 24, seed=1))
    assert (store.path("a") / "2011" / "M.npy").stat().st_size > 2 * 4096
    # in its own process: reading a truncated map is a SIGBUS, which would end pytest itself
    done = subprocess.run([sys.executable, "-c", TRUNCATED_WHILE_MAPPED, str(store.root)], cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (done.returncode, done.stderr)
    out = json.loads(done.stdout)
    assert "after" not in out and out["before"] > 0 and out["other"] > 0
    assert "dataset 'a' is damaged: 2011/M.npy: is " in out["error"] and "cut short" in out["error"]


def test_checksums_are_taken_once_per_process_not_per_query(store, monkeypatch):
    hashed = []
    real = manifest_module._hash_open_file
    monkeypatch.setattr(manifest_module, "_hash_open_file", lambda f: hashed.append(f.name) or real(f))
    monkeypatch.setattr(manifest_module, "_verified", {})
    engine = Engine(store)
    for perspective in ("consumption", "production"):
        for by in ("product", "region"):
            engine.answer(Query("a", "ghg", perspective, by))
    assert sorted(Path(p).name for p in hashed) == ["M.npy", "S.npy", "Y.npy", "x.npy"]
    for _ in range(50):
        engine.answer(CONSUMPTION)
        engine.answer(PRODUCTION)
    assert len(hashed) == 4
    # a damaged file is hashed once, then refused from what was found while it stays as it is
    overwrite_value(store.path("a") / "2011" / "x.npy", 0, 7.0)
    for _ in range(5):
        with pytest.raises(DatasetDamaged):
            engine.answer(PRODUCTION)
    assert len(hashed) == 5


def test_verify_names_every_damaged_file_by_its_path(store, tmp_path):
    folder = store.root / "a" / "2011"
    truncate(store.path("a") / "2011" / "M.npy")
    overwrite_value(store.path("a") / "2011" / "x.npy", 1, 3.0)
    np.save(store.path("a") / "2011" / "S.npy", np.zeros((2, 2)))
    (store.path("a") / "2011" / "Y.npy").unlink()
    problems = store.verify("a")
    assert sorted(problems) == sorted([
        f"{folder / 'M.npy'}: is {(folder / 'M.npy').stat().st_size:,} bytes, its header and shape need "
        f"{npy_offset(folder / 'M.npy') + 9 * 12 * 8:,} (cut short)",
        f"{folder / 'S.npy'}: holds (2, 2) float64, the manifest records (9, 12) float64",
        f"{folder / 'x.npy'}: does not match its sha256 checksum in the manifest (changed after it was written)",
        f"{folder / 'Y.npy'}: missing",
    ])
    assert store.verify("b") == []


def test_data_verify_exits_non_zero_naming_the_file(store):
    truncate(store.path("a") / "2011" / "M.npy")
    env = {**os.environ, "RAMASCENE_STORE_PATH": str(store.root)}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "data", "verify", "a"], env=env,
                          cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert f"{store.root / 'a' / '2011' / 'M.npy'}: is " in done.stderr and "cut short" in done.stderr
    assert "dataset 'a' failed 1 check(s)" in done.stderr


def _edit_manifest(store, name, change):
    path = store.path(name) / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    time.sleep(0.05)
    path.write_text(json.dumps(manifest))


def _region_labelled_total(manifest):
    # what an import of a region labelled TOTAL used to switch in: a leaf that is its own parent
    manifest["regions"][1]["code"] = ROOT
    manifest["region_labels"][0] = ROOT


def test_a_damaged_manifest_hides_the_dataset_and_names_the_problem(store, tmp_path):
    engine = Engine(store)
    assert engine.answer(CONSUMPTION).total > 0
    _edit_manifest(store, "a", _region_labelled_total)
    assert store.names() == ["b"]
    assert list(store.damaged()) == ["a"] and "manifest.json: region label 'TOTAL'" in store.damaged()["a"]
    with pytest.raises(DatasetError) as caught:
        engine.answer(CONSUMPTION)  # the engine notices the manifest changed on disk
    assert_damaged(caught, "a", "manifest.json", "region label 'TOTAL' (number 1) is the code of the root")
    assert store.verify("a") == [f"{store.root / 'a' / 'manifest.json'}: region label 'TOTAL' (number 1) is "
                                 "the code of the root of every tree; rename it"]
    # not replaced in place: it has to go first, then a new one can be written
    with pytest.raises(DatasetError) as caught:
        store.write("a", synthetic_source([2012], 3, 4, seed=1))
    assert "dataset 'a' is damaged (manifest.json: " in caught.value.message
    assert "delete it with `flask --app wsgi data delete a` before writing it again" in caught.value.message
    store.delete("a")
    store.write("a", synthetic_source([2012], 3, 4, seed=1))
    assert store.names() == ["a", "b"] and engine.answer(CONSUMPTION).total > 0


@pytest.mark.parametrize("change", [
    lambda m: m.update(format=99),
    lambda m: m["years"]["2011"]["arrays"].pop("M"),
    lambda m: m["years"]["2011"]["arrays"]["M"].update(shape=[1, 12]),
    lambda m: m["products"].append({"code": "x", "name": "X", "parent": "nowhere", "leaf": 4}),
    lambda m: m["indicators"].append(m["indicators"][0]),
    lambda m: m.update(years={}),
])
def test_other_manifest_damage_is_refused_at_opening(store, change):
    _edit_manifest(store, "a", change)
    assert store.names() == ["b"] and list(store.damaged()) == ["a"]
    with pytest.raises(DatasetDamaged):
        store.open("a")
    (store.path("a") / "manifest.json").write_text("{ not json")
    assert "manifest.json: cannot be read" in store.damaged()["a"]


def test_data_list_and_show_report_damage_and_go_on(store, tmp_path):
    truncate(store.path("b") / "2011" / "Y.npy")
    _edit_manifest(store, "a", _region_labelled_total)
    env = {**os.environ, "RAMASCENE_STORE_PATH": str(store.root)}

    def flask(*args):
        return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], env=env, cwd=PROJECT,
                              capture_output=True, text=True, timeout=60)
    listed = flask("data", "list")
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert lines[0].startswith("a: DAMAGED: dataset 'a' is damaged: manifest.json: region label 'TOTAL'")
    assert lines[1].startswith("b: years 2011; 3 regions x 4 products")
    assert lines[2].startswith("  DAMAGED: 2011/Y.npy: is ") and "data verify b" in lines[2]
    shown = flask("data", "show", "b")
    assert shown.returncode == 0 and "warning: dataset 'b' is damaged: 2011/Y.npy" in shown.stderr
    refused = flask("data", "show", "a")
    assert refused.returncode == 1 and "dataset 'a' is damaged: manifest.json" in refused.stderr


def test_the_web_app_keeps_serving_the_healthy_datasets(store, tmp_path):
    store.write("c", synthetic_source([2011], 3, 4, seed=3))
    truncate(store.path("a") / "2011" / "M.npy")
    _edit_manifest(store, "c", _region_labelled_total)
    app = make_app(store.root, tmp_path)
    client = app.test_client()
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<option value="a"' in html and '<option value="b"' in html and '<option value="c"' not in html
    assert [d["name"] for d in client.get("/api/v1/datasets").get_json()] == ["a", "b"]

    def run(dataset):
        body = {"dataset": dataset, "indicator": "ghg", "perspective": "consumption", "by": "region"}
        created = client.post("/api/v1/analyses", json=body)
        return created.status_code, created.get_json()
    status, created = run("a")
    job = client.get(created["url"]).get_json()
    assert job["status"] == "failed" and job["result"] is None
    assert job["error"].startswith("dataset: dataset 'a' is damaged: 2011/M.npy: is ")
    status, created = run("b")
    assert client.get(created["url"]).get_json()["status"] == "done"
    status, body = run("c")
    assert status == 422 and body["field"] == "dataset" and "manifest.json" in body["error"]


def test_a_write_that_would_keep_a_damaged_year_switches_nothing_in(store):
    before = store.path("a")
    overwrite_value(before / "2011" / "x.npy", 0, 5.0)
    with pytest.raises(DatasetError) as caught:
        store.write("a", synthetic_source([2012], 3, 4, seed=1))
    assert "fails its checks, so it was not switched in: 2011/x.npy: does not match its sha256" in caught.value.message
    assert store.path("a") == before and store.open("a").years == [2011]
    assert sorted(p.name.split(".")[0] for p in (store.root / ".versions").iterdir()) == ["a", "b"]


def test_a_version_failing_its_identities_is_not_switched_in(store, monkeypatch):
    real = store_module.compile_year

    def wrong_multipliers(src, folder, *args, **kwargs):
        arrays = real(src, folder, *args, **kwargs)
        M = np.load(folder / "M.npy") * 1.1  # written whole, with its checksum, but not S L
        arrays["M"] = compiling_module._save(folder, "M", M)
        return arrays
    monkeypatch.setattr(store_module, "compile_year", wrong_multipliers)
    before = store.open("a").manifest
    with pytest.raises(DatasetError) as caught:
        store.write("a", synthetic_source([2011], 3, 4, seed=7))
    assert "2011/M.npy, S.npy, L.npy: M = S L fails (relative error 0.1)" in caught.value.message
    assert store.open("a").manifest == before and store.verify("a") == []
    assert len(list((store.root / ".versions").iterdir())) == 2


def test_a_dangling_link_is_listed_and_can_be_deleted(store):
    target = store.path("a")
    import shutil
    shutil.rmtree(target)
    assert store.names() == ["b"] and "version folder is missing" in store.damaged()["a"]
    assert "version folder is missing" in store.verify("a")[0]
    with pytest.raises(EngineError) as caught:
        Engine(store).answer(CONSUMPTION)
    assert "no dataset named 'a' (available: b)" in caught.value.message
    store.delete("a")
    assert store.damaged() == {} and store.names() == ["b"]


def test_data_verify_hashes_even_what_this_process_has_hashed(store):
    engine = Engine(store)
    right = engine.answer(PRODUCTION).total
    path = store.path("a") / "2011" / "x.npy"
    stat = path.stat()
    overwrite_value(path, 0, 9.0)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # a change that leaves no trace in the stat
    # queries trust the unchanged stat (a checksum per query would cost milliseconds to seconds) ...
    assert engine.answer(PRODUCTION).total != right
    # ... the full check does not
    assert store.verify("a") == [f"{store.root / 'a' / '2011' / 'x.npy'}: does not match its sha256 checksum "
                                 "in the manifest (changed after it was written)"]
