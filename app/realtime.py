"""The websocket: pushes each change of the session's jobs as htmx fragments swapped by id.

Only pages of this site may open it (the Origin header is checked before the handshake); one session
and one address may hold only so many sockets; the page sends nothing over it, so inbound messages
are capped in size, dropped as they arrive, and a socket that keeps sending is closed.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
from collections import Counter
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, render_template, request, url_for
from simple_websocket import ConnectionClosed

from .extensions import db, sock
from .models import Job
from .notify import WAKE
from .ownership import address_key, current_owner

log = logging.getLogger(__name__)
bp = Blueprint("realtime", __name__)

POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013  # htmx's ws extension reconnects on this code (with backoff), not on 1008
INBOUND_MESSAGES_ALLOWED = 10  # the page sends none; a few stray ones are forgiven
LIVENESS_SECONDS = 5.0  # a socket's thread also wakes this often, in case a close rang no bell
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
    the project's own clients (app/client.py) send it."""
    origin = normal_origin(origin)
    own = normal_origin(f"{request.scheme}://{request.host}")
    return origin is not None and (origin == own or origin in configured_origins(current_app.config))


@bp.before_request
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


def websocket_path() -> str:
    """The socket's address without scheme or host: htmx's ws extension opens a path on the host the
    page came from, never on whatever host a request's Host header named."""
    return urlsplit(url_for("realtime.updates")).path


def job_fragments(job: Job, known: bool, newest: bool) -> str:
    """A new job is added to the queue and opened in panel A; a known one is updated in place."""
    return render_template("_job_update.html", job=job, known=known, newest=newest)


@sock.route("/ws", bp=bp)
def updates(ws):
    """Send the session's queue on connect (so a reconnect recovers), then every change as it happens."""
    try:
        _serve(ws)
    finally:
        _hang_up(ws)


def _hang_up(ws) -> None:
    """End the connection before the view returns. gunicorn would otherwise close it on its main
    thread, waiting up to 2 s for the client to close first, and accept no one meanwhile. A browser
    answers the server's close at once (the reader thread then ends and closes the socket); a client
    that does not is cut off after half a second."""
    ws.thread.join(0.5)
    if ws.thread.is_alive():
        try:
            ws.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        ws.thread.join(1.0)


def _serve(ws) -> None:
    owner = current_owner(create=False)
    if owner is None:
        ws.close(reason=POLICY_VIOLATION, message="no session")
        return
    config = current_app.config
    slots: SocketSlots = current_app.extensions["socket_slots"]
    address = address_key(request.remote_addr)
    refusal = slots.take(owner, address, config["MAX_SOCKETS_PER_SESSION"], config["MAX_SOCKETS_PER_ADDRESS"])
    if refusal is not None:
        # the page tries again by itself (with growing pauses) and catches up once a page is closed
        try:
            ws.send(render_template("_announce.html", message=f"Live updates are paused on this page: "
                                                              f"{refusal}. Close one; this page then catches up "
                                                              "by itself."))
            ws.close(reason=TRY_AGAIN_LATER, message=refusal)
        except (ConnectionClosed, OSError):  # gone already
            pass
        return
    try:
        _stream(ws, owner)
    finally:
        slots.give_back(owner, address)


def _stream(ws, owner: str) -> None:
    hub = current_app.extensions["hub"]
    inbox = hub.subscribe(owner, watch=current_app._get_current_object())
    rung = isinstance(ws.event, Doorbell)
    if rung:
        ws.event.inbox = inbox
    try:
        jobs = db.session.scalars(db.select(Job).where(Job.owner == owner).order_by(Job.id.desc())).all()
        sent = {job.id: job.updated_at for job in jobs}
        public = {job.id: job.public_id for job in jobs}
        newest = max(sent, default=0)
        first = render_template("workspace/_queue_list.html", queue=jobs, oob=True)
        db.session.close()  # give the connection back: a socket may stay open for hours
        ws.send(first)
        inbound, items = 0, []
        while True:
            drained = 0
            while ws.receive(timeout=0) is not None:  # raises ConnectionClosed once the browser has gone
                drained += 1
            inbound += drained
            if inbound > INBOUND_MESSAGES_ALLOWED:
                ws.close(reason=POLICY_VIOLATION, message="this socket takes no messages")
                return
            if not drained and any(item is WAKE for item in items):
                # rung with nothing to read: simple_websocket rings just before it marks a connection
                # closed (after a message over the cap), so let its reader finish, then look again
                ws.thread.join(0.05)
                if not ws.connected:
                    return
            parts, newest = _updates(owner, _changed(items, sent), sent, public, newest)
            if parts:
                ws.send("".join(parts))
            items = _wait(inbox, LIVENESS_SECONDS if rung else 1.0)
    except (ConnectionClosed, OSError):  # the browser has gone, or its connection broke mid-send
        pass
    finally:
        if rung:
            ws.event.inbox = None
        hub.unsubscribe(owner, inbox)
        db.session.remove()


def _wait(inbox: queue.Queue, timeout: float) -> list:
    """The next item, then whatever else is waiting; nothing if the timeout passes first."""
    try:
        items = [inbox.get(timeout=timeout)]
    except queue.Empty:
        return []
    while True:
        try:
            items.append(inbox.get_nowait())
        except queue.Empty:
            return items


def _changed(items: list, sent: dict) -> set[int]:
    """The job ids to read: every one published, and those of the watcher's versions not yet sent."""
    changed = set()
    for item in items:
        if isinstance(item, tuple):
            job_id, updated_at = item
            if sent.get(job_id) != updated_at:
                changed.add(job_id)
        elif item is not WAKE:
            changed.add(item)
    return changed


def _updates(owner: str, changed: set[int], sent: dict, public: dict, newest: int) -> tuple[list[str], int]:
    """Fragments for the changed jobs: a new one added, a known one replaced, a deleted one removed."""
    parts = []
    for job_id in sorted(changed):
        job = db.session.get(Job, job_id)
        if job is None or job.owner != owner:
            if job_id in sent:
                parts.append(f'<li id="job-{public.pop(job_id)}" hx-swap-oob="delete"></li>')
                del sent[job_id]
            continue
        if sent.get(job_id) == job.updated_at:
            continue
        is_new = job_id not in sent and job_id > newest
        newest = max(newest, job_id)
        parts.append(job_fragments(job, known=job_id in sent, newest=is_new or job_id == newest))
        sent[job_id] = job.updated_at
        public[job_id] = job.public_id  # element ids are public ids: a deleted job's is kept to remove it
    db.session.close()
    return parts, newest


def init_app(app) -> None:
    """The socket server's options from the settings, the socket counters, the socket's path for pages."""
    from .notify import Hub, RedisHub

    app.extensions["hub"] = RedisHub(app.config["REDIS_URL"]) if app.config["REDIS_URL"] else Hub()
    configured_origins(app.config)  # a bad entry stops the start, naming the setting
    options = dict(app.config.get("SOCK_SERVER_OPTIONS") or {})
    options.setdefault("max_message_size", app.config["WEBSOCKET_MAX_MESSAGE_BYTES"] or None)
    options.setdefault("ping_interval", app.config["WEBSOCKET_PING_SECONDS"] or None)
    options.setdefault("event_class", Doorbell)
    app.config["SOCK_SERVER_OPTIONS"] = options
    app.extensions["socket_slots"] = SocketSlots()
    app.add_template_global(websocket_path)


def publish(job) -> None:
    """Tell the owner's open pages that this job changed."""
    current_app.extensions["hub"].publish(job.owner, job.id)
