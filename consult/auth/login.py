"""Flask-Login wiring: cookies name a server-side login session, never the user."""

from __future__ import annotations

from flask import current_app, g, session
from flask_babel import lazy_gettext as _l
from flask_login import login_user

from consult.auth import services


def init_app(app, login_manager) -> None:
    """Attach the login manager to the app."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    # "strong" would end sessions when a delegate's mobile address changes; revocation on
    # the server is what makes a stolen cookie useless.
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token: str):
        return services.load_session_user(token, current_app.config["SESSION_LIFETIME_SECONDS"])


def begin_login(user) -> None:
    """Start a new server-side session for `user` and a new CSRF secret with it.

    A form token taken before logging in (by a page left open, or planted) must not be
    accepted afterwards: the secret behind CSRF tokens changes with the session.
    """
    services.start_session(user)
    session.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    login_user(user)
