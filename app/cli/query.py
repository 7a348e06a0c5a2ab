"""The `query` command: one analysis (optionally under a scenario) printed as a table, CSV or JSON."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from ..engine import EngineError, Query, QueryError
from ..engine.hierarchy import ROOT
from ..exports import csv_table
from . import engine, fail


def format_result(result, fmt: str) -> str:
    """JSON, CSV with the downloads' cell rules, or a table aligned for reading."""
    if fmt == "json":
        return json.dumps(result.to_dict())
    if fmt == "csv":
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
    from ..engine.interventions import MAX_INTERVENTIONS, Intervention

    try:
        if len(interventions) > MAX_INTERVENTIONS:
            raise QueryError("interventions", len(interventions), f"at most {MAX_INTERVENTIONS} interventions")
        query = Query(dataset=dataset, year=year, indicator=indicator, perspective=perspective, by=by,
                      products=tuple(products) or (ROOT,), regions=tuple(regions) or (ROOT,),
                      interventions=tuple(Intervention.parse(text, i) for i, text in enumerate(interventions)))
        result = engine().answer(query)
    except EngineError as exc:
        fail(exc)
    click.echo(format_result(result, fmt))
