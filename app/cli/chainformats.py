"""How the `query` command prints a supply-chain analysis (--layers, --paths, --sensitivity)."""

from __future__ import annotations

import json

from ..exports import chain_rows, csv_table


def format_chain(kind: str, result: dict, fmt: str) -> str:
    """JSON as the result's dict; CSV with the downloads' cell rules; a table for reading."""
    if fmt == "json":
        return json.dumps(result)
    header, lines = chain_rows(kind, result)
    if fmt == "csv":
        return csv_table(header, lines).rstrip("\n")
    unit, total = result["unit"], result["total"]
    text = [f"footprint {total:.6g} {unit}"]
    if "baseline_total" in result:  # under a scenario
        base = result["baseline_total"]
        change = f", {(total - base) / base:+.2%}" if base else ""
        text[0] += f" under the scenario (baseline {base:.6g} {unit}{change})"
    if kind == "layers":
        for layer in result["layers"]:
            text.append(f"tier {layer['tier']:>2}: {layer['value']:>14.6g} {unit} ({layer['value'] / total:.1%})")
        text.append(f"deeper  : {result['remainder']:>14.6g} {unit} ({result['remainder'] / total:.1%})")
    elif kind == "paths":
        text[0] += (f"; {len(result['paths'])} paths cover {result['coverage']:.1%} of it; "
                    f"{result['expanded']} nodes expanded")
        for line in lines:
            text.append(f"{line[0]:>4}. {line[1]:>12.6g} {unit} ({line[2]:.2%}): {line[5]}")
    else:
        for line in lines:
            where = f"{line[1]} {line[2]}" + (f" -> {line[3]} {line[4]}" if line[0] == "coefficient" else "")
            text.append(f"{line[0]:<11} {where:<40} elasticity {line[5]:.4g}")
    if result.get("direct_left_out"):
        text.append("direct emissions of final demand have no supply chain: left out")
    return "\n".join(text)
