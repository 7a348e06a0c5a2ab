"""Command line: `flask --app wsgi data ...`, `query`, `serve`, `worker` and the performance tools."""

from __future__ import annotations

import click

from ..engine import EngineError
from ..web import engine

__all__ = ["engine", "fail", "init_app", "log"]


def log(message: str) -> None:
    """Progress and warnings go to stderr, so that stdout holds only the result."""
    click.echo(message, err=True)


def fail(exc: EngineError):
    raise click.ClickException(str(exc))


def init_app(app):
    from .data import data
    from .perf import (
        bench_command,
        bench_flows_memory_command,
        bench_web_command,
        flood_command,
        load_command,
        load_production_command,
    )
    from .query import query_command
    from .run import serve_command, worker_command

    app.cli.add_command(load_command)
    app.cli.add_command(flood_command)
    app.cli.add_command(load_production_command)
    app.cli.add_command(bench_web_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(data)
    app.cli.add_command(query_command)
    app.cli.add_command(bench_command)
    app.cli.add_command(bench_flows_memory_command)
