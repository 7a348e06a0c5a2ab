"""The four classic views with direct emissions of final demand (on by default): exactly as the
origin -> destination queries place them, equal to pymrio's D_cba_reg / D_pba_reg, unchanged under scenarios."""

import numpy as np
import pytest

from app.engine import Query, QueryError
from app.engine.flows import DIRECT, answer_flows, flow_query

from .test_flows import CLASSIC, VIEWS, fy_engine, pymrio_test  # noqa: F401 (fixtures)

SCENARIO = [{"product": "food", "origin": "reg1", "consumer": "FD", "consumer_region": "reg2", "change_pct": -20},
            {"product": "mining", "origin": "reg3", "consumer": "electricity", "consumer_region": "reg3",
             "change_pct": 30}]
FY_SELECTIONS = [(["TOTAL"], ["TOTAL"]), (["A", "C", "p01.a"], ["Europe", "JP"]),
                 (["TOTAL", "D"], ["AT", "FR", "Asia"])]


@pytest.mark.parametrize("name", ["demo", "small", "fy"])
def test_classic_views_equal_the_flow_queries_with_direct_emissions(engine, fy_engine, name):  # noqa: F811
    eng, (indicator, selections) = (fy_engine, ("ghg", FY_SELECTIONS)) if name == "fy" else (engine, CLASSIC[name])
    has_fy = eng.dataset(name).has_array(eng.dataset(name).years[-1], "F_Y")
    seen_direct = False
    for perspective, by in VIEWS:
        for products, regions in selections:
            query = Query(dataset=name, indicator=indicator, perspective=perspective, by=by,
                          products=tuple(products), regions=tuple(regions))
            got = eng.answer(query)
            want = answer_flows(eng, flow_query(query, direct=True))
            assert got.direct == want.direct and got.to_dict()["direct"] == want.direct
            seen_direct |= got.direct
            assert [r.code for r in got.rows] == [r.code for r in want.rows]
            assert got.total == pytest.approx(want.total, rel=1e-9)
            assert [r.value for r in got.rows] == pytest.approx([r.value for r in want.rows], rel=1e-9)
            off = eng.answer(Query(**{**vars(query), "direct": False}))
            assert not off.direct and DIRECT not in [r.code for r in off.rows]
            if got.direct and by == "product":
                assert got.rows[-1].code == DIRECT and got.rows[-1].value > 0
                assert got.total == pytest.approx(off.total + got.rows[-1].value, rel=1e-12)
    assert seen_direct == has_fy  # demo and fy have F_Y, the plain synthetic set has none


@pytest.mark.parametrize("indicator, label", [("emission_type1_air", ("emission_type1", "air")),
                                              ("emission_type2_water", ("emission_type2", "water"))])
def test_classic_by_region_equals_pymrio_reg_accounts(engine, pymrio_test, indicator, label):  # noqa: F811
    regions = tuple(engine.dataset("demo").regions.leaf_codes())
    ext = pymrio_test.emissions
    for perspective, table in (("consumption", ext.D_cba_reg), ("production", ext.D_pba_reg)):
        result = engine.answer(Query(dataset="demo", indicator=indicator, perspective=perspective, by="region",
                                     regions=regions))
        assert result.direct
        want = table.loc[label].reindex(list(regions)).to_numpy()
        assert [r.value for r in result.rows] == pytest.approx(want, rel=1e-9)
        assert result.total == pytest.approx(want.sum(), rel=1e-9)


def test_under_a_scenario_the_direct_part_is_added_unchanged(engine):
    dataset = engine.dataset("demo")
    f_y = np.array(dataset.array(2011, "F_Y"))[dataset.indicator_row["emission_type1_air"]]
    base = {"dataset": "demo", "indicator": "emission_type1_air", "interventions": SCENARIO}
    for perspective, by in VIEWS:
        regions = ["reg2", "reg4"]
        with_direct = engine.answer(Query.from_dict({**base, "perspective": perspective, "by": by,
                                                     "regions": regions if by == "product" else regions + ["TOTAL"]}))
        without = engine.answer(Query.from_dict({**base, "perspective": perspective, "by": by, "direct": False,
                                                 "regions": regions if by == "product" else regions + ["TOTAL"]}))
        data = with_direct.to_dict()
        assert data["direct"] is True and data["direct_unchanged"] is True
        assert "direct_unchanged" not in without.to_dict() and without.to_dict()["direct"] is False
        if by == "product":
            added = f_y[[1, 3]].sum()
            assert with_direct.rows[-1].code == DIRECT and with_direct.rows[-1].value == pytest.approx(added)
            assert data["baseline"]["rows"][-1]["value"] == pytest.approx(added)
            pairs = zip(with_direct.rows[:-1], without.rows)
            assert all(a.value == b.value for a, b in pairs)
        else:
            want = [f_y[1], f_y[3], f_y.sum()]
            assert [a.value - b.value for a, b in zip(with_direct.rows, without.rows)] == pytest.approx(want)
            assert with_direct.baseline.total - without.baseline.total == pytest.approx(f_y.sum())
        assert with_direct.total - without.total == pytest.approx(added if by == "product" else f_y.sum())
        assert with_direct.solver["method"] == without.solver["method"]


def test_direct_is_read_and_written_as_a_boolean(engine):
    base = {"dataset": "demo", "indicator": "x", "perspective": "production", "by": "region"}
    assert Query.from_dict(base).direct is True
    assert Query.from_dict({**base, "direct": False}).to_dict()["direct"] is False
    for bad in ("false", 0, None, [True]):
        with pytest.raises(QueryError) as caught:
            Query.from_dict({**base, "direct": bad})
        assert caught.value.field == "direct"


def test_with_direct_emissions_the_leaves_and_the_direct_row_sum_to_the_total(engine):
    for perspective, by in VIEWS:
        tree = engine.dataset("demo").products if by == "product" else engine.dataset("demo").regions
        whole = engine.answer(Query("demo", "emission_type1_air", perspective, by))
        parts = engine.answer(Query("demo", "emission_type1_air", perspective, by,
                                    **{"products" if by == "product" else "regions": tuple(tree.leaf_codes())}))
        assert whole.direct and parts.direct
        assert sum(r.value for r in parts.rows) == pytest.approx(whole.total, rel=1e-12)
        assert sum(r.value for r in whole.rows) == pytest.approx(whole.total, rel=1e-12)
