"""Issue 13, item 12: by default search the newest published version's text and every
submission, earlier versions one click away; a result is titled by its opening words."""

import re

import pytest

from consult.comments import services as comments
from consult.db import db
from consult.drafts import services as drafts
from consult.errors import Invalid
from consult.search import services as search_services
from tests.comments.conftest import publish_rev1
from tests.search.conftest import paragraph


@pytest.fixture
def two_versions(version, staff, consultation, fra):
    """The zero draft (with a comment on it) and Rev.1, both published."""
    old_comment = comments.post_comment(fra, paragraph(version, "OP2"),
                                        "France would protect victims of trafficking first.")
    db.session.commit()
    rev1 = publish_rev1(staff, consultation)
    return version, rev1, old_comment


def kinds(page):
    return sorted((r["type"], r["version"]["label"], r["paragraph_label"])
                  for r in page.results)


def test_default_scope_is_the_newest_version_and_every_submission(find, two_versions):
    zero, rev1, old_comment = two_versions
    page = find("protect victims")
    assert kinds(page) == [("comment", "Zero draft", "OP2"), ("paragraph", "Rev.1", "OP2")]
    assert page.scope == "latest"
    assert page.total == 2
    assert page.total_all_versions == 3  # the zero draft's OP2 is one click away


def test_earlier_versions_when_asked(find, request_ctx, two_versions):
    page = search_services.search(None, "protect victims", scope="all")
    assert kinds(page) == [("comment", "Zero draft", "OP2"), ("paragraph", "Rev.1", "OP2"),
                           ("paragraph", "Zero draft", "OP2")]
    assert page.total_all_versions is None  # nothing wider to offer


def test_a_version_filter_searches_that_version(find, two_versions):
    zero, rev1, _ = two_versions
    page = find("protect victims", version=str(zero.id))
    assert kinds(page) == [("comment", "Zero draft", "OP2"), ("paragraph", "Zero draft", "OP2")]


def test_an_unknown_scope_is_refused(request_ctx, version):
    with pytest.raises(Invalid):
        search_services.search(None, "victims", scope="everything")


def test_drafts_never_count(find, request_ctx, two_versions, staff, consultation):
    drafts.create_version(staff, consultation, label="Rev.2",
                          text="1. *Urges* States to protect victims with zebra crossings;\n")
    db.session.commit()
    for user in (None, staff):
        assert find("zebra", user=user).total == 0
        assert find("zebra", user=user).total_all_versions in (0, None)
        assert search_services.search(user, "zebra", scope="all").total == 0
    assert find("protect victims", user=staff).total_all_versions == 3


def test_a_newer_version_moves_the_default(find, two_versions, staff, consultation):
    assert find("delay").total == 1
    rev2 = drafts.create_version(staff, consultation, label="Rev.2",
                                 text="1. *Calls upon* Member States to act promptly;\n",
                                 publish=True)
    db.session.commit()
    page = find("delay")
    assert page.total == 0 and page.total_all_versions == 1
    assert find("promptly").results[0]["version"]["id"] == rev2.id


def test_results_are_titled_by_their_opening_words(find, two_versions, fra):
    page = find("protect victims")
    titles = {r["type"]: r["title"] for r in page.results}
    assert titles["paragraph"] == "Urges States to protect victims:"  # no Markdown
    assert titles["comment"] == "France would protect victims of trafficking first."


def test_long_titles_stop_at_a_word(find, post, fra):
    words = "The delegation of France considers that the protection of victims " \
            "of trafficking must come before any consideration of their immigration status " \
            "and asks for dormitories."
    post(fra, words)
    title = find("dormitories").results[0]["title"]
    assert title.endswith("…") and len(title) <= 100
    assert words.startswith(title[:-1].rstrip())
    assert title[:-1].rstrip().split()[-1] in words.split()


def test_chinese_titles_are_cut_by_characters(find, post, fra):
    text = "中国代表团认为，打击贩运人口的行动必须以受害者为中心，并充分尊重其人权和尊严，" * 3
    post(fra, text, language="zh")
    title = find("贩运").results[0]["title"]
    assert title.endswith("…") and 20 <= len(title) <= 50 and text.startswith(title[:-1])


def test_the_page_offers_earlier_versions_in_one_click(client, two_versions):
    html = client.get("/search?q=protect+victims").get_data(as_text=True)
    assert "2 results" in html
    link = re.search(r'<a href="([^"]*scope=all[^"]*)"[^>]*>([^<]*)</a>', html)
    assert link, "no link to earlier versions"
    assert "Include earlier versions (3 results)" in link.group(2)
    wider = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "3 results" in wider
    assert 'href="/search?q=protect+victims"' in wider  # and back


def test_the_page_titles_results_and_puts_metadata_below(client, two_versions):
    html = client.get("/search?q=protect+victims").get_data(as_text=True)
    titles = re.findall(r'<h3 class="result-title"><a [^>]*>(.*?)</a></h3>', html, re.S)
    assert [" ".join(t.split()) for t in titles] == [
        "Urges States to protect victims:", "France would protect victims of trafficking first."] \
        or sorted(" ".join(t.split()) for t in titles) == sorted([
            "Urges States to protect victims:",
            "France would protect victims of trafficking first."])
    meta = re.findall(r'<p class="result-meta">(.*?)</p>', html, re.S)
    assert any("Rev.1" in m and "OP2" in m for m in meta)


def test_the_api_has_scope_titles_and_the_wider_total(client, two_versions):
    # API v1 clients always searched every published version: that stays the default.
    wider = client.get("/api/v1/search?q=protect+victims").get_json()
    assert wider["total"] == 3 and wider["scope"] == "all"
    body = client.get("/api/v1/search?q=protect+victims&scope=latest").get_json()
    assert body["scope"] == "latest" and body["total"] == 2
    assert body["total_all_versions"] == 3
    assert all(r["title"] for r in body["results"])
    assert client.get("/api/v1/search?q=victims&scope=nope").status_code == 400


def test_the_demo_answers_chinese_and_arabic_searches(runner, request_ctx):
    assert runner.invoke(args=["demo"]).exit_code == 0
    for query in ("贩运", "الاتجار"):
        page = search_services.search(None, query)
        found = [r for r in page.results if r["type"] != "paragraph"]
        assert found, query
        assert all(r["language"] in ("zh", "ar") for r in found)
    assert runner.invoke(args=["demo"]).exit_code == 0  # safe to rerun
