"""A drill's report as a file, as one reader may read it (reports.selectors.report_view): PDF (the
summary, charts, findings, plan and at most 300 key or flagged timeline entries, DESIGN.md's
"Publishing"), XLSX (one sheet per table and the whole timeline), CSV (the whole timeline) and
JSON (the report API's JSON, the rest of the report and the whole timeline). Every file is marked
EXERCISE / 演练. Reports of long timelines are built by a Celery task (exports.jobs)."""

from drillops.reports.exports.files import FORMATS, ExportFile, render_export

__all__ = ["FORMATS", "ExportFile", "render_export"]
