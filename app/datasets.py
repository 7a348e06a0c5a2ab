"""The "Datasets" page: every dataset with where it came from (database, each year's version and file, when
it was imported), its licence as known, its size and what it offers (regions, products, indicators)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from .engine import EngineError
from .web import engine

bp = Blueprint("datasets", __name__)


def _described(name: str) -> dict:
    """One dataset for the page; a damaged one with what is wrong instead of its figures."""
    try:
        dataset = engine().dataset(name)
    except EngineError as exc:
        return {"name": name, "problem": exc.message}
    return {"name": name, "years": dataset.years, "regions": dataset.regions.size,
            "products": dataset.products.size, "indicators": dataset.indicators,
            "bytes_per_year": dataset.year_bytes(), "provenance": dataset.provenance()}


@bp.get("/datasets")
def index():
    return render_template("datasets/index.html", datasets=[_described(n) for n in engine().store.names()])


@bp.get("/datasets/<name>")
def show(name: str):
    if name not in engine().store.names():
        abort(404)
    return render_template("datasets/index.html", datasets=[_described(name)], one=True)
