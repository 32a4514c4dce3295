"""The search page and GET /api/v1/search, through the HTTP layer."""

import re

import pytest

from consult.db import db
from tests.search.conftest import paragraph
from tests.search.test_search import HOSTILE, _hide


@pytest.fixture
def corpus(post, fra, nor, make_user):
    eu = make_user("delegate", delegation="EU")
    return {
        "fra": post(fra, "A voluntary trust fund for victims, says France.", label="OP2"),
        "nor": post(nor, "Norway asks for a trust fund managed by UNODC."),
        "eu": post(eu, "Fonds d'affectation spéciale pour les victimes.", label="PP1"),
    }


def test_every_page_has_a_search_box(client, version):
    for path in ("/", "/consultations/gpa", f"/consultations/gpa/versions/{version.id}",
                 "/login"):
        html = client.get(path).get_data(as_text=True)
        assert 'action="/search"' in html and 'name="q"' in html, path


def test_the_search_page_shows_attributed_results_with_marks(client, corpus, version):
    response = client.get("/search?q=trust+fund")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 results" in html
    assert f'href="/consultations/gpa/submissions/{corpus["fra"].id}"' in html
    assert "FRA" in html and "NOR" in html and "OP2" in html and "Zero draft" in html
    assert '<mark class="match term0">trust</mark>' in html
    # Facets link to narrowed searches, which work without JavaScript.
    assert 'href="/search?q=trust+fund&amp;delegation=NOR"' in html
    narrowed = client.get("/search?q=trust+fund&delegation=NOR").get_data(as_text=True)
    assert "1 result" in narrowed
    assert f'/submissions/{corpus["nor"].id}"' in narrowed
    assert f'/submissions/{corpus["fra"].id}"' not in narrowed


def test_the_search_page_finds_french_without_accents(client, corpus):
    html = client.get("/search?q=speciale").get_data(as_text=True)
    assert f'/submissions/{corpus["eu"].id}"' in html
    assert '<mark class="match term0">spéciale</mark>' in html


def test_pagination_links(client, make_user, version):
    from consult.comments import services as comments

    for code in ("FRA", "NOR", "CAN", "DEU"):
        comments.post_comment(make_user("delegate", delegation=code), paragraph(version, "OP1"),
                              "Repatriation of victims.")
    db.session.commit()
    html = client.get("/search?q=repatriation&page=1&per_page=2").get_data(as_text=True)
    # The page size is the reader's choice only in the API; the page shows 20 at a time.
    assert "4 results" in html and 'rel="next"' not in html


@pytest.mark.parametrize("query", ["*", "a*", "x" * 600, " OR ".join(["w"] * 200)])
def test_bad_searches_get_a_message_on_the_page(client, version, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="flash error"' in html
    assert 'name="q"' in html  # the form is still there to correct the search


@pytest.mark.parametrize("args", [{"q": "x", "version": "abc"}, {"q": "x", "lang": "de"},
                                  {"q": "x", "from": "soon"}, {"q": "x", "type": "blog"},
                                  {"q": "x", "sort": "random"}, {"q": "x", "page": "-1"}])
def test_bad_filters_are_refused_with_a_message(client, version, args):
    page = client.get("/search", query_string=args)
    assert page.status_code == 400 and 'class="flash error"' in page.get_data(as_text=True)
    api = client.get("/api/v1/search", query_string=args)
    assert api.status_code == 400 and api.get_json()["error"]["code"] == "invalid"


def test_the_api_answers_with_the_documented_fields(client, corpus, version):
    response = client.get("/api/v1/search?q=trust+fund&per_page=1")
    assert response.status_code == 200
    data = response.get_json()
    assert data["total"] == 2 and data["pages"] == 2 and len(data["results"]) == 1
    result = data["results"][0]
    assert set(result) >= {"type", "id", "url", "snippet", "delegation", "version",
                           "paragraph_label", "created_at"}
    assert result["url"].startswith("http://localhost/consultations/gpa/submissions/")
    assert "<mark" in result["snippet"]
    assert {f["value"] for f in data["facets"]["delegation"]} == {"FRA", "NOR"}
    filtered = client.get(f"/api/v1/search?q=trust+fund&delegation=FRA&version={version.id}"
                          "&type=comment&lang=en").get_json()
    assert [r["id"] for r in filtered["results"]] == [corpus["fra"].id]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_through_the_api_never_500(client, corpus, query):
    response = client.get("/api/v1/search", query_string={"q": query})
    assert response.status_code in (200, 400)
    body = response.get_json()
    assert ("error" in body) if response.status_code == 400 else ("results" in body)


def test_hidden_submissions_do_not_leak_through_page_or_api(client, login_as, corpus):
    _hide(corpus["nor"])
    assert f'/submissions/{corpus["nor"].id}"' not in client.get(
        "/search?q=trust+fund").get_data(as_text=True)
    api = client.get("/api/v1/search?q=UNODC").get_json()
    assert api["total"] == 0 and api["facets"]["delegation"] == []
    login_as("delegate", delegation="CAN")
    assert client.get("/api/v1/search?q=UNODC").get_json()["total"] == 0


def test_a_moderator_sees_hidden_ones_marked(client, login_as, corpus):
    _hide(corpus["nor"])
    login_as("cofacilitator", delegation="PRT")
    html = client.get("/search?q=UNODC").get_data(as_text=True)
    assert f'/submissions/{corpus["nor"].id}"' in html and "Hidden by the moderators" in html


def test_the_openapi_document_describes_search(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/search"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names >= {"q", "type", "kind", "delegation", "version", "lang", "from", "to",
                     "page", "per_page"}


def test_a_new_submission_is_searchable_at_once(client, login_as, version):
    login_as("delegate", delegation="NOR")
    from tests.conftest import csrf_token

    token = csrf_token(client, "/")
    client.post(f"/consultations/gpa/versions/{version.id}/paragraphs/OP1/submissions",
                data={"csrf_token": token, "kind": "comment", "body": "Newly posted: quokka."})
    html = client.get("/search?q=quokka").get_data(as_text=True)
    assert "1 result" in html and re.search(r"/submissions/\d+\"", html)


def test_did_you_mean_on_the_page_and_in_the_api(client, corpus):
    html = client.get("/search?q=UNDOC").get_data(as_text=True)
    assert 'Did you mean <a href="/search?q=unodc"' in html
    assert client.get("/api/v1/search?q=UNDOC").get_json()["suggestion"] == "unodc"
    assert client.get("/api/v1/search?q=UNODC").get_json()["suggestion"] is None
