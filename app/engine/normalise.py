"""Per capita and per unit of value added: each figure divided by its region's population or value added."""

from __future__ import annotations

import numpy as np

from .errors import QueryError
from .flowmath import AXES

VALUE_ADDED = ("value_added", "value added")


def value_added_row(dataset) -> int | None:
    """The dataset's value-added indicator (by its code or its name), or None."""
    for i, indicator in enumerate(dataset.indicators):
        if indicator["code"].lower() in VALUE_ADDED or indicator["name"].strip().lower() == "value added":
            return i
    return None


def region_amounts(dataset, year: int, per: str) -> tuple[np.ndarray, str]:
    """Population or (territorial) value added per region, and the unit of one of them."""
    if per == "capita":
        population = dataset.population(year)
        if population is None:
            raise QueryError("per", per, f"dataset {dataset.name!r} has no population for {year}; add one with "
                             f"`flask --app wsgi data population {dataset.name} FILE.csv`")
        return population, "person"
    row = value_added_row(dataset)
    if row is None:
        raise QueryError("per", per, f"dataset {dataset.name!r} has no value-added indicator to divide by")
    va = np.asarray(dataset.array(year, "S")[row]) * np.asarray(dataset.array(year, "x"))
    unit = dataset.indicators[row]["unit"] or "unit"
    return va.reshape(dataset.regions.size, -1).sum(axis=1), f"{unit} of value added"


def per_side(query) -> str:
    """Consumption figures (consumers selected or broken down) go by the consumer region, production
    figures by the origin region."""
    if "consumer-region" in query.by or tuple(query.consumer_regions) != ("TOTAL",):
        return "consumer-region"
    return "origin-region"


def denominators(dataset, query, groups: dict, values: np.ndarray, unit: str) -> tuple[np.ndarray, str]:
    """values divided, group by group along the side's region axis, by the group's population or value
    added; the unit says per what."""
    amounts, per_unit = region_amounts(dataset, query.year, query.per)
    axis = per_side(query)
    divisor = np.array([amounts[leaves].sum() for leaves in groups[axis]])
    if not np.all(divisor > 0):
        raise QueryError("per", query.per, f"a selected {axis.replace('-', ' ')} has no {per_unit} to divide by")
    shape = [1] * 4
    shape[AXES.index(axis)] = len(divisor)
    return values / divisor.reshape(shape), f"{unit} per {per_unit}"
