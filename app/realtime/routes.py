"""The websocket route: sends its owner's feed, the queue then each change, as htmx fragments swapped by id.

The owner is current_owner()'s, as on every page: a browser session, or the user the sign-on proxy names
(a request naming none is refused before the handshake, app/ownership.py require_signed_in_user).
"""

from __future__ import annotations

import queue
import socket

from flask import Blueprint, current_app, render_template, request
from simple_websocket import ConnectionClosed

from ..extensions import db, sock
from ..ownership import address_key, current_owner, is_public_id
from .feed import Feed, unsaid
from .guard import INBOUND_MESSAGES_ALLOWED, Doorbell, SocketSlots, same_site_only
from .hub import WAKE

bp = Blueprint("realtime", __name__)
bp.before_request(same_site_only)  # before the handshake
bp.add_app_template_global(unsaid)  # a submit's response says the states its job has reached too

POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013  # htmx's ws extension reconnects on this code (with backoff), not on 1008
LIVENESS_SECONDS = 5.0  # a socket's thread also wakes this often, in case a close rang no bell


@sock.route("/ws", bp=bp)
def updates(ws):
    """Send the session's queue on connect (so a reconnect recovers), then every change as it happens."""
    try:
        _serve(ws)
    finally:
        _hang_up(ws)


def _serve(ws) -> None:
    """Hold one of the session's and the address's socket slots while streaming, or say why not."""
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
            ws.send(render_template("live/_paused.html", refusal=refusal))
            ws.close(reason=TRY_AGAIN_LATER, message=refusal)
        except (ConnectionClosed, OSError):  # gone already
            pass
        return
    try:
        _stream(ws, owner)
    finally:
        slots.give_back(owner, address)


def _stream(ws, owner: str) -> None:
    """The loop: drop what the browser sends (within the cap), send what changed, wait on the inbox."""
    hub = current_app.extensions["hub"]
    # subscribe before reading the queue, so that no change between the two is missed
    inbox = hub.subscribe(owner, watch=current_app._get_current_object())
    rung = isinstance(ws.event, Doorbell)
    if rung:
        ws.event.inbox = inbox
    watch = request.args.get("job")  # an analysis's own page follows that job only
    feed = Feed(owner, watch if is_public_id(watch) else None)
    try:
        ws.send(feed.initial())
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
            fragments = feed.changes(items)
            if fragments:
                ws.send(fragments)
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
