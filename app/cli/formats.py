"""How the `query` command prints its answers: one axis, a matrix of two, or embodied trade."""

from __future__ import annotations

import json

from ..exports import csv_table


def format_rows(result, fmt: str) -> str:
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


def format_matrix(result, fmt: str) -> str:
    """A two-axis result: JSON as FlowResult.to_dict(); CSV one line per cell (row, column, value,
    unit) and the total last; a table with the rows' codes down and the columns' codes across."""
    if fmt == "json":
        return json.dumps(result.to_dict())
    matrix = result.matrix
    if fmt == "csv":
        header = ["row_code", "row_name", "row_level", "column_code", "column_name", "column_level", "value",
                  "unit"]
        lines = [[r.code, r.name, r.level, c.code, c.name, c.level, value, result.unit]
                 for r, values in zip(matrix["rows"], matrix["values"]) for c, value in zip(matrix["columns"], values)]
        lines.append(["", "total of the selection", "", "", "", "", result.total, result.unit])
        return csv_table(header, lines).rstrip("\n")
    width = max([len(h.code) + 2 * h.level for h in matrix["rows"]] + [5])
    cells = max([len(h.code) for h in matrix["columns"]] + [12])
    lines = [f"{'rows':<{width}}  " + "  ".join(f"{c.code:>{cells}}" for c in matrix["columns"])]
    for r, values in zip(matrix["rows"], matrix["values"]):
        lines.append(f"{'  ' * r.level + r.code:<{width}}  " + "  ".join(f"{v:>{cells}.6g}" for v in values))
    lines.append(f"total {result.total:.6g} {result.unit}; unit of every cell: {result.unit}")
    return "\n".join(lines)


TRADE = ("consumption", "production", "imports", "exports", "domestic", "balance")


def format_trade(query, rows, unit: str, fmt: str) -> str:
    """Embodied trade of region nodes: JSON, CSV one line per node, or a table."""
    from ..engine.trade import trade_dict

    if fmt == "json":
        return json.dumps(trade_dict(query, rows, unit))
    if fmt == "csv":
        lines = [[t.code, t.name, t.level, *(getattr(t, k) for k in TRADE), unit] for t in rows]
        return csv_table(["code", "name", "level", *TRADE, "unit"], lines).rstrip("\n")
    width = max([len(t.code) + 2 * t.level for t in rows] + [4])
    lines = [f"{'code':<{width}}  " + "  ".join(f"{k:>14}" for k in TRADE) + "  unit"]
    for t in rows:
        lines.append(f"{'  ' * t.level + t.code:<{width}}  " + "  ".join(f"{getattr(t, k):>14.6g}" for k in TRADE)
                     + f"  {unit}")
    lines.append("consumption: caused by the node's final demand; production: occurring in the node; "
                 "balance = imports - exports = consumption - production"
                 + ("; direct emissions of final demand included" if query.direct else ""))
    return "\n".join(lines)
