"""Below the views, code does not know there is a request: services, models and the
rules they share take what they need as arguments (a view builds addresses with
url_for and reads request.args; a service is also called from the command line, the
archive export and the tests, where there is no request)."""

import ast
from pathlib import Path

CONSULT = Path(__file__).resolve().parent.parent / "consult"
REQUEST_ONLY = {"request", "url_for", "session", "g"}


def _below_the_views() -> list[Path]:
    found = sorted(CONSULT.rglob("services.py")) + sorted(CONSULT.rglob("models.py"))
    found += [CONSULT / name for name in ("permissions.py", "visibility.py", "errors.py")]
    found += [CONSULT / "drafts" / "compilation.py", CONSULT / "archive" / "export.py",
              CONSULT / "search" / "documents.py", CONSULT / "search" / "engine.py"]
    return found


def _request_imports(path: Path, root: Path = CONSULT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "flask":
            hits += [f"{path.relative_to(root)}:{node.lineno}: {a.name}"
                     for a in node.names if a.name in REQUEST_ONLY]
        if isinstance(node, ast.Attribute) and node.attr in REQUEST_ONLY and \
                isinstance(node.value, ast.Name) and node.value.id == "flask":
            hits.append(f"{path.relative_to(root)}:{node.lineno}: flask.{node.attr}")
    return hits


def test_services_models_and_rules_never_read_the_request():
    modules = _below_the_views()
    assert all(path.exists() for path in modules)
    assert [hit for path in modules for hit in _request_imports(path)] == []


def test_the_check_sees_a_request_import(tmp_path):
    sample = tmp_path / "services.py"
    sample.write_text("from flask import current_app, url_for\nimport flask\n"
                      "x = flask.request.args\n", encoding="utf-8")
    hits = [hit.split(": ", 1)[1] for hit in _request_imports(sample, tmp_path)]
    assert hits == ["url_for", "flask.request"]

