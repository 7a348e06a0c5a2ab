"""Downloads: a result's lines, one source per kind for the CSV and the XLSX (app/workbook.py) downloads, and CSV
that a spreadsheet reads as data, for those downloads and the command line."""

from __future__ import annotations

import csv
import io
import json
from typing import NamedTuple

from .chainviews import chain_kind
from .flowviews import csv_rows, is_flow
from .presenting import intervention_spec

# What makes a spreadsheet read a cell as a formula, full-width forms included (some accept them);
# and what some readers skip at the start of a cell before they look for one (OWASP, ASVS 1.2.10).
FORMULA_START = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
HIDDEN_START = ("\t", "\r", "\n", "\0")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would read this text as a formula (or skip to one)."""
    return text.startswith(HIDDEN_START) or text.lstrip().startswith(FORMULA_START)


def spreadsheet_safe(text) -> str:
    """A text cell that no spreadsheet runs: one that would start a formula gets a leading apostrophe.

    Labels like =HYPERLINK(...) or -2+3 are legitimate data; the apostrophe (OWASP's advice) makes a
    spreadsheet show them as the text they are. Numbers never come through here: they are written as numbers.
    """
    text = str(text)
    if formula_like(text):
        return "'" + text
    return text


def spreadsheet_row(cells) -> list:
    """Numbers as numbers, everything else as neutralised text."""
    return [c if isinstance(c, (int, float)) and not isinstance(c, bool) else spreadsheet_safe(c) for c in cells]


def csv_table(header: list[str], rows) -> str:
    """CSV with every text cell quoted and neutralised, numbers bare, so a spreadsheet tells them apart."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(spreadsheet_row(header))
    for row in rows:
        writer.writerow(spreadsheet_row(row))
    return out.getvalue()


# The columns that hold amounts in the result's unit: an XLSX names the unit in their heading.
IN_UNIT = {"value", "baseline_value", "difference", "start", "end", "upstream",
           "intensity", "structure", "mix", "final_demand_level", "population", "direct"}
# a decomposition's driver whose name is also the hierarchy's column "level"
DRIVER_COLUMNS = {"level": "final_demand_level"}
# an origin -> destination query's columns after its dataset, year and indicator
FLOW_COLUMNS = ["breakdown", "origin_regions", "origin_products", "consumer_regions", "final_products",
                "direct_emissions_of_final_demand", "per"]


class Table(NamedTuple):
    """A result as lines for a file: its own columns (with a unit column where its kind has one), and the
    query's columns, which a CSV repeats on every line so that a file stands on its own."""

    header: list[str]
    lines: list[list]
    context_header: list[str]
    context: list


def result_table(query: dict, result: dict) -> Table:
    """The one source of a result's lines for every download (CSV, XLSX), by kind of result."""
    kind = chain_kind(query)
    if kind is not None:
        header, lines = chain_rows(kind, result)
        return Table(header, lines, ["dataset", "year", "indicator", "query"],
                     [query["dataset"], query["year"], query["indicator"], json.dumps(
                         {key: value for key, value in query.items() if key not in ("dataset", "year", "indicator")})])
    if "years" in query or "decompose" in query:
        return _time_table(query, result)
    if is_flow(query):
        return _flow_table(query, result)
    return _classic_table(query, result)


def csv_text(job) -> str:
    """code, name, value, unit, plus the query (and any interventions) on every row so that a file stands on its own."""
    table = result_table(job.query, job.result)
    return csv_table(table.header + table.context_header, [line + table.context for line in table.lines])


def _interventions(query: dict) -> str:
    return "; ".join(intervention_spec(iv) for iv in query["interventions"])


def _classic_table(query: dict, result: dict) -> Table:
    """One of the four classic views: a line per row and the total, beside the baseline under a scenario."""
    baseline = result.get("baseline")
    header = ["code", "name", "level", "value", "unit"]
    context_header = ["dataset", "year", "indicator", "perspective", "breakdown", "products", "regions"]
    context = [query["dataset"], query["year"], query["indicator"], query["perspective"], query["by"],
               " ".join(query["products"]), " ".join(query["regions"])]
    if baseline:
        header[4:4] = ["baseline_value", "difference"]
        context_header.append("interventions")
        context.append(_interventions(query))
    rows = [(r["code"], r["name"], r["level"], r["value"]) for r in result["rows"]]
    rows.append(("", "Total of the selection", "", result["total"]))
    base_values = [r["value"] for r in baseline["rows"]] + [baseline["total"]] if baseline else None
    lines = []
    for k, (code, name, level, value) in enumerate(rows):
        extra = [base_values[k], value - base_values[k]] if baseline else []
        lines.append([code, name, level, value, *extra, result["unit"]])
    return Table(header, lines, context_header, context)


def _flow_selection(query: dict, result: dict) -> list:
    """An origin -> destination query's breakdown, its four selections and its options, as cells."""
    return [" x ".join(query["by"]),
            *(" ".join(query[key]) for key in ("origin_regions", "origin_products", "consumer_regions",
                                               "final_products")),
            "included" if result.get("direct") else "not included", query.get("per") or ""]


def _flow_table(query: dict, result: dict) -> Table:
    """An origin -> destination result: its rows or matrix cells."""
    header, lines = csv_rows(result)
    context_header = ["unit", "dataset", "year", "indicator", *FLOW_COLUMNS]
    context = [result["unit"], query["dataset"], query["year"], query["indicator"], *_flow_selection(query, result)]
    if result.get("baseline"):  # a scenario: each cell beside the same query's baseline, as classic views have
        base = [line[-1] for line in csv_rows(result["baseline"])[1]]
        header = header + ["baseline_value", "difference"]
        lines = [line + [b, line[-1] - b] for line, b in zip(lines, base)]
        context_header = context_header + ["interventions"]
        context = context + [_interventions(query)]
    return Table(header, lines, context_header, context)


def series_rows(result: dict) -> tuple[list[str], list[list]]:
    """A series: one line per (row, year), with the index (first year = 100), the total's lines last."""
    years = result["years"]
    header = ["code", "name", "level", "year", "value", "index_first_year_100", "unit"]
    base = None
    if result.get("baseline"):
        header[5:5] = ["baseline_value", "difference"]
        base = {r["code"]: r["values"] for r in result["baseline"]["rows"]}
        base[""] = result["baseline"]["totals"]
    entries = [(r["code"], r["name"], r["level"], r["values"]) for r in result["rows"]]
    entries.append(("", "Total of the selection", "", result["totals"]))
    lines = []
    for code, name, level, values in entries:
        first = values[0]
        for t, year in enumerate(years):
            value = values[t]
            index = 100.0 * value / first if value is not None and first else ""
            extra = []
            if base is not None:
                b = base.get(code, [None] * len(years))[t]
                extra = [_blank(b), "" if b is None or value is None else value - b]
            lines.append([code, name, level, year, _blank(value), *extra, index, result["unit"]])
    return header, lines


def decomposition_rows(result: dict) -> tuple[list[str], list[list]]:
    """A decomposition: one line per row, start, each factor's contribution, end; the total last. The factor
    "level" (of final demand) is the column final_demand_level, apart from the row's level in its tree."""
    names = list(result["total"]["contributions"])
    header = ["code", "name", "level", "start", *(DRIVER_COLUMNS.get(n, n) for n in names), "end", "unit",
              "start_year", "end_year"]
    y0, y1 = result["years"]
    lines = [[r["code"], r["name"], r["level"], r["start"], *(r["contributions"][k] for k in names), r["end"],
              result["unit"], y0, y1] for r in [*result["rows"], result["total"]]]
    return header, lines


def _blank(value):
    return "" if value is None else value


def _time_table(query: dict, result: dict) -> Table:
    """A series (a line per row and year) or a decomposition (a line per row)."""
    header, lines = series_rows(result) if "years" in query else decomposition_rows(result)
    if is_flow(query):
        context_header = ["dataset", "indicator", *FLOW_COLUMNS]
        context = [query["dataset"], query["indicator"], *_flow_selection(query, result)]
    else:
        context_header = ["dataset", "indicator", "perspective", "breakdown", "products", "regions"]
        context = [query["dataset"], query["indicator"], query["perspective"], query["by"],
                   " ".join(query["products"]), " ".join(query["regions"])]
    if query.get("interventions"):
        context_header.append("interventions")
        context.append(_interventions(query))
    return Table(header, lines, context_header, context)


def chain_rows(kind: str, result: dict) -> tuple[list[str], list[list]]:
    """A supply-chain analysis: a line per layer row, per path, or per coefficient and intensity."""
    unit = result["unit"]
    if kind == "layers":
        lines = [[layer["tier"], r["code"], r["name"], r["level"], r["value"], unit]
                 for layer in result["layers"] for r in layer["rows"]]
        lines += [[layer["tier"], "", "Tier total", "", layer["value"], unit] for layer in result["layers"]]
        lines.append(["deeper", "", "Remainder: every deeper tier", "", result["remainder"], unit])
        return ["tier", "code", "name", "level", "value", "unit"], lines
    if kind == "paths":
        lines = [[k + 1, p["value"], p["share"], p["upstream"], len(p["stages"]) - 1,
                  " > ".join(f"{s['region']} {s['product']}" for s in p["stages"]), unit]
                 for k, p in enumerate(result["paths"])]
        return ["rank", "value", "share", "upstream", "depth", "stages_from_final_producer", "unit"], lines
    lines = [["coefficient", c["origin"]["region"], c["origin"]["product"], c["consumer"]["region"],
              c["consumer"]["product"], c["elasticity"]] for c in result["cells"]]
    lines += [["intensity", c["region"], c["product"], "", "", c["elasticity"]] for c in result["intensities"]]
    return ["kind", "origin_region", "origin_product", "consumer_region", "consumer_product", "elasticity"], lines
