"""Every answer of the JSON API that a test receives is checked against the OpenAPI document
the API publishes (GET /api/v1/openapi.json): the status must be one the operation
declares, and a JSON body must match the schema declared for that status.

Used by tests/conftest.py's test client, so every API test checks the contract as a side
effect; a mismatch fails the test that made the request.
"""

from __future__ import annotations

import functools
import re

from openapi_schema_validator import OAS31Validator

PREFIX = "/api/v1"
# Answers any route may give, whatever the operation declares: the framework's own.
ANY_OPERATION = {"401", "403", "404", "405", "413", "429", "500"}


_DOCUMENT: dict = {}


def _document(app=None) -> dict:
    """The OpenAPI document, in English (built once per run, with the app at hand)."""
    if not _DOCUMENT:
        from consult.api.openapi import build_document
        from consult.api.views import api_routes

        with app.test_request_context("/", headers={"Accept-Language": "en"}):
            _DOCUMENT.update(build_document("http://localhost" + PREFIX, api_routes()))
    return _DOCUMENT


@functools.lru_cache(maxsize=1)
def _operations() -> list[tuple[re.Pattern, str, dict]]:
    """(path pattern, method, operation) for every operation of the document."""
    found = []
    for template, item in _document()["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")
        for method, operation in item.items():
            found.append((pattern, method.upper(), operation))
    return found


def _operation(method: str, path: str) -> dict | None:
    for pattern, declared, operation in _operations():
        if declared == method and pattern.match(path):
            return operation
    return None


def _endpoint(app, method: str, path: str) -> str | None:
    try:
        return app.url_map.bind("localhost").match(path, method=method)[0]
    except Exception:  # no route: werkzeug's NotFound, MethodNotAllowed or a redirect
        return None


def problems(app, method: str, path: str, status: int, content_type: str, body) -> list[str]:
    """What in this answer the OpenAPI document does not declare (empty when it matches)."""
    if not path.startswith(PREFIX + "/"):
        return []
    _document(app)
    method = "GET" if method == "HEAD" else method
    operation = _operation(method, path[len(PREFIX):])
    if operation is None:
        endpoint = _endpoint(app, method, path)
        if status in (404, 405) or not (endpoint or "").startswith("api."):
            return []  # no such address, or a route a test added for itself
        return [f"{method} {path}: {endpoint} is not in the OpenAPI document"]
    responses = operation.get("responses", {})
    declared = responses.get(str(status)) or responses.get("default")
    if declared is None:
        if str(status) in ANY_OPERATION or status in (400, 409) and "error" in (body or {}):
            declared = {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}
        else:
            return [f"{method} {path}: status {status} is not declared"]
    schema = (declared.get("content") or {}).get("application/json", {}).get("schema")
    if schema is None or not content_type.startswith("application/json") or body is None:
        return []
    validator = OAS31Validator({**schema, "components": _document()["components"]})
    return [f"{method} {path} {status}: {'/'.join(map(str, error.absolute_path))}: "
            f"{error.message[:300]}" for error in validator.iter_errors(body)][:40]
