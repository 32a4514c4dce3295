"""What a page reader asked for about a version's text: its language, and the one beside it."""

from __future__ import annotations

import re
import unicodedata

from flask import request, url_for
from flask_babel import get_locale, gettext

from consult.drafts.translations import choose_texts, common_languages


def text_choice(version, paragraph_ids: list[int] | None = None) -> dict:
    """The languages the reader asked to read a version's text in (?text=, ?beside=).

    With `paragraph_ids` (a paragraph's page), the translations of their chapeau and
    sub-paragraphs come too: the page shows them in context."""
    if paragraph_ids is not None:
        wanted = set(paragraph_ids)
        for paragraph in version.paragraphs:
            if paragraph.id in wanted:
                chapeau, children = paragraph_family(version, paragraph)
                paragraph_ids = list(paragraph_ids) + [p.id for p in children] + (
                    [chapeau.id] if chapeau else [])
    return choose_texts(version, request.args.get("text"), request.args.get("beside"),
                        str(get_locale() or "en"), paragraph_ids)


def shared_text_choice(*versions) -> dict:
    """The text language asked with ?text= if every one of these versions has it (else
    their originals), and the languages they all have, for a page's language bar."""
    available = common_languages(*versions)
    asked = request.args.get("text")
    return {"available": available, "text_lang": asked if asked in available else None}


# --- finding a paragraph by what a reader typed ("op4", "OP 4", "4", "2(a)") ----------------

# The longest label a reader could mean; anything longer is not looked at.
MAX_TYPED_LABEL = 100


def _tight(text: str) -> str:
    """A label as compared: full-width forms folded (ＯＰ４), no spaces, upper case,
    anchors read as labels (OP9_a → OP9(A)), a trailing full stop dropped ("3.")."""
    text = unicodedata.normalize("NFKC", text).upper()
    text = "".join(text.split()).lstrip("#¶§").rstrip(".")
    return re.sub(r"_([^_()]+)", r"(\1)", text)


def _loose(text: str) -> str:
    """A label with its brackets dropped: "OP2(A)" and "OP2A" read alike."""
    return re.sub(r"[()]", "", text)


def find_paragraph(paragraphs, typed: str | None):
    """The paragraph a reader means by a typed label, or None.

    The exact label first (case, spaces and full-width forms aside), then the label with
    "OP" put in front of a bare number ("4", "2(a)"), then the same without brackets
    ("2a"), which must name a single paragraph.
    """
    if not typed or len(typed) > MAX_TYPED_LABEL:
        return None
    wanted = _tight(typed)
    if not wanted:
        return None
    candidates = [wanted]
    if wanted[:1].isdigit():
        candidates.append("OP" + wanted)
    by_label = {_tight(p.label): p for p in paragraphs}
    for candidate in candidates:
        if candidate in by_label:
            return by_label[candidate]
    for candidate in candidates:
        found = [p for label, p in by_label.items() if _loose(label) == _loose(candidate)]
        if len(found) == 1:
            return found[0]
    return None


def jump_request(version) -> tuple[str | None, str | None]:
    """What ?to= on a version page asks: (the address of the paragraph named, None), or
    (None, a message saying there is no such paragraph); (None, None) when nothing was asked.
    The text language chosen (?text=, ?beside=) is kept."""
    typed = request.args.get("to")
    if typed is None or not typed.strip():
        return None, None
    found = find_paragraph(version.paragraphs, typed)
    if found is None:
        return None, gettext("%(version)s has no paragraph %(label)s.",
                             version=version.label, label=typed.strip()[:MAX_TYPED_LABEL])
    keep = {name: request.args[name] for name in ("text", "beside") if request.args.get(name)}
    return url_for("drafts.version", slug=version.consultation.slug, version_id=version.id,
                   **keep) + "#" + found.anchor, None


def paragraph_family(version, paragraph) -> tuple[object | None, list]:
    """The chapeau a sub-paragraph belongs to (OP3 for OP3(a)), and the sub-paragraphs of a
    paragraph (OP3(a), OP3(a)(i), OP3(b) for OP3), in the order of the text."""
    chapeau = None
    if paragraph.parent_label:
        chapeau = next((p for p in version.paragraphs if p.label == paragraph.parent_label),
                       None)
    prefix = paragraph.label + "("
    children = [p for p in version.paragraphs if p.label.startswith(prefix)]
    return chapeau, children
