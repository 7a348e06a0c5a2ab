"""`serve` (the app with an embedded worker) and `worker` (Huey consumers on their own)."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

# The worker's --queue words (the README's `worker --queue scenarios`) and the Job.kind each stands for:
# a command-line option is an interface, so its words stay although tasks/ knows the queues by kind.
KIND_OF_QUEUE = {"analyses": "analysis", "scenarios": "scenario"}


def _until_interrupted(run, consumers) -> None:
    """Run until Ctrl-C or SIGTERM (both arrive as KeyboardInterrupt), then stop the consumers gracefully."""
    try:
        run()
    except KeyboardInterrupt:
        pass
    finally:
        consumers.stop(graceful=True)
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
    kinds = [KIND_OF_QUEUE[name] for name in names]
    consumers = start_consumers(current_app._get_current_object(), workers=workers, scenario_workers=workers,
                                kinds=kinds)
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

    from ..web import ClosedWhenSent

    app = current_app._get_current_object()
    consumers = start_consumers(app, workers=workers)
    click.echo(f"RaMa-Scene on http://{host}:{port}/ with {workers} embedded worker threads", err=True)
    app_sent = ClosedWhenSent(app)
    _until_interrupted(lambda: run_simple(host, port, app_sent, threaded=True, use_reloader=False), consumers)
