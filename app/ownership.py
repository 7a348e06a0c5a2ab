"""Every job and scenario belongs to the browser session that made it; nobody else can read or delete it.

Rows are found by their public id (128 random bits), never by the integer key: ids in URLs and the
API say nothing about how many analyses the server has run.
"""

import hashlib
import hmac
import ipaddress
import re
import secrets

from flask import abort, current_app, request, session
from werkzeug.routing import BaseConverter

from .extensions import db
from .models import PUBLIC_ID_PATTERN, Job, Scenario

OWNER_KEY = "owner"
_PUBLIC_ID = re.compile(PUBLIC_ID_PATTERN + r"\Z")


class PublicIdConverter(BaseConverter):
    """`<public_id:name>` in a route: exactly 32 ASCII hex digits, nothing else matches."""

    regex = PUBLIC_ID_PATTERN


def is_public_id(value) -> bool:
    return isinstance(value, str) and _PUBLIC_ID.match(value) is not None


def current_owner(create: bool = True) -> str | None:
    """The session's owner token, made on first use and kept in the signed session cookie."""
    owner = session.get(OWNER_KEY)
    if owner is None and create:
        session.permanent = True
        owner = session[OWNER_KEY] = secrets.token_urlsafe(24)
    return owner


def owned_jobs() -> list[Job]:
    """This session's jobs, newest first."""
    owner = current_owner(create=False)
    if owner is None:
        return []
    return db.session.scalars(db.select(Job).where(Job.owner == owner).order_by(Job.id.desc())).all()


def scenarios_of(owner: str | None, dataset: str | None = None) -> list[Scenario]:
    """An owner's saved scenarios, newest first, of one dataset or of all."""
    if owner is None:
        return []
    query = db.select(Scenario).where(Scenario.owner == owner).order_by(Scenario.id.desc())
    if dataset is not None:
        query = query.where(Scenario.dataset == dataset)
    return db.session.scalars(query).all()


def owned_scenarios(dataset: str | None = None) -> list[Scenario]:
    """This session's saved scenarios, newest first."""
    return scenarios_of(current_owner(create=False), dataset)


def owned_or_none(model, public_id: str):
    """The row (a job, a scenario) if this session made it, else None, as for a row that does not exist."""
    owner = current_owner(create=False)
    if owner is None or not is_public_id(public_id):
        return None
    return db.session.scalar(db.select(model).where(model.public_id == public_id, model.owner == owner))


def owned_or_404(model, public_id: str):
    row = owned_or_none(model, public_id)
    if row is None:
        abort(404)
    return row


def owned_job_or_404(public_id: str) -> Job:
    """The job if this session made it; 404 otherwise, the same as for a job that does not exist."""
    return owned_or_404(Job, public_id)


def address_key(address: str | None) -> str:
    """The address a client is counted under (sockets, submissions, caps); IPv6 per /64, the block one
    subscriber usually holds."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def client_key() -> str:
    """The requesting address as a keyed hash: caps and fair turns count per address, and the database
    never holds an address. Behind a proxy (TRUST_PROXY) the address is the one the proxy reports."""
    address = address_key(request.remote_addr)
    digest = hmac.new(current_app.secret_key.encode() if isinstance(current_app.secret_key, str)
                      else current_app.secret_key, address.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]
