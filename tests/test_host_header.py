"""Issue 17, security gaps: the Host header cannot put foreign links into what the site
serves, nor into what shared caches keep (PUBLIC_URL, TRUSTED_HOSTS)."""

from __future__ import annotations

import pytest

from consult import create_app
from consult.db import db
from consult.drafts import services
from consult.public_url import HostGuard, check_public_url
from consult.settings import ConfigError
from tests.conftest import SMALL_DRAFT

EVIL = {"Host": "evil.example"}


def _guard(app, public_url="", trusted=()):
    """What create_app installs for these settings, in place of the tests' own guard."""
    layer = app.wsgi_app
    while not hasattr(layer, "pages"):
        layer = layer.app
    app.config["PUBLIC_URL"] = check_public_url(public_url)
    app.config["TRUSTED_HOSTS"] = trusted
    app.wsgi_app = HostGuard(layer, app.config["PUBLIC_URL"], trusted) \
        if public_url or trusted else layer


@pytest.fixture
def published(consultation, staff):
    version = services.create_version(staff, consultation, label="Zero draft",
                                      text=SMALL_DRAFT, publish=True)
    db.session.commit()
    return version


def test_public_url_builds_every_absolute_link_whatever_the_host(app, client, published):
    _guard(app, public_url="https://consult.example.org")
    for path in ("/api/v1/consultations/gpa/feed.atom", "/api/v1/consultations/gpa/export.json",
                 f"/api/v1/versions/{published.id}", "/api/v1/consultations/gpa"):
        answer = client.get(path, headers=EVIL)
        body = answer.get_data(as_text=True)
        assert answer.status_code == 200, path
        assert "evil.example" not in body, path
        assert "https://consult.example.org/" in body, path
        assert answer.headers["Cache-Control"].startswith("public"), path


def test_a_host_not_trusted_is_refused_before_any_kept_page(app, client, published):
    _guard(app, trusted=("consult.example.org",))
    good = {"Host": "consult.example.org"}
    assert client.get("/consultations/gpa", headers=good).status_code == 200
    assert client.get("/consultations/gpa", headers=good).status_code == 200  # now kept
    for path in ("/consultations/gpa", "/api/v1/consultations/gpa/feed.atom", "/login"):
        refused = client.get(path, headers=EVIL)
        assert refused.status_code == 400, path
        assert refused.get_data() == b"Unknown host.\n"
    assert client.get("/consultations/gpa", headers={"Host": "consult.example.org:8443"}) \
        .status_code == 200


def test_without_either_setting_links_follow_the_request_and_are_not_shared(app, client,
                                                                           published):
    _guard(app)
    answer = client.get("/api/v1/consultations/gpa/feed.atom", headers=EVIL)
    assert "http://evil.example/" in answer.get_data(as_text=True)  # a development machine
    assert answer.headers["Cache-Control"].startswith("private")
    export = client.get("/api/v1/consultations/gpa/export.json", headers=EVIL)
    assert "http://evil.example/" in export.get_data(as_text=True)
    assert export.headers["Cache-Control"].startswith("private")
    # Pages carry no absolute link: nothing of the Host reaches them.
    page = app.test_client().get(f"/consultations/gpa/versions/{published.id}", headers=EVIL)
    assert page.status_code == 200 and "evil.example" not in page.get_data(as_text=True)


@pytest.mark.parametrize("value", ["consult.example.org", "https://consult.example.org/app",
                                   "ftp://consult.example.org", "https://"])
def test_a_public_url_that_is_not_a_site_address_stops_the_start(tmp_path, value):
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        create_app({"PUBLIC_URL": value, "SECRET_KEY": "x"}, instance=tmp_path / "inst")
