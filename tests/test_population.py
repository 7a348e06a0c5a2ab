"""Population tables: strict CSV checks naming the line, stored by an atomic switch, nothing written on error."""

import os

import pytest

from app.engine import DatasetError, Engine, QueryError, Store
from app.engine.flows import FlowQuery, answer_flows
from app.engine.population import read_population, set_population
from app.engine.sources import demo_source


@pytest.fixture()
def store(tmp_path):
    store = Store(tmp_path / "store")
    source = demo_source()
    source.population = None
    store.write("demo", source)
    return store


GOOD = "region,year,population\n" + "".join(f"reg{i},2011,{i * 1e6}\n" for i in range(1, 7))


def test_demo_has_pymrios_test_population(engine):
    import pymrio

    want = pymrio.load_test().population.iloc[0].reindex(engine.dataset("demo").regions.leaf_codes())
    assert list(engine.dataset("demo").population(2011)) == list(want)
    assert (engine.dataset("small").population(2012) > 0).all()


def test_a_population_file_is_stored_in_a_new_version(store, tmp_path):
    engine = Engine(store)
    query = FlowQuery(dataset="demo", indicator="emission_type1_air", by=("consumer-region",),
                      consumer_regions=("reg2",), per="capita")
    with pytest.raises(QueryError, match="data population demo") as caught:
        answer_flows(engine, query)
    assert caught.value.field == "per"
    old = store.path("demo")
    path = tmp_path / "pop.csv"
    path.write_text(GOOD)
    set_population(store, "demo", path)
    assert store.path("demo") != old and not old.exists()
    assert list(store.open("demo").population(2011)) == [i * 1e6 for i in range(1, 7)]
    assert store.verify("demo") == []
    plain = answer_flows(engine, FlowQuery(dataset="demo", indicator="emission_type1_air", by=("consumer-region",),
                                           consumer_regions=("reg2",)))
    assert answer_flows(engine, query).rows[0].value == pytest.approx(plain.rows[0].value / 2e6, rel=1e-12)


@pytest.mark.parametrize("text, message", [
    ("region,year,people\nreg1,2011,5\n", "line 1"),
    (GOOD + "reg9,2011,5\n", "line 8: unknown region 'reg9'"),
    (GOOD.replace("reg2,2011,2000000.0", "reg2,2011,-5"), "line 3: .* above zero"),
    (GOOD.replace("reg2,2011,2000000.0", "reg2,2011,"), "line 3: .* missing"),
    (GOOD.replace("reg2,2011,2000000.0", "reg2,2011,many"), "line 3: .* not a number"),
    (GOOD + "reg3,2011,7\n", r"line 8: reg3 2011 is given twice \(first on line 4\)"),
    (GOOD.replace("reg6,2011,6000000.0\n", ""), "no population for reg6"),
    (GOOD + "reg1,1999,5\n", "line 8: .* no year 1999"),
])
def test_bad_population_files_name_the_line_and_write_nothing(store, tmp_path, text, message):
    path = tmp_path / "pop.csv"
    path.write_text(text)
    before = (store.path("demo"), sorted(os.listdir(store.root / ".versions")))
    with pytest.raises(DatasetError, match=message):
        set_population(store, "demo", path)
    assert (store.path("demo"), sorted(os.listdir(store.root / ".versions"))) == before
    assert store.open("demo").population(2011) is None


def test_read_population_needs_a_dataset_year(store):
    table = read_population(GOOD, store.open("demo"))
    assert list(table) == [2011]


def test_the_cli_sets_a_population_and_refuses_a_bad_file(runner, app, tmp_path):
    assert runner.invoke(args=["data", "demo"]).exit_code == 0
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD)
    bad.write_text(GOOD + "reg1,2011,-1\n")
    result = runner.invoke(args=["data", "population", "demo", str(bad)])
    assert result.exit_code != 0 and "line 8" in result.output + (result.stderr if hasattr(result, "stderr") else "")
    result = runner.invoke(args=["data", "population", "demo", str(good)])
    assert result.exit_code == 0, result.output
    store = Store(app.config["STORE_PATH"])
    assert list(store.open("demo").population(2011)) == [i * 1e6 for i in range(1, 7)]
