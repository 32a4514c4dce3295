"""What every HTML page shares: error pages, template helpers, locale."""

from __future__ import annotations

from babel import dates as babel_dates
from flask import Flask, render_template, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from consult import permissions
from consult.errors import ServiceError
from consult.labels import label
from consult.moderation.services import HIDE_REASONS
from consult.urls import safe_local_path

RTL_LANGUAGES = {"ar"}
# Pages that show unpublished text or account details.
STAFF_PAGES = {"drafts.review", "drafts.edit_version", "drafts.new_version", "auth.account",
               "auth.users", "auth.user"}


def _babel_locale() -> str:
    locale = str(get_locale() or "en")
    return "en_GB" if locale == "en" else locale


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    """Register error pages, template globals and the language choice."""

    @app.before_request
    def refuse_nul_characters():
        # PostgreSQL cannot store NUL in text, and no honest form sends one: refuse them
        # up front with a clear message rather than fail deep inside a transaction.
        if "\x00" in request.path:
            return render_template("error.html", title=_("Not found"),
                                   message=_("There is nothing at this address.")), 404
        for values in (request.args, request.form):
            for key, value in values.items(multi=True):
                if "\x00" in key or "\x00" in value:
                    if _wants_json():
                        from consult.api.errors import json_error
                        return json_error(400, "invalid", "NUL characters are not accepted.")
                    return render_template("error.html", title=_("Not possible"),
                                           message=_("The text contains a NUL character, "
                                                     "which cannot be stored. Nothing was "
                                                     "saved.")), 400
        return None

    @app.post("/language")
    def choose_language():
        """Remember the reader's choice among the six UN languages.

        The one form without a CSRF token, on purpose: a forged request could only change
        the display language, and a token would make every public page unique per visitor
        (no 304s, a session cookie for every anonymous reader).
        """
        from flask import redirect, session, url_for

        chosen = request.form.get("lang")
        if chosen in app.config["LANGUAGES"]:
            session["lang"] = chosen
        if chosen not in app.config["LANGUAGES"]:
            return render_template("error.html", title=_("Not possible"),
                                   message=_("Choose one of the six languages.")), 400
        return redirect(safe_local_path(request.form.get("next"), url_for("drafts.index")))

    @app.context_processor
    def template_helpers():
        locale = str(get_locale() or "en")
        return {
            "can": lambda rule, obj=None: permissions.can(current_user, rule, obj),
            "hide_reasons": HIDE_REASONS,
            "locale": locale,
            "text_direction": "rtl" if locale in RTL_LANGUAGES else "ltr",
            "languages": app.config["LANGUAGES"],
        }

    app.add_template_filter(label, "label")

    @app.template_filter("delegation_name")
    def delegation_name(delegation):
        return delegation.name(str(get_locale() or "en")) if delegation else ""

    @app.template_filter("language_name")
    def language_name(code):
        # "French" / "français" / "法语": the language's name in the reader's language.
        from babel import Locale, UnknownLocaleError
        try:
            return Locale.parse(code).get_display_name(_babel_locale())
        except (ValueError, TypeError, UnknownLocaleError):
            return code or ""

    @app.template_filter("datetime")
    def format_datetime(value):
        return f"{format_date(value)}, {value:%H:%M} UTC" if value else ""

    @app.template_filter("date")
    def format_date(value):
        # UN style in English is "1 March 2010" (British order); other languages use
        # their own long form ("1 mars 2010", "2010年3月1日").
        if not value:
            return ""
        return babel_dates.format_date(value, "long", locale=_babel_locale())

    @app.after_request
    def revalidate_pages(response):
        # Pages carry an ETag so a reader on a slow connection who reloads a long text gets
        # a 304 instead of the whole page again. Pages show who is logged in, so private.
        if (request.method == "GET" and response.status_code == 200
                and response.mimetype == "text/html" and not response.direct_passthrough):
            response.add_etag()
            if request.endpoint in STAFF_PAGES:
                # Unpublished text: not kept in a shared browser's cache after logout.
                response.headers["Cache-Control"] = "private, no-store"
            # The session cookie is added after this hook: a page that put anything in the
            # session (a CSRF token, say) will set one, so it is not for shared caches.
            if (not current_user.is_authenticated and "Set-Cookie" not in response.headers
                    and not request.cookies and not session.modified):
                # What every anonymous reader gets alike: a CDN may keep it, and must ask
                # again (a cheap 304 thanks to the ETag) since counts and threads move.
                response.headers.setdefault("Cache-Control", "public, no-cache")
                response.vary.update(("Cookie", "Accept-Language"))
            response.headers.setdefault("Cache-Control", "private, no-cache")
            response = response.make_conditional(request)
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        message = _("This form had expired or did not come from this site. "
                    "Go back, reload the page and submit again: nothing was saved.")
        return render_template("error.html", title=_("Form expired"), message=message), 400

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        return render_template("error.html", title=_("Not possible"), message=exc.message), exc.status

    @app.errorhandler(500)
    def internal_error(exc):
        # Never a stack trace: a plain apology; the details are in the server log.
        message = _("Something went wrong on our side and nothing was saved. "
                    "Please try again; if it happens again, tell the secretariat.")
        if _wants_json():
            from consult.api.errors import json_error
            return json_error(500, "internal_error", "Internal error; nothing was saved.")
        return render_template("error.html", title=_("Server error"), message=message), 500

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
