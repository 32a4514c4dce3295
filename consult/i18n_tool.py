"""Work on the translation catalogs: list what is untranslated, apply translations, check.

    python -m consult.i18n_tool todo LANG [--limit N]   untranslated or fuzzy messages (JSON)
    python -m consult.i18n_tool apply LANG FILE.json    {"msgid": "msgstr" or [plural forms]}
    python -m consult.i18n_tool check [LANG ...]         exit 1 on any gap or placeholder slip

`check` is what CI runs (through tests/test_catalogs.py): every message translated, none
fuzzy, and every translation using exactly the placeholders of its source.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOGS = Path(__file__).parent / "translations"
LANGUAGES = ("fr", "es", "ru", "ar", "zh")
# %(name)s, %(num)d, %%, and the rare positional %s / %d.
_PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[sdif%]")


def catalog_path(lang: str) -> Path:
    """The .po file of one language."""
    return CATALOGS / lang / "LC_MESSAGES" / "messages.po"


def load(lang: str):
    """Read one language's catalog."""
    with catalog_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang)


def save(lang: str, catalog) -> None:
    """Write one language's catalog back, wrapped as pybabel writes it."""
    with catalog_path(lang).open("wb") as handle:
        write_po(handle, catalog, width=76, omit_header=False)


def placeholders(text: str) -> list[str]:
    """The placeholders of a message, sorted (order may change between languages)."""
    return sorted(p for p in _PLACEHOLDER.findall(text or "") if p != "%%")


def problems(lang: str) -> list[str]:
    """Every untranslated, fuzzy or placeholder-changing message of one language."""
    found = []
    for message in load(lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strs = message.string if isinstance(message.string, tuple) else (message.string,)
        name = ids[0][:70]
        if message.fuzzy:
            found.append(f"{lang}: fuzzy: {name!r}")
        if not all(strs) or not strs:
            found.append(f"{lang}: untranslated: {name!r}")
            continue
        wanted = placeholders(ids[-1]) if len(ids) > 1 else placeholders(ids[0])
        for form in strs:
            got = placeholders(form)
            # A plural form may leave out the number (Arabic "one" and "two", Chinese
            # never needs it twice), but may never bring a placeholder the source lacks.
            allowed = set(placeholders(ids[0])) | set(wanted)
            if len(ids) > 1:
                if not set(got) <= allowed or (set(wanted) - {"%(num)d"}) - set(got):
                    found.append(f"{lang}: placeholders {got} ≠ {wanted}: {name!r}")
            elif got != wanted:
                found.append(f"{lang}: placeholders {got} ≠ {wanted}: {name!r}")
    return found


def todo(lang: str, limit: int) -> list[dict]:
    """Untranslated or fuzzy messages, with what a translator needs to know."""
    out = []
    catalog = load(lang)
    for message in catalog:
        if not message.id:
            continue
        strs = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strs):
            entry = {"msgid": message.id[0] if isinstance(message.id, tuple) else message.id}
            if isinstance(message.id, tuple):
                entry["msgid_plural"] = message.id[1]
                entry["plural_forms"] = catalog.num_plurals
            if message.fuzzy and any(strs):
                # pybabel's guess from a similar message: a start, to be checked.
                entry["fuzzy_guess"] = list(strs) if len(strs) > 1 else strs[0]
            out.append(entry)
        if len(out) >= limit:
            break
    return out


def apply(lang: str, translations: dict) -> list[str]:
    """Write translations (msgid → string, or list of plural forms) into the catalog."""
    catalog = load(lang)
    errors = []
    for msgid, string in translations.items():
        message = catalog.get(msgid)
        if message is None:
            # Plural messages are keyed by their singular id too.
            message = next((m for m in catalog if isinstance(m.id, tuple) and m.id[0] == msgid), None)
        if message is None:
            errors.append(f"no such msgid: {msgid[:70]!r}")
            continue
        if isinstance(message.id, tuple):
            if not isinstance(string, list) or len(string) != catalog.num_plurals:
                errors.append(f"needs {catalog.num_plurals} plural forms: {msgid[:70]!r}")
                continue
            message.string = tuple(string)
        else:
            if not isinstance(string, str):
                errors.append(f"needs a string: {msgid[:70]!r}")
                continue
            message.string = string
        message.flags.discard("fuzzy")
    save(lang, catalog)
    return errors + [p for p in problems(lang) if "untranslated" not in p]


def main(argv: list[str]) -> int:
    """Command-line entry point."""
    if not argv:
        print(__doc__)
        return 2
    verb, rest = argv[0], argv[1:]
    if verb == "todo":
        limit = int(rest[rest.index("--limit") + 1]) if "--limit" in rest else 10_000
        print(json.dumps(todo(rest[0], limit), ensure_ascii=False, indent=1))
        return 0
    if verb == "apply":
        errors = apply(rest[0], json.loads(Path(rest[1]).read_text(encoding="utf-8")))
        print("\n".join(errors) or "ok")
        remaining = len(todo(rest[0], 100_000))
        print(f"{remaining} messages still to translate")
        return 1 if errors else 0
    if verb == "check":
        found = [p for lang in (rest or LANGUAGES) for p in problems(lang)]
        print("\n".join(found) or "every catalog complete")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
