"""Settings: every default with what it is for, then the overrides a deployment gives.

Order (flaskr's): these defaults, instance/config.py, RAMASCENE_* environment variables (and the two
names every deployment tool knows, DATABASE_URL and REDIS_URL); a test's own config replaces the last three.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path


def defaults(instance: Path) -> dict:
    """The settings of a development machine: SQLite and the embedded worker, data in the instance folder."""
    return dict(
        # where things are kept
        STORE_PATH=str(instance / "store"),                    # the datasets' arrays (app/engine/store.py)
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance / 'ramascene.sqlite3'}",
        HUEY_PATH=str(instance / "huey.sqlite3"),              # the queues, when there is no Redis
        HUEY_IMMEDIATE=False,                                  # tests only: run a task where it is enqueued
        REDIS_URL=None,                                        # queues, notifications and rate limits across processes
        # None: on PostgreSQL a pool of 10 connections (20 more at peaks), each checked before use;
        # on SQLite, SQLAlchemy's own (complete() below decides, once the database is known)
        SQLALCHEMY_ENGINE_OPTIONS=None,

        # requests and the session cookie
        MAX_CONTENT_LENGTH=256 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(days=365),        # a queue outlives a browser restart
        SESSION_COOKIE_SECURE=False,   # Secure is added anyway on requests that came over HTTPS
        WTF_CSRF_TIME_LIMIT=None,      # tokens live as long as the session: no expiry in an open tab
        TRUST_PROXY=False,             # behind a TLS proxy: trust its X-Forwarded-* headers
        # On an intranet behind a sign-on proxy: the header in which it names the signed-in user (e.g.
        # "X-Remote-User"). Set, jobs and scenarios belong to that user on any browser and machine, and a
        # request that names no user is refused (401); None: each browser session owns its own.
        TRUSTED_USER_HEADER=None,
        # The addresses the header is taken from: the sign-on proxy as this server sees it (the connection's
        # own address, never X-Forwarded-For), as a list or one string separated by commas, CIDR blocks
        # allowed, "unix" for a unix socket (which reports no address). Needed with TRUSTED_USER_HEADER.
        TRUSTED_PROXIES=[],

        # how much one client may ask for
        SUBMIT_RATE_LIMIT="60 per minute",
        SUBMIT_RATE_LIMIT_PER_ADDRESS="300 per minute",
        MAX_QUEUED_PER_SESSION=15,
        # a new cookie is free to take: these two bound what one address and everyone together can queue
        MAX_QUEUED_PER_ADDRESS=30,
        MAX_QUEUED_TOTAL=500,
        QUEUE_RETRY_SECONDS=5,         # Retry-After of a 429 for a full queue: a place frees within seconds
        RATELIMIT_STORAGE_URI=None,    # where the counts are kept; None: REDIS_URL when set, else this process's memory
        # Redis away must not turn every submission into an error: count in memory until it is back
        RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,

        # recovering jobs (tasks/ and app/jobs.py reap)
        HEARTBEAT_SECONDS=5.0,         # a running job's worker stamps it this often
        STALE_SECONDS=20.0,            # no stamp for this long: the worker is dead, the job is queued again
        LOST_SECONDS=10.0,             # queued this long while its queue is empty: the queue lost it
        REAPER_SECONDS=5.0,
        MAX_ATTEMPTS=2,
        FAULT_DELAY_SECONDS=0.0,       # tests of worker faults only: a worker sleeps after claiming a job

        # The websocket (app/realtime). Only pages of this site may open it: its own origin (scheme and host
        # of the request, as the proxy reports them with TRUST_PROXY) and these, e.g.
        # ["https://ramascene.example.org"] when the proxy cannot pass the public host on.
        WEBSOCKET_ALLOWED_ORIGINS=[],
        # Open sockets, counted per web process (each holds one of its threads); 0 = no cap. A refused
        # page tries again by itself (close code 1013) and catches up once a page is closed.
        MAX_SOCKETS_PER_SESSION=10,
        MAX_SOCKETS_PER_ADDRESS=100,   # behind a proxy set TRUST_PROXY, or every client shares its address
        WEBSOCKET_MAX_MESSAGE_BYTES=16 * 1024,  # the page sends nothing; a bigger message closes the socket
        WEBSOCKET_PING_SECONDS=25.0,   # a browser that stops answering is dropped within two of these
        WEBSOCKET_POLL_SECONDS=1.0,    # how often each web process looks for job changes made elsewhere
        # flask-sock's server options (simple-websocket's Server): ping_interval and max_message_size follow
        # from the two settings above (0 = none), unless set here outright (complete() below)
        SOCK_SERVER_OPTIONS={},

        # Compression of responses (Flask-Compress, app/assets.py; the websocket has its own permessage-deflate).
        # Brotli first, gzip for the rest: every browser speaks one of them; zstd would be one more dependency.
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_ALGORITHM_STREAMING=["br", "gzip"],   # static files are sent as streams
        # text only: pages and fragments, styles, scripts, charts, JSON, CSV downloads (an image or a
        # font is compressed already)
        COMPRESS_MIMETYPES=["text/html", "text/css", "text/javascript", "application/javascript",
                            "application/json", "image/svg+xml", "text/csv"],
        COMPRESS_BR_LEVEL=5,           # brotli 5: the 49 x 200 main page in 1.4 ms to 10.8 KB; gzip 6: 2.2 ms, 12.9 KB
        COMPRESS_LEVEL=6,              # gzip
        COMPRESS_MIN_SIZE=500,         # below a packet, compressing saves nothing
    )


def from_environment(config) -> None:
    """instance/config.py, then RAMASCENE_* variables, then DATABASE_URL and REDIS_URL."""
    config.from_pyfile("config.py", silent=True)
    config.from_prefixed_env("RAMASCENE")
    if os.environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("REDIS_URL"):
        config["REDIS_URL"] = os.environ["REDIS_URL"]


def complete(config, instance: Path) -> None:
    """What follows from the settings given: the database driver and pool, where rate limits are counted,
    the websocket server's options, a secret key, the sign-on proxy's addresses (checked, as networks)."""
    uri = config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith(("postgres://", "postgresql://")):
        # the driver the project installs (psycopg 3), whatever URL form the deployment uses
        config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri.split("://", 1)[1]
    if config["SQLALCHEMY_ENGINE_OPTIONS"] is None:
        postgresql = config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
        config["SQLALCHEMY_ENGINE_OPTIONS"] = (
            {"pool_size": 10, "max_overflow": 20, "pool_pre_ping": True} if postgresql else {})
    if config["RATELIMIT_STORAGE_URI"] is None:
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"] or "memory://"
    config["SOCK_SERVER_OPTIONS"] = {
        "ping_interval": config["WEBSOCKET_PING_SECONDS"] or None,
        "max_message_size": config["WEBSOCKET_MAX_MESSAGE_BYTES"] or None,
        **(config["SOCK_SERVER_OPTIONS"] or {}),  # options set outright win
    }
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = secret_key(instance)
    config["TRUSTED_PROXIES"] = trusted_proxies(config["TRUSTED_PROXIES"])
    header = config["TRUSTED_USER_HEADER"]
    if header and not HEADER_NAME.fullmatch(header):
        raise ValueError(f"TRUSTED_USER_HEADER: {header!r} is not a header name such as X-Remote-User "
                         "(letters, digits and hyphens: servers drop or merge names with other characters)")
    if header and not config["TRUSTED_PROXIES"]:
        raise ValueError("TRUSTED_USER_HEADER needs TRUSTED_PROXIES: the addresses of the sign-on proxy, "
                         "the only ones the header is taken from")


HEADER_NAME = re.compile(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*")
UNIX_SOCKET = "unix"  # in TRUSTED_PROXIES: a connection over a unix socket, which has no address


def trusted_proxies(value) -> tuple:
    """TRUSTED_PROXIES as networks (and "unix"): from a list, or one string separated by commas or spaces.

    A block with bits set past its prefix (10.0.0.5/8) is refused rather than widened: a typo here
    must not trust more addresses than meant."""
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    elif not isinstance(value, (list, tuple)):
        value = [value] if value else []
    parsed = []
    for entry in value:
        if entry == UNIX_SOCKET:
            parsed.append(UNIX_SOCKET)
            continue
        try:
            parsed.append(ipaddress.ip_network(str(entry).strip()))
        except ValueError:
            raise ValueError(f"TRUSTED_PROXIES: {entry!r} is not an address or a block such as 10.0.0.0/8 "
                             "(without bits set past its prefix), nor unix") from None
    return tuple(parsed)


def secret_key(instance: Path) -> str:
    """A key made on first start and kept in the instance folder, so sessions survive restarts.

    Written to a temporary file and linked into place, so that processes starting together all
    read the same complete key.
    """
    path = instance / "secret_key"
    if not path.exists():
        staged = instance / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(staged, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            os.unlink(staged)
    return path.read_text().strip()
