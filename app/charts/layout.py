"""Squarified treemap layout (Bruls, Huizing and van Wijk): rectangles of given areas, near square."""

from __future__ import annotations


def squarify(items: list[tuple[int, float]], x: float, y: float, w: float, h: float) -> list[tuple]:
    """(index, x, y, w, h) for each (index, value) with a positive value, sorted descending; the areas
    are proportional to the values and fill the rectangle."""
    out = []
    items = [(i, v) for i, v in items if v > 0]
    total = sum(v for _, v in items)
    if total <= 0 or w <= 0 or h <= 0:
        return out
    scale = w * h / total
    areas = [(i, v * scale) for i, v in sorted(items, key=lambda t: -t[1])]

    def worst(row, side):
        s = sum(a for _, a in row)
        return max(max(side * side * a / (s * s), (s * s) / (side * side * a)) for _, a in row)

    while areas:
        side = min(w, h)
        row = [areas.pop(0)]
        while areas and worst(row + [areas[0]], side) <= worst(row, side):
            row.append(areas.pop(0))
        s = sum(a for _, a in row)
        last = not areas  # the last row takes what is left, so rounding leaves no gap
        if w >= h:  # lay the row out as a column on the left
            col_w = w if last else s / h
            yy = y
            for i, a in row:
                rh = a / s * h
                out.append((i, x, yy, col_w, rh))
                yy += rh
            x, w = x + col_w, w - col_w
        else:  # as a row along the top
            row_h = h if last else s / w
            xx = x
            for i, a in row:
                rw = a / s * w
                out.append((i, xx, y, rw, row_h))
                xx += rw
            y, h = y + row_h, h - row_h
    return out
