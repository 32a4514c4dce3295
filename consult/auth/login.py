"""Flask-Login wiring: cookies name a server-side login session, never the user."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

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
