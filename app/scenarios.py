"""The scenario builder: named lists of interventions saved per session, applied to any analysis."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for

from . import jobs
from .engine import EngineError, QueryError
from .engine.hierarchy import ROOT
from .engine.query import Query
from .engine.scenario import FIELDS, FINAL_DEMAND, MAX_INTERVENTIONS, Intervention, check_interventions
from .extensions import db
from .models import Scenario
from .ownership import client_key, current_owner, is_public_id, owned_job_or_404, owned_or_404
from .parsing import FieldError, optional_int, strict_int, strict_number
from .security import limit_submissions

bp = Blueprint("scenarios", __name__)


def _engine():
    return current_app.extensions["engine"]


def owned_scenarios(dataset: str | None = None) -> list[Scenario]:
    owner = current_owner(create=False)
    if owner is None:
        return []
    query = db.select(Scenario).where(Scenario.owner == owner).order_by(Scenario.id.desc())
    if dataset is not None:
        query = query.where(Scenario.dataset == dataset)
    return db.session.scalars(query).all()


def owned_scenario_or_404(scenario_id: str) -> Scenario:
    return owned_or_404(Scenario, scenario_id)


def blank(dataset) -> dict:
    return {"product": ROOT, "origin": ROOT, "consumer": FINAL_DEMAND, "consumer_region": ROOT, "change_pct": ""}


def rows_from_form(form) -> list[dict]:
    """The builder's rows as entered (strings), in order."""
    # one more than allowed is kept, so that validate() can say there are too many
    count = min(strict_int(form.get("count", "0"), "count", 3), MAX_INTERVENTIONS + 1)
    # codes come from the selects as they are (a dataset's code may begin with a space or a tab)
    return [{key: form.get(f"{key}-{i}", "").strip() if key == "change_pct" else form.get(f"{key}-{i}", "")
             for key in FIELDS} for i in range(count)]


def validate(dataset, name: str, rows: list[dict]) -> tuple[list[Intervention], dict]:
    """Interventions from the rows, or messages keyed by field (interventions[i].key)."""
    errors, interventions = {}, []
    if not name or len(name) > 100:
        errors["name"] = "give the scenario a name of 1 to 100 characters"
    if not rows:
        errors["interventions"] = "add at least one intervention"
    if len(rows) > MAX_INTERVENTIONS:
        errors["interventions"] = f"at most {MAX_INTERVENTIONS} interventions"
    for i, row in enumerate(rows):
        data = dict(row)
        try:
            data["change_pct"] = strict_number(row["change_pct"], f"interventions[{i}].change_pct",
                                               "enter the change in percent as a plain number, e.g. -20 or 12.5")
        except FieldError as exc:
            errors[exc.field] = exc.message
            continue
        try:
            intervention = Intervention.from_dict(data, i)
            check_interventions(dataset, [intervention])
            interventions.append(intervention)
        except QueryError as exc:
            errors[exc.field.replace("interventions[0]", f"interventions[{i}]")] = exc.message.replace(
                "interventions[0]", f"intervention {i + 1}")
    return interventions, errors


def builder_context(dataset_name: str | None, name: str = "", rows=None, errors=None, scenario_id=None) -> dict:
    names = _engine().store.names()
    if dataset_name not in names:
        dataset_name = "demo" if "demo" in names else (names[0] if names else None)
    dataset = _engine().dataset(dataset_name) if dataset_name else None
    return {"dataset": dataset, "datasets": names, "name": name, "rows": rows if rows is not None else
            ([blank(dataset)] if dataset else []), "errors": errors or {}, "scenario_id": scenario_id,
            "scenarios": owned_scenarios(), "max": MAX_INTERVENTIONS}


@bp.get("/scenarios")
def index():
    """Saved scenarios and the builder (new, or editing one)."""
    current_owner()
    from .pages import id_arg

    edit = id_arg("edit")
    if edit is not None:
        scenario = owned_scenario_or_404(edit)
        context = builder_context(scenario.dataset, scenario.name,
                                  [{**iv, "change_pct": f"{iv['change_pct']:g}"} for iv in scenario.interventions],
                                  scenario_id=scenario.public_id)
    else:
        from .pages import dataset_arg

        context = builder_context(dataset_arg())
    return render_template("scenarios.html", **context)


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
    if dataset_name not in _engine().store.names():
        abort(400, description=f"dataset: there is no dataset named {dataset_name!r}")
    context = builder_context(dataset_name, form.get("name", "").strip(), rows, scenario_id=scenario_id)
    dataset = context["dataset"]
    status = 200
    if dataset is None:
        abort(404)
    if action == "add" and len(rows) < MAX_INTERVENTIONS:
        rows.append(blank(dataset))
    elif action.startswith(("remove-", "up-", "down-")):
        verb, _, index = action.partition("-")
        i = strict_int(index, "action", 3, "the row to move or remove must be a row number")
        if i < len(rows):
            if verb == "remove":
                rows.pop(i)
            elif verb == "up" and i > 0:
                rows[i - 1], rows[i] = rows[i], rows[i - 1]
            elif verb == "down" and i < len(rows) - 1:
                rows[i + 1], rows[i] = rows[i], rows[i + 1]
    elif action == "dataset":
        context = builder_context(dataset_name, context["name"], None, scenario_id=scenario_id)
    elif action == "save":
        interventions, errors = validate(dataset, context["name"], rows)
        if not errors:
            owner = current_owner()
            scenario = owned_scenario_or_404(scenario_id) if scenario_id is not None else Scenario(owner=owner)
            scenario.name, scenario.dataset = context["name"], dataset.name
            scenario.interventions = [iv.to_dict() for iv in interventions]
            db.session.add(scenario)
            db.session.commit()
            target = url_for("scenarios.index", saved=scenario.public_id)
            if request.headers.get("HX-Request") == "true":
                response = make_response("", 204)
                response.headers["HX-Redirect"] = target
                return response
            return redirect(target, 303)
        context["errors"], status = errors, 422
    if request.headers.get("HX-Request") == "true":
        return render_template("_builder.html", **context), status
    return render_template("scenarios.html", **context), status


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
        return render_template("error.html", message="scenario_id: choose a saved scenario to apply"), 400
    scenario = owned_scenario_or_404(scenario_id)
    if scenario.dataset != job.query["dataset"]:
        return render_template("error.html", message=f"scenario {scenario.name!r} is for dataset "
                               f"{scenario.dataset}, the analysis for {job.query['dataset']}"), 400
    try:
        query = Query.from_dict({**job.query, "interventions": scenario.interventions})
        new = jobs.submit(current_owner(), query, client_key())
    except EngineError as exc:
        return render_template("error.html", message=str(exc)), 400
    if request.headers.get("HX-Request") == "true":
        return render_template("_submitted.html", job=new)
    return redirect(url_for("pages.analysis", job_id=new.public_id), 303)


def describe_intervention(iv: dict, dataset) -> str:
    """One intervention in words."""
    def node(tree, code):
        return f"{tree[code].name} ({code})" if dataset is not None and code in tree else code

    products = dataset.products if dataset else None
    regions = dataset.regions if dataset else None
    to = ("final demand" if iv["consumer"] == FINAL_DEMAND
          else f"the industries making {node(products, iv['consumer'])}")
    return (f"{node(products, iv['product'])} made in {node(regions, iv['origin'])}, delivered to {to} "
            f"in {node(regions, iv['consumer_region'])}: {iv['change_pct']:+g} %")
