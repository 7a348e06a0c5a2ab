"""The API and its OpenAPI document agree: a bounded, seeded schemathesis run against the app in-process.

What runs: schemathesis' engine (what `st run` runs) on /api/v1/openapi.json through the WSGI app, on
every operation but the document's own (schemathesis leaves out the path it loaded the document from),
every phase (examples, coverage, fuzzing, stateful: POST -> GET/DELETE of the new id), valid and invalid data
(generation mode "all"), at most MAX_EXAMPLES examples per operation in the fuzzing phase and as many
scenarios in the stateful phase (the coverage phase adds its boundary cases), a fixed seed and
derandomised generation, and every check schemathesis has: not_a_server_error,
status_code_conformance, content_type_conformance, response_headers_conformance,
response_schema_conformance, positive_data_acceptance, negative_data_rejection, use_after_free,
ensure_resource_availability, missing_required_header, ignored_auth, object_level_authorization,
unsupported_method, allow_header_conformance and max_response_time (30 s, far above anything here).
No check is excluded.

Configured, not hidden:
- positive_data_acceptance expects 2xx, 404 or 422. A body can be valid under the schema and still
  name a dataset, year, indicator or code that the dataset lacks; the document says so (422). So that
  this cannot hide a schema that is looser than the code, every such 422 is checked here as well: the
  engine's own check (parse_query) accepts the body, and the field named is one that only the
  dataset can decide. 404: a well-formed id or dataset name that does not exist. 409 as well, for one
  operation only (checked below): a share link asked for an analysis that has not finished, or failed
  (a query the schema takes can still fail when it runs, e.g. a series over years the dataset lacks).
- negative_data_rejection expects exactly the documented error statuses 400, 404, 405, 413, 415, 422.
- The test app raises the submission rate limits (60 a minute per session, 300 per address) so that the
  run exercises validation rather than the limiter; 429 and Retry-After are documented and checked
  against the document in tests/test_api.py. The queue caps stay as they are: with tasks run at once
  nothing waits, so they never trigger.
- All requests carry one session cookie (one browser session), so that an analysis created in the run
  can be read and deleted by the next request, as a browser would.
- A schema hook puts the demo dataset's names into three in four generated valid bodies, so that valid
  data mostly reaches 202 instead of stopping at an unknown dataset.
"""

import collections
import re

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from schemathesis.generation import GenerationMode

from app.api import QUERY_VALIDATOR
from app.engine import QueryError, parse_query

from .conftest import make_app

MAX_EXAMPLES = 40
SEED = 20261127
CREATE = "POST /api/v1/analyses"
SHARE = "POST /api/v1/analyses/{id}/shares"
# what only the dataset can decide: a schema-valid body may still be refused (422) for these
DATASET_FIELDS = re.compile(r"dataset|year|years|decompose|selection|indicator|products|regions|per|"
                            r"(?:origin|consumer)_regions|(?:origin|final)_products|"
                            r"interventions\[\d+\]\.(?:product|origin|consumer|consumer_region)")
DEMO = {"indicators": ["value_added", "emission_type1_air", "emission_type2_water"],
        "products": ["TOTAL", "food", "mining", "manufactoring", "electricity", "construction", "trade",
                     "transport", "other"],
        "regions": ["TOTAL", "reg1", "reg2", "reg3", "reg4", "reg5", "reg6"]}


@st.composite
def demo_names(draw, body: dict) -> dict:
    """The same valid body with names the demo dataset has (every bound of the schema still holds)."""
    body = {**body, "dataset": "demo", "indicator": draw(st.sampled_from(DEMO["indicators"]))}
    if "year" in body:
        body["year"] = draw(st.sampled_from([None, 2011]))
    for key in ("products", "regions", "origin_regions", "origin_products", "consumer_regions", "final_products"):
        if key in body:
            names = DEMO["regions" if key.endswith("regions") else "products"]
            size = min(len(body[key]), len(names))
            body[key] = draw(st.lists(st.sampled_from(names), min_size=size, max_size=size, unique=True))
    if "interventions" in body:
        body["interventions"] = [{
            **iv, "product": draw(st.sampled_from(DEMO["products"])), "origin": draw(st.sampled_from(DEMO["regions"])),
            "consumer": draw(st.sampled_from(["FD", *DEMO["products"]])),
            "consumer_region": draw(st.sampled_from(DEMO["regions"]))} for iv in body["interventions"]]
    return body


def one_session(app):
    """Every request the run makes carries the same signed session cookie."""
    cookie = app.session_interface.get_signing_serializer(app).dumps({"owner": "schemathesis-run"})
    inner = app.wsgi_app

    def wsgi(environ, start_response):
        environ["HTTP_COOKIE"] = f"session={cookie}"
        # the WSGI transport hands schemathesis the body as sent: compressed bytes an HTTP client would decode
        environ["HTTP_ACCEPT_ENCODING"] = "identity"
        return inner(environ, start_response)

    app.wsgi_app = wsgi


def load_schema(app):
    config = SchemathesisConfig.from_dict({
        "seed": SEED,
        "cache": {"enabled": False},
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "checks": {
            "max_response_time": 30,
            "positive_data_acceptance": {"expected-statuses": ["2xx", "404", "409", "422"]},
            "negative_data_rejection": {"expected-statuses": ["400", "404", "405", "413", "415", "422"]},
        },
    })
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)

    @schema.hook
    def flatmap_case(context, case):
        if (context.operation.label != CREATE or case.meta is None
                or case.meta.generation.mode != GenerationMode.POSITIVE or not isinstance(case.body, dict)):
            return st.just(case)

        def with_body(body):
            case.body = body
            return case

        return st.sampled_from([True, True, True, False]).flatmap(
            lambda demo: demo_names(case.body).map(with_body) if demo else st.just(case))

    return schema


def run(schema) -> dict:
    """Run every phase; count what was generated and checked, and collect the failures."""
    out = {"operations": set(), "cases": collections.Counter(), "checks": collections.Counter(),
           "statuses": collections.Counter(), "failures": [], "errors": [], "valid_422": [],
           "modes": collections.Counter()}
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            out["cases"][event.phase.value] += len(recorder.cases)
            for case_id, node in recorder.cases.items():
                case = node.value
                out["operations"].add(case.operation.label)
                for check in recorder.checks.get(case_id, []):
                    out["checks"][check.name] += 1
                    if check.status == Status.FAILURE:
                        failure = check.failure_info.failure if check.failure_info else None
                        out["failures"].append((check.name, case.operation.label,
                                                failure.title if failure else "", failure.message if failure else ""))
                interaction = recorder.interactions.get(case_id)
                if interaction is None or interaction.response is None:
                    continue
                status = interaction.response.status_code
                out["statuses"][(case.operation.label, status)] += 1
                positive = case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE
                if case.meta is not None:
                    out["modes"][case.meta.generation.mode.value] += 1
                if case.operation.label == CREATE and positive and status == 422:
                    out["valid_422"].append((case.body, interaction.response.json()))
        elif isinstance(event, events.NonFatalError):
            out["errors"].append((event.label, repr(event.value)))
        elif isinstance(event, events.FatalError):
            out["errors"].append(("fatal", repr(event.exception)))
        elif isinstance(event, events.EngineFinished):
            out["stop"] = event.stop_reason.value
            out["failures"] += [("after run", "", f.title, f.message) for f in event.failures]
    return out


@pytest.fixture()
def hypothesis_home(tmp_path):
    """Hypothesis keeps caches in ./.hypothesis; this run's go to its temporary folder instead."""
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(tmp_path / "hypothesis")
    yield
    set_hypothesis_home_dir(None)


@pytest.fixture()
def contract_app(shared_store, tmp_path, hypothesis_home):
    app = make_app(shared_store.root, tmp_path, SUBMIT_RATE_LIMIT="1000000 per minute",
                   SUBMIT_RATE_LIMIT_PER_ADDRESS="1000000 per minute")
    one_session(app)
    return app


def test_schemathesis_finds_nothing(contract_app):
    report = run(load_schema(contract_app))
    figures = (f"operations {len(report['operations'])}, cases {sum(report['cases'].values())} "
               f"{dict(report['cases'])}, checks {sum(report['checks'].values())} over {len(report['checks'])} "
               f"kinds, failures {len(report['failures'])}")
    print(figures)
    print("statuses", sorted(report["statuses"].items()))
    print("modes", dict(report["modes"]), "valid 422 fields",
          dict(collections.Counter(error["field"] for _, error in report["valid_422"])))
    assert report["stop"] == "completed" and not report["errors"], report["errors"]
    assert not report["failures"], "\n\n".join(f"{c} {o}: {t}\n{m}" for c, o, t, m in report["failures"][:10])
    # schemathesis leaves out the path it loaded the document from (GET /api/v1/openapi.json)
    assert report["operations"] == {"GET /api/v1/datasets", "GET /api/v1/datasets/{name}", CREATE,
                                    "GET /api/v1/analyses/{id}", "DELETE /api/v1/analyses/{id}", SHARE,
                                    "GET /api/v1/analyses/{id}/shares", "DELETE /api/v1/analyses/{id}/shares/{token}"}
    assert len(report["checks"]) == 15  # every check schemathesis has, max_response_time included
    # valid data reaches the engine and is queued; invalid data is refused with the documented statuses
    assert report["modes"]["positive"] >= 200 and report["modes"]["negative"] >= 100
    assert report["statuses"][(CREATE, 202)] >= 20 and report["statuses"][(CREATE, 422)] >= 20
    # (with the share operations in the same budget, the coverage phase spends fewer cases on CREATE's 400s)
    assert report["statuses"][(CREATE, 400)] >= 3 and report["statuses"][(CREATE, 415)] >= 1
    # links are made to the analyses the run created, listed, and revoked through the document's own link
    assert report["statuses"][(SHARE, 201)] >= 10 and report["statuses"][(SHARE, 422)] >= 3
    assert {operation for (operation, status) in report["statuses"] if status == 409} <= {SHARE}
    assert report["statuses"][("GET /api/v1/analyses/{id}/shares", 200)] >= 10
    assert report["statuses"][("DELETE /api/v1/analyses/{id}/shares/{token}", 204)] >= 1
    assert report["statuses"][("GET /api/v1/analyses/{id}", 200)] >= 5
    assert report["statuses"][("DELETE /api/v1/analyses/{id}", 204)] >= 5
    # a 422 for a schema-valid body only ever names what the dataset decides, and the engine's own
    # type check takes every such body: the schema is not looser than the code
    for body, error in report["valid_422"]:
        assert not list(QUERY_VALIDATOR.iter_errors(body)), body
        assert DATASET_FIELDS.fullmatch(error["field"]), (body, error)
        try:
            parse_query(body)
        except QueryError as exc:
            pytest.fail(f"the schema takes {body!r} but the engine refuses it: {exc}")
