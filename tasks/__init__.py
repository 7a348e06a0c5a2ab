"""The Huey queues, one per kind of job, and the task each runs; the consumers are in tasks/consumers.py.

A task is a turn on its queue, not a particular job: its body (tasks/turns.py) claims whichever job
is next in fair order. Each body runs in an app context; its only argument is a job id.
"""

from __future__ import annotations

import os

from huey import RedisHuey, SqliteHuey

from .consumers import Consumers, start_consumers

__all__ = ["Consumers", "init_app", "make_huey", "start_consumers"]

# Each Job.kind's queue, and its task, by the names they are stored under (in Redis or the SQLite file).
# Scenarios take longer and have their own queue and consumer, so that they never hold up an analysis.
# Everything else is keyed by the kind; these names stay because they are data, not code: Huey keeps a
# queue under its name (Redis key huey.redis.<name>, the SQLite file's queue column) and writes the task's
# name into every message, which a consumer runs only if it knows that name. Renamed, the turns already
# queued by a running deployment would never run (their jobs would wait for the reaper's LOST_SECONDS),
# and during an upgrade old and new processes would not read each other's queues. In a shared Redis the
# "ramascene" prefix also keeps these queues apart from other apps'.
STORED_NAMES = {"analysis": ("ramascene", "run_analyses"), "scenario": ("ramascene-scenarios", "run_scenarios")}


def make_huey(config, name: str):
    """RedisHuey when REDIS_URL is set, otherwise SqliteHuey in the instance folder."""
    immediate = bool(config.get("HUEY_IMMEDIATE"))
    if config.get("REDIS_URL"):
        return RedisHuey(name, url=config["REDIS_URL"], immediate=immediate)
    os.makedirs(os.path.dirname(config["HUEY_PATH"]), exist_ok=True)
    return SqliteHuey(name, filename=config["HUEY_PATH"], immediate=immediate)


def init_app(app) -> dict:
    """A queue and a task for each kind of job, kept in app.extensions["queues"] and ["tasks"]."""
    from .turns import preloader, turn

    queues, tasks = {}, {}
    for kind, (queue_name, task_name) in STORED_NAMES.items():
        huey = queues[kind] = make_huey(app.config, queue_name)
        tasks[kind] = huey.task(name=task_name)(turn(app, kind))
        huey.on_startup(name="preload")(preloader(app, kind))
    app.extensions["queues"] = queues
    app.extensions["tasks"] = tasks
    return queues
