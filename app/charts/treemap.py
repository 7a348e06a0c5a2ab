"""A treemap of products nested by the product tree: cells grouped and coloured by section, a selected
group drawn around its selected members, tiny cells summed per section."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import palette
from .labels import fitted, shorter
from .layout import squarify
from .svg import CHAR_WIDTH, FONT, chip, chip_box, document, escape, fits, format_value, share, text

WIDTH, HEIGHT = 1000, 600
TINY = 0.002  # of the chart's area: smaller cells of one group are summed into one


@dataclass
class Cell:
    name: str
    value: float
    kind: str = "row"   # row, section (a group the tree adds), rest (of a selected group), other (tiny ones)
    code: str = ""
    section: str | None = None
    children: list[Cell] = field(default_factory=list)
    count: int = 1      # rows an "other" cell sums


def _section(tree, code: str) -> str | None:
    """The section (a child of the root) holding a node; None for the root or a flat list."""
    if tree is None or code not in tree:
        return None
    node = tree[code]
    while node.parent is not None and tree[node.parent].parent is not None:
        node = tree[node.parent]
    return node.code if node.parent is not None else None


def _nest(rows: list[dict], tree) -> list[Cell]:
    """Each positive row under its nearest selected ancestor, members of one section gathered."""
    chosen = {r["code"]: r for r in rows if r["value"] > 0}
    grouped = tree is not None and any(n.level >= 2 for n in tree.nodes.values())
    cells = {code: Cell(r["name"], r["value"], code=code, section=_section(tree, code) if grouped else None)
             for code, r in chosen.items()}
    top: list[Cell] = []
    for code, cell in cells.items():
        parent = tree[code].parent if tree is not None and code in tree else None
        while parent is not None and parent not in chosen:
            parent = tree[parent].parent
        (cells[parent].children if parent is not None else top).append(cell)

    def gather(members: list[Cell], holder: Cell | None) -> list[Cell]:
        # inside the root, or at the top: members of one section drawn together under its name
        if holder is not None and holder.section is not None:
            return members
        out, by_section = [], {}
        for cell in members:
            if cell.section is None or cell.code == cell.section:
                out.append(cell)
            else:
                by_section.setdefault(cell.section, []).append(cell)
        for section, group in by_section.items():
            node = tree[section]
            out.append(Cell(node.name, sum(c.value for c in group), "section", section, section, group))
        return out

    def finish(cell: Cell) -> None:
        cell.children = gather(cell.children, cell)
        for child in cell.children:
            finish(child)
        held = sum(c.value for c in cell.children)
        if cell.kind == "row" and cell.children and cell.value > held * (1 + 1e-9):
            cell.children.append(Cell(f"rest of {cell.name}, not listed separately", cell.value - held,
                                      "rest", section=cell.section))
        cell.value = max(cell.value, held)  # negative members elsewhere could leave a group smaller

    root = Cell("", 0.0, "section", children=top)
    finish(root)
    root.children = gather(root.children, None)
    return root.children


def _sum_tiny(cells: list[Cell], scale: float, holder: str) -> list[Cell]:
    """Cells too small to see or label, summed into one "other products" cell when there are several."""
    tiny = [c for c in cells if not c.children and c.kind == "row" and c.value * scale < TINY]
    if len(tiny) < 2:
        return cells
    kept = [c for c in cells if c not in tiny]
    other = Cell(f"{len(tiny)} other products {holder}", sum(c.value for c in tiny), "other",
                 section=tiny[0].section, count=len(tiny))
    return kept + [other]


def _colours(cells: list[Cell]) -> dict[str | None, str]:
    """The largest sections take the palette's colours, the rest share grey."""
    sizes: dict[str, float] = {}

    def walk(cell):
        if cell.section is not None and not cell.children:
            sizes[cell.section] = sizes.get(cell.section, 0.0) + cell.value
        for child in cell.children:
            walk(child)
    for cell in cells:
        walk(cell)
    ranked = sorted(sizes, key=lambda s: -sizes[s])
    colours = {s: palette.SECTIONS[k] if k < len(palette.SECTIONS) else palette.OTHER_SECTIONS
               for k, s in enumerate(ranked)}
    colours[None] = palette.FLAT
    return colours


def treemap(rows: list[dict], unit: str, total: float, title: str, ident: str = "chart", tree=None,
            standalone: bool = False) -> str:
    """Rectangles with areas proportional to each row's value; non-positive rows are listed, not drawn."""
    top = _nest(rows, tree)
    drawn = sum(c.value for c in top)
    scale = 1 / drawn if drawn > 0 else 0.0
    colours = _colours(top)
    cells, groups, labels, boxes, nested = [], [], [], [], []

    def place(cell: Cell, x, y, w, h, depth: int) -> None:
        label = f"{cell.code} {cell.name}".strip() if cell.kind in ("row", "section") else cell.name
        words = f"{label}: {format_value(cell.value)} {unit} ({share(cell.value, total)})"
        if cell.children:
            if cell.kind == "row":
                nested.append(cell)
            # a group's name first, so its members' labels make way for it: its code and name, else its
            # code alone (the legend names it), never a share without a name
            said = share(cell.value, total)
            choices = fitted(label, said, w, h, True, 2, alone=False) + fitted(cell.code, said, w, h, True, alone=False)
            any(_label(labels, boxes, x, y, w, h, lines, bold=True) for lines in choices)
            held = _sum_tiny(cell.children, scale, f"of {cell.name}")
            for i, x1, y1, w1, h1 in squarify(list(enumerate(c.value for c in held)), x, y, w, h):
                place(held[i], x1, y1, w1, h1, depth + 1)
            groups.append(f'<rect class="group" x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" '
                          f'fill="none" stroke="currentColor" stroke-width="{max(1, 3 - depth)}">'
                          f'<title>{escape(words)}</title></rect>\n')
            return
        colour = colours.get(cell.section, palette.FLAT)
        if cell.kind == "rest":  # part of a selected group: its section's colour, faint, and dashed
            paint = (f'fill="{colour if cell.section else "none"}" fill-opacity="0.2" stroke="currentColor" '
                     f'stroke-dasharray="6 4"')
        else:
            paint = f'fill="{colour}" stroke="#fff"'
        cells.append(f'<rect class="cell{" rest" if cell.kind == "rest" else ""}" x="{x:.4f}" y="{y:.4f}" '
                     f'width="{w:.4f}" height="{h:.4f}" {paint} stroke-width="1">'
                     f'<title>{escape(words)}</title></rect>\n')
        # the first way of writing the name that fits the cell and clears the labels already there
        any(_label(labels, boxes, x, y, w, h, lines) for lines in fitted(cell.name, share(cell.value, total), w, h))

    for i, x, y, w, h in squarify(list(enumerate(c.value for c in top)), 0, 0, WIDTH, HEIGHT):
        place(top[i], x, y, w, h, 0)
    body = ['<g class="cells">\n', *cells, *groups, "</g>\n<g class=\"labels\">\n", *labels, "</g>\n"]
    legend, legend_h = _legend(top, colours, nested, total)
    skipped = sum(1 for r in rows if r["value"] <= 0)
    desc = (f"Treemap of {len(rows)} product rows in {unit}, area proportional to the value, "
            f"grouped and coloured by section; shares are of the selection's total, "
            f"{format_value(total)} {unit}.")
    if nested:
        desc += " A selected group is drawn around its selected members; its share includes theirs."
    if skipped:
        desc += f" {skipped} rows with zero or negative values are not drawn; see the table."
    return document(WIDTH, HEIGHT + legend_h, title, desc, body + legend, ident, standalone=standalone)


def _label(out, boxes, x, y, w, h, lines, bold=False) -> bool:
    """A label in the cell's top-left corner, moved down past labels already there; left out (False)
    if it does not fit."""
    lines = [line for line in lines if line]
    ly = y + 2
    for _ in range(4):
        bx, by, bw, bh = chip_box(x + 2, ly, lines, FONT, bold)
        if bw > w - 4 or by + bh > y + h - 2:
            return False
        clash = next((b for b in boxes if bx < b[0] + b[2] and b[0] < bx + bw and by < b[1] + b[3]
                      and b[1] < by + bh), None)
        if clash is None:
            boxes.append((bx, by, bw, bh))
            out.append(chip(x + 2, ly, lines, FONT, bold))
            return True
        ly = clash[1] + clash[3] + 1
    return False


def _legend(top, colours, nested, total) -> tuple[list[str], int]:
    """Swatches for the coloured sections, and how the shares relate."""
    sections: dict[str, tuple[str, float]] = {}

    def walk(cell):
        if cell.section is not None and not cell.children:
            name, value = sections.get(cell.section, ("", 0.0))
            sections[cell.section] = (name, value + cell.value)
        if cell.kind == "section" or (cell.code and cell.code == cell.section):
            sections.setdefault(cell.section, ("", 0.0))
            sections[cell.section] = (cell.name, sections[cell.section][1])
        for child in cell.children:
            walk(child)
    for cell in top:
        walk(cell)
    out, y = ['<g class="legend">\n'], HEIGHT + 12
    entries = [(colours[s], _legend_words(f"{s} {name}", share(v, total))) for s, (name, v) in
               sorted(sections.items(), key=lambda kv: -kv[1][1]) if colours.get(s) != palette.OTHER_SECTIONS]
    others = [s for s in sections if colours.get(s) == palette.OTHER_SECTIONS]
    if others:
        entries.append((palette.OTHER_SECTIONS, f"{len(others)} smaller sections: {', '.join(sorted(others))}"))
    if nested:
        entries.append(("none", "rest of a selected group, not selected separately"))
    for k, (colour, words) in enumerate(entries):
        x, yy = (k % 2) * 500, y + (k // 2) * 22
        extra = ' stroke="currentColor" stroke-dasharray="4 3"' if colour == "none" else ""
        out.append(f'<rect x="{x}" y="{yy}" width="16" height="16" fill="{colour}"{extra}/>\n')
        out.append(text(x + 22, yy + 13, words, FONT))
    y += ((len(entries) + 1) // 2) * 22 + 8
    if nested:
        names = ", ".join(f"{c.name} ({share(c.value, total)})" for c in nested[:3])
        out.append(text(0, y + 12, fits(f"Shares overlap: a group's share includes the members drawn inside "
                                        f"it: {names}.", 1000) or ""))
        out.append(text(0, y + 34, "So the table's shares add to more than 100 %; the dashed cells are the "
                                   "part of a group not selected on its own."))
        y += 46
    out.append("</g>\n")
    return out, y - HEIGHT


def _legend_words(name: str, said: str) -> str:
    """A legend entry in its column (470 wide after the swatch): the name whole, else shortened by rule,
    else cut."""
    room = 470 - len(f": {said}") * FONT * CHAR_WIDTH
    return f"{next((n for n in (name, shorter(name)) if fits(n, room) == n), fits(name, room))}: {said}"
