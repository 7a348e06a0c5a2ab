"""Peak memory of reading one GLORIA year: pymrio's parse_gloria (the whole T table at once, as the importer
read it before) beside the importer's block reader (formats/gloria_stream.py), on synthetic releases in
GLORIA's real layout, and a fit of each peak to a + b n^2 (n = regions x 120 sectors) to extrapolate to
GLORIA's 164 regions. Run by hand, never by the test suite (it writes hundreds of MB per release):

    python -m app.perf.gloria_memory compare --regions 10,20,40 --folder /tmp/gloria-memory

Each read runs in its own process under /usr/bin/time -v (its maximum resident set size); `build` and
`read` are the two halves, for one release."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine.formats.gloria import SECTOR_NAMES
from ..engine.synth import GLORIA_DENSITY

YEAR, RELEASE, STAMP = 2019, 59, "20240111"
FINAL_DEMAND = ["P.3h", "P.3n", "P.3g", "P.51", "P.52", "P.53"]
VALUE_ADDED = ["D.1", "D.29", "D.39", "B.2n", "B.3n", "K.1"]
GLORIA_REGIONS = 164
READERS = ("baseline", "parse_gloria", "stream")
MODULE = "app.perf.gloria_memory"


def _member(kind: str) -> str:
    return f"{STAMP}_120secMother_AllCountries_002_{kind}-Results_{YEAR}_0{RELEASE}_Markup001(full).csv"


def _write(archive: zipfile.ZipFile, kind: str, blocks) -> None:
    """A headerless CSV member written block by block, numbers as %.15g (0 as "0")."""
    with archive.open(_member(kind), "w", force_zip64=True) as out:
        for block in blocks:
            np.savetxt(out, block, fmt="%.15g", delimiter=",")


def _t_blocks(regions: int, sectors: int, density: float, rng):
    """T region by region: each industry makes its own product (diagonal supply), products go into
    industries of every region with `density` of the cells filled; the other blocks are 0, as in GLORIA."""
    size = 2 * regions * sectors
    industry_columns = (np.arange(regions)[:, None] * 2 * sectors + np.arange(sectors)[None, :]).ravel()
    for r in range(regions):
        block = np.zeros((2 * sectors, size))
        own_products = r * 2 * sectors + sectors + np.arange(sectors)
        block[np.arange(sectors), own_products] = rng.uniform(1e3, 1e6, sectors)
        use = rng.lognormal(3, 3, (sectors, len(industry_columns)))
        use *= rng.uniform(0, 1, use.shape) < density
        block[sectors:, industry_columns] = use
        yield block


def build(folder: Path, regions: int, satellites: int, density: float = GLORIA_DENSITY, seed: int = 0) -> Path:
    """A GLORIA release of one year with `regions` regions and GLORIA's 120 sectors; its MRIO archive."""
    rng = np.random.default_rng(seed)
    sectors, size = len(SECTOR_NAMES), 2 * regions * len(SECTOR_NAMES)
    folder.mkdir(parents=True, exist_ok=True)
    industries = (np.arange(regions)[:, None] * 2 * sectors + np.arange(sectors)[None, :]).ravel()
    mrio = folder / f"GLORIA_MRIOs_{RELEASE}_{YEAR}.zip"
    with zipfile.ZipFile(mrio, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        _write(archive, "T", _t_blocks(regions, sectors, density, rng))
        final = rng.uniform(0, 1e3, (size, regions * len(FINAL_DEMAND)))
        final[industries] = 0
        _write(archive, "Y", np.array_split(final, max(1, regions)))
        added = np.zeros((regions * len(VALUE_ADDED), size))
        added[:, industries] = rng.uniform(0, 1e4, (len(added), len(industries)))
        _write(archive, "V", [added])
    with zipfile.ZipFile(folder / f"GLORIA_SatelliteAccounts_0{RELEASE}_{YEAR}.zip", "w", zipfile.ZIP_DEFLATED,
                         compresslevel=1) as archive:
        accounts = np.zeros((satellites, size))
        accounts[:, industries] = rng.uniform(0, 10, (satellites, len(industries)))
        _write(archive, "TQ", [accounts])
        _write(archive, "YQ", [rng.uniform(0, 10, (satellites, regions * len(FINAL_DEMAND)))])
    with pd.ExcelWriter(folder / f"GLORIA_ReadMe_0{RELEASE}.xlsx") as book:
        codes = [f"R{i:03d}" for i in range(regions)]
        pd.DataFrame({"Region_acronyms": codes, "Region_names": codes}).to_excel(
            book, sheet_name="Regions", index=False)
        pd.DataFrame({"Sector_names": list(SECTOR_NAMES)}).to_excel(book, sheet_name="Sectors", index=False)
        pd.DataFrame({"Value_added_names": VALUE_ADDED, "Final_demand_names": FINAL_DEMAND}).to_excel(
            book, sheet_name="Value added and final demand", index=False)
        pd.DataFrame({"Sat_indicator": [f"s{i}" for i in range(satellites)], "Sat_head_indicator": "synthetic",
                      "Sat_unit": "kt"}).to_excel(book, sheet_name="Satellites", index=False)
    return mrio


def read(mrio: Path, reader: str) -> str:
    """Read the release with one reader, as the importer did ("parse_gloria", with the same checks and value
    added after it) or does ("stream"); "baseline" only imports what both import. What was read, in words."""
    import pymrio

    from ..engine.formats import gloria

    started = time.perf_counter()
    if reader == "baseline":
        return "imports only"
    if reader == "parse_gloria":
        io = pymrio.parse_gloria(mrio.parent, year=YEAR, version=RELEASE, price="bp")
        if not all(np.isfinite(f.to_numpy(dtype=np.float64).sum()) for f in (io.A, io.Y, io.Q.F, io.Q.F_Y, io.VA.F)):
            raise ValueError(f"{mrio}: not finite")
        gloria._value_added(io)
    else:
        io, _, _ = gloria.FORMAT.read(mrio, YEAR)
    return f"A {io.A.shape[0]} x {io.A.shape[1]}, {len(io.Q.F)} satellite rows, {time.perf_counter() - started:.1f} s"


def measured(mrio: Path, reader: str) -> tuple[float, float, str]:
    """(maximum RSS in GB, wall seconds, what the reader said) of `read` in a process of its own."""
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-m", MODULE, "read", str(mrio), reader],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{reader} on {mrio} failed:\n{done.stderr[-3000:]}")
    kbytes = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    return kbytes / 1024 ** 2, time.perf_counter() - started, done.stdout.strip()


def fit(points: list[tuple[int, float]], regions: int) -> float:
    """The least-squares a + b n^2 through (n, peak) points, at `regions` x 120 sectors."""
    n = np.array([p for p, _ in points], dtype=float)
    design = np.column_stack([np.ones_like(n), n ** 2])
    (a, b), *_ = np.linalg.lstsq(design, np.array([v for _, v in points]), rcond=None)
    return a + b * (regions * len(SECTOR_NAMES)) ** 2


def compare(folder: Path, regions: list[int], satellites: int, readers=READERS, log=print) -> dict:
    """Build each release, read it with each reader, print the table and the extrapolation to 164 regions."""
    peaks: dict[str, list[tuple[int, float]]] = {reader: [] for reader in readers}
    log("regions  sectors  T MB (zip)  reader        max RSS GB  wall s  read")
    for count in regions:
        started = time.perf_counter()
        mrio = build(folder / f"r{count}", count, satellites)
        log(f"# built {count} regions in {time.perf_counter() - started:.0f} s")
        with zipfile.ZipFile(mrio) as archive:
            info = archive.getinfo(_member("T"))
        for reader in readers:
            peak, wall, said = measured(mrio, reader)
            peaks[reader].append((count * len(SECTOR_NAMES), peak))
            size = f"{info.file_size / 1e6:6.0f} ({info.compress_size / 1e6:4.0f})"
            log(f"{count:7d}  {count * len(SECTOR_NAMES):7d}  {size}  {reader:12s}  {peak:10.2f}  {wall:6.1f}  {said}")
    if len(regions) > 1:
        for reader in set(readers) - {"baseline"}:
            at = fit(peaks[reader], GLORIA_REGIONS)
            log(f"{reader}: a + b n^2 fitted to the peaks: {at:.1f} GB at {GLORIA_REGIONS} regions, b = "
                f"{(at - fit(peaks[reader], 0)) * 1024 ** 3 / (GLORIA_REGIONS * len(SECTOR_NAMES)) ** 2:.1f} B")
    return peaks


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("compare", help="build releases and measure every reader on each")
    one.add_argument("--regions", default="10,20,40", help="region counts, comma-separated")
    one.add_argument("--satellites", type=int, default=100)
    one.add_argument("--readers", default=",".join(READERS), help=f"some of {', '.join(READERS)}")
    one.add_argument("--folder", type=Path, required=True, help="where the releases are written (and left)")
    made = commands.add_parser("build", help="write one synthetic release")
    made.add_argument("folder", type=Path)
    made.add_argument("--regions", type=int, required=True)
    made.add_argument("--satellites", type=int, default=100)
    reading = commands.add_parser("read", help="read one release with one reader")
    reading.add_argument("mrio", type=Path)
    reading.add_argument("reader", choices=READERS)
    args = parser.parse_args(argv)
    if args.command == "compare":
        compare(args.folder, [int(r) for r in args.regions.split(",")], args.satellites, args.readers.split(","))
    elif args.command == "build":
        print(build(args.folder, args.regions, args.satellites))
    else:
        print(read(args.mrio, args.reader))


if __name__ == "__main__":
    main()
