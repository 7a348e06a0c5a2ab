"""A GLORIA year read a block of rows at a time into the system pymrio's parse_gloria builds, without ever
holding GLORIA's T table (39,360^2 values for 164 regions, 12.4 GB as float64).

What parse_gloria does (pymrio's tools/ioparser.py, parse_gloria_sut and its construct "B"), and what is kept
here to do the same: T's rows and columns are region x (Industry, Product) x sector. Its supply V (Industry
rows, Product columns) and use U (Product rows, Industry columns) are the only blocks used; a region whose rows
and columns of T both sum to 0 is dropped from every table. With industry output g = V 1 and product output
q = U 1 + Y 1 (Y's Product rows), the industry-technology construction is

    Tr = diag(1/g) V,    A = U Tr diag(1/q),    value added = VA Tr,    satellites = TQ Tr

(1/0 read as 0), product by product; Y, VA and TQ keep only their Product rows and Industry columns.
So U is the one dense block kept (N^2 values, N = regions x sectors): it becomes A in place, a few rows at a
time. V is kept sparse: GLORIA's supply is diagonal (each industry makes its own product), so Tr has N
values. Row and column totals of T are summed on the way, to find the empty regions.

Each table is checked as it is read: a line with another number of values than the ReadMe's labels make, a
cell that is not a finite number, a table cut short or too long, or an archive that cannot be read to its
end is a DatasetError naming the file and the line."""

from __future__ import annotations

import io
import itertools
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import DatasetError

BLOCK_BYTES = 1 << 23   # text parsed at once: about 100 lines of GLORIA's T, some 4 million values (32 MB)
PRODUCT_ROWS = 256      # rows of U turned into A at once (40 MB at GLORIA's 19,680 products)
MONEY = "‘000 US$"      # GLORIA's monetary unit, as pymrio writes it
SHEETS = {"Regions": ("Region_acronyms",), "Sectors": ("Sector_names",),
          "Value added and final demand": ("Value_added_names", "Final_demand_names"),
          "Satellites": ("Sat_indicator", "Sat_head_indicator", "Sat_unit")}


@dataclass(frozen=True)
class Labels:
    """GLORIA's labels as its ReadMe names them (the columns parse_gloria reads)."""

    readme: Path
    regions: list
    sectors: list
    value_added: list
    final_demand: list
    satellites: pd.DataFrame   # Sat_indicator, Sat_head_indicator, Sat_unit

    def __str__(self) -> str:
        return (f"the labels in {self.readme.name} ({len(self.regions)} regions, {len(self.sectors)} sectors, "
                f"{len(self.value_added)} value-added and final-demand categories, {len(self.satellites)} "
                "satellite rows)")


def read_labels(readme: Path) -> Labels:
    """The ReadMe's labels; a DatasetError naming the workbook, or the sheet and column it lacks."""
    try:
        sheets = pd.read_excel(readme, sheet_name=list(SHEETS))
    except Exception as exc:  # noqa: BLE001 (openpyxl and pandas raise many kinds on a bad workbook)
        raise DatasetError("paths", str(readme), f"{readme} is not GLORIA's ReadMe workbook ({exc})") from None
    for sheet, columns in SHEETS.items():
        for column in columns:
            if column not in sheets[sheet].columns:
                raise DatasetError("paths", str(readme), f"{readme}: sheet {sheet!r} has no column {column!r}")
    categories = sheets["Value added and final demand"]
    return Labels(readme, sheets["Regions"]["Region_acronyms"].to_list(), sheets["Sectors"]["Sector_names"].to_list(),
                  categories["Value_added_names"].to_list(), categories["Final_demand_names"].to_list(),
                  sheets["Satellites"][list(SHEETS["Satellites"])])


def _refuse(where: str, message: str) -> DatasetError:
    return DatasetError("paths", where, f"{where}{message}")


def _numbers(text: bytes) -> np.ndarray | None:
    """Comma-separated numbers as the block parser reads them (1-D for one line); None where one is not."""
    try:
        return np.loadtxt([text.decode("latin-1")], delimiter=",", dtype=np.float64, comments=None, ndmin=1)
    except ValueError:
        return None


def _bad_line(text: bytes, first_line: int, where: str, columns: int, labels: Labels) -> DatasetError:
    """The first line of a block that does not parse: too few or many values, or one that is no finite number
    (each line parsed alone, then each value of the line that fails)."""
    for number, line in enumerate(text.split(b"\n"), start=first_line):
        if line in (b"", b"\r"):
            continue  # blank: skipped by the parser
        tokens = line.rstrip(b"\r").split(b",")
        if len(tokens) != columns:
            return _refuse(where, f": line {number} has {len(tokens)} values; {labels} make {columns} (truncated?)")
        values = _numbers(line)
        if values is not None and np.isfinite(values).all():
            continue
        for position, token in enumerate(tokens, start=1):
            value = _numbers(token) if token.strip() else None
            if value is None or not np.isfinite(value).all():
                shown = token.decode("latin-1").strip()[:40]
                return _refuse(where, f": line {number}, value {position} is {shown!r}, not a finite number")
    last = first_line + text.count(b"\n") - 1
    return _refuse(where, f": lines {first_line}-{last} cannot be read as comma-separated numbers")


def _parse(text: bytes, first_line: int, where: str, columns: int, labels: Labels) -> np.ndarray:
    """The complete lines of one block as a float64 array, every row `columns` finite values."""
    try:
        block = np.loadtxt(io.BytesIO(text), delimiter=",", dtype=np.float64, comments=None, ndmin=2)
    except ValueError:
        raise _bad_line(text, first_line, where, columns, labels) from None
    if block.shape[1] != columns or not np.isfinite(block).all():
        raise _bad_line(text, first_line, where, columns, labels)
    return block


def row_blocks(table: tuple[str, callable], shape: tuple[int, int], labels: Labels,
               block_bytes: int = BLOCK_BYTES) -> Iterator[tuple[int, np.ndarray]]:
    """(index of the first row, rows) of a headerless CSV table, block by block, read from its zip member or
    file as a stream; blank lines are skipped as pandas skips them. Checks every row and the row count."""
    where, opener = table
    rows, columns = shape
    done, line = 0, 1
    try:
        with opener() as stream:
            pending = b""
            while True:
                data = stream.read(block_bytes)
                buffer = pending + data if pending else data
                end = buffer.rfind(b"\n") + 1 if data else len(buffer)
                if data and end == 0:
                    pending = buffer  # no complete line yet
                    continue
                text, pending = buffer[:end], buffer[end:]
                if len(text) > text.count(b"\n") + text.count(b"\r"):  # not only blank lines
                    block = _parse(text, line, where, columns, labels)
                    if done + len(block) > rows:
                        raise _refuse(where, f" has more than {rows} rows; {labels} make {rows} (files and labels "
                                      "that do not line up)")
                    yield done, block
                    done += len(block)
                line += text.count(b"\n")
                if not data:
                    break
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise _refuse(where, f" cannot be read to its end ({exc}): truncated?") from None
    if done != rows:
        raise _refuse(where, f" has {done} rows; {labels} make {rows} (truncated, or files and labels that do not "
                      "line up)")


@dataclass(frozen=True)
class Layout:
    """Where GLORIA's labels sit in its tables: T's rows and columns are region x (Industry, Product) x sector,
    Y's and YQ's columns region x final-demand category, V's rows region x value-added category."""

    regions: int
    sectors: int

    @property
    def cells(self) -> int:
        return self.regions * self.sectors

    def of_t(self, system: int) -> np.ndarray:
        """T's rows (or columns) of one system (0 Industry, 1 Product), in region x sector order."""
        start = np.arange(self.regions)[:, None] * 2 * self.sectors + system * self.sectors
        return (start + np.arange(self.sectors)[None, :]).ravel()

    def per_region(self, per: int) -> np.ndarray:
        """The region of each of `per` consecutive entries per region."""
        return np.repeat(np.arange(self.regions), per)


def _supply_and_use(table, layout: Layout, labels: Labels, block_bytes: int):
    """T read block by block: U dense (Product rows, Industry columns), V sparse (Industry rows, Product
    columns), and which regions are empty (their rows and their columns of T each sum to 0)."""
    n, size = layout.cells, 2 * layout.cells
    industries, products = layout.of_t(0), layout.of_t(1)
    use = np.empty((n, n))
    row_totals, column_totals = np.empty(size), np.zeros(size)
    supply_rows, supply_columns, supply_values = [], [], []
    for first, block in row_blocks(table, (size, size), labels, block_bytes):
        rows = np.arange(first, first + len(block))
        region, within = np.divmod(rows, 2 * layout.sectors)
        product = within >= layout.sectors
        cell = region * layout.sectors + within % layout.sectors
        row_totals[rows] = block.sum(axis=1)
        column_totals += block.sum(axis=0)
        use[cell[product]] = block[np.ix_(product, industries)]
        made = block[np.ix_(~product, products)]
        at_row, at_column = np.nonzero(made)
        supply_rows.append(cell[~product][at_row])
        supply_columns.append(at_column)
        supply_values.append(made[at_row, at_column])
    supply = sp.csr_array((np.concatenate(supply_values), (np.concatenate(supply_rows),
                                                           np.concatenate(supply_columns))), shape=(n, n))
    per_region = layout.per_region(2 * layout.sectors)
    rows_sum, columns_sum = (np.bincount(per_region, weights=t, minlength=layout.regions)
                             for t in (row_totals, column_totals))
    return use, supply, (rows_sum == 0) & (columns_sum == 0)


def _gather(table, shape: tuple[int, int], labels: Labels, block_bytes: int, rows: np.ndarray | None = None,
            columns: np.ndarray | None = None) -> np.ndarray:
    """The chosen rows and columns of a table (all where None), read block by block."""
    target = np.full(shape[0], -1)
    target[np.arange(shape[0]) if rows is None else rows] = np.arange(shape[0] if rows is None else len(rows))
    out = np.empty((shape[0] if rows is None else len(rows), shape[1] if columns is None else len(columns)))
    for first, block in row_blocks(table, shape, labels, block_bytes):
        at = target[first:first + len(block)]
        kept = at >= 0
        out[at[kept]] = block[kept] if columns is None else block[np.ix_(kept, columns)]
    return out


def _keep_square(matrix: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """The kept rows and columns of a square matrix, moved to the front of its own buffer (no second copy):
    row k lands before any row after it is read, as m <= n."""
    kept = np.flatnonzero(keep)
    m, flat = len(kept), matrix.reshape(-1)
    for new, old in enumerate(kept):
        flat[new * m:(new + 1) * m] = matrix[old, kept]
    return flat[:m * m].reshape(m, m)


def _times(matrix: np.ndarray, right: sp.csr_array, scale: np.ndarray | None = None) -> np.ndarray:
    """matrix @ right (then each column times `scale`) computed into matrix, PRODUCT_ROWS rows at a time."""
    for start in range(0, matrix.shape[0], PRODUCT_ROWS):
        rows = slice(start, start + PRODUCT_ROWS)
        product = matrix[rows] @ right
        if scale is None:
            matrix[rows] = product
        else:
            np.multiply(product, scale, out=matrix[rows])
    return matrix


def _inverse(output: np.ndarray) -> np.ndarray:
    """1 / output, 0 where the output is 0 (as parse_gloria does)."""
    with np.errstate(divide="ignore"):
        inverse = 1 / output
    inverse[inverse == np.inf] = 0
    return inverse


def read_year(tables: dict[str, tuple[str, callable]], labels: Labels, meta=None, block_bytes: int = BLOCK_BYTES):
    """The pymrio IOSystem parse_gloria makes of a year (basic prices, industry technology): A, Y, the
    satellite accounts Q (F, F_Y) and the value added VA, each labelled as parse_gloria labels them.
    tables: (where, opener) of T, Y, V, TQ and YQ; meta: the system's MRIOMetaData."""
    import pymrio

    layout = Layout(len(labels.regions), len(labels.sectors))
    regions, n_fd, n_va = layout.regions, len(labels.final_demand), len(labels.value_added)
    n_sat = len(labels.satellites)
    t_size = 2 * layout.cells
    use, supply, empty = _supply_and_use(tables["T"], layout, labels, block_bytes)
    final = _gather(tables["Y"], (t_size, regions * n_fd), labels, block_bytes, rows=layout.of_t(1))
    added = _gather(tables["V"], (regions * n_va, t_size), labels, block_bytes, columns=layout.of_t(0))
    satellites = _gather(tables["TQ"], (n_sat, t_size), labels, block_bytes, columns=layout.of_t(0))
    satellites_y = _gather(tables["YQ"], (n_sat, regions * n_fd), labels, block_bytes)
    cells_kept = np.repeat(~empty, layout.sectors)
    fd_kept, va_kept = np.repeat(~empty, n_fd), np.repeat(~empty, n_va)
    if empty.any():
        use = _keep_square(use, cells_kept)
        supply = supply[cells_kept][:, cells_kept]
        final, added = final[cells_kept][:, fd_kept], added[va_kept][:, cells_kept]
        satellites, satellites_y = satellites[:, cells_kept], satellites_y[:, fd_kept]
    shares = sp.csr_array(sp.diags_array(_inverse(supply.sum(axis=1))) @ supply)  # Tr = diag(1/g) V
    product_output = use.sum(axis=1) + final.sum(axis=1)
    coefficients = _times(use, shares, _inverse(product_output))
    added = added @ shares
    satellites = _times(satellites, shares)

    kept = [r for r, keep in zip(labels.regions, ~empty) if keep]
    cells = pd.MultiIndex.from_tuples(list(itertools.product(kept, labels.sectors)), names=["region", "sector"])
    demand = pd.MultiIndex.from_tuples(list(itertools.product(kept, labels.final_demand)),
                                       names=["region", "category"])
    inputs = pd.MultiIndex.from_tuples(list(itertools.product(kept, labels.value_added)),
                                       names=["region", "inputtype"])
    stressors = pd.MultiIndex.from_frame(labels.satellites.iloc[:, :2], names=["stressor", "category"])
    units = pd.DataFrame({"unit": labels.satellites.iloc[:, 2].to_numpy()}, index=stressors)

    def frame(values, index, columns):
        return pd.DataFrame(values, index=index, columns=columns, copy=False)

    return pymrio.IOSystem(
        A=frame(coefficients, cells, cells), Y=frame(final, cells, demand),
        unit=pd.DataFrame({"unit": [MONEY] * len(cells)}, index=cells),
        Q={"name": "Q", "unit": units, "F": frame(satellites, stressors, cells),
           "F_Y": frame(satellites_y, stressors, demand)},
        VA={"name": "VA", "F": frame(added, inputs, cells),
            "unit": pd.DataFrame({"unit": [MONEY] * len(inputs)}, index=inputs)},
        meta=meta)
