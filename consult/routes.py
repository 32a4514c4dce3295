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

import functools

from flask import Blueprint, current_app, request

from consult.db import db
from consult.errors import ServiceError


class Routes:
    """The routes of one module, with the same decorators as a blueprint's."""

    def __init__(self):
        self._rules: list[tuple[str, dict, object, object]] = []

    def route(self, rule: str, *, refused=None, refused_reads: bool = False, **options):
        """Declare a view for `rule` (options as for `Blueprint.route`).

        `refused(error, **url_values)` answers a ServiceError from a post to the view, after
        the rollback: usually the same page with the message and the form refilled. With
        `refused_reads`, it answers a GET's too (a search or a log shown with what was wrong
        in the query); otherwise a GET that cannot be shown gets the error page."""
        def declare(view):
            self._rules.append((rule, options, view, refused, refused_reads))
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

    def add_to(self, blueprint: Blueprint) -> None:
        """Add every declared view to `blueprint`, named as `Blueprint.route` names them."""
        for rule, options, view, refused, refused_reads in self._rules:
            options = dict(options)
            endpoint = options.pop("endpoint", None) or view.__name__
            blueprint.add_url_rule(rule, endpoint, unit_of_work(view, refused, refused_reads),
                                   **options)


def unit_of_work(view, refused=None, refused_reads: bool = False):
    """`view` run as the request's one transaction (see the module's docstring)."""
    @functools.wraps(view)
    def run(**url_values):
        try:
            response = current_app.make_response(view(**url_values))
        except ServiceError as error:
            db.session.rollback()
            if refused is None or (request.method in ("GET", "HEAD") and not refused_reads):
                raise  # a page that cannot be shown: the error page says why
            response = current_app.make_response(refused(error, **url_values))
            db.session.rollback()  # showing the refusal changes nothing
            return response
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return response
    run.unit_of_work = True  # tests/test_unit_of_work.py checks every route has one
    return run


def build_blueprint(name: str, import_name: str, *declared: Routes, **options) -> Blueprint:
    """A new blueprint holding the routes of each of `declared`."""
    blueprint = Blueprint(name, import_name, **options)
    for routes in declared:
        routes.add_to(blueprint)
    return blueprint
