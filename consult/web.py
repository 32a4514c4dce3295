"""What every HTML page shares: error pages, template helpers, locale."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from consult import permissions
from consult.errors import ServiceError

RTL_LANGUAGES = {"ar"}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    """Register error pages and template globals."""

    @app.context_processor
    def template_helpers():
        locale = str(get_locale() or "en")
        return {
            "can": lambda rule, obj=None: permissions.can(current_user, rule, obj),
            "locale": locale,
            "text_direction": "rtl" if locale in RTL_LANGUAGES else "ltr",
            "languages": app.config["LANGUAGES"],
        }

    @app.template_filter("delegation_name")
    def delegation_name(delegation):
        return delegation.name(str(get_locale() or "en")) if delegation else ""

    @app.template_filter("datetime")
    def format_datetime(value):
        return value.strftime("%d %B %Y, %H:%M UTC") if value else ""

    @app.template_filter("date")
    def format_date(value):
        return value.strftime("%d %B %Y") if value else ""

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        message = _("This form had expired or did not come from this site. "
                    "Go back, reload the page and submit again: nothing was saved.")
        return render_template("error.html", title=_("Form expired"), message=message), 400

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        return render_template("error.html", title=_("Not possible"), message=exc.message), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if _wants_json():
            from consult.api.errors import json_error
            return json_error(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description)
        messages = {
            404: _("There is nothing at this address. It may have been mistyped."),
            405: _("This address does not accept that kind of request."),
            413: _("What you sent is too large. Nothing was saved."),
        }
        message = messages.get(exc.code, exc.description)
        return render_template("error.html", title=f"{exc.code} {exc.name}", message=message), exc.code
