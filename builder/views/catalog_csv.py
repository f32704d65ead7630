"""Products as CSV in the console: export the catalog, download a template, import a file.

The format and its rules live in ``commerce.catalog.csv_io``. An import is all-or-nothing:
a refused file rolls back and the page lists every problem by spreadsheet line.
"""

from flask import Response, g, render_template, request
from flask_babel import gettext as _

from builder.blueprints import console_bp
from builder.views.catalog import _actor, require_editor
from commerce.catalog.csv_io import (
    MAX_BYTES,
    MAX_ROWS,
    REQUIRED_COLUMNS,
    CsvImportRefused,
    export_products_csv,
    import_products_csv,
    sample_csv,
)
from core.clock import china_today
from core.database import reads_lag_tolerant
from core.refusals import Attempt


def _csv_download(text, filename):
    return Response(text.encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


@console_bp.route("/products/export")
@reads_lag_tolerant  # an export may be a second old
def products_export():
    filename = f"products-{g.tenant.slug}-{china_today().isoformat()}.csv"
    return _csv_download(export_products_csv(), filename)


@console_bp.route("/products/import/template")
def products_import_template():
    return _csv_download(sample_csv(), "products-template.csv")


@console_bp.route("/products/import", methods=["GET", "POST"])
def products_import():
    require_editor()
    if request.method == "GET":
        return _render_import()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _render_import(problems=[], error=_("Choose a CSV file to import."), status=422)
    with Attempt(flash=False) as attempt:
        result = import_products_csv(upload.stream, actor=_actor())
    if isinstance(attempt.refusal, CsvImportRefused):
        return _render_import(problems=attempt.refusal.problems, filename=upload.filename, status=attempt.status)
    if attempt.refused:
        raise attempt.refusal  # not the file's fault (the plan's product limit): the error page says why
    return _render_import(result=result, filename=upload.filename)


def _render_import(*, result=None, problems=None, error=None, filename=None, status=200):
    return render_template("builder/catalog/import.html", result=result, problems=problems, error=error,
                           filename=filename, max_mb=MAX_BYTES // (1024 * 1024), max_rows=MAX_ROWS,
                           required=", ".join(REQUIRED_COLUMNS)), status
