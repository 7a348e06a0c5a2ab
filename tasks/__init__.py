"""Huey: the queue made from the app's configuration, and the tasks its consumers run."""

from __future__ import annotations

import os
import signal
import threading
from types import SimpleNamespace

from huey import RedisHuey, SqliteHuey


def make_huey(config, name: str):
    """RedisHuey when REDIS_URL is set, otherwise SqliteHuey in the instance folder."""
    immediate = bool(config.get("HUEY_IMMEDIATE"))
    if config.get("REDIS_URL"):
        return RedisHuey(name, url=config["REDIS_URL"], immediate=immediate)
    os.makedirs(os.path.dirname(config["HUEY_PATH"]), exist_ok=True)
    return SqliteHuey(name, filename=config["HUEY_PATH"], immediate=immediate)


def init_app(app):
    """Two queues: standard analyses, and scenarios, which take longer and get their own consumer
    so that they never hold up an analysis. Each task body runs in an app context."""
    queues = {"analyses": make_huey(app.config, "ramascene"),
              "scenarios": make_huey(app.config, "ramascene-scenarios")}

    def turn(kind: str):
        def run(job_id: int):
            """One turn on the queue: runs the next job in fair order (usually job_id's own)."""
            from app import jobs

            with app.app_context():
                jobs.run(kind)
        return run

    def preloader(queue: str):
        def preload():
            from app import jobs

            with app.app_context():
                jobs.preload(queue)
        return preload

    tasks = {}
    for kind, huey in queues.items():
        tasks[kind] = huey.task(name=f"run_{kind}")(turn("scenario" if kind == "scenarios" else "analysis"))
        huey.on_startup(name="preload")(preloader(kind))
    app.extensions["huey"] = queues["analyses"]
    app.extensions["queues"] = queues
    app.extensions["tasks"] = SimpleNamespace(run_analysis=tasks["analyses"], run_scenario=tasks["scenarios"])
    return queues


class Consumers:
    """Consumers of one or both queues in this process's threads, and the reaper beside them."""

    def __init__(self, app, queues: list[str], workers: int, scenario_workers: int):
        from app.jobs import start_reaper

        self.consumers = [start_consumer(app.extensions["queues"][name],
                                         scenario_workers if name == "scenarios" else workers) for name in queues]
        self.reaper = start_reaper(app)

    def stop(self, graceful: bool = True) -> None:
        self.reaper.set()
        for consumer in self.consumers:
            consumer.stop(graceful=graceful)


def start_consumers(app, workers: int = 2, scenario_workers: int = 1, queues=("analyses", "scenarios")) -> Consumers:
    """The embedded worker (or `flask worker`): consumers for the queues in this process's threads."""
    return Consumers(app, list(queues), workers, scenario_workers)


def start_consumer(huey, workers: int = 2):
    """Start a consumer's worker threads inside this process (the embedded worker) and return it."""
    # poll every 10-100 ms rather than backing off to seconds: latency matters more than idle cost
    consumer = huey.create_consumer(workers=workers, worker_type="thread", initial_delay=0.01,
                                    backoff=1.15, max_delay=0.1)
    consumer.start()
    # the consumer claims SIGINT and SIGTERM for itself; here they must stop the whole process,
    # as KeyboardInterrupt, so that the caller's cleanup stops the consumer gracefully
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _interrupt)
    return consumer


def _interrupt(signum, frame):
    raise KeyboardInterrupt
