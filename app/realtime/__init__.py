"""Live updates: a job's change is published to its owner's open pages, which the websocket keeps current."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for

from .guard import Doorbell, SocketSlots, configured_origins
from .hub import Hub, RedisHub


def publish(owner: str, job_id: int) -> None:
    """Tell the owner's open pages that this job changed (or is gone)."""
    current_app.extensions["hub"].publish(owner, job_id)


def websocket_path(job: str | None = None) -> str:
    """The socket's address without scheme or host: htmx's ws extension opens a path on the host the
    page came from, never on whatever host a request's Host header named. With a job's public id, the
    socket of that job's own page, which follows that job only."""
    path = urlsplit(url_for("realtime.updates")).path
    return f"{path}?job={job}" if job else path


def init_app(app) -> None:
    """The hub (through Redis when there is one), the socket server's doorbell, the socket counters, and
    the socket's path for pages. The route itself is `routes.bp`, registered by the factory."""
    app.extensions["hub"] = RedisHub(app.config["REDIS_URL"]) if app.config["REDIS_URL"] else Hub()
    configured_origins(app.config)  # a bad entry stops the start, naming the setting
    # the socket server's options are settings (app/config.py); the doorbell is this package's own part: it wakes
    # the socket's thread when the browser sends or leaves
    app.config["SOCK_SERVER_OPTIONS"] = {"event_class": Doorbell, **app.config["SOCK_SERVER_OPTIONS"]}
    app.extensions["socket_slots"] = SocketSlots()
    app.add_template_global(websocket_path)
