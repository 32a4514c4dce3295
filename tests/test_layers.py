"""Below the views, code does not know there is a request: services, models and the
rules they share take what they need as arguments (a view builds addresses with
url_for and reads request.args; a service is also called from the command line, the
archive export and the tests, where there is no request)."""

import ast
from pathlib import Path

from tests.test_import_contract import LAYERS, layer_of, modules

CONSULT = Path(__file__).resolve().parent.parent / "consult"
REQUEST_ONLY = {"request", "url_for", "session", "g"}


# The one module below the views that looks at the request, and why.
KNOWS_THE_REQUEST = {
    # SQLite: a request that changes data takes the write lock when its transaction begins.
    "consult.db",
}


def _below_the_views() -> list[Path]:
    """Every module whose layer (tests/test_import_contract.py) is below the views."""
    return [path for name, path in modules().items()
            if LAYERS.index(layer_of(name)) < LAYERS.index("views")
            and name not in KNOWS_THE_REQUEST]


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
    below = _below_the_views()
    names = {path.relative_to(CONSULT).as_posix() for path in below}
    assert {"compilation/services.py", "archive/export.py", "search/engine.py",
            "audit/services.py", "permissions.py", "visibility.py"} <= names
    assert [hit for path in below for hit in _request_imports(path)] == []


def test_the_check_sees_a_request_import(tmp_path):
    sample = tmp_path / "services.py"
    sample.write_text("from flask import current_app, url_for\nimport flask\n"
                      "x = flask.request.args\n", encoding="utf-8")
    hits = [hit.split(": ", 1)[1] for hit in _request_imports(sample, tmp_path)]
    assert hits == ["url_for", "flask.request"]

