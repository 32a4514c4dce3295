"""Finding a paragraph in a long text: contents, "jump to paragraph", distinct link names,
and the page of a chapeau paragraph showing its sub-paragraphs (issue 13, item 10)."""

import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import event

from consult.db import db
from consult.drafts import services as drafts
from consult.pages import find_paragraph
from tests.comments.conftest import version  # noqa: F401  (the published zero draft)


def page(client, version, query=""):
    return client.get(f"/consultations/gpa/versions/{version.id}{query}")


def test_the_version_page_has_a_jump_form_and_contents_near_the_top(client, version):
    html = page(client, version).get_data(as_text=True)
    form = re.search(r'<form[^>]*class="jump"[^>]*>.*?</form>', html, re.S)
    assert form, "no jump form"
    assert 'method="get"' in form.group() and 'name="to"' in form.group()
    assert "Jump to paragraph" in form.group()
    # Before the record links and the text: a handful of tab stops from the top.
    assert html.index('class="jump"') < html.index('class="record-links"')
    contents = re.search(r'<details class="contents">.*?</details>', html, re.S)
    assert contents, "no contents"
    for anchor in ("H1", "PP1", "PP2", "OP1", "OP2", "OP2_a", "OP2_b", "OP3"):
        assert f'href="#{anchor}"' in contents.group(), anchor
    assert "Draft plan" in contents.group()  # headings by their text


@pytest.mark.parametrize("typed, anchor", [
    ("OP3", "OP3"), ("op3", "OP3"), ("OP 3", "OP3"), ("3", "OP3"), (" 3. ", "OP3"),
    ("op2(a)", "OP2_a"), ("2 (b)", "OP2_b"), ("OP2_a", "OP2_a"), ("2a", "OP2_a"),
    ("pp2", "PP2"), ("ＯＰ３", "OP3"), ("h1", "H1")])
def test_a_typed_label_jumps_to_its_paragraph(client, version, typed, anchor):
    response = page(client, version, "?" + urlencode({"to": typed}))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/consultations/gpa/versions/{version.id}#{anchor}")


def test_the_jump_keeps_the_text_language(client, version):
    response = page(client, version, "?to=op1&text=en")
    assert response.headers["Location"].endswith(f"/versions/{version.id}?text=en#OP1")


def test_an_unknown_label_says_so_and_offers_the_form_again(client, version):
    response = page(client, version, "?to=op99")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Zero draft has no paragraph op99." in html
    assert 'role="alert"' in html and 'value="op99"' in html
    # The text is still there to read.
    assert 'id="OP3"' in html


def test_find_paragraph_prefers_the_exact_label(version):
    assert find_paragraph(version.paragraphs, "OP2").label == "OP2"
    assert find_paragraph(version.paragraphs, "") is None
    assert find_paragraph(version.paragraphs, "x" * 500) is None


def test_every_comment_link_has_its_own_name(client, version):
    html = page(client, version).get_data(as_text=True)
    links = re.findall(r'<p class="comments-link">(.*?)</p>', html, re.S)
    assert len(links) == 8
    names = [" ".join(re.sub(r"<[^>]+>", "", link).split()) for link in links]
    assert len(set(names)) == len(names), names
    assert "Comment or propose an amendment (paragraph OP2(a))" in names


def test_the_contents_add_no_query_per_paragraph(client, version, staff, consultation):
    def count_queries(target):
        counted = []

        def on_execute(*args):
            counted.append(1)

        event.listen(db.engine, "before_cursor_execute", on_execute)
        try:
            assert page(client, target).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", on_execute)
        return len(counted)

    small = count_queries(version)
    many = "\n\n".join(f"{n}. *Decides* item number {n} of the plan;" for n in range(1, 121))
    long_version = drafts.create_version(staff, consultation, label="Rev.1",
                                         text="# Long\n\n" + many, publish=True)
    db.session.commit()
    # Rev.1 also counts the threads left on the zero draft: a few queries more, whatever
    # its length; a query per paragraph would add more than a hundred.
    assert count_queries(long_version) <= small + 6


def test_a_chapeau_page_shows_its_subparagraphs_each_with_its_link(client, version):
    html = client.get(f"/consultations/gpa/versions/{version.id}/paragraphs/OP2") \
        .get_data(as_text=True)
    article = re.search(r'<article class="draft.*?</article>', html, re.S).group()
    assert "Urges" in article and "With shelter;" in article and "With legal aid;" in article
    assert f'href="/consultations/gpa/versions/{version.id}/paragraphs/OP2_a"' in article
    assert f'href="/consultations/gpa/versions/{version.id}/paragraphs/OP2_b"' in article
    assert "Decides" not in article  # OP3 is not part of OP2


def test_a_subparagraph_page_shows_its_chapeau(client, version):
    html = client.get(f"/consultations/gpa/versions/{version.id}/paragraphs/OP2_a") \
        .get_data(as_text=True)
    assert "Urges" in html and "With shelter;" in html
    assert f'href="/consultations/gpa/versions/{version.id}/paragraphs/OP2"' in html


def test_what_was_typed_is_escaped_and_cut(client, version):
    response = page(client, version, "?" + urlencode({"to": "<script>x</script>" + "9" * 300}))
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "<script>x" not in html and "&lt;script&gt;x" in html
    assert "9" * 200 not in html.split('role="alert"', 1)[1].split("</p>", 1)[0]
