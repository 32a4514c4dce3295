"""The site's own address, whatever Host header a request names.

Absolute links (the Atom feed, the exports, Akoma Ntoso, the API's `url` fields, the
archive) are built by Flask from the request's host. A request sent with `Host:
evil.example` would otherwise get links to evil.example, and a shared cache that keeps the
answer would hand them to everyone. Two settings close that:

* `TRUSTED_HOSTS`: the host names the site answers to; any other gets 400 before anything
  runs (not even the kept pages).
* `PUBLIC_URL`: the scheme and host every absolute link is built with; the request's Host
  then never reaches the bytes of an answer.

With neither (a development machine), links follow the request, so the API's answers,
which carry them, are not offered to shared caches (`shared_caching_allowed`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app
from werkzeug.sansio.utils import host_is_trusted


def check_public_url(value: str) -> str:
    """The PUBLIC_URL setting normalised ("https://consult.example.org"), or ValueError."""
    value = (value or "").strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path \
            or parts.query or parts.fragment or parts.username:
        raise ValueError("PUBLIC_URL must be a scheme and a host, such as "
                         f"https://consult.example.org (no path), not {value!r}")
    return f"{parts.scheme}://{parts.netloc}"


class HostGuard:
    """WSGI layer: refuse hosts not trusted, then give every request the public host."""

    def __init__(self, app, public_url: str, trusted_hosts: tuple[str, ...]):
        self.app = app
        self.trusted = list(trusted_hosts)
        parts = urlsplit(public_url) if public_url else None
        self.scheme = parts.scheme if parts else None
        self.netloc = parts.netloc if parts else None
        self.port = str(parts.port or (443 if parts.scheme == "https" else 80)) if parts \
            else None

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        if self.trusted and not host_is_trusted(host, self.trusted):
            body = b"Unknown host.\n"
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                               ("Content-Length", str(len(body))),
                                               ("Cache-Control", "no-store")])
            return [body]
        if self.netloc:
            environ["consult.request_host"] = host
            environ["HTTP_HOST"] = self.netloc
            environ["wsgi.url_scheme"] = self.scheme
            environ["SERVER_NAME"] = self.netloc.rsplit(":", 1)[0]
            environ["SERVER_PORT"] = self.port
        return self.app(environ, start_response)


def install(app: Flask) -> None:
    """Put the guard right behind ProxyFix (which sets the host from the proxy), in front
    of the kept pages and Flask; nothing to do when neither setting is given."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    public_url = app.config["PUBLIC_URL"]
    trusted = tuple(app.config["TRUSTED_HOSTS"])
    if not public_url and not trusted:
        return
    if isinstance(app.wsgi_app, ProxyFix):
        app.wsgi_app.app = HostGuard(app.wsgi_app.app, public_url, trusted)
    else:
        app.wsgi_app = HostGuard(app.wsgi_app, public_url, trusted)


def shared_caching_allowed() -> bool:
    """Whether answers carrying absolute links may be kept by shared caches: only when
    those links cannot come from an untrusted Host header."""
    return bool(current_app.config["PUBLIC_URL"] or current_app.config["TRUSTED_HOSTS"])
