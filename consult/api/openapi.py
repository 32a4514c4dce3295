"""The OpenAPI 3 document of the JSON API (kept by hand, checked by the tests)."""

from __future__ import annotations

from consult.drafts.models import UN_LANGUAGES

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
                        "code": {"type": "string", "description": "For programs; English"},
                        "message": {"type": "string", "description":
                                    "For people, in the reader's language: ?lang=, else "
                                    "Accept-Language (one of the six UN languages)"}}}}},
                "ConsultationSummary": {"type": "object", "properties": {
                    "slug": {"type": "string"}, "title": {"type": "string"},
                    "status": {"type": "string", "enum": ["open", "closed"]},
                    "mandate": {"type": "string"}, "url": {"type": "string"}}},
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
                    "original_language": {"type": "string", "enum": list(UN_LANGUAGES),
                                          "description": "The language the text was written in"},
                    "languages": {"type": "array", "items": {"type": "string"},
                                  "description": "Languages the text can be read in (?lang=), "
                                                 "the original first"},
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
                    "language": {"type": "string", "description": "The language of text and "
                                 "html: the one asked, or the original where a paragraph has "
                                 "no translation"},
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
                    "publish": {"type": "boolean", "default": False},
                    "confirm_numbering": {"type": "boolean", "default": False,
                                          "description": "With publish: publish although "
                                          "the numbering changes labels (409 "
                                          "numbering_unconfirmed with warnings otherwise)"},
                    "language": {"type": "string", "enum": list(UN_LANGUAGES),
                                 "description": "The language of the text; default that of "
                                                "the version before (English to begin with)"}}},
                "NewTranslation": {"type": "object", "required": ["language", "text"],
                                   "properties": {
                    "language": {"type": "string", "enum": list(UN_LANGUAGES)},
                    "text": {"type": "string", "description": "Markdown with the same "
                             "paragraphs as the original: the same labels, in the same order"}}},
                "Translation": {"type": "object", "properties": {
                    "version": {"type": "integer"}, "language": {"type": "string"},
                    "original_language": {"type": "string"},
                    "paragraph_count": {"type": "integer"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "url": {"type": "string", "description": "The version in this language"},
                    "page": {"type": "string", "description": "The HTML page"}}},
                "MisalignedError": {"type": "object", "required": ["error"], "properties": {
                    "error": {"type": "object", "properties": {
                        "code": {"type": "string", "enum": ["misaligned"]},
                        "message": {"type": "string"},
                        "paragraphs": {"type": "array", "items": {
                            "type": "object", "properties": {
                                "position": {"type": "integer"},
                                "expected": {"type": "string", "nullable": True,
                                             "description": "The original's label there"},
                                "found": {"type": "string", "nullable": True,
                                          "description": "The translation's label there"}}}}}}}},
                **_submission_schemas(),
                **_search_schemas(),
                **_feature_schemas(),
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
                                "schema": {"type": "integer"}},
                               {"name": "lang", "in": "query", "required": False,
                                "description": "The text in this language where the version "
                                               "has it (see `languages`; else the original, "
                                               "each paragraph's `language` says which): "
                                               "the same paragraphs, ids and keys. Error "
                                               "messages follow it too.",
                                "schema": {"type": "string", "enum": list(UN_LANGUAGES)}}],
                "responses": {"200": {"description": "The version", "content": _json("Version")},
                              "304": {"description": "Not modified (If-None-Match)"},
                              **_error_responses(400, 404)}}},
            "/versions/{id}/translations": {"post": {
                "summary": "Add the text of a version in another UN language (co-facilitators)",
                "description": "A translation is an addition: drafts and published versions "
                               "alike. It must have the original's paragraphs (same labels, same "
                               "order), else 400 `misaligned` lists those that differ and "
                               "nothing is stored. A published version's translation is never "
                               "replaced (409); a draft's may be.",
                "operationId": "addTranslation", "security": [{"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "integer"}}],
                "requestBody": {"required": True, "content": _json("NewTranslation")},
                "responses": {"201": {"description": "Stored", "content": _json("Translation")},
                              "400": {"description": "Refused; nothing stored",
                                      "content": _json("MisalignedError")},
                              **_error_responses(401, 403, 404, 409, 413)}}},
            "/versions/{id}/publish": {"post": {
                "summary": "Publish a draft version (co-facilitators)",
                "operationId": "publishVersion", "security": [{"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "integer"}}],
                "description": "A draft whose numbering changes labels (duplicate or "
                               "out-of-order numbers, labels built otherwise than in the "
                               "previous version) is refused with 409 numbering_unconfirmed "
                               "and error.warnings (kind, number, previous, labels, lines, "
                               "renames: from, to; message) until confirm_numbering is true.",
                "requestBody": {"required": False, "content": {"application/json": {
                    "schema": {"type": "object", "properties": {
                        "confirm_numbering": {"type": "boolean", "default": False}}}}}},
                "responses": {"200": {"description": "The published version",
                                      "content": _json("Version")},
                              **_error_responses(400, 401, 403, 404, 409)}}},
            **_submission_paths(),
            **_search_paths(),
            **_feature_paths(),
            "/openapi.json": {"get": {
                "summary": "This document", "operationId": "getOpenapi",
                "responses": {"200": {"description": "OpenAPI 3 document"}}}},
        },
    }


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _id_parameter(description: str) -> list[dict]:
    return [{"name": "id", "in": "path", "required": True, "description": description,
             "schema": {"type": "integer"}}]


_NULLABLE_STRING = {"type": "string", "nullable": True}
_NULLABLE_TIME = {"type": "string", "format": "date-time", "nullable": True}


def _submission_schemas() -> dict:
    """Schemas of submissions, threads and the bodies that create or edit them."""
    submission = {"type": "object", "required": [
        "id", "paragraph_id", "parent_id", "kind", "body", "html", "proposed_text", "author",
        "delegation", "created_at", "edited_at", "status", "supporters", "disposition"],
        "properties": {
            "id": {"type": "integer"},
            "consultation": {"type": "string", "description": "The consultation's slug"},
            "version_id": {"type": "integer"},
            "paragraph_id": {"type": "integer", "nullable": True,
                             "description": "None for a general statement (and its replies)"},
            "paragraph_label": {**_NULLABLE_STRING, "example": "OP12(b)"},
            "paragraph_key": {**_NULLABLE_STRING,
                              "description": "The paragraph's key, stable across versions"},
            "parent_id": {"type": "integer", "nullable": True,
                          "description": "The submission replied to, or the amendment "
                                         "supported"},
            "kind": {"type": "string",
                     "enum": ["comment", "amendment", "support", "statement"]},
            "language": {**_NULLABLE_STRING, "enum": ["en", "fr", "es", "ru", "ar", "zh", None]},
            "body": {"type": "string", "description": "Markdown as written"},
            "html": {"type": "string",
                     "description": "The body rendered to safe HTML when it was written"},
            "proposed_text": {**_NULLABLE_STRING,
                              "description": "Amendments: the proposed wording"},
            "proposed_diff_html": {**_NULLABLE_STRING,
                                   "description": "Amendments: the proposal as word-level "
                                                  "changes (<ins>, <del>) against the "
                                                  "paragraph's text, both rendered "
                                                  "(italics, links)"},
            "proposed_html": {**_NULLABLE_STRING,
                              "description": "Amendments: the proposed wording rendered to "
                                             "safe HTML, without change marks"},
            "author": {"type": "string", "description": "The author's name"},
            "delegation": {"type": "object", "properties": {
                "code": {"type": "string", "example": "FRA"}, "name": {"type": "string"}}},
            "created_at": {"type": "string", "format": "date-time"},
            "edited_at": _NULLABLE_TIME,
            "withdrawn_at": _NULLABLE_TIME,
            "status": {"type": "string", "enum": ["active", "withdrawn", "hidden"],
                       "description": "hidden: shown only to moderators and the author"},
            "revision": {"type": "integer",
                         "description": "Number of edits so far; send it back with an edit "
                                        "to be told (409) if someone edited meanwhile"},
            "supporters": {"type": "array", "items": {"type": "string"},
                           "description": "Codes of the delegations supporting an amendment"},
            "disposition": {"type": "string", "nullable": True,
                            "enum": ["pending", "incorporated", "partly_incorporated",
                                     "not_retained", None]},
            "disposition_note": {"type": "string", "nullable": True,
                                 "description": "The co-facilitators' note on the disposition"},
            "hidden": {"type": "object", "description": "Only on a hidden submission, which "
                       "only its author and the moderators can read: why it is hidden",
                       "properties": {
                           "at": {"type": "string", "format": "date-time", "nullable": True},
                           "reason_code": {"type": "string", "nullable": True},
                           "reason": {"type": "string", "nullable": True},
                           "with_parent": {"type": "boolean", "description":
                                           "hidden because a submission above it is"}}},
            "url": {"type": "string", "description": "The submission's permanent page"},
        }}
    threaded = {"allOf": [_ref("Submission"), {"type": "object", "properties": {
        "replies": {"type": "array", "items": _ref("ThreadedSubmission")}}}]}
    thread = {"type": "object", "properties": {
        "version": {"type": "object", "properties": {
            "id": {"type": "integer"}, "label": {"type": "string"}}},
        "paragraph_id": {"type": "integer", "nullable": True},
        "paragraph_label": _NULLABLE_STRING,
        "paragraph_key": _NULLABLE_STRING,
        "count": {"type": "integer",
                  "description": "Submissions of the whole thread (every page), replies "
                                 "included, supports not"},
        "submissions": {"type": "array", "items": _ref("ThreadedSubmission"),
                        "description": "The conversations of this page, with all their "
                                       "replies"},
        "conversations": {"type": "integer",
                          "description": "Conversations (top submissions) in all pages"},
        "page": {"type": "integer"}, "pages": {"type": "integer"},
        "per_page": {"type": "integer"},
        "order": {"type": "string", "enum": ["activity", "oldest"]}}}
    revision = {"type": "object", "properties": {
        "number": {"type": "integer", "description": "0: the original text, 1: after the "
                                                     "first edit…"},
        "body": {"type": "string"}, "html": {"type": "string"},
        "proposed_text": _NULLABLE_STRING, "proposed_diff_html": _NULLABLE_STRING,
        "proposed_html": _NULLABLE_STRING,
        "written_at": {"type": "string", "format": "date-time"},
        "replaced_at": {"type": "string", "format": "date-time"}}}
    return {
        "Submission": submission,
        "ThreadedSubmission": threaded,
        "SubmissionDetail": {"allOf": [_ref("Submission"), {"type": "object", "properties": {
            "replies": {"type": "array", "items": _ref("ThreadedSubmission")},
            "revisions": {"type": "array", "items": _ref("Revision"),
                          "description": "Earlier texts, oldest first"}}}]},
        "Revision": revision,
        "Thread": thread,
        "ParagraphThreads": {"allOf": [_ref("Thread"), {"type": "object", "properties": {
            "earlier": {"type": "array", "items": _ref("Thread"),
                        "description": "Threads on the same paragraph (key) in earlier "
                                       "versions, newest first: the first page of each"}}}]},
        "VersionThreads": {"allOf": [_ref("Thread"), {"type": "object", "properties": {
            "detached": {"type": "array", "items": {"allOf": [_ref("Thread"), {
                "type": "object", "properties": {
                    "delegations": {"type": "array", "items": {"type": "string"},
                                    "description": "Who started its conversations"},
                    "comments_url": {"type": "string", "format": "uri",
                                     "description": "The whole thread, a page at a time"}}}]},
                         "description": "Threads on paragraphs of earlier versions that "
                                        "this version no longer has: the first page of "
                                        "each"}}}]},
        "NewSubmission": {"type": "object", "additionalProperties": False, "properties": {
            "kind": {"type": "string", "enum": ["comment", "amendment", "support"],
                     "default": "comment"},
            "body": {"type": "string", "maxLength": 20000,
                     "description": "Markdown; required for comments, the explanation of "
                                    "an amendment, optional for a support"},
            "proposed_text": {"type": "string", "maxLength": 20000,
                              "description": "Amendments: the paragraph's new wording"},
            "parent_id": {"type": "integer", "nullable": True,
                          "description": "Replies: the submission answered; supports: the "
                                         "amendment supported"},
            "language": {"type": "string", "enum": ["en", "fr", "es", "ru", "ar", "zh"]}}},
        "NewStatement": {"type": "object", "additionalProperties": False,
                         "required": ["body"], "properties": {
                             "kind": {"type": "string", "enum": ["statement", "comment"],
                                      "default": "statement",
                                      "description": "comment with parent_id: a reply"},
                             "body": {"type": "string", "maxLength": 20000},
                             "parent_id": {"type": "integer", "nullable": True},
                             "language": {"type": "string",
                                          "enum": ["en", "fr", "es", "ru", "ar", "zh"]}}},
        "SubmissionEdit": {"type": "object", "additionalProperties": False, "properties": {
            "body": {"type": "string", "maxLength": 20000},
            "proposed_text": {"type": "string", "maxLength": 20000,
                              "description": "Amendments only"},
            "revision": {"type": "integer",
                         "description": "The revision the edit started from; 409 if the "
                                        "submission was edited since"}}},
    }


def _thread_page_parameters(with_language: bool = False) -> list:
    """?page=, ?per_page=, ?order= (and ?in=) of a thread read a page at a time."""
    found = [
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                   "default": 1}},
        {"name": "per_page", "in": "query", "description": "Conversations per page",
         "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
        {"name": "order", "in": "query",
         "description": "activity: newest visible submission first; oldest: in the order "
                        "the conversations were started",
         "schema": {"type": "string", "enum": ["activity", "oldest"],
                    "default": "oldest"}}]
    if with_language:
        found.append({"name": "in", "in": "query",
                      "description": "Only the conversations started in this language",
                      "schema": {"type": "string",
                                 "enum": ["en", "fr", "es", "ru", "ar", "zh"]}})
    return found


def _submission_paths() -> dict:
    """Paths of threads, submissions, edits and withdrawals."""
    write = {"security": [{"bearer": []}]}
    changing = {"304": {"description": "Not modified (If-None-Match); threads change, so "
                                       "these answers are always revalidated"}}
    return {
        "/paragraphs/{id}/comments": {
            "get": {
                "summary": "The visible thread on a paragraph, and those on the same "
                           "paragraph in earlier versions",
                "operationId": "getParagraphComments",
                "parameters": _id_parameter("Paragraph id") + _thread_page_parameters(
                    with_language=True),
                "responses": {"200": {"description": "Threads",
                                      "content": _json("ParagraphThreads")},
                              **changing, **_error_responses(404)}},
            "post": {
                "summary": "Comment, reply, propose an amendment or support one "
                           "(delegates, observers)",
                "operationId": "postParagraphComment", **write,
                "parameters": _id_parameter("Paragraph id"),
                "requestBody": {"required": True, "content": _json("NewSubmission")},
                "responses": {"201": {"description": "The submission, attributed to the "
                                                     "poster's delegation",
                                      "content": _json("Submission")},
                              **_error_responses(400, 401, 403, 404, 409, 413, 429)}}},
        "/versions/{id}/comments": {
            "get": {
                "summary": "General statements on a version with their replies, and "
                           "threads left detached by earlier versions' removed paragraphs",
                "operationId": "getVersionComments",
                "parameters": _id_parameter("Version id") + _thread_page_parameters(),
                "responses": {"200": {"description": "Threads",
                                      "content": _json("VersionThreads")},
                              **changing, **_error_responses(404)}},
            "post": {
                "summary": "A general statement on a version, or a reply to one "
                           "(delegates, observers)",
                "operationId": "postVersionComment", **write,
                "parameters": _id_parameter("Version id"),
                "requestBody": {"required": True, "content": _json("NewStatement")},
                "responses": {"201": {"description": "The submission",
                                      "content": _json("Submission")},
                              **_error_responses(400, 401, 403, 404, 409, 413, 429)}}},
        "/comments/{id}": {
            "get": {
                "summary": "One submission, its replies and its earlier texts (404 if "
                           "hidden, except for moderators and its author)",
                "operationId": "getComment",
                "parameters": _id_parameter("Submission id"),
                "responses": {"200": {"description": "The submission",
                                      "content": _json("SubmissionDetail")},
                              **changing, **_error_responses(404)}},
            "patch": {
                "summary": "Edit one's own submission while the period is open; the "
                           "earlier text is kept in revisions",
                "description": "409 (with the reason in the message) when the period has "
                               "closed, the revision is stale, or the submission is a "
                               "proposal the co-facilitators have decided on (any "
                               "disposition but pending): its wording and explanation are "
                               "then frozen until the disposition is set back to pending.",
                "operationId": "editComment", **write,
                "parameters": _id_parameter("Submission id"),
                "requestBody": {"required": True, "content": _json("SubmissionEdit")},
                "responses": {"200": {"description": "The edited submission",
                                      "content": _json("SubmissionDetail")},
                              **_error_responses(400, 401, 403, 404, 409, 413)}}},
        "/comments/{id}/withdraw": {"post": {
            "summary": "Withdraw one's own submission (a support: any member of the "
                       "delegation); it stays in the record, marked withdrawn",
            "description": "409 when already withdrawn, when the period has closed, or "
                           "when the proposal (or, for a support, the proposal supported) "
                           "has a disposition other than pending.",
            "operationId": "withdrawComment", **write,
            "parameters": _id_parameter("Submission id"),
            "responses": {"200": {"description": "The withdrawn submission",
                                  "content": _json("SubmissionDetail")},
                          **_error_responses(400, 401, 403, 404, 409)}}},
    }


def _search_schemas() -> dict:
    """Schemas of search results and facets."""
    facet = {"type": "array", "items": {"type": "object", "properties": {
        "value": {"type": "string"}, "label": {"type": "string"},
        "count": {"type": "integer"}}}}
    return {
        "SearchResult": {"type": "object", "required": [
            "type", "id", "url", "snippet", "delegation", "version", "paragraph_label",
            "created_at"], "properties": {
            "type": {"type": "string", "enum": ["paragraph", "comment", "amendment",
                                                "support", "statement"]},
            "id": {"type": "integer", "description": "Submission id, or paragraph id for "
                                                    "type paragraph"},
            "url": {"type": "string", "description": "Its permanent page"},
            "title": {"type": "string", "description": "Plain text: the opening words of "
                                                      "the paragraph or submission"},
            "snippet": {"type": "string", "description": "HTML: the text escaped, matched "
                                                        "words in <mark>"},
            "delegation": {"type": "object", "nullable": True, "properties": {
                "code": {"type": "string"}, "name": {"type": "string"}}},
            "version": {"type": "object", "properties": {
                "id": {"type": "integer"}, "label": {"type": "string"}}},
            "paragraph_label": _NULLABLE_STRING,
            "created_at": _NULLABLE_TIME,
            "status": {"type": "string", "enum": ["active", "withdrawn", "hidden", "published",
                                                  "superseded", "final"]},
            "language": {"type": "string", "enum": ["en", "fr", "es", "ru", "ar", "zh"]},
            "disposition": _NULLABLE_STRING}},
        "SearchResults": {"type": "object", "required": ["total", "results", "facets"],
                          "properties": {
            "query": {"type": "string"}, "total": {"type": "integer"},
            "page": {"type": "integer"}, "per_page": {"type": "integer"},
            "pages": {"type": "integer"}, "sort": {"type": "string"},
            "scope": {"type": "string", "enum": ["latest", "all"]},
            "total_all_versions": {"type": "integer", "nullable": True,
                                   "description": "With scope latest: the total if the text "
                                                  "of earlier versions were searched too "
                                                  "(scope=all); null otherwise"},
            "filters": {"type": "object"},
            "results": {"type": "array", "items": _ref("SearchResult")},
            "suggestion": {"type": "string", "nullable": True,
                           "description": "When nothing matched: the query with misspelt "
                                          "words corrected, if that finds something"},
            "facets": {"type": "object", "description": "Counts per value among all matches",
                       "properties": {name: facet for name in (
                           "type", "delegation", "dtype", "version", "lang", "disposition")}}}},
    }


def _search_paths() -> dict:
    """GET /search."""
    def param(name, description, schema=None):
        return {"name": name, "in": "query", "required": False, "description": description,
                "schema": schema or {"type": "string"}}

    return {"/search": {"get": {
        "summary": "Full-text search of published texts and visible submissions",
        "description": 'All words must match; "phrases", OR, NOT, and a trailing * after '
                       "at least 3 letters. Hidden and withdrawn submissions are returned "
                       "only to their authors and the consultation's co-facilitators.",
        "operationId": "search",
        "parameters": [
            param("q", "The words to find (at most 500 characters, 24 words)"),
            param("type", "paragraph, submission (any kind), comment, amendment, support "
                          "or statement"),
            param("kind", "Kind of submission: comment, amendment, support, statement"),
            param("delegation", "Delegation code, e.g. FRA or EU"),
            param("delegation_type", "member_state, observer_state, group, igo, ngo, "
                                     "un_entity"),
            param("version", "Version id", {"type": "integer"}),
            param("consultation", "Consultation slug"),
            param("lang", "Language: en, fr, es, ru, ar, zh"),
            param("disposition", "pending, incorporated, partly_incorporated, not_retained"),
            param("from", "First day (YYYY-MM-DD)", {"type": "string", "format": "date"}),
            param("to", "Last day (YYYY-MM-DD)", {"type": "string", "format": "date"}),
            param("sort", "relevance (default) or date", {"type": "string",
                                                           "enum": ["relevance", "date"]}),
            param("scope", "all (default): the text of every published version, and "
                           "every submission; latest: the text of each consultation's "
                           "newest published version only (the search page's default). "
                           "A version filter searches that version whatever the scope",
                  {"type": "string", "enum": ["latest", "all"]}),
            param("page", "Page number, from 1", {"type": "integer", "minimum": 1}),
            param("per_page", "Results per page, at most 100",
                  {"type": "integer", "minimum": 1, "maximum": 100}),
        ],
        "responses": {"200": {"description": "One page of results with facets",
                              "content": _json("SearchResults")},
                      **_error_responses(400)}}}}


def _feature_modules():
    # Imported here, not at the top: these modules import the API blueprint, which
    # imports this module.
    from consult.api import akn, compilation, diff, export, feed, moderation
    return (diff, compilation, moderation, export, akn, feed)


def _feature_schemas() -> dict:
    """Schemas contributed by the feature modules of the API."""
    schemas: dict = {}
    for module in _feature_modules():
        schemas.update(module.openapi_schemas())
    return schemas


def _feature_paths() -> dict:
    """Paths contributed by the feature modules of the API."""
    paths: dict = {}
    for module in _feature_modules():
        paths.update(module.openapi_paths())
    return paths
