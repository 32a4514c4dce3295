"""Consult: the platform of the Member-State consultation on a UN Global Plan of Action."""

from __future__ import annotations

import functools
from pathlib import Path

from flask import Flask, request
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from consult.settings import ROOT, instance_path, load_settings, resolve_paths

# The interface language an anonymous reader chose with the switcher (a year).
LANGUAGE_COOKIE = "lang"
# Endpoints whose ?lang= is a search filter (API.md), not the interface language.
SEARCH_ENDPOINTS = {"search.search", "api.search"}


def reader_locale(request, languages, *, asked: bool = True) -> str:
    """The language of a reader who is not logged in: ?lang= (unless it is search's
    filter), then the language cookie, then the browser's preference (see select_locale)."""
    if asked and request.path not in ("/search", "/api/v1/search"):
        chosen = request.args.get("lang")
        if chosen in languages:
            return chosen
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages:
        return chosen
    header = request.headers.get("Accept-Language", "")
    return _preferred_language(header, tuple(languages)) or "en"


@functools.lru_cache(maxsize=1024)
def _preferred_language(header: str, languages: tuple) -> str | None:
    # Browsers send a handful of distinct headers; parsing one costs more than a 304.
    return parse_accept_header(header, LanguageAccept).best_match(languages)


def create_app(test_config: dict | None = None, instance: str | Path | None = None) -> Flask:
    """Build the application: configuration layers, extensions, blueprints, commands."""
    instance = Path(instance).resolve() if instance else instance_path()
    settings = load_settings(test_config)
    resolve_paths(settings, instance)

    app = Flask(__name__, instance_path=str(instance),
                template_folder=str(ROOT / "templates"),
                static_folder=str(Path(__file__).parent / "static"))
    app.config.update(settings)
    from consult.urls import BoundedIntConverter
    app.url_map.converters["int"] = BoundedIntConverter
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from consult.db import db
    db.init_app(app)

    _init_extensions(app)
    _register_blueprints(app)

    from consult import page_cache, security, web
    security.init_app(app)
    web.init_app(app)
    page_cache.init_app(app)  # after web: see its docstring

    from consult.cli import register_commands
    register_commands(app)
    from consult.search import whoosh_compat
    whoosh_compat.check()  # refuse to start on a Whoosh whose internals differ
    from consult.search.cli import search_cli
    app.cli.add_command(search_cli)
    from consult.archive.cli import archive_cli
    app.cli.add_command(archive_cli)
    _start_search_feed(app)
    return app


def _start_search_feed(app: Flask) -> None:
    """In "background" mode, a thread applies search changes soon after each commit."""
    import consult.search.outbox  # noqa: F401  (registers the after-commit hook)

    if app.config["SEARCH_UPDATES"] == "background":
        from consult.search.sync import BackgroundSync
        app.extensions["consult_search_feed"] = BackgroundSync(app)


def _init_extensions(app: Flask) -> None:
    from consult.auth import login
    from consult.extensions import babel, csrf, login_manager

    csrf.init_app(app)
    login.init_app(app, login_manager)

    def select_locale():
        # An explicit ?lang= wins (a shared link opens in the sender's language), then the
        # account's saved choice, then the reader's cookie, then the browser's preference.
        from flask import has_request_context
        from flask_login import current_user

        if not has_request_context():  # command line, background work
            return app.config["BABEL_DEFAULT_LOCALE"]
        languages = app.config["LANGUAGES"]
        # On search, ?lang= filters results by their language; it does not set the page's.
        asked = None if request.endpoint in SEARCH_ENDPOINTS else request.args.get("lang")
        if asked in languages:
            return asked
        user = current_user._get_current_object() if current_user else None
        saved = getattr(user, "language", None) if getattr(user, "is_authenticated", False) \
            else None
        if saved in languages:
            return saved
        return reader_locale(request, languages, asked=False)

    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))


def _register_blueprints(app: Flask) -> None:
    import consult.api.participation  # noqa: F401  (adds its routes to the API blueprint)
    from consult.api.views import bp as api_bp
    from consult.auth.views import bp as auth_bp
    from consult.comments.views import bp as comments_bp
    from consult.drafts.views import bp as drafts_bp
    from consult.extensions import csrf
    from consult.search.views import bp as search_bp
    import consult.api.search  # noqa: F401  (adds GET /search to the API blueprint)
    import consult.api.diff  # noqa: F401  (adds the version comparison to the API blueprint)
    import consult.api.compilation  # noqa: F401  (adds compilation texts to the API)
    import consult.api.translations  # noqa: F401  (adds texts in other languages to the API)
    import consult.api.moderation  # noqa: F401  (adds moderation and the log to the API)
    import consult.drafts.compare_views  # noqa: F401  (adds comparison pages to drafts)
    import consult.drafts.compilation_views  # noqa: F401  (adds compilation pages to drafts)
    import consult.drafts.translation_views  # noqa: F401  (adds the texts in other languages)
    import consult.moderation.views  # noqa: F401  (moderation pages)
    import consult.api.export  # noqa: F401  (adds the open-data exports to the API)
    import consult.api.akn  # noqa: F401  (adds Akoma Ntoso XML to the API)
    import consult.api.feed  # noqa: F401  (adds the Atom feeds to the API)
    import consult.archive.dictionary_views  # noqa: F401  (the data dictionary page)

    app.register_blueprint(auth_bp)
    app.register_blueprint(drafts_bp)
    app.register_blueprint(comments_bp)
    app.register_blueprint(search_bp)
    from consult.moderation.views import bp as moderation_bp
    app.register_blueprint(moderation_bp)
    from consult.archive.views import bp as archive_bp
    app.register_blueprint(archive_bp)
    # The API authenticates writes with bearer tokens, or checks the CSRF header itself
    # when a browser session is used (see api.auth).
    csrf.exempt(api_bp)
    csrf.exempt("consult.web.choose_language")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
