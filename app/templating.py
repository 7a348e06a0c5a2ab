"""What templates may call: words, charts and comparisons from presenting, and the number filters.

Templates only format what a view handed them; none of these reads the database.
"""

from __future__ import annotations

from . import chainviews, flowviews, presenting, timeviews
from .charts import format_value


def chart_svg(job, ident: str, index: bool = False) -> str:
    """The result's chart, inline (a series as an index, first year = 100, when asked)."""
    return presenting.chart(job.query, job.result, ident, index=index)


def series_view(job, index: bool) -> dict:
    tree = presenting.breakdown_tree(job.query, presenting.dataset_or_none(job.query["dataset"]))
    return timeviews.series_view(job.result, tree, index)


def chain_view(query: dict, result: dict) -> dict:
    return chainviews.chain_view(query, result, presenting.dataset_or_none(query["dataset"]))


def explain_refusal(job, against) -> str | None:
    """Why "Explain the change" cannot run for this result (beside that one), in words; None when it can."""
    return timeviews.explain_target(job, against)[1]


def explain_words(job, against) -> str:
    years = timeviews.explain_target(job, against)[0]["decompose"]
    return f"What drove the change from {years[0]} to {years[1]}, row by row: a new analysis."


def matrix_comparison(a, b):
    """Cell by cell, b minus a, when two finished jobs answer the same two-axis view; else None."""
    if a is None or b is None:
        return None
    return presenting.matrix_comparison({"query": a.query, "result": a.result}, {"query": b.query, "result": b.result})


def trade_of(job) -> dict | None:
    """Trade embodied in a finished origin -> destination result by region (None for other results)."""
    if job.result is None or not flowviews.is_flow(job.query):
        return None
    return flowviews.trade(job.query, job.result)


def trade_chart_svg(embodied: dict, job, ident: str) -> str:
    return flowviews.trade_chart(embodied, f"Balance of embodied trade: {presenting.title(job.query)}", ident)


def comparison(a, b):
    """Row by row, b minus a, when two finished jobs answer the same view; else None."""
    if a is None or b is None:
        return None
    return presenting.comparison({"query": a.query, "result": a.result}, {"query": b.query, "result": b.result})


TOP_ROWS = 20  # a result table shows this many rows until "show all"
SORTS = {"value": "largest first", "name": "by name", "order": "in the order of the selection"}


def table_view(rows: list[dict], sort: str | None, show: str | None) -> dict:
    """Which result rows a table shows, in which order: the row positions, so that tables of the same
    result (scenario, difference) follow the same order."""
    if sort not in SORTS:  # a short table keeps the selection's order, like its chart; a long one shows its top
        sort = "order" if len(rows) <= TOP_ROWS else "value"
    order = list(range(len(rows)))
    if sort == "value":
        order.sort(key=lambda i: -rows[i]["value"])
    elif sort == "name":
        order.sort(key=lambda i: rows[i]["name"].casefold())
    everything = show == "all" or len(rows) <= TOP_ROWS
    return {"positions": order if everything else order[:TOP_ROWS], "count": len(rows), "sort": sort,
            "sort_words": SORTS[sort], "all": everything, "rows": "all" if show == "all" else None}


def solver_words(solver: dict) -> str:
    """How a scenario was solved, in words (see app/engine/scenario.py)."""
    if solver.get("method") == "gmres":
        return "iterative solve (GMRES, preconditioned with the baseline inverse)"
    rank = solver.get("rank", 0)
    if not rank:
        return "the baseline inverse unchanged (no intervention changes the inter-industry flows)"
    return f"solved exactly with the baseline inverse and a rank-{rank} update"


def number(value) -> str:
    return "–" if value is None else format_value(value)


def percent(value) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def init_app(app) -> None:
    named = {"describe": presenting.describe, "describe_intervention": presenting.describe_intervention,
             "scenario_comparison": presenting.scenario_comparison, "job_title": presenting.title,
             "axis_plural": flowviews.AXIS_PLURAL, "table_sorts": SORTS, "chain_kind": chainviews.chain_kind,
             "decomposition_view": timeviews.decomposition_view, "series_comparison": timeviews.series_comparison,
             "prices_note": timeviews.PRICES}
    for name, value in named.items():
        app.add_template_global(value, name)
    for function in (chart_svg, trade_of, trade_chart_svg, table_view, solver_words, comparison, matrix_comparison,
                     series_view, chain_view, explain_refusal, explain_words):
        app.add_template_global(function)
    app.add_template_filter(number)
    app.add_template_filter(percent)
