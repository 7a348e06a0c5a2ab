"""The scenario builder: named lists of interventions saved per session, applied to any analysis."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for

from . import jobs
from .builderform import blank_intervention, builder_context, row_from_args, rows_from_form, validate
from .engine import parse_query
from .engine.interventions import FINAL_DEMAND, MAX_INTERVENTIONS
from .extensions import db
from .models import Scenario
from .ownership import client_key, current_owner, is_public_id, owned_job_or_404, owned_or_404
from .parsing import FieldError, strict_int
from .security import limit_submissions
from .web import dataset_arg, engine, id_arg, is_htmx

bp = Blueprint("scenarios", __name__)


def owned_scenario_or_404(scenario_id: str) -> Scenario:
    return owned_or_404(Scenario, scenario_id)


@bp.get("/scenarios")
def index():
    """Saved scenarios and the builder (new, or editing one)."""
    current_owner()
    edit = id_arg("edit")
    if edit is not None:
        scenario = owned_scenario_or_404(edit)
        context = builder_context(scenario.dataset, scenario.name,
                                  [{**iv, "change_pct": f"{iv['change_pct']:g}"} for iv in scenario.interventions],
                                  scenario_id=scenario.public_id)
    else:
        context = builder_context(dataset_arg())
        row = row_from_args(context["dataset"], request.args) if context["dataset"] else None
        if row is not None:  # "Use in a scenario" beside a coefficient: one row, the change left to enter
            context.update(rows=[row], name=_name_of(context["dataset"], row), filled=True)
    saved = id_arg("saved")  # the save redirects here with the scenario's id: confirm it in words
    context["saved"] = next((s for s in context["scenarios"] if s.public_id == saved), None)
    return render_template("scenarios/index.html", **context)


def _name_of(dataset, row: dict) -> str:
    """A first name for a scenario made from one coefficient: the supplier's and the buyer's products and regions."""
    buyer = "final demand" if row["consumer"] == FINAL_DEMAND else dataset.products[row["consumer"]].name
    name = f"{dataset.products[row['product']].name} ({row['origin']}) to {buyer} ({row['consumer_region']})"
    return name if len(name) <= 100 else name[:99] + "…"


def _moved(rows: list[dict], action: str) -> None:
    """Remove a row, or move it up or down, as the button pressed says."""
    verb, _, index = action.partition("-")
    i = strict_int(index, "action", 3, "the row to move or remove must be a row number")
    if i < len(rows):
        if verb == "remove":
            rows.pop(i)
        elif verb == "up" and i > 0:
            rows[i - 1], rows[i] = rows[i], rows[i - 1]
        elif verb == "down" and i < len(rows) - 1:
            rows[i + 1], rows[i] = rows[i], rows[i + 1]


@bp.post("/scenarios/builder")
def builder():
    """Add, remove or move a row, or save: the builder comes back with the change, or the scenario is saved."""
    form = request.form
    rows = rows_from_form(form)
    action = form.get("action", "")
    scenario_id = form.get("scenario_id") or None
    if scenario_id is not None and not is_public_id(scenario_id):
        abort(400, description="scenario_id: not the id of one of your scenarios")
    dataset_name = form.get("dataset")
    if dataset_name not in engine().store.names():
        abort(400, description=f"dataset: there is no dataset named {dataset_name!r}")
    context = builder_context(dataset_name, form.get("name", "").strip(), rows, scenario_id=scenario_id)
    dataset = context["dataset"]
    status = 200
    if dataset is None:
        abort(404)
    if action == "add" and len(rows) < MAX_INTERVENTIONS:
        rows.append(blank_intervention())
    elif action.startswith(("remove-", "up-", "down-")):
        _moved(rows, action)
    elif action == "dataset":
        context = builder_context(dataset_name, context["name"], None, scenario_id=scenario_id)
    elif action == "save":
        interventions, errors = validate(dataset, context["name"], rows)
        if not errors:
            if scenario_id is not None:
                scenario = owned_scenario_or_404(scenario_id)
            else:
                scenario = Scenario(owner=current_owner())
            scenario.name, scenario.dataset = context["name"], dataset.name
            scenario.interventions = [iv.to_dict() for iv in interventions]
            db.session.add(scenario)
            db.session.commit()
            target = url_for("scenarios.index", saved=scenario.public_id)
            if is_htmx():
                response = make_response("", 204)
                response.headers["HX-Redirect"] = target
                return response
            return redirect(target, 303)
        context["errors"], status = errors, 422
    if is_htmx():
        return render_template("scenarios/_builder.html", **context), status
    return render_template("scenarios/index.html", **context), status


@bp.post("/scenarios/<public_id:scenario_id>/delete")
def delete(scenario_id: str):
    """Delete a saved scenario (analyses already run under it keep their interventions)."""
    db.session.delete(owned_scenario_or_404(scenario_id))
    db.session.commit()
    return redirect(url_for("scenarios.index"), 303)


@bp.post("/analyses/<public_id:job_id>/scenario")
@limit_submissions
def apply(job_id: str):
    """Run the same analysis again under a saved scenario."""
    job = owned_job_or_404(job_id)
    scenario_id = request.form.get("scenario_id")
    if not is_public_id(scenario_id):
        raise FieldError("scenario_id", scenario_id, "choose a saved scenario to apply")
    scenario = owned_scenario_or_404(scenario_id)
    if scenario.dataset != job.query["dataset"]:
        raise FieldError("scenario_id", scenario_id, f"scenario {scenario.name!r} is for dataset "
                         f"{scenario.dataset}, the analysis for {job.query['dataset']}")
    # a classic view or an origin -> destination query alike: the job's own query, under the scenario
    new = jobs.submit(current_owner(), parse_query({**job.query, "interventions": scenario.interventions}),
                      client_key())
    if is_htmx():
        return render_template("workspace/_submitted.html", job=new)
    return redirect(url_for("pages.analysis", job_id=new.public_id), 303)
