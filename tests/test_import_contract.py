"""The import contract (docs/DEVELOPING.md, "Layers and the import contract"): packages
depend downwards only, and nothing depends on itself in a circle.

Every module of `consult` has a layer, lowest first:

- base      knows no feature: settings, the database, errors, Markdown, labels, pure text;
- models    tables (each feature's models.py, the change clock, the search outbox writer);
- rules     what every feature may use: permissions, visibility, the public log (audit);
- services  each feature's own work, called by views, the command line and the tests;
- views     routes, forms, page helpers, the API, the request hooks;
- app       what assembles the rest: the app factory, the command line, the demo.

A module imports only modules of its own layer or below (imports inside functions count:
they are how a cycle hides). The components -- a package's modules of one layer, e.g.
comments' services or drafts' views -- import each other without a cycle. A feature's views
never import another feature's views: what two features' pages share lives in
`consult/pages.py`.
"""

from __future__ import annotations

import ast
import fnmatch
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSULT = ROOT / "consult"

LAYERS = ("base", "models", "rules", "services", "views", "app")

# The first pattern a module's dotted name matches gives its layer; anything under a
# feature package that matches none is that feature's services.
LAYER_OF = [
    # base
    ("consult.settings", "base"), ("consult.db", "base"), ("consult.errors", "base"),
    ("consult.extensions", "base"), ("consult.labels", "base"), ("consult.markdown", "base"),
    ("consult.textdiff", "base"), ("consult.urls", "base"), ("consult.languages", "base"),
    ("consult.code_stamp", "base"), ("consult.migrate", "base"),
    ("consult.comments.wording", "base"),  # amendment wording as text: Markdown and diffs
    ("consult.drafts.brackets", "base"),  # what counts as a bracket: Markdown tokens only
    ("consult.api.errors", "base"),
    ("consult.public_url", "base"),
    ("consult.words", "base"),  # words people type, as stored  # the site's address, read by the request handling  # the JSON error body, also used by the web hooks
    # models
    ("consult.*.models", "models"), ("consult.change_clock", "models"),
    ("consult.search.outbox", "models"),  # written in the caller's transaction
    ("consult.notify.events", "models"),  # likewise: one row in the caller's transaction
    # rules
    ("consult.permissions", "rules"), ("consult.visibility", "rules"),
    ("consult.audit", "rules"), ("consult.audit.*", "rules"),
    # views
    ("consult.*.views", "views"), ("consult.*.*_views", "views"), ("consult.*.forms", "views"),
    ("consult.api", "views"), ("consult.api.*", "views"), ("consult.pages", "views"),
    ("consult.web", "views"), ("consult.page_cache", "views"), ("consult.security", "views"),
    ("consult.auth.login", "views"), ("consult.routes", "views"),
    # app
    ("consult", "app"), ("consult.cli", "app"), ("consult.*.cli", "app"),
    ("consult.demo", "app"), ("consult.demo.*", "app"), ("consult.models_registry", "app"),
    ("consult.i18n_tool", "app"),
]

# Views every feature's views may use: the pages two features share, and the app's hooks.
SHARED_VIEWS = {"consult.pages", "consult.web", "consult.page_cache", "consult.security",
                "consult.routes"}


def layer_of(module: str) -> str:
    """The layer a module belongs to (see LAYER_OF)."""
    for pattern, layer in LAYER_OF:
        if fnmatch.fnmatchcase(module, pattern):
            return layer
    return "services"


def component_of(module: str) -> tuple[str, str]:
    """(package or top-level module, layer): the unit that must not be part of a cycle."""
    parts = module.split(".")
    return (".".join(parts[:2]), layer_of(module))


def modules(root: Path = CONSULT) -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> list[tuple[str, int]]:
    """The package's modules this module imports, anywhere in it, with line numbers."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            # `from consult.x import y` imports the module consult.x.y when there is one.
            targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in known
                       else source for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.append((target, node.lineno))
    return found


def import_graph(root: Path = CONSULT) -> dict[str, list[tuple[str, int]]]:
    """module -> [(imported module, line)] for every module under `root`."""
    found = modules(root)
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def upward_imports(graph) -> list[str]:
    """Imports of a higher layer from a lower one."""
    return [f"{name}:{line} ({layer_of(name)}) imports {target} ({layer_of(target)})"
            for name, targets in sorted(graph.items()) for target, line in targets
            if LAYERS.index(layer_of(target)) > LAYERS.index(layer_of(name))]


def component_cycles(graph) -> list[list[tuple[str, str]]]:
    """Groups of components that import each other in a circle (Tarjan's algorithm)."""
    edges = defaultdict(set)
    for name, targets in graph.items():
        for target, _line in targets:
            if component_of(target) != component_of(name):
                edges[component_of(name)].add(component_of(target))
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(set(edges) | {component_of(name) for name in graph}):
        if node not in index:
            visit(node)
    return cycles


def cross_feature_views(graph) -> list[str]:
    """A feature's views importing another feature's views."""
    return [f"{name}:{line} imports {target}"
            for name, targets in sorted(graph.items()) for target, line in targets
            if layer_of(name) == "views" and layer_of(target) == "views"
            and target not in SHARED_VIEWS and name not in SHARED_VIEWS
            and component_of(target)[0] != component_of(name)[0]]


def test_no_module_imports_a_higher_layer():
    assert upward_imports(import_graph()) == []


def test_no_components_import_each_other_in_a_circle():
    assert component_cycles(import_graph()) == []


def test_no_feature_imports_another_features_views():
    assert cross_feature_views(import_graph()) == []


def test_every_module_has_a_layer_that_exists():
    names = modules()
    assert "consult.comments.services" in names and "consult.pages" in names
    assert {layer_of(name) for name in names} <= set(LAYERS)
    assert layer_of("consult.drafts.models") == "models"
    assert layer_of("consult.compilation.views") == "views"
    assert layer_of("consult.drafts.compare_views") == "views"
    assert layer_of("consult.moderation.services") == "services"


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "consult"
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_contract_sees_a_cycle_hidden_in_a_function_and_an_upward_import(tmp_path):
    root = _package(tmp_path, {
        "__init__.py": "",
        "db.py": "def f():\n    from consult.permissions import can\n",
        "permissions.py": "",
        "comments/__init__.py": "",
        "comments/services.py": "from consult.drafts import services\n",
        "comments/views.py": "from consult.drafts.views import bp\n",
        "drafts/__init__.py": "",
        "drafts/services.py": "def g():\n    from consult.comments.services import x\n",
        "drafts/views.py": "",
    })
    graph = import_graph(root)
    assert upward_imports(graph) == [
        "consult.db:2 (base) imports consult.permissions (rules)"]
    assert component_cycles(graph) == [[("consult.comments", "services"),
                                        ("consult.drafts", "services")]]
    assert cross_feature_views(graph) == [
        "consult.comments.views:1 imports consult.drafts.views"]
