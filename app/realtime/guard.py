"""Who may hold the socket: only pages of this site (Origin), so many per session and per address, no chatter.

The page sends nothing over the socket, so inbound messages are capped in size (the server option
set in init_app), dropped as they arrive, and a socket that keeps sending is closed by its handler.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import Counter
from urllib.parse import urlsplit

from flask import Response, current_app, request

from .hub import WAKE

log = logging.getLogger(__name__)

INBOUND_MESSAGES_ALLOWED = 10  # the page sends none; a few stray ones are forgiven
DEFAULT_PORTS = {"http": 80, "https": 443}


class Doorbell(threading.Event):
    """simple_websocket sets its connection's event on each inbound message and when the connection
    closes; this one also puts WAKE in the socket's inbox, so that the socket's thread waits in one
    place for job changes and for the browser, and an idle socket costs no polling."""

    inbox: queue.Queue | None = None

    def set(self):
        super().set()
        inbox = self.inbox
        if inbox is not None:
            inbox.put(WAKE)


def normal_origin(text: str | None) -> str | None:
    """scheme://host[:port] spelt one way (lower case, default port dropped); None if not an origin."""
    if not text:
        return None
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), parts.hostname
    if scheme not in DEFAULT_PORTS or not host or parts.path not in ("", "/") or parts.query or parts.username:
        return None
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}" if port in (None, DEFAULT_PORTS[scheme]) else f"{scheme}://{host}:{port}"


def configured_origins(config) -> set[str]:
    """WEBSOCKET_ALLOWED_ORIGINS: a list, or one string of origins separated by commas or spaces."""
    entries = config.get("WEBSOCKET_ALLOWED_ORIGINS") or []
    if isinstance(entries, str):
        entries = entries.replace(",", " ").split()
    origins = set()
    for entry in entries:
        origin = normal_origin(entry)
        if origin is None:
            raise ValueError(f"WEBSOCKET_ALLOWED_ORIGINS: {entry!r} is not an origin such as https://example.org")
        origins.add(origin)
    return origins


def origin_allowed(origin: str | None) -> bool:
    """The page's own origin (scheme and host of this request, as ProxyFix sees them with TRUST_PROXY)
    or a configured one. A missing Origin is refused too: browsers always send it on websockets, and
    the project's own clients (app/perf/client.py) send it."""
    origin = normal_origin(origin)
    own = normal_origin(f"{request.scheme}://{request.host}")
    return origin is not None and (origin == own or origin in configured_origins(current_app.config))


def same_site_only():
    """Refuse before the handshake: a page of another site (or `null`, or none) never gets a socket
    that would carry the victim's queue and results."""
    origin = request.headers.get("Origin")
    if not origin_allowed(origin):
        log.warning("websocket refused: Origin %r for host %r", origin, request.host)
        return Response(f"websocket refused: Origin {origin!r} is not this site's\n", 403, mimetype="text/plain")
    return None


class SocketSlots:
    """Open sockets per session and per address, counted in this process: each socket holds one of
    this process's web threads, and the caps keep one client from taking them all. With several web
    processes a client may hold the caps in each, never more than the caps of any one process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._open: Counter = Counter()

    def take(self, owner: str, address: str, per_session: int | None, per_address: int | None) -> str | None:
        """Take a slot; or, if a cap is reached, take none and say which."""
        by_session, by_address = ("session", owner), ("address", address)
        with self._lock:
            if per_session and self._open[by_session] >= per_session:
                return f"this session has {per_session} pages open already, the most allowed"
            if per_address and self._open[by_address] >= per_address:
                return f"your address has {per_address} pages open already, the most allowed"
            self._open[by_session] += 1
            self._open[by_address] += 1
        return None

    def give_back(self, owner: str, address: str) -> None:
        with self._lock:
            for key in (("session", owner), ("address", address)):
                self._open[key] -= 1
                if self._open[key] <= 0:
                    del self._open[key]

    def count(self, kind: str, key: str) -> int:
        with self._lock:
            return self._open.get((kind, key), 0)
