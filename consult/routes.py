"""Routes declared by a module, added to a blueprint by whoever builds it, each run as
one unit of work.

Every package declares its routes on a `Routes` and builds its blueprint in
`views.blueprint()`, which names every module whose routes it holds: importing a module
changes nothing, and each `create_app` gets blueprints of its own (a blueprint that an app
has registered refuses new routes).

The unit of work (`unit_of_work`) is the one place a request's transaction ends: committed
when the view returns (a refused log-in commits the failure it counts), rolled back when it
raises. A `ServiceError` from the view is rolled back first, then answered by the route's
`refused` function -- the page again with the refusal and the form as it was sent -- or,
without one, by the app's error page or the API's JSON error. Views never commit, roll
back or catch a ServiceError (tests/test_unit_of_work.py).
"""

from __future__ import annotations

import dataclasses
import functools

from flask import Blueprint, current_app, g, request
from flask_login import current_user

from consult.db import db
from consult.errors import ServiceError
from consult.public_url import shared_caching_allowed


@dataclasses.dataclass(frozen=True)
class CachePolicy:
    """What caches may do with a route's answers (Cache-Control), declared with the route.

    `public` is for a reader who is not logged in, `logged_in` for one who is (or an API
    caller with a token): a page that names its reader, or counts what only they may see,
    is theirs alone. A view that shows what not every reader may see calls `keep_private`.
    """

    public: str
    logged_in: str

    def header(self) -> str:
        """The Cache-Control value for the reader of this request."""
        signed_in = getattr(current_user, "is_authenticated", False) or \
            g.get("api_user") is not None
        return self.logged_in if signed_in else self.public


# The same for every reader: shared caches keep it, and ask again each time (cheap 304s).
SHARED = CachePolicy("public, no-cache", "public, no-cache")
# Revalidated, and private to a logged-in reader (the page names them).
REVALIDATED = CachePolicy("public, no-cache", "private, no-cache")
# Text that never changes once published (comparisons, Akoma Ntoso): five minutes.
FIVE_MINUTES = CachePolicy("public, max-age=300", "private, max-age=300")
FIVE_MINUTES_SHARED = CachePolicy("public, max-age=300", "public, max-age=300")
# Lists that change rarely (consultations, the OpenAPI document): a minute.
ONE_MINUTE = CachePolicy("public, max-age=60", "public, max-age=60")
# Depends on who asks, for everyone (search results).
PRIVATE = CachePolicy("private, no-cache", "private, no-cache")
# Unpublished text, account details, moderation, an answer to a change: never kept.
NO_STORE = CachePolicy("private, no-store", "private, no-store")


def keep_private() -> None:
    """This answer shows what not every reader may see (a draft, a hidden submission, a
    moderator's view): whatever its route declares, no cache keeps it."""
    g.consult_keep_private = True


class Routes:
    """The routes of one module, with the same decorators as a blueprint's."""

    def __init__(self):
        self._rules: list[tuple[str, dict, object, object]] = []

    def route(self, rule: str, *, refused=None, refused_reads: bool = False,
              cache: CachePolicy | None = None, **options):
        """Declare a view for `rule` (options as for `Blueprint.route`).

        `refused(error, **url_values)` answers a ServiceError from a post to the view, after
        the rollback: usually the same page with the message and the form refilled. With
        `refused_reads`, it answers a GET's too (a search or a log shown with what was wrong
        in the query); otherwise a GET that cannot be shown gets the error page. `cache` is
        the route's CachePolicy (pages without one: consult.web's default for pages)."""
        def declare(view):
            self._rules.append((rule, options, view, refused, refused_reads, cache))
            return view
        return declare

    def get(self, rule: str, **options):
        """Declare a GET view."""
        return self.route(rule, methods=["GET"], **options)

    def post(self, rule: str, **options):
        """Declare a POST view."""
        return self.route(rule, methods=["POST"], **options)

    def put(self, rule: str, **options):
        """Declare a PUT view."""
        return self.route(rule, methods=["PUT"], **options)

    def patch(self, rule: str, **options):
        """Declare a PATCH view."""
        return self.route(rule, methods=["PATCH"], **options)

    def delete(self, rule: str, **options):
        """Declare a DELETE view."""
        return self.route(rule, methods=["DELETE"], **options)

    def declared(self):
        """(rule, methods, view) of every declared view, as written (not yet wrapped)."""
        for rule, options, view, *_rest in self._rules:
            yield rule, [m for m in options.get("methods", ["GET"]) if m != "HEAD"], view

    def add_to(self, blueprint: Blueprint, wrap=None) -> None:
        """Add every declared view to `blueprint`, named as `Blueprint.route` names them.

        `wrap(view)`, if given, is run inside the unit of work around each view: what it
        writes is committed or rolled back with the view's changes (the API's
        Idempotency-Key answers, consult/api/idempotency.py)."""
        for rule, options, view, refused, refused_reads, cache in self._rules:
            options = dict(options)
            endpoint = options.pop("endpoint", None) or view.__name__
            inner = wrap(view) if wrap is not None else view
            blueprint.add_url_rule(
                rule, endpoint, unit_of_work(inner, refused, refused_reads, cache), **options)


def unit_of_work(view, refused=None, refused_reads: bool = False,
                 cache: CachePolicy | None = None):
    """`view` run as the request's one transaction (see the module's docstring), its
    answer marked with the route's cache policy."""
    @functools.wraps(view)
    def run(**url_values):
        response = _run(**url_values)
        # The route's policy is for what it shows; redirects and error pages keep theirs.
        shown = response.status_code < 300 or response.status_code == 304
        policy = NO_STORE if g.pop("consult_keep_private", False) else cache if shown else None
        if policy is not None:
            header = policy.header()
            if header.startswith("public") and request.blueprint == "api" \
                    and not shared_caching_allowed():
                # Its links were built from the request's Host: not for a shared cache.
                header = "private" + header[len("public"):]
            response.headers["Cache-Control"] = header
        return response

    def _run(**url_values):
        try:
            response = current_app.make_response(view(**url_values))
        except ServiceError as error:
            db.session.rollback()
            if refused is None or (request.method in ("GET", "HEAD") and not refused_reads):
                raise  # a page that cannot be shown: the error page says why
            response = current_app.make_response(refused(error, **url_values))
            response.headers.update(error.headers())
            db.session.rollback()  # showing the refusal changes nothing
            return response
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return response
    run.unit_of_work = True  # tests/test_unit_of_work.py checks every route has one
    run.cache_policy = cache
    return run


def build_blueprint(name: str, import_name: str, *declared: Routes, wrap=None,
                    **options) -> Blueprint:
    """A new blueprint holding the routes of each of `declared` (each view wrapped in
    `wrap`, if given: see `Routes.add_to`)."""
    blueprint = Blueprint(name, import_name, **options)
    for routes in declared:
        routes.add_to(blueprint, wrap)
    return blueprint
