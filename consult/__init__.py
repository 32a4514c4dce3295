"""Consult: the platform of the Member-State consultation on a UN Global Plan of Action."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request

from consult.languages import SEARCH_ENDPOINTS, reader_locale
from consult.settings import ROOT, instance_path, load_settings, resolve_paths


def create_app(test_config: dict | None = None, instance: str | Path | None = None) -> Flask:
    """Build the application: configuration layers, extensions, blueprints, commands."""
    instance = Path(instance).resolve() if instance else instance_path()
    settings = load_settings(test_config)
    resolve_paths(settings, instance)

    app = Flask(__name__, instance_path=str(instance),
                template_folder=str(ROOT / "templates"),
                static_folder=str(Path(__file__).parent / "static"))
    app.config.update(settings)
    from consult.public_url import check_public_url
    try:
        app.config["PUBLIC_URL"] = check_public_url(app.config["PUBLIC_URL"])
    except ValueError as error:
        from consult.settings import ConfigError
        raise ConfigError(str(error)) from None
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
    from consult import public_url
    public_url.install(app)  # after the page cache: a foreign host never reaches kept pages

    from consult.cli import register_commands
    register_commands(app)
    from consult.search import whoosh_compat
    whoosh_compat.check()  # refuse to start on a Whoosh whose internals differ
    from consult.search.cli import search_cli
    app.cli.add_command(search_cli)
    from consult.archive.cli import archive_cli
    app.cli.add_command(archive_cli)
    from consult.mail.cli import mail_cli
    app.cli.add_command(mail_cli)
    _start_search_feed(app)
    _start_mail_worker(app)
    return app


def _start_mail_worker(app: Flask) -> None:
    """In "background" mode, a thread sends queued mail soon after each commit."""
    import consult.mail.outbox  # noqa: F401  (registers the after-commit hook)

    app.extensions.setdefault("consult_mail_tasks", [])
    from consult import notify
    notify.init_app(app)
    if app.config["MAIL_DELIVERY"] == "background":
        from consult.mail.delivery import MailWorker
        worker = app.extensions["consult_mail_worker"] = MailWorker(app)
        # Started by the first request of each process (never in a command, nor in a
        # server's parent before it forks), so that retries, deadlines and digests run
        # even when nothing queues mail.
        app.before_request(worker.start)


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
    # Every blueprint is built here; importing a module adds no route anywhere.
    from consult.api import views as api
    from consult.archive import views as archive
    from consult.auth import views as auth
    from consult.comments import views as comments
    from consult.compilation import views as compilation
    from consult.drafts import views as drafts
    from consult.extensions import csrf
    from consult.moderation import views as moderation
    from consult.negotiation import views as negotiation
    from consult.notify import views as notify
    from consult.search import views as search

    api_bp = api.blueprint()
    for package in (auth, drafts, comments, compilation, search, moderation, negotiation,
                    archive, notify):
        app.register_blueprint(package.blueprint())
    # The API authenticates writes with bearer tokens, or checks the CSRF header itself
    # when a browser session is used (see api.auth).
    csrf.exempt(api_bp)
    csrf.exempt("consult.web.choose_language")
    # One-click unsubscribe (RFC 8058): mail programs post "List-Unsubscribe=One-Click" to
    # the link without any cookie or form token. The signed token in the address is the
    # protection, and it can only stop messages to the account it names.
    csrf.exempt("consult.notify.views.unsubscribe")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
