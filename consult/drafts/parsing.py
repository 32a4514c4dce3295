"""Turn a UN draft written in Markdown into an ordered list of labelled paragraphs.

Pure Python, no Flask and no database: ``parse_draft(text)`` returns a list of
:class:`ParsedParagraph` and ``render_draft_markdown(paragraphs)`` turns such a list back
into Markdown that parses to the same kinds, labels and texts.

How a draft is read
-------------------
The text is cut into Markdown blocks (paragraphs separated by blank lines, list items,
headings, tables, bullet lists, fenced code), then each block is classified:

* **Headings** (``#`` … ``######`` and setext ``===``/``---`` underlines) are kind
  ``"heading"``, labelled ``H1``, ``H2``… in order of appearance.
* **Preambular paragraphs**: every unnumbered block before the first numbered paragraph is
  kind ``"preambular"``, labelled ``PP1``, ``PP2``… in order.
* **Operative paragraphs**: a block starting with a number marker (``12. ``, ``12) ``,
  full-width ``１２．``, ``12、``, a Chinese numeral ``十二、``, Arabic ``12 - ``) is kind
  ``"operative"``, labelled ``OP`` + its printed number (``OP12``), whether or not the
  numbering skips or restarts. ``number`` holds the number in ASCII digits (``"12"``); the
  marker is stripped from ``text``. As in CommonMark, a number other than 1 at the start of
  a line inside an unnumbered paragraph is text ("…held in\n2005. …"), unless it is the
  next paragraph number (or a bis/ter of the last one).
* **Inserted paragraphs** ("bis", "ter"…): ``7 bis.``, ``7bis.``, ``7-bis.``, ``7 bis)``
  and the Latin ordinal adverbs up to ``duodecies`` (``ter``, ``quater``, ``quinquies``,
  ``sexies``, ``septies``, ``octies``, ``novies``/``nonies``, ``decies``, ``undecies``),
  as English, French and Spanish UN texts print them; Russian ``7 бис.``, ``7-бис.``,
  ``7 тер.``, ``7 кватер.`` (and the Latin words); Arabic ``7 مكررا -`` for bis and
  ``7 مكررا ثانيا -`` for ter, ``ثالثا`` for quater… (with or without tanwin); Chinese
  ``7之二.``, ``7 之二``, ``７之二．`` for bis, ``之三`` for ter… (Rome Statute article 8
  bis is 第八条之二). They are operative paragraphs numbered ``"7bis"`` and labelled
  ``OP7bis`` in every language, so the labels of translations line up; their
  sub-paragraphs are ``OP7bis(a)``; ``render_draft_markdown`` writes them ``7 bis.``.
  The numbering check expects ``8`` or ``7bis`` after ``7``, ``8`` or ``7ter`` after
  ``7bis``. Lettered sub-paragraphs inserted as "(a bis)" are not recognised.
* **Sub-paragraphs** inside an operative paragraph: ``(a)``, ``(b)``… (also ``（a）``,
  ``(aa)``, ``a)``, Cyrillic and Arabic letters) are kind ``"subparagraph"`` labelled
  ``OP9(a)``; ``(i)``, ``(ii)``… after a
  lettered item are a deeper level (``OP9(a)(i)``; ``(i)`` right after ``(h)`` stays a
  letter); a numbered list item indented under an operative paragraph (Markdown nested
  list, as in the COP21 texts) is a sub-paragraph numbered ``"1"`` labelled ``OP7(1)``, and
  ``(1)`` is read the same way. ``parent_label`` is always the label of the enclosing
  *operative* paragraph.
* **Unnumbered blocks after the first operative paragraph** are continuation text of the
  paragraph (operative or sub-paragraph) just before them: they are appended to its text
  after a blank line. Three exceptions start a separate, unnumbered paragraph instead (kind
  ``"preambular"``, next ``PP`` number, i.e. "preambular" means "unnumbered"):

  - the block follows a heading (e.g. the chapeau of an article, "**Option 1:**" right
    under "Article 2"), and so do further unnumbered blocks until the next numbered one;
  - the block is a chapeau: not indented, ends with ``:``, and is followed directly by a
    top-level numbered paragraph (a new list: "Option 2:" followed by "1. …");
  - footnote definitions (``[^1]: …``) and link reference definitions (``[x]: url``).

  An indented block (4+ spaces, i.e. Markdown content of the item/footnote above) is
  always continuation text of the paragraph before it. A block that ends with a
  paragraph-key marker ``⟦¶ key⟧`` (put there by the browser editor) ends its paragraph:
  no unnumbered text after it is ever appended to it.
* **Unique labels**: when an operative number repeats in a document (COP21 articles restart
  at 1), every operative paragraph that sits under a heading is prefixed with that section:
  ``Art.2-OP1`` for paragraph 1 under "Article 2" (``Sec.``, ``Ch.``, ``Part.``,
  ``Annex.``, ``App.`` likewise; Chinese ``第二条`` gives ``Art.2``; ``I. Title`` gives
  ``I``; otherwise the heading's own label, ``H5-OP1``). A label that is still taken gets
  ``-2``, ``-3``… appended (``Art.3-OP1-2``). Sub-paragraph labels are built from their
  parent's final label. Labels are therefore unique within a document.

A text without a single blank line (typical of text pasted from a word processor) is read
one paragraph per line.

What is skipped: YAML front matter at the top, HTML comments, kramdown markup lines
(``{:toc}``, ``{:.no_toc}``, ``* TOC``), thematic breaks (``---``) and blank lines. What is
kept: the Markdown source of each paragraph exactly (emphasis, links, [square brackets],
any script), except that line endings become ``\\n``, trailing whitespace is removed from
each line, the structural indentation common to a block's lines is removed, the
number/letter marker is stripped (it lives in ``number``), and blocks joined into one
paragraph are separated by exactly one blank line.

Text extracted from PDFs (e.g. the Chinese resolution in shared data) often hard-wraps a
paragraph into lines separated by blank lines. A block that contains CJK characters and
does not end with punctuation (ignoring trailing footnote-number lines) is therefore joined
with the next plain block into the same unnumbered paragraph. Footnote text and page
numbers of such extracts are not removed (no text is ever dropped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "DraftError",
    "MAX_DRAFT_CHARS",
    "MAX_PARAGRAPHS",
    "NumberingWarning",
    "ParsedParagraph",
    "label_scheme",
    "numbering_warnings",
    "number_parts",
    "parse_draft",
    "printed_number",
    "render_draft_markdown",
    "HEADING",
    "PREAMBULAR",
    "OPERATIVE",
    "SUBPARAGRAPH",
]

MAX_DRAFT_CHARS = 500_000
MAX_PARAGRAPHS = 2000

HEADING = "heading"
PREAMBULAR = "preambular"
OPERATIVE = "operative"
SUBPARAGRAPH = "subparagraph"


class DraftError(ValueError):
    """The text cannot be used as a draft; the message is meant for the user.

    `reason` names the problem so the web layer can show the message in the reader's
    language: not_text, too_long, nul, empty, no_paragraphs, too_many_paragraphs.
    """

    def __init__(self, message: str, reason: str = "invalid"):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ParsedParagraph:
    kind: str  # "heading", "preambular", "operative", "subparagraph"
    label: str  # unique in the document: "PP3", "OP12", "OP9(a)", "H2", "Art.2-OP1"
    number: str | None = None  # operative number "12"; sub-paragraph letter "b"
    text: str = ""  # the paragraph's Markdown source, marker stripped
    parent_label: str | None = None  # sub-paragraphs: label of the operative paragraph
    heading_level: int | None = None  # headings: 1..6
    # 1-based line of the input where the paragraph starts (not part of equality).
    line: int | None = field(default=None, compare=False)


# --- line-level patterns ------------------------------------------------------------------

_CJK_CHARS = "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff" \
             "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_RE = re.compile(f"[{_CJK_CHARS}]")
_SPACE = "[ \t\u3000]"

_ATX_RE = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT_RE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_THEMATIC_RE = re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_KRAMDOWN_RE = re.compile(r"^[ \t]*(?:\{:[^}]*\}|\{::[^}]*\}|\{:/[^}]*\})[ \t]*$")
_TOC_RE = re.compile(r"^[ \t]*(?:[*+-]|1\.)[ \t]+TOC[ \t]*$")
_DEF_RE = re.compile(r"^ {0,3}\[[^\]\n]+\]:(?:[ \t]|$)")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)

# Markers, matched at the start of a line's content (after its indentation).
_DIGITS = "0-9０-９٠-٩۰-۹"
# A paragraph inserted after paragraph 7 is "7 bis", then "7 ter"…: the Latin ordinal
# adverbs, written so in English, French and Spanish (and often in Russian), "7 бис" in
# Russian, "7 مكررا" ("مكررا ثانيا" for ter…) in Arabic, "7之二" ("之三" for ter…) in Chinese.
# The number keeps the Latin word in every language ("7bis"), so labels line up.
SUFFIXES = ("", "", "bis", "ter", "quater", "quinquies", "sexies", "septies", "octies",
            "novies", "decies", "undecies", "duodecies")
_LATIN_SUFFIX = {word: index for index, word in enumerate(SUFFIXES) if word}
_LATIN_SUFFIX["nonies"] = 9
_RUSSIAN_SUFFIX = {"бис": 2, "тер": 3, "кватер": 4, "квинквиес": 5, "сексиес": 6,
                   "септиес": 7, "октиес": 8, "новиес": 9, "дециес": 10}
_ARABIC_ORDINAL = {"ثاني": 3, "ثالث": 4, "رابع": 5, "خامس": 6, "سادس": 7, "سابع": 8,
                   "ثامن": 9, "تاسع": 10}
_CN_SUFFIX = {"二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _alternatives(words) -> str:
    # Longest first, so that "quinquies" is not read as a shorter word.
    return "|".join(sorted(words, key=len, reverse=True))


# "7 bis", "7bis", "7-bis", "7 бис", "7-бис": the word ends the number (no letter after it).
_WORD_SUFFIX = (rf"(?:[ \u00a0\-\u2011])?(?P<word>(?i:{_alternatives(_LATIN_SUFFIX)}"
                rf"|{_alternatives(_RUSSIAN_SUFFIX)}))(?![^\W\d_])")
_NUMBER_RE = re.compile(
    rf"^(?P<num>[{_DIGITS}]{{1,9}})(?:{_WORD_SUFFIX})?"
    rf"(?:[.)](?={_SPACE}|$)|[．）、]){_SPACE}*")
# Chinese "7之二." or "7 之二" (the full stop may be left out before a space).
_CN_SUFFIX_NUMBER_RE = re.compile(
    rf"^(?P<num>[{_DIGITS}]{{1,9}}){_SPACE}?之(?P<cn>[{''.join(_CN_SUFFIX)}])"
    rf"(?:[.．、]|(?={_SPACE}|$)){_SPACE}*")
# Arabic UN documents number paragraphs "1 - يقرر", and "7 مكررا - " (bis), "7 مكررا ثانيا - "
# (ter)…, the final alif written with or without its tanwin.
_ALIF = "(?:اً|ًا|ا)"
_ARABIC_NUMBER_RE = re.compile(
    rf"^(?P<num>[{_DIGITS}]{{1,9}})"
    rf"(?: (?P<mukarrar>مكرر{_ALIF}?)(?: (?P<ordinal>{_alternatives(_ARABIC_ORDINAL)}){_ALIF})?)?"
    rf" ?[-–—]{_SPACE}+(?=[\u0600-\u06ff])")
_CN_NUMBER_RE = re.compile(
    rf"^(?P<num>[一二三四五六七八九十百〇零两]{{1,5}})(?:[、．]|\.(?={_SPACE}|$)){_SPACE}*")
_PAREN_TOKEN = "[a-z]{1,7}|[0-9]{1,3}|[а-яё]{1,2}|[\u0621-\u064a]"
_PAREN_RE = re.compile(
    rf"^[(（](?P<num>{_PAREN_TOKEN})(?:\)(?={_SPACE}|$)|）){_SPACE}*")
# French, Spanish and Russian UN documents letter sub-paragraphs "a) …", "б) …".
_BARE_LETTER_RE = re.compile(rf"^(?P<num>[a-z]{{1,5}}|[а-яё]{{1,2}})\)(?={_SPACE}){_SPACE}*")
_BULLET_RE = re.compile(rf"^[*+\-•](?={_SPACE}|$){_SPACE}*")

_ROMAN_RE = re.compile(r"^(?=[ivxlc])(c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}

# The browser editor ends each paragraph of a previous version with its key, "⟦¶ k1a2b⟧":
# text after such a marker never continues that paragraph.
_KEY_MARKER_END_RE = re.compile(r"⟦¶\s*[A-Za-z0-9]{1,16}\s*⟧\s*$")
_TERMINAL = set("，。；：！？、,.;:!?]」』】")
_FOOTNOTE_NUMBER_LINE = re.compile(r"^\s*\d{1,3}\s*$")


def _roman_value(token: str) -> int | None:
    if not token or not _ROMAN_RE.match(token):
        return None
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
    total = 0
    for index, char in enumerate(token):
        value = values[char]
        if index + 1 < len(token) and values[token[index + 1]] > value:
            total -= value
        else:
            total += value
    return total


def _chinese_number(token: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105 (enough for paragraph numbers)."""
    if all(c in _CN_DIGITS for c in token):
        return int("".join(str(_CN_DIGITS[c]) for c in token))
    total, current = 0, 0
    for char in token:
        if char in _CN_DIGITS:
            current = _CN_DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


@dataclass
class _Marker:
    style: str  # "number" (12.), "paren" ((a), (i), (1)), "bullet"
    value: str  # normalised: "12", "a", "ii", "1"
    length: int  # characters to strip from the line's content
    empty: bool  # nothing follows the marker on its line


def _suffix_of(match: re.Match) -> int:
    """The ordinal a number marker's bis/ter word stands for (0: none; bis is 2)."""
    found = match.groupdict()
    if found.get("word"):
        word = found["word"].lower()
        return _LATIN_SUFFIX.get(word) or _RUSSIAN_SUFFIX[word]
    if found.get("cn"):
        return _CN_SUFFIX[found["cn"]]
    if found.get("mukarrar"):
        return _ARABIC_ORDINAL[found["ordinal"]] if found.get("ordinal") else 2
    return 0


_NUMBER_VALUE_RE = re.compile(r"([0-9]{1,9})([a-z]*)")


def number_parts(number: str | None) -> tuple[int, int] | None:
    """"7" → (7, 1), "7bis" → (7, 2), "7ter" → (7, 3); None for anything else ("a", "ii")."""
    match = _NUMBER_VALUE_RE.fullmatch(number or "")
    if match is None:
        return None
    suffix = match.group(2)
    if not suffix:
        return int(match.group(1)), 1
    if suffix not in _LATIN_SUFFIX or suffix == "nonies":
        return None
    return int(match.group(1)), _LATIN_SUFFIX[suffix]


def _number_text(parts: tuple[int, int]) -> str:
    return f"{parts[0]}{SUFFIXES[parts[1]] if parts[1] > 1 else ''}"


def printed_number(number: str | None) -> str:
    """A paragraph number as UN documents print it: "7bis" → "7 bis"; others unchanged."""
    parts = number_parts(number)
    if parts is None or parts[1] == 1:
        return number or ""
    return f"{parts[0]} {SUFFIXES[parts[1]]}"


def _match_marker(content: str) -> _Marker | None:
    """The list marker at the start of a line's content (indentation already removed)."""
    match = (_NUMBER_RE.match(content) or _ARABIC_NUMBER_RE.match(content)
             or _CN_SUFFIX_NUMBER_RE.match(content))
    if match:
        num = match.group("num")
        value = (num if num.isascii() else str(int(num))) + SUFFIXES[_suffix_of(match)]
        return _Marker("number", value, match.end(), match.end() == len(content))
    match = _CN_NUMBER_RE.match(content)
    if match:
        value = _chinese_number(match.group("num"))
        if value is not None:
            return _Marker("number", str(value), match.end(), match.end() == len(content))
    match = _PAREN_RE.match(content) or _BARE_LETTER_RE.match(content)
    if match:
        token = match.group("num")
        valid = (token.isdigit() or len(token) == 1 or _roman_value(token) is not None
                 or (len(token) == 2 and token[0] == token[1]))
        if valid:
            return _Marker("paren", token, match.end(), match.end() == len(content))
    match = _BULLET_RE.match(content)
    if match:
        return _Marker("bullet", "", match.end(), match.end() == len(content))
    return None


def _indent_of(line: str) -> int:
    width = 0
    for char in line:
        if char == " ":
            width += 1
        elif char == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def _expand_indent(line: str) -> str:
    """Leading tabs become spaces (tab stops of 4); the rest of the line is untouched."""
    stripped = line.lstrip(" \t")
    if "\t" not in line[: len(line) - len(stripped)]:
        return line
    return " " * _indent_of(line) + stripped


def _dedent(lines: list[str]) -> list[str]:
    widths = [_indent_of(line) for line in lines if line.strip()]
    common = min(widths) if widths else 0
    return [line[common:] if line.strip() else "" for line in (_expand_indent(x) for x in lines)]


# --- blocks ---------------------------------------------------------------------------------

@dataclass
class _Block:
    kind: str  # "heading", "item", "list", "table", "fence", "def", "plain"
    indent: int
    lines: list[str] = field(default_factory=list)
    start: int = 0  # index of the first line in the input
    end: int = 0  # index after the last line
    marker: _Marker | None = None
    level: int | None = None  # headings
    fence: str = ""
    pending_blank: int = 0

    def text(self) -> str:
        """The block's Markdown without its structural indentation and marker."""
        if self.kind == "heading":
            return "\n".join(self.lines)
        lines = _dedent(self.lines)
        if self.kind == "item" and self.marker is not None:
            first = lines[0].lstrip(" ")[self.marker.length:]
            if first.strip():
                lines = [first] + lines[1:]
            else:
                lines = _dedent(lines[1:]) if len(lines) > 1 else [""]
        return "\n".join(lines).strip("\n")


def _preprocess(text: str) -> list[str]:
    """Lines without line-ending differences, front matter, comments and kramdown markup."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    text = _COMMENT_RE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    lines = [line.rstrip() for line in text.split("\n")]
    if lines and lines[0] == "---":
        for index in range(1, len(lines)):
            if lines[index] in ("---", "..."):
                lines = [""] * (index + 1) + lines[index + 1:]
                break
    return ["" if _KRAMDOWN_RE.match(line) or _TOC_RE.match(line) else line
            for line in lines]


def _line_mode(lines: list[str]) -> bool:
    """No blank line between any two lines of text: one paragraph per line."""
    body = list(lines)
    while body and not body[0].strip():
        body.pop(0)
    while body and not body[-1].strip():
        body.pop()
    return len(body) >= 2 and all(line.strip() for line in body)


def _segment(lines: list[str], line_mode: bool = False) -> list[_Block]:
    blocks: list[_Block] = []
    cur: _Block | None = None

    def close(end: int) -> None:
        nonlocal cur
        if cur is not None:
            cur.end = end - cur.pending_blank
            cur.pending_blank = 0
            blocks.append(cur)
            cur = None

    last_number = 0  # value of the last top-level numbered item

    for index, line in enumerate(lines):
        if cur is not None and cur.kind == "fence":
            cur.lines.append(line)
            stripped = line.strip()
            if stripped.startswith(cur.fence[0] * len(cur.fence)) and \
                    not stripped.strip(cur.fence[0]):
                close(index + 1)
            continue
        if not line.strip():
            if cur is not None and cur.kind == "list":
                cur.pending_blank += 1
            else:
                close(index)
            continue
        indent = _indent_of(line)
        content = line.lstrip(" \t")
        marker = _match_marker(content)

        if cur is not None and cur.kind == "list" and cur.pending_blank:
            # A loose bullet list goes on after blank lines with another bullet or with
            # content indented under its items.
            if (marker is not None and marker.style == "bullet") or indent >= cur.indent + 2:
                cur.lines.extend([""] * cur.pending_blank)
                cur.pending_blank = 0
                cur.lines.append(line)
                continue
            close(index)

        atx = _ATX_RE.match(line)
        if atx:
            close(index)
            if (atx.group(2) or "").strip():
                blocks.append(_Block("heading", indent, [atx.group(2).strip()], index,
                                     index + 1, level=len(atx.group(1))))
            continue
        if cur is not None and cur.kind == "plain" and _SETEXT_RE.match(line):
            heading = "\n".join(x.strip() for x in cur.lines)
            level = 1 if line.strip().startswith("=") else 2
            blocks.append(_Block("heading", cur.indent, [heading], cur.start, index + 1,
                                 level=level))
            cur = None
            continue
        if _THEMATIC_RE.match(line):
            close(index)
            continue
        fence = _FENCE_RE.match(line)
        if fence:
            close(index)
            cur = _Block("fence", indent, [line], index, fence=fence.group(1))
            continue
        if cur is not None and cur.kind == "list":
            if marker is None or marker.style == "bullet" or indent >= cur.indent + 2:
                cur.lines.append(line)
                continue
            close(index)
        if marker is not None:
            interrupts = not marker.empty
            parts = number_parts(marker.value) if marker.style == "number" else None
            if cur is not None and cur.kind == "plain" and marker.style == "number" \
                    and marker.value not in ("1", "01") and not (
                        indent < 4 and parts is not None
                        and (parts[0] == last_number + 1
                             or (parts[1] > 1 and parts[0] == last_number))):
                # "2015." at the start of a wrapped line is text, unless it is the next
                # paragraph number (PDF extracts put a footnote number just before it), or
                # the bis/ter of the last one.
                interrupts = False
            if cur is None or interrupts:
                close(index)
                if parts is not None and indent < 4:
                    last_number = parts[0]
                kind = "list" if marker.style == "bullet" else "item"
                cur = _Block(kind, indent, [line], index, marker=marker)
                continue
        elif content.startswith("|"):
            if cur is None or cur.kind != "table":
                close(index)
                cur = _Block("table", indent, [line], index)
                continue
        elif _DEF_RE.match(line):
            if cur is None or cur.kind != "def":
                close(index)
                cur = _Block("def", indent, [line], index)
                continue
        if cur is not None and line_mode and cur.kind in ("plain", "item", "def"):
            close(index)
        if cur is None:
            cur = _Block("plain", indent, [line], index)
        else:
            cur.lines.append(line)
    close(len(lines))
    return blocks


# --- paragraphs -----------------------------------------------------------------------------

@dataclass
class _Para:
    kind: str
    number: str | None
    parts: list[str]
    section: int | None  # index (into the paragraph list) of the heading above
    parent: int | None = None  # immediate parent for sub-paragraphs
    op: int | None = None  # enclosing operative paragraph for sub-paragraphs
    level: int | None = None  # heading level
    last_block: _Block | None = None
    line: int | None = None  # 1-based line of its first block


@dataclass
class _Level:
    style: str  # "op", "number", "letter", "roman"
    indent: int
    para: int
    value: str


def _ends_open(block: _Block | None) -> bool:
    """A hard-wrapped CJK line: the block has CJK text and stops without punctuation."""
    if block is None or block.kind != "plain":
        return False
    lines = [x for x in block.text().split("\n") if x.strip()]
    while len(lines) > 1 and _FOOTNOTE_NUMBER_LINE.match(lines[-1]):
        lines.pop()
    if not lines or not _CJK_RE.search("".join(lines)):
        return False
    return lines[-1].rstrip()[-1] not in _TERMINAL


def _ends_with_key_marker(block: _Block | None) -> bool:
    return block is not None and bool(block.lines) and \
        bool(_KEY_MARKER_END_RE.search(block.lines[-1]))


def _is_chapeau(block: _Block) -> bool:
    text = block.text().rstrip().rstrip("*_ ]")
    return block.indent < 4 and text.endswith((":", "："))


def _classify(blocks: list[_Block]) -> list[_Para]:
    paras: list[_Para] = []
    section: int | None = None
    target: int | None = None  # paragraph that takes continuation text
    stack: list[_Level] = []  # open operative paragraph and its sub-paragraph levels

    def emit(para: _Para, block: _Block) -> int:
        para.last_block = block
        para.line = block.start + 1
        paras.append(para)
        if len(paras) > MAX_PARAGRAPHS:
            raise DraftError(f"The draft has more than {MAX_PARAGRAPHS:,} paragraphs; "
                             "split it into smaller documents.", "too_many_paragraphs")
        return len(paras) - 1

    def append(index: int, block: _Block, text: str) -> None:
        paras[index].parts.append(text)
        paras[index].last_block = block

    for position, block in enumerate(blocks):
        text = block.text()
        if block.kind == "heading":
            section = emit(_Para(HEADING, None, [text], section, level=block.level), block)
            target, stack = None, []
            continue
        if block.kind == "def":
            target = emit(_Para(PREAMBULAR, None, [text], section), block)
            stack = []
            continue
        marker = block.marker if block.kind == "item" else None
        if marker is not None and marker.style == "number" and not (
                stack and block.indent >= stack[0].indent + 2):
            target = emit(_Para(OPERATIVE, marker.value, [text], section), block)
            stack = [_Level("op", block.indent, target, marker.value)]
            continue
        if marker is not None and stack:
            style, value = _sub_style(marker, block, stack)
            if style == "number":
                while len(stack) > 1 and stack[-1].indent >= block.indent:
                    stack.pop()
            else:
                same = [i for i, level in enumerate(stack) if level.style == style]
                if same:
                    del stack[same[-1]:]
            parent = stack[-1].para
            target = emit(_Para(SUBPARAGRAPH, value, [text], section, parent=parent,
                                op=stack[0].para), block)
            stack.append(_Level(style, block.indent, target, value))
            continue
        if marker is not None:
            # (a) or a nested item with no operative paragraph open: plain text.
            text = "\n".join(_dedent(block.lines)).strip("\n")
        closed = target is not None and _ends_with_key_marker(paras[target].last_block)
        if stack:
            following = blocks[position + 1] if position + 1 < len(blocks) else None
            if closed or (block.kind == "plain" and _is_chapeau(block) and following is not None
                          and following.kind == "item" and following.marker is not None
                          and following.marker.style == "number"
                          and following.indent < stack[0].indent + 2):
                target = emit(_Para(PREAMBULAR, None, [text], section), block)
                stack = []
            else:
                append(target, block, text)
            continue
        if target is not None and not closed and (block.indent >= 4 or marker is not None or (
                block.kind == "plain" and (_ends_open(paras[target].last_block)
                                           or _FOOTNOTE_NUMBER_LINE.match(
                                               _KEY_MARKER_END_RE.sub("", text))))):
            append(target, block, text)
            continue
        target = emit(_Para(PREAMBULAR, None, [text], section), block)
    return paras


def _sub_style(marker: _Marker, block: _Block, stack: list[_Level]) -> tuple[str, str]:
    """Whether a sub-paragraph marker is a nested number, a letter or a roman numeral."""
    if marker.style == "number" or marker.value.isdigit():
        return "number", marker.value
    token = marker.value
    roman = _roman_value(token)
    if roman is not None:
        romans = [level for level in stack if level.style == "roman"]
        if romans and _roman_value(romans[-1].value) == roman - 1:
            return "roman", token
        letters = [level for level in stack if level.style == "letter"]
        if letters and len(token) == 1 and chr(ord(letters[-1].value[-1]) + 1) == token \
                and len(letters[-1].value) == 1:
            return "letter", token  # (h) then (i), (u) then (v), (w) then (x)
        if roman == 1 or (len(token) > 1 and token[0] != token[-1]) or len(token) > 2:
            return "roman", token
        if len(token) == 2 and not letters:
            return "roman", token  # (ii) with no (hh) before it
    return "letter", token


# --- labels ---------------------------------------------------------------------------------

_SECTION_WORDS = {"article": "Art.", "art": "Art.", "section": "Sec.", "sec": "Sec.",
                  "chapter": "Ch.", "ch": "Ch.", "part": "Part.", "annex": "Annex.",
                  "appendix": "App.", "rule": "Rule."}
_SECTION_RE = re.compile(
    r"^(article|art|section|sec|chapter|ch|part|annex|appendix|rule)\.?\s*"
    r"([0-9]+|[ivxlc]+\b|[a-z]\b)\s*(bis|ter|quater|quinquies|sexies|septies|octies)?\b",
    re.IGNORECASE)
_CN_SECTION_RE = re.compile(r"^第\s*([0-9０-９一二三四五六七八九十百〇零两]+)\s*(条|章|节|部分)")
_CN_SECTION_WORDS = {"条": "Art.", "章": "Ch.", "节": "Sec.", "部分": "Part."}
_LEADING_NUMBER_RE = re.compile(r"^([IVXLC]+|[A-Z])[.)]\s")


def _heading_short(text: str) -> str | None:
    """'Article 2 *(purpose)*' → 'Art.2', '[Article 3bis]' → 'Art.3bis', '第二条' → 'Art.2'."""
    plain = re.sub(r"[*_\[\]`]", "", text).strip()
    match = _SECTION_RE.match(plain)
    if match:
        word = _SECTION_WORDS[match.group(1).lower()]
        return f"{word}{match.group(2)}{(match.group(3) or '').lower()}"
    match = _CN_SECTION_RE.match(plain)
    if match:
        token = match.group(1)
        value = str(int(token)) if token[0] in "0123456789０１２３４５６７８９" \
            else str(_chinese_number(token))
        return f"{_CN_SECTION_WORDS[match.group(2)]}{value}"
    match = _LEADING_NUMBER_RE.match(plain)
    if match:
        return match.group(1)
    return None


def _assign_labels(paras: list[_Para]) -> list[ParsedParagraph]:
    operative_numbers = [p.number for p in paras if p.kind == OPERATIVE]
    restarts = len(set(operative_numbers)) < len(operative_numbers)
    shorts: dict[int, str | None] = {}
    used: set[str] = set()
    labels: list[str] = []
    counters = {HEADING: 0, PREAMBULAR: 0}

    def unique(label: str) -> str:
        if label in used:
            suffix = 2
            while f"{label}-{suffix}" in used:
                suffix += 1
            label = f"{label}-{suffix}"
        used.add(label)
        return label

    def section_prefix(section: int) -> str | None:
        # The nearest heading with a recognisable number, looking at it and then at the
        # headings above it in the outline; None if there is none.
        level = paras[section].level or 6
        for index in range(section, -1, -1):
            para = paras[index]
            if para.kind != HEADING or (index != section and (para.level or 6) >= level):
                continue
            level = para.level or 6
            if shorts[index]:
                return shorts[index]
            if level <= 1:
                break
        return None

    result: list[ParsedParagraph] = []
    for index, para in enumerate(paras):
        text = "\n\n".join(part for part in para.parts)
        parent_label = None
        if para.kind == HEADING:
            counters[HEADING] += 1
            label = unique(f"H{counters[HEADING]}")
            shorts[index] = _heading_short(text)
        elif para.kind == PREAMBULAR:
            counters[PREAMBULAR] += 1
            label = unique(f"PP{counters[PREAMBULAR]}")
        elif para.kind == OPERATIVE:
            label = f"OP{para.number}"
            prefix = section_prefix(para.section) if restarts and para.section is not None \
                else None
            label = unique(f"{prefix}-{label}" if prefix else label)
        else:
            label = unique(f"{labels[para.parent]}({para.number})")
            parent_label = labels[para.op]
        labels.append(label)
        result.append(ParsedParagraph(kind=para.kind, label=label, number=para.number,
                                      text=text, parent_label=parent_label,
                                      heading_level=para.level, line=para.line))
    return result


# --- numbering checks -----------------------------------------------------------------------

@dataclass(frozen=True)
class NumberingWarning:
    """A numbering problem the co-facilitator must see and confirm before publishing.

    A slip in the printed numbers changes labels silently: two paragraphs numbered "5."
    make the numbers repeat, so every operative paragraph under a heading is labelled with
    its section (``I-OP1``…). ``kind`` is one of:

    * ``"duplicate"``: the printed ``number`` appears more than once in one run of
      numbering; ``labels`` are the labels those paragraphs got, ``lines`` where they start.
    * ``"out_of_order"``: paragraph ``number`` follows paragraph ``previous`` (a gap, a step
      back, or a restart not preceded by a heading or an unnumbered paragraph). After
      ``7`` come ``8`` or ``7bis``, after ``7bis`` come ``8`` or ``7ter``.
    * ``"prefixed"``: numbers repeat only because of such slips, so the operative paragraphs
      are labelled with their section; ``labels`` are those labels.
    * ``"scheme_change"``: against the previous version (``scheme_change``): ``renames``
      holds the (previous label, new label) pairs whose label scheme changed.

    ``message`` is English; the web layer words each kind in the reader's language.
    """

    kind: str
    number: str | None = None
    previous: str | None = None
    labels: tuple[str, ...] = ()
    lines: tuple[int, ...] = ()
    renames: tuple[tuple[str, str], ...] = ()

    @property
    def message(self) -> str:
        where = ", ".join(str(line) for line in self.lines)
        if self.kind == "duplicate":
            return (f"OP{self.number} appears {len(self.labels)} times (lines {where}): "
                    f"labelled {', '.join(self.labels)}.")
        if self.kind == "out_of_order":
            return f"OP{self.number} follows OP{self.previous} (line {where}): labelled " \
                   f"{', '.join(self.labels)}."
        if self.kind == "prefixed":
            return (f"Because numbers repeat, {len(self.labels)} operative paragraphs are "
                    f"labelled with their section ({', '.join(self.labels[:3])}…).")
        first = self.renames[0] if self.renames else ("", "")
        return (f"Labels change scheme from {first[0]} to {first[1]}: {len(self.renames)} "
                f"paragraphs would be renamed.")


_PREFIXED_RE = re.compile(r"^.+-OP[0-9]")
_PLAIN_RE = re.compile(r"^OP[0-9]")


def label_scheme(label: str | None) -> str | None:
    """How an operative label is built: "plain" (OP3), "section" (I-OP3, Art.2-OP1); None
    for other labels (PP, H), which never change scheme."""
    if not label:
        return None
    if _PLAIN_RE.match(label):
        return "plain"
    if _PREFIXED_RE.match(label):
        return "section"
    return None


def numbering_warnings(paragraphs: list[ParsedParagraph]) -> list[NumberingWarning]:
    """Duplicate and out-of-order operative numbers, and labels they changed.

    A run of numbering goes on from one operative paragraph to the next; it restarts
    legitimately at 1 after a heading or an unnumbered paragraph (COP21 articles, "Option
    2:" chapeaux). The first paragraph may start at any number (an excerpt).
    """
    warnings: list[NumberingWarning] = []
    # Numbers as (number, ordinal): 7 is (7, 1), 7bis (7, 2), 7ter (7, 3).
    runs: list[dict[tuple[int, int], list[ParsedParagraph]]] = [{}]
    previous: tuple[int, int] | None = None
    broken = False  # a heading or an unnumbered paragraph since the previous operative one
    restarted = False
    for paragraph in paragraphs:
        if paragraph.kind in (HEADING, PREAMBULAR):
            broken = previous is not None
            continue
        number = number_parts(paragraph.number) if paragraph.kind == OPERATIVE else None
        if number is None:
            continue
        if previous is not None and number not in ((previous[0] + 1, 1),
                                                   (previous[0], previous[1] + 1)):
            if number == (1, 1) and broken:
                runs.append({})
                restarted = True
            elif number not in runs[-1]:
                warnings.append(NumberingWarning(
                    "out_of_order", _number_text(number), _number_text(previous),
                    (paragraph.label,), (paragraph.line,) if paragraph.line else ()))
        runs[-1].setdefault(number, []).append(paragraph)
        previous, broken = number, False
    for run in runs:
        for number, found in run.items():
            if len(found) > 1:
                warnings.append(NumberingWarning(
                    "duplicate", _number_text(number), None, tuple(p.label for p in found),
                    tuple(p.line for p in found if p.line)))
    warnings.sort(key=lambda w: (w.lines or (0,))[0])
    if warnings and not restarted:
        prefixed = tuple(p.label for p in paragraphs
                         if p.kind == OPERATIVE and label_scheme(p.label) == "section")
        if prefixed:
            warnings.append(NumberingWarning("prefixed", labels=prefixed))
    return warnings


def scheme_change(pairs: list[tuple[str | None, str | None]]) -> NumberingWarning | None:
    """The paragraphs whose label changes scheme from the previous version (OP3 → I-OP3).

    ``pairs`` are (previous label, new label) of the paragraphs matched to a predecessor.
    """
    renames = tuple((old, new) for old, new in pairs
                    if old and new and label_scheme(old) and label_scheme(new)
                    and label_scheme(old) != label_scheme(new))
    return NumberingWarning("scheme_change", renames=renames) if renames else None


# --- public API -----------------------------------------------------------------------------

def parse_draft(text: str) -> list[ParsedParagraph]:
    """Split a Markdown draft into labelled paragraphs (see the module documentation).

    Raises DraftError (a ValueError) with a message for the user when the text is empty,
    too long, contains NUL bytes, has no paragraphs or too many.
    """
    if not isinstance(text, str):
        raise DraftError("The draft must be text.", "not_text")
    if len(text) > MAX_DRAFT_CHARS:
        raise DraftError(f"The draft is too long ({len(text):,} characters; "
                         f"the maximum is {MAX_DRAFT_CHARS:,}).", "too_long")
    if "\x00" in text:
        raise DraftError("The draft contains a NUL character, which is not allowed in text. "
                         "Remove it (it usually comes from a binary file) and try again.", "nul")
    if not text.strip():
        raise DraftError("The draft is empty.", "empty")
    lines = _preprocess(text)
    blocks = _segment(lines, line_mode=_line_mode(lines))
    paragraphs = _assign_labels(_classify(blocks))
    if not paragraphs:
        raise DraftError("The draft has no paragraphs: it contains only front matter, "
                         "comments or markup.", "no_paragraphs")
    return paragraphs


def _marker_for(paragraph: ParsedParagraph) -> tuple[str, int]:
    """The marker that re-creates a paragraph's kind and number, and its nesting depth."""
    number = (paragraph.number or "").strip()
    if paragraph.kind == OPERATIVE:
        if number_parts(number) is None:
            # The number from the label (OP7bis, else OP7), else 1.
            found = re.search(r"OP((\d+)[a-z]*)", paragraph.label or "")
            number = next((c for c in (found.groups() if found else ())
                           if number_parts(c)), "1")
        return f"{printed_number(number)}. ", 0
    if paragraph.kind == SUBPARAGRAPH:
        rest = paragraph.label or ""
        if paragraph.parent_label and rest.startswith(paragraph.parent_label):
            rest = rest[len(paragraph.parent_label):]
        depth = max(1, rest.count("("))
        if number_parts(number) is not None:
            return f"{printed_number(number)}. ", depth
        if not re.fullmatch(r"[^\s()（）]{1,7}", number):
            number = "a"
        return f"({number}) ", depth
    return "", 0


def render_draft_markdown(paragraphs: list[ParsedParagraph]) -> str:
    """Markdown that parses back to the same kinds, labels and texts.

    Headings become ATX headings (setext for multi-line level 1–2 headings), operative
    paragraphs ``12. text``, sub-paragraphs ``(a) text`` (nested numbers ``1. text``)
    indented four spaces per level, and text that was continuation of a paragraph is
    indented four more spaces so that it stays with its paragraph.
    """
    out: list[str] = []
    for paragraph in paragraphs:
        text = paragraph.text or ""
        if paragraph.kind == HEADING:
            level = min(max(paragraph.heading_level or 1, 1), 6)
            if "\n" in text and level <= 2:
                out.append(text + "\n" + ("=" if level == 1 else "-") * 3)
            else:
                out.append("#" * level + " " + " ".join(text.split("\n")))
            continue
        marker, depth = _marker_for(paragraph)
        lines = (marker + text).rstrip().split("\n")
        base = " " * (4 * depth)
        indents = [base] * len(lines)
        blocks = _segment(lines)
        for previous, block in zip(blocks, blocks[1:]):
            # Continuation blocks are indented so that they stay with their paragraph,
            # unless (unnumbered paragraphs) the parser joins them anyway.
            joined = paragraph.kind == PREAMBULAR and (
                block.kind == "item" and block.marker is not None
                and block.marker.style == "paren"
                or block.kind == "plain" and (_ends_open(previous)
                                              or _FOOTNOTE_NUMBER_LINE.match(block.text())))
            if not joined:
                for index in range(block.start, len(lines)):
                    indents[index] = base + "    "
        rendered = [indents[i] + line if line.strip() else "" for i, line in enumerate(lines)]
        out.append("\n".join(rendered))
    return "\n\n".join(out) + "\n"

