"""GLORIA read a block of rows at a time (formats/gloria_stream.py) gives the system pymrio's parse_gloria gives
on the same files, whatever the block size; a bad line is refused by file and line, and nothing is stored."""

from __future__ import annotations

import itertools
import zipfile

import numpy as np
import pandas as pd
import pymrio
import pytest

from app.engine import DatasetError, Store
from app.engine.formats import gloria
from app.engine.formats.gloria import FORMAT
from app.engine.sources import import_source

from .test_format_gloria import (
    FINAL_DEMAND,
    REGIONS,
    SATELLITES,
    SECTORS,
    VALUE_ADDED,
    _csv,
    _results,
    import_release,
    write_readme,
    write_release,
)

MORE_REGIONS = REGIONS + [("FRA", "France"), ("IND", "India"), ("XAM", "Rest of Americas")]
# bytes parsed at once: less than one line, a few lines (blocks end inside a region's 10 rows of T), the default
BLOCKS = [100, 1000, None]


def write_general(folder, year, regions, seed=0, zipped=True, empty=None):
    """A GLORIA year in its real layout with what parse_gloria must handle beyond the balanced miniature:
    industries making secondary products (supply off its diagonal), an industry making nothing and a product
    nobody makes or uses (outputs of 0), numbers in the blocks parse_gloria ignores, negative value added,
    and, with `empty`, a region whose rows and columns of T are all 0 (its final demand is not)."""
    rng = np.random.default_rng(seed)
    n_r, n_s = len(regions), len(SECTORS)
    size = 2 * n_r * n_s
    cells = list(itertools.product(range(n_r), ("Industry", "Product"), range(n_s)))
    industry = [k for k, (_, system, _) in enumerate(cells) if system == "Industry"]
    product = [k for k, (_, system, _) in enumerate(cells) if system == "Product"]
    T = rng.uniform(0, 1, (size, size)) * (rng.uniform(0, 1, (size, size)) < 0.5)
    supply = np.zeros((n_r * n_s, n_r * n_s))
    for r in range(n_r):
        own = slice(r * n_s, (r + 1) * n_s)
        supply[own, own] = np.diag(rng.uniform(50, 100, n_s)) + rng.uniform(0, 5, (n_s, n_s)) * (
            rng.uniform(0, 1, (n_s, n_s)) < 0.3)
    supply[1] = 0                                        # industry 1 of the first region makes nothing
    T[np.ix_(industry, product)] = supply
    Y = rng.uniform(0, 3, (size, n_r * len(FINAL_DEMAND)))
    T[product[2]], Y[product[2]] = 0, 0                  # product 2's use and final demand: its output is 0
    if empty is not None:
        T[empty * 2 * n_s:(empty + 1) * 2 * n_s] = 0
        T[:, empty * 2 * n_s:(empty + 1) * 2 * n_s] = 0
    files = {"T": _csv(T), "Y": _csv(Y), "V": _csv(rng.uniform(-0.2, 1, (n_r * len(VALUE_ADDED), size))),
             "TQ": _csv(rng.uniform(0, 10, (len(SATELLITES), size))),
             "YQ": _csv(rng.uniform(0, 5, (len(SATELLITES), Y.shape[1])))}
    folder.mkdir(parents=True, exist_ok=True)
    for archive, kinds in ((f"GLORIA_MRIOs_59_{year}", ("T", "Y", "V")),
                           (f"GLORIA_SatelliteAccounts_059_{year}", ("TQ", "YQ"))):
        if zipped:
            with zipfile.ZipFile(folder / f"{archive}.zip", "w") as out:
                for kind in kinds:
                    out.writestr(_results(kind, year, 59), files[kind])
        else:
            (folder / archive).mkdir()
            for kind in kinds:
                (folder / archive / _results(kind, year, 59)).write_bytes(files[kind])
    write_readme(folder / "GLORIA_ReadMe_059.xlsx", regions)
    return folder / (f"GLORIA_MRIOs_59_{year}.zip" if zipped else f"GLORIA_MRIOs_59_{year}")


def streamed(path, year, block_bytes):
    """The system the importer reads, before value added is summed over the regions (which parse_gloria
    does not do)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gloria, "_value_added", lambda io: None)
        io, _, _ = FORMAT.read(path, year, **({} if block_bytes is None else {"block_bytes": block_bytes}))
    return io


def assert_same_system(mine, theirs):
    """Every table parse_gloria yields, labels and numbers (to 1e-12 relative)."""
    for table in ("A", "Y", "unit"):
        _assert_frame(getattr(mine, table), getattr(theirs, table), table)
    for ext in ("Q", "VA"):
        for table in ("F", "F_Y", "unit") if ext == "Q" else ("F", "unit"):
            _assert_frame(getattr(getattr(mine, ext), table), getattr(getattr(theirs, ext), table), f"{ext}.{table}")


def _assert_frame(mine, theirs, what):
    assert mine.shape == theirs.shape, what
    assert list(mine.index) == list(theirs.index) and list(mine.columns) == list(theirs.columns), what
    assert list(mine.index.names) == list(theirs.index.names), what
    assert list(mine.columns.names) == list(theirs.columns.names), what
    if what.endswith("unit"):
        assert mine.to_numpy().tolist() == theirs.to_numpy().tolist(), what
    else:
        want = theirs.to_numpy(dtype=np.float64)
        assert np.allclose(mine.to_numpy(), want, rtol=1e-12, atol=1e-300), what
        assert (mine.to_numpy() != 0).sum() == (want != 0).sum(), what


@pytest.mark.parametrize("regions", [REGIONS[:1], REGIONS, MORE_REGIONS])
@pytest.mark.parametrize("block_bytes", BLOCKS)
def test_streamed_system_is_parse_glorias_on_the_miniature(tmp_path, regions, block_bytes):
    path, truth = write_release(tmp_path / "release", 2019, regions=regions, seed=len(regions))
    mine, theirs = streamed(path, 2019, block_bytes), pymrio.parse_gloria(tmp_path / "release", year=2019,
                                                                          version=59, price="bp")
    assert_same_system(mine, theirs)
    assert np.allclose(mine.A.to_numpy(), truth["A"], rtol=1e-12, atol=1e-15)
    mine.calc_all()
    theirs.calc_all()
    for table in ("x", "Z", "L"):
        assert np.allclose(getattr(mine, table), getattr(theirs, table), rtol=1e-12, atol=0), table
    assert np.allclose(mine.Z.to_numpy(), truth["A"] * truth["x"], rtol=1e-9, atol=1e-12)
    for ext in ("Q", "VA"):
        for account in ("D_cba", "D_pba", "M"):
            mine_d, their_d = getattr(getattr(mine, ext), account), getattr(getattr(theirs, ext), account)
            assert np.allclose(mine_d, their_d, rtol=1e-9, atol=0), (ext, account)


@pytest.mark.parametrize("zipped", [True, False])
@pytest.mark.parametrize("block_bytes", BLOCKS)
def test_secondary_products_zero_outputs_and_ignored_blocks_as_parse_gloria(tmp_path, zipped, block_bytes):
    path = write_general(tmp_path / "release", 2019, MORE_REGIONS, seed=5, zipped=zipped)
    mine = streamed(path, 2019, block_bytes)
    assert_same_system(mine, pymrio.parse_gloria(tmp_path / "release", year=2019, version=59, price="bp"))
    assert len(mine.A) == len(MORE_REGIONS) * len(SECTORS)
    # industry 1 makes nothing: its inputs are lost; product 2 has no output: its column of A is 0
    assert (mine.A.iloc[:, 2] == 0).all() and (mine.A.to_numpy() != 0).any()


@pytest.mark.parametrize("block_bytes", BLOCKS)
def test_an_empty_region_is_dropped_from_every_table_as_parse_gloria_drops_it(tmp_path, block_bytes):
    path = write_general(tmp_path / "release", 2019, MORE_REGIONS, seed=6, empty=2)
    mine = streamed(path, 2019, block_bytes)
    assert_same_system(mine, pymrio.parse_gloria(tmp_path / "release", year=2019, version=59, price="bp"))
    kept = [code for i, (code, _) in enumerate(MORE_REGIONS) if i != 2]
    assert list(mine.get_regions()) == kept
    assert mine.A.shape == (len(kept) * len(SECTORS),) * 2 and mine.Y.shape[1] == len(kept) * len(FINAL_DEMAND)
    assert mine.VA.F.shape == (len(kept) * len(VALUE_ADDED), len(kept) * len(SECTORS))


LABELS = "the labels in GLORIA_ReadMe_059.xlsx (4 regions, 5 sectors, 6 value-added and final-demand categories, " \
         "4 satellite rows)"
T_FILE = _results("T", 2020, 59)


def _line(kind, number, change):
    """files[kind] with line `number` (from 1) changed by change(values as text)."""
    def edit(files):
        lines = files[kind].split(b"\n")
        values = lines[number - 1].split(b",")
        change(values)
        lines[number - 1] = b",".join(values)
        files[kind] = b"\n".join(lines)
    return edit


def _set(position, text):
    def change(values):
        values[position - 1] = text
    return change


def _cut_at(kind, fraction):
    def edit(files):
        files[kind] = files[kind][:int(len(files[kind]) * fraction)]
    return edit


def _lines(kind, keep):
    def edit(files):
        files[kind] = b"".join(keep(files[kind].splitlines(keepends=True)))
    return edit


def _truncated_t(folder):
    """The message for T cut at 55 % of its bytes: the line it ends in, with the values it still has."""
    path, _ = write_release(folder, 2020, change=_cut_at("T", 0.55))
    with zipfile.ZipFile(path) as archive:
        lines = archive.read(T_FILE).split(b"\n")
    return path, f"{T_FILE}: line {len(lines)} has {lines[-1].count(b',') + 1} values; {LABELS} make 40 (truncated?)"


def _crc_broken(folder):
    """T stored uncompressed with one byte of its data changed: the zip's check fails at its end."""
    path, _ = write_release(folder, 2020)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as out:
        for name, data in members.items():
            out.writestr(name, data)
    raw = bytearray(path.read_bytes())
    start = raw.index(members[T_FILE][:200])
    at = next(i for i in range(start + 100, len(raw)) if chr(raw[i]).isdigit())  # a number stays a number
    raw[at] = ord("7") if raw[at] != ord("7") else ord("8")
    path.write_bytes(bytes(raw))
    return path, f"{T_FILE} cannot be read to its end (Bad CRC-32"


BAD = {
    "truncated T": _truncated_t,
    "a value too many": lambda d: (write_release(d, 2020, change=_line("T", 7, lambda v: v.append(b"0")))[0],
                                   f"{T_FILE}: line 7 has 41 values; {LABELS} make 40 (truncated?)"),
    "a value too few": lambda d: (write_release(d, 2020, change=_line("T", 23, lambda v: v.pop()))[0],
                                  f"{T_FILE}: line 23 has 39 values; {LABELS} make 40 (truncated?)"),
    "a word": lambda d: (write_release(d, 2020, change=_line("T", 13, _set(5, b"abc")))[0],
                         f"{T_FILE}: line 13, value 5 is 'abc', not a finite number"),
    "an empty cell": lambda d: (write_release(d, 2020, change=_line("T", 31, _set(40, b"")))[0],
                                f"{T_FILE}: line 31, value 40 is '', not a finite number"),
    "nan": lambda d: (write_release(d, 2020, change=_line("Y", 2, _set(1, b"nan")))[0],
                      f"{_results('Y', 2020, 59)}: line 2, value 1 is 'nan', not a finite number"),
    "rows missing": lambda d: (write_release(d, 2020, change=_lines("T", lambda lines: lines[:-2]))[0],
                               f"{T_FILE} has 38 rows; {LABELS} make 40 (truncated, or files and labels that do "
                               "not line up)"),
    "a row too many": lambda d: (write_release(d, 2020, change=_lines("TQ", lambda lines: lines + lines[:1]))[0],
                                 f"{_results('TQ', 2020, 59)} has more than 4 rows; {LABELS} make 4"),
    "a broken archive": _crc_broken,
}


@pytest.mark.parametrize("bad", BAD)
def test_a_bad_table_is_refused_by_file_and_line_and_nothing_is_stored(tmp_path, bad):
    good, _ = write_release(tmp_path / "good", 2019)
    store, _ = import_release(tmp_path, [good], name="g")
    before = store.open("g")
    A = np.array(before.technical_coefficients(2019, dense=True))
    path, message = BAD[bad](tmp_path / "bad")
    with pytest.raises(DatasetError) as caught:
        store.write("g", import_source([path]))
    assert message in str(caught.value) and f"{path.parent}/GLORIA_" in str(caught.value)
    after = store.open("g")
    assert after.path == before.path and after.years == [2019] and store.verify("g") == []
    assert np.array_equal(after.technical_coefficients(2019, dense=True), A)
    assert Store(tmp_path / "store").names() == ["g"]


@pytest.mark.parametrize("bad", [b for b in BAD if b != "a broken archive"])
@pytest.mark.parametrize("block_bytes", BLOCKS[:2])
def test_the_line_named_does_not_depend_on_where_blocks_end(tmp_path, bad, block_bytes):
    path, message = BAD[bad](tmp_path / "bad")
    with pytest.raises(DatasetError) as caught:
        FORMAT.read(path, None, block_bytes=block_bytes)
    assert message in str(caught.value)


def test_blank_lines_are_skipped_as_pandas_skips_them_and_lines_still_counted(tmp_path):
    path, _ = write_release(tmp_path / "r", 2020, change=_lines("T", lambda lines: lines[:3] + [b"\n"] + lines[3:]))
    io = streamed(path, 2020, 1000)
    assert_same_system(io, pymrio.parse_gloria(tmp_path / "r", year=2020, version=59, price="bp"))
    broken, _ = write_release(tmp_path / "s", 2020, change=lambda files: (
        _lines("T", lambda lines: lines[:3] + [b"\n"] + lines[3:])(files), _line("T", 9, _set(2, b"x"))(files)))
    with pytest.raises(DatasetError, match=r"line 9, value 2 is 'x'"):
        FORMAT.read(broken, None, block_bytes=100)


def test_the_blocks_hold_the_table_in_order_whatever_their_size(tmp_path):
    from app.engine.formats.gloria_stream import read_labels, row_blocks

    path, _ = write_release(tmp_path / "r", 2020)
    labels = read_labels(tmp_path / "r" / "GLORIA_ReadMe_059.xlsx")
    with zipfile.ZipFile(path) as archive:  # numbers read exactly (pandas' default parser is off by up to 1e-12)
        want = pd.read_csv(archive.open(T_FILE), header=None, float_precision="round_trip").to_numpy(np.float64)
    table = (T_FILE, dict(gloria._members(path))[T_FILE])
    for block_bytes in (1, *BLOCKS[:2], 1 << 25):
        blocks = list(row_blocks(table, want.shape, labels, block_bytes))
        assert [first for first, _ in blocks] == list(np.cumsum([0] + [len(b) for _, b in blocks[:-1]]))
        assert np.array_equal(np.vstack([b for _, b in blocks]), want)
    firsts = [first for first, _ in row_blocks(table, want.shape, labels, BLOCKS[1])]
    assert any(first % (2 * len(SECTORS)) for first in firsts)  # blocks of BLOCKS[1] end inside regions


def test_the_memory_checks_release_is_read_alike_by_both_readers_and_its_fit_extrapolates(tmp_path):
    """app/perf/gloria_memory.py measures the two readers on its synthetic releases: they must read them
    alike, and its a + b n^2 fit must give back a and b."""
    from app.perf.gloria_memory import YEAR, build, fit

    mrio = build(tmp_path, regions=2, satellites=3)
    mine = streamed(mrio, YEAR, 50_000)
    assert_same_system(mine, pymrio.parse_gloria(tmp_path, year=YEAR, version=59, price="bp"))
    assert mine.A.shape == (240, 240) and np.count_nonzero(mine.A.to_numpy()) > 0
    points = [(n, 0.2 + 1e-8 * n ** 2) for n in (1200, 2400, 4800)]
    assert np.isclose(fit(points, 164), 0.2 + 1e-8 * 19_680 ** 2, rtol=1e-9)
