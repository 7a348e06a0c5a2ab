"""The `query` command: a classic view (optionally under a scenario), an origin -> destination query
(one axis or a matrix of two), or the embodied trade of region nodes; printed as a table, CSV or JSON."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from ..engine import EngineError, FlowQuery, Query, QueryError
from ..engine.flowmath import AXES
from ..engine.flows import FIELDS, PER, answer_flows
from ..engine.hierarchy import ROOT
from ..exports import csv_table
from .common import engine, fail
from .formats import format_matrix, format_rows, format_trade

CLASSIC_BY = ("product", "region")
AXIS_OPTIONS = {f"--{axis}s": FIELDS[axis] for axis in AXES}  # --origin-regions -> origin_regions
OPTION_OF = {**{field: option for option, field in AXIS_OPTIONS.items()}, "by": "--by", "per": "--per",
             "products": "--products", "regions": "--regions", "interventions": "--intervention"}


def _flow_fail(exc: EngineError):
    """An engine refusal in the words of the option it concerns."""
    option = OPTION_OF.get(exc.field, f"--{exc.field}")
    raise click.ClickException(f"{option}: {exc.message}")


def _interventions(options: dict) -> tuple:
    from ..engine.interventions import MAX_INTERVENTIONS, Intervention

    if len(options["interventions"]) > MAX_INTERVENTIONS:
        raise QueryError("interventions", len(options["interventions"]), f"at most {MAX_INTERVENTIONS} interventions")
    return tuple(Intervention.parse(t, i) for i, t in enumerate(options["interventions"]))


def _classic(options: dict, by: tuple[str, ...], direct: bool) -> Query:
    """The classic view; refuses the flow options beside --perspective, naming the first one given."""

    for option, field in AXIS_OPTIONS.items():
        if options[field]:
            raise click.UsageError(f"{option} selects an origin or a destination; it cannot be combined with "
                                   "--perspective (use --products and --regions, or drop --perspective)")
    for option, key in (("--per", "per"), ("--trade", "trade")):
        if options[key]:
            raise click.UsageError(f"{option} answers origin -> destination queries; drop --perspective to use it")
    if len(by) != 1 or by[0] not in CLASSIC_BY:
        raise click.UsageError(f"with --perspective, give --by once: {' or '.join(CLASSIC_BY)}")
    return Query(dataset=options["dataset"], year=options["year"], indicator=options["indicator"],
                 perspective=options["perspective"], by=by[0], products=tuple(options["products"]) or (ROOT,),
                 regions=tuple(options["regions"]) or (ROOT,), direct=direct, interventions=_interventions(options))


def _flows(options: dict, by: tuple[str, ...], direct: bool) -> FlowQuery:
    for option, key in (("--products", "products"), ("--regions", "regions")):
        if options[key]:
            raise click.UsageError(f"{option} belongs to the classic views: give --perspective too, or select with "
                                   f"{', '.join(AXIS_OPTIONS)}")
    if options["trade"]:
        if by:
            raise click.UsageError("--trade prints the figures of the selected regions; drop --by")
        if options["interventions"]:
            raise click.UsageError("--trade prints the figures of the tables as they are; drop --intervention")
        by = ("origin-region",)
    if not by:
        raise click.UsageError(f"give --by once or twice ({', '.join(AXES)}), or --perspective")
    if len(by) > 2:
        raise click.UsageError(f"--by is given {len(by)} times: once for rows, twice for a matrix")
    for axis in by:
        if axis not in AXES:
            raise click.UsageError(f"--by {axis} needs --perspective; without it the axes are {', '.join(AXES)}")
    return FlowQuery(dataset=options["dataset"], year=options["year"], indicator=options["indicator"], by=by,
                     direct=direct, per=options["per"], interventions=_interventions(options),
                     **{field: tuple(options[field]) or (ROOT,) for field in AXIS_OPTIONS.values()})


def _trade(query: FlowQuery, fmt: str) -> str:
    from ..engine.trade import embodied_trade

    chosen = [codes for codes in (query.origin_regions, query.consumer_regions) if codes != (ROOT,)]
    if len(chosen) == 2 and chosen[0] != chosen[1]:
        raise click.UsageError("--trade: select the regions once, with --origin-regions or --consumer-regions")
    if query.origin_products != (ROOT,) or query.final_products != (ROOT,) or query.per:
        raise click.UsageError("--trade covers every product and gives absolute figures: drop --origin-products, "
                               "--final-products and --per")
    try:
        resolved, rows = embodied_trade(engine(), query.dataset, query.indicator, chosen[0] if chosen else (ROOT,),
                                        query.year, query.direct)
    except EngineError as exc:
        if exc.field == "origin_regions":
            exc.field = "origin_regions" if query.origin_regions != (ROOT,) else "consumer_regions"
        _flow_fail(exc)
    dataset = engine().dataset(query.dataset)
    return format_trade(resolved, rows, dataset.indicators[dataset.indicator_row[query.indicator]]["unit"], fmt)


@click.command("query")
@with_appcontext
@click.option("--dataset", required=True)
@click.option("--year", type=int, help="Default: the dataset's latest year.")
@click.option("--indicator", required=True)
@click.option("--perspective", type=click.Choice(["consumption", "production"]),
              help="A classic view (with --by product|region); not needed with the origin/destination options.")
@click.option("--by", "by", multiple=True, metavar="AXIS",
              help=f"product|region with --perspective; else one of {', '.join(AXES)}, once for rows or twice "
                   "for a matrix (the first gives the rows).")
@click.option("--products", multiple=True, help="Product node code; repeat for several. Default TOTAL.")
@click.option("--regions", multiple=True, help="Region node code; repeat for several. Default TOTAL.")
@click.option("--origin-regions", multiple=True, help="Where the impacts occur: region node; repeatable.")
@click.option("--origin-products", multiple=True, help="Where the impacts occur: product node; repeatable.")
@click.option("--consumer-regions", multiple=True, help="Whose final demand: region node; repeatable.")
@click.option("--final-products", multiple=True, help="Which final products are demanded: product node; repeatable.")
@click.option("--per", type=click.Choice(PER), help="Per person, or per unit of value added, of the region.")
@click.option("--direct/--no-direct", default=True, show_default=True,
              help="Add direct emissions of final demand where the dataset has them.")
@click.option("--trade", is_flag=True, help="Print embodied trade of the selected region nodes instead.")
@click.option("--intervention", "interventions", multiple=True, metavar="SPEC",
              help="product=CODE,origin=CODE,consumer=FD|CODE,consumer_region=CODE,change=PCT; repeat for "
                   "several, applied in order (with --perspective).")
@click.option("--decompose", nargs=2, type=int, metavar="YEAR0 YEAR1",
              help="Explain the change of each consuming region's footprint between two years (by region).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "table"]), default="table", show_default=True)
def query_command(by, direct, fmt, **options):
    """Answer one analysis query and print the result."""
    by = tuple(by)
    if options["decompose"]:
        click.echo(_decomposition(options, by, direct, fmt))
        return
    if options["perspective"] is not None:
        try:
            result = engine().answer(_classic(options, by, direct))
        except EngineError as exc:
            fail(exc)
        click.echo(format_rows(result, fmt))
        return
    query = _flows(options, by, direct)
    if options["trade"]:
        click.echo(_trade(query, fmt))
        return
    try:
        result = answer_flows(engine(), query)
    except EngineError as exc:
        _flow_fail(exc)
    click.echo(format_rows(result, fmt) if result.matrix is None else format_matrix(result, fmt))


def _decomposition(options: dict, by: tuple[str, ...], direct: bool, fmt: str) -> str:
    """--decompose: footprints by consuming region, the classic view's or --by consumer-region's."""
    from ..engine.change import by_consumer_region

    classic = options["perspective"] == "consumption" and by == ("region",)
    flows = options["perspective"] is None and by == ("consumer-region",) and not any(
        options[f] for f in ("origin_regions", "origin_products"))
    if not (classic or flows) or options["interventions"] or options["per"] or options["trade"]:
        raise click.UsageError("--decompose explains footprints by consuming region: give --perspective "
                               "consumption --by region, or --by consumer-region, without --intervention, "
                               "--per or --trade")
    regions = options["regions"] if classic else options["consumer_regions"]
    products = options["products"] if classic else options["final_products"]
    try:
        out = by_consumer_region(engine(), options["dataset"], options["indicator"], list(options["decompose"]),
                                 tuple(regions) or (ROOT,), tuple(products) or (ROOT,), direct)
    except EngineError as exc:
        option = {"regions": "--regions" if classic else "--consumer-regions",
                  "products": "--products" if classic else "--final-products"}.get(exc.field, f"--{exc.field}")
        raise click.ClickException(f"{option}: {exc.message}") from exc
    if fmt == "json":
        return json.dumps(out)
    names = list(out["rows"][0]["contributions"]) if out["rows"] else []
    header = ["code", "name", "level", "start", *names, "end", "unit"]
    lines = [[r["code"], r["name"], r["level"], r["start"], *r["contributions"].values(), r["end"], out["unit"]]
             for r in out["rows"]]
    if fmt == "csv":
        return csv_table(header, lines).rstrip("\n")
    y0, y1 = out["years"]
    text = [f"Change {y0} -> {y1}, {out['unit']}: start, the contribution of each factor, end"]
    for line in lines:
        text.append(f"{line[0]:<10} {line[1][:30]:<30} " + " ".join(f"{v:>14.6g}" for v in line[3:-1]))
    return "\n".join(text + ["columns: " + ", ".join(["start", *names, "end"])])
