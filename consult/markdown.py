"""The one Markdown renderer: raw HTML off, safe links only."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from consult.drafts.brackets import Brackets, bracket_plugin, brackets_of

SAFE_SCHEMES = ("http://", "https://", "mailto:")


def _validate_link(url: str) -> bool:
    lowered = url.strip().lower()
    if lowered.startswith(("#", "/")) and not lowered.startswith("//"):
        return True
    return lowered.startswith(SAFE_SCHEMES)


def _make_renderer(*, user_content: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough")
    md.validateLink = _validate_link
    if user_content:
        # Images would let a submission load third-party content into every reader's page.
        md.disable("image")
        def link_open(renderer, tokens, idx, options, env):
            # add_render_rule binds the rule to the renderer, which comes first.
            tokens[idx].attrSet("rel", "nofollow ugc noopener")
            return renderer.renderToken(tokens, idx, options, env)

        md.add_render_rule("link_open", link_open)
    return md


_user = _make_renderer(user_content=True)
_draft = _make_renderer(user_content=False)
# The draft's own pages mark its bracketed passages (consult/drafts/brackets.py).
_draft_marked = _make_renderer(user_content=False).use(bracket_plugin)
# The same renderers for code that reads their tokens (consult/comments/wording.py): text
# styled exactly as the HTML they render, with the same links refused. Proposed wording,
# the .docx and search read the draft unmarked: plain brackets.
user_renderer = _user
draft_renderer = _draft

# A line that may be a link reference definition: "[ref]: url".
_DEFINITION_LINE = re.compile(r"^ {0,3}\[[^\]\n]+\]:", re.MULTILINE)


def render_user_markdown(text: str) -> str:
    """Render a delegation's Markdown to safe HTML."""
    return _user.render(text or "")


def draft_references(texts) -> dict:
    """The link reference definitions ("[ref]: url") of a document's paragraphs.

    A draft is rendered paragraph by paragraph, so a reference link in one paragraph
    ("[the text][source]") needs the definitions of the others to be a link.
    """
    found: dict = {}
    for text in texts:
        if text and _DEFINITION_LINE.search(text):
            env: dict = {}
            _draft.parse(text, env)
            for label, definition in env.get("references", {}).items():
                found.setdefault(label, definition)
    return found


def _inline(html: str) -> str:
    html = html.strip()
    # A single paragraph renders as <p>…</p>; the page supplies its own block element.
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html


def render_draft(text: str, references: dict | None = None) -> tuple[str, Brackets]:
    """One paragraph of an official draft as HTML, bracketed passages marked, and its
    brackets (`references`: the version's link definitions, see `draft_references`)."""
    env: dict = {"references": dict(references)} if references else {}
    html = _inline(_draft_marked.render(text or "", env))
    return html, brackets_of(env)


def render_draft_markdown(text: str, references: dict | None = None) -> str:
    """Render one paragraph of an official draft to HTML (inline when it is one block)."""
    return render_draft(text, references)[0]


def render_draft_unmarked(text: str) -> str:
    """A paragraph's HTML as it was rendered before brackets were marked (migrations)."""
    return _inline(_draft.render(text or ""))


def draft_brackets(text: str, references: dict | None = None) -> Brackets:
    """The bracketed passages of one paragraph of a draft (see consult/drafts/brackets.py)."""
    return render_draft(text, references)[1]
