"""RaMa-Scene: footprints and scenarios on environmentally extended multi-regional input-output tables."""

import os
from pathlib import Path

from flask import Flask

from .engine import Engine, Store


def create_app(test_config=None):
    """Create and configure the app: defaults, then instance config, then RAMASCENE_* env, then test config."""
    app = Flask(__name__, instance_relative_config=True,
                template_folder="../templates", static_folder="../static")
    app.config.from_mapping(
        STORE_PATH=os.path.join(app.instance_path, "store"),
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("RAMASCENE")
    else:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    app.extensions["engine"] = Engine(Store(app.config["STORE_PATH"]))

    from . import cli, views

    cli.init_app(app)
    app.register_blueprint(views.bp)
    return app


def engine(app=None) -> Engine:
    """The app's engine (one per process: datasets are opened once and shared)."""
    from flask import current_app

    return (app or current_app).extensions["engine"]
