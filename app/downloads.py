"""The result's downloads beyond CSV and SVG (app/pages.py): the XLSX workbook (made in app/resultfiles.py); and
the provenance line that every result shows beside its downloads (templates/workspace/_downloads.html), on
screen and in print."""

from __future__ import annotations

from flask import Blueprint

from .ownership import owned_job_or_404
from .provenance import provenance_words, result_provenance
from .resultfiles import result_file

bp = Blueprint("downloads", __name__)


@bp.get("/analyses/<public_id:job_id>.xlsx")
def download_xlsx(job_id: str):
    """The result as an XLSX workbook: its table, its query in words with the dataset's provenance, a chart."""
    return result_file(owned_job_or_404(job_id), "xlsx")


@bp.app_template_global()
def provenance_line(job) -> str:
    """Where a finished result's numbers came from, in one sentence (the dataset, the version and import of
    each year it reads, the licence)."""
    return provenance_words(result_provenance(job.query, job.finished_at))
