"""Layered configuration and the application factory."""

import pytest

from consult import create_app
from consult.settings import ConfigError, load_settings


def test_defaults_declare_every_key():
    settings = load_settings(environ={})
    assert settings["POST_RATE_LIMIT"] == "30 per minute"
    assert settings["SESSION_COOKIE_HTTPONLY"] is True


def test_environment_overrides_and_coerces():
    settings = load_settings(environ={"CONSULT_LOGIN_MAX_FAILURES": "3",
                                      "CONSULT_HSTS": "true",
                                      "CONSULT_POST_RATE_LIMIT": "5 per minute"})
    assert settings["LOGIN_MAX_FAILURES"] == 3
    assert settings["HSTS"] is True
    assert settings["POST_RATE_LIMIT"] == "5 per minute"


def test_unknown_environment_key_is_refused():
    with pytest.raises(ConfigError, match="CONSULT_DATABSE_URL"):
        load_settings(environ={"CONSULT_DATABSE_URL": "sqlite://"})


def test_bad_value_is_refused():
    with pytest.raises(ConfigError, match="whole number"):
        load_settings(environ={"CONSULT_LOGIN_MAX_FAILURES": "many"})
    with pytest.raises(ConfigError, match="CONSULT_PAGE_CLOCK_MAX_AGE must be a number"):
        load_settings(environ={"CONSULT_PAGE_CLOCK_MAX_AGE": "soon"})


def test_seconds_may_be_given_with_a_fraction():
    settings = load_settings(environ={"CONSULT_PAGE_CLOCK_MAX_AGE": "0.5"})
    assert settings["PAGE_CLOCK_MAX_AGE"] == 0.5


def test_settings_file_layer_sits_between_defaults_and_environment(tmp_path):
    path = tmp_path / "local.py"
    path.write_text("POST_RATE_LIMIT = '10 per minute'\nHSTS = True\n")
    settings = load_settings(environ={"CONSULT_SETTINGS": str(path),
                                      "CONSULT_POST_RATE_LIMIT": "2 per minute"})
    assert settings["HSTS"] is True
    assert settings["POST_RATE_LIMIT"] == "2 per minute"


def test_unknown_key_in_settings_file_is_refused(tmp_path):
    path = tmp_path / "local.py"
    path.write_text("SECRETKEY = 'typo'\n")
    with pytest.raises(ConfigError, match="SECRETKEY"):
        load_settings(environ={"CONSULT_SETTINGS": str(path)})


def test_production_settings_mark_cookies_secure():
    from consult.settings import ROOT

    settings = load_settings(environ={"CONSULT_SETTINGS": str(ROOT / "config" / "production.py")})
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_instance_folder_gets_database_index_and_a_stable_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("CONSULT_DATABASE_URL", raising=False)
    monkeypatch.delenv("CONSULT_SECRET_KEY", raising=False)
    first = create_app(instance=tmp_path / "inst")
    second = create_app(instance=tmp_path / "inst")
    assert first.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'inst' / 'consult.sqlite3'}"
    assert (tmp_path / "inst" / "search").is_dir()
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    from consult.db import db
    db.engine.dispose()


def test_instance_path_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CONSULT_INSTANCE_PATH", str(tmp_path / "elsewhere"))
    monkeypatch.delenv("CONSULT_DATABASE_URL", raising=False)
    app = create_app()
    assert app.instance_path == str(tmp_path / "elsewhere")
    assert "elsewhere" in app.config["DATABASE_URL"]
    from consult.db import db
    db.engine.dispose()


def test_database_connection_settings(app):
    """SQLite runs in WAL mode with foreign keys on; PostgreSQL goes through psycopg 3."""
    from sqlalchemy import text

    from consult.db import db

    if db.engine.dialect.name == "postgresql":
        assert db.engine.dialect.driver == "psycopg"
        return
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_trusted_proxies_setting_wraps_the_app(tmp_path, monkeypatch):
    from werkzeug.middleware.proxy_fix import ProxyFix

    from consult.db import db

    monkeypatch.setenv("CONSULT_TRUSTED_PROXIES", "1")
    app = create_app(instance=tmp_path / "inst")
    assert isinstance(app.wsgi_app, ProxyFix)
    db.engine.dispose()
