"""The `data` commands: make, import, list, show, verify, upgrade and delete datasets."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from flask.cli import AppGroup

from ..engine import EngineError
from .common import engine, fail, log

data = AppGroup("data", help="Create, import, inspect and delete datasets.")


def _years(text: str) -> list[int]:
    try:
        years = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a comma-separated list of years") from None
    if not years or any(not 1900 <= y <= 2100 for y in years):
        raise click.BadParameter(f"{text!r}: years must lie between 1900 and 2100")
    return years


def _size(count: int) -> str:
    """Bytes for reading: kB, MB or GB with three significant digits or more."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            return f"{count / scale:,.{1 if count >= 10 * scale else 2}f} {unit}"
    return f"{count} B"


def _density(ctx, param, value):
    """--density: a share of A's cells above 0 and at most 1."""
    if value is None:
        return None
    try:
        density = float(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a number") from None
    if not 0 < density <= 1:  # NaN fails this too
        raise click.BadParameter(f"{value!r}: the share of A's cells that are non-zero must be above 0 "
                                 "and at most 1")
    return density


@data.command("demo")
@click.option("--name", default="demo", show_default=True)
@click.option("--if-missing", is_flag=True, help="Do nothing when the dataset already exists.")
def data_demo(name, if_missing):
    """Make a dataset from pymrio's bundled test MRIO (6 regions x 8 sectors)."""
    from ..engine.sources import demo_source

    store = engine().store
    if if_missing and name in store.names():
        log(f"dataset {name!r} exists")
        return
    try:
        dataset = store.write(name, demo_source(), log=log)
    except EngineError as exc:
        fail(exc)
    log(f"dataset {dataset.name!r}: {dataset.regions.size} regions x {dataset.products.size} products, "
         f"{len(dataset.indicators)} indicators, years {dataset.years}")


@data.command("synth")
@click.option("--name", required=True)
@click.option("--years", "years_text", required=True, help="Comma-separated, e.g. 2011,2012.")
@click.option("--like", type=click.Choice(["exiobase", "gloria"]), default="exiobase", help="Whose labels.")
@click.option("--regions", type=int, help="Default: 49, or 164 like GLORIA (over 49: GLORIA's ISO3 codes).")
@click.option("--products", type=int, help="Default: 200, or 120 like GLORIA (19,680 sectors in all).")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--density", callback=_density, help="Share of A's cells that are non-zero, e.g. 0.33 "
              "(EXIOBASE's); default: about 3.6 % at 49 regions, 0.03 like GLORIA.")
def data_synth(name, years_text, like, regions, products, seed, density):
    """Make a synthetic dataset with EXIOBASE 3 pxp's or GLORIA's shape and labels."""
    from ..engine.synth import synthetic_source

    started = time.perf_counter()
    try:
        source = synthetic_source(_years(years_text), regions, products, seed, density, like)
        dataset = engine().store.write(name, source, log=log)
    except EngineError as exc:
        fail(exc)
    log(f"dataset {dataset.name!r}: {dataset.regions.size} regions x {dataset.products.size} products, "
         f"years {dataset.years}, {time.perf_counter() - started:.1f} s")


@data.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--name", required=True)
@click.option("--years", "years_text", help="Comma-separated, one per path, when the names do not tell.")
@click.option("--format", "fmt", help="The database where the names do not tell: exiobase3, exiobase2, exiobase1, "
              "eora26, oecd (ICIO), wiod, gloria or pymrio (a folder saved by pymrio).")
def data_import(paths, name, years_text, fmt):
    """Import MRIO files through pymrio's parsers, one year each: EXIOBASE 1, 2 and 3, Eora26, the OECD ICIO
    tables, WIOD 2013, GLORIA, or folders saved by pymrio (see --format)."""
    from ..engine.sources import import_source
    from ..engine.store import check_name

    started = time.perf_counter()
    try:
        check_name(name)
        source = import_source(list(paths), _years(years_text) if years_text else None, fmt)
        dataset = engine().store.write(name, source, log=log)
    except EngineError as exc:
        fail(exc)
    log(f"dataset {dataset.name!r}: years {dataset.years}, {time.perf_counter() - started:.1f} s")


@data.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def data_list(fmt):
    """List the datasets: years, size, indicators; a damaged one with what is wrong (sizes, not checksums)."""
    store = engine().store
    summaries = []
    for name in store.names():
        try:
            dataset = store.open(name)
        except EngineError as exc:  # damaged since names() looked
            summaries.append({"name": name, "damaged": exc.message})
            continue
        summary = dataset.summary()
        problems = dataset.problems(checksums=False, identities=False)
        if problems:
            summary["damaged"] = f"{problems[0]}; check it with `flask --app wsgi data verify {name}`"
        summaries.append(summary)
    summaries += [{"name": name, "damaged": problem} for name, problem in store.damaged().items()]
    summaries.sort(key=lambda s: s["name"])
    if fmt == "json":
        click.echo(json.dumps(summaries, indent=1))
        return
    if not summaries:
        click.echo("no datasets; make one with `flask --app wsgi data demo`")
    for s in summaries:
        if "years" not in s:
            click.echo(f"{s['name']}: DAMAGED: {s['damaged']}")
            continue
        click.echo(f"{s['name']}: years {', '.join(map(str, s['years']))}; {s['regions']} regions x "
                   f"{s['products']} products; {len(s['indicators'])} indicators; "
                   f"{s['bytes'] / 1e6:.1f} MB")
        if "damaged" in s:
            click.echo(f"  DAMAGED: {s['damaged']}")
        click.echo("  on disk: " + ", ".join(f"{y} {_size(b)}" for y, b in s["bytes_per_year"].items()))
        for ind in s["indicators"]:
            click.echo(f"  {ind['code']}: {ind['name']} [{ind['unit']}]")


@data.command("show")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def data_show(name, fmt):
    """Show what can be selected in a dataset (years, product and region trees, indicators) and its arrays'
    bytes on disk per year."""
    try:
        dataset = engine().dataset(name)
    except EngineError as exc:
        fail(exc)
    problems = dataset.problems(checksums=False, identities=False)
    if problems:
        log(f"warning: dataset {name!r} is damaged: {problems[0]}; check it with "
             f"`flask --app wsgi data verify {name}`")
    shown = {
        "years": dataset.years,
        "products": dataset.products.public(),
        "regions": dataset.regions.public(),
        "indicators": [{"code": i["code"], "name": i["name"], "unit": i["unit"], "parent": i["parent"]}
                       for i in dataset.indicators],
        "bytes": {str(year): dataset.array_bytes(year) for year in dataset.years},
        "provenance": dataset.provenance(),
    }
    if fmt == "json":
        click.echo(json.dumps(shown, indent=1))
        return
    source = shown["provenance"]
    click.echo(f"database: {source['database']}" + (f" (format {source['format']})" if source["format"] else ""))
    click.echo(f"licence: {source['licence'] or 'not known: check the release of the files'}")
    click.echo(f"years: {', '.join(map(str, dataset.years))}")
    for year, known in source["years"].items():
        click.echo(f"  {year}: imported {known['imported']}" + (f", version {known['version']}" if known["version"]
                                                                else "") + f" from {known['origin']}")
    for tree in ("products", "regions"):
        click.echo(f"{tree}:")
        for node in shown[tree]:
            click.echo(f"{'  ' * (node['level'] + 1)}{node['code']}  {node['name']}")
    click.echo("indicators:")
    for ind in shown["indicators"]:
        click.echo(f"  {'  ' if ind['parent'] else ''}{ind['code']}  {ind['name']} [{ind['unit']}]")
    click.echo("bytes on disk:")
    for year, sizes in shown["bytes"].items():
        click.echo(f"  {year}: {_size(sum(sizes.values()))}: "
                   + ", ".join(f"{key} {_size(size)}" for key, size in sizes.items()))


@data.command("verify")
@click.argument("name")
def data_verify(name):
    """Check every file of a dataset (size, header, sha256) and its identities ((I - A) L = I, M = S L, x = L y)."""
    try:
        problems = engine().store.verify(name)
    except EngineError as exc:
        fail(exc)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"dataset {name!r} failed {len(problems)} check(s)")
    click.echo(f"dataset {name!r}: sizes, checksums and identities hold")


@data.command("upgrade")
@click.argument("name")
def data_upgrade(name):
    """Rewrite a dataset stored in an older layout in the current one (A kept once, in its smaller form),
    atomically: a new version is built and checked, then switched in."""
    try:
        changes = engine().store.upgrade(name, log=log)
    except EngineError as exc:
        fail(exc)
    for change in changes:
        click.echo(change)
    click.echo(f"dataset {name!r}: upgraded" if changes else
               f"dataset {name!r} is in the current layout already; nothing changed")


@data.command("delete")
@click.argument("name")
def data_delete(name):
    """Delete a dataset."""
    try:
        engine().store.delete(name)
    except EngineError as exc:
        fail(exc)
    click.echo(f"deleted {name!r}")


@data.command("population")
@click.argument("name")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def data_population(name, path):
    """Set a dataset's population from a CSV file with the columns region, year, population."""
    from ..engine.population import set_population

    try:
        table = set_population(engine().store, name, path)
    except EngineError as exc:
        fail(exc)
    log(f"dataset {name!r}: population for {', '.join(map(str, table))}")
