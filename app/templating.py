"""What templates may call: words, charts and comparisons from presenting, and the number filters.

Templates only format what a view handed them; none of these reads the database.
"""

from __future__ import annotations

from . import presenting
from .charts import format_value


def chart_svg(job, ident: str) -> str:
    """The result's chart, inline."""
    return presenting.chart(job.query, job.result, ident)


def comparison(a, b):
    """Row by row, b minus a, when two finished jobs answer the same view; else None."""
    if a is None or b is None:
        return None
    return presenting.comparison({"query": a.query, "result": a.result}, {"query": b.query, "result": b.result})


def number(value) -> str:
    return "–" if value is None else format_value(value)


def percent(value) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def init_app(app) -> None:
    app.add_template_global(presenting.describe, "describe")
    app.add_template_global(presenting.describe_intervention, "describe_intervention")
    app.add_template_global(presenting.scenario_comparison, "scenario_comparison")
    app.add_template_global(chart_svg)
    app.add_template_global(comparison)
    app.add_template_filter(number)
    app.add_template_filter(percent)
