"""How the `query` command prints a series (--years) and a decomposition (--decompose)."""

from __future__ import annotations

import json

from ..exports import csv_table, decomposition_rows, series_rows


def _number(value) -> str:
    return f"{value:>14.6g}" if isinstance(value, (int, float)) else f"{'-':>14}"


def format_series(result: dict, fmt: str) -> str:
    """JSON as SeriesResult.to_dict(); CSV one line per (row, year); a table rows x years."""
    if fmt == "json":
        return json.dumps(result)
    if fmt == "csv":
        return csv_table(*series_rows(result)).rstrip("\n")
    years = result["years"]
    lines = [f"{'code':<12} {'name':<30} " + " ".join(f"{y:>14}" for y in years) + f" {'CAGR':>8}"]
    for r in [*result["rows"], {"code": "total", "name": "", "values": result["totals"], **result["total"]}]:
        cagr = "-" if r["cagr"] is None else f"{100 * r['cagr']:.2f} %"
        lines.append(f"{r['code'][:12]:<12} {r['name'][:30]:<30} " + " ".join(_number(v) for v in r["values"])
                     + f" {cagr:>8}")
    lines.append(f"unit: {result['unit']}")
    if result["missing"]:
        lines.append("not in the dataset, so not shown: " + ", ".join(map(str, result["missing"])))
    return "\n".join(lines)


def format_decomposition(result: dict, fmt: str) -> str:
    """JSON as DecompositionResult.to_dict(); CSV one line per row; a table of start, factors, end."""
    if fmt == "json":
        return json.dumps(result)
    header, lines = decomposition_rows(result)
    if fmt == "csv":
        return csv_table(header, lines).rstrip("\n")
    y0, y1 = result["years"]
    names = header[3:header.index("unit")]
    text = [f"Change {y0} -> {y1}, {result['unit']}: start, the contribution of each factor, end",
            f"{'code':<12} {'name':<30} " + " ".join(f"{n:>14}" for n in names)]
    for line in lines:
        text.append(f"{str(line[0]) or 'total':<12} {str(line[1])[:30]:<30} "
                    + " ".join(_number(v) for v in line[3:3 + len(names)]))
    return "\n".join(text)
