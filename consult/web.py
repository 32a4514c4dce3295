"""What every HTML page shares: error pages, template helpers, locale."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from babel import numbers as babel_numbers
from flask import Flask, current_app, render_template, request, session
from flask_babel import force_locale, get_locale, get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException
from wtforms import StringField

from consult import permissions
from consult.negotiation import silence
from consult.auth.services import set_language_preference
from consult.drafts.brackets import CLOSE_MARK, OPEN_MARK
from consult.drafts.parsing import printed_number
from consult.errors import ServiceError
from consult.labels import (date_and_time, label, list_punctuation, long_date,
                            sentence_list, status_label)
from consult.languages import LANGUAGE_COOKIE, reader_locale
from consult.moderation.services import HIDE_REASONS
from consult.routes import unit_of_work
from consult.urls import safe_local_path

RTL_LANGUAGES = {"ar"}


def _babel_locale() -> str:
    locale = str(get_locale() or "en")
    return "en_GB" if locale == "en" else locale


def language_name(code) -> str:
    """A language's name in the reader's language: "French", "français", "法语"."""
    from babel import Locale, UnknownLocaleError
    try:
        return Locale.parse(code).get_display_name(_babel_locale())
    except (ValueError, TypeError, UnknownLocaleError):
        return code or ""


def _path_without_lang() -> str:
    """This page's address without ?lang=, to come back to after choosing a language."""
    return _without_lang(request.full_path)


def _without_lang(path: str) -> str:
    # A ?lang= left in the address would override the language just chosen (except on
    # search, where it is the filter of results by language).
    parts = urlsplit(path)
    if parts.path == "/search":
        return path
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    return urlunsplit(("", "", parts.path, urlencode(query), parts.fragment))


def _wants_json() -> bool:
    return request.path.startswith("/api/")


# One title per status, so every error of a kind reads alike wherever it comes from.
ERROR_TITLES = {
    400: _l("Not possible"),
    401: _l("Log in first"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Request not accepted"),
    409: _l("Not possible now"),
    413: _l("Too large"),
    429: _l("Too many requests"),
    500: _l("Server error"),
    503: _l("Briefly unavailable"),
}
# How long a client should wait before trying again when the database cannot be reached.
RETRY_AFTER_SECONDS = 30


def database_trouble(exc) -> str:
    """What kind of database failure `exc` is: "storage" (SQLite cannot write: disk full,
    read-only, I/O error), "busy" (SQLite's write lock not had within busy_timeout) or
    "away" (anything else: the server cannot be reached)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    if any(words in text for words in ("disk is full", "readonly database", "disk i/o error",
                                       "read-only file system")):
        return "storage"
    if "database is locked" in text or "database is busy" in text:
        return "busy"
    return "away"


class LanguageChoiceForm(FlaskForm):
    """The language switcher: no CSRF token for anonymous readers, on purpose (see
    choose_language); a logged-in reader's token is checked before the account is changed."""

    class Meta:
        csrf = False

    lang = StringField()
    next = StringField()
    csrf_token = StringField()


def error_page(status: int, message: str | None = None, *, title: str | None = None):
    """The one HTML error page: a title for the status, what happened, and ways on."""
    from consult.api.errors import http_error_message

    if status == 404:
        # A mistyped address, a missing submission, a draft or a hidden thread all read
        # the same: nothing tells a reader which of them it was.
        message = _("There is nothing at this address. It may have been mistyped, or what "
                    "it pointed to is not public.")
    elif status == 401 and not message:
        message = _("Please log in first.")  # not the API's "send Authorization: Bearer"
    title = title or str(ERROR_TITLES.get(status) or ERROR_TITLES[500 if status >= 500
                                                                 else 400])
    return render_template("error.html", status=status, title=title,
                           message=message or http_error_message(status)), status


def init_app(app: Flask) -> None:
    """Register error pages, template globals and the language choice."""

    @app.before_request
    def refuse_nul_characters():
        # PostgreSQL cannot store NUL in text, and no honest form sends one: refuse them
        # up front with a clear message rather than fail deep inside a transaction.
        if "\x00" in request.path:
            if _wants_json():
                from consult.api.errors import http_error_message, json_error
                return json_error(404, "not_found", http_error_message(404))
            return error_page(404)
        for values in (request.args, request.form):
            for key, value in values.items(multi=True):
                if "\x00" in key or "\x00" in value:
                    if _wants_json():
                        from consult.api.errors import json_error
                        return json_error(400, "invalid", _("NUL characters are not accepted."))
                    return error_page(400, _("The text contains a NUL character, which "
                                             "cannot be stored. Nothing was saved."))
        return None

    def choose_language():
        """Remember the reader's choice among the six UN languages.

        Kept in a cookie for every reader, and on the account of a logged-in user (used at
        every later log-in, on any device). The form carries no CSRF token for anonymous
        readers, on purpose: a forged request could only change the display language, and
        a token would make every public page unique per visitor (no shared caching). The
        account's preference is saved only with a valid token.
        """
        from flask import redirect, url_for
        from flask_wtf.csrf import ValidationError, validate_csrf

        form = LanguageChoiceForm()
        chosen = form.lang.data
        if chosen not in app.config["LANGUAGES"]:
            return error_page(400, _("Choose one of the six languages."))
        if current_user.is_authenticated:
            try:
                validate_csrf(form.csrf_token.data)
            except ValidationError:
                pass  # the cookie below still changes this browser's language
            else:
                set_language_preference(current_user, chosen)
        back = safe_local_path(form.next.data, url_for("drafts.index"))
        response = redirect(_without_lang(back))
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax",
                            secure=app.config.get("SESSION_COOKIE_SECURE", False),
                            httponly=True)
        return response

    app.add_url_rule("/language", "choose_language", unit_of_work(choose_language),
                     methods=["POST"])

    @app.context_processor
    def template_helpers():
        locale = str(get_locale() or "en")
        return {
            "can": lambda rule, obj=None: permissions.can(current_user, rule, obj),
            "hide_reasons": HIDE_REASONS,
            "locale": locale,
            "text_direction": "rtl" if locale in RTL_LANGUAGES else "ltr",
            "languages": app.config["LANGUAGES"],
            "path_without_lang": _path_without_lang,
            "list_punctuation": list_punctuation,
            # The silence procedure of a version, and its state now (pages mark it).
            "silence_of": silence.latest_silence,
            "silence_state": silence.state_of,
        }

    app.add_template_filter(label, "label")
    app.add_template_filter(status_label, "status_label")
    app.add_template_filter(printed_number, "printed_number")

    @app.template_filter("draft_html")
    def draft_html(html) -> Markup:
        # A paragraph's HTML is stored once for readers of every language, so it marks its
        # brackets without words; what a screen reader says around a bracketed passage is
        # added here, in the reader's language.
        html = str(html or "")
        if OPEN_MARK not in html and CLOSE_MARK not in html:
            return Markup(html)
        locale = str(get_locale() or "en")
        direction = "rtl" if locale in RTL_LANGUAGES else "ltr"
        hidden = Markup('<span class="visually-hidden" lang="%s" dir="%s">%s</span>')
        start = str(hidden % (locale, direction, _("bracketed text:") + " "))
        end = str(hidden % (locale, direction, " " + _("end of bracketed text")))
        return Markup(html.replace(OPEN_MARK, start + OPEN_MARK)
                      .replace(CLOSE_MARK, CLOSE_MARK + end))

    @app.template_filter("sentence_list")
    def sentence_list_filter(items) -> Markup:
        # The items are escaped unless already markup; the CLDR patterns hold only
        # punctuation and the word for "and".
        return Markup(sentence_list([escape(i) for i in items], str(get_locale() or "en")))

    @app.template_filter("delegation_name")
    def delegation_name(delegation):
        return delegation.name(str(get_locale() or "en")) if delegation else ""

    app.add_template_filter(language_name, "language_name")

    @app.template_filter("text_dir")
    def text_dir(code):
        # The direction of text in a declared language: an Arabic comment that opens with
        # "UNODC" still reads right to left; an undeclared one is left to the browser.
        return "rtl" if code in RTL_LANGUAGES else "ltr" if code in app.config["LANGUAGES"] \
            else "auto"

    @app.template_filter("native_language_name")
    def native_language_name(code):
        # "Français", "العربية", "中文": each language named in itself, as a switcher does.
        from babel import Locale, UnknownLocaleError
        try:
            name = Locale.parse(code).get_display_name(code)
        except (ValueError, TypeError, UnknownLocaleError):
            return code or ""
        return name[:1].upper() + name[1:]

    # Dates and times as the reader's language writes them (consult.labels).
    app.add_template_filter(date_and_time, "datetime")
    app.add_template_filter(long_date, "date")

    @app.template_filter("number")
    def format_number(value):
        # Counts as the reader's language writes them (CLDR, through Babel): "1,234",
        # "1 234" (fr), "1.234" (es), in the locale's default digits.
        if value is None:
            return ""
        return babel_numbers.format_decimal(value, locale=_babel_locale(),
                                            numbering_system="default")

    @pass_context
    def ngettext(context, singular, plural, num, **variables):
        # Jinja's ngettext prints %(num)d as bare digits ("1234 submissions"). The msgids
        # keep %(num)d; the count is printed through |number instead, wherever a catalog
        # (or the English source) has %(num)d.
        text = get_translations().ungettext(singular, plural, num)
        if "num" not in variables and isinstance(num, int) and not isinstance(num, bool):
            text = text.replace("%(num)d", "%(num)s")
            variables["num"] = format_number(num)
        variables.setdefault("num", num)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    app.jinja_env.globals["ngettext"] = ngettext

    @app.after_request
    def revalidate_pages(response):
        # Pages carry an ETag so a reader on a slow connection who reloads a long text gets
        # a 304 instead of the whole page again. Pages show who is logged in, so private.
        # This is the default policy of pages; a route may declare its own (consult.routes:
        # the staff's pages are NO_STORE), which the setdefaults below leave alone.
        if (request.method == "GET" and response.status_code == 200
                and response.mimetype == "text/html" and not response.direct_passthrough):
            response.add_etag()
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
        return error_page(400, message, title=_("Form expired"))

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        response = current_app.make_response(error_page(exc.status, exc.message))
        response.headers.update(exc.headers())
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(exc):
        # The database is away (restarting, failing over, unreachable) or, on SQLite, busy
        # beyond the wait or unable to write (disk full, read-only): say so at once, never
        # hang or show a stack trace. Nothing here may need the database: the language
        # comes from the request alone.
        trouble = database_trouble(exc)
        if trouble == "storage":
            # Not a passing moment: someone must free space or repair the volume.
            current_app.logger.error("database cannot write (disk full or read-only): %s",
                                     exc)
        else:
            current_app.logger.warning("database unavailable: %s", exc)
        locale = reader_locale(request, app.config["LANGUAGES"])
        with force_locale(locale):
            if trouble == "storage":
                message = _("The site cannot record anything at the moment. Nothing was "
                            "saved; please try again later. The texts can still be read.")
            elif trouble == "busy":
                message = _("The site is too busy to record this at the moment. Nothing was "
                            "saved; please try again in a minute.")
            else:
                message = _("The site cannot reach its database for a moment. Nothing was "
                            "saved; please try again in a minute.")
            if _wants_json():
                from consult.api.errors import json_error
                response = json_error(503, "unavailable", message)
            else:
                response = current_app.make_response((render_template(
                    "unavailable.html", locale=locale, title=str(ERROR_TITLES[503]),
                    message=message), 503))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(500)
    def internal_error(exc):
        # Never a stack trace: a plain apology; the details are in the server log.
        message = _("Something went wrong on our side and nothing was saved. "
                    "Please try again; if it happens again, tell the secretariat.")
        if _wants_json():
            from consult.api.errors import json_error
            return json_error(500, "internal_error", message)
        return error_page(500, message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # Werkzeug's names and descriptions are English only: ours, in the reader's language.
        from consult.api.errors import http_error_message, json_error
        if _wants_json():
            return json_error(exc.code or 500, exc.name.lower().replace(" ", "_"),
                              http_error_message(exc.code or 500))
        return error_page(exc.code or 500)
