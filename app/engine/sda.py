"""Structural decomposition of a footprint's change between two years, exact (Shapley / Dietzenbacher-Los).

A footprint F = s L y is written as a product of factors: intensity (s), production structure (L),
final-demand mix (y / sum y) and final-demand level (sum y); with populations, the level splits into
population and final demand per person. Each factor's contribution is the average, over every order in
which the factors could change from year 0 to year 1, of the change in F when that factor changes:
the Shapley value of the factors. The contributions add up to F1 - F0 exactly, with no residual.

With m factors, F is needed at the 2^m combinations of the factors' two years; s and L enter only
through the multipliers s L, so four products with L (two intensities by two structures) serve all.
Every function here works on several footprints at once (columns of y: one per consumer region, say).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import product
from math import factorial

import numpy as np

FACTORS = ("intensity", "structure", "mix", "level")
WITH_POPULATION = ("intensity", "structure", "mix", "level", "population")


def shapley_weights(m: int) -> dict[int, float]:
    """The weight of a subset of the other factors of size k: k! (m - k - 1)! / m!."""
    return {k: factorial(k) * factorial(m - k - 1) / factorial(m) for k in range(m)}


def shapley(values: dict[tuple[int, ...], np.ndarray], m: int) -> list[np.ndarray]:
    """Each factor's contribution, from F at every combination of years (a tuple of 0 and 1 per factor)."""
    weights = shapley_weights(m)
    out = []
    for k in range(m):
        total = 0.0
        for others in product((0, 1), repeat=m - 1):
            before = others[:k] + (0,) + others[k:]
            after = others[:k] + (1,) + others[k:]
            total = total + weights[sum(others)] * (values[after] - values[before])
        out.append(total)
    return out


def multipliers(s: np.ndarray, L) -> np.ndarray:
    """s L: the footprint per unit of each sector's final output."""
    return np.asarray(s @ L)


def split_demand(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Final demand (n x columns) as its level (each column's sum) and its mix (each column over its
    sum; zero where a column is all zero)."""
    level = y.sum(axis=0)
    safe = np.where(level != 0, level, 1.0)
    return level, np.where(level != 0, y / safe, 0.0)


def decompose_terms(term: Callable[[int, int, int], np.ndarray], level: tuple[np.ndarray, np.ndarray],
                    population: tuple[np.ndarray, np.ndarray] | None = None) -> dict:
    """Contributions to F1 - F0 of footprints written as F = term(a, b, c) x level.

    term(a, b, c): the footprints per unit of final-demand level with year a's intensities, year b's
    structure and year c's mix (one entry per footprint); level: each footprint's final-demand level in
    year 0 and year 1. population: each footprint's population in both years, a fifth factor ("level" is
    then final demand per person), or None. Returns start, end and one array per factor."""
    names = FACTORS if population is None else WITH_POPULATION
    if population is not None:
        people = tuple(np.asarray(p, dtype=float) for p in population)
        if np.any(people[0] <= 0) or np.any(people[1] <= 0):
            raise ValueError("populations must be positive")
        per_person = (level[0] / people[0], level[1] / people[1])
    terms = {abc: term(*abc) for abc in product((0, 1), repeat=3)}
    values = {}
    for combo in product((0, 1), repeat=len(names)):
        d = combo[3]
        scale = level[d] if population is None else per_person[d] * people[combo[4]]
        values[combo] = terms[combo[:3]] * scale
    contributions = shapley(values, len(names))
    start, end = values[(0,) * len(names)], values[(1,) * len(names)]
    return {"start": start, "end": end, **dict(zip(names, contributions))}


def decompose(m: dict[tuple[int, int], np.ndarray], y0: np.ndarray, y1: np.ndarray,
              population: tuple[np.ndarray, np.ndarray] | None = None) -> dict:
    """Contributions to F1 - F0 for each column of y (n x columns), F = m y.

    m[(a, b)] is the multipliers of year a's intensities and year b's structure (s_a L_b); population as
    in decompose_terms. Returns start, end and one array per factor, each with one entry per column."""
    y = [np.asarray(y0, dtype=float), np.asarray(y1, dtype=float)]
    if y[0].ndim == 1:
        y = [y[0][:, None], y[1][:, None]]
    (level0, mix0), (level1, mix1) = split_demand(y[0]), split_demand(y[1])
    mix = (mix0, mix1)
    return decompose_terms(lambda a, b, c: m[(a, b)] @ mix[c], (level0, level1), population)
