"""Pages and fragments: the query form, the analysis queue, result panels, downloads."""

from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, make_response, redirect, render_template,
                   request, url_for)

from . import exports, jobs, presenting
from .engine import EngineError, Query, QueryError
from .engine.hierarchy import ROOT
from .extensions import db
from .models import Job
from .ownership import client_key, current_owner, is_public_id, owned_job_or_404, owned_jobs
from .security import limit_submissions
from .parsing import strict_int

bp = Blueprint("pages", __name__)


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


@bp.after_app_request
def vary_on_htmx(response):
    # the same URL answers with a page or a fragment: caches must keep them apart
    response.vary.add("HX-Request")
    return response


def _engine():
    return current_app.extensions["engine"]


def _level_names(tree, kind: str) -> dict[int, str]:
    depth = max(n.level for n in tree.nodes.values())
    if kind == "products" and depth == 3:
        return {1: "every section", 2: "every division", 3: "every product below a division"}
    if kind == "regions" and depth == 2:
        return {1: "every continent", 2: "every region"}
    return {k: f"every node at level {k}" for k in range(1, depth + 1)}


def picker(tree, kind: str, selected: list[str]) -> dict:
    """What the hierarchy picker template needs for one dimension."""
    nodes = tree.public()
    return {"kind": kind, "nodes": nodes, "selected": set(selected),
            "levels": sorted(_level_names(tree, kind).items())}


def expand_levels(tree, codes: list[str], level: str | None, field: str) -> list[str]:
    """Add a whole level (or every leaf) to the checked nodes, for browsers without JavaScript."""
    if not level:
        return codes
    if level == "leaves":
        extra = tree.leaf_codes()
    else:
        depth = strict_int(level, f"{field}_level", 3, "choose a level from the list")
        extra = [n["code"] for n in tree.public() if n["level"] == depth]
        if not extra:
            raise QueryError(f"{field}_level", level, "that level does not exist in this dataset")
    return [c for c in codes if c != ROOT or not extra] + [c for c in extra if c not in codes]


def form_state(dataset_name: str | None, values: dict | None = None, errors: dict | None = None) -> dict:
    """Everything the query form shows: choices from the dataset, the user's values, messages per field."""
    engine = _engine()
    names = engine.store.names()
    if dataset_name not in names:
        dataset_name = "demo" if "demo" in names else (names[0] if names else None)
    values = dict(values or {})
    state = {"datasets": names, "values": values, "errors": errors or {}, "dataset": None}
    if dataset_name is None:
        return state
    dataset = engine.dataset(dataset_name)
    values.setdefault("dataset", dataset_name)
    values.setdefault("year", dataset.years[-1])
    values.setdefault("indicator", dataset.indicators[0]["code"])
    values.setdefault("perspective", "consumption")
    values.setdefault("by", "product")
    values.setdefault("products", [ROOT])
    values.setdefault("regions", [ROOT])
    depth = {}
    for ind in dataset.indicators:
        depth[ind["code"]] = 0 if ind["parent"] is None else depth.get(ind["parent"], 0) + 1
    state.update(dataset=dataset, indicator_depth=depth,
                 products=picker(dataset.products, "products", values["products"]),
                 regions=picker(dataset.regions, "regions", values["regions"]))
    return state


def query_from_form(form) -> tuple[Query | None, dict, dict]:
    """(query or None, the values as entered, errors by field)."""
    values = {key: form.get(key, "") for key in ("dataset", "year", "indicator", "perspective", "by")}
    values["products"] = form.getlist("products")
    values["regions"] = form.getlist("regions")
    errors = {}
    try:
        dataset = _engine().dataset(values["dataset"])
        values["year"] = strict_int(values["year"], "year", 4, "choose a year from the list")
        values["products"] = expand_levels(dataset.products, values["products"], form.get("products_level"),
                                           "products")
        values["regions"] = expand_levels(dataset.regions, values["regions"], form.get("regions_level"),
                                          "regions")
        query = Query(dataset=values["dataset"], year=values["year"], indicator=values["indicator"],
                      perspective=values["perspective"], by=values["by"],
                      products=tuple(values["products"]), regions=tuple(values["regions"]))
        _engine().resolve(query)
        return query, values, errors
    except EngineError as exc:  # a bad field, or a dataset found damaged
        errors[exc.field] = exc.message
        return None, values, errors


def page_context(a: int | None = None, b: int | None = None, dataset: str | None = None) -> dict:
    queue = owned_jobs()
    by_id = {job.public_id: job for job in queue}  # ids of other sessions, or absurd ones, are simply absent
    panel_a = by_id.get(a) if a is not None else (queue[0] if queue else None)
    panel_b = by_id.get(b) if b is not None else None
    if (a is not None and panel_a is None) or (b is not None and panel_b is None):
        abort(404)
    return {"form": form_state(dataset), "queue": queue, "panel_a": panel_a, "panel_b": panel_b}


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
    if name is not None and name not in _engine().store.names():
        abort(400, description=f"dataset: there is no dataset named {name!r}")
    return name


@bp.get("/")
def index():
    """The whole workspace: query form, analysis queue, two result panels."""
    current_owner()  # the websocket needs the session from the first page on
    return render_template("index.html", **page_context(id_arg("a"), id_arg("b"), dataset_arg()))


@bp.get("/form")
def query_form():
    """The query form for another dataset (htmx swaps it in when the dataset changes)."""
    dataset = dataset_arg()
    if not is_htmx():
        return redirect(url_for("pages.index", dataset=dataset), 303)
    return render_template("_form.html", form=form_state(dataset))


@bp.post("/analyses")
@limit_submissions
def submit():
    """Queue an analysis for this session; a fragment for htmx, 303 to its page otherwise."""
    query, values, errors = query_from_form(request.form)
    if query is None:
        form = form_state(values.get("dataset") if values.get("dataset") in _engine().store.names() else None,
                          values, errors)
        if is_htmx():
            response = make_response(render_template("_form.html", form=form), 422)
            response.headers["HX-Retarget"] = "#query-form"
            response.headers["HX-Reswap"] = "outerHTML"
            return response
        context = page_context()
        context["form"] = form
        return render_template("index.html", **context), 422
    job = jobs.submit(current_owner(), query, client_key())
    if is_htmx():
        return render_template("_submitted.html", job=job)
    return redirect(url_for("pages.analysis", job_id=job.public_id), 303)


@bp.get("/analyses/<public_id:job_id>")
def analysis(job_id: str):
    """One analysis: its status until done, then its result. A panel fragment for htmx."""
    job = owned_job_or_404(job_id)
    side = request.args.get("side", "a")
    if side not in ("a", "b"):
        abort(404)
    against = id_arg("against")
    if against is not None:
        against = owned_job_or_404(against)
    if is_htmx():
        return render_template("_panel.html", job=job, side=side, against=against, queue=owned_jobs())
    return render_template("analysis.html", job=job, queue=owned_jobs())


@bp.get("/analyses/<public_id:job_id>.csv")
def download_csv(job_id: str):
    """The result as CSV, with the query on every row."""
    job = owned_job_or_404(job_id)
    if job.result is None:
        abort(404)
    return Response(exports.csv_text(job), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="ramascene-analysis-{job.number}.csv"'})


@bp.get("/analyses/<public_id:job_id>.svg")
def download_svg(job_id: str):
    """The result's chart as an SVG file."""
    job = owned_job_or_404(job_id)
    if job.result is None:
        abort(404)
    svg = presenting.chart(job.query, job.result, f"chart-{job.public_id}")
    return Response('<?xml version="1.0" encoding="UTF-8"?>\n' + svg, mimetype="image/svg+xml",
                    headers={"Content-Disposition": f'attachment; filename="ramascene-analysis-{job.number}.svg"'})


@bp.post("/analyses/<public_id:job_id>/delete")
def delete(job_id: str):
    """Delete one queue item."""
    job = owned_job_or_404(job_id)
    gone = {"public_id": job.public_id, "number": job.number}
    jobs.delete([job])
    if is_htmx():
        return render_template("_deleted.html", job=gone)
    return redirect(url_for("pages.index"), 303)


@bp.post("/analyses/delete")
def delete_all():
    """Delete every queue item of this session."""
    jobs.delete(owned_jobs())
    if is_htmx():
        return render_template("_queue.html", queue=[])
    return redirect(url_for("pages.index"), 303)


@bp.app_template_global()
def describe(query):
    return presenting.describe(query)


@bp.app_template_global()
def chart_svg(job, ident):
    return presenting.chart(job.query, job.result, ident)


@bp.app_template_global()
def comparison(a, b):
    if a is None or b is None:
        return None
    return presenting.comparison({"query": a.query, "result": a.result}, {"query": b.query, "result": b.result})


@bp.app_template_global()
def describe_intervention(iv, dataset_name):
    from .scenarios import describe_intervention as words

    return words(iv, presenting.dataset_or_none(dataset_name))


@bp.app_template_global()
def scenarios_for(dataset_name):
    from .scenarios import owned_scenarios

    return owned_scenarios(dataset_name)


@bp.app_template_filter()
def number(value):
    from .charts import format_value

    return "–" if value is None else format_value(value)


@bp.app_template_filter()
def percent(value):
    return "–" if value is None else f"{100 * value:.1f} %"


@bp.app_errorhandler(EngineError)
def engine_error(exc):
    return render_template("error.html", message=str(exc)), 400
