"""Public pages answered from the change clock before anything is rendered.

A page read by a reader who is not logged in depends only on its address, its language, the
code that renders it and the database (`change_clock.current_stamp()`). Its validator is
made of those, so a reader (or a CDN) who already has the page gets a 304 for the price of
one small query, and the page rendered once is kept in this process, keyed by that
validator: a burst of readers after a new revision costs one render per process.

Both answers are given by a WSGI layer in front of Flask, so that they cost no routing, no
locale machinery and no session. Only Flask decides what may be kept: after rendering, it
marks a response as the same for every reader (`keep_rendered`); the layer then keeps the
bytes and headers that left Flask. A logged-in reader's pages say who they are and carry
CSRF tokens: they never pass through here (web.revalidate_pages gives them an ETag of their
bytes).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from flask import Flask, request, session
from werkzeug.wrappers import Request

from consult.change_clock import StampReader
from consult.code_stamp import code_stamp
from consult.languages import LANGUAGE_COOKIE, reader_locale

# Endpoints whose pages depend on more than the database: the search page also on this
# node's index, which may lag behind when another process feeds it (SEARCH_UPDATES
# "external"); it is kept only when every search catches up with the database first.
SEARCH_PAGES = {"search.search"}
_KEY = "consult.page_key"


class RenderedPages:
    """Rendered pages by validator, the least recently used dropped beyond a byte budget."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self._pages: OrderedDict[str, tuple[bytes, list]] = OrderedDict()
        self._lock = threading.Lock()  # `flask run` serves requests in threads

    def get(self, key: str):
        """The page kept under this validator, or None."""
        with self._lock:
            found = self._pages.get(key)
            if found is not None:
                self._pages.move_to_end(key)
            return found

    def put(self, key: str, body: bytes, headers: list) -> None:
        """Keep a page (one larger than a quarter of the budget is not kept)."""
        if len(body) > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._pages:
                return
            self._pages[key] = (body, headers)
            self.size += len(body)
            while self.size > self.max_bytes:
                _, (dropped, _headers) = self._pages.popitem(last=False)
                self.size -= len(dropped)


class PageCache:
    """The WSGI layer: 304s and kept pages for readers who are not logged in."""

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.pages = RenderedPages(app.config["PAGE_CACHE_BYTES"])
        self.build = code_stamp(app)
        self.languages = app.config["LANGUAGES"]
        from consult.db import db

        self.clock = StampReader(db.engine, app.config["PAGE_CLOCK_MAX_AGE"])

    def __call__(self, environ, start_response):
        reader = Request(environ)
        if not _anonymous_read(reader):
            return self.wsgi_app(environ, start_response)
        try:
            key = self.key(reader)
        except Exception:  # noqa: BLE001 - the clock's database is away
            # The kept pages are a shortcut, never why a page fails: Flask answers, and
            # says the database cannot be reached if it cannot.
            return self.wsgi_app(environ, start_response)
        environ[_KEY] = key
        if reader.if_none_match.contains(key):
            start_response("304 NOT MODIFIED", [("ETag", f'"{key}"'), *_shared(reader)])
            return [b""]
        kept = self.pages.get(key)
        if kept is not None:
            body, headers = kept
            start_response("200 OK", [*headers, ("Content-Length", str(len(body)))])
            return [b"" if reader.method == "HEAD" else body]
        return self._render_and_keep(environ, start_response, key)

    def key(self, reader: Request) -> str:
        """The page's validator: code, database, language, host and address."""
        parts = (self.build, self.clock.stamp(), reader_locale(reader, self.languages), reader.host,
                 reader.full_path)
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]

    def _render_and_keep(self, environ, start_response, key):
        sent = {}

        def remember(status, headers, exc_info=None):
            sent.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, remember)
        if not environ.get(_KEY + ".keep") or not sent.get("status", "").startswith("200"):
            return body
        # Marked by Flask as the same for every reader: keep the bytes that left it.
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        headers = [(name, value) for name, value in sent["headers"]
                   if name.lower() not in ("content-length", "set-cookie")]
        if environ.get("REQUEST_METHOD") == "GET":
            self.pages.put(key, data, headers)
        return [data]


def _anonymous_read(reader: Request) -> bool:
    """A GET of a page by a reader who is not logged in: no cookie but the language one,
    no token, not the static archive (whose copies of pages differ from the live ones)."""
    if reader.method not in ("GET", "HEAD") or "HTTP_AUTHORIZATION" in reader.environ:
        return False
    if reader.path.startswith(("/api/", "/static/")):
        return False
    if reader.environ.get("consult.static_archive"):
        return False
    return all(name == LANGUAGE_COOKIE for name in reader.cookies)


def _shared(reader: Request) -> list[tuple[str, str]]:
    # As web.revalidate_pages marks a shared page: caches may keep it, and must ask again.
    control = "private, no-cache" if reader.cookies else "public, no-cache"
    return [("Cache-Control", control), ("Vary", "Cookie, Accept-Language")]


def init_app(app: Flask) -> None:
    """Put the layer in front of Flask (behind ProxyFix, which sets the host it keys on),
    and let Flask mark what it may keep.

    Registered after `web.init_app`, so that `keep_rendered` runs before
    web.revalidate_pages would hash the page's bytes for an ETag.
    """
    from werkzeug.middleware.proxy_fix import ProxyFix

    if isinstance(app.wsgi_app, ProxyFix):
        layer = app.wsgi_app.app = PageCache(app, app.wsgi_app.app)
    else:
        layer = app.wsgi_app = PageCache(app, app.wsgi_app)
    app.extensions["consult_rendered_pages"] = layer.pages

    @app.after_request
    def keep_rendered(response):
        key = request.environ.get(_KEY)
        if (key is None or response.status_code != 200 or response.mimetype != "text/html"
                or response.direct_passthrough or response.is_streamed):
            return response
        if request.endpoint in SEARCH_PAGES and app.config["SEARCH_UPDATES"] == "external":
            return response
        if session.modified or "Set-Cookie" in response.headers:
            return response  # something was written to this reader's session: theirs alone
        if any(word in response.headers.get("Cache-Control", "")
               for word in ("private", "no-store")):
            return response  # the route said this page is not for everyone (staff, a draft)
        response.set_etag(key)
        request.environ[_KEY + ".keep"] = True
        return response
