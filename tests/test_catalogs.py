"""The six catalogs are complete: every message translated, none fuzzy, placeholders intact,
the template extracted from today's code, and the compiled .mo files up to date."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from consult import i18n_tool
from consult.settings import ROOT

LANGUAGES = ("en",) + i18n_tool.LANGUAGES


def _ids(catalog) -> set:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


@pytest.mark.parametrize("lang", i18n_tool.LANGUAGES)
def test_every_message_is_translated_with_its_placeholders(lang):
    assert i18n_tool.problems(lang) == []


def test_the_checker_catches_what_it_must(tmp_path, monkeypatch):
    """A gap, a fuzzy entry and a lost placeholder are each reported."""
    po = tmp_path / "xx" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "Closed"\nmsgstr ""\n\n'
                  '#, fuzzy\nmsgid "Open"\nmsgstr "Ouvert"\n\n'
                  'msgid "Hello %(name)s"\nmsgstr "Bonjour"\n\n'
                  'msgid "Fine %(n)s"\nmsgstr "Bien %(n)s"\n', encoding="utf-8")
    monkeypatch.setattr(i18n_tool, "CATALOGS", tmp_path)
    found = i18n_tool.problems("xx")
    assert any("untranslated" in p and "Closed" in p for p in found)
    assert any("fuzzy" in p and "Open" in p for p in found)
    assert any("placeholders" in p and "Hello" in p for p in found)
    assert not any("Fine" in p for p in found)


def test_the_template_holds_every_message_of_the_code_and_each_catalog_follows_it(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(pot),
                    "--no-location", "--project", "Consult", "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as handle:
        fresh = _ids(read_po(handle))
    with (ROOT / "consult" / "translations" / "messages.pot").open("rb") as handle:
        committed = _ids(read_po(handle))
    assert fresh - committed == set(), "run pybabel extract (docs/DEVELOPING.md, Translations)"
    for lang in LANGUAGES:
        path = ROOT / "consult" / "translations" / lang / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            assert fresh - _ids(read_po(handle, locale=lang)) == set(), f"pybabel update ({lang})"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalogs_are_up_to_date(lang):
    folder = ROOT / "consult" / "translations" / lang / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    assert (folder / "messages.mo").read_bytes() == compiled.getvalue(), \
        f"run pybabel compile -d consult/translations ({lang})"
