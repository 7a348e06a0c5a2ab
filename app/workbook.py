"""A finished result as an XLSX workbook: the sheet Table holds the download's lines (app/exports.py, the
same as the CSV's) with numbers as numbers and the unit in the headings; the sheet Query the query in words,
the scenario's interventions and the dataset's provenance; and a chart the spreadsheet draws itself where one
can stand in for the page's (app/xlsxcharts.py), since a workbook cannot hold an SVG."""

from __future__ import annotations

import io
import json

import xlsxwriter

from . import exports, presenting
from .chainviews import TITLES, chain_kind
from .provenance import result_provenance, year_words
from .xlsxcharts import chart_plan

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Text stays text: never guessed to be a formula, a link or a number (cells are written with write_string
# and write_number anyway; these options keep any other path of the writer from guessing either).
OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
WIDEST = 60  # characters: a column no wider than this, longer text wraps or runs on


class Cells:
    """Writes cells: numbers as numbers, text as text, and text that looks like a formula with the quote
    prefix, which keeps a spreadsheet from running it even when someone edits the cell (the workbook's form
    of the CSV's leading apostrophe, exports.spreadsheet_safe; the text itself stays whole)."""

    def __init__(self, book):
        self.book = book
        self.formats = {}

    def style(self, literal: bool = False, **props):
        if literal:
            props["quote_prefix"] = True
        if not props:
            return None
        key = tuple(sorted(props.items()))
        if key not in self.formats:
            self.formats[key] = self.book.add_format(props)
        return self.formats[key]

    def put(self, sheet, row: int, col: int, value, **props) -> None:
        if value is None or value == "":
            return
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            sheet.write_number(row, col, value, self.style(**props))
        else:
            text = str(value)
            sheet.write_string(row, col, text, self.style(exports.formula_like(text), **props))


def workbook_bytes(job) -> bytes:
    """The workbook of a finished job."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, OPTIONS)
    cells = Cells(book)
    table = exports.result_table(job.query, job.result)
    plan = chart_plan(job.query, job.result)
    table_sheet(cells, book.add_worksheet("Table"), table, job.result["unit"])
    query_sheet(cells, book.add_worksheet("Query"), job, table, plan)
    if plan["type"] == "grid":
        grid_sheet(cells, book.add_worksheet("Matrix"), plan)
    elif plan["type"] is not None:
        chart_sheet(cells, book, book.add_worksheet("Chart"), plan)
    book.set_properties({"title": f"RaMa-Scene analysis {job.number}", "subject": presenting.title(job.query)})
    book.close()
    return output.getvalue()


def headings(table: exports.Table, unit: str) -> tuple[list[int], list[str]]:
    """The table's columns but its unit column, and their headings, the unit named where a column holds amounts."""
    keep = [k for k, name in enumerate(table.header) if name != "unit"]
    return keep, [f"{table.header[k]} [{unit}]" if table.header[k] in exports.IN_UNIT else table.header[k]
                  for k in keep]


def table_sheet(cells: Cells, sheet, table: exports.Table, unit: str) -> None:
    keep, heads = headings(table, unit)
    for col, heading in enumerate(heads):
        cells.put(sheet, 0, col, heading, bold=True)
    for row, line in enumerate(table.lines, start=1):
        for col, k in enumerate(keep):
            cells.put(sheet, row, col, line[k])
    for col, k in enumerate(keep):
        longest = max([len(heads[col])] + [len(str(line[k])) for line in table.lines])
        sheet.set_column(col, col, min(WIDEST, longest + 2))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(table.lines), len(keep) - 1)


def query_lines(job, table: exports.Table, plan: dict) -> list[tuple]:
    """What the sheet Query says, line by line: (label, text[, more])."""
    query, result = job.query, job.result
    kind = chain_kind(query)
    title = f"{TITLES[kind]}: {presenting.title(query)}" if kind else presenting.title(query)
    lines = [("Analysis", f"RaMa-Scene analysis {job.number}: {title}"),
             ("Query in words", presenting.describe(query, result))]
    interventions = query.get("interventions") or []
    if interventions:
        lines.append(("Scenario", f"{len(interventions)} intervention{'s' if len(interventions) != 1 else ''}, "
                                  "applied in this order (in words, and as the command line writes them):"))
        lines += [(f"Intervention {k}", presenting.describe_intervention(iv, query["dataset"]),
                   presenting.intervention_spec(iv)) for k, iv in enumerate(interventions, start=1)]
    source = result_provenance(query, job.finished_at)
    lines.append(("Dataset", query["dataset"]))
    if source["gone"]:
        lines.append(("Source", "No longer in the store, so its source, version and licence are not known here."))
    else:
        imported_as = f" (imported as {source['format']})" if source["format"] else ""
        lines.append(("Source", source["database"] + imported_as))
        lines += [(f"Year {y['year']}", year_words(y)) for y in source["years"]]
        lines.append(("Licence", source["licence"]))
    lines += [("Unit", result["unit"]),
              ("Finished", job.finished_at.strftime("%Y-%m-%d %H:%M:%S UTC") if job.finished_at else ""),
              ("Table", "The sheet Table: the lines of the CSV download, numbers as numbers, the unit named in "
                        "the heading of each column that holds amounts."),
              ("Chart", plan["words"]), ("", ""), ("The query's fields", "")]
    # the whole query last, as JSON (a supply-chain CSV's own "query" column holds a part of it)
    lines += [(name, value) for name, value in zip(table.context_header, table.context) if name != "query"]
    lines.append(("query (JSON)", json.dumps(query, sort_keys=True, ensure_ascii=False)))
    return lines


def query_sheet(cells: Cells, sheet, job, table: exports.Table, plan: dict) -> None:
    for row, line in enumerate(query_lines(job, table, plan)):
        cells.put(sheet, row, 0, line[0], bold=True, valign="top")
        for col, text in enumerate(line[1:], start=1):
            cells.put(sheet, row, col, text, text_wrap=True, valign="top")
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 100)
    sheet.set_column(2, 2, 50)


def chart_sheet(cells: Cells, book, sheet, plan: dict) -> None:
    """The chart's title and words, its data, labelled, and the chart drawn from those cells beside them."""
    categories, series = plan["categories"], plan["series"]
    top = 4  # the first line of data
    cells.put(sheet, 0, 0, plan["title"], bold=True)
    cells.put(sheet, 1, 0, plan["words"])
    cells.put(sheet, top - 1, 0, "The chart's data", bold=True)
    for s, (name, _) in enumerate(series, start=1):
        cells.put(sheet, top - 1, s, name, bold=True)
    for i, category in enumerate(categories):
        cells.put(sheet, top + i, 0, category)
        for s, (_, values) in enumerate(series, start=1):
            cells.put(sheet, top + i, s, values[i])
    sheet.set_column(0, 0, min(WIDEST, max([16] + [len(c) + 2 for c in categories])))
    sheet.set_column(1, len(series), 16)
    if not categories:
        return
    chart = book.add_chart({"type": plan["type"]})
    last = top + len(categories) - 1
    for s in range(1, len(series) + 1):
        # the title, names and categories by reference to the cells: a text given to the chart itself that
        # starts with "=" would be read as a reference
        chart.add_series({"name": ["Chart", top - 1, s], "categories": ["Chart", top, 0, last, 0],
                          "values": ["Chart", top, s, last, s]})
    chart.set_title({"name": ["Chart", 0, 0], "name_font": {"size": 11}})
    if plan["type"] == "bar":
        chart.set_y_axis({"reverse": True})  # the first (largest) at the top, as listed
    if len(series) == 1:
        chart.set_legend({"none": True})
    height = max(1.5, 0.3 + len(categories) * (len(series) + 1) * 14 / 288) if plan["type"] == "bar" else 1.8
    sheet.insert_chart(top - 1, len(series) + 2, chart, {"x_scale": 2.0, "y_scale": height})


def grid_sheet(cells: Cells, sheet, plan: dict) -> None:
    """A matrix as rows x columns, coloured light to dark by value (the spreadsheet's own heat map)."""
    rows, columns, values = plan["categories"], plan["columns"], plan["series"][0][1]
    cells.put(sheet, 0, 0, plan["words"])
    for c, label in enumerate(columns, start=1):
        cells.put(sheet, 2, c, label, bold=True, text_wrap=True, valign="top")
    for r, (label, line) in enumerate(zip(rows, values), start=3):
        cells.put(sheet, r, 0, label, bold=True)
        for c, value in enumerate(line, start=1):
            cells.put(sheet, r, c, value)
    sheet.set_column(0, 0, min(WIDEST, max([16] + [len(label) + 2 for label in rows])))
    sheet.set_column(1, len(columns), 14)
    sheet.freeze_panes(3, 1)
    sheet.conditional_format(3, 1, 2 + len(rows), len(columns),
                             {"type": "2_color_scale", "min_color": "#FFFFFF", "max_color": "#4A7FB0"})
