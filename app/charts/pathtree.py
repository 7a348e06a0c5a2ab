"""The largest supply-chain paths as one tree: from the final demand, through the producer of the final
product, upstream supplier by supplier. Paths sharing their first stages share those branches, so a chain
that feeds many paths shows once. Each stage is one row, indented by its depth; where a path ends (where
its impact occurs) a bar on the right gives its value. Every row has its whole chain in a <title>."""

from __future__ import annotations

from . import palette
from .svg import FONT, compact, document, escape, fits, share, text

MAX_PATHS = 20
WIDTH, TOP, ROW, INDENT = 1000, 8, 24, 24
BARS_X, BARS_W = 720, 130  # the value bars' column; their text follows


def _tree(paths: list[dict]) -> dict:
    """A prefix tree of the paths' stages: {key: {"stage", "own": [path index], "children": {...}}}."""
    root: dict = {"stage": None, "own": [], "children": {}, "best": 0.0}
    for k, path in enumerate(paths):
        node = root
        node["best"] = max(node["best"], abs(path["value"]))
        for stage in path["stages"]:
            node = node["children"].setdefault(stage["key"], {"stage": stage, "own": [], "children": {}, "best": 0.0})
            node["best"] = max(node["best"], abs(path["value"]))
        node["own"].append(k)
    return root


def _rows(node: dict, depth: int, out: list) -> None:
    """Pre-order: the node, then its children, the branch holding the largest path first (ties: first seen)."""
    out.append((depth, node))
    for child in sorted(node["children"].values(), key=lambda c: -c["best"]):
        _rows(child, depth + 1, out)


def path_tree(paths: list[dict], unit: str, total: float, root_label: str, title: str, ident: str = "chart",
              standalone: bool = False) -> str:
    """paths: the largest first, [{"value", "stages": [{"key", "label", "words"}]}] with stage 0 the final
    product's producer and the last stage where the impact occurs; at most MAX_PATHS are drawn."""
    paths = paths[:MAX_PATHS]
    rows: list = []
    _rows(_tree(paths), 0, rows)
    height = TOP + ROW * len(rows) + 8
    largest = max((abs(p["value"]) for p in paths), default=0.0) or 1.0
    where = {id(node): r for r, (_, node) in enumerate(rows)}
    body = []
    for r, (depth, node) in enumerate(rows):
        x, y = 12 + depth * INDENT, TOP + r * ROW
        middle = y + ROW / 2
        for child in node["children"].values():  # an elbow to each child: down the indent, then right
            cy = TOP + where[id(child)] * ROW + ROW / 2
            body.append(f'<path class="chart-branch" d="M{x + 4:.1f} {middle + 5:.1f}V{cy:.1f}H{x + INDENT - 2:.1f}" '
                        f'fill="none" stroke="currentColor" stroke-opacity="0.6"/>\n')
        stage = node["stage"]
        label = root_label if stage is None else stage["label"]
        room = (BARS_X if node["own"] else WIDTH) - x - 22
        said = root_label if stage is None else stage["words"]
        body.append(f'<g class="chart-stage"><title>{escape(said)}</title>\n'
                    f'<circle cx="{x + 4:.1f}" cy="{middle:.1f}" r="4" fill="currentColor"/>\n'
                    + text(x + 14, middle + FONT * 0.35, fits(label, room) or label[:4] + "…", FONT))
        for k in node["own"]:
            value = paths[k]["value"]
            w = BARS_W * abs(value) / largest
            body.append(f'<rect class="cell chart-path-end" x="{BARS_X}" y="{y + 5}" width="{max(w, 0.5):.2f}" '
                        f'height="{ROW - 10}" fill="{palette.FLAT}"/>\n'
                        + text(BARS_X + BARS_W + 6, middle + FONT * 0.35,
                               f"{compact(value)} ({share(value, total)})", FONT))
        body.append("</g>\n")
    desc = (f"Tree of the {len(paths)} largest supply-chain paths in {unit}: from the final demand through the "
            f"producer of the final product, each row one supplier further upstream, indented by its depth; a bar "
            f"on the right marks where a path ends (where its impact occurs) and gives the path's value and its "
            f"share of the footprint.")
    return document(WIDTH, height, title, desc, body, ident, standalone=standalone)
