"""Word-level differences between two texts, marked up as <ins>/<del> HTML.

`tokenize` also splits the rendered words of proposed amendments
(`consult/comments/wording.py`, which diffs words with their formatting); `diff_words`
diffs plain text as it is. Tokens respect scripts written without spaces: each Chinese
or Japanese character is its own token, so a changed word in a Chinese sentence is marked
alone rather than the whole sentence.
"""

from __future__ import annotations

import difflib
import re
from html import escape

# One token is: a run of letters/digits in a spaced script (Latin, Cyrillic, Arabic…,
# with combining marks), or one CJK ideograph/kana, or a run of whitespace, or any
# other single character (punctuation).
_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_TOKEN = re.compile(
    rf"[{_CJK}]"
    rf"|(?:(?![{_CJK}])[\w\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed])+"
    r"|\s+"
    r"|.",
    re.DOTALL,
)


def tokenize(text: str) -> list[str]:
    """Split text into words, single CJK characters, whitespace runs and punctuation."""
    return _TOKEN.findall(text or "")


def diff_segments(old: str, new: str) -> list[tuple[str, str]]:
    """`new` against `old` as (op, text) runs, op being equal, delete or insert.

    A replaced stretch gives its deletion first, then its insertion, as readers expect
    ("shall" struck through, then "should").
    """
    a, b = tokenize(old), tokenize(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    segments: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(("delete", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(("insert", "".join(b[j1:j2])))
    return segments


_TAGS = {"delete": "del", "insert": "ins"}


def diff_words(old: str, new: str) -> str:
    """HTML of `new` against `old`: deletions in <del>, insertions in <ins>, all escaped."""
    out: list[str] = []
    for op, text in diff_segments(old, new):
        escaped = escape(text, quote=False)
        out.append(escaped if op == "equal" else f"<{_TAGS[op]}>{escaped}</{_TAGS[op]}>")
    return "".join(out)


def has_changes(old: str, new: str) -> bool:
    """Whether the two texts differ in anything but surrounding whitespace."""
    return (old or "").strip() != (new or "").strip()
