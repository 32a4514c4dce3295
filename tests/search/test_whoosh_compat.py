"""Whoosh's internals are read in one module, which refuses a Whoosh whose internals differ."""

import ast
from pathlib import Path

import pytest
from whoosh.codec.whoosh3 import W3LeafMatcher

from consult.search import whoosh_compat

ROOT = Path(__file__).resolve().parents[2] / "consult"
# Whoosh modules whose contents are internals (the public API is query, qparser, fields,
# columns, analysis, highlight, lang).
INTERNAL_MODULES = ("whoosh.codec", "whoosh.filedb", "whoosh.matching", "whoosh.util",
                    "whoosh.reading", "whoosh.searching", "whoosh.writing", "whoosh.multiproc",
                    "whoosh.support", "whoosh.system")


@pytest.fixture
def unchecked(monkeypatch):
    """The check runs again (it otherwise runs once per process)."""
    monkeypatch.setattr(whoosh_compat, "_checked", False)


def test_the_installed_whoosh_passes(unchecked):
    whoosh_compat.check()
    assert whoosh_compat._checked


def test_a_missing_internal_stops_start_up_with_a_clear_message(unchecked, monkeypatch):
    monkeypatch.delattr(W3LeafMatcher, "_read_ids")
    with pytest.raises(RuntimeError) as raised:
        whoosh_compat.check()
    message = str(raised.value)
    assert f"found Whoosh {whoosh_compat.whoosh_version()}" in message
    assert f"expected whoosh-reloaded {whoosh_compat.EXPECTED_VERSION}" in message
    assert "_read_ids" in message
    assert not whoosh_compat._checked


def test_an_internal_that_answers_differently_stops_start_up(unchecked, monkeypatch):
    monkeypatch.setattr(whoosh_compat, "BYTE_TO_LENGTH", whoosh_compat.BYTE_TO_LENGTH + 1)
    with pytest.raises(RuntimeError, match="field lengths"):
        whoosh_compat.check()


def test_the_app_checks_at_start_up(unchecked, monkeypatch, tmp_path):
    from consult import create_app

    monkeypatch.delattr(W3LeafMatcher, "_next_block")
    with pytest.raises(RuntimeError, match="expected whoosh-reloaded"):
        create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "test-secret", "TESTING": True,
                    "SEARCH_UPDATES": "request"}, instance=tmp_path / "instance")


def _private_accesses(path: Path) -> list[str]:
    """Private attributes read on anything but self/cls, and Whoosh internals imported."""
    found = []
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") \
                and not node.attr.startswith("__"):
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")):
                found.append(f"{path.name}:{node.lineno} .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
            if node.module.startswith(INTERNAL_MODULES):
                found.append(f"{path.name}:{node.lineno} from {node.module}")
            found += [f"{path.name}:{node.lineno} {a.name}" for a in node.names
                      if a.name.startswith("_")]
        elif isinstance(node, ast.Import):
            found += [f"{path.name}:{node.lineno} import {a.name}" for a in node.names
                      if a.name.startswith(INTERNAL_MODULES)]
    return found


def test_no_module_but_the_compat_module_touches_whoosh_internals():
    """In consult/search, no private attribute of anything but self; elsewhere, no import
    of Whoosh's internals (Flask's own `_get_current_object` and the like are not ours)."""
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        if path == ROOT / "search" / "whoosh_compat.py":
            continue
        found = _private_accesses(path)
        if path.parent != ROOT / "search":
            found = [item for item in found if " ." not in item]
        offenders += found
    assert offenders == []


def test_the_guard_sees_private_accesses(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from whoosh.codec.whoosh3 import _lenfield\n"
                      "import whoosh.matching\n"
                      "def f(reader):\n    return reader._perdoc\n")
    assert len(_private_accesses(sample)) == 4


def test_no_process_wide_patch_of_whoosh(tmp_path):
    from whoosh.codec.whoosh3 import W3PerDocReader

    from consult.search.engine import SearchIndex

    before = W3PerDocReader._cached_reader
    index = SearchIndex(tmp_path)
    index.build([{"id": "s1", "text_en": "shelters", "spell": "shelters"}], {"applied_to": 0})
    assert W3PerDocReader._cached_reader is before
    index.delete()
