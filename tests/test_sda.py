"""Structural decomposition between two years (app/engine/sda.py) against every ordering of the factors,
computed densely on small systems, and against F1 - F0."""

from itertools import permutations

import numpy as np
import pytest

from app.engine.sda import FACTORS, WITH_POPULATION, decompose, multipliers, shapley_weights


def system(seed: int, n: int = 6, columns: int = 3):
    rng = np.random.default_rng(seed)
    years = []
    for _ in range(2):
        A = rng.uniform(0, 0.8 / n, (n, n))
        years.append({"s": rng.uniform(0.1, 2.0, n), "L": np.linalg.inv(np.eye(n) - A),
                      "y": rng.uniform(0, 10, (n, columns)), "people": rng.uniform(1, 50, columns)})
    return years


def footprint(s, L, mix, level):
    return (s @ L @ mix) * level


def by_orderings(years, names) -> dict:
    """The average over every order of changing the factors one by one from year 0 to year 1."""
    def parts(t):
        y = years[t]["y"]
        level = y.sum(axis=0)
        out = {"intensity": years[t]["s"], "structure": years[t]["L"], "mix": y / level}
        if "population" in names:
            out.update(level=level / years[t]["people"], population=years[t]["people"])
        else:
            out["level"] = level
        return out

    start, end = parts(0), parts(1)

    def value(state):
        scale = state["level"] * state.get("population", 1.0)
        return footprint(state["intensity"], state["structure"], state["mix"], scale)

    sums = {name: 0.0 for name in names}
    orders = list(permutations(names))
    for order in orders:
        state = dict(start)
        for name in order:
            before = value(state)
            state[name] = end[name]
            sums[name] = sums[name] + value(state) - before
    return {name: total / len(orders) for name, total in sums.items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("with_population", [False, True])
def test_contributions_equal_the_average_over_every_ordering_and_add_up_exactly(seed, with_population):
    years = system(seed)
    m = {(a, b): multipliers(years[a]["s"], years[b]["L"]) for a in (0, 1) for b in (0, 1)}
    population = (years[0]["people"], years[1]["people"]) if with_population else None
    result = decompose(m, years[0]["y"], years[1]["y"], population)
    names = WITH_POPULATION if with_population else FACTORS
    reference = by_orderings(years, names)
    for name in names:
        assert result[name] == pytest.approx(reference[name], rel=1e-9, abs=1e-12)
    f0 = years[0]["s"] @ years[0]["L"] @ years[0]["y"]
    f1 = years[1]["s"] @ years[1]["L"] @ years[1]["y"]
    assert result["start"] == pytest.approx(f0, rel=1e-12) and result["end"] == pytest.approx(f1, rel=1e-12)
    total = sum(result[name] for name in names)
    assert total == pytest.approx(f1 - f0, rel=1e-9)  # no residual
    assert all(np.any(np.abs(result[name]) > 1e-9) for name in names)  # every factor moved something


def test_one_factor_changing_gets_the_whole_change():
    years = system(4)
    years[1] = {**years[0], "s": years[0]["s"] * 1.3}  # only the intensities change: +30 %
    m = {(a, b): multipliers(years[a]["s"], years[b]["L"]) for a in (0, 1) for b in (0, 1)}
    result = decompose(m, years[0]["y"], years[1]["y"])
    assert result["intensity"] == pytest.approx(0.3 * result["start"], rel=1e-12)
    for name in ("structure", "mix", "level"):
        assert np.abs(result[name]).max() < 1e-9 * np.abs(result["start"]).max()


def test_shapley_weights_sum_to_one_over_the_subsets():
    from math import comb

    for m in (1, 2, 4, 5):
        weights = shapley_weights(m)
        assert sum(comb(m - 1, k) * w for k, w in weights.items()) == pytest.approx(1.0, rel=1e-15)


def test_a_non_positive_population_is_refused():
    years = system(5)
    m = {(a, b): multipliers(years[a]["s"], years[b]["L"]) for a in (0, 1) for b in (0, 1)}
    with pytest.raises(ValueError, match="populations must be positive"):
        decompose(m, years[0]["y"], years[1]["y"], (years[0]["people"], np.zeros(3)))
