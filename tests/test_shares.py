"""Share links: made by the owner of a finished analysis (web and API), read-only to whoever holds the token,
listed and revoked by the owner only; a revoked or unknown token is a plain 404; the shared page names the
dataset's version and says when it has been imported again since."""

import re
import secrets
import time

import pytest

from app.engine import Store
from app.engine.sources import demo_source
from app.models import Job, Share

from .conftest import make_app

QUERY = {"dataset": "demo", "year": 2011, "indicator": "emission_type1_air", "perspective": "consumption",
         "by": "region", "products": ["TOTAL"], "regions": ["TOTAL"]}


def done_analysis(client, query=QUERY) -> str:
    body = client.post("/api/v1/analyses", json=query).get_json()
    assert client.get(body["url"]).get_json()["status"] == "done"
    return body["id"]


def share(client, job_id: str) -> dict:
    made = client.post(f"/api/v1/analyses/{job_id}/shares", json={})
    assert made.status_code == 201, made.get_json()
    return made.get_json() | {"location": made.headers["Location"]}


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_a_link_shows_the_result_read_only_to_anyone(shared_app):
    owner, visitor = shared_app.test_client(), shared_app.test_client()
    job_id = done_analysis(owner)
    link = share(owner, job_id)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", link["token"])  # 256 bits
    assert link["url"] == link["location"] == f"http://localhost/s/{link['token']}"

    page = visitor.get(path_of(link["url"]))
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert page.headers["Cache-Control"] == "private, no-store"
    html = page.get_data(as_text=True)
    result = owner.get(f"/api/v1/analyses/{job_id}").get_json()["result"]
    shown = [float(v) for v in re.findall(r'data-value="([^"]+)"', html)]
    assert shown == [row["value"] for row in result["rows"]] + [result["total"]] and result["total"] > 0
    assert "<svg" in html and "<table" in html and "A shared analysis" in html
    # nothing of the owner's: no queue, no forms that change or queue anything, no share section
    for absent in ("Your analyses", "Run under scenario", "Make a read-only link", "Supply chain", 'method="post"'):
        assert absent not in html, absent
    assert "Dataset demo: " in html and "Year 2011: version not stated in its files, imported 20" in html
    # the visitor's own workspace stays empty
    assert visitor.get("/api/v1/analyses/" + job_id).status_code == 404
    # downloads through the link equal the owner's
    for ext in ("csv", "svg", "xlsx"):
        mine = owner.get(f"/analyses/{job_id}.{ext}")
        theirs = visitor.get(f"/s/{link['token']}.{ext}")
        assert theirs.status_code == 200
        if ext != "xlsx":  # a workbook's zip stamps the moment it is written
            assert theirs.data == mine.data
        assert theirs.headers["Referrer-Policy"] == "no-referrer"
    # the table's sort links stay on the shared page
    sorted_page = visitor.get(f"/s/{link['token']}?sort=name").get_data(as_text=True)
    assert f"/analyses/{job_id}" not in sorted_page


def test_only_the_owner_makes_lists_and_revokes(shared_app):
    owner, other = shared_app.test_client(), shared_app.test_client()
    job_id = done_analysis(owner)
    link = share(owner, job_id)
    done_analysis(other)  # the other client has a session of its own
    assert other.post(f"/api/v1/analyses/{job_id}/shares", json={}).status_code == 404
    assert other.get(f"/api/v1/analyses/{job_id}/shares").status_code == 404
    assert other.delete(f"/api/v1/analyses/{job_id}/shares/{link['token']}").status_code == 404
    assert other.post(f"/shares/{link['token']}/revoke").status_code == 404
    assert other.get("/shares").get_data(as_text=True).count(link["token"]) == 0

    listed = owner.get(f"/api/v1/analyses/{job_id}/shares").get_json()["shares"]
    assert [s["token"] for s in listed] == [link["token"]]
    assert listed[0]["dataset_state"] == {"2011": {"version": "", "imported": listed[0]["dataset_state"]["2011"]
                                                   ["imported"]}}
    assert owner.get(path_of(link["url"])).status_code == 200
    assert owner.delete(f"/api/v1/analyses/{job_id}/shares/{link['token']}").status_code == 204
    assert owner.get(path_of(link["url"])).status_code == 404
    assert owner.get(f"/s/{link['token']}.csv").status_code == 404
    assert owner.delete(f"/api/v1/analyses/{job_id}/shares/{link['token']}").status_code == 404
    assert owner.get(f"/api/v1/analyses/{job_id}/shares").get_json() == {"shares": []}


@pytest.mark.parametrize("token", ["", "a" * 42, "a" * 44, secrets.token_urlsafe(32), "a" * 41 + ".x",
                                   "%2e%2e%2f" + "a" * 34, "a" * 42 + "%00", "<script>" + "a" * 35])
def test_unknown_or_malformed_tokens_are_a_plain_404(client, token):
    for path in (f"/s/{token}", f"/s/{token}.csv", f"/s/{token}.svg"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "<script>" not in response.get_data(as_text=True)


def test_api_refusals_name_the_field(shared_app):
    owner = shared_app.test_client()
    job_id = done_analysis(owner)
    url = f"/api/v1/analyses/{job_id}/shares"
    assert owner.post(url, data="{}").status_code == 415
    for body, field in (([], "body"), ({"expires": 3}, "expires"), ("x", "body")):
        refused = owner.post(url, json=body)
        assert refused.status_code == 422 and refused.get_json()["field"] == field
    assert owner.post(url, data="{", content_type="application/json").status_code == 400
    assert owner.post("/api/v1/analyses/" + "0" * 32 + "/shares", json={}).status_code == 404
    with shared_app.app_context():
        from app.extensions import db
        job = db.session.scalar(db.select(Job).where(Job.public_id == job_id))
        job.status, job.result = "running", None
        db.session.commit()
    refused = owner.post(url, json={})
    assert refused.status_code == 409 and refused.get_json()["field"] == "id"
    assert owner.get(url).get_json() == {"shares": []}  # nothing written


def test_web_make_list_and_revoke_with_and_without_htmx(shared_app):
    owner, visitor = shared_app.test_client(), shared_app.test_client()
    job_id = done_analysis(owner)
    panel = owner.get(f"/analyses/{job_id}").get_data(as_text=True)
    assert "Make a read-only link" in panel and "All your share links" in panel

    made = owner.post(f"/analyses/{job_id}/shares")  # plain form: back to the analysis, its link listed
    assert made.status_code == 303 and made.headers["Location"].endswith(f"/analyses/{job_id}?made=1")
    page = owner.get(f"/analyses/{job_id}?made=1").get_data(as_text=True)
    assert "A new link is ready" in page and page.count("autofocus") == 1
    first = re.search(r'value="(http://localhost/s/[A-Za-z0-9_-]{43})"', page).group(1)
    assert visitor.get(path_of(first)).status_code == 200

    fragment = owner.post(f"/analyses/{job_id}/shares", data={"side": "b"}, headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and html.startswith("<section class=\"share\" id=\"share-b-")
    urls = re.findall(r'value="(http://localhost/s/[A-Za-z0-9_-]{43})"', html)
    assert len(urls) == 2 and urls[1] == first and "autofocus" in html and "A new link is ready" in html

    listing = owner.get("/shares").get_data(as_text=True)
    assert all(u in listing for u in urls) and "Analysis 1" in listing
    second_token = urls[0].rsplit("/", 1)[1]
    revoked = owner.post(f"/shares/{second_token}/revoke", headers={"HX-Request": "true"})
    assert revoked.status_code == 200 and "The link is revoked" in revoked.get_data(as_text=True)
    assert visitor.get(path_of(urls[0])).status_code == 404
    first_token = first.rsplit("/", 1)[1]
    gone = owner.post(f"/shares/{first_token}/revoke", data={"job": job_id})
    assert gone.status_code == 303
    assert gone.headers["Location"].endswith(f"/analyses/{job_id}?revoked=1#share-a-{job_id}")
    assert "The link is revoked" in owner.get(f"/analyses/{job_id}?revoked=1").get_data(as_text=True)
    assert visitor.get(path_of(first)).status_code == 404
    assert "You have no share links" in owner.get("/shares").get_data(as_text=True)


def test_deleting_the_analysis_revokes_its_links(shared_app):
    owner, visitor = shared_app.test_client(), shared_app.test_client()
    job_id = done_analysis(owner)
    link = share(owner, job_id)
    assert owner.delete(f"/api/v1/analyses/{job_id}").status_code == 204
    assert visitor.get(path_of(link["url"])).status_code == 404
    with shared_app.app_context():
        from app.extensions import db
        assert db.session.scalar(db.select(db.func.count(Share.id))) == 0


def test_the_page_says_when_the_dataset_was_imported_again(tmp_path):
    store = Store(tmp_path / "store")
    store.write("demo", demo_source())
    time.sleep(1.1)  # import times are kept to the second
    app = make_app(store.root, tmp_path)
    owner = app.test_client()
    link = share(owner, done_analysis(owner))
    page = owner.get(path_of(link["url"])).get_data(as_text=True)
    assert "imported again" not in page and "Year 2011: version not stated in its files, imported" in page
    time.sleep(1.1)
    store.write("demo", demo_source())
    page = owner.get(path_of(link["url"])).get_data(as_text=True)
    assert "has been imported again since this result was computed (year 2011)" in page
    store.delete("demo")
    page = owner.get(path_of(link["url"])).get_data(as_text=True)
    assert "is no longer on this server" in page and "<table" in page
