"""Huey: the queue made from the app's configuration, and the tasks its consumers run."""

from __future__ import annotations

import os
import signal
import threading
from types import SimpleNamespace

from huey import RedisHuey, SqliteHuey


def make_huey(config):
    """RedisHuey when REDIS_URL is set, otherwise SqliteHuey in the instance folder."""
    immediate = bool(config.get("HUEY_IMMEDIATE"))
    if config.get("REDIS_URL"):
        return RedisHuey("ramascene", url=config["REDIS_URL"], immediate=immediate)
    os.makedirs(os.path.dirname(config["HUEY_PATH"]), exist_ok=True)
    return SqliteHuey("ramascene", filename=config["HUEY_PATH"], immediate=immediate)


def init_app(app):
    """Create the app's Huey and register its tasks; each task body runs in an app context."""
    huey = make_huey(app.config)

    @huey.task(name="run_analysis")
    def run_analysis(job_id: int):
        from app import jobs

        with app.app_context():
            jobs.run(job_id)

    @huey.on_startup()
    def preload():
        from app import jobs

        with app.app_context():
            jobs.preload()

    app.extensions["huey"] = huey
    app.extensions["tasks"] = SimpleNamespace(run_analysis=run_analysis)
    return huey


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
