"""The performance commands: engine and web benchmarks, load and flood tests (the tools live in app/perf/)."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from ..engine import EngineError
from .common import engine, fail, log


@click.command("bench")
@with_appcontext
@click.option("--dataset", required=True)
@click.option("--queries", default=1000, show_default=True, type=int)
@click.option("--vs-pymrio", is_flag=True, help="Also time pymrio's calc_all on the same year.")
@click.option("--scenarios", default=10, show_default=True, type=int,
              help="Scenario queries per kind (1 and 5 interventions); 0 skips scenarios.")
@click.option("--dense-checks", type=click.Choice(["auto", "yes", "no"]), default="auto", show_default=True,
              help="The dense references: scenarios against an LU of I - A' (else against an iterative solve on "
              "the sparse A'), a full re-inversion, a change of every cell, --vs-pymrio. auto: up to 8,000 "
              "sectors (each takes minutes and gigabytes at GLORIA's 19,680).")
@click.option("--chains/--no-chains", default=True, show_default=True, help="Time the supply-chain analyses.")
def bench_command(dataset, queries, vs_pymrio, scenarios, dense_checks, chains):
    """Time the standard views, origin -> destination views, scenarios and supply chains beside one dense
    L @ y; peak memory (RssAnon through the queries) and the store per year; print one JSON object."""
    from ..perf.bench import run_bench

    dense = {"auto": None, "yes": True, "no": False}[dense_checks]
    try:
        report = run_bench(engine(), dataset, queries, vs_pymrio, log=log, scenarios=scenarios, dense=dense,
                           chains=chains)
    except EngineError as exc:
        fail(exc)
    click.echo(json.dumps(report, indent=1))


def _memory(check, dataset: str, queries: int, limit_mb: float) -> None:
    """Run a memory check in this process, print its JSON report, exit 1 above the limit."""
    try:
        report = check(engine(), dataset, queries, limit_mb, log=log)
    except EngineError as exc:
        fail(exc)
    click.echo(json.dumps(report, indent=1))
    if not report["within_limit"]:
        peak = report["rss_anon_mb"]["peak"] if "rss_anon_mb" in report else report["rss_anon_peak_mb"]
        raise click.ClickException(f"--limit-mb: peak RssAnon {peak} MB is above {limit_mb:g} MB")


def _memory_options(default_mb: float):
    def wrap(command):
        for option in reversed([
                click.option("--dataset", required=True),
                click.option("--queries", default=1000, show_default=True, type=click.IntRange(1, 100_000)),
                click.option("--limit-mb", default=default_mb, show_default=True, type=click.FloatRange(min=1),
                             help="Fail (exit 1) when the peak RssAnon exceeds this.")]):
            command = option(command)
        return with_appcontext(command)
    return wrap


@click.command("bench-flows-memory")
@_memory_options(500.0)
def bench_flows_memory_command(dataset, queries, limit_mb):
    """Answer mixed origin -> destination queries over the last three years in this process; print its
    RssAnon before, at peak and after as one JSON object."""
    from ..perf.od_memory import memory_check

    _memory(memory_check, dataset, queries, limit_mb)


@click.command("bench-time-memory")
@_memory_options(600.0)
def bench_time_memory_command(dataset, queries, limit_mb):
    """Answer mixed queries across the last five years (views, origin -> destination, series and
    decompositions) in this process; print its RssAnon before, at peak and after as one JSON object."""
    from ..perf.time_bench import memory_over_time

    _memory(memory_over_time, dataset, queries, limit_mb)


@click.command("bench-web")
@click.option("--analyses", default=100, show_default=True, type=int)
@click.option("--dataset", default="demo", show_default=True)
@click.option("--interventions", default=0, show_default=True, type=int,
              help="Make every analysis a scenario with this many interventions.")
@with_appcontext
def bench_web_command(analyses, dataset, interventions):
    """Submit analyses over HTTP and time each until its done notification arrives on the websocket."""
    from ..perf.web import run_web_bench

    click.echo(json.dumps(run_web_bench(current_app._get_current_object(), analyses, dataset, log=log,
                                        interventions=interventions), indent=1))


@click.command("load")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True)
@click.option("--users", default=200, show_default=True, type=click.IntRange(1, 1000))
@click.option("--analyses", default=5, show_default=True, type=click.IntRange(1, 15))
@click.option("--dataset", default="demo", show_default=True)
def load_command(url, users, analyses, dataset):
    """Simulate users against a running server: page, websocket, analyses waited for; print one JSON object."""
    from ..perf.load import run_load

    if not url.startswith(("http://127.", "http://localhost")):
        raise click.BadParameter("load tests go to this machine only (http://127.x.x.x or localhost)",
                                 param_hint="--url")
    click.echo(json.dumps(run_load(url, users, analyses, dataset), indent=1))


@click.command("flood")
@click.option("--url", required=True, help="A server already running on this machine.")
@click.option("--dataset", default="exio-synth", show_default=True)
@click.option("--cookies", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--jobs", default=15, show_default=True, type=click.IntRange(1, 100))
def flood_command(url, dataset, cookies, jobs):
    """Fairness: heavy scenarios from many cookies at one address, then another user's small one; prints JSON."""
    from ..perf.flood import run_flood

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
    from ..perf.load import run_production_load

    click.echo(json.dumps(run_production_load(users, analyses, dataset, port, log), indent=1))
