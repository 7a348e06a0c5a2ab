"""Request helpers every blueprint shares: page or fragment, arguments from the query string, the engine."""

from __future__ import annotations

from flask import abort, current_app, request

from .engine import Engine
from .ownership import is_public_id


def engine() -> Engine:
    """The app's engine: the datasets and the maths, opened once per process."""
    return current_app.extensions["engine"]


def is_htmx() -> bool:
    """Whether htmx asked (answer with a fragment) rather than the browser itself (answer with a page)."""
    return request.headers.get("HX-Request") == "true"


def vary_on_htmx(response):
    # the same URL answers with a page or a fragment: caches must keep them apart
    response.vary.add("HX-Request")
    return response


def default_dataset(name: str | None) -> str | None:
    """The dataset asked for if it exists, else the demo, else the first there is (None: the store is empty)."""
    names = engine().store.names()
    if name in names:
        return name
    return "demo" if "demo" in names else (names[0] if names else None)


def id_arg(name: str) -> str | None:
    """An optional public id (of an analysis or scenario) from the query string; anything else is a 400 naming it."""
    value = request.args.get(name)
    if value is None:
        return None
    if not is_public_id(value):
        abort(400, description=f"{name} must be the id of one of your analyses")
    return value


def dataset_arg() -> str | None:
    """An optional dataset name from the query string; an unknown one is a 400 naming it."""
    name = request.args.get("dataset")
    if name is not None and name not in engine().store.names():
        abort(400, description=f"dataset: there is no dataset named {name!r}")
    return name


def table_args() -> dict:
    """How result tables are sorted and whether they show every row (templating.table_view checks the words)."""
    return {"sort": request.args.get("sort"), "show": request.args.get("rows"), "scale": request.args.get("scale")}


def init_app(app) -> None:
    app.after_request(vary_on_htmx)


class ClosedWhenSent:
    """WSGI middleware for werkzeug's development server (`serve`, the benches, the tests): a response's
    iterable is closed as soon as its last chunk is sent.

    The server closes it only after draining the socket, and a client that resets the connection first
    (a browser leaving a page while a static file loads) skips that close: the file stays open until
    garbage collection."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        return _Sent(self.app(environ, start_response))


class _Sent:
    def __init__(self, body):
        self.body = body

    def __iter__(self):
        try:
            yield from self.body
        finally:
            self.close()

    def close(self) -> None:
        body, self.body = self.body, ()
        if hasattr(body, "close"):
            body.close()
