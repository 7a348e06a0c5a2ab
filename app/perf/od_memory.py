"""The memory check of origin -> destination queries: one worker process answers many mixed queries
over (up to) three years while a thread samples its anonymous memory (RssAnon: pages of the
memory-mapped store files are not counted, as the kernel shares and drops them)."""

from __future__ import annotations

import statistics
import threading
import time

import numpy as np

from ..engine import Engine
from .od_bench import _od_queries

SAMPLE_SECONDS = 0.002


def rss_anon_mb() -> float:
    """This process's anonymous resident memory now, in MB (Linux /proc)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no RssAnon in /proc/self/status: the memory check needs Linux")


class PeakSampler:
    """The highest RssAnon seen while it runs, sampled every SAMPLE_SECONDS and on demand."""

    def __init__(self):
        self.peak = rss_anon_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="rss-anon-sampler")

    def sample(self) -> float:
        now = rss_anon_mb()
        self.peak = max(self.peak, now)
        return now

    def _run(self):
        while not self._stop.wait(SAMPLE_SECONDS):
            self.sample()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.sample()


def memory_check(engine: Engine, name: str, n_queries: int = 1000, limit_mb: float = 500.0,
                 log=lambda _: None) -> dict:
    """Answer n_queries mixed origin -> destination queries (every kind bench times, every indicator,
    the dataset's last three years in turn) and report RssAnon before, at its peak and after, in MB."""
    from ..engine.flows import answer_flows

    dataset = engine.dataset(name)
    years = dataset.years[-3:]
    if len(years) < 3:
        log(f"dataset {name!r} has {len(years)} year(s); the check is meant for three")
    rng = np.random.default_rng(7)
    indicators = [i["code"] for i in dataset.indicators]
    times_ms = []
    before = rss_anon_mb()
    with PeakSampler() as sampler:
        for i in range(n_queries):
            year = years[i % len(years)]
            mixed = [q for kind in _od_queries(dataset, rng, indicators[i % len(indicators)], year).values()
                     for q in kind]
            started = time.perf_counter()
            answer_flows(engine, mixed[(i // len(years)) % len(mixed)])
            times_ms.append((time.perf_counter() - started) * 1000)
            sampler.sample()
            if (i + 1) % 100 == 0:
                log(f"{i + 1} queries, RssAnon {sampler.sample():.0f} MB (peak {sampler.peak:.0f} MB)")
    peak = sampler.peak
    return {"dataset": name, "regions": dataset.regions.size, "products": dataset.products.size, "years": years,
            "queries": n_queries, "median_ms": round(statistics.median(times_ms), 3),
            "rss_anon_mb": {"before": round(before, 1), "peak": round(peak, 1), "after": round(rss_anon_mb(), 1)},
            "limit_mb": limit_mb, "within_limit": peak <= limit_mb}
