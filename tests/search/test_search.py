"""Searching through the service: results, syntax, filters, facets, sorting, visibility."""

import datetime as dt

import pytest
from sqlalchemy import update

from consult.permissions import COMMAND_LINE
from consult.moderation import services as moderation
from consult.comments import services as comments
from consult.comments.models import Submission
from consult.db import db, utcnow
from consult.drafts import services as drafts
from consult.errors import Invalid
from consult.search import services as search_services
from consult.search.outbox import record_submission_change
from tests.comments.conftest import publish_rev1
from tests.search.conftest import ids, paragraph


def test_a_result_says_what_who_where_and_when(find, post, fra, version):
    made = post(fra, "Who asked for a **trust fund** for victims?", label="OP2")
    page = find("trust fund")
    assert page.total == 1
    result = page.results[0]
    assert result["type"] == "comment" and result["id"] == made.id
    assert result["delegation"]["code"] == "FRA"
    assert result["version"] == {"id": version.id, "label": "Zero draft"}
    assert result["paragraph_label"] == "OP2"
    assert result["created_at"] == made.created_at
    assert result["url"] == f"/consultations/gpa/submissions/{made.id}"
    assert '<mark class="match term0">trust</mark>' in result["snippet"]
    assert '<mark class="match term1">fund</mark>' in result["snippet"]


def test_published_paragraph_text_is_found_and_drafts_are_not(find, version, staff, consultation):
    page = find("shelter")
    assert [(r["type"], r["paragraph_label"]) for r in page.results] == [("paragraph", "OP2(a)")]
    assert page.results[0]["url"] == f"/consultations/gpa/versions/{version.id}/paragraphs/OP2(a)"
    drafts.create_version(staff, consultation, label="Rev.1",
                          text="1. *Calls upon* States to fund zebra crossings;\n")
    db.session.commit()
    assert find("zebra").total == 0
    assert find("zebra", user=staff).total == 0  # drafts are not searched at all


def test_a_published_revision_is_searchable_once_published(find, staff, consultation, version):
    publish_rev1(staff, consultation)
    page = find("delay")
    assert [r["version"]["label"] for r in page.results] == ["Rev.1"]


def test_phrases_keep_word_order(find, post, fra, nor):
    first = post(fra, "Forced labour must end.")
    post(nor, "Labour that is forced must end.")
    assert ids(find('"forced labour"')) == [first.id]
    assert len(ids(find("forced labour"))) == 2


def test_or_not_and_and(find, post, fra, nor, can):
    a = post(fra, "Shelters for victims.")
    b = post(nor, "Hotlines for victims.")
    c = post(can, "Shelters and hotlines.")
    assert sorted(ids(find("shelters OR hotlines"))) == sorted([a.id, b.id, c.id])
    assert sorted(ids(find("victims NOT hotlines"))) == [a.id]
    assert sorted(ids(find("shelters AND hotlines"))) == [c.id]
    assert sorted(ids(find("shelters hotlines"))) == [c.id]  # all words by default


def test_a_prefix_wildcard_needs_three_letters(find, post, fra, nor):
    a = post(fra, "Traffickers must be prosecuted.")
    b = post(nor, "Trafficking harms everyone.")
    assert sorted(ids(find("traffick*"))) == sorted([a.id, b.id])
    assert sorted(ids(find("TRAFFICK*"))) == sorted([a.id, b.id])
    for query in ("*", "a*", "tr*", "t*ing", "?rafficking"):
        with pytest.raises(Invalid):
            find(query)


def test_amendments_are_found_by_their_proposed_wording(find, fra, version):
    made = comments.propose_amendment(fra, paragraph(version, "OP1"),
                                      "*Calls upon* Member States to act with diligence;",
                                      "Stronger verb.")
    db.session.commit()
    page = find("diligence")
    assert ids(page) == [made.id] and page.results[0]["type"] == "amendment"
    assert page.results[0]["disposition"] == "pending"


def test_filters_narrow_and_facets_count(find, post, fra, nor, make_user, version, staff,
                                         consultation):
    eu = make_user("delegate", delegation="EU")
    a = post(fra, "Data collection on trafficking.")
    b = post(nor, "Data collection in every region.")
    c = post(eu, "Data collection by the Union.", label="OP2")
    rev1 = publish_rev1(staff, consultation)
    d = comments.post_comment(fra, paragraph(rev1, "OP1"), "Data collection again.")
    db.session.commit()
    everything = find("data collection")
    assert everything.total == 4
    assert {f["value"]: f["count"] for f in everything.facets["delegation"]} == {
        "FRA": 2, "NOR": 1, "EU": 1}
    assert {f["value"]: f["count"] for f in everything.facets["dtype"]} == {
        "member_state": 3, "group": 1}
    assert {f["label"]: f["count"] for f in everything.facets["version"]} == {
        "Zero draft": 3, "Rev.1": 1}
    assert sorted(ids(find("data collection", delegation="fra"))) == sorted([a.id, d.id])
    assert ids(find("data collection", delegation_type="group")) == [c.id]
    assert ids(find("data collection", version=rev1.id)) == [d.id]
    assert sorted(ids(find("data collection", version=version.id))) == sorted([a.id, b.id, c.id])
    assert find("data collection", type="paragraph").total == 0
    assert find("data collection", kind="amendment").total == 0
    assert find("data collection", lang="fr").total == 0
    assert find("data collection", lang="en").total == 4


def test_date_range_and_sorting(find, fra, nor, can, version):
    now = utcnow()
    old = comments.post_comment(fra, paragraph(version, "OP1"), "Monitoring mechanism.",
                                now=now - dt.timedelta(days=3))
    mid = comments.post_comment(nor, paragraph(version, "OP1"), "Monitoring mechanism and monitoring.",
                                now=now - dt.timedelta(days=2))
    new = comments.post_comment(can, paragraph(version, "OP1"), "A monitoring mechanism.",
                                now=now - dt.timedelta(days=1))
    db.session.commit()
    assert ids(find("monitoring", sort="date")) == [new.id, mid.id, old.id]
    day = (now - dt.timedelta(days=2)).date().isoformat()
    assert ids(find("monitoring", **{"from": day, "to": day})) == [mid.id]
    assert sorted(ids(find("monitoring", **{"from": day}))) == sorted([mid.id, new.id])
    with pytest.raises(Invalid):
        find("monitoring", **{"from": "2010-02-01", "to": "2010-01-01"})
    with pytest.raises(Invalid):
        find("monitoring", **{"from": "yesterday"})


def test_pages(find, request_ctx, make_user, version):
    made = []
    for n, code in enumerate(["FRA", "NOR", "CAN", "DEU", "ITA"]):
        user = make_user("delegate", delegation=code)
        made.append(comments.post_comment(user, paragraph(version, "OP1"), f"Prevention {n}."))
    db.session.commit()
    first = search_services.search(None, "prevention", sort="date", page=1, per_page=2)
    third = search_services.search(None, "prevention", sort="date", page=3, per_page=2)
    assert first.total == 5 and first.pages == 3
    assert [r["id"] for r in first.results] == [made[4].id, made[3].id]
    assert [r["id"] for r in third.results] == [made[0].id]
    beyond = search_services.search(None, "prevention", page=9, per_page=2)
    assert beyond.total == 5 and beyond.results == []
    for bad in ({"page": 0}, {"page": "x"}, {"per_page": 1000}, {"sort": "random"}):
        with pytest.raises(Invalid):
            search_services.search(None, "prevention", **bad)


def _hide(submission):
    """Hide as moderation does: the flag, and the index told in the same commit."""
    moderation.hide_submission(COMMAND_LINE, submission, reason_code="abusive")
    db.session.commit()


def test_hidden_and_withdrawn_are_found_only_by_their_author_and_the_staff(
        find, post, fra, nor, staff, make_user):
    hidden = post(fra, "Confidential zeppelin remark.")
    reply = post(nor, "Reply about the zeppelin.", parent_id=hidden.id)
    withdrawn = post(nor, "Withdrawn zeppelin idea.", label="OP2")
    public = post(nor, "Public zeppelin view.", label="PP1")
    assert find("zeppelin").total == 4
    _hide(hidden)
    comments.withdraw_submission(nor, withdrawn)
    db.session.commit()
    other = make_user("delegate", delegation="CAN")
    other_staff = make_user("cofacilitator", delegation="DEU", consultations=[])
    assert ids(find("zeppelin")) == [public.id]
    assert ids(find("zeppelin", user=other)) == [public.id]
    assert ids(find("zeppelin", user=other_staff)) == [public.id]  # not their consultation
    assert sorted(ids(find("zeppelin", user=fra))) == sorted([hidden.id, public.id])
    # NOR wrote the reply and the withdrawn one: the reply stays hidden with its parent,
    # but its author still finds it.
    assert sorted(ids(find("zeppelin", user=nor))) == sorted([reply.id, withdrawn.id, public.id])
    moderator = find("zeppelin", user=staff)
    assert sorted(ids(moderator)) == sorted([hidden.id, reply.id, withdrawn.id, public.id])
    statuses = {r["id"]: r["status"] for r in moderator.results}
    assert statuses[hidden.id] == "hidden" and statuses[withdrawn.id] == "withdrawn"
    # Facets count only what the asker may see.
    assert find("zeppelin").facets["delegation"] == [
        {"value": "NOR", "label": "Norway", "count": 1}]


def test_an_edit_replaces_the_words_found(find, post, fra):
    made = post(fra, "Original wording about lighthouses.")
    comments.edit_submission(fra, made, body="New wording about harbours.")
    db.session.commit()
    assert ids(find("lighthouses")) == []
    assert ids(find("harbours")) == [made.id]


def test_snippets_escape_everything_but_the_marks(find, post, fra):
    post(fra, 'Beware <script>alert("x")</script> <img src=x onerror=alert(1)> of kestrels & co.')
    snippet = find("kestrels").results[0]["snippet"]
    assert "<script" not in snippet and "<img" not in snippet
    assert "&lt;/script&gt;" in snippet and "&amp;" in snippet
    assert '<mark class="match term0">kestrels</mark>' in snippet
    without_marks = snippet.replace('<mark class="match term0">', "").replace("</mark>", "")
    assert "<" not in without_marks


HOSTILE = ["*", "a*", "{a TO z}", "[a TO z]", '"unbalanced', "(((trafficking", "trafficking)))",
           " OR ".join(f"w{i}" for i in range(3000)), "x" * 100_000, "text_en:foo",
           "visibility:hidden", "id:s1", "NOT", "AND OR NOT", '""', "()", "^2", "~", "a~2",
           "trafficking^100", "\\", "'", "%", "🙂", "\u202e", "*:*", "?", "ab?", "t*"]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_get_results_or_a_clear_refusal(find, post, fra, query):
    post(fra, "Trafficking in persons.")
    try:
        page = find(query)
    except Invalid as exc:
        assert exc.message and exc.status == 400
    else:
        assert page.total >= 0
        assert all(r["type"] for r in page.results)


def test_field_syntax_cannot_reach_hidden_documents(find, post, fra, nor):
    hidden = post(fra, "Secret okapi.")
    _hide(hidden)
    assert find("visibility:hidden okapi").total == 0
    assert find("okapi", user=nor).total == 0


def test_did_you_mean_corrects_a_misspelt_word(find, post, fra):
    made = post(fra, "Trafficking victims need shelters.")
    # Two words, one misspelt: the other is kept, the operator too.
    page = find("shleters NOT hotlines")
    assert page.total == 0 and page.suggestion == "shelters NOT hotlines"
    page = find("shleters")
    assert page.total == 0 and page.suggestion == "shelters"
    assert made.id in ids(find(page.suggestion))
    assert find("zzzzqqq").suggestion is None
    assert find("贩运").suggestion is None


def test_did_you_mean_never_suggests_words_from_hidden_submissions(find, post, fra, nor):
    hidden = post(fra, "A secret about zanzibarsecret.")
    post(nor, "Victims first.")
    _hide(hidden)
    page = find("zanzibarsecrxt OR victimz")
    assert page.total == 0
    assert page.suggestion == "zanzibarsecrxt OR victims"  # the hidden word is never offered
    assert find("zanzibarsecrxt", user=fra).suggestion == "zanzibarsecret"  # its author


def test_limits_count_the_words_typed(find, post, fra):
    made = post(fra, "one two three four five six seven eight nine ten eleven twelve thirteen")
    assert ids(find("one two three four five six seven eight nine ten eleven twelve "
                    "thirteen")) == [made.id]
    with pytest.raises(Invalid, match="at most 8 words"):
        find('"a b c d e f g h i"')
    with pytest.raises(Invalid, match="too many words"):
        find(".".join(["the"] * 60))


def test_prefixes_are_the_letters_typed_not_stems(find, post, fra, nor):
    made = post(fra, "Les résolutions adoptées.")
    other = post(nor, "Resources for victims.")
    assert sorted(ids(find("res*"))) == sorted([made.id, other.id])
    assert ids(find("résol*")) == [made.id]
    assert sorted(ids(find("resol* OR resour*"))) == sorted([made.id, other.id])


@pytest.mark.parametrize("dates", [{"to": "9999-12-31"}, {"from": "1969-12-31"},
                                   {"from": "0001-01-01"}])
def test_dates_out_of_range_are_refused(find, post, fra, dates):
    post(fra, "Dated text.")
    with pytest.raises(Invalid, match="out of range"):
        find("dated", **dates)


def test_not_inside_or_is_answered_on_arrays(find, post, fra, nor):
    a = post(fra, "Shelters for victims.")
    b = post(nor, "Hotlines only.")
    page = find("hotlines OR NOT victims")
    assert b.id in ids(page) and a.id not in ids(page)


@pytest.mark.parametrize("who, expected", [
    ("public", False), ("author", True), ("same_delegation", False), ("other_delegation", False),
    ("observer", False), ("staff", True), ("unassigned_staff", False), ("secretariat", True)])
def test_who_may_find_an_unlisted_submission(post, fra, staff, make_user, who, expected):
    from consult import permissions

    made = post(fra, "Withdrawn later.")
    users = {
        "public": None, "author": fra, "staff": staff,
        "same_delegation": lambda: make_user("delegate", delegation="FRA"),
        "other_delegation": lambda: make_user("delegate", delegation="NOR"),
        "observer": lambda: make_user("observer"),
        "unassigned_staff": lambda: make_user("cofacilitator", delegation="DEU",
                                              consultations=[]),
        "secretariat": lambda: make_user("secretariat", delegation=None),
    }
    user = users[who]() if callable(users[who]) else users[who]
    assert permissions.can(user, "find_unlisted_submission", made) is expected


def test_the_disposition_filter(find, fra, nor, version):
    from consult.comments.models import Disposition

    amendment = comments.propose_amendment(fra, paragraph(version, "OP1"),
                                           "*Calls upon* States to act with resolve;", "")
    decided = comments.propose_amendment(nor, paragraph(version, "OP2"),
                                         "*Urges* States to protect victims with resolve:", "")
    db.session.execute(update(Submission).where(Submission.id == decided.id)
                       .values(disposition=Disposition.incorporated))
    record_submission_change(decided.id)
    db.session.commit()
    assert ids(find("resolve", disposition="pending")) == [amendment.id]
    assert ids(find("resolve", disposition="incorporated")) == [decided.id]
    assert {f["value"]: f["count"] for f in find("resolve").facets["disposition"]} == {
        "pending": 1, "incorporated": 1}
    with pytest.raises(Invalid):
        find("resolve", disposition="rejected")
