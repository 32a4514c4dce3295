"""No English interface text on a page shown in another language.

Every page type is rendered in fr, es, ru, ar and zh (the Word compilation and the Atom
feed too). What is left of a page once every element marked with another language
(`lang="en"` on a draft's text, a delegate's comment…), code, form fields, scripts and
styles are dropped is its interface; none of the English messages (those of messages.pot,
and those in the code that a new `pybabel extract` would add) may appear in it.

A failure lists, page by page, the English messages found: a message the language's
catalog does not translate yet (or whose .mo was not compiled), or user content not
marked with its `lang`. Texts planted with interface phrases in them (PLANTED) make the
second kind show up. Where a new message is untranslated, older messages sharing its
words are listed as well.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from functools import lru_cache

import lxml.html
import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from lxml import etree
from sqlalchemy import select

from consult.comments import services as comments
from consult.db import db, utcnow
from consult.drafts import services as drafts
from consult.moderation import services as moderation
from consult.notify.unsubscribe import unsubscribe_token
from consult.permissions import COMMAND_LINE
from consult.search import services as search_services
from consult.search.engine import SearchIndex
from consult.settings import ROOT
from tests.comments.conftest import REV1, paragraph
from tests.conftest import SMALL_DRAFT, csrf_token, login

LANGUAGES = ["fr", "es", "ru", "ar", "zh"]
TRANSLATIONS = ROOT / "consult" / "translations"

# Interface phrases (catalog messages) written into user content: a page that shows that
# content without its `lang` shows them as if they were untranslated interface.
PLANTED = ("General statements", "Compare two versions")
# Bracketed text, counted and announced on every page that shows the draft.
DRAFT = SMALL_DRAFT + "\n4. *Decides* to publish the General statements [every year][yearly].\n"
DRAFT_REV1 = REV1 + "\n4. *Decides* to publish the General statements [each year].\n"

# Pages that are not HTML, or are checked below in their own way.
NOT_PAGES = {"static", "compilation.docx", "choose_language"}

# As `pybabel extract -k _l -k lazy_gettext` (docs/DEVELOPING.md).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
_PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[sdif]|%[sdif]|<[^>]+>")
_EDGES = " \t\n.,:;!?()[]{}«»“”\"'‘’—–-…·×/|*"


# --- what counts as an English interface string --------------------------------------

def _fragments(message: str) -> list[str]:
    """The fixed parts of a message, between placeholders, long enough to be telling.

    Two words or more, or one word of at least six letters: "Published" from
    "Published %(date)s.", "public submissions, across every…" from a plural.
    """
    found = []
    for piece in _PLACEHOLDER.split(message.replace("%%", "%")):
        piece = " ".join(piece.split()).strip(_EDGES)
        words = piece.split()
        if len(words) >= 2 or (len(words) == 1 and sum(c.isalpha() for c in piece) >= 6):
            found.append(piece)
    return found


def _pattern(fragment: str) -> re.Pattern:
    # Whole words, case as in the message but for the first letter ("Pending" at the start
    # of a sentence is the label "pending"; the column "status" is not the heading "Status").
    first = fragment[0]
    start = f"[{re.escape(first.lower())}{re.escape(first.upper())}]" if first.isalpha() \
        else re.escape(first)
    return re.compile(r"(?<!\w)" + start + re.escape(fragment[1:]) + r"(?!\w)")


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _extracted(messages) -> list[tuple[str, ...]]:
    return [(m,) if isinstance(m, str) else tuple(m) for m in messages]


@lru_cache(maxsize=None)
def _source_messages(source: str | None) -> list[tuple[str, ...]]:
    """The messages of the catalog template, and those in the code now (one file's only,
    with `source`): a message added since the last `pybabel extract` counts too."""
    if source is not None:
        return _extracted(m[1] for m in extract_from_file("python", str(ROOT / source),
                                                          keywords=KEYWORDS))
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        messages = [_ids(m) for m in read_po(handle) if m.id]
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    return messages + _extracted(m[2] for m in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS))


@lru_cache(maxsize=None)
def _catalog_texts(lang: str) -> str:
    """Every translation of one language, one per line."""
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    lines = []
    for message in catalog:
        if message.id:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            lines.extend(" ".join((s or "").split()) for s in strings)
    return "\n".join(lines)


@lru_cache(maxsize=None)
def english_strings(lang: str, source: str | None = None) -> dict[str, str]:
    """{fragment: the English message it comes from} to look for on `lang` pages.

    From messages.pot and the code (or only the messages of one source file), leaving out
    fragments that the language's own catalog uses: "Rev.1", "JSON", "Akoma Ntoso" are
    the same in French, and so is a message translated by itself.
    """
    used_there = _catalog_texts(lang)
    wanted = {}
    for ids in _source_messages(source):
        for text in ids:
            for fragment in _fragments(text):
                if not _pattern(fragment).search(used_there):
                    wanted.setdefault(fragment, text)
    return wanted


def english_in(text: str, strings: dict[str, str]) -> list[str]:
    """The English messages whose fragments occur in `text`."""
    text = " ".join(text.split())
    return sorted({message for fragment, message in strings.items()
                   if fragment[1:] in text and _pattern(fragment).search(text)})


# --- the interface text of a page ----------------------------------------------------

SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
# Not words of any language: code (column names, JSON keys), and what a form field holds.
NOT_INTERFACE = ("script", "style", "code", "kbd", "samp", "textarea")


def interface_text(html: str, lang: str) -> str:
    """The page's text and visible attributes, without what is marked as another language.

    Dropped: elements whose `lang` is another language (`lang=""`, unknown, included),
    elements marked `translate="no"`, and NOT_INTERFACE.
    """
    root = lxml.html.document_fromstring(html)
    # <title> can hold no markup: names and labels marked elsewhere on the page as another
    # language (the consultation's title, say) are taken out of it by their text.
    marked_texts = {" ".join(e.text_content().split()) for e in root.iter()
                    if isinstance(e.tag, str) and e.get("lang") is not None
                    and e.get("lang").split("-")[0].lower() != lang}
    for title in root.iter("title"):
        words = title.text or ""
        for text in sorted(marked_texts, key=len, reverse=True):
            if text:
                words = words.replace(text, " ")
        title.text = words
    for element in list(root.iter()):
        if element.getparent() is None:
            continue
        if not isinstance(element.tag, str):  # comments, processing instructions
            element.drop_tree()
            continue
        marked = element.get("lang")
        if (element.tag in NOT_INTERFACE or element.get("translate") == "no"
                or (marked is not None and marked.split("-")[0].lower() != lang)):
            element.drop_tree()
    parts = list(root.itertext())
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        parts.extend(element.get(name) or "" for name in SHOWN_ATTRIBUTES)
        if element.tag == "input" and element.get("type") in ("submit", "button", "reset"):
            parts.append(element.get("value") or "")
    return " ".join(" ".join(parts).split())


# --- the site ------------------------------------------------------------------------

@pytest.fixture
def site(app, consultation, staff, make_user):
    """Two published versions and a draft, with every kind of submission, on the record."""
    for text in PLANTED:
        assert text in english_strings("fr"), f"plant a phrase that is in the catalog: {text}"
    fra = make_user("delegate", delegation="FRA", name="Amélie Dupont")
    nor = make_user("delegate", delegation="NOR", name="Kari Nordmann")
    can = make_user("delegate", delegation="CAN", name="Jean Tremblay")
    secretariat = make_user("secretariat", delegation=None, name="Chen Wei")
    deadline = utcnow() + dt.timedelta(days=10)
    zero = drafts.create_version(staff, consultation, label="Zero", text=DRAFT,
                                 comments_close_at=deadline, publish=True)
    db.session.commit()
    on_zero = comments.propose_amendment(
        fra, paragraph(zero, "OP1"), "*Calls upon* all Member States to act;",
        "We would Compare two versions of this paragraph.", language="en")
    comments.support_amendment(nor, on_zero, "Compare two versions, indeed.")
    settled = comments.propose_amendment(
        can, paragraph(zero, "OP2"), "*Urges* States to protect all victims:",
        "General statements are not enough.", language="en")
    db.session.commit()
    moderation.set_disposition(staff, settled, "partly_incorporated", "General statements.")
    db.session.commit()
    rev1 = drafts.create_version(staff, consultation, label="Rev.1", text=DRAFT_REV1,
                                 comments_close_at=deadline, publish=True)
    db.session.commit()
    op1 = paragraph(rev1, "OP1")
    amendment = comments.propose_amendment(
        fra, op1, "*Calls upon* every Member State to act;",
        "To Compare two versions is useful.", language="en")
    comments.support_amendment(can, amendment)
    comment = comments.post_comment(nor, op1, "General statements, again.", language="en")
    reply = comments.post_comment(fra, op1, "Compare two versions, we said.",
                                  parent_id=comment.id)
    hidden = comments.post_comment(can, op1, "Off topic: General statements.", language="en")
    statement = comments.post_statement(fra, rev1, "Our General statements on Rev.1.",
                                        language="en")
    comments.post_statement(nor, rev1, "We Compare two versions too.", parent_id=statement.id)
    db.session.commit()
    moderation.hide_submission(staff, hidden, reason_code="off_topic",
                               reason="Compare two versions elsewhere.")
    db.session.commit()
    draft = drafts.create_version(staff, consultation, label="Rev.2",
                                  text=DRAFT_REV1 + "\n5. *Requests* General statements "
                                                    "[by 2012.\n")  # to confirm: brackets
    db.session.commit()
    # An invitation not yet used: its page, reached from the message's link.
    from consult.auth.links import invite
    from consult.mail.models import MailMessage
    invited = make_user("delegate", delegation="SEN", email="invited@example.org",
                        password=None)
    invite(COMMAND_LINE, invited)
    db.session.commit()
    invitation = re.search(r"/password/set/\S+", db.session.scalars(
        select(MailMessage.text_body).where(
            MailMessage.to_address == "invited@example.org")).one()).group(0)
    return {"zero": zero, "rev1": rev1, "draft": draft, "amendment": amendment,
            "reply": reply, "on_zero": on_zero, "key": op1.key.key, "fra": fra,
            "staff": staff, "secretariat": secretariat, "invitation": invitation}


def _pages(site) -> list[tuple[str, str, str]]:
    """(page, who reads it, address) for every page type."""
    zero, rev1, draft = site["zero"].id, site["rev1"].id, site["draft"].id
    gpa = "/consultations/gpa"
    return [
        ("home", "public", "/"),
        ("consultation", "public", gpa),
        ("consultation (staff)", "staff", gpa),
        ("version", "public", f"{gpa}/versions/{rev1}"),
        ("version (earlier)", "public", f"{gpa}/versions/{zero}"),
        ("version (delegate)", "delegate", f"{gpa}/versions/{rev1}"),
        ("draft version (staff)", "staff", f"{gpa}/versions/{draft}"),
        ("paragraph", "public", f"{gpa}/versions/{rev1}/paragraphs/OP1"),
        ("paragraph (delegate)", "delegate", f"{gpa}/versions/{rev1}/paragraphs/OP1"),
        ("paragraph (staff)", "staff", f"{gpa}/versions/{rev1}/paragraphs/OP1"),
        ("paragraph with sub-paragraphs", "public", f"{gpa}/versions/{rev1}/paragraphs/OP2"),
        ("sub-paragraph", "public", f"{gpa}/versions/{rev1}/paragraphs/OP2_a"),
        ("error 404 (no such paragraph to jump to)", "public",
         f"{gpa}/versions/{rev1}?to=OP99"),
        ("submission", "public", f"{gpa}/submissions/{site['amendment'].id}"),
        ("submission (staff)", "staff", f"{gpa}/submissions/{site['amendment'].id}"),
        ("submission edit", "delegate", f"{gpa}/submissions/{site['reply'].id}/edit"),
        ("withdraw confirmation", "delegate",
         f"{gpa}/submissions/{site['reply'].id}/withdraw"),
        ("statements", "public", f"{gpa}/versions/{rev1}/statements"),
        ("statements (delegate)", "delegate", f"{gpa}/versions/{rev1}/statements"),
        ("compare chooser", "public", f"{gpa}/compare"),
        ("comparison", "public", f"{gpa}/compare/{zero}/{rev1}"),
        ("comparison side by side", "public", f"{gpa}/compare/{zero}/{rev1}?view=side"),
        ("compilation", "public", f"{gpa}/versions/{zero}/compilation"),
        ("key history", "public", f"{gpa}/paragraphs/{site['key']}"),
        ("public submissions", "public", f"{gpa}/submissions"),
        ("delegation", "public", "/delegations/FRA"),
        ("delegation list", "secretariat", "/admin/delegations"),
        ("accounts", "secretariat", "/admin/users"),
        ("account (secretariat view)", "secretariat", f"/admin/users/{site['fra'].id}"),
        ("new consultation", "secretariat", "/consultations/new"),
        ("consultation edit", "secretariat", f"{gpa}/edit"),
        ("error 403 (who may)", "delegate", "/consultations/new"),
        ("moderation log", "public", "/moderation-log"),
        ("consultation log", "public", f"{gpa}/log"),
        ("data dictionary", "public", f"{gpa}/data"),
        ("search with results", "public", "/search?q=States"),
        ("search without results", "public", "/search?q=zqxjnowhere"),
        ("search of every version", "public", "/search?q=States&scope=all"),
        ("login", "public", "/login"),
        ("forgotten password", "public", "/password/forgot"),
        ("choose a password (invitation)", "public", site["invitation"]),
        ("error 404 (a link that no longer works)", "public", "/password/set/no-such-link"),
        ("my account", "delegate", "/account"),
        ("error 404", "public", "/no/such/page"),
        ("error 404 (no such version)", "public", f"{gpa}/versions/999999"),
        ("new version form", "staff", f"{gpa}/versions/new"),
        ("draft edit", "staff", f"{gpa}/versions/{draft}/edit"),
        ("review", "staff", f"{gpa}/versions/{draft}/review"),
        ("translations", "staff", f"{gpa}/versions/{rev1}/translations"),
        ("workbench", "staff", f"{gpa}/versions/{rev1}/workbench"),
        ("moderation queue", "staff", f"{gpa}/moderation"),
        ("dispositions", "staff", f"{gpa}/versions/{rev1}/dispositions"),
        ("paragraph statuses", "staff", f"{gpa}/versions/{rev1}/statuses"),
        ("silence procedure form", "staff", f"{gpa}/versions/{rev1}/silence"),
        ("version narrowed to open paragraphs", "public", f"{gpa}/versions/{rev1}?status=open"),
        # No silence runs here: the refusal, in the reader's language (the forms themselves
        # are checked in French and Arabic by tests/negotiation/test_pages_i18n.py).
        ("error 409 (break silence when none runs)", "delegate", f"{gpa}/versions/{rev1}/silence/break"),
        ("error 409 (withdraw silence when none runs)", "staff", f"{gpa}/versions/{rev1}/silence/withdraw"),
        # E-mail notifications (issue 18): the choices, and a message's unsubscribe link.
        ("notification choices", "delegate", f"{gpa}/notifications"),
        ("unsubscribe", "public", "/unsubscribe/" + unsubscribe_token(
            site["fra"].id, site["zero"].consultation_id, "versions")),
    ]


def _in_language(address: str, lang: str) -> str:
    # The search page has its own `lang` (the language of the texts searched): there the
    # reader's saved choice (set for every client) gives the interface language.
    if address.startswith("/search"):
        return address
    return f"{address}{'&' if '?' in address else '?'}lang={lang}"


def _clients(app, site, lang):
    # The language first: messages flashed at log-in are worded in the language of then.
    clients = {who: app.test_client() for who in ("public", "delegate", "staff", "secretariat")}
    for client in clients.values():
        assert client.post("/language", data={"lang": lang}).status_code == 302
    for who, user in (("delegate", site["fra"]), ("staff", site["staff"]),
                      ("secretariat", site["secretariat"])):
        assert login(clients[who], user.email).status_code == 302
    return clients


def _endpoint(app, address: str) -> str | None:
    from werkzeug.exceptions import HTTPException

    try:
        return app.url_map.bind("localhost").match(address.split("?")[0])[0]
    except HTTPException:
        return None


def _fail_on(found: dict[str, list[str]], heading: str) -> None:
    """Fail with one line per page and English message (the assertion diff truncates)."""
    if found:
        pytest.fail(f"{heading} ({sum(map(len, found.values()))}):\n" + "\n".join(
            f"  {page}: {message!r}" for page, messages in found.items()
            for message in messages), pytrace=False)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_english_interface_text_on_any_page(app, site, lang):
    clients = _clients(app, site, lang)
    strings = english_strings(lang)
    found, rendered = {}, set()
    for name, who, address in _pages(site):
        response = clients[who].get(_in_language(address, lang))
        expected = int(name[6:9]) if name.startswith("error ") else 200
        if response.status_code != expected:
            found[name] = [f"HTTP {response.status_code} at {address}"]
            continue
        rendered.add(_endpoint(app, address))
        english = english_in(interface_text(response.get_data(as_text=True), lang), strings)
        if english:
            found[name] = english

    # Pages reached by a form: a refusal (400) and the preview of a new draft.
    refused = clients["public"].post(f"/language?lang={lang}", data={"lang": "xx"})
    assert refused.status_code == 400
    english = english_in(interface_text(refused.get_data(as_text=True), lang), strings)
    if english:
        found["error 400"] = english
    staff = clients["staff"]
    path = "/consultations/gpa/versions/new"
    preview = staff.post(f"{path}?lang={lang}", data={
        "csrf_token": csrf_token(staff, path), "label": "Rev.3", "text": DRAFT_REV1,
        "action": "preview"})
    assert preview.status_code == 200, preview.get_data(as_text=True)
    english = english_in(interface_text(preview.get_data(as_text=True), lang), strings)
    if english:
        found["new version preview"] = english
    # The confirmations asked before publishing or discarding a draft (a first POST).
    draft_path = f"/consultations/gpa/versions/{site['draft'].id}"
    for name, action in (("publish confirmation", "publish"),
                         ("discard confirmation", "discard")):
        asked = staff.post(f"{draft_path}/{action}?lang={lang}",
                           data={"csrf_token": csrf_token(staff, f"{draft_path}/review")})
        assert asked.status_code == 200, asked.get_data(as_text=True)
        english = english_in(interface_text(asked.get_data(as_text=True), lang), strings)
        if english:
            found[name] = english

    # The search page while this node's index is being rebuilt: the form and the notice.
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "SEARCH_REBUILD_INLINE_BELOW", 0)
        patch.setattr(SearchIndex, "exists", lambda self: False)
        patch.setattr(search_services, "start_background_rebuild", lambda broken=None: True)
        rebuilding = clients["public"].get("/search?q=States")
    assert rebuilding.status_code == 503, rebuilding.get_data(as_text=True)
    english = english_in(interface_text(rebuilding.get_data(as_text=True), lang), strings)
    if english:
        found["search while the index is rebuilt (503)"] = english

    # Every HTML page type of the application is in the list above.
    pages = {rule.endpoint for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and not rule.rule.startswith("/api/")
             and rule.endpoint not in NOT_PAGES}
    assert pages - rendered == set(), "add these pages to _pages()"
    _fail_on(found, f"English on the {lang} pages")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_english_fixed_wording_in_the_word_compilation_or_the_feed(app, site, lang):
    import docx

    client = app.test_client()
    found = {}
    response = client.get(f"/consultations/gpa/versions/{site['zero'].id}/compilation.docx"
                          f"?lang={lang}")
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.get_data()))
    text = "\n".join(p.text for p in document.paragraphs)
    # The document's own wording: what docx_export.py and the labels say (the draft and
    # the proposals are the delegations' words, in English here).
    wording = {**english_strings(lang, "consult/compilation/docx_export.py"),
               **english_strings(lang, "consult/labels.py")}
    if english := english_in(text, wording):
        found["compilation.docx"] = english

    response = client.get(f"/api/v1/consultations/gpa/feed.atom?lang={lang}")
    assert response.status_code == 200
    feed = etree.fromstring(response.get_data())
    titles = [e.text or "" for e in feed.iter("{http://www.w3.org/2005/Atom}title",
                                              "{http://www.w3.org/2005/Atom}subtitle")]
    wording = {**english_strings(lang, "consult/archive/feed.py"),
               **english_strings(lang, "consult/labels.py")}
    if english := english_in("\n".join(titles), wording):
        found["feed.atom titles"] = english
    _fail_on(found, f"English in the {lang} documents")


# --- the checker itself ----------------------------------------------------------------

def test_the_checker_sees_interface_text_and_skips_marked_content():
    strings = {"General statements": "General statements", "Published": "Published %(date)s."}
    page = ('<html lang="fr"><head><title>Déclarations</title><style>.a{}</style></head><body>'
            '<p lang="en">General statements</p><div lang="fr-CA"><p>Published 3 May</p></div>'
            '<script>var x = "General statements";</script>'
            '<a title="general statements">x</a><code>Published</code>'
            '<span translate="no">General statements</span></body></html>')
    text = interface_text(page, "fr")
    assert english_in(text, strings) == ["General statements", "Published %(date)s."]
    assert english_in(interface_text(page.replace(' title="general statements"', ""), "fr"),
                      strings) == ["Published %(date)s."]
    assert _fragments("%(num)d public submission, across every consultation") == [
        "public submission, across every consultation"]
    assert _fragments("Rev.%(n)s of %(label)s") == []  # nothing telling left
