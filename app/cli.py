"""Command line: `flask --app wsgi data ...`, `query` and `bench`."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from .engine import EngineError, Query, QueryError
from .engine.hierarchy import ROOT

data = AppGroup("data", help="Create, import, inspect and delete datasets.")


def _engine():
    return current_app.extensions["engine"]


def _log(message: str) -> None:
    click.echo(message, err=True)


def _fail(exc: EngineError):
    raise click.ClickException(str(exc))


def _years(text: str) -> list[int]:
    try:
        years = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a comma-separated list of years") from None
    if not years or any(not 1900 <= y <= 2100 for y in years):
        raise click.BadParameter(f"{text!r}: years must lie between 1900 and 2100")
    return years


@data.command("demo")
@click.option("--name", default="demo", show_default=True)
@click.option("--if-missing", is_flag=True, help="Do nothing when the dataset already exists.")
def data_demo(name, if_missing):
    """Make a dataset from pymrio's bundled test MRIO (6 regions x 8 sectors)."""
    from .engine.sources import demo_source

    store = _engine().store
    if if_missing and name in store.names():
        _log(f"dataset {name!r} exists")
        return
    try:
        dataset = store.write(name, demo_source(), log=_log)
    except EngineError as exc:
        _fail(exc)
    _log(f"dataset {dataset.name!r}: {dataset.regions.size} regions x {dataset.products.size} products, "
         f"{len(dataset.indicators)} indicators, years {dataset.years}")


@data.command("synth")
@click.option("--name", required=True)
@click.option("--years", "years_text", required=True, help="Comma-separated, e.g. 2011,2012.")
@click.option("--regions", default=49, show_default=True, type=int)
@click.option("--products", default=200, show_default=True, type=int)
@click.option("--seed", default=0, show_default=True, type=int)
def data_synth(name, years_text, regions, products, seed):
    """Make a synthetic dataset with EXIOBASE 3 pxp's shape and labels."""
    from .engine.synth import synthetic_source

    started = time.perf_counter()
    try:
        dataset = _engine().store.write(name, synthetic_source(_years(years_text), regions, products, seed),
                                        log=_log)
    except EngineError as exc:
        _fail(exc)
    _log(f"dataset {dataset.name!r}: {dataset.regions.size} regions x {dataset.products.size} products, "
         f"years {dataset.years}, {time.perf_counter() - started:.1f} s")


@data.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--name", required=True)
@click.option("--years", "years_text", help="Comma-separated, one per path, when the names do not tell.")
def data_import(paths, name, years_text):
    """Import EXIOBASE 3 archives (zip or folder, pxp or ixi) or pymrio folders, one year each."""
    from .engine.sources import import_source
    from .engine.store import check_name

    started = time.perf_counter()
    try:
        check_name(name)
        source = import_source(list(paths), _years(years_text) if years_text else None)
        dataset = _engine().store.write(name, source, log=_log)
    except EngineError as exc:
        _fail(exc)
    _log(f"dataset {dataset.name!r}: years {dataset.years}, {time.perf_counter() - started:.1f} s")


@data.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def data_list(fmt):
    """List the datasets: years, size, indicators; a damaged one with what is wrong (sizes, not checksums)."""
    store = _engine().store
    summaries = []
    for name in store.names():
        try:
            dataset = store.open(name)
        except EngineError as exc:  # damaged since names() looked
            summaries.append({"name": name, "damaged": exc.message})
            continue
        summary = dataset.summary()
        problems = dataset.problems(checksums=False, identities=False)
        if problems:
            summary["damaged"] = f"{problems[0]}; check it with `flask --app wsgi data verify {name}`"
        summaries.append(summary)
    summaries += [{"name": name, "damaged": problem} for name, problem in store.damaged().items()]
    summaries.sort(key=lambda s: s["name"])
    if fmt == "json":
        click.echo(json.dumps(summaries, indent=1))
        return
    if not summaries:
        click.echo("no datasets; make one with `flask --app wsgi data demo`")
    for s in summaries:
        if "years" not in s:
            click.echo(f"{s['name']}: DAMAGED: {s['damaged']}")
            continue
        click.echo(f"{s['name']}: years {', '.join(map(str, s['years']))}; {s['regions']} regions x "
                   f"{s['products']} products; {len(s['indicators'])} indicators; "
                   f"{s['bytes'] / 1e6:.1f} MB")
        if "damaged" in s:
            click.echo(f"  DAMAGED: {s['damaged']}")
        for ind in s["indicators"]:
            click.echo(f"  {ind['code']}: {ind['name']} [{ind['unit']}]")


@data.command("show")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def data_show(name, fmt):
    """Show what can be selected in a dataset: years, product and region trees, indicators."""
    try:
        dataset = _engine().dataset(name)
    except EngineError as exc:
        _fail(exc)
    problems = dataset.problems(checksums=False, identities=False)
    if problems:
        _log(f"warning: dataset {name!r} is damaged: {problems[0]}; check it with "
             f"`flask --app wsgi data verify {name}`")
    shown = {
        "years": dataset.years,
        "products": dataset.products.public(),
        "regions": dataset.regions.public(),
        "indicators": [{"code": i["code"], "name": i["name"], "unit": i["unit"], "parent": i["parent"]}
                       for i in dataset.indicators],
    }
    if fmt == "json":
        click.echo(json.dumps(shown, indent=1))
        return
    click.echo(f"years: {', '.join(map(str, dataset.years))}")
    for tree in ("products", "regions"):
        click.echo(f"{tree}:")
        for node in shown[tree]:
            click.echo(f"{'  ' * (node['level'] + 1)}{node['code']}  {node['name']}")
    click.echo("indicators:")
    for ind in shown["indicators"]:
        click.echo(f"  {'  ' if ind['parent'] else ''}{ind['code']}  {ind['name']} [{ind['unit']}]")


@data.command("verify")
@click.argument("name")
def data_verify(name):
    """Check every file of a dataset (size, header, sha256) and its identities ((I - A) L = I, M = S L, x = L y)."""
    try:
        problems = _engine().store.verify(name)
    except EngineError as exc:
        _fail(exc)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"dataset {name!r} failed {len(problems)} check(s)")
    click.echo(f"dataset {name!r}: sizes, checksums and identities hold")


@data.command("delete")
@click.argument("name")
def data_delete(name):
    """Delete a dataset."""
    try:
        _engine().store.delete(name)
    except EngineError as exc:
        _fail(exc)
    click.echo(f"deleted {name!r}")


def format_result(result, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(result.to_dict())
    if fmt == "csv":
        from .presenting import csv_table

        rows = [[row.code, row.name, row.level, row.value, result.unit] for row in result.rows]
        rows.append(["", "total of the selection", "", result.total, result.unit])
        return csv_table(["code", "name", "level", "value", "unit"], rows).rstrip("\n")
    width = max([len(r.code) + 2 * r.level for r in result.rows] + [4])
    lines = [f"{'code':<{width}}  {'name':<40}  {'value':>16}  unit"]
    for row in result.rows:
        lines.append(f"{'  ' * row.level + row.code:<{width}}  {row.name[:40]:<40}  {row.value:>16.6g}  {result.unit}")
    lines.append(f"{'total':<{width}}  {'':<40}  {result.total:>16.6g}  {result.unit}")
    return "\n".join(lines)


@click.command("query")
@with_appcontext
@click.option("--dataset", required=True)
@click.option("--year", type=int, help="Default: the dataset's latest year.")
@click.option("--indicator", required=True)
@click.option("--perspective", type=click.Choice(["consumption", "production"]), required=True)
@click.option("--by", "by", type=click.Choice(["product", "region"]), required=True)
@click.option("--products", multiple=True, help="Product node code; repeat for several. Default TOTAL.")
@click.option("--regions", multiple=True, help="Region node code; repeat for several. Default TOTAL.")
@click.option("--intervention", "interventions", multiple=True, metavar="SPEC",
              help="product=CODE,origin=CODE,consumer=FD|CODE,consumer_region=CODE,change=PCT; repeat for "
                   "several, applied in order.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "table"]), default="table", show_default=True)
def query_command(dataset, year, indicator, perspective, by, products, regions, interventions, fmt):
    """Answer one analysis query (optionally under a scenario) and print the result."""
    from .engine.scenario import MAX_INTERVENTIONS, Intervention

    try:
        if len(interventions) > MAX_INTERVENTIONS:
            raise QueryError("interventions", len(interventions), f"at most {MAX_INTERVENTIONS} interventions")
        query = Query(dataset=dataset, year=year, indicator=indicator, perspective=perspective, by=by,
                      products=tuple(products) or (ROOT,), regions=tuple(regions) or (ROOT,),
                      interventions=tuple(Intervention.parse(text, i) for i, text in enumerate(interventions)))
        result = _engine().answer(query)
    except EngineError as exc:
        _fail(exc)
    click.echo(format_result(result, fmt))


@click.command("bench")
@with_appcontext
@click.option("--dataset", required=True)
@click.option("--queries", default=1000, show_default=True, type=int)
@click.option("--vs-pymrio", is_flag=True, help="Also time pymrio's calc_all on the same year.")
@click.option("--scenarios", default=10, show_default=True, type=int,
              help="Scenario queries per kind (1 and 5 interventions); 0 skips scenarios.")
def bench_command(dataset, queries, vs_pymrio, scenarios):
    """Time the standard views, one dense L @ y, peak memory; print one JSON object."""
    from .bench import run_bench

    try:
        report = run_bench(_engine(), dataset, queries, vs_pymrio, log=_log, scenarios=scenarios)
    except EngineError as exc:
        _fail(exc)
    click.echo(json.dumps(report, indent=1))


def _until_interrupted(run, consumers) -> None:
    """Run until Ctrl-C or SIGTERM (both arrive as KeyboardInterrupt), then stop the consumers gracefully."""
    try:
        run()
    except KeyboardInterrupt:
        pass
    finally:
        consumers.stop()
        click.echo("stopped", err=True)


@click.command("worker")
@click.option("--queue", "queue_name", type=click.Choice(["all", "analyses", "scenarios"]), default="all",
              show_default=True, help="Which queue to consume; scenarios have their own so they never delay analyses.")
@click.option("--workers", default=2, show_default=True, help="Worker threads per queue.")
@with_appcontext
def worker_command(queue_name, workers):
    """Run Huey consumers that preload the datasets (Ctrl-C or SIGTERM stops them)."""
    from tasks import start_consumers

    names = ["analyses", "scenarios"] if queue_name == "all" else [queue_name]
    kinds = [{"analyses": "analysis", "scenarios": "scenario"}[name] for name in names]  # the option's words
    consumers = start_consumers(current_app._get_current_object(), workers, workers, kinds)
    click.echo(f"consuming {', '.join(names)} with {workers} threads each", err=True)
    _until_interrupted(lambda: time.sleep(10**9), consumers)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int, envvar="PORT")
@click.option("--workers", default=2, show_default=True, help="Embedded worker threads.")
@with_appcontext
def serve_command(host, port, workers):
    """Serve the app with an embedded worker in one foreground process; Ctrl-C stops both."""
    from werkzeug.serving import run_simple

    from tasks import start_consumers

    app = current_app._get_current_object()
    consumers = start_consumers(app, workers)
    click.echo(f"RaMa-Scene on http://{host}:{port}/ with {workers} embedded worker threads", err=True)
    _until_interrupted(lambda: run_simple(host, port, app, threaded=True, use_reloader=False), consumers)


@click.command("bench-web")
@click.option("--analyses", default=100, show_default=True, type=int)
@click.option("--dataset", default="demo", show_default=True)
@click.option("--interventions", default=0, show_default=True, type=int,
              help="Make every analysis a scenario with this many interventions.")
@with_appcontext
def bench_web_command(analyses, dataset, interventions):
    """Submit analyses over HTTP and time each until its done notification arrives on the websocket."""
    from .bench_web import run_web_bench

    click.echo(json.dumps(run_web_bench(current_app._get_current_object(), analyses, dataset, log=_log,
                                        interventions=interventions), indent=1))


@click.command("load")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True)
@click.option("--users", default=200, show_default=True, type=click.IntRange(1, 1000))
@click.option("--analyses", default=5, show_default=True, type=click.IntRange(1, 15))
@click.option("--dataset", default="demo", show_default=True)
def load_command(url, users, analyses, dataset):
    """Simulate users against a running server: page, websocket, analyses waited for; print one JSON object."""
    from .load import run_load

    if not url.startswith(("http://127.", "http://localhost")):
        raise click.BadParameter("load tests go to this machine only (http://127.x.x.x or localhost)", param_hint="--url")
    click.echo(json.dumps(run_load(url, users, analyses, dataset), indent=1))


@click.command("flood")
@click.option("--url", required=True, help="A server already running on this machine.")
@click.option("--dataset", default="exio-synth", show_default=True)
@click.option("--cookies", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--jobs", default=15, show_default=True, type=click.IntRange(1, 100))
def flood_command(url, dataset, cookies, jobs):
    """Fairness: heavy scenarios from many cookies at one address, then another user's small one; prints JSON."""
    from .flood import run_flood

    if not url.startswith(("http://127.", "http://localhost")):
        raise click.BadParameter("floods go to this machine only (http://127.x.x.x or localhost)", param_hint="--url")
    click.echo(json.dumps(run_flood(url.rstrip("/"), dataset, cookies, jobs), indent=1))


@click.command("load-production")
@click.option("--users", default=200, show_default=True, type=click.IntRange(1, 1000))
@click.option("--analyses", default=5, show_default=True, type=click.IntRange(1, 15))
@click.option("--dataset", default="demo", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
def load_production_command(users, analyses, dataset, port):
    """Start gunicorn and two consumers on DATABASE_URL and REDIS_URL, load them, report, stop them."""
    from .load import run_production_load

    click.echo(json.dumps(run_production_load(users, analyses, dataset, port, _log), indent=1))


def init_app(app):
    app.cli.add_command(load_command)
    app.cli.add_command(flood_command)
    app.cli.add_command(load_production_command)
    app.cli.add_command(bench_web_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(data)
    app.cli.add_command(query_command)
    app.cli.add_command(bench_command)
