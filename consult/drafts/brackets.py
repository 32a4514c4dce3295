"""Square brackets in a draft: what counts as one, and marking bracketed text when rendered.

Pure Python, no Flask and no database: it reads the token stream of markdown-it (the
renderer `consult.markdown` configures), so that what counts as a bracket is exactly what
a reader sees as one.

What is a bracket
-----------------
In a negotiating text, square brackets hold wording that is not agreed yet, and nest:
``[[domestic laws],[policies]]`` holds three bracketed passages. A *bracketed passage* is
a pair of an opening ``[`` and the closing ``]`` that matches it; nested pairs count each
(``[a [b]]`` is two). These are **not** brackets:

* the brackets of Markdown links and images: ``[text](url)``, ``![alt](src)``, and
  reference links ``[text][ref]``, ``[ref][]``, ``[ref]`` whose ``ref`` is defined (in
  the paragraph or, as the services pass them, anywhere in the version); an undefined
  ``[a][b]`` is two bracketed passages, as in "In [furtherance][pursuit] of";
* footnote marks ``[^1]``, ``[^note]`` (the COP21 texts mark footnotes so, and bracket a
  footnote mark as ``[[^9]]``: one bracketed passage) and footnote definitions
  ``[^1]: …`` (their text may hold brackets, which count);
* link reference definitions ``[ref]: url`` (Markdown consumes them);
* escaped brackets ``\\[`` ``\\]`` and character references ``&#91;``, and the bracket
  that closes an escaped one (``\\[sic]``: the writer said it is not a bracket);
* anything in code: code spans, fenced and indented code blocks, autolinks ``<http://…>``.

Pairs are matched per paragraph, innermost first, as a reader would: an opening bracket
never closed in the paragraph is *unclosed*, a closing bracket with nothing open is
*stray*. A passage that runs over several paragraphs (UN texts bracket a run of
paragraphs) is therefore counted in none of them, and both ends are reported:
`version_brackets` pairs such ends across the paragraphs of a version, so that a warning
can say where the bracket closes. A paragraph's count depends on its own text only.

Everything is linear in the length of the text and uses no recursion: a thousand nested
levels or half a million brackets are read like any text.

Marking
-------
`bracket_plugin` adds a core rule to a markdown-it renderer that wraps each bracketed
passage in ``<span class="bracketed">`` (nested passages nest, up to `MARKED_DEPTH`
levels, deeper ones are marked by their brackets alone) and each of its brackets in
``<span class="bracket">``; the brackets themselves stay in the text. A passage that
crosses emphasis or a link (``*[Taking* account]``) is closed before and opened again
after each tag, so the HTML stays well formed. Unclosed and stray brackets stay plain
text, and so does a paragraph of more than `MARKED_BRACKETS` brackets. The rendered HTML carries no words of its own: pages add what screen readers say
(`OPEN_MARK`, `CLOSE_MARK`), in the reader's language, when they print it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

__all__ = ["Brackets", "CLOSE_MARK", "MARKED_BRACKETS", "MARKED_DEPTH", "OPEN_MARK",
           "Unbalanced", "VersionBrackets", "bracket_plugin", "brackets_of",
           "version_brackets"]

# Nested passages deeper than this are marked by their brackets only: browsers and XML
# parsers limit how deep elements may nest (libxml2 refuses 256 levels).
MARKED_DEPTH = 6
# A paragraph with more brackets than this is shown unmarked (and counted all the same):
# each mark adds some forty characters of HTML, half a million brackets 15 MB.
MARKED_BRACKETS = 10_000
OPEN_MARK = '<span class="bracket">[</span>'
CLOSE_MARK = '<span class="bracket">]</span>'
_PASSAGE_OPEN = '<span class="bracketed">'
_PASSAGE_CLOSE = "</span>"

_BRACKET = re.compile(r"[\[\]]")
# A footnote mark or the start of a footnote definition: "[^1]", "[^note]".
_FOOTNOTE_MARK = re.compile(r"\[\^[^\[\]\s]+\]")
ENV_KEY = "brackets"  # where the rule leaves its findings in markdown-it's env


@dataclass(frozen=True)
class Brackets:
    """The bracketed passages of one text."""

    count: int = 0  # pairs matched in the text, nested pairs included
    unclosed: int = 0  # opening brackets never closed in it
    stray: int = 0  # closing brackets with nothing open
    depth: int = 0  # deepest nesting of pairs

    @property
    def is_balanced(self) -> bool:
        """Every bracket of the text has its pair in it."""
        return not self.unclosed and not self.stray


class _Event(NamedTuple):
    inline: int  # index of the inline token (a block of the text)
    child: int  # index of the text token among its children
    offset: int  # position of the bracket in the text token's content
    char: str  # "[" or "]"
    literal: bool = False  # escaped ("\\[") or a character reference: never counted


def _bracket_events(tokens: list[Token]) -> list[_Event]:
    """Every bracket a reader sees as one, in reading order (see the module docstring)."""
    events: list[_Event] = []
    inlines = [token for token in tokens if token.type == "inline"]
    for inline_index, inline in enumerate(inlines):
        in_autolink = False
        for child_index, child in enumerate(inline.children or ()):
            if child.type == "link_open" and child.markup == "autolink":
                in_autolink = True
            elif child.type == "link_close" and in_autolink:
                in_autolink = False
            if child.type == "text_special" and child.content in ("[", "]"):
                # "\\[" or "&#91;": a literal bracket, which pairs but never counts.
                events.append(_Event(inline_index, child_index, 0, child.content, True))
                continue
            # Code and images are tokens of their own, not "text".
            if child.type != "text" or in_autolink:
                continue
            content = child.content
            position = 0
            for match in _BRACKET.finditer(content):
                if match.start() < position:
                    continue  # inside a footnote mark
                if match.group() == "[":
                    footnote = _FOOTNOTE_MARK.match(content, match.start())
                    if footnote:
                        position = footnote.end()
                        continue
                events.append(_Event(inline_index, child_index, match.start(), match.group()))
    return events


def _pair(events: list[_Event]) -> tuple[dict[int, int], list[int], list[int]]:
    """(opening index → closing index, unclosed indexes, stray indexes), by a stack.

    Literal brackets take part in the pairing (the "]" of "\\[sic]" closes the literal
    one) but are never counted, nor is a bracket they pair with.
    """
    pairs: dict[int, int] = {}
    stack: list[int] = []
    stray: list[int] = []
    for index, event in enumerate(events):
        if event.char == "[":
            stack.append(index)
        elif event.literal:
            if stack and events[stack[-1]].literal:
                stack.pop()
        elif stack:
            opener = stack.pop()
            if not events[opener].literal:
                pairs[opener] = index
        else:
            stray.append(index)
    return pairs, [index for index in stack if not events[index].literal], stray


def _summary(events: list[_Event], pairs: dict[int, int], unclosed: list[int],
             stray: list[int]) -> Brackets:
    depth = deepest = 0
    closers = set(pairs.values())
    for index in range(len(events)):
        if index in pairs:
            depth += 1
            deepest = max(deepest, depth)
        elif index in closers:
            depth -= 1
    return Brackets(count=len(pairs), unclosed=len(unclosed), stray=len(stray), depth=deepest)


def _html(text: str) -> Token:
    token = Token("html_inline", "", 0)
    token.content = text
    return token


def _mark(tokens: list[Token], events: list[_Event], pairs: dict[int, int]) -> None:
    """Rewrite the inline tokens: passages in spans, brackets in spans (module docstring)."""
    closers = set(pairs.values())
    # What happens at each bracket: +1 opens a passage, -1 closes one, 0 stays text.
    by_place: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for index, event in enumerate(events):
        if event.literal:
            continue
        role = 1 if index in pairs else -1 if index in closers else 0
        by_place.setdefault((event.inline, event.child), []).append((event.offset, role))
    inlines = [token for token in tokens if token.type == "inline"]
    depth = 0  # passages open at this point of the text
    for inline_index, inline in enumerate(inlines):
        children = inline.children or []
        out: list[Token] = []
        # A passage open at the end of a block goes on in the next (a list item, a cell).
        if depth:
            out.append(_html(_PASSAGE_OPEN * min(depth, MARKED_DEPTH)))
        for child_index, child in enumerate(children):
            places = by_place.get((inline_index, child_index))
            if places is None:
                if child.nesting and depth:
                    # A tag inside a passage: close the passage's spans around it.
                    spans = min(depth, MARKED_DEPTH)
                    out.extend((_html(_PASSAGE_CLOSE * spans), child,
                                _html(_PASSAGE_OPEN * spans)))
                else:
                    out.append(child)
                continue
            html: list[str] = []
            content = child.content
            at = 0
            for offset, role in places:
                html.append(escapeHtml(content[at:offset]))
                at = offset + 1
                if role > 0:
                    depth += 1
                    html.append((_PASSAGE_OPEN if depth <= MARKED_DEPTH else "") + OPEN_MARK)
                elif role < 0:
                    html.append(CLOSE_MARK + (_PASSAGE_CLOSE if depth <= MARKED_DEPTH else ""))
                    depth -= 1
                else:
                    html.append(escapeHtml(content[offset]))
            html.append(escapeHtml(content[at:]))
            out.append(_html("".join(html)))
        if depth:
            out.append(_html(_PASSAGE_CLOSE * min(depth, MARKED_DEPTH)))
        inline.children = out


def _bracket_rule(state: StateCore) -> None:
    """The core rule: count the brackets (into env) and mark them in the tokens."""
    events = _bracket_events(state.tokens)
    pairs, unclosed, stray = _pair(events)
    state.env[ENV_KEY] = _summary(events, pairs, unclosed, stray)
    if events and len(events) <= MARKED_BRACKETS:
        _mark(state.tokens, events, pairs)


def bracket_plugin(md) -> None:
    """Mark bracketed passages in what `md` renders; its env gets `Brackets` ("brackets")."""
    # Before "text_join", which would merge escaped brackets back into plain text.
    md.core.ruler.before("text_join", "brackets", _bracket_rule)


def brackets_of(env: dict) -> Brackets:
    """The findings the rule left in a markdown-it env (none if it did not run)."""
    return env.get(ENV_KEY) or Brackets()


# --- across the paragraphs of a version -------------------------------------------------


@dataclass(frozen=True)
class Unbalanced:
    """One paragraph whose brackets do not balance, and where its loose ends go."""

    label: str
    unclosed: int
    stray: int
    closes_in: tuple[str, ...] = ()  # paragraphs after it where its unclosed ones close
    opened_in: tuple[str, ...] = ()  # paragraphs before it where its stray ones open


@dataclass
class VersionBrackets:
    """The brackets of a version: its total and the paragraphs that do not balance."""

    total: int = 0
    unbalanced: list[Unbalanced] = field(default_factory=list)


def version_brackets(paragraphs: list[tuple[str, Brackets]]) -> VersionBrackets:
    """Sum the counts of (label, Brackets) in reading order and name what does not balance.

    An unclosed bracket of one paragraph and a stray one of a later paragraph are paired
    as a reader would pair them (a passage over several paragraphs), so that a warning
    can say where the bracket closes; both paragraphs are still named.
    """
    result = VersionBrackets(total=sum(found.count for _label, found in paragraphs))
    closes_in: dict[str, list[str]] = {}
    opened_in: dict[str, list[str]] = {}
    open_labels: list[str] = []  # one entry per bracket left open, innermost last
    for label, found in paragraphs:
        # A paragraph's stray brackets all come before its unclosed ones: a closing
        # bracket after an unclosed one would have closed it.
        for _ in range(found.stray):
            if open_labels:
                opener = open_labels.pop()
                closes_in.setdefault(opener, []).append(label)
                opened_in.setdefault(label, []).append(opener)
        open_labels.extend([label] * found.unclosed)
    for label, found in paragraphs:
        if not found.is_balanced:
            result.unbalanced.append(Unbalanced(
                label, found.unclosed, found.stray,
                tuple(dict.fromkeys(closes_in.get(label, ()))),
                tuple(dict.fromkeys(opened_in.get(label, ())))))
    return result
