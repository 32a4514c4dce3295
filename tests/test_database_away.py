"""Issue 17, part 2: when the database cannot be reached, every request fails at once with
a clear 503 (a page, or the API's JSON error), never a hang or a stack trace; the kept
pages are skipped rather than failing; and the site recovers by itself when it is back."""

from __future__ import annotations

import contextlib

from sqlalchemy import event

from consult.db import db


@contextlib.contextmanager
def database_away(app):
    """No new connection can be made (as while the server restarts), and none is open."""
    layer = app.wsgi_app
    while not hasattr(layer, "clock"):
        layer = layer.app
    engines = {db.engine, layer.clock.engine, layer.clock.clock_engine}
    error = db.engine.dialect.loaded_dbapi.OperationalError

    def refuse(*args, **kwargs):
        raise error("connection refused: the database server is restarting")

    db.session.remove()
    for engine in engines:
        engine.dispose()
        event.listen(engine, "do_connect", refuse)
    layer.clock._last = None
    try:
        yield
    finally:
        for engine in engines:
            event.remove(engine, "do_connect", refuse)
        layer.clock._last = None


def test_pages_and_the_api_say_503_and_recover(app, consultation):
    client = app.test_client()
    with database_away(app):
        for path in ("/", "/consultations/gpa", "/search?q=victims"):
            page = client.get(path, headers={"Accept-Language": "fr"})
            assert page.status_code == 503, path
            text = page.get_data(as_text=True)
            assert "ne peut pas joindre sa base de données" in text, path
            assert "Traceback" not in text
            assert page.headers["Retry-After"] == "30"
            assert page.headers["Cache-Control"] == "no-store"
        api = client.get("/api/v1/consultations")
        assert api.status_code == 503
        assert api.get_json()["error"]["code"] == "unavailable"
    # Back: the next requests are answered as usual, with nothing to restart.
    assert client.get("/consultations/gpa").status_code == 200
    assert client.get("/api/v1/consultations").status_code == 200
