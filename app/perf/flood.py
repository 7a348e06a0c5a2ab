"""Fairness under a flood: many fresh cookies at one address queue heavy scenarios, then another user
(from another loopback address) submits one small scenario; how long does that user wait?

`flask --app wsgi flood --url http://127.0.0.1:PORT` runs it against a server that is already up.
Traffic goes to 127.0.0.1 only (the other user sends from 127.0.0.2); counts and waits are bounded.
"""

from __future__ import annotations

import json
import time

from .client import Session

HEAVY = {"product": "TOTAL", "origin": "TOTAL", "consumer": "TOTAL", "consumer_region": "TOTAL", "change_pct": -1}


def _small(dataset: dict) -> dict:
    """One product from everywhere to final demand in one region: a rank-one change."""
    product = next(n["code"] for n in dataset["products"] if n["code"] != "TOTAL")
    region = next(n["code"] for n in dataset["regions"] if n["code"] != "TOTAL")
    return {"product": product, "origin": "TOTAL", "consumer": "FD", "consumer_region": region, "change_pct": -20}


def run_flood(url: str, dataset: str = "exio-synth", cookies: int = 10, jobs: int = 15, timeout: float = 300.0,
              victim_source: str = "127.0.0.2") -> dict:
    """Submit cookies x jobs heavy scenarios from one address, then the victim's one small scenario."""
    probe = Session(url)
    status, text = probe.get(f"/api/v1/datasets/{dataset}")
    if status != 200:
        raise SystemExit(f"no dataset {dataset!r} on {url}")
    described = json.loads(text)
    base = {"dataset": dataset, "indicator": described["indicators"][0]["code"], "perspective": "consumption",
            "by": "region"}
    accepted, refused = 0, {}
    started = time.perf_counter()
    mine = []
    for _ in range(cookies):
        session = Session(url)
        session.get("/")
        for _ in range(jobs):
            status, body = session.post_json("/api/v1/analyses", {**base, "interventions": [HEAVY]})
            if status == 202:
                accepted += 1
                mine.append((session, body["id"]))
            else:
                refused[status] = refused.get(status, 0) + 1
    flood_seconds = time.perf_counter() - started
    victim = Session(url, source=victim_source)
    victim.get("/")
    sent = time.perf_counter()
    status, body = victim.post_json("/api/v1/analyses", {**base, "interventions": [_small(described)]})
    if status != 202:
        raise SystemExit(f"the victim's scenario was refused: {status} {body}")
    job = {}
    while time.perf_counter() - sent < timeout:
        job = json.loads(victim.get(body["url"])[1])
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    waited = time.perf_counter() - sent
    for session, job_id in mine:  # leave the server as it was: the flood's jobs are deleted
        session.request("DELETE", f"/api/v1/analyses/{job_id}")
    return {"flood": {"cookies": cookies, "submitted": cookies * jobs, "accepted": accepted,
                      "refused_by_status": refused, "seconds_to_submit": round(flood_seconds, 2)},
            "victim": {"status": job.get("status"), "waited_s": round(waited, 2),
                       "solver": (job.get("result") or {}).get("solver")}}
