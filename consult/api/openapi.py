"""The OpenAPI 3 document of the JSON API (kept by hand, checked by the tests)."""

from __future__ import annotations

ERROR = {"$ref": "#/components/schemas/Error"}


def _error_responses(*codes: int) -> dict:
    text = {400: "Invalid input", 401: "Not logged in or bad token", 403: "Not allowed",
            404: "Not found (or not visible to the caller)", 409: "Conflict",
            413: "Too large", 429: "Rate limited"}
    return {str(c): {"description": text[c],
                     "content": {"application/json": {"schema": ERROR}}} for c in codes}


def _json(schema_ref: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}


def build_document(server_url: str) -> dict:
    """Return the OpenAPI document with the given server address."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Consult API",
            "version": "1.0",
            "description": "Open data and integration API of the Member-State consultation on "
                           "a Global Plan of Action against trafficking in persons. Reads of "
                           "public data need no login; writes need Authorization: Bearer TOKEN.",
        },
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {
                    "error": {"type": "object", "required": ["code", "message"], "properties": {
                        "code": {"type": "string"}, "message": {"type": "string"}}}}},
                "ConsultationSummary": {"type": "object", "properties": {
                    "slug": {"type": "string"}, "title": {"type": "string"},
                    "status": {"type": "string", "enum": ["open", "closed"]},
                    "url": {"type": "string"}}},
                "VersionSummary": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "label": {"type": "string"},
                    "symbol": {"type": "string", "nullable": True},
                    "status": {"type": "string",
                               "enum": ["draft", "published", "superseded", "final"]},
                    "based_on": {"type": "integer", "nullable": True},
                    "created_at": {"type": "string", "format": "date-time"},
                    "published_at": {"type": "string", "format": "date-time", "nullable": True},
                    "comments_close_at": {"type": "string", "format": "date-time",
                                          "nullable": True},
                    "url": {"type": "string"}}},
                "Consultation": {"type": "object", "properties": {
                    "slug": {"type": "string"}, "title": {"type": "string"},
                    "status": {"type": "string"}, "mandate": {"type": "string"},
                    "cofacilitators": {"type": "string"}, "description": {"type": "string"},
                    "reference_date": {"type": "string", "format": "date", "nullable": True},
                    "versions": {"type": "array",
                                 "items": {"$ref": "#/components/schemas/VersionSummary"}}}},
                "Paragraph": {"type": "object", "properties": {
                    "id": {"type": "integer"},
                    "key": {"type": "string", "description": "Stable across versions"},
                    "label": {"type": "string", "example": "OP12(b)"},
                    "kind": {"type": "string",
                             "enum": ["heading", "preambular", "operative", "subparagraph"]},
                    "number": {"type": "string", "nullable": True},
                    "parent_label": {"type": "string", "nullable": True},
                    "text": {"type": "string", "description": "Markdown source"},
                    "html": {"type": "string"},
                    "match": {"type": "string", "enum": ["kept", "edited", "moved", "new"]},
                    "previous_label": {"type": "string", "nullable": True},
                    "comment_count": {"type": "integer"},
                    "url": {"type": "string"}}},
                "Version": {"allOf": [
                    {"$ref": "#/components/schemas/VersionSummary"},
                    {"type": "object", "properties": {
                        "consultation": {"type": "string"},
                        "paragraphs": {"type": "array",
                                       "items": {"$ref": "#/components/schemas/Paragraph"}}}}]},
                "NewVersion": {"type": "object", "required": ["label", "text"], "properties": {
                    "label": {"type": "string", "maxLength": 100, "example": "Rev.1"},
                    "text": {"type": "string", "description": "Markdown of the whole draft"},
                    "symbol": {"type": "string", "nullable": True},
                    "based_on": {"type": "integer", "nullable": True,
                                 "description": "Version id; default the newest published. "
                                                "409 if it is no longer the newest."},
                    "comments_close_at": {"type": "string", "format": "date-time",
                                          "nullable": True},
                    "publish": {"type": "boolean", "default": False}}},
            },
        },
        "paths": {
            "/consultations": {"get": {
                "summary": "List consultations", "operationId": "listConsultations",
                "responses": {"200": {"description": "Consultations", "content": {
                    "application/json": {"schema": {"type": "object", "properties": {
                        "consultations": {"type": "array", "items": {
                            "$ref": "#/components/schemas/ConsultationSummary"}}}}}}}}}},
            "/consultations/{slug}": {"get": {
                "summary": "A consultation and its versions", "operationId": "getConsultation",
                "parameters": [{"name": "slug", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {"200": {"description": "The consultation",
                                      "content": _json("Consultation")},
                              **_error_responses(404)}}},
            "/consultations/{slug}/versions": {"post": {
                "summary": "Import a new version (co-facilitators)",
                "operationId": "createVersion", "security": [{"bearer": []}],
                "parameters": [{"name": "slug", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": _json("NewVersion")},
                "responses": {"201": {"description": "The new version",
                                      "content": _json("Version")},
                              **_error_responses(400, 401, 403, 404, 409, 413)}}},
            "/versions/{id}": {"get": {
                "summary": "A version with its paragraphs (drafts: co-facilitators only)",
                "operationId": "getVersion",
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "The version", "content": _json("Version")},
                              "304": {"description": "Not modified (If-None-Match)"},
                              **_error_responses(404)}}},
            "/versions/{id}/publish": {"post": {
                "summary": "Publish a draft version (co-facilitators)",
                "operationId": "publishVersion", "security": [{"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "The published version",
                                      "content": _json("Version")},
                              **_error_responses(400, 401, 403, 404, 409)}}},
            "/openapi.json": {"get": {
                "summary": "This document", "operationId": "getOpenapi",
                "responses": {"200": {"description": "OpenAPI 3 document"}}}},
        },
    }
