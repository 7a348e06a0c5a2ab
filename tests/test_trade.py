"""Embodied trade: consumption - production = imports - exports for every region node, and the parts add up."""

import pytest

from app.engine import QueryError
from app.engine.flows import FIELDS, FlowQuery, answer_flows
from app.engine.trade import embodied_trade, trade_dict


@pytest.mark.parametrize("name, indicator", [("demo", "emission_type1_air"), ("small", "ghg")])
@pytest.mark.parametrize("direct", [True, False])
def test_balance_holds_for_every_region_node(engine, name, indicator, direct):
    dataset = engine.dataset(name)
    nodes = tuple(dataset.regions.nodes)
    query, rows = embodied_trade(engine, name, indicator, nodes, direct=direct)
    assert [r.code for r in rows] == list(nodes)
    for r in rows:
        scale = max(abs(r.consumption), abs(r.production))
        assert abs((r.consumption - r.production) - (r.imports - r.exports)) <= 1e-9 * scale
        assert r.balance == pytest.approx(r.imports - r.exports, rel=1e-12, abs=1e-9 * scale)
        assert r.consumption == pytest.approx(r.domestic + r.imports, rel=1e-12)
        assert r.production == pytest.approx(r.domestic + r.exports, rel=1e-12)
        assert min(r.imports, r.exports, r.domestic) >= 0
    world = next(r for r in rows if r.code == "TOTAL")
    assert world.imports == world.exports == 0
    assert trade_dict(query, rows, "kg")["regions"][0]["code"] == nodes[0]


def test_trade_agrees_with_the_flow_queries(engine):
    """Consumption and production of each region equal the footprint and territorial views (with F_Y)."""
    regions = tuple(engine.dataset("demo").regions.leaf_codes())
    _, rows = embodied_trade(engine, "demo", "emission_type1_air", regions)
    for axis, attribute in (("consumer-region", "consumption"), ("origin-region", "production")):
        result = answer_flows(engine, FlowQuery(dataset="demo", indicator="emission_type1_air", by=(axis,),
                                                **{FIELDS[axis]: regions}))
        assert [r.value for r in result.rows] == pytest.approx([getattr(t, attribute) for t in rows], rel=1e-9)


def test_trade_refuses_product_codes(engine):
    with pytest.raises(QueryError) as caught:
        embodied_trade(engine, "demo", "emission_type1_air", ("food",))
    assert caught.value.field == "origin_regions"
