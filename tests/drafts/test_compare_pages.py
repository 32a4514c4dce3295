"""Pages comparing two versions: inline, side by side, the chooser, caching, bad input."""

from __future__ import annotations

import re

import pytest

from consult.db import db
from consult.drafts import services
from tests.conftest import SMALL_DRAFT
from consult.permissions import COMMAND_LINE

# Rev.1: OP1 edited, OP3 replaced by a different paragraph.
REV1 = SMALL_DRAFT.replace("act;", "act without delay;").replace(
    "3. *Decides* to review the plan.",
    "3. *Requests* the Secretary-General to report annually on trafficking in persons.")


def publish(staff, consultation, label, text):
    version = services.create_version(staff, consultation, label=label, text=text, publish=True)
    db.session.commit()
    return version


@pytest.fixture
def versions(staff, consultation):
    """(zero draft id, Rev.1 id), both published."""
    zero = publish(staff, consultation, "Zero draft", SMALL_DRAFT)
    rev = publish(staff, consultation, "Rev.1", REV1)
    return zero.id, rev.id


def page(client, path, **kwargs):
    response = client.get(path, **kwargs)
    return response, response.get_data(as_text=True)


def change_items(html: str) -> list[tuple[str, str]]:
    """(classes, inner HTML) of each change shown in the inline list."""
    return re.findall(r'<li class="change ([^"]*)" id="[^"]*">(.*?)</li>', html, flags=re.DOTALL)


def test_inline_comparison_shows_each_change_with_word_diff_and_links(client, versions):
    zero, rev = versions
    response, html = page(client, f"/consultations/gpa/compare/{zero}/{rev}")
    assert response.status_code == 200
    assert "1 paragraph modified" in html and "1 added" in html and "1 removed" in html
    items = change_items(html)
    kinds = [classes.split()[0] for classes, _ in items]
    assert kinds == ["unchanged", "unchanged", "unchanged", "modified", "unchanged",
                     "unchanged", "unchanged", "removed", "added"]
    modified = items[3][1]
    assert re.findall(r"<ins>(.*?)</ins>", modified) == [" without delay"]
    assert "<del>" not in modified
    # Permanent links to the paragraph in each version.
    assert f'href="/consultations/gpa/versions/{zero}/paragraphs/OP1"' in modified
    assert f'href="/consultations/gpa/versions/{rev}/paragraphs/OP1"' in modified
    removed, added = items[7][1], items[8][1]
    assert "review the plan" in removed and f"/versions/{zero}/paragraphs/OP3" in removed
    assert "Secretary-General" in added and f"/versions/{rev}/paragraphs/OP3" in added
    assert "compare.css" in html and "<script" not in html


def test_moved_and_renumbered_paragraphs_say_so(client, staff, consultation):
    texts = ["*Prevent* trafficking through awareness campaigns in schools.",
             "*Protect* victims with shelters and legal aid everywhere.",
             "*Prosecute* traffickers and confiscate their criminal assets."]
    zero = publish(staff, consultation, "Zero", "\n\n".join(
        f"{n}. {t}" for n, t in enumerate(texts, 1)))
    rev = publish(staff, consultation, "Rev.1", "\n\n".join(
        f"{n}. {t}" for n, t in enumerate(["*Decides* to act.", texts[2], texts[1], texts[0]],
                                          1)))
    _, html = page(client, f"/consultations/gpa/compare/{zero.id}/{rev.id}")
    heads = re.findall(r'<strong class="labels">(.*?)</strong>\s*<span class="badge [a-z]+">'
                       r"(.*?)</span>", html)
    # Prosecute and Prevent changed places around Protect; Protect was only renumbered.
    assert heads == [("OP1", "added"), ("OP3 → OP2", "moved"), ("OP2 → OP3", "renumbered"),
                     ("OP1 → OP4", "moved")]
    _, arabic = page(client, f"/consultations/gpa/compare/{zero.id}/{rev.id}?lang=ar")
    assert "OP3 ← OP2" in arabic and 'dir="rtl"' in arabic


def test_side_by_side_puts_old_and_new_in_two_columns(client, versions):
    zero, rev = versions
    response, html = page(client, f"/consultations/gpa/compare/{zero}/{rev}?view=side")
    assert response.status_code == 200 and '<table class="side-by-side">' in html
    rows = re.findall(r'<tr class="change ([^"]*)" id="[^"]*">\s*<td class="old"[^>]*>(.*?)</td>'
                      r'\s*<td class="new"[^>]*>(.*?)</td>', html, flags=re.DOTALL)
    modified = next((old, new) for classes, old, new in rows if classes.startswith("modified"))
    assert "to act" in modified[0] and "<ins>" not in modified[0]
    assert re.findall(r"<ins>(.*?)</ins>", modified[1]) == [" without delay"]
    removed = next((old, new) for classes, old, new in rows if classes.startswith("removed"))
    assert "review the plan" in removed[0] and "Not in Rev.1" in removed[1]
    # On a narrow screen each cell is labelled with its version.
    assert 'data-version="Zero draft"' in html and 'data-version="Rev.1"' in html


def test_unknown_view_is_the_inline_view(client, versions):
    zero, rev = versions
    _, html = page(client, f"/consultations/gpa/compare/{zero}/{rev}?view=%3Cscript%3E")
    assert '<ol class="changes">' in html and "side-by-side" not in html
    assert "<script" not in html


def test_changes_only_hides_the_unchanged_paragraphs(client, versions):
    zero, rev = versions
    _, whole = page(client, f"/consultations/gpa/compare/{zero}/{rev}")
    _, changed = page(client, f"/consultations/gpa/compare/{zero}/{rev}?changes=only")
    assert "With shelter" in whole and "With shelter" not in changed
    assert [c.split()[0] for c, _ in change_items(changed)] == ["modified", "removed", "added"]
    # The links between views keep the choice.
    assert f"/compare/{zero}/{rev}?view=side&amp;changes=only" in changed


def test_published_comparison_has_etag_and_answers_304(client, versions):
    zero, rev = versions
    path = f"/consultations/gpa/compare/{zero}/{rev}"
    first = client.get(path)
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert "Set-Cookie" not in first.headers  # a shared cache may keep it
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    side = client.get(path + "?view=side", headers={"If-None-Match": first.headers["ETag"]})
    assert side.status_code == 200  # another view, another representation


def test_logged_in_readers_get_a_private_copy(client, versions, login_as):
    zero, rev = versions
    login_as("delegate")
    response = client.get(f"/consultations/gpa/compare/{zero}/{rev}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, max-age=300"


def test_drafts_are_404_to_the_public_and_private_to_staff(client, versions, staff,
                                                           consultation, login_as):
    zero, _rev = versions
    draft = services.create_version(staff, consultation, label="Rev.2", text=SMALL_DRAFT)
    db.session.commit()
    path = f"/consultations/gpa/compare/{zero}/{draft.id}"
    assert client.get(path).status_code == 404
    assert client.get(f"/consultations/gpa/compare/{draft.id}/{zero}").status_code == 404
    login_as("delegate")
    assert client.get(path).status_code == 404
    client.post("/logout", data={})
    login_as("cofacilitator")
    response, html = page(client, path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Rev.2" in html


def test_versions_of_another_consultation_are_refused(client, versions, staff):
    zero, _rev = versions
    other = services.create_consultation(COMMAND_LINE, slug="other-plan", title="Another plan")
    db.session.commit()
    first = services.create_version(COMMAND_LINE, other, label="A", text=SMALL_DRAFT, publish=True)
    second = services.create_version(COMMAND_LINE, other, label="B", text=REV1, publish=True)
    db.session.commit()
    # Both versions belong elsewhere: no such comparison under this address.
    assert client.get(f"/consultations/gpa/compare/{first.id}/{second.id}").status_code == 404
    assert client.get(f"/consultations/other-plan/compare/{first.id}/{second.id}") \
        .status_code == 200
    response, html = page(client, f"/consultations/gpa/compare/{zero}/{second.id}")
    assert response.status_code == 400
    assert "different consultations" in html


def test_a_version_with_itself_says_so(client, versions):
    zero, _rev = versions
    response, html = page(client, f"/consultations/gpa/compare/{zero}/{zero}")
    assert response.status_code == 200
    assert "These are the same version; choose two different ones." in html
    assert change_items(html) == []
    assert 'name="a"' in html and 'name="b"' in html  # the way to choose again


@pytest.mark.parametrize("tail", ["{z}/999999", "999999/{z}", "0/{z}", "-1/{z}",
                                  "99999999999999999999/{z}", "{z}/9223372036854775808",
                                  "abc/{z}"])
def test_unknown_or_overflowing_ids_are_404(client, versions, tail):
    zero, _rev = versions
    response = client.get("/consultations/gpa/compare/" + tail.format(z=zero))
    assert response.status_code == 404


def test_unknown_consultation_is_404(client, versions):
    zero, rev = versions
    assert client.get(f"/consultations/nope/compare/{zero}/{rev}").status_code == 404
    assert client.get("/consultations/nope/compare").status_code == 404


# --- choosing two versions --------------------------------------------------------------

def test_chooser_defaults_to_previous_and_newest(client, versions, staff, consultation):
    zero, rev = versions
    rev2 = publish(staff, consultation, "Rev.2", REV1 + "\n4. *Decides* to remain seized.\n")
    response, html = page(client, "/consultations/gpa/compare")
    assert response.status_code == 200
    select_a = re.search(r'<select name="a".*?</select>', html, flags=re.DOTALL).group(0)
    select_b = re.search(r'<select name="b".*?</select>', html, flags=re.DOTALL).group(0)
    assert f'<option value="{rev}" selected>' in select_a
    assert f'<option value="{rev2.id}" selected>' in select_b
    assert re.findall(r'<option value="(\d+)"', select_a) == [str(zero), str(rev), str(rev2.id)]


def test_chooser_redirects_to_the_permanent_address(client, versions):
    zero, rev = versions
    response = client.get(f"/consultations/gpa/compare?a={zero}&b={rev}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/consultations/gpa/compare/{zero}/{rev}")
    response = client.get(f"/consultations/gpa/compare?a={zero}&b={rev}&view=side&changes=only")
    assert response.headers["Location"].endswith(
        f"/consultations/gpa/compare/{zero}/{rev}?view=side&changes=only")
    followed = client.get(response.headers["Location"])
    assert followed.status_code == 200 and "side-by-side" in followed.get_data(as_text=True)


def test_chooser_refuses_what_is_not_a_version_of_this_consultation(client, versions, staff,
                                                                   consultation):
    zero, _rev = versions
    draft = services.create_version(staff, consultation, label="Rev.2", text=SMALL_DRAFT)
    db.session.commit()
    for query in (f"a={zero}&b=abc", f"a={zero}", f"a={zero}&b={draft.id}",
                  f"a={zero}&b=99999999999999999999"):
        response, html = page(client, f"/consultations/gpa/compare?{query}")
        assert response.status_code == 400, query
        assert "Choose two versions of this consultation." in html
        assert "Rev.2" not in html  # the draft stays hidden from the public


def test_chooser_with_a_single_version_says_there_is_nothing_to_compare(client, staff,
                                                                        consultation):
    publish(staff, consultation, "Zero draft", SMALL_DRAFT)
    _, html = page(client, "/consultations/gpa/compare")
    assert "nothing to compare yet" in html and "<select" not in html


def test_stylesheet_marks_changes_in_print_too(client):
    response = client.get("/static/compare.css")
    css = response.get_data(as_text=True)
    response.close()
    assert response.status_code == 200
    assert "@media print" in css and "line-through" in css
