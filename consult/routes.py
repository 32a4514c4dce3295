"""Routes declared by a module and added to a blueprint by whoever builds it.

A package whose pages live in several modules (drafts, archive, the API) declares each
module's routes on a `Routes` and builds its blueprint in one function that names every
module: importing a module changes nothing, and each `create_app` gets a blueprint of its
own (a blueprint that an app has registered refuses new routes).
"""

from __future__ import annotations

from flask import Blueprint


class Routes:
    """The routes of one module, with the same decorators as a blueprint's."""

    def __init__(self):
        self._rules: list[tuple[str, dict, object]] = []

    def route(self, rule: str, **options):
        """Declare a view for `rule` (options as for `Blueprint.route`)."""
        def declare(view):
            self._rules.append((rule, options, view))
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
        for rule, options, view in self._rules:
            options = dict(options)
            blueprint.add_url_rule(rule, options.pop("endpoint", None), view, **options)


def build_blueprint(name: str, import_name: str, *declared: Routes, **options) -> Blueprint:
    """A new blueprint holding the routes of each of `declared`."""
    blueprint = Blueprint(name, import_name, **options)
    for routes in declared:
        routes.add_to(blueprint)
    return blueprint
