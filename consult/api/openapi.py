"""The OpenAPI 3.1 document of the JSON API, generated from the routes' declarations.

Each API view carries its `operation` (consult.api.declare), whose body, query and answer
models are pydantic models: the paths come from the routes' rules, the parameters from the
query models, the schemas from the models. Nothing here is written twice by hand.
"""

from __future__ import annotations

import re

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from consult.api.declare import Body, Error, Operation, Query, Reply

TITLE = "Consult API"
DESCRIPTION = ("Open data and integration API of the Member-State consultation on a Global "
               "Plan of Action against trafficking in persons. Reads of public data need no "
               "login; writes need Authorization: Bearer TOKEN.")
REF = "#/components/schemas/{model}"
_VARIABLE = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
# What the path's variables are, where the operation does not say.
VARIABLE_TEXTS = {"slug": "The consultation's short name", "version_id": "Version id",
                  "paragraph_id": "Paragraph id", "submission_id": "Submission id"}


class _Schemas(GenerateJsonSchema):
    """JSON Schema without a title on every property (the names say it)."""

    def field_title_should_be_set(self, schema) -> bool:
        return False


def build_document(server_url: str, declared) -> dict:
    """The OpenAPI document of the routes in `declared` (Routes), served at `server_url`."""
    operations = []
    for routes in declared:
        for rule, methods, view in routes.declared():
            found = getattr(view, "api_operation", None)
            if found is None:
                raise LookupError(f"API view {view.__name__} declares no operation "
                                  "(consult.api.declare.operation)")
            operations += [(rule, method.lower(), found) for method in methods]
    paths: dict[str, dict] = {}
    for rule, method, found in operations:
        template, parameters = _path(rule, found)
        paths.setdefault(template, {})[method] = _operation(found, parameters, method)
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": "1.0", "description": DESCRIPTION},
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": _components(found for _rule, _method, found in operations)},
        "paths": dict(sorted(paths.items())),
    }


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": REF.format(model=model.__name__)}


def _models(found: Operation) -> list[type[BaseModel]]:
    models = [found.body] if found.body else []
    replies = list(found.replies.values()) + [e for e in found.errors.values()
                                               if isinstance(e, Reply)]
    return models + [reply.model for reply in replies if reply.model is not None]


def _components(operations) -> dict:
    """Every model named by an operation, and the models they name, by class name."""
    models = {Error}
    for found in operations:
        models.update(_models(found))
    modes = [(model, "validation" if issubclass(model, Body) else "serialization")
             for model in sorted(models, key=lambda m: m.__name__)]
    _keys, top = models_json_schema(modes, ref_template=REF, schema_generator=_Schemas)
    return dict(sorted(top.get("$defs", {}).items()))


def _path(rule: str, found: Operation) -> tuple[str, list[dict]]:
    """The rule as an OpenAPI path, and its path parameters. A path with one object id
    names it {id}, as API.md writes them."""
    variables = _VARIABLE.findall(rule)
    ids = [name for _converter, name in variables if name.endswith("_id")]
    parameters = []

    def rename(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        shown = "id" if ids == [name] else name
        schema = {"type": "integer"} if converter == "int" else {"type": "string"}
        parameters.append({"name": shown, "in": "path", "required": True,
                           "description": found.path.get(name) or VARIABLE_TEXTS.get(name,
                                                                                   name),
                           "schema": schema})
        return "{" + shown + "}"
    return _VARIABLE.sub(rename, rule), parameters


def _query_parameters(model: type[Query] | None) -> list[dict]:
    if model is None:
        return []
    properties = model.model_json_schema(schema_generator=_Schemas)["properties"]
    found = []
    for name, field in model.model_fields.items():
        shown = field.alias or name
        schema = dict(properties[shown])
        parameter = {"name": shown, "in": "query", "required": field.is_required()}
        if "description" in schema:
            parameter["description"] = schema.pop("description")
        parameter["schema"] = schema
        found.append(parameter)
    return found


def _reply(reply: Reply) -> dict:
    answer = {"description": reply.description}
    if reply.headers:
        answer["headers"] = reply.headers
    if reply.model is not None:
        schema = _ref(reply.model)
    elif reply.schema is not None:
        schema = reply.schema()
    elif reply.media_type != "application/json":
        schema = {"type": "string"}
    else:
        return answer  # no body worth describing (a 304, the document itself)
    answer["content"] = {reply.media_type: {"schema": schema}}
    return answer


# Every write may be sent with an Idempotency-Key (consult/api/idempotency.py).
IDEMPOTENT_METHODS = ("post", "put", "patch", "delete")
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "Optional: a key of your own for this request (a UUID, say). Sent again "
                   "with the same key, method, path and body by the same account within "
                   "the time the site keeps keys (IDEMPOTENCY_KEY_HOURS, 24 hours unless set "
                   "otherwise), the request is not processed twice: "
                   "the first successful answer is given again, with the header "
                   "Idempotent-Replayed: true. Only successful answers are kept: after a "
                   "refusal, the same key may be sent with a corrected request. The same "
                   "key with another request: 422 idempotency_key_reused; while a request "
                   "with it is being processed: 409 idempotency_key_in_use; a malformed "
                   "key: 400 idempotency_key_invalid.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255,
               "pattern": "^[\\x20-\\x7e]+$"}}
REPLAYED_HEADER = {"Idempotent-Replayed": {
    "description": "\"true\" when this is the stored answer to an earlier request with the "
                   "same Idempotency-Key (nothing was done again)",
    "schema": {"type": "string", "enum": ["true"]}}}


def _operation(found: Operation, path_parameters: list[dict], method: str = "get") -> dict:
    described = {"summary": found.summary, "operationId": found.operation_id}
    if found.description:
        described["description"] = found.description
    if found.login:
        described["security"] = [{"bearer": []}]
    parameters = path_parameters + _query_parameters(found.query)
    writes = method in IDEMPOTENT_METHODS
    if writes:
        parameters.append(IDEMPOTENCY_KEY)
    if parameters:
        described["parameters"] = parameters
    if found.body is not None:
        described["requestBody"] = {"required": found.body_required, "content": {
            "application/json": {"schema": _ref(found.body)}}}
    responses = {str(status): _reply(reply) for status, reply in found.replies.items()}
    errors = dict(found.errors)
    if writes:
        for status, reply in responses.items():
            if status.startswith("2"):
                reply["headers"] = {**reply.get("headers", {}), **REPLAYED_HEADER}
        errors.setdefault(400, "Invalid input (or a malformed Idempotency-Key)")
        errors.setdefault(409, "Conflict (or a request with the same Idempotency-Key is "
                               "being processed)")
        errors[422] = "The Idempotency-Key was used for another request"
    for status, error in errors.items():
        responses[str(status)] = _reply(error if isinstance(error, Reply)
                                        else Reply(error, Error))
    described["responses"] = dict(sorted(responses.items()))
    return described
