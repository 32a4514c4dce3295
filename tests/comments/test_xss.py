"""Known XSS payloads in every place a delegation writes: nothing executable is stored or served."""

from html.parser import HTMLParser

import pytest

from consult.comments import services
from consult.db import db
from tests.comments.conftest import paragraph
from tests.conftest import fresh

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<object data=javascript:alert(1)></object>",
    "<a href=\"#\" onclick=\"alert(1)\">x</a>",
    "<div style=\"background:url(javascript:alert(1))\" onmouseover=alert(1)>x</div>",
    "<!-- <script>alert(1)</script> -->",
    "<details open ontoggle=alert(1)>",
    "[a](javascript:alert(1))",
    "[a](JaVaScRiPt:alert(1))",
    "[a](  javascript:alert(1)  )",
    "[a](<javascript:alert(1)>)",
    "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[a](vbscript:msgbox(1))",
    "[a](&#106;avascript:alert(1))",
    "[a](&#x6A;avascript&#x3A;alert(1))",
    "[a](java&#09;script:alert(1))",
    "[a](java\tscript:alert(1))",
    "[a](java%0ascript:alert(1))",
    "[a](\x01javascript:alert(1))",
    "[a](//evil.example)",
    "[a][1]\n\n[1]: javascript:alert(1)",
    "[a][1]\n\n[1]: <javascript:alert(1)>",
    "[a]\n\n[a]: data:text/html,<script>alert(1)</script>",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "<vbscript:msgbox(1)>",
    "![x\" onerror=\"alert(1)](y \"t\\\" onload=\\\"x\")",
    "![x](javascript:alert(1))",
    "[x\" onmouseover=\"alert(1)](https://example.org \"t\\\" onmouseover=\\\"alert(1)\")",
    "[x](https://example.org 't\" onclick=\"alert(1)')",
    "[x](https://example.org \"<script>alert(1)</script>\")",
    "[<img src=x onerror=alert(1)>](https://example.org)",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
    "> <script>alert(1)</script>",
    "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |",
    "<style>body{display:none}</style>",
    "<base href=\"javascript:alert(1)//\">",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
]

FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "img", "svg", "math", "style", "link",
                  "meta", "base", "form", "input", "button", "details", "video", "audio"}
# The page around the submissions has its own head, forms and buttons; inside it, nothing
# that runs code or loads content may appear.
FORBIDDEN_ON_PAGE = {"script", "iframe", "object", "embed", "img", "svg", "math", "base",
                     "video", "audio"}
SAFE_HREF_PREFIXES = ("http://", "https://", "mailto:", "#", "/")


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.script_texts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: (v or "") for k, v in attrs}))
        self._in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._in_script = False

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_texts.append(data)


def assert_harmless(html: str, *, page: bool = False) -> None:
    """No executable markup: no dangerous elements, no on* attributes, only safe links.

    On a whole page, the platform's own deferred script from /static is allowed.
    """
    parser = _Markup()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.tags:
        if page and tag == "script":
            assert attrs.get("src", "").startswith("/static/"), attrs
            continue
        assert tag not in (FORBIDDEN_ON_PAGE if page else FORBIDDEN_TAGS), (tag, attrs, html)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, attrs, html)
            assert name not in ("srcdoc", "formaction", "xlink:href"), (tag, attrs)
            assert page or name != "style", (tag, attrs)
            if name in ("href", "src", "action"):
                url = value.strip()
                assert url.startswith(SAFE_HREF_PREFIXES) or ":" not in url.split("/")[0], \
                    (tag, attrs, html)
                assert not url.startswith("//"), (tag, attrs)
        if tag == "a" and attrs.get("href", "").startswith(("http://", "https://")):
            assert attrs.get("rel") == "nofollow ugc noopener", attrs
    assert not [t for t in parser.script_texts if t.strip()], parser.script_texts


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_comments_amendments_edits_and_statements_are_harmless(
        client, version, fra, payload):
    op1 = paragraph(version, "OP1")
    comment = services.post_comment(fra, op1, payload)
    reply = services.post_comment(fra, op1, "reply " + payload, parent_id=comment.id)
    amendment = services.propose_amendment(fra, op1, payload + " and more", payload)
    statement = services.post_statement(fra, version, payload)
    edited = services.post_comment(fra, op1, "harmless at first")
    services.edit_submission(fra, edited, body="edited " + payload)
    services.edit_submission(fra, amendment, proposed_text="edited " + payload,
                             body="why " + payload)
    db.session.commit()
    for submission in (comment, reply, amendment, statement, edited):
        assert_harmless(submission.body_html)
    assert_harmless(amendment.proposed_diff_html)
    for revision in amendment.revisions:
        assert_harmless(revision.body_html)
        assert_harmless(revision.proposed_diff_html)

    fresh()
    # As served: the paragraph page with its thread, the statements page, and the API.
    page = client.get(f"/consultations/gpa/versions/{version.id}/paragraphs/OP1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert comment.body_html.strip() in html  # the thread is on the page, as stored
    assert_harmless(html, page=True)
    for submission in (comment, amendment, edited):
        served = client.get(f"/api/v1/comments/{submission.id}")
        assert served.status_code == 200
        data = served.get_json()
        html_fields = list(_html_fields(data))
        assert html_fields
        for value in html_fields:
            assert_harmless(value)


def _html_fields(value):
    """Every HTML field of an API answer (the source texts are plain strings, not HTML)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("html", "proposed_diff_html") and item:
                yield item
            else:
                yield from _html_fields(item)
    elif isinstance(value, list):
        for item in value:
            yield from _html_fields(item)


def test_safe_links_still_work_and_are_marked_user_generated(version, fra):
    comment = services.post_comment(
        fra, paragraph(version, "OP1"),
        "See [the report](https://example.org/r?a=1&b=2), <mailto:desk@example.org> and "
        "[below](#op2).")
    assert '<a href="https://example.org/r?a=1&amp;b=2" rel="nofollow ugc noopener">' \
        in comment.body_html
    assert 'href="mailto:desk@example.org"' in comment.body_html
    assert 'href="#op2"' in comment.body_html


def test_raw_html_is_shown_as_text_not_dropped(version, fra):
    comment = services.post_comment(fra, paragraph(version, "OP1"),
                                     "Compare <b>bold</b> & <script>x</script>")
    assert "&lt;b&gt;bold&lt;/b&gt;" in comment.body_html
    assert "&lt;script&gt;x&lt;/script&gt;" in comment.body_html
