"""JSON API v1: export (API.md is the contract).

The public record of a consultation as open data: one JSON document, or one CSV table per
file. Both stream (memory stays flat whatever the size) and answer If-None-Match with 304
before anything is read. The columns come from `consult.archive.export.TABLES`, as do the
models below (hence the OpenAPI schemas) and the data dictionary page.

Its routes join the API blueprint in `consult.api.views.blueprint`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from flask import current_app, request, stream_with_context
from flask_babel import gettext as _
from pydantic import Field, WithJsonSchema, create_model

from consult.api.declare import Answer, Query, Reply, Timestamp, operation, read_query

from consult.archive import export
from consult.drafts import services as drafts
from consult.errors import Invalid
from consult.routes import SHARED, Routes

routes = Routes()


# --- declarations: the tables' columns (export.TABLES) as models ----------------------------

def _column_type(column: export.Column):
    schema = dict(export.OPENAPI_TYPES[column.type])
    if column.nullable:
        schema = {"anyOf": [schema, {"type": "null"}]}
    # The descriptions are the data dictionary's, in English for the document.
    return Annotated[Any, WithJsonSchema({**schema, "description": str(column.description)})]


def _table_model(table: export.Table, **more):
    return create_model("Export" + table.name.title(), __base__=Answer,
                        __doc__=str(table.description),
                        **{c.name: (_column_type(c), ...) for c in table.columns}, **more)


ExportConsultation = _table_model(export.CONSULTATION)
ExportParagraphs = _table_model(export.PARAGRAPHS)
ExportSubmissions = _table_model(export.SUBMISSIONS)
ExportLog = _table_model(export.LOG)
ExportVersions = _table_model(export.VERSIONS, paragraphs=(list[ExportParagraphs], ...))


class ExportDocument(Answer):
    """The public record of a consultation. Arrays are ordered by id (versions by their
    order); one element per line."""

    format_version: int = Field(examples=[export.FORMAT_VERSION])
    consultation: ExportConsultation
    generated_at: Timestamp
    data_dictionary: str = Field(description="The page describing every field")
    versions: list[ExportVersions] = Field(description="Published versions only, each with "
                                           "its paragraphs")
    submissions: list[ExportSubmissions] = Field(description="Visible submissions only "
                                                 "(withdrawn ones marked)")
    moderation_log: list[ExportLog]


class CsvQuery(Query):
    """Which table, and how."""

    table: str = Field(export.DEFAULT_TABLE, description="Which table (default "
                       "submissions)", json_schema_extra={"enum": list(export.TABLES)})
    bom: str = Field("0", description="1: start with a UTF-8 byte-order mark, so that Excel "
                     "reads non-Latin text right", json_schema_extra={"enum": ["0", "1"]})


HEADERS = {"ETag": {"description": "Weak validator of the public record; send it back in "
                                   "If-None-Match", "schema": {"type": "string"}},
           "Content-Disposition": {"schema": {"type": "string"}}}
UNCHANGED = Reply("Not modified (If-None-Match): nothing changed in the public record")

# Answers change with every submission; shared caches may keep them but must revalidate.


def _filename(slug: str, suffix: str) -> str:
    # Slugs are plain already; this keeps the header valid whatever one holds.
    return (re.sub(r"[^A-Za-z0-9._-]+", "-", slug).strip("-.") or "consultation") + suffix


def _download(consultation, representation: str, make_chunks, *, mimetype: str,
              filename: str):
    """A streamed attachment with a weak ETag, or 304 when the client has it already."""
    base_url = request.url_root
    etag = export.record_etag(consultation, representation, base_url=base_url)
    if request.if_none_match.contains_weak(etag):
        response = current_app.response_class(status=304)
    else:
        # The export reads on a connection of its own; this request's goes back to the pool
        # when the view returns (consult.routes.unit_of_work), before the download starts.
        chunks = make_chunks(base_url)
        response = current_app.response_class(stream_with_context(chunks), mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Weak: the same record is exported with a new generated_at each time.
    response.set_etag(etag, weak=True)
    return response


@routes.get("/consultations/<slug>/export.json", cache=SHARED)
@operation("exportConsultationJson", "The public record as one JSON document: published "
           "versions with their paragraphs, visible submissions, dispositions, moderation log",
           description="Streamed. Hidden submissions (and replies under them), draft versions "
                       "and account details are never included. The fields are described on "
                       "/consultations/{slug}/data.",
           replies={200: Reply("The record (attachment)", ExportDocument, headers=HEADERS),
                    304: UNCHANGED}, errors=(404,))
def export_json(slug: str):
    """The public record of a consultation as one JSON document (streamed)."""
    consultation = drafts.get_consultation(slug)
    return _download(
        consultation, "json",
        lambda base_url: export.iter_export_json(consultation, base_url=base_url),
        mimetype="application/json", filename=_filename(slug, "-record.json"))


@routes.get("/consultations/<slug>/export.csv", cache=SHARED)
@operation("exportConsultationCsv", "One table of the public record as CSV",
           description="Streamed, UTF-8, a header row, CRLF line ends. One table per file. "
                       "Lists of codes are separated by spaces, objects written as JSON, "
                       "empty cells mean none. A text cell beginning with = + - @, a tab, a "
                       "carriage return or an apostrophe is preceded by one apostrophe (so "
                       "spreadsheets do not run it as a formula): drop the first character "
                       "of any cell beginning with an apostrophe to get the exact text.",
           query=CsvQuery,
           replies={200: Reply("The table (attachment)", media_type="text/csv",
                               headers=HEADERS), 304: UNCHANGED}, errors=(400, 404))
def export_csv(slug: str):
    """One table of the public record as CSV (streamed); ?table=, ?bom=1 for Excel."""
    consultation = drafts.get_consultation(slug)
    query = read_query(CsvQuery)
    table, bom = query.table, query.bom
    if table not in export.TABLES:
        raise Invalid(_("Unknown table '%(table)s'; choose one of: %(tables)s.",
                        table=table[:40], tables=", ".join(export.TABLES)), field="table")
    if bom not in ("0", "1"):
        raise Invalid(_("'%(field)s' must be 0 or 1.", field="bom"), field="bom")
    return _download(
        consultation, f"csv:{table}:{bom}",
        lambda base_url: export.iter_export_csv(consultation, table, base_url=base_url,
                                                bom=bom == "1"),
        mimetype="text/csv", filename=_filename(slug, f"-{table}.csv"))
