"""Load test: many simulated users, each opening the page and the websocket and submitting analyses.

`flask --app wsgi load --url URL` runs against a server that is already up; `load-production` first
starts the production stack on this machine (gunicorn with threads, two Huey consumer processes,
PostgreSQL and Redis from DATABASE_URL and REDIS_URL), runs the load, samples every process's memory,
and stops the stack. Traffic goes to 127.0.0.1 only; loops are bounded in count and time.
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from .client import Session
from .stats import percentile

ROOT = Path(__file__).resolve().parents[2]  # the project: where `flask --app wsgi` finds wsgi.py


def simulate_user(url: str, analyses: int, dataset: str, start: threading.Barrier, out: dict, timeout: float):
    """One user: the page, its websocket, then the analyses one after another, each waited for."""
    latencies, errors = [], []
    try:
        session = Session(url, timeout=timeout)
        status, _ = session.get("/")
        if status != 200:
            errors.append(f"page {status}")
        ws = session.websocket()
        ws.receive(timeout=timeout)
        start.wait(timeout=timeout)
        products = ["TOTAL"]
        for k in range(analyses):
            query = {"dataset": dataset, "indicator": None, "perspective": ("consumption", "production")[k % 2],
                     "by": ("product", "region")[k % 2], "products": products}
            query["indicator"] = out["indicators"][k % len(out["indicators"])]
            sent = time.perf_counter()
            status, body = session.post_json("/api/v1/analyses", query)
            if status != 202:
                errors.append(f"submit {status}: {body}")
                continue
            done = re.compile(rf'id="job-{body["id"]}" class="job status-(done|failed)"')
            deadline = time.monotonic() + timeout
            while True:
                message = ws.receive(timeout=max(0.1, deadline - time.monotonic()))
                if message and done.search(message):
                    if "status-failed" in done.search(message).group(0):
                        errors.append(f"job {body['id']} failed")
                    latencies.append((time.perf_counter() - sent) * 1000)
                    break
                if time.monotonic() > deadline:
                    errors.append(f"job {body['id']}: no notification in {timeout} s")
                    break
        ws.close()
    except Exception as exc:  # noqa: BLE001 - every failure counts as an error of the run
        errors.append(f"{type(exc).__name__}: {exc}")
    with out["lock"]:
        out["latencies"].extend(latencies)
        out["errors"].extend(errors)
        out["finished"].append(time.perf_counter())


def _client_process(url, users, analyses, dataset, indicators, timeout, start, results):
    """One load-generating process with its share of the users, each a thread."""
    out = {"latencies": [], "errors": [], "finished": [], "lock": threading.Lock(), "indicators": indicators}
    threads = [threading.Thread(target=simulate_user, args=(url, analyses, dataset, start, out, timeout), daemon=True)
               for _ in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout * (analyses + 2))
    results.put({k: out[k] for k in ("latencies", "errors", "finished")})


def run_load(url: str, users: int = 200, analyses: int = 5, dataset: str = "demo", timeout: float = 60.0,
             processes: int = 4) -> dict:
    """Users spread over several client processes, so that the load generator is not what is measured."""
    import json
    import multiprocessing

    try:
        with urllib.request.urlopen(f"{url}/api/v1/datasets/{dataset}", timeout=10) as response:
            indicators = [i["code"] for i in json.load(response)["indicators"]]
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"the server has no dataset {dataset!r} ({exc.code}); make it first, e.g. "
                         f"`flask --app wsgi data demo`") from None
    context = multiprocessing.get_context("fork")
    processes = max(1, min(processes, users))
    shares = [users // processes + (1 if k < users % processes else 0) for k in range(processes)]
    start = context.Barrier(users + 1)
    results = context.Queue()
    children = [context.Process(target=_client_process,
                                args=(url, share, analyses, dataset, indicators, timeout, start, results))
                for share in shares]
    for child in children:
        child.start()
    start.wait(timeout=timeout * 2)  # every user has the page and an open websocket
    began = time.perf_counter()
    latencies, errors, finished = [], [], []
    for _ in children:
        part = results.get(timeout=timeout * (analyses + 4))
        latencies += part["latencies"]
        errors += part["errors"]
        finished += part["finished"]
    for child in children:
        child.join(timeout=10)
    return {
        "users": users, "analyses_per_user": analyses, "client_processes": len(children),
        "jobs_done": len(latencies), "errors": len(errors), "error_examples": errors[:5],
        "submit_to_done_ms": {"p50": round(statistics.median(latencies), 1) if latencies else None,
                              "p95": round(percentile(latencies, 0.95), 1) if latencies else None,
                              "max": round(max(latencies), 1) if latencies else None},
        "last_job_done_after_s": round(max(finished) - began, 2) if finished else None,
    }


class MemorySampler:
    """Peak resident memory of each process (and its children) while the load runs."""

    def __init__(self, processes: dict[str, subprocess.Popen]):
        self.processes, self.peak, self.stop = processes, {}, threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def _rss_mb(pid: int) -> float:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    @staticmethod
    def _children(pid: int) -> list[int]:
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def _sample(self):
        while not self.stop.wait(0.25):
            for name, process in self.processes.items():
                pids = [process.pid] + self._children(process.pid)
                for pid in pids:
                    key = name if pid == process.pid else f"{name} worker {pid}"
                    self.peak[key] = max(self.peak.get(key, 0.0), round(self._rss_mb(pid), 1))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def run_production_load(users: int, analyses: int, dataset: str, port: int, log) -> dict:
    env = {**os.environ}
    if not env.get("DATABASE_URL") or not env.get("REDIS_URL"):
        raise SystemExit("set DATABASE_URL (PostgreSQL) and REDIS_URL for the production stack")
    env.setdefault("RAMASCENE_WEBSOCKET_POLL_SECONDS", "5")
    # every simulated user comes from this one address: the per-address caps are raised to the
    # load's size (the per-session caps stay as they are)
    env.setdefault("RAMASCENE_MAX_QUEUED_PER_ADDRESS", str(max(30, 2 * users)))
    env.setdefault("RAMASCENE_MAX_QUEUED_TOTAL", str(max(500, 2 * users)))
    env.setdefault("RAMASCENE_SUBMIT_RATE_LIMIT_PER_ADDRESS", f"{max(300, 2 * users * analyses)} per minute")
    env.setdefault("RAMASCENE_MAX_SOCKETS_PER_ADDRESS", str(users))
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    logs = ROOT / "instance" / "load-logs"
    logs.mkdir(parents=True, exist_ok=True)
    processes = {}

    def spawn(name, args):
        with open(logs / f"{name}.log", "wb") as sink:
            processes[name] = subprocess.Popen(args, env=env, cwd=ROOT, stdout=sink, stderr=sink)

    spawn("gunicorn", [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", "2",
                       "--threads", "160", "--bind", f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"])
    for i in (1, 2):
        spawn(f"consumer{i}", [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "4"])
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/api/v1/datasets", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        time.sleep(3)  # let the consumers preload
        log(f"stack up on {url}; {users} users x {analyses} analyses")
        with MemorySampler(processes) as memory:
            report = run_load(url, users, analyses, dataset)
        report["peak_rss_mb"] = memory.peak
        report["stack"] = "gunicorn gthread 2 workers x 160 threads; 2 Huey consumer processes x 4 threads"
        return report
    finally:
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
