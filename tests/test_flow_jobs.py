"""Origin -> destination queries through the job pipeline: stored as resolved, answered by the worker."""

import numpy as np
import pytest

from app import jobs
from app.engine import FlowQuery, Query, QueryError
from app.extensions import db
from app.models import Job

INDICATOR = "emission_type1_air"


def dense(dataset, year):
    """s_i L_ij Y_jc for the demo's indicator: n x consumer regions, and F_Y per region."""
    row = dataset.indicator_row[INDICATOR]
    s, L, Y = (np.array(dataset.array(year, k)) for k in ("S", "L", "Y"))
    return s[row][:, None] * (L @ Y), np.array(dataset.array(year, "F_Y"))[row]


def submitted(app, query):
    with app.test_request_context():
        job = jobs.submit("owner-a", query)
        return db.session.get(Job, job.id).to_api() | {"kind": job.kind}


def test_a_matrix_job_is_stored_resolved_and_answered(shared_app, engine):
    dataset = engine.dataset("demo")
    query = FlowQuery(dataset="demo", indicator=INDICATOR, by=("origin-region", "consumer-region"),
                      origin_regions=("reg1", "reg2", "TOTAL"), consumer_regions=("reg3", "reg1"))
    job = submitted(shared_app, query)
    assert job["status"] == "done" and job["kind"] == "analysis"
    assert job["query"] == {**query.to_dict(), "year": 2011} and "perspective" not in job["query"]
    F, f_y = dense(dataset, 2011)
    R = dataset.regions.size
    by_region = F.reshape(R, -1, R).sum(axis=1) + np.diag(f_y)  # origin region x consumer region
    rows = [[0], [1], list(range(R))]
    cols = [[2], [0]]
    want = [[by_region[np.ix_(r, c)].sum() for c in cols] for r in rows]
    result = job["result"]
    assert result["direct"] is True and result["per"] is None
    np.testing.assert_allclose(result["matrix"]["values"], want, rtol=1e-9)
    assert [h["code"] for h in result["matrix"]["rows"]] == ["reg1", "reg2", "TOTAL"]
    assert [h["code"] for h in result["matrix"]["columns"]] == ["reg3", "reg1"]
    assert result["total"] == pytest.approx(by_region[:, [0, 2]].sum(), rel=1e-9)
    assert result["unit"] == dataset.indicators[dataset.indicator_row[INDICATOR]]["unit"]


def test_a_one_axis_job_without_direct_emissions(shared_app, engine):
    dataset = engine.dataset("demo")
    query = FlowQuery(dataset="demo", indicator=INDICATOR, by=("final-product",), year=2011,
                      final_products=("food", "TOTAL"), consumer_regions=("reg2",), direct=False)
    result = submitted(shared_app, query)["result"]
    F, _ = dense(dataset, 2011)
    P = dataset.products.size
    L, Y, s = (np.array(dataset.array(2011, k)) for k in ("L", "Y", "S"))
    contrib = s[dataset.indicator_row[INDICATOR]] @ L * Y[:, 1]  # per final cell j, consumer reg2
    by_final = contrib.reshape(-1, P).sum(axis=0)
    food = dataset.products["food"].leaves
    assert [r["code"] for r in result["rows"]] == ["food", "TOTAL"] and result["direct"] is False
    assert [r["value"] for r in result["rows"]] == pytest.approx([by_final[food].sum(), by_final.sum()], rel=1e-9)
    assert result["total"] == pytest.approx(F[:, 1].sum(), rel=1e-9)


def test_a_bad_flow_query_writes_nothing(shared_app):
    bad = FlowQuery(dataset="demo", indicator=INDICATOR, by=("origin-region",), origin_regions=("food",))
    with shared_app.test_request_context():
        with pytest.raises(QueryError) as caught:
            jobs.submit("owner-a", bad)
        assert caught.value.field == "origin_regions"
        assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0


def test_a_flow_job_whose_dataset_went_away_fails_readably(tmp_path):
    from app.engine import Store
    from app.engine.synth import synthetic_source

    from .conftest import make_app

    store = Store(tmp_path / "store")
    store.write("mine", synthetic_source([2011], 3, 4))
    app = make_app(store.root, tmp_path, HUEY_IMMEDIATE=False)
    with app.test_request_context():
        job = jobs.submit("owner-a", FlowQuery(dataset="mine", indicator="co2", by=("consumer-region",)))
        job_id = job.id
    store.delete("mine")
    huey = app.extensions["queues"]["analysis"]
    huey.execute(huey.dequeue())
    with app.app_context():
        row = db.session.get(Job, job_id)
        assert row.status == "failed" and "no dataset named 'mine'" in row.error


def test_classic_jobs_still_run(shared_app):
    job = submitted(shared_app, Query(dataset="demo", indicator=INDICATOR, perspective="production", by="region"))
    assert job["status"] == "done" and job["query"]["perspective"] == "production"
    assert job["result"]["rows"][0]["code"] == "TOTAL"
