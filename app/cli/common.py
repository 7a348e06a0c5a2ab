"""What the command modules share: the engine, progress on stderr, an engine refusal as a command error."""

from __future__ import annotations

import click

from ..engine import EngineError
from ..web import engine

__all__ = ["engine", "fail", "log"]


def log(message: str) -> None:
    """Progress and warnings go to stderr, so that stdout holds only the result."""
    click.echo(message, err=True)


def fail(exc: EngineError):
    raise click.ClickException(str(exc))
