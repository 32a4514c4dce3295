"""Proposed wording as readers see it: rendered like the paragraph it replaces, changes marked.

Paragraph text and proposed wording are both Markdown. Both are rendered (inline; raw HTML
off, links validated, as in `consult.markdown`) into styled words: each token of
`consult.textdiff.tokenize` (a word, one CJK character, a space run, a punctuation mark)
with the set of inline formats around it (emphasis, strong, strikethrough, code, link).
The diff runs on the words alone, so `*Urges*` against `*Encourages*` is one replaced
word, not a change of asterisks; then:

- an unchanged word keeps the paragraph's formatting unless the proposal formats it itself
  (the amendment box is filled with the paragraph's plain text: "*Decides*" stays italic
  when a delegate changes another word);
- inserted words take the proposal's formatting, deleted words the paragraph's;
- text the delegate struck through (`~~Encourages~~`) is their own deletion mark: it is
  not part of the proposed wording.

Runs are serialised grouped by (change, formats), each group closing every tag it opens,
so the HTML is balanced whatever the input. The same runs give Word runs (.docx) and plain
text (search, feed). Importable without an application (the data migration uses it).
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import re
from html import escape

from consult.markdown import draft_renderer as _draft
from consult.markdown import user_renderer as _user
from consult.textdiff import tokenize

EQUAL, INSERT, DELETE = "equal", "insert", "delete"
# Inline formats of the Markdown renderer, as (open token, style field).
_FORMATS = {"em_open": "em", "strong_open": "strong", "s_open": "strike"}
_CLOSERS = {"em_close": "em", "strong_close": "strong", "s_close": "strike"}
_USER_REL = "nofollow ugc noopener"


@dataclasses.dataclass(frozen=True)
class Style:
    """The inline formats around a piece of text."""

    em: bool = False
    strong: bool = False
    strike: bool = False
    code: bool = False
    href: str | None = None
    # A link a delegation wrote (rel=nofollow…), not one of the official text.
    user_link: bool = False

    @property
    def plain(self) -> bool:
        """No formatting at all."""
        return self == PLAIN


PLAIN = Style()


@dataclasses.dataclass(frozen=True)
class Run:
    """Text with one style and one change: equal, insert or delete."""

    op: str
    text: str
    style: Style = PLAIN


# --- Markdown to styled tokens ---------------------------------------------------------


def _inline_pieces(children, *, user: bool, drop_struck: bool) -> list[tuple[str, Style]]:
    """(text, style) pieces of one inline token stream."""
    pieces: list[tuple[str, Style]] = []
    state = {"em": 0, "strong": 0, "strike": 0}
    links: list[str | None] = []

    def style(code: bool = False) -> Style:
        href = next((h for h in reversed(links) if h), None)
        return Style(em=state["em"] > 0, strong=state["strong"] > 0,
                     strike=state["strike"] > 0, code=code, href=href,
                     user_link=user and href is not None)

    for token in children or ():
        kind = token.type
        if kind in _FORMATS:
            state[_FORMATS[kind]] += 1
        elif kind in _CLOSERS:
            state[_CLOSERS[kind]] = max(0, state[_CLOSERS[kind]] - 1)
        elif kind == "link_open":
            links.append(token.attrGet("href"))
        elif kind == "link_close":
            if links:
                links.pop()
        elif kind == "text" or kind == "html_inline":
            pieces.append((token.content, style()))
        elif kind == "code_inline":
            pieces.append((token.content, style(code=True)))
        elif kind in ("softbreak", "hardbreak"):
            pieces.append(("\n", style()))
        elif kind == "image":
            # An image of the official text reads as its description.
            pieces.extend(_inline_pieces(token.children, user=user, drop_struck=drop_struck))
    if drop_struck:
        pieces = [(text, s) for text, s in pieces if not s.strike]
    return pieces


def _tokens(pieces: list[tuple[str, Style]]) -> list[tuple[str, Style]]:
    """Pieces split into diff tokens, runs of whitespace collapsed, ends trimmed."""
    merged: list[tuple[str, Style]] = []
    for text, style in pieces:
        if merged and merged[-1][1] == style:
            merged[-1] = (merged[-1][0] + text, style)
        elif text:
            merged.append((text, style))
    tokens: list[tuple[str, Style]] = []
    for text, style in merged:
        for token in tokenize(text):
            if token.isspace():
                if not tokens or tokens[-1][0].isspace():
                    continue  # at the start, or after a space: one space is enough
                token = "\n" if "\n" in token else " "
            tokens.append((token, style))
    while tokens and tokens[-1][0].isspace():
        tokens.pop()
    return tokens


def paragraph_tokens(text: str | None) -> list[tuple[str, Style]]:
    """The styled tokens of an official paragraph's Markdown (as `Paragraph.html` shows it)."""
    pieces: list[tuple[str, Style]] = []
    for token in _draft.parse(text or ""):
        if token.type == "inline":
            if pieces:
                pieces.append(("\n", PLAIN))  # another block of the same paragraph
            pieces.extend(_inline_pieces(token.children, user=False, drop_struck=False))
    return _tokens(pieces)


def proposal_tokens(text: str | None) -> list[tuple[str, Style]]:
    """The styled tokens of proposed wording: inline Markdown, as a delegation wrote it."""
    pieces: list[tuple[str, Style]] = []
    for token in _user.parseInline(text or ""):
        pieces.extend(_inline_pieces(token.children, user=True, drop_struck=True))
    return _tokens(pieces)


def user_tokens(text: str | None) -> list[tuple[str, Style]]:
    """The styled tokens of a delegation's Markdown text (a body, a note), blocks kept apart."""
    pieces: list[tuple[str, Style]] = []
    for token in _user.parse(text or ""):
        if token.type == "inline":
            if pieces:
                pieces.append(("\n", PLAIN))
            pieces.extend(_inline_pieces(token.children, user=True, drop_struck=False))
    return _tokens(pieces)


# --- the comparison --------------------------------------------------------------------


def wording_runs(paragraph_text: str | None, proposed_text: str | None) -> list[Run]:
    """The proposal against the paragraph as styled runs (deletion before insertion)."""
    return diff_runs(paragraph_tokens(paragraph_text), proposal_tokens(proposed_text),
                     keep_old_style=True)


def paragraph_diff_html(old_text: str | None, new_text: str | None) -> str:
    """Two official texts of a paragraph (two versions) as marked HTML on rendered words."""
    return marked_html(diff_runs(paragraph_tokens(old_text), paragraph_tokens(new_text)))


def diff_runs(old: list[tuple[str, Style]], new: list[tuple[str, Style]], *,
              keep_old_style: bool = False) -> list[Run]:
    """Styled tokens of a new text against an old one, compared on their words.

    Unchanged words take the new text's formatting; with `keep_old_style`, the old one's
    where the new text has none (a proposal typed as plain words).
    """
    matcher = difflib.SequenceMatcher(None, [t for t, _ in old], [t for t, _ in new],
                                      autojunk=False)
    runs: list[Run] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for (text, was), (_, now) in zip(old[i1:i2], new[j1:j2]):
                runs.append(Run(EQUAL, text, was if keep_old_style and now.plain else now))
            continue
        runs.extend(Run(DELETE, text, style) for text, style in old[i1:i2])
        runs.extend(Run(INSERT, text, style) for text, style in new[j1:j2])
    return _merged(runs)


def styled_runs(tokens: list[tuple[str, Style]]) -> list[Run]:
    """Tokens of one text, unchanged, as runs."""
    return _merged([Run(EQUAL, text, style) for text, style in tokens])


def _merged(runs: list[Run]) -> list[Run]:
    out: list[Run] = []
    for run in runs:
        if out and out[-1].op == run.op and out[-1].style == run.style:
            out[-1] = Run(run.op, out[-1].text + run.text, run.style)
        else:
            out.append(run)
    return out


def is_unchanged(paragraph_text: str | None, proposed_text: str | None) -> bool:
    """Whether the proposal reads exactly as the paragraph (formatting of words aside)."""
    return [t for t, _ in paragraph_tokens(paragraph_text)] == \
        [t for t, _ in proposal_tokens(proposed_text)]


# --- output ----------------------------------------------------------------------------


def _styled_html(text: str, style: Style) -> str:
    html = escape(text, quote=False)
    if style.code:
        html = f"<code>{html}</code>"
    if style.strike:
        html = f"<s>{html}</s>"
    if style.em:
        html = f"<em>{html}</em>"
    if style.strong:
        html = f"<strong>{html}</strong>"
    if style.href:
        rel = f' rel="{_USER_REL}"' if style.user_link else ""
        html = f'<a href="{escape(style.href, quote=True)}"{rel}>{html}</a>'
    return html


_OP_TAGS = {INSERT: "ins", DELETE: "del"}


def marked_html(runs: list[Run]) -> str:
    """The runs as HTML, deletions in <del>, insertions in <ins>."""
    out: list[str] = []
    for op, group in itertools.groupby(runs, key=lambda r: r.op):
        html = "".join(_styled_html(r.text, r.style) for r in group)
        tag = _OP_TAGS.get(op)
        out.append(f"<{tag}>{html}</{tag}>" if tag else html)
    return "".join(out)


def clean_html(runs: list[Run]) -> str:
    """The runs as HTML without the deleted words or any change marks."""
    kept = _merged([Run(EQUAL, r.text, r.style) for r in runs if r.op != DELETE])
    return "".join(_styled_html(r.text, r.style) for r in kept)


def plain_text(runs: list[Run]) -> str:
    """The runs' text without the deleted words or any formatting."""
    return "".join(r.text for r in runs if r.op != DELETE)


def render_wording(paragraph_text: str | None, proposed_text: str | None) -> tuple[str, str]:
    """(marked HTML, clean HTML) of a proposal on a paragraph; the first is stored."""
    marked = marked_html(wording_runs(paragraph_text, proposed_text))
    return marked, clean_from_marked(marked)


# <del> and <ins> groups are only ever at the top level of the marked HTML, and hold
# escaped text in formatting tags: removing the one and unwrapping the other is exact.
_DELETED = re.compile(r"<del>.*?</del>", re.DOTALL)
_INSERTED = re.compile(r"</?ins>")


def clean_from_marked(marked: str | None) -> str:
    """The clean wording from the stored marked HTML: deletions dropped, insertions kept."""
    return _INSERTED.sub("", _DELETED.sub("", marked or ""))


def paragraph_plain(text: str | None) -> str:
    """An official paragraph's words without Markdown (to start an amendment from)."""
    return plain_text(styled_runs(paragraph_tokens(text)))


def proposal_plain(text: str | None) -> str:
    """Proposed wording without Markdown (search, feeds)."""
    return plain_text(styled_runs(proposal_tokens(text)))


def markdown_plain(text: str | None) -> str:
    """A delegation's Markdown (a body, a note) as plain text, paragraphs on their own lines."""
    return plain_text(styled_runs(user_tokens(text)))


def inline_html(text: str | None) -> str:
    """A short text of a delegation or moderator (a note, a reason) as inline HTML."""
    return clean_html(styled_runs(user_tokens(text)))
