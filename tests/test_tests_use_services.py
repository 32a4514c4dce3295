"""Tests hide submissions as moderators do, through the services: writing the flags by hand
skips the replies below (`under_hidden`), the search index and the public log, and tests
a state the platform never makes (docs/DEVELOPING.md)."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
FLAGS = {"is_hidden", "under_hidden"}


def _hand_written_flags(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else []
        if any(isinstance(t, ast.Attribute) and t.attr in FLAGS for t in targets):
            found.append(f"{path.name}:{node.lineno}")
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "values" and any(
                k.arg in FLAGS and not (isinstance(k.value, ast.Constant)
                                        and k.value.value is False)
                for k in node.keywords):
            found.append(f"{path.name}:{node.lineno}")
    return found


def test_no_test_sets_the_hidden_flags_by_hand():
    found = [hit for path in TESTS.rglob("*.py") for hit in _hand_written_flags(path)]
    assert found == []


def test_the_check_finds_a_flag_set_by_hand(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("s.is_hidden = True\nq.values(under_hidden=True)\n"
                      "rows.append(dict(is_hidden=False))\n", encoding="utf-8")
    assert _hand_written_flags(sample) == ["sample.py:1", "sample.py:2"]
