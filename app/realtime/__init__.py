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
    """The hub (through Redis when there is one), the socket server's options, the socket counters, and
    the socket's path for pages. The route itself is `routes.bp`, registered by the factory."""
    app.extensions["hub"] = RedisHub(app.config["REDIS_URL"]) if app.config["REDIS_URL"] else Hub()
    configured_origins(app.config)  # a bad entry stops the start, naming the setting
    app.config["SOCK_SERVER_OPTIONS"] = {
        # a browser that stops answering pings is dropped within two of these
        "ping_interval": app.config["WEBSOCKET_PING_SECONDS"] or None,
        # the page sends nothing; a bigger message closes the socket
        "max_message_size": app.config["WEBSOCKET_MAX_MESSAGE_BYTES"] or None,
        "event_class": Doorbell,  # wakes the socket's thread when the browser sends or leaves
        **(app.config.get("SOCK_SERVER_OPTIONS") or {}),  # options set outright win
    }
    app.extensions["socket_slots"] = SocketSlots()
    app.add_template_global(websocket_path)
