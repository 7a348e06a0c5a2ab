"""Where a result's numbers came from: its dataset's database, licence, and the version and import of each
year it reads, as the result page, its print and its XLSX download state them."""

from __future__ import annotations

from datetime import datetime

from .presenting import dataset_or_none

NO_LICENCE = "not recorded (check the terms of the files the dataset was made from)"


def query_years(query: dict) -> list[int]:
    """The years a query reads: its year, its series' years, or the two years of a decomposition."""
    if "years" in query:
        return list(query["years"])
    if "decompose" in query:
        return list(query["decompose"])
    return [query["year"]]


def result_provenance(query: dict, finished_at: datetime | None = None) -> dict:
    """The dataset, its database and licence, and per year read its version, import time (UTC) and file;
    `gone` when the dataset is no longer in the store, `reimported` the years compiled again after the
    result was made (the numbers came from the import before)."""
    dataset = dataset_or_none(query["dataset"])
    if dataset is None:
        return {"dataset": query["dataset"], "gone": True}
    known = dataset.provenance()
    years = []
    for year in query_years(query):
        meta = known["years"].get(str(year), {})
        years.append({"year": year, "version": meta.get("version", ""), "imported": meta.get("imported", ""),
                      "origin": meta.get("origin", ""), "reimported": _after(meta.get("imported"), finished_at)})
    return {"dataset": query["dataset"], "gone": False, "database": known["database"], "format": known["format"],
            "licence": known["licence"] or NO_LICENCE, "years": years}


def _after(imported: str | None, finished_at: datetime | None) -> bool:
    if not imported or finished_at is None:
        return False
    try:
        return datetime.fromisoformat(imported) > finished_at
    except (TypeError, ValueError):  # a manifest from before import times were kept: nothing to compare
        return False


def year_words(year: dict) -> str:
    """One year's version and import: "version 3.8.2, imported 2026-11-30 06:55:41 UTC"."""
    version = f"version {year['version']}" if year["version"] else "version not stated in its files"
    imported = year["imported"].replace("T", " ").replace("Z", " UTC")
    words = f"{version}, imported {imported}" if imported else version
    if year["reimported"]:
        words += " (imported again since this result was made: the result holds the earlier import's numbers)"
    return words


def provenance_words(provenance: dict) -> str:
    """The whole provenance as one sentence, for a page's line and a workbook's cell."""
    if provenance["gone"]:
        return f"Dataset {provenance['dataset']}: no longer in the store, so its source is not known here."
    source = provenance["database"] + (f" (imported as {provenance['format']})" if provenance["format"] else "")
    years = "; ".join(f"{y['year']}: {year_words(y)}" for y in provenance["years"])
    plural = "s" if len(provenance["years"]) > 1 else ""
    return f"Dataset {provenance['dataset']}: {source}. Year{plural} {years}. Licence: {provenance['licence']}."
