"""The one Markdown renderer: raw HTML off, safe links only."""

from __future__ import annotations

from markdown_it import MarkdownIt

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
# The same renderers for code that reads their tokens (consult/comments/wording.py): text
# styled exactly as the HTML they render, with the same links refused.
user_renderer = _user
draft_renderer = _draft


def render_user_markdown(text: str) -> str:
    """Render a delegation's Markdown to safe HTML."""
    return _user.render(text or "")


def render_draft_markdown(text: str) -> str:
    """Render one paragraph of an official draft to HTML (inline when it is one block)."""
    html = _draft.render(text or "").strip()
    # A single paragraph renders as <p>…</p>; the page supplies its own block element.
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html
