"""Pages and fragments: the query form, the analysis queue, result panels, downloads."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for

from . import bookmarks, jobs, timeviews
from .classicform import any_query_from_form
from .engine import parse_query
from .forms import form_state, picker_edit
from .ownership import client_key, current_owner, is_public_id, owned_job_or_404, owned_jobs, owned_scenarios
from .parsing import FieldError, strict_int, strict_number
from .resultfiles import result_file
from .security import limit_submissions
from .web import dataset_arg, id_arg, is_htmx, table_args

bp = Blueprint("pages", __name__)
bp.add_app_template_global(bookmarks.url_of, "query_link")  # the workspace URL that asks a stored query again


def page_context(a: str | None = None, b: str | None = None, dataset: str | None = None,
                 form: dict | None = None) -> dict:
    """The workspace: the form (blank for the dataset, unless given), this session's queue, the jobs in
    panels A and B, its saved scenarios."""
    queue = owned_jobs()
    by_id = {job.public_id: job for job in queue}  # ids of other sessions, or absurd ones, are simply absent
    panel_a = by_id.get(a) if a is not None else (queue[0] if queue else None)
    panel_b = by_id.get(b) if b is not None else None
    if (a is not None and panel_a is None) or (b is not None and panel_b is None):
        abort(404)
    return {"form": form or form_state(dataset), "queue": queue, "panel_a": panel_a, "panel_b": panel_b,
            "saved_scenarios": owned_scenarios(), **table_args()}


@bp.get("/")
def index():
    """The whole workspace: query form, analysis queue, two result panels. A URL with a query's fields
    opens the form filled in (app/bookmarks.py), checked as a submit is; with run=1, a page asks first."""
    current_owner()  # the websocket needs the session from the first page on
    a, b, dataset, run = id_arg("a"), id_arg("b"), dataset_arg(), request.args.get("run")
    if run not in (None, "1"):
        raise FieldError("run", run, "run must be 1 (to be asked whether to run the query) or left out")
    asked = bookmarks.read(request.args)
    if asked is None:
        return render_template("workspace/index.html", **page_context(a, b, dataset))
    query, values, errors, form = asked
    if run and query is not None:
        # never queued by a GET: a link from another site could do that much; the page's POST carries the token
        return render_template("workspace/confirm.html", query=query.to_dict(), fields=form.items(multi=True))
    context = page_context(a, b, form=form_state(values.get("dataset"), values, errors))
    # the form stays folded under the result of this very query (a reload after a run); another opens it
    shown = context["panel_a"]
    unfold = query is None or shown is None or bookmarks.url_of(shown.query) != bookmarks.url_of(query.to_dict())
    return render_template("workspace/index.html", unfold=unfold, **context), 422 if errors else 200


@bp.get("/form")
def query_form():
    """The query form for another dataset (htmx swaps it in when the dataset changes, and puts the
    workspace's URL for it in the address bar, as the form without JavaScript goes there)."""
    dataset = dataset_arg()
    if not is_htmx():
        return redirect(url_for("pages.index", dataset=dataset), 303)
    response = make_response(render_template("workspace/_form.html", form=form_state(dataset)))
    response.headers["HX-Push-Url"] = url_for("pages.index", dataset=dataset)
    return response


def form_again(form: dict, status: int):
    """The query form shown again as entered: the form fragment for htmx, else the whole workspace."""
    if is_htmx():
        response = make_response(render_template("workspace/_form.html", form=form), status)
        response.headers["HX-Retarget"] = "#query-forms"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    context = page_context()
    context["form"] = form
    return render_template("workspace/index.html", **context), status


@bp.post("/analyses")
@limit_submissions
def submit():
    """Queue an analysis for this session; a fragment for htmx, 303 to its page otherwise.

    A picker button (Find, Add a whole level, Remove) only shows the form again, changed, and queues nothing."""
    edited = picker_edit(request.form)
    if edited is not None:
        values, errors = edited
        return form_again(form_state(values.get("dataset"), values, errors), 422 if errors else 200)
    query, values, errors = any_query_from_form(request.form)
    if query is None:
        return form_again(form_state(values.get("dataset"), values, errors), 422)
    job = jobs.submit(current_owner(), query, client_key())
    if is_htmx():
        response = make_response(render_template("workspace/_submitted.html", job=job))
        # the query's own URL in the address bar: bookmarks, and the back button to the form before
        response.headers["HX-Push-Url"] = bookmarks.url_of(job.query) or "false"
        return response
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
    context = {"job": job, "queue": owned_jobs(), "saved_scenarios": owned_scenarios(), **table_args()}
    if is_htmx():
        return render_template("workspace/_panel.html", side=side, against=against, **context)
    return render_template("workspace/analysis.html", **context)


@bp.post("/analyses/<public_id:job_id>/explain")
@limit_submissions
def explain(job_id: str):
    """Queue the decomposition that explains a series' change, or the change between this result and
    another of the same view in another year (`against`)."""
    job = owned_job_or_404(job_id)
    against = request.form.get("against")
    if against is not None:
        if not is_public_id(against):
            raise FieldError("against", against, "choose an analysis to compare with")
        against = owned_job_or_404(against)
    query, refusal = timeviews.explain_target(job, against)
    if refusal:
        raise FieldError("against" if against is not None else "decompose", job.public_id,
                         f"the change cannot be explained: {refusal}")
    new = jobs.submit(current_owner(), parse_query(query), client_key())
    if is_htmx():
        return render_template("workspace/_submitted.html", job=new)
    return redirect(url_for("pages.analysis", job_id=new.public_id), 303)


@bp.post("/analyses/<public_id:job_id>/chain")
@limit_submissions
def chain(job_id: str):
    """Queue a supply-chain analysis (layers, paths or sensitivity) of this result's selection."""
    job = owned_job_or_404(job_id)
    kind = request.form.get("kind")
    size = {"layers": "tiers", "paths": "count", "sensitivity": "top"}
    if kind not in size:
        raise FieldError("kind", kind, "choose the kind of supply-chain analysis: layers, paths or sensitivity")
    data = {**job.query, kind: strict_int(request.form.get(size[kind], ""), size[kind], 4)}
    if kind == "paths":
        data["depth"] = strict_int(request.form.get("depth", ""), "depth", 2)
        data["threshold"] = strict_number(request.form.get("threshold", ""), "threshold")
    new = jobs.submit(current_owner(), parse_query(data), client_key())
    if is_htmx():
        return render_template("workspace/_submitted.html", job=new)
    return redirect(url_for("pages.analysis", job_id=new.public_id), 303)


@bp.get("/analyses/<public_id:job_id>.csv")
def download_csv(job_id: str):
    """The result as CSV, with the query on every row."""
    return result_file(owned_job_or_404(job_id), "csv")


@bp.get("/analyses/<public_id:job_id>.svg")
def download_svg(job_id: str):
    """The result's chart as an SVG file."""
    return result_file(owned_job_or_404(job_id), "svg")


@bp.post("/analyses/<public_id:job_id>/delete")
def delete(job_id: str):
    """Delete one queue item."""
    job = owned_job_or_404(job_id)
    gone = {"public_id": job.public_id, "number": job.number}
    jobs.delete([job])
    if is_htmx():  # the whole list, so that it matches whatever the socket has sent meanwhile
        return render_template("workspace/_deleted.html", job=gone, queue=owned_jobs())
    return redirect(url_for("pages.index"), 303)


@bp.post("/analyses/delete")
def delete_all():
    """Delete every queue item of this session."""
    jobs.delete(owned_jobs())
    if is_htmx():
        return render_template("workspace/_queue.html", queue=[])
    return redirect(url_for("pages.index"), 303)
