"""Full-scale checks (EXIOBASE size), run with `make test-slow`, not in the default run."""

import time

import numpy as np
import pytest

from app.engine import Engine, Query, Store
from app.engine.classifications import EXIO3_REGIONS
from app.engine.sources import import_source

from .exiobase_archives import write_exiobase_archive

pytestmark = pytest.mark.slow


def test_full_size_exiobase_archive_imports_within_three_minutes(tmp_path):
    path, truth = write_exiobase_archive(tmp_path / "src", 2011, layout="3.8", zipped=True,
                                         regions=EXIO3_REGIONS, n_products=200, seed=1)
    store = Store(tmp_path / "store")
    started = time.perf_counter()
    store.write("exio", import_source([path]), log=print)
    seconds = time.perf_counter() - started
    print(f"import of one 9800 x 9800 year: {seconds:.1f} s")
    assert seconds <= 180
    dataset = store.open("exio")
    assert dataset.regions.size == 49 and dataset.products.size == 200
    assert np.allclose(dataset.technical_coefficients(2011, dense=True), truth["A"], rtol=1e-12, atol=0)
    result = Engine(store).answer(Query("exio", dataset.indicators[4]["code"], "consumption", "region"))
    assert result.total > 0
