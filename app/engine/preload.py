"""Reading datasets ahead of the first job: checksums verified and arrays in the page cache."""

from __future__ import annotations

import logging

import numpy as np

from .errors import EngineError

STANDARD = ("M", "S", "x", "Y")  # what every standard view reads
SCENARIO = ("L", "LT")           # what a scenario reads besides, with A in whichever form it is stored


def preload(engine, scenarios: bool = False, log: logging.Logger | None = None) -> None:
    """Open every dataset, check its arrays against the manifest (checksums, once per process) and read
    them into the page cache: what standard views use and, for scenarios, A (in the form it is stored), L
    and its transpose, so that no job pays for the checks. A damaged dataset is logged and skipped."""
    log = log or logging.getLogger(__name__)
    keys = STANDARD + (SCENARIO if scenarios else ())
    for name in engine.store.names():
        try:
            dataset = engine.dataset(name)
            for year in dataset.years:
                a_keys = dataset.coefficient_keys(year) if scenarios else ()
                for key in keys + a_keys:
                    array = dataset.array(year, key)
                    if key in STANDARD:
                        np.asarray(array).sum()
        except EngineError as exc:
            log.warning("dataset %s not preloaded: %s", name, exc)
