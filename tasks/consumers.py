"""The consumers: worker threads for the queues inside this process, and the reaper beside them."""

from __future__ import annotations

import logging
import signal
import threading

from app.extensions import db
from app.jobs import reap

log = logging.getLogger(__name__)


class Consumers:
    """Consumers of some or all queues (by job kind) in this process's threads, and the reaper."""

    def __init__(self, app, kinds: list[str], workers: int, scenario_workers: int):
        queues = app.extensions["queues"]
        self.consumers = [start_consumer(queues[kind], scenario_workers if kind == "scenario" else workers)
                          for kind in kinds]
        self.reaper = start_reaper(app)

    def stop(self, graceful: bool = True) -> None:
        self.reaper.set()
        for consumer in self.consumers:
            consumer.stop(graceful=graceful)


def start_consumers(app, workers: int = 2, scenario_workers: int = 1,
                    kinds=("analysis", "scenario")) -> Consumers:
    """The embedded worker (or `flask worker`): consumers for the queues in this process's threads."""
    return Consumers(app, list(kinds), workers, scenario_workers)


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


def start_reaper(app) -> threading.Event:
    """A thread that runs reap() every REAPER_SECONDS in this consumer process; set the event to stop it."""
    stop = threading.Event()

    def loop():
        while not stop.wait(app.config["REAPER_SECONDS"]):
            with app.app_context():
                try:
                    reap()
                except Exception:  # the database or the queue is away: try again next round
                    log.exception("reaper round failed")
                    db.session.rollback()
                finally:
                    db.session.remove()

    threading.Thread(target=loop, daemon=True, name="reaper").start()
    return stop
