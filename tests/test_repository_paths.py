"""The code and the tests read only files inside the repository: a path of this machine
(the shared data folder, a home directory) works here and fails on anyone else's."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Absolute paths that name someone's machine, and the way out of the repository to the
# shared folder beside it. Debian's /usr/bin/chromium and /tmp are the same everywhere.
OUTSIDE = re.compile(r"^(/work/|/home/|/Users/|/root/)|\.\./shared\b|(^|/)work/shared\b")


def _python_files():
    for folder in ("consult", "tests", "bench", "deploy", "migrations", "config"):
        yield from (ROOT / folder).rglob("*.py")
    yield ROOT / "app.py"


def _outside_paths(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [f"{path.relative_to(root)}:{node.lineno}: {node.value!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and OUTSIDE.search(node.value)
            and not _is_docstring_or_message(node.value)]


def _is_docstring_or_message(value: str) -> bool:
    # Prose may mention the shared folder (where the copies come from); a path is one word.
    return " " in value.strip()


def test_no_code_or_test_names_a_path_outside_the_repository():
    found = [hit for path in _python_files() for hit in _outside_paths(path)]
    assert found == []


def test_the_check_finds_such_a_path(tmp_path):
    sample = tmp_path / "sample.py"
    shared = "/".join(("", "work", "shared", "data"))  # spelt so, or the check finds it
    sample.write_text(f'DATA = "{shared}"\nOTHER = "..{shared[5:]}/cop21"\n'
                      'FINE = "/usr/bin/chromium"\nPROSE = "copied from ../shared/data"\n',
                      encoding="utf-8")
    assert [hit.split(": ", 1)[1] for hit in _outside_paths(sample, tmp_path)] == [
        repr(shared), repr(f"..{shared[5:]}/cop21")]
