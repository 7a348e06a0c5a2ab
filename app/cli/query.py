"""The `query` command: a classic view (optionally under a scenario), an origin -> destination query
(one axis or a matrix of two), or the embodied trade of region nodes; printed as a table, CSV or JSON."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..engine import EngineError, FlowQuery, Query, QueryError, answer_any
from ..engine.chains import CHAIN_FIELDS, chain_query, read_chain
from ..engine.change import DecompositionQuery, read_pair
from ..engine.flowmath import AXES
from ..engine.flows import FIELDS, PER
from ..engine.hierarchy import ROOT
from ..engine.series import SeriesQuery, read_years, years_from_text
from .chainformats import format_chain
from .common import engine, fail
from .formats import format_matrix, format_rows, format_trade
from .timeformats import format_decomposition, format_series

CLASSIC_BY = ("product", "region")
AXIS_OPTIONS = {f"--{axis}s": FIELDS[axis] for axis in AXES}  # --origin-regions -> origin_regions
OPTION_OF = {**{field: option for option, field in AXIS_OPTIONS.items()}, "by": "--by", "per": "--per",
             "products": "--products", "regions": "--regions", "interventions": "--intervention",
             "layers_by": "--layers-by"}


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
@click.option("--years", "years_text", metavar="RANGE|LIST",
              help="A series: the view for each year, e.g. 2011-2020 or 2011,2015,2020 (at most 50).")
@click.option("--decompose", nargs=2, type=int, metavar="YEAR0 YEAR1",
              help="Explain the change of each row between two years (one breakdown, no scenario).")
@click.option("--layers", type=int, metavar="N", help="Production layers: the first N tiers (1-12), by origin.")
@click.option("--layers-by", type=click.Choice(["origin-region", "origin-product"]), help="With --layers.")
@click.option("--paths", type=int, metavar="N", help="The N largest supply-chain paths (1-1000; default 100).")
@click.option("--depth", type=int, help="With --paths: stages above the final producer (0-12; default 8).")
@click.option("--threshold", type=float, help="With --paths: prune below this share of the footprint (1e-9-0.1).")
@click.option("--sensitivity", type=int, metavar="N", help="The N coefficients and intensities that matter most.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "table"]), default="table", show_default=True)
def query_command(by, direct, fmt, years_text, **options):
    """Answer one analysis query and print the result."""
    by = tuple(by)
    try:
        query = _classic(options, by, direct) if options["perspective"] is not None else _flows(options, by, direct)
    except EngineError as exc:
        fail(exc)
    if options["trade"]:
        if options["decompose"] or years_text:
            raise click.UsageError("--trade prints one year's figures: drop --years and --decompose")
        click.echo(_trade(query, fmt))
        return
    chain = {key: options.pop(key) for key in CHAIN_FIELDS}
    if any(value is not None for value in chain.values()):
        if options["decompose"] or years_text or options["trade"]:
            raise click.UsageError("a supply-chain analysis is of one year's figures: drop --years, --decompose "
                                   "and --trade")
        try:
            parsed = read_chain({key: value for key, value in chain.items() if value is not None})
            if parsed is None:
                raise click.UsageError("--depth and --threshold go with --paths, --layers-by with --layers")
            result = answer_any(engine(), chain_query(query, *parsed))
        except EngineError as exc:
            _flow_fail(exc)
        click.echo(format_chain(parsed[0], result.to_dict(), fmt))
        return
    try:
        if options["decompose"] or years_text:
            click.echo(_over_time(query, options, years_text, fmt))
            return
        result = answer_any(engine(), query)
    except EngineError as exc:
        if isinstance(query, Query) and exc.field not in ("years", "decompose", "year", "by", "per"):
            fail(exc)
        _flow_fail(exc)
    click.echo(format_rows(result, fmt) if getattr(result, "matrix", None) is None else format_matrix(result, fmt))


def _over_time(query, options: dict, years_text: str | None, fmt: str) -> str:
    """--years (a series) or --decompose (what drove the change between two years)."""
    if options["decompose"] and years_text:
        raise click.UsageError("give --years (a series) or --decompose (two years), not both")
    if options["year"] is not None:
        raise click.UsageError(f"give --year or {'--years' if years_text else '--decompose'}, not both")
    if years_text:
        result = answer_any(engine(), SeriesQuery(query, read_years(years_from_text(years_text))))
        return format_series(result.to_dict(), fmt)
    result = answer_any(engine(), DecompositionQuery(query, read_pair(list(options["decompose"]))))
    return format_decomposition(result.to_dict(), fmt)
