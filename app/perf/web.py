"""End-to-end benchmark of the embedded mode: submit -> done notification over the websocket, and page weight."""

from __future__ import annotations

import re
import statistics
import threading
import time

import numpy as np
from werkzeug.serving import make_server

from ..web import ClosedWhenSent, engine
from .bench import benchmark_interventions
from .client import Session
from .stats import percentile


def page_weight(session: Session) -> dict:
    """Bytes of the main page and of every stylesheet and script it loads (no compression)."""
    status, html = session.get("/")
    # a static URL carries its fingerprint (?v=...: app/assets.py)
    assets = re.findall(r'(?:href|src)="(/static/[^"?]+\.(?:css|js)(?:\?[^"]*)?)"', html)
    sizes = {"/": len(html.encode())}
    for asset in assets:
        sizes[asset] = len(session.get(asset)[1].encode())
    return {"bytes": sum(sizes.values()), "parts": sizes}


def run_web_bench(app, analyses: int = 100, dataset: str = "demo", log=lambda _: None,
                  interventions: int = 0) -> dict:
    import logging

    from tasks import start_consumers

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request would drown the report
    app.config["SUBMIT_RATE_LIMIT"] = "100000 per minute"  # one session submitting fast is the point here
    consumers = start_consumers(app, workers=2)
    server = make_server("127.0.0.1", 0, ClosedWhenSent(app), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    session = Session(f"http://127.0.0.1:{server.server_port}")
    try:
        weight = page_weight(session)
        with app.app_context():
            data = engine().dataset(dataset)
        indicators = [i["code"] for i in data.indicators]
        products = data.products.leaf_codes()
        ws = session.websocket()
        ws.receive(timeout=5)
        latencies = []
        rng = np.random.default_rng(2)
        ids = []
        views = [("consumption", "product"), ("consumption", "region"), ("production", "region"),
                 ("production", "product")]
        for i in range(analyses):
            perspective, by = views[i % 4]
            query = {"dataset": dataset, "indicator": indicators[i % len(indicators)], "perspective": perspective,
                     "by": by, "products": [products[i % len(products)], "TOTAL"]}
            if interventions:
                query["interventions"] = [iv.to_dict() for iv in benchmark_interventions(data, rng, interventions)]
            started = time.perf_counter()
            status, body = session.post_json("/api/v1/analyses", query)
            if status != 202:
                raise RuntimeError(f"submit failed: {status} {body}")
            done = re.compile(rf'id="job-{body["id"]}" class="job status-(done|failed)"')
            while True:
                message = ws.receive(timeout=10)
                if message is None:
                    raise RuntimeError(f"no notification for analysis {body['id']} within 10 s")
                if done.search(message):
                    break
            latencies.append((time.perf_counter() - started) * 1000)
            ids.append(body["id"])
        ws.close()
        for job_id in ids:
            session.request("DELETE", f"/api/v1/analyses/{job_id}")
        log(f"{analyses} analyses done")
        return {
            "mode": "embedded (SQLite + SqliteHuey, 2 worker threads)",
            "dataset": dataset,
            "analyses": analyses,
            "interventions_per_analysis": interventions,
            "submit_to_done_ms": {"p50": round(statistics.median(latencies), 1),
                                  "p95": round(percentile(latencies, 0.95), 1),
                                  "max": round(max(latencies), 1), "min": round(min(latencies), 1)},
            "main_page": weight,
        }
    finally:
        server.shutdown()
        consumers.stop()
