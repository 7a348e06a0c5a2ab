"""Command line: `flask --app wsgi data ...`, `query`, `serve`, `worker` and the performance tools.

The commands live in data, query, run and perf (with formats beside query); what they share is in common.
"""

from __future__ import annotations

from .data import data
from .perf import (
    bench_command,
    bench_flows_memory_command,
    bench_time_memory_command,
    bench_web_command,
    flood_command,
    load_command,
    load_production_command,
)
from .query import query_command
from .run import serve_command, worker_command


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
    app.cli.add_command(bench_flows_memory_command)
    app.cli.add_command(bench_time_memory_command)
