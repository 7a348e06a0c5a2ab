"""Classification trees for products and regions: leaves roll up to nodes, every root is TOTAL."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

from .errors import DatasetError
from .interventions import FINAL_DEMAND

ROOT = "TOTAL"
MAX_LABEL = 200  # characters of a code: it travels in forms, URLs and CSV rows
# Bidirectional overrides and isolates make a label display as something other than what it is.
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class Node:
    code: str
    name: str
    level: int
    parent: str | None
    leaves: np.ndarray  # positions along the dataset's region or product axis


def _control_character(text: str) -> str | None:
    """The first character no label may hold: NUL (no database text column stores it), a lone surrogate
    (no UTF-8), a bidirectional control (it makes a label read as another). Tabs, line breaks and
    formula-like text are data: they are escaped where shown and neutralised in downloads."""
    for char in text:
        if char == "\0" or unicodedata.category(char) == "Cs" or char in BIDI_CONTROLS:
            return char
    return None


def text_problem(text, empty_ok: bool = False) -> str | None:
    """What is wrong with a name or unit, or None: it must be text without the characters above."""
    if not isinstance(text, str):
        return f"is {type(text).__name__}, not text"
    if not empty_ok and not text.strip():
        return "is empty"
    char = _control_character(text)
    if char is not None:
        return f"holds the control character U+{ord(char):04X}"
    return None


def label_problem(label) -> str | None:
    """What is wrong with a code (a region, product, node or indicator code), or None."""
    problem = text_problem(label)
    if problem is not None:
        return problem
    if len(label) > MAX_LABEL:
        return f"is longer than {MAX_LABEL} characters"
    return None


def check_labels(kind: str, labels) -> None:
    """Region or product labels (kind "regions" or "products"): usable codes, each once, none reserved.

    The one place every label passes before a dataset is compiled or opened.
    """
    singular = kind[:-1]
    if not isinstance(labels, (list, tuple)) or not labels:
        raise DatasetError(kind, labels, f"the dataset has no {kind}")
    first: dict[str, int] = {}
    for position, label in enumerate(labels, start=1):
        problem = label_problem(label)
        if problem is not None:
            raise DatasetError(kind, label, f"{singular} label {label!r} (number {position} of "
                               f"{len(labels)}) {problem}")
        if label == ROOT:
            raise DatasetError(kind, label, f"{singular} label {label!r} (number {position}) is the code "
                               "of the root of every tree; rename it")
        if kind == "products" and label == FINAL_DEMAND:
            raise DatasetError(kind, label, f"product label {label!r} (number {position}) is the code "
                               "scenarios use for final demand; rename it")
        if label in first:
            raise DatasetError(kind, label, f"{singular} label {label!r} is used twice (numbers "
                               f"{first[label]} and {position}); every {singular} needs its own label")
        first[label] = position


def check_indicators(indicators) -> None:
    """Indicator records: unique usable codes, names, units, parents listed before their children."""
    if not isinstance(indicators, (list, tuple)) or not indicators:
        raise DatasetError("indicators", indicators, "the dataset has no indicators")
    seen: set[str] = set()
    for position, ind in enumerate(indicators, start=1):
        if not isinstance(ind, dict) or not {"code", "name", "unit", "parent"} <= set(ind):
            raise DatasetError("indicators", ind, f"indicator number {position} is not a record with "
                               "code, name, unit and parent")
        code = ind["code"]
        problem = label_problem(code)
        if problem is not None:
            raise DatasetError("indicators", code, f"indicator code {code!r} (number {position}) {problem}")
        if code in seen:
            raise DatasetError("indicators", code, f"indicator code {code!r} is used twice")
        for key, empty_ok in (("name", False), ("unit", True)):
            problem = text_problem(ind[key], empty_ok)
            if problem is not None:
                raise DatasetError("indicators", ind[key], f"the {key} of indicator {code!r} {problem}")
        if ind["parent"] is not None and ind["parent"] not in seen:
            raise DatasetError("indicators", ind["parent"], f"the parent {ind['parent']!r} of indicator "
                               f"{code!r} is not an indicator listed before it")
        seen.add(code)


class Tree:
    """A rooted tree over the positions 0..n-1 of one dataset axis."""

    def __init__(self, records: list[dict], kind: str = "nodes"):
        # records: {code, name, parent, leaf}, the root first, parents listed before their children
        self.records = records
        self._check(records, kind)
        leaves: dict[str, list[int]] = {r["code"]: [] for r in records}
        levels: dict[str, int] = {}
        for r in records:
            levels[r["code"]] = 0 if r["parent"] is None else levels[r["parent"]] + 1
        # children after their parents: one backward pass hands every leaf up the tree
        for r in reversed(records):
            if r["leaf"] is not None:
                leaves[r["code"]].append(r["leaf"])
            if r["parent"] is not None:
                leaves[r["parent"]].extend(leaves[r["code"]])
        self.nodes = {
            r["code"]: Node(r["code"], r["name"], levels[r["code"]], r["parent"],
                            np.array(sorted(leaves[r["code"]]), dtype=np.intp))
            for r in records
        }
        self.size = sum(r["leaf"] is not None for r in records)

    @staticmethod
    def _check(records, kind: str) -> None:
        """Refuse what would make a walk up the tree loop or lose leaves: a tree, or a DatasetError."""
        singular = kind[:-1] if kind.endswith("s") else kind
        where = f"the {singular} tree"

        def fail(value, message):
            raise DatasetError(kind, value, f"{where}: {message}")

        if not isinstance(records, list) or not records:
            fail(records, "is empty")
        nodes: dict[str, dict] = {}
        positions: set[int] = set()
        for number, r in enumerate(records, start=1):
            if not isinstance(r, dict) or set(r) < {"code", "name", "parent", "leaf"}:
                fail(r, f"entry {number} is not a record with code, name, parent and leaf")
            code, parent, leaf = r["code"], r["parent"], r["leaf"]
            problem = label_problem(code)
            if problem is not None:
                fail(code, f"code {code!r} (entry {number}) {problem}")
            problem = text_problem(r["name"])
            if problem is not None:
                fail(r["name"], f"the name of {code!r} {problem}")
            if code in nodes:
                other = nodes[code]
                if (other["leaf"] is None) != (leaf is None):
                    fail(code, f"{singular} label {code!r} is also the code of a group of {where} "
                         f"({(other if other['leaf'] is None else r)['name']!r}); rename it")
                fail(code, f"{code!r} appears twice")
            if number == 1:
                if code != ROOT or parent is not None or leaf is not None:
                    fail(code, f"its first entry must be the root {ROOT!r}, a group without a parent")
            elif code == ROOT:
                fail(code, f"{singular} label {ROOT!r} is the code of the root; rename it")
            elif parent is None or not isinstance(parent, str) or parent not in nodes:
                # parents come first: this also rules out cycles
                fail(parent, f"the parent {parent!r} of {code!r} is not a group listed before it")
            elif nodes[parent]["leaf"] is not None:
                fail(parent, f"{parent!r} is a {singular}, not a group, yet {code!r} names it as parent")
            if leaf is not None:
                if isinstance(leaf, bool) or not isinstance(leaf, int) or leaf < 0 or leaf in positions:
                    fail(leaf, f"{code!r} has the position {leaf!r}, not a new whole number from 0")
                positions.add(leaf)
            nodes[code] = r
        if positions != set(range(len(positions))):
            fail(sorted(positions), f"the positions of its {kind} are not 0 to {len(positions) - 1}")
        if not positions:
            fail(records, f"has no {kind}")

    def __contains__(self, code) -> bool:
        return code in self.nodes

    def __getitem__(self, code: str) -> Node:
        return self.nodes[code]

    def leaf_codes(self) -> list[str]:
        """Leaf codes in axis order."""
        by_position = {r["leaf"]: r["code"] for r in self.records if r["leaf"] is not None}
        return [by_position[i] for i in range(self.size)]

    def union(self, codes) -> np.ndarray:
        """Positions covered by any of the nodes, each once, in axis order."""
        mask = np.zeros(self.size, dtype=bool)
        for code in codes:
            mask[self.nodes[code].leaves] = True
        return np.flatnonzero(mask)

    def depth_first(self) -> list[Node]:
        """Every node, each parent followed by its subtree, siblings in source order."""
        children: dict[str | None, list[str]] = {}
        for r in self.records:
            children.setdefault(r["parent"], []).append(r["code"])
        def first_leaf(code):
            leaves = self.nodes[code].leaves
            return leaves[0] if len(leaves) else self.size

        order, stack = [], list(reversed(children.get(None, [])))
        while stack:
            code = stack.pop()
            order.append(self.nodes[code])
            # siblings in the order of their first leaf, i.e. the source's own order
            stack.extend(sorted(children.get(code, []), key=first_leaf, reverse=True))
        return order

    def public(self) -> list[dict]:
        """What a user can select: code, name, level and parent of every node, depth first."""
        return [{"code": n.code, "name": n.name, "level": n.level, "parent": n.parent}
                for n in self.depth_first()]


def _record(code, name, parent, leaf=None) -> dict:
    return {"code": code, "name": name, "parent": parent, "leaf": leaf}


def flat_tree(codes: list[str], names: list[str] | None = None) -> list[dict]:
    """Leaves directly under TOTAL, for data that brings no classification."""
    names = names or codes
    return [_record(ROOT, "Total", None)] + [
        _record(c, n, ROOT, i) for i, (c, n) in enumerate(zip(codes, names))]
