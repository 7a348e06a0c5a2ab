"""RaMa-Scene: footprints and scenarios on environmentally extended multi-regional input-output tables."""

from pathlib import Path

from flask import Flask
from sqlalchemy import event


def create_app(test_config=None):
    """Create and configure the app: defaults, then instance config, then environment, then test config."""
    app = Flask(__name__, instance_relative_config=True,
                template_folder="../templates", static_folder="../static")
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)

    from . import config

    app.config.from_mapping(config.defaults(instance))
    if test_config is None:
        config.from_environment(app.config)
    else:
        app.config.from_mapping(test_config)
    config.complete(app.config, instance)

    if app.config["TRUST_PROXY"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    from . import (
        api,
        api_shares,
        assets,
        cli,
        datasets,
        downloads,
        errors,
        ownership,
        pages,
        realtime,
        scenarios,
        security,
        shares,
        templating,
        web,
        wording,
    )
    from .engine import Engine, Store
    from .extensions import db, migrate, sock
    from .realtime import routes as _  # noqa: F401  - the websocket route, registered below

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    sock.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)
    app.extensions["engine"] = Engine(Store(app.config["STORE_PATH"]))

    import tasks

    tasks.init_app(app)
    assets.init_app(app)  # before security: compression must see the finished response
    security.init_app(app)
    errors.init_app(app)
    web.init_app(app)
    templating.init_app(app)
    wording.init_app(app)
    realtime.init_app(app)
    cli.init_app(app)

    app.url_map.converters["public_id"] = ownership.PublicIdConverter
    app.url_map.converters["share_token"] = shares.ShareTokenConverter
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(realtime.routes.bp)
    app.register_blueprint(scenarios.bp)
    app.register_blueprint(datasets.bp)
    app.register_blueprint(shares.bp)
    app.register_blueprint(api_shares.bp)
    app.register_blueprint(downloads.bp)
    return app


def _sqlite_pragmas(connection, _record):
    # WAL lets the web threads read while a worker writes; wait rather than fail on a lock
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
