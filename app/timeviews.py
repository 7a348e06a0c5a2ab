"""Series and decompositions in words, charts and tables (app/engine/series.py, change.py).

A series is any view over several years: a line chart, a table rows x years with first, last, change and
compound annual growth, and an index view (first year = 100). A decomposition explains each row's
change between two years by its drivers: a waterfall per row, a table and a sentence per row.
"""

from __future__ import annotations

from . import charts
from .charts.svg import format_value

FACTOR_WORDS = {"intensity": "intensity (impacts per unit of output)",
                "structure": "production structure (the Leontief inverse)",
                "mix": "final-demand mix", "level": "final-demand level", "population": "population",
                "direct": "direct emissions of final demand"}
FACTOR_HEADINGS = {"intensity": "Intensity", "structure": "Production structure", "mix": "Final-demand mix",
                   "level": "Final-demand level", "population": "Population", "direct": "Direct emissions"}
MAX_PANELS = 12  # waterfalls drawn: the total and the rows that changed most
PRICES = ("Monetary input-output tables such as EXIOBASE's are in current prices: the contributions of "
          "production structure and of final-demand level include changes in prices.")


def kind(query: dict) -> str | None:
    """"series", "decomposition", or None for a one-year view."""
    return "series" if "years" in query else "decomposition" if "decompose" in query else None


def when(query: dict) -> str:
    """The years of a query in words: "2011", "each year from 2011 to 2015", "the change from 2011 to 2020"."""
    if "years" in query:
        years = query["years"]
        if years == list(range(years[0], years[-1] + 1)):
            return f"each year from {years[0]} to {years[-1]}"
        return "the years " + ", ".join(map(str, years))
    if "decompose" in query:
        y0, y1 = query["decompose"]
        return f"what drove the change from {y0} to {y1}"
    return str(query.get("year"))


def short_when(query: dict) -> str:
    """The years for a title: 2011, 2011-2015, change 2011-2020."""
    if "years" in query:
        return f"{query['years'][0]}-{query['years'][-1]}"
    if "decompose" in query:
        return "change {}-{}".format(*query["decompose"])
    return str(query.get("year"))


def signed_percent(value: float, base: float) -> str:
    """+45.0 % or −31.2 % (a real minus sign) of base; – where base is zero."""
    if not base:
        return "–"
    share = 100 * value / abs(base)
    return f"{'+' if share >= 0 else '−'}{abs(share):.1f} %"


def disjoint(tree, codes) -> bool:
    """Whether the selected nodes share no leaf, so that the rest of them can be summed as "other"."""
    if tree is None:
        return False
    codes = [c for c in codes if c in tree]
    return sum(len(tree[c].leaves) for c in codes) == len(tree.union(codes)) if codes else True


def series_view(result: dict, tree, index: bool = False) -> dict:
    """What the series template shows: the lines' choice in words, and per row its values (as values or
    as an index, first year = 100), first, last, change and growth."""
    rows = result["rows"]
    separate = disjoint(tree, [r["code"] for r in rows])
    choice = charts.line_choice(rows, separate, result["years"][-1])
    out = []
    for r in [*rows, {"code": "", "name": "Total of the selection", "values": result["totals"], **result["total"]}]:
        first = r["values"][0]
        shown = r["values"]
        if index:
            shown = [None if v is None or not first else 100 * v / first for v in r["values"]]
        out.append({**r, "shown": shown})
    return {"rows": out[:-1], "total": out[-1], "choice": choice, "disjoint": separate, "index": index}


def series_chart(result: dict, title: str, ident: str, tree, standalone: bool = False, index: bool = False) -> str:
    series = {"unit": result["unit"], "years": result["years"], "rows": result["rows"], "totals": result["totals"]}
    return charts.lines(series, title, ident, standalone=standalone, index=index,
                        disjoint=disjoint(tree, [r["code"] for r in result["rows"]]))


def sentence(row: dict, years: list[int], unit: str) -> str:
    """One row's change in words: from, to, and each factor's part as a share of the start."""
    y0, y1 = years
    start, end = row["start"], row["end"]
    parts = ", ".join(f"{FACTOR_WORDS[name]} {signed_percent(value, start)}"
                      for name, value in row["contributions"].items())
    return (f"{row['name']} ({row['code']}): from {format_value(start)} {unit} in {y0} to {format_value(end)} "
            f"{unit} in {y1} ({signed_percent(end - start, start)}). By driver, as shares of {y0}: {parts}.")


def decomposition_view(result: dict) -> dict:
    """The rows with a sentence each, and which of them the waterfalls draw (the total first when there
    is more than one row, then the rows whose footprint changed most), with that choice in words."""
    rows = [{**r, "sentence": sentence(r, result["years"], result["unit"])} for r in result["rows"]]
    total = {**result["total"], "sentence": sentence(result["total"], result["years"], result["unit"])}
    drawn = drawn_rows(result)
    words = ""
    if len(result["rows"]) + (len(result["rows"]) > 1) > len(drawn):
        words = (f"The waterfalls show the total and the {len(drawn) - 1} rows whose footprint changed most; "
                 "the table has every row.")
    return {"rows": rows, "total": total, "names": list(result["total"]["contributions"]),
            "headings": FACTOR_HEADINGS, "drawn_words": words}


def drawn_rows(result: dict) -> list[dict]:
    rows = result["rows"]
    if len(rows) <= 1:
        return list(rows)
    largest = sorted(rows, key=lambda r: -abs(r["end"] - r["start"]))[:MAX_PANELS - 1]
    total = {**result["total"], "name": "Total of the selection", "code": "total"}
    return [total, *[r for r in rows if any(r is x for x in largest)]]


def decomposition_chart(result: dict, title: str, ident: str, standalone: bool = False) -> str:
    return charts.waterfall(drawn_rows(result), result["unit"], result["years"], title, ident, standalone=standalone,
                            factor_words=FACTOR_HEADINGS)


def series_comparison(a, b) -> dict | None:
    """Two finished series with the same rows: b minus a for each row in each year both have; else None."""
    if a is None or b is None or a.result is None or b.result is None or a.public_id == b.public_id:
        return None
    if kind(a.query) != "series" or kind(b.query) != "series" or a.result["unit"] != b.result["unit"]:
        return None
    codes_a = [r["code"] for r in a.result["rows"]]
    if codes_a != [r["code"] for r in b.result["rows"]]:
        return None
    years = [y for y in b.result["years"] if y in a.result["years"]]
    if not years:
        return None
    pick_a = [a.result["years"].index(y) for y in years]
    pick_b = [b.result["years"].index(y) for y in years]

    def diff(values_a, values_b):
        return [None if values_b[j] is None or values_a[i] is None else values_b[j] - values_a[i]
                for i, j in zip(pick_a, pick_b)]

    rows = [{"code": ra["code"], "name": ra["name"], "diff": diff(ra["values"], rb["values"])}
            for ra, rb in zip(a.result["rows"], b.result["rows"])]
    return {"years": years, "rows": rows, "total": diff(a.result["totals"], b.result["totals"])}


def explainable(query: dict) -> str | None:
    """Why a result's view cannot be explained by a decomposition, in words; None when it can."""
    if query.get("interventions"):
        return "a decomposition explains the data as they are, not a scenario"
    if query.get("per"):
        return "a decomposition explains totals, not figures per person or per unit of value added"
    if isinstance(query.get("by"), list) and len(query["by"]) != 1:
        return "a decomposition explains one breakdown, not a matrix"
    return None


def _view_of(query: dict) -> dict:
    """The view a query answers, whatever its years."""
    return {k: v for k, v in query.items() if k not in ("year", "years", "decompose")}


def explain_target(job, against=None) -> tuple[dict | None, str | None]:
    """The decomposition query that explains a result's change, or why there is none, in words: a series
    between its first and last year; a one-year result beside another of the same view in another year."""
    query = job.query
    if job.result is None:
        return None, "it has no result yet"
    refusal = explainable(query)
    if refusal:
        return None, refusal
    if kind(query) == "series":
        years = job.result["years"]
        if len(years) < 2:
            return None, "the dataset has only one of its years"
        return {**_view_of(query), "decompose": [years[0], years[-1]]}, None
    if kind(query) is not None or against is None or against.result is None or kind(against.query) is not None:
        return None, "choose a series, or show two years of the same view side by side"
    if against.query["dataset"] != query["dataset"]:
        return None, (f"the two analyses use different datasets ({against.query['dataset']} and "
                      f"{query['dataset']}), and a change is explained within one")
    if _view_of(against.query) != _view_of(query):
        return None, "the two analyses are not the same view in two years"
    if against.query["year"] == query["year"]:
        return None, f"both analyses are of {query['year']}"
    return {**_view_of(query), "decompose": sorted([against.query["year"], query["year"]])}, None
