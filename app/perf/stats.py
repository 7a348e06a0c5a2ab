"""The one percentile rule of the benchmarks and the load test, so that their reports compare."""

from __future__ import annotations


def percentile(values, fraction: float) -> float | None:
    """The sorted values' element at index int(fraction * n), the last one at most (no interpolation);
    None when there are no values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else None
