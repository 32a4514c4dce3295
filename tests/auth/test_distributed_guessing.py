"""Issue 17, security gaps: guessing one account's password from many addresses slows down
(a wait that doubles with each failure beyond the account's cap, never a lock-out for
good), and IPv6 clients are counted by their /64."""

from __future__ import annotations

import datetime as dt

from consult.db import utcnow
from tests.conftest import csrf_token, login


def _try(app, address, password="wrong password"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf_token(client)
    return client.post("/login", data={"csrf_token": token, "email": "boss@example.org",
                                       "password": password}).status_code


def test_many_addresses_get_a_growing_wait_not_a_lock_out(app, make_user, monkeypatch):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 3
    make_user("secretariat", email="boss@example.org")
    for n in range(3):
        assert _try(app, f"198.51.100.{n}") == 401
    # Beyond the account's cap, a fresh address must wait (1 s, then 2 s, 4 s…).
    assert _try(app, "198.51.100.10") == 429
    later = utcnow() + dt.timedelta(seconds=1.5)
    monkeypatch.setattr("consult.auth.services.utcnow", lambda: later)
    assert _try(app, "198.51.100.11") == 401  # let through, and wrong: the wait doubles
    monkeypatch.setattr("consult.auth.services.utcnow",
                        lambda: later + dt.timedelta(seconds=1))
    assert _try(app, "198.51.100.12") == 429
    monkeypatch.setattr("consult.auth.services.utcnow",
                        lambda: later + dt.timedelta(seconds=3))
    # The owner, from an address of their own, gets in once the wait is over.
    assert _try(app, "192.0.2.50", "correct horse battery") == 302


def test_ipv6_clients_are_counted_by_their_64(app, make_user):
    app.config["LOGIN_MAX_FAILURES"] = 2
    make_user("secretariat", email="boss@example.org")
    assert _try(app, "2001:db8:1:2::1") == 401
    assert _try(app, "2001:db8:1:2:aaaa::9") == 401
    # Another address of the same /64 is the same client: refused.
    assert _try(app, "2001:db8:1:2:ffff::1", "correct horse battery") == 429
    # Another /64 is another client.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "2001:db8:1:3::1"
    assert login(other, "boss@example.org").status_code == 302
