"""The API answers what its OpenAPI document declares: every test's API answers are checked
(tests/api_contract.py, through the test client); these tests show the check can fail and
that no route is missing from the document."""

import re

from tests import api_contract


def _shape(template: str) -> str:
    return re.sub(r"\{[^}]+\}|<[^>]+>", "{}", template)


def test_every_api_route_is_in_the_document(app):
    api_contract._document(app)
    documented = {(_shape(path), method.upper())
                  for path, item in api_contract._DOCUMENT["paths"].items() for method in item}
    routes = {(_shape(rule.rule[len(api_contract.PREFIX):]), method)
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert sorted(routes - documented) == []


def test_the_check_refuses_a_body_or_a_status_the_document_does_not_declare(app):
    assert api_contract.problems(app, "GET", "/api/v1/consultations", 200,
                                 "application/json", [{"slug": 1}]) == [
        "GET /api/v1/consultations 200: : [{'slug': 1}] is not of type 'object'"]
    missing = api_contract.problems(app, "GET", "/api/v1/comments/5", 200,
                                    "application/json", {"id": 5})
    assert "GET /api/v1/comments/5 200: : 'kind' is a required property" in missing
    assert api_contract.problems(app, "GET", "/api/v1/comments/5", 418,
                                 "application/json", {}) == [
        "GET /api/v1/comments/5: status 418 is not declared"]


def test_real_answers_match_the_document(client, consultation):
    answer = client.get("/api/v1/consultations")
    assert answer.status_code == 200 and answer.get_json()
    assert api_contract.problems(client.application, "GET", "/api/v1/consultations", 200,
                                 answer.content_type, answer.get_json()) == []
    refused = client.get("/api/v1/versions/999999")
    assert refused.status_code == 404 and refused.get_json()["error"]["code"]
