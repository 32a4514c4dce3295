"""Page: the data dictionary of the open-data exports.

The routes live on the archive blueprint; importing this module adds them.
"""

from __future__ import annotations

from flask import render_template, url_for

from consult.archive import export
from consult.drafts import services as drafts
from consult.routes import Routes

routes = Routes()


@routes.get("/consultations/<slug>/data")
def data_dictionary(slug: str):
    """What the open-data exports hold: each table, its columns, their types and meaning."""
    consultation = drafts.get_consultation(slug)
    downloads = {name: url_for("api.export_csv", slug=consultation.slug, table=name)
                 for name in export.export_tables()}
    return render_template(
        "archive/data_dictionary.html", consultation=consultation,
        tables=export.document_tables(), types=export.TYPES, csv_tables=export.TABLES,
        json_url=url_for("api.export_json", slug=consultation.slug), csv_urls=downloads,
        excel_url=url_for("api.export_csv", slug=consultation.slug, bom=1),
        format_version=export.FORMAT_VERSION)
