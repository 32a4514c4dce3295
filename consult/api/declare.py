"""The JSON API declared once: every request body, query and answer is a pydantic model,
and every operation's summary and answers sit on its view (`operation`).

The views read bodies and queries through these models (`read_body`, `read_query`) and
build their answers as these models (`Answer.dump`); the OpenAPI document
(`consult.api.openapi`) is generated from the same declarations, and the tests check every
real answer against that document (tests/api_contract.py). docs/DEVELOPING.md says why
pydantic, and how a route is declared.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from flask import request
from flask_babel import gettext as _
from pydantic import (BaseModel, ConfigDict, Field, PlainSerializer, ValidationError,
                      WithJsonSchema)

from consult.drafts.models import UN_LANGUAGES
from consult.errors import Invalid

# One of the six official languages of the United Nations.
Language = Literal[UN_LANGUAGES]


def _iso(value) -> str:
    return value.isoformat()


# Times and days as the API has always written them: Python's ISO 8601 (no "Z" rewriting).
Timestamp = Annotated[datetime.datetime, PlainSerializer(_iso, return_type=str),
                      WithJsonSchema({"type": "string", "format": "date-time"})]
Day = Annotated[datetime.date, PlainSerializer(_iso, return_type=str),
                WithJsonSchema({"type": "string", "format": "date"})]


def one_of(values) -> Any:
    """A string documented as one of `values`. Refusing any other is left to the service,
    which says in its own words what it accepts."""
    return Annotated[str, WithJsonSchema({"type": "string", "enum": list(values)})]


def shown_as(schema: dict) -> Any:
    """A string argument documented with `schema` (a number the service reads itself)."""
    return Annotated[str, WithJsonSchema(schema)]


class Answer(BaseModel):
    """An answer (or part of one). Every field is declared; a field with a default that the
    view does not set is left out of the JSON (it applies only to some answers)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def dump(self) -> dict:
        """The answer as JSON-ready data."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def json_text(self) -> str:
        """The answer as JSON text, written by pydantic's own (compiled) writer: fields in
        the order declared. Twice as fast as `dump` then `json.dumps`, for big streams."""
        return self.model_dump_json(by_alias=True, exclude_unset=True)


class Body(BaseModel):
    """A request body: unknown fields refused (a misspelt "proposed_txt" is reported, not
    ignored), types strict (no "1" for 1, no 0 for false)."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)
    # Field name -> the message for anything wrong with it, where a plainer one helps.
    messages: ClassVar[dict[str, Callable[[], str]]] = {}


class Query(BaseModel):
    """Query-string arguments: other arguments are ignored (caches, trackers add some)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


@dataclasses.dataclass(frozen=True)
class Reply:
    """One declared answer of an operation: a JSON model, or another media type."""

    description: str
    model: type[BaseModel] | None = None
    media_type: str = "application/json"
    # A schema declared elsewhere (the export's tables): a function giving it.
    schema: Callable[[], dict] | None = None
    headers: dict | None = None


@dataclasses.dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says of one route (see `operation`)."""

    operation_id: str
    summary: str
    description: str | None
    body: type[BaseModel] | None
    body_required: bool
    query: type[Query] | None
    replies: dict[int, Reply]
    errors: dict[int, str | Reply]
    login: bool
    path: dict[str, str]


ERROR_TEXTS = {400: "Invalid input", 401: "Not logged in or bad token", 403: "Not allowed",
               404: "Not found (or not visible to the caller)", 409: "Conflict",
               413: "Too large", 429: "Rate limited",
               503: "Briefly unavailable; Retry-After says when to ask again"}


def operation(operation_id: str, summary: str, *, description: str | None = None,
              body: type[BaseModel] | None = None, body_required: bool = True,
              query: type[Query] | None = None, replies: dict[int, Reply] | None = None,
              errors: tuple[int, ...] | dict[int, str | Reply] = (), login: bool = False,
              path: dict[str, str] | None = None):
    """Declare a view's operation: its id, summary, body and query models, answers (status
    -> Reply), error statuses (-> description, or a Reply with its own model), whether it
    needs a login, and descriptions of its path's variables."""
    if not isinstance(errors, dict):
        errors = {code: ERROR_TEXTS[code] for code in errors}
    declared = Operation(operation_id, summary, description, body, body_required, query,
                         dict(replies or {}), dict(errors), login, dict(path or {}))

    def attach(view):
        view.api_operation = declared
        return view
    return attach


# --- reading what is sent ----------------------------------------------------------------

M = TypeVar("M", bound=BaseModel)
Q = TypeVar("Q", bound="Query")


def json_body() -> dict:
    """The request's JSON object, or Invalid with a clear message."""
    if not request.is_json:
        raise Invalid(_("Send a JSON body with Content-Type: application/json."))
    try:
        data = json.loads(request.get_data(as_text=False).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Invalid(_("The body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise Invalid(_("The body must be a JSON object."))
    if any(_is_unstorable(value) for value in data.values()):
        raise Invalid(_("Text must be valid Unicode without NUL characters."))
    return data


def _is_unstorable(value) -> bool:
    """NUL or lone surrogates ("\\ud800"), which no database column can store."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_is_unstorable(k) or _is_unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_is_unstorable(v) for v in value)
    return False


def read_body(model: type[M], *, optional: bool = False) -> M:
    """The JSON body read as `model`, or Invalid naming the first field that is wrong.
    With `optional`, an empty body is an empty object."""
    data = json_body() if request.get_data(cache=True) or not optional else {}
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise _refusal(model, error, data) from None


def read_query(model: type[Q]) -> Q:
    """The query string read as `model`, or Invalid naming the argument that is wrong."""
    try:
        # An empty argument (?page=) is as good as none.
        return model.model_validate({k: v for k, v in request.args.items()
                                     if k in _query_names(model) and v != ""})
    except ValidationError as error:
        raise _refusal(model, error, request.args) from None


def _query_names(model: type[Query]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


def _refusal(model: type[BaseModel], error: ValidationError, data) -> Invalid:
    """The first problem of `error` as the API's own (translated) message."""
    extra = sorted(str(e["loc"][0]) for e in error.errors() if e["type"] == "extra_forbidden")
    if extra:
        known = sorted(field.alias or name for name, field in model.model_fields.items())
        return Invalid(_("Unknown field(s): %(unknown)s; expected %(known)s.",
                         unknown=", ".join(extra), known=", ".join(known)))
    problem = error.errors()[0]
    field = str(problem["loc"][0]) if problem["loc"] else ""
    kind = problem["type"]
    custom = getattr(model, "messages", {}).get(field)
    if custom is not None:
        return Invalid(custom(), field=field)
    if kind == "missing":
        return Invalid(_("'%(field)s' is required and must be a string.", field=field),
                       field=field)
    if issubclass(model, Query) and kind in ("int_parsing", "int_type", "greater_than_equal"):
        return Invalid(_("'%(field)s' must be a positive integer.", field=field), field=field)
    if kind in ("less_than_equal", "greater_than_equal"):
        low, high = _bounds(model, field)
        return Invalid(_("'%(field)s' must be between %(low)s and %(high)s.", field=field,
                         low=low, high=high), field=field)
    if kind.startswith("int") or kind.startswith("float"):
        return Invalid(_("'%(field)s' must be an integer.", field=field), field=field)
    if kind.startswith("bool"):
        return Invalid(_("'%(field)s' must be true or false.", field=field), field=field)
    if kind.startswith("string") or kind.startswith("str"):
        return Invalid(_("'%(field)s' must be a string.", field=field), field=field)
    if kind == "literal_error":
        expected = (problem.get("ctx") or {}).get("expected", "")
        return Invalid(_("'%(field)s' must be one of: %(choices)s.", field=field,
                         choices=expected.replace("'", "")), field=field)
    return Invalid(_("'%(field)s' is not valid.", field=field), field=field)


def _bounds(model: type[BaseModel], field: str) -> tuple[Any, Any]:
    low = high = None
    for name, info in model.model_fields.items():
        if (info.alias or name) == field:
            for rule in info.metadata:
                low = getattr(rule, "ge", low)
                high = getattr(rule, "le", high)
    return low, high


# --- answers every operation may give --------------------------------------------------------

NOT_MODIFIED = Reply("Not modified (If-None-Match)", media_type="application/json")


class ErrorDetail(Answer):
    """What went wrong."""

    model_config = ConfigDict(extra="allow")  # a refusal may say more (warnings, paragraphs)
    code: str = Field(description="For programs; English")
    message: str = Field(description="For people, in the reader's language: ?lang=, else "
                                     "Accept-Language (one of the six UN languages)")


class Error(Answer):
    """Every refusal: {"error": {"code", "message", …}}."""

    error: ErrorDetail
