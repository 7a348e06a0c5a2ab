"""A finished result as a file to download: its table as CSV, its chart as SVG, or the XLSX workbook; the
same files for the owner's own links and for a share link, named after the analysis's number."""

from __future__ import annotations

from flask import Response, abort

from . import exports, presenting
from .workbook import MIMETYPE, workbook_bytes

KINDS = ("csv", "svg", "xlsx")


def result_file(job, kind: str, stem: str = "ramascene-analysis") -> Response:
    """The download of one kind (KINDS) of a job's result; 404 while it has none."""
    if job.result is None:
        abort(404)
    if kind == "csv":
        body, mimetype = exports.csv_text(job), "text/csv"
    elif kind == "svg":
        svg = presenting.chart(job.query, job.result, f"chart-{job.public_id}", standalone=True)
        body, mimetype = '<?xml version="1.0" encoding="UTF-8"?>\n' + svg, "image/svg+xml"
    else:
        body, mimetype = workbook_bytes(job), MIMETYPE
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{stem}-{job.number}.{kind}"'})
