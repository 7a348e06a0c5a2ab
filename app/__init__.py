"""RaMa-Scene: footprints and scenarios on environmentally extended multi-regional input-output tables."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import event

from .engine import Engine, Store


def _secret_key(instance: Path) -> str:
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


def create_app(test_config=None):
    """Create and configure the app: defaults, then instance config, then environment, then test config."""
    app = Flask(__name__, instance_relative_config=True,
                template_folder="../templates", static_folder="../static")
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(
        STORE_PATH=str(instance / "store"),
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance / 'ramascene.sqlite3'}",
        HUEY_PATH=str(instance / "huey.sqlite3"),
        HUEY_IMMEDIATE=False,
        REDIS_URL=None,
        MAX_CONTENT_LENGTH=256 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(days=365),
        SESSION_COOKIE_SECURE=False,  # Secure is added anyway on requests that came over HTTPS
        WTF_CSRF_TIME_LIMIT=None,      # tokens live as long as the session: no expiry in an open tab
        SUBMIT_RATE_LIMIT="60 per minute",
        MAX_QUEUED_PER_SESSION=15,     # RaMa-Scene's own cap
        # a new cookie is free to take: these two bound what one address and everyone together can queue
        MAX_QUEUED_PER_ADDRESS=30,
        MAX_QUEUED_TOTAL=500,
        SUBMIT_RATE_LIMIT_PER_ADDRESS="300 per minute",
        QUEUE_RETRY_SECONDS=5,         # Retry-After of a 429 for a full queue: a place frees within seconds
        TRUST_PROXY=False,             # behind a TLS proxy: trust its X-Forwarded-* headers
        HEARTBEAT_SECONDS=5.0,         # a running job's worker stamps it this often
        STALE_SECONDS=20.0,            # no stamp for this long: the worker is dead, the job is queued again
        LOST_SECONDS=10.0,             # queued this long while its queue is empty: the queue lost it
        REAPER_SECONDS=5.0,
        MAX_ATTEMPTS=2,
        FAULT_DELAY_SECONDS=0.0,       # tests of worker faults only
    )
    app.config.from_mapping(
        # The websocket (app/realtime.py). Only pages of this site may open it: its own origin (scheme
        # and host of the request, as the proxy reports them with TRUST_PROXY) and these, e.g.
        # ["https://ramascene.example.org"] when the proxy cannot pass the public host on.
        WEBSOCKET_ALLOWED_ORIGINS=[],
        # Open sockets, counted per web process (each holds one of its threads); 0 = no cap. A refused
        # page tries again by itself (close code 1013) and catches up once a page is closed.
        MAX_SOCKETS_PER_SESSION=10,
        MAX_SOCKETS_PER_ADDRESS=100,   # behind a proxy set TRUST_PROXY, or every client shares its address
        WEBSOCKET_MAX_MESSAGE_BYTES=16 * 1024,  # the page sends nothing; a bigger message closes the socket
        WEBSOCKET_PING_SECONDS=25.0,   # a browser that stops answering is dropped within two of these
        WEBSOCKET_POLL_SECONDS=1.0,    # how often each web process looks for job changes made elsewhere
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("RAMASCENE")
        # the two names every deployment tool knows
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
        if os.environ.get("REDIS_URL"):
            app.config["REDIS_URL"] = os.environ["REDIS_URL"]
    else:
        app.config.from_mapping(test_config)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith(("postgres://", "postgresql://")):
        # the driver the project installs (psycopg 3), whatever URL form the deployment uses
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri.split("://", 1)[1]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_size": 10, "max_overflow": 20,
                                                             "pool_pre_ping": True})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)

    from . import api, cli, ownership, pages, realtime, scenarios, security
    from .realtime import routes as realtime_routes
    from .extensions import db, migrate, sock

    if app.config["TRUST_PROXY"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    security.init_app(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    sock.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)

    import tasks

    tasks.init_app(app)
    app.extensions["engine"] = Engine(Store(app.config["STORE_PATH"]))
    realtime.init_app(app)

    cli.init_app(app)
    app.url_map.converters["public_id"] = ownership.PublicIdConverter
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(realtime_routes.bp)
    app.register_blueprint(scenarios.bp)
    return app


def _sqlite_pragmas(connection, _record):
    # WAL lets the web threads read while a worker writes; wait rather than fail on a lock
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
