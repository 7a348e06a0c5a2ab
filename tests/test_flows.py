"""Origin -> destination queries equal a dense computation of s_i L_ij Y_jc (plus F_Y), and the classic views."""

import itertools
import json
from dataclasses import replace

import numpy as np
import pymrio
import pytest

from app.engine import Engine, Query, QueryError, Store
from app.engine.flowmath import AXES
from app.engine.flows import DIRECT, FIELDS, FlowQuery, answer_flows, flow_query
from app.engine.synth import synthetic_source

from .conftest import SMALL_SYNTH, engine_of

VIEWS = [("consumption", "product"), ("consumption", "region"), ("production", "region"),
         ("production", "product")]
CLASSIC = {
    "demo": ("emission_type1_air", [(["TOTAL"], ["TOTAL"]), (["food", "TOTAL", "electricity"], ["reg2"]),
                                    (["construction"], ["reg1", "reg4", "TOTAL"]),
                                    (["mining", "trade", "other"], ["reg6", "reg3"])]),
    "small": ("ghg", [(["TOTAL"], ["TOTAL"]), (["A", "C", "p01.a"], ["Europe", "JP"]),
                      (["TOTAL", "D"], ["AT", "FR", "MT", "CH", "JP", "WM"])]),
}


@pytest.fixture(scope="module")
def fy_engine(tmp_path_factory):
    """The small synthetic set with direct final-demand emissions F_Y added."""
    source = synthetic_source(**SMALL_SYNTH)
    rng = np.random.default_rng(5)

    def with_fy(year):
        year.F_Y = rng.lognormal(10, 1, (len(source.indicators), len(source.regions)))

    return engine_of(tmp_path_factory, "fy", source, with_fy)


def dense_tensor(dataset, year, indicator):
    """F summed over the final good's producing region: [origin region, origin product, consumer region,
    final product], with one more product slot (last) holding F_Y at [c, direct, c, direct]."""
    row = dataset.indicator_row[indicator]
    s, L, Y = (np.array(dataset.array(year, k)) for k in ("S", "L", "Y"))
    s = s[row]
    R, P = dataset.regions.size, dataset.products.size
    F = s[:, None, None] * L[:, :, None] * Y[None, :, :]  # i, j, c
    F = F.reshape(R, P, R, P, R).sum(axis=2)  # origin r, origin p, final p, consumer c
    tensor = np.zeros((R, P + 1, R, P + 1))
    tensor[:, :P, :, :P] = F.transpose(0, 1, 3, 2)
    if dataset.has_array(year, "F_Y"):
        f_y = np.array(dataset.array(year, "F_Y"))[row]
        tensor[np.arange(R), P, np.arange(R), P] = f_y
    return tensor


def reference(dataset, tensor, query: FlowQuery):
    """(rows or matrix, total) summed from the dense tensor by the query's rules."""
    trees = {a: dataset.regions if "region" in a else dataset.products for a in AXES}
    with_direct = query.direct and dataset.has_array(query.year, "F_Y") and all(
        a in query.by or "TOTAL" in getattr(query, FIELDS[a]) for a in ("origin-product", "final-product"))

    def leaves(axis, codes, direct_slot):
        idx = list(trees[axis].union(codes))
        return idx + [dataset.products.size] if direct_slot else idx

    def index(axis, entry):
        """entry: a code, "union" or DIRECT along a broken-down axis; None: the axis's filter."""
        codes = getattr(query, FIELDS[axis])
        product = "product" in axis
        if entry is None:
            return leaves(axis, codes, product and with_direct)
        if entry == DIRECT:
            return [dataset.products.size]
        if entry == "union":
            return leaves(axis, codes, product and with_direct)
        return leaves(axis, [entry], False)

    def value(entries):
        sub = tensor
        for k, axis in enumerate(AXES):
            idx = index(axis, entries.get(axis))
            sub = np.take(sub, idx, axis=k)
        return sub.sum()

    def entries_of(axis):
        codes = list(getattr(query, FIELDS[axis]))
        return codes + [DIRECT] if "product" in axis and with_direct else codes

    total = value({a: "union" for a in query.by})
    if len(query.by) == 1:
        return [value({query.by[0]: e}) for e in entries_of(query.by[0])], total, with_direct
    a, b = query.by
    return [[value({a: x, b: y}) for y in entries_of(b)] for x in entries_of(a)], total, with_direct


SELECTIONS = {
    "demo": {"region": [["TOTAL"], ["reg1", "reg3"], ["reg2", "TOTAL", "reg5"]],
             "product": [["TOTAL"], ["food", "mining"], ["construction", "TOTAL"]]},
    "fy": {"region": [["TOTAL"], ["Europe", "JP"], ["AT", "Asia", "TOTAL"]],
           "product": [["TOTAL"], ["A", "p01.a", "D"], ["C"]]},
}


def queries(name, indicator, year):
    """Every single axis and pair, with filters drawn from the selections, direct on and off."""
    rng = np.random.default_rng(11)
    sel = SELECTIONS[name]
    for by in [(a,) for a in AXES] + list(itertools.permutations(AXES, 2)):
        for k in range(4):
            fields = {FIELDS[a]: tuple(sel["region" if "region" in a else "product"][rng.integers(3)])
                      for a in AXES}
            yield FlowQuery(dataset=name, indicator=indicator, by=by, year=year, direct=k % 2 == 0, **fields)


@pytest.mark.parametrize("name, indicator", [("demo", "emission_type1_air"), ("fy", "ghg")])
def test_every_axis_and_matrix_equals_the_dense_computation(engine, fy_engine, name, indicator):
    eng = engine if name == "demo" else fy_engine
    dataset = eng.dataset(name)
    year = dataset.years[-1]
    tensor = dense_tensor(dataset, year, indicator)
    for query in queries(name, indicator, year):
        result = answer_flows(eng, query)
        want, want_total, with_direct = reference(dataset, tensor, query)
        assert result.direct == with_direct
        assert result.total == pytest.approx(want_total, rel=1e-9), query
        if len(query.by) == 1:
            assert [r.value for r in result.rows] == pytest.approx(want, rel=1e-9), query
        else:
            got = np.array(result.matrix["values"])
            assert got.shape == np.array(want).shape
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * abs(want_total), err_msg=str(query))


@pytest.mark.parametrize("name", ["demo", "small"])
def test_classic_views_are_special_cases_without_direct_emissions(engine, name):
    indicator, selections = CLASSIC[name]
    for perspective, by in VIEWS:
        for products, regions in selections:
            query = Query(dataset=name, indicator=indicator, perspective=perspective, by=by,
                          products=tuple(products), regions=tuple(regions), direct=False)
            want = engine.answer(query)
            got = answer_flows(engine, flow_query(query))
            assert not got.direct
            assert [r.code for r in got.rows] == [r.code for r in want.rows]
            assert got.total == pytest.approx(want.total, rel=1e-12)
            assert [r.value for r in got.rows] == pytest.approx([r.value for r in want.rows], rel=1e-12)


@pytest.fixture(scope="module")
def pymrio_test():
    io = pymrio.load_test()
    io.calc_all()
    return io


@pytest.mark.parametrize("indicator, label", [("emission_type1_air", ("emission_type1", "air")),
                                              ("emission_type2_water", ("emission_type2", "water"))])
def test_by_region_with_direct_emissions_equals_pymrio(engine, pymrio_test, indicator, label):
    regions = tuple(engine.dataset("demo").regions.leaf_codes())
    ext = pymrio_test.emissions
    for axis, table in (("consumer-region", ext.D_cba_reg), ("origin-region", ext.D_pba_reg)):
        result = answer_flows(engine, FlowQuery(dataset="demo", indicator=indicator, by=(axis,),
                                                **{FIELDS[axis]: regions}))
        assert result.direct
        want = table.loc[label].reindex(list(regions)).to_numpy()
        assert [r.value for r in result.rows] == pytest.approx(want, rel=1e-9)
    per_capita = answer_flows(engine, FlowQuery(dataset="demo", indicator=indicator, by=("consumer-region",),
                                                consumer_regions=regions, per="capita"))
    want = ext.D_cba_cap.loc[label].reindex(list(regions)).to_numpy()
    assert [r.value for r in per_capita.rows] == pytest.approx(want, rel=1e-9)
    assert per_capita.unit.endswith("per person")


def test_totals_are_sums_of_leaves(engine, fy_engine):
    for eng, name, indicator in ((engine, "demo", "emission_type1_air"), (fy_engine, "fy", "ghg")):
        dataset = eng.dataset(name)
        leaves = {a: tuple((dataset.regions if "region" in a else dataset.products).leaf_codes()) for a in AXES}
        for axis in AXES:
            result = answer_flows(eng, FlowQuery(dataset=name, indicator=indicator, by=(axis,),
                                                 **{FIELDS[axis]: leaves[axis]}))
            assert sum(r.value for r in result.rows) == pytest.approx(result.total, rel=1e-12)
            everything = answer_flows(eng, FlowQuery(dataset=name, indicator=indicator, by=(axis,)))
            assert everything.total == pytest.approx(result.total, rel=1e-12)
        matrix = answer_flows(eng, FlowQuery(dataset=name, indicator=indicator,
                                             by=("origin-region", "consumer-region"),
                                             origin_regions=leaves["origin-region"],
                                             consumer_regions=leaves["consumer-region"]))
        assert np.sum(matrix.matrix["values"]) == pytest.approx(matrix.total, rel=1e-12)


def test_per_value_added_divides_by_the_regions_value_added(engine):
    dataset = engine.dataset("demo")
    regions = tuple(dataset.regions.leaf_codes())
    plain = answer_flows(engine, FlowQuery(dataset="demo", indicator="emission_type1_air",
                                           by=("origin-region",), origin_regions=regions))
    va = answer_flows(engine, FlowQuery(dataset="demo", indicator="value_added", by=("origin-region",),
                                        origin_regions=regions, direct=False))
    per = answer_flows(engine, FlowQuery(dataset="demo", indicator="emission_type1_air", by=("origin-region",),
                                         origin_regions=regions, per="value-added"))
    assert [r.value for r in per.rows] == pytest.approx([a.value / b.value for a, b in zip(plain.rows, va.rows)],
                                                        rel=1e-9)
    assert "value added" in per.unit


def test_bad_input_names_the_field(engine):
    base = {"dataset": "demo", "indicator": "emission_type1_air", "by": ["origin-region"]}
    bad = [({"by": ["origin-country"]}, "by"), ({"by": ["origin-region"] * 3}, "by"),
           ({"by": ["origin-region", "origin-region"]}, "by"),
           ({"by": ["origin-region", "final-product", "consumer-region"]}, "by"),
           ({"origin_regions": ["food"]}, "origin_regions"), ({"final_products": ["reg1"]}, "final_products"),
           ({"consumer_regions": ["reg1", "reg1"]}, "consumer_regions"), ({"per": "hectare"}, "per"),
           ({"direct": "yes"}, "direct"), ({"destination": ["reg1"]}, "destination"), ({"by": []}, "by")]
    for change, field in bad:
        with pytest.raises(QueryError) as caught:
            answer_flows(engine, FlowQuery.from_dict({**base, **change}))
        assert caught.value.field == field, change
    with pytest.raises(QueryError, match="is a product"):
        answer_flows(engine, FlowQuery.from_dict({**base, "origin_regions": ["food"]}))


def test_query_round_trips_through_json():
    query = FlowQuery(dataset="demo", indicator="x", by=("origin-region", "final-product"),
                      origin_regions=("reg1",), per="capita", direct=False)
    assert FlowQuery.from_dict(json.loads(json.dumps(query.to_dict()))) == replace(query)


def test_stores_without_l_y_compute_it_in_memory(engine, tmp_path):
    """An old store (no LY in its manifest) answers the same, and writes nothing."""
    import shutil

    dataset = engine.dataset("small")
    copy = tmp_path / "store"
    shutil.copytree(engine.store.root, copy, symlinks=True)
    old = Engine(Store(copy))
    manifest_path = old.store.path("small") / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for year in manifest["years"].values():
        del year["arrays"]["LY"]
    manifest_path.write_text(json.dumps(manifest))
    before = sorted(p.name for p in old.store.path("small").rglob("*"))
    regions = tuple(dataset.regions.leaf_codes())
    for by in (("origin-region",), ("origin-region", "consumer-region")):
        query = FlowQuery(dataset="small", indicator="ghg", by=by, consumer_regions=regions, origin_regions=regions)
        a, b = answer_flows(engine, query), answer_flows(old, query)
        assert b.total == pytest.approx(a.total, rel=1e-12)
        if a.matrix is None:
            assert [r.value for r in b.rows] == pytest.approx([r.value for r in a.rows], rel=1e-12)
        else:
            np.testing.assert_allclose(b.matrix["values"], a.matrix["values"], rtol=1e-12)
    assert sorted(p.name for p in old.store.path("small").rglob("*")) == before
    assert not old.dataset("small").problems(checksums=False)
    share = dataset.path.joinpath("2011", "LY.npy").stat().st_size / sum(
        p.stat().st_size for p in dataset.path.joinpath("2011").iterdir())
    assert share <= 0.05
