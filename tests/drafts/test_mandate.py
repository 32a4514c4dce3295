"""Each consultation carries its own mandate line; the home page puts open ones first."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from consult.db import db, utcnow
from consult.drafts import services as drafts
from consult.drafts.models import Consultation, ConsultationStatus
from tests.conftest import SMALL_DRAFT
from consult.permissions import COMMAND_LINE


def footer_of(html: str) -> str:
    return html[html.index('<footer class="site">'):]


def header_of(html: str) -> str:
    return html[html.index('<header class="site">'):html.index("</header>")]


def test_consultation_pages_show_their_own_mandate_and_others_a_site_line(client, app):
    paris = drafts.create_consultation(COMMAND_LINE, slug="paris", title="Paris Agreement texts",
                                       mandate="UNFCCC decision 1/CP.17")
    drafts.create_consultation(COMMAND_LINE, slug="gpa", title="Global Plan of Action",
                               mandate="General Assembly resolution 64/178, paragraph 8")
    db.session.commit()
    page = client.get("/consultations/paris").get_data(as_text=True)
    assert "64/178" not in header_of(page) + footer_of(page)
    assert "trafficking" not in header_of(page).lower()
    assert "UNFCCC decision 1/CP.17" in footer_of(page)
    assert "Paris Agreement texts" in header_of(page)
    log = client.get("/consultations/paris/log").get_data(as_text=True)
    assert "UNFCCC decision 1/CP.17" in footer_of(log)
    home = client.get("/").get_data(as_text=True)
    assert "64/178" not in header_of(home) + footer_of(home)
    assert "trafficking" not in header_of(home).lower()
    gpa = client.get("/consultations/gpa").get_data(as_text=True)
    assert "General Assembly resolution 64/178, paragraph 8" in footer_of(gpa)
    assert "UNFCCC" not in footer_of(gpa)
    assert paris.mandate == "UNFCCC decision 1/CP.17"


def test_home_lists_open_consultations_first_and_says_how_to_take_part(client, staff):
    older = drafts.create_consultation(COMMAND_LINE, slug="open-one", title="Open for comment now")
    drafts.assign_cofacilitator(COMMAND_LINE, older, staff)
    drafts.create_version(staff, older, label="Zero draft", text=SMALL_DRAFT,
                          comments_close_at=utcnow() + dt.timedelta(days=5), publish=True)
    ended = drafts.create_consultation(COMMAND_LINE, slug="ended", title="Comment period over")
    drafts.assign_cofacilitator(COMMAND_LINE, ended, staff)
    drafts.create_version(staff, ended, label="Zero draft", text=SMALL_DRAFT, publish=True,
                          comments_close_at=utcnow() + dt.timedelta(days=5))
    ended_version = ended.versions[0]
    ended_version.comments_close_at = utcnow() - dt.timedelta(days=1)
    closed = drafts.create_consultation(COMMAND_LINE, slug="closed-one", title="Closed and final")
    closed.status = ConsultationStatus.closed
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    # The newest consultations come last here: the open one is listed first all the same.
    assert html.index("Open for comment now") < html.index("Comment period over")
    assert html.index("Open for comment now") < html.index("Closed and final")
    assert html.index("Open for comment now") < html.index("Closed and final")
    assert "How to take part" in html
    take_part = html[html.index("How to take part"):]
    assert 'href="/search"' in take_part and 'href="/moderation-log"' in take_part
    assert "secretariat" in take_part


def test_cli_sets_the_mandate(runner, app):
    result = runner.invoke(args=["consultations", "create", "--slug", "paris",
                                 "--title", "Paris", "--mandate", "UNFCCC decision 1/CP.17"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    found = db.session.scalar(select(Consultation).where(Consultation.slug == "paris"))
    assert found.mandate == "UNFCCC decision 1/CP.17"


def test_the_consultation_form_explains_the_mandate_line(client, login_as):
    login_as("secretariat")
    html = client.get("/consultations/new").get_data(as_text=True)
    assert 'name="mandate"' in html
    assert "shown at the foot of every page of the consultation" in html


def test_the_demo_gives_each_consultation_its_own_mandate_and_staff(runner, client):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    cop_log = client.get("/consultations/cop21-paris/log").get_data(as_text=True)
    table = cop_log[cop_log.index("<main"):cop_log.index("</main>")]
    assert "Portugal" not in table and "Cabo Verde" not in table
    assert "Algeria" in table
    cop_page = client.get("/consultations/cop21-paris").get_data(as_text=True)
    assert "64/178" not in cop_page and "trafficking" not in cop_page.lower()
    assert "1/CP.17" in footer_of(cop_page)
    gpa_log = client.get("/consultations/gpa-trafficking/log").get_data(as_text=True)
    assert "Portugal" in gpa_log and "Algeria" not in gpa_log
    gpa_page = client.get("/consultations/gpa-trafficking").get_data(as_text=True)
    assert "64/178" in footer_of(gpa_page)
    home = client.get("/").get_data(as_text=True)
    # The GPA's Rev.1 is open for comment; the COP21 record is closed.
    assert home.index("Global Plan of Action") < home.index("Paris Agreement")


def test_the_api_lists_each_consultations_mandate(client, consultation):
    listed = client.get("/api/v1/consultations").json["consultations"]
    assert listed[0]["mandate"] == "A/RES/64/178, para. 8"
    assert client.get("/api/v1/consultations/gpa").json["mandate"] == "A/RES/64/178, para. 8"


def test_the_secretariat_edits_the_mandate_on_the_consultation_form(client, login_as,
                                                                    consultation, app):
    from tests.conftest import csrf_token, fresh, login

    login_as("secretariat")
    page = client.get("/consultations/gpa").get_data(as_text=True)
    assert 'href="/consultations/gpa/edit"' in page
    form = client.get("/consultations/gpa/edit").get_data(as_text=True)
    assert "A/RES/64/178, para. 8" in form and 'name="slug"' not in form
    token = csrf_token(client, "/consultations/gpa/edit")
    response = client.post("/consultations/gpa/edit", data={
        "csrf_token": token, "title": "Global Plan of Action",
        "mandate": "General Assembly resolution 64/178, paragraph 8", "description": "",
        "cofacilitators": "Portugal and Cabo Verde", "reference_date": "2010-03-01"})
    assert response.status_code == 302 and response.headers["Location"] == "/consultations/gpa"
    fresh()
    assert consultation.mandate == "General Assembly resolution 64/178, paragraph 8"
    assert consultation.reference_date.isoformat() == "2010-03-01"
    assert "General Assembly resolution 64/178, paragraph 8" in footer_of(
        client.get("/consultations/gpa").get_data(as_text=True))
    # A blank title is refused and nothing changes.
    response = client.post("/consultations/gpa/edit", data={
        "csrf_token": token, "title": " ", "mandate": "Other"})
    assert response.status_code == 400
    fresh()
    assert consultation.mandate == "General Assembly resolution 64/178, paragraph 8"


def test_only_the_secretariat_edits_a_consultation(app, consultation, make_user):
    from tests.conftest import login

    cofacilitator = make_user("cofacilitator", delegation="PRT")
    browser = app.test_client()
    login(browser, cofacilitator.email)
    response = browser.get("/consultations/gpa/edit")
    assert response.status_code == 403
    assert "Only the secretariat may change" in response.get_data(as_text=True)
    assert 'href="/consultations/gpa/edit"' not in browser.get("/consultations/gpa").get_data(
        as_text=True)
    anonymous = app.test_client().get("/consultations/gpa/edit")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
