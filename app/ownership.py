"""Every job and scenario belongs to its owner, and nobody else can read or delete it.

The owner is the browser session that made it, or, on an intranet whose sign-on proxy names the user
(TRUSTED_USER_HEADER), that user, on any browser and machine. current_owner() is the one place that decides.
Rows are found by their public id (128 random bits), never by the integer key: ids in URLs and the
API say nothing about how many analyses the server has run.
"""

import hashlib
import hmac
import ipaddress
import re
import secrets
import unicodedata
from typing import NoReturn

from flask import abort, current_app, g, request, session
from werkzeug.exceptions import BadRequest, Unauthorized
from werkzeug.routing import BaseConverter

from .config import UNIX_SOCKET
from .extensions import db
from .models import PUBLIC_ID_PATTERN, Job, Scenario

OWNER_KEY = "owner"
_PUBLIC_ID = re.compile(PUBLIC_ID_PATTERN + r"\Z")
# A user's owner key: this prefix and a hash of the name. Session tokens (token_urlsafe) never hold a
# colon, so a user can never be given a session's rows, whatever the name; the key fits Job.owner's 64
# characters, and the tables hold no names. Unkeyed, so that a new SECRET_KEY keeps everyone's analyses.
USER_PREFIX = "user:"
MAX_USER_NAME = 256
MARKUP = frozenset("<>&\"'`")  # no directory names a person so; refused, in case a name is ever shown


class PublicIdConverter(BaseConverter):
    """`<public_id:name>` in a route: exactly 32 ASCII hex digits, nothing else matches."""

    regex = PUBLIC_ID_PATTERN


def is_public_id(value) -> bool:
    return isinstance(value, str) and _PUBLIC_ID.match(value) is not None


def current_owner(create: bool = True) -> str | None:
    """Who owns what this request reads and makes: the signed-in user when the sign-on proxy names users,
    else the session's owner token, made on first use and kept in the signed session cookie."""
    if current_app.config["TRUSTED_USER_HEADER"]:
        return signed_in_owner()
    owner = session.get(OWNER_KEY)
    if owner is None and create:
        session.permanent = True
        owner = session[OWNER_KEY] = secrets.token_urlsafe(24)
    return owner


def signed_in_owner() -> str:
    """The owner key of the user the sign-on proxy names, or a refusal: 401 when no user is named by a
    trusted proxy, 400 for a name that no directory gives. Worked out once per request."""
    if "signed_in_owner" not in g:
        name = unicodedata.normalize("NFC", _user_name())
        g.signed_in_owner = USER_PREFIX + hashlib.sha256(name.encode()).hexdigest()[:48]
    return g.signed_in_owner


def require_signed_in_user() -> None:
    """Before every request but a static file's (the same for everyone), when users are named: the
    refusal comes before any view, rate limit, form check or socket."""
    if current_app.config["TRUSTED_USER_HEADER"] and request.endpoint != "static":
        signed_in_owner()


def _user_name() -> str:
    header = current_app.config["TRUSTED_USER_HEADER"]
    if not from_trusted_proxy():
        # the header is not even read: from anywhere else it is whatever the client wrote
        _refuse(Unauthorized, "this server answers only requests that come through its sign-on proxy "
                              "(TRUSTED_PROXIES)")
    raw = request.headers.get(header, "")
    if not raw:
        _refuse(Unauthorized, f"not signed in: the sign-on proxy named no user ({header} header)")
    try:
        name = raw.encode("latin-1").decode("utf-8")  # WSGI gives header bytes as latin-1
    except UnicodeError:
        _refuse(BadRequest, f"the user name in the {header} header is not UTF-8 text")
    if len(name) > MAX_USER_NAME:
        _refuse(BadRequest, f"the user name in the {header} header is longer than {MAX_USER_NAME} characters")
    if name != name.strip() or any(_not_in_names(c) for c in name):
        _refuse(BadRequest, f"the user name in the {header} header holds a character no user name has (a "
                            "control or invisible character, a line break, markup, or a space at either end)")
    return name


def _not_in_names(character: str) -> bool:
    category = unicodedata.category(character)
    return category[0] == "C" or (category[0] == "Z" and character != " ") or character in MARKUP


def _refuse(kind, message: str) -> NoReturn:
    """Stop the request; the message names the header as its field and never repeats the value."""
    exc = kind(description=message)
    exc.field = current_app.config["TRUSTED_USER_HEADER"]
    raise exc


def peer_address() -> str:
    """The address of the connection's other end. With TRUST_PROXY, ProxyFix has put the client's address
    (from X-Forwarded-For, which anyone can write) in REMOTE_ADDR and kept the peer's aside."""
    environ = request.environ
    return environ.get("werkzeug.proxy_fix.orig", environ).get("REMOTE_ADDR") or ""


def from_trusted_proxy() -> bool:
    """Whether the connection comes from one of TRUSTED_PROXIES (an IPv4 peer seen as ::ffff:a.b.c.d too)."""
    proxies, address = current_app.config["TRUSTED_PROXIES"], peer_address()
    if not address:
        return UNIX_SOCKET in proxies
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in proxies if network != UNIX_SOCKET)


def owned_jobs() -> list[Job]:
    """This owner's jobs (a session's, or a signed-in user's), newest first."""
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
    """This owner's saved scenarios, newest first."""
    return scenarios_of(current_owner(create=False), dataset)


def owned_or_none(model, public_id: str):
    """The row (a job, a scenario) if this owner made it, else None, as for a row that does not exist."""
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
    """The job if this owner made it; 404 otherwise, the same as for a job that does not exist."""
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
