"""JSON API v1: export (API.md is the contract).

The public record of a consultation as open data: one JSON document, or one CSV table per
file. Both stream (memory stays flat whatever the size) and answer If-None-Match with 304
before anything is read. The columns come from `consult.archive.export.TABLES`, as do the
schemas below and the data dictionary page.

Its routes join the API blueprint in `consult.api.views.blueprint`.
"""

from __future__ import annotations

import re

from flask import current_app, request, stream_with_context
from flask_babel import gettext as _

from consult.archive import export
from consult.drafts import services as drafts
from consult.errors import Invalid
from consult.routes import SHARED, Routes

routes = Routes()

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
def export_json(slug: str):
    """The public record of a consultation as one JSON document (streamed)."""
    consultation = drafts.get_consultation(slug)
    return _download(
        consultation, "json",
        lambda base_url: export.iter_export_json(consultation, base_url=base_url),
        mimetype="application/json", filename=_filename(slug, "-record.json"))


@routes.get("/consultations/<slug>/export.csv", cache=SHARED)
def export_csv(slug: str):
    """One table of the public record as CSV (streamed); ?table=, ?bom=1 for Excel."""
    consultation = drafts.get_consultation(slug)
    table = request.args.get("table") or export.DEFAULT_TABLE
    if table not in export.TABLES:
        raise Invalid(_("Unknown table '%(table)s'; choose one of: %(tables)s.",
                        table=table[:40], tables=", ".join(export.TABLES)), field="table")
    bom = request.args.get("bom", "0")
    if bom not in ("0", "1"):
        raise Invalid(_("'%(field)s' must be 0 or 1.", field="bom"), field="bom")
    return _download(
        consultation, f"csv:{table}:{bom}",
        lambda base_url: export.iter_export_csv(consultation, table, base_url=base_url,
                                                bom=bom == "1"),
        mimetype="text/csv", filename=_filename(slug, f"-{table}.csv"))


# --- OpenAPI -----------------------------------------------------------------------------


def _schema_name(table: export.Table) -> str:
    return "Export" + table.name.title()


def _table_schema(table: export.Table, extra: dict | None = None) -> dict:
    properties = {}
    for column in table.columns:
        schema = dict(export.OPENAPI_TYPES[column.type])
        if column.nullable:
            schema["nullable"] = True
        # The descriptions are the data dictionary's, in English for the document.
        schema["description"] = str(column.description)
        properties[column.name] = schema
    properties.update(extra or {})
    return {"type": "object", "description": str(table.description),
            "required": table.names, "properties": properties}


def openapi_schemas() -> dict:
    """This module's schemas for the OpenAPI document."""
    from flask_babel import force_locale

    def ref(table: export.Table) -> dict:
        return {"$ref": f"#/components/schemas/{_schema_name(table)}"}

    with force_locale("en"):
        schemas = {_schema_name(t): _table_schema(t) for t in (
            export.CONSULTATION, export.PARAGRAPHS, export.SUBMISSIONS, export.LOG)}
        schemas[_schema_name(export.VERSIONS)] = _table_schema(export.VERSIONS, {
            "paragraphs": {"type": "array", "items": ref(export.PARAGRAPHS)}})
    schemas["ExportDocument"] = {
        "type": "object", "description": "The public record of a consultation. Arrays are "
        "ordered by id (versions by their order); one element per line.",
        "required": ["format_version", "consultation", "generated_at", "data_dictionary",
                     "versions", "submissions", "moderation_log"],
        "properties": {
            "format_version": {"type": "integer", "example": export.FORMAT_VERSION},
            "consultation": ref(export.CONSULTATION),
            "generated_at": {"type": "string", "format": "date-time"},
            "data_dictionary": {"type": "string",
                                "description": "The page describing every field"},
            "versions": {"type": "array", "items": ref(export.VERSIONS),
                         "description": "Published versions only, each with its paragraphs"},
            "submissions": {"type": "array", "items": ref(export.SUBMISSIONS),
                            "description": "Visible submissions only (withdrawn ones "
                                           "marked)"},
            "moderation_log": {"type": "array", "items": ref(export.LOG)}}}
    return schemas


def openapi_paths() -> dict:
    """This module's paths for the OpenAPI document."""
    from consult.api.openapi import _error_responses

    slug = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
    headers = {"ETag": {"description": "Weak validator of the public record; send it back "
                                       "in If-None-Match", "schema": {"type": "string"}},
               "Content-Disposition": {"schema": {"type": "string"}}}
    not_modified = {"304": {"description": "Not modified (If-None-Match): nothing changed in "
                                           "the public record"}}
    return {
        "/consultations/{slug}/export.json": {"get": {
            "summary": "The public record as one JSON document: published versions with "
                       "their paragraphs, visible submissions, dispositions, moderation log",
            "description": "Streamed. Hidden submissions (and replies under them), draft "
                           "versions and account details are never included. The fields "
                           "are described on /consultations/{slug}/data.",
            "operationId": "exportConsultationJson",
            "parameters": [slug],
            "responses": {
                "200": {"description": "The record (attachment)", "headers": headers,
                        "content": {"application/json": {"schema": {
                            "$ref": "#/components/schemas/ExportDocument"}}}},
                **not_modified, **_error_responses(404)}}},
        "/consultations/{slug}/export.csv": {"get": {
            "summary": "One table of the public record as CSV",
            "description": "Streamed, UTF-8, a header row, CRLF line ends. One table per "
                           "file. Lists of codes are separated by spaces, objects written "
                           "as JSON, empty cells mean none. A text cell beginning with = + "
                           "- @, a tab, a carriage return or an apostrophe is preceded by "
                           "one apostrophe (so spreadsheets do not run it as a formula): "
                           "drop the first character of any cell beginning with an "
                           "apostrophe to get the exact text.",
            "operationId": "exportConsultationCsv",
            "parameters": [
                slug,
                {"name": "table", "in": "query", "required": False,
                 "description": "Which table (default submissions)",
                 "schema": {"type": "string", "enum": list(export.TABLES),
                            "default": export.DEFAULT_TABLE}},
                {"name": "bom", "in": "query", "required": False,
                 "description": "1: start with a UTF-8 byte-order mark, so that Excel "
                                "reads non-Latin text right",
                 "schema": {"type": "string", "enum": ["0", "1"], "default": "0"}}],
            "responses": {
                "200": {"description": "The table (attachment)", "headers": headers,
                        "content": {"text/csv": {"schema": {"type": "string"}}}},
                **not_modified, **_error_responses(400, 404)}}},
    }
