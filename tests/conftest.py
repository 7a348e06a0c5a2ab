"""Fixtures: an app per test on a temporary store, and shared read-only datasets built once."""

import pytest

from app import create_app
from app.engine import Engine, Store
from app.engine.sources import demo_source
from app.engine.synth import synthetic_source

SMALL_SYNTH = {"years": [2011, 2012], "n_regions": 6, "n_products": 24, "seed": 3}


@pytest.fixture(scope="session")
def shared_store(tmp_path_factory) -> Store:
    """demo and a small synthetic set, compiled once for every read-only test."""
    store = Store(tmp_path_factory.mktemp("store"))
    store.write("demo", demo_source())
    store.write("small", synthetic_source(**SMALL_SYNTH))
    return store


@pytest.fixture(scope="session")
def engine(shared_store) -> Engine:
    return Engine(shared_store)


@pytest.fixture()
def app(tmp_path):
    return create_app({"TESTING": True, "STORE_PATH": str(tmp_path / "store")})


@pytest.fixture()
def shared_app(shared_store):
    """An app reading the shared store (never write to it)."""
    return create_app({"TESTING": True, "STORE_PATH": str(shared_store.root)})


@pytest.fixture()
def runner(app):
    return app.test_cli_runner(mix_stderr=False) if _mix_stderr_supported() else app.test_cli_runner()


def _mix_stderr_supported() -> bool:
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters
