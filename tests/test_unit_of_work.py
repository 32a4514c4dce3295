"""One unit of work per request (consult/routes.py): the request commits once, when its
view returns, or changes nothing; a refusal is answered in one place."""

import ast

import pytest
from flask import request
from sqlalchemy import func, select

from consult.auth.models import Delegation
from consult.db import db
from consult.errors import Invalid, NotFound
from consult.routes import Routes, build_blueprint
from tests.conftest import fresh
from tests.test_import_contract import layer_of, modules

# The names of ServiceError and its subclasses a view might catch.
REFUSALS = {"ServiceError", "Invalid", "Unauthorized", "Forbidden", "NotFound", "Conflict",
            "TooMany", "NumberingUnconfirmed", "TranslationMisaligned"}


def _handling(path) -> list[str]:
    """Commits, rollbacks and caught refusals in one module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in ("commit", "rollback") and \
                isinstance(node.value, ast.Attribute) and node.value.attr == "session":
            found.append((node.lineno, f"session.{node.attr}"))
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            names = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            for name in names:
                caught = name.attr if isinstance(name, ast.Attribute) else \
                    getattr(name, "id", "")
                if caught in REFUSALS:
                    found.append((node.lineno, f"except {caught}"))
    return [f"{path.name}:{line}: {what}" for line, what in sorted(found)]


def test_views_never_commit_roll_back_or_catch_a_refusal():
    views = [path for name, path in modules().items()
             if layer_of(name) == "views" and name != "consult.routes"]
    assert len(views) > 20
    assert [hit for path in views for hit in _handling(path)] == []


def test_the_check_sees_a_view_that_handles_its_own_transaction(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text("def post():\n    try:\n        db.session.commit()\n"
                      "    except (errors.Invalid, KeyError):\n        db.session.rollback()\n",
                      encoding="utf-8")
    assert _handling(sample) == ["views.py:3: session.commit", "views.py:4: except Invalid",
                                 "views.py:5: session.rollback"]


def test_every_route_of_the_app_runs_as_one_unit_of_work(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert {"comments.post_on_paragraph", "api.create_version", "choose_language",
            "compilation.page"} <= endpoints
    assert sorted(e for e in endpoints
                  if not getattr(app.view_functions[e], "unit_of_work", False)) == []


def _count_delegations() -> int:
    fresh()
    return db.session.scalar(select(func.count(Delegation.id)))


def _trial_routes(seen: dict) -> Routes:
    routes = Routes()

    def refused(error, outcome: str):
        # Called after the rollback: the row the view added is gone already.
        seen["rows_when_refused"] = db.session.scalar(select(func.count(Delegation.id)))
        return f"refused: {error.message}", error.status

    @routes.route("/trial/<outcome>", methods=["GET", "POST"], refused=refused)
    def trial(outcome: str):
        db.session.add(Delegation(code=f"T{len(outcome)}{request.method[0]}",
                                  name_en="Trial", names={"en": "Trial"},
                                  kind="observer_state"))
        db.session.flush()
        if outcome == "refuse":
            raise Invalid("Not this time.")
        if outcome == "missing":
            raise NotFound("No such thing.")
        if outcome == "crash":
            raise RuntimeError("a bug")
        return "done", 201

    return routes


@pytest.mark.fresh_app  # adds a route: an app of its own
def test_a_view_that_returns_commits_and_one_that_is_refused_changes_nothing(app):
    seen = {}
    from consult.extensions import csrf

    trial = build_blueprint("trial", __name__, _trial_routes(seen))
    csrf.exempt(trial)  # the trial posts carry no form
    app.register_blueprint(trial)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    before = _count_delegations()

    answer = client.post("/trial/refuse")
    assert (answer.status_code, answer.get_data(as_text=True)) == (400, "refused: Not this time.")
    assert seen["rows_when_refused"] == before
    assert _count_delegations() == before

    # A GET that cannot be shown gets the error page, not the form's refusal.
    answer = client.get("/trial/missing")
    assert answer.status_code == 404 and "refused" not in answer.get_data(as_text=True)
    assert client.post("/trial/crash").status_code == 500
    assert _count_delegations() == before

    answer = client.post("/trial/ok")
    assert (answer.status_code, answer.get_data(as_text=True)) == (201, "done")
    assert _count_delegations() == before + 1


def test_a_refused_comment_keeps_its_text_and_stores_nothing(app, make_user, consultation):
    """Through a real page: the paragraph page again, the text in its form, no row."""
    from consult.comments.models import Submission
    from consult.drafts import services as drafts
    from consult.permissions import COMMAND_LINE
    from tests.conftest import csrf_token, login

    version = drafts.create_version(COMMAND_LINE, consultation, label="Zero draft",
                                    text="# Title\n\n1. Decides to act.\n", publish=True,
                                    max_chars=100_000)
    db.session.commit()
    make_user("delegate", email="fra@example.org")
    client = app.test_client()
    login(client, "fra@example.org")
    page = f"/consultations/{consultation.slug}/versions/{version.id}/paragraphs/OP1"
    answer = client.post(page + "/submissions", data={
        "csrf_token": csrf_token(client, page), "kind": "amendment",
        "body": "Our reasons, kept.", "proposed_text": ""})
    assert answer.status_code == 400
    assert "Our reasons, kept." in answer.get_data(as_text=True)
    fresh()
    assert db.session.scalar(select(func.count(Submission.id))) == 0


# --- caching is declared with the route -------------------------------------------------

def _sets_cache_control(path) -> list[str]:
    return [f"{path.name}:{node.lineno}" for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Constant) and node.value == "Cache-Control"]


def test_views_declare_their_cache_policy_instead_of_setting_the_header():
    # The header is written by the unit of work (routes), the pages' default (web) and the
    # page cache's own 304s; a view declares `cache=` or calls keep_private().
    views = [path for name, path in modules().items() if layer_of(name) == "views"
             and name not in ("consult.routes", "consult.web", "consult.page_cache")]
    assert [hit for path in views for hit in _sets_cache_control(path)] == []


def test_staff_pages_and_answers_to_changes_are_never_kept(app):
    from consult.routes import NO_STORE
    for endpoint in ("drafts.review", "drafts.edit_version", "drafts.new_version",
                     "auth.account", "auth.users", "auth.user", "moderation.queue",
                     "moderation.workbench", "moderation.settle", "api.hide_comment",
                     "api.edit_comment", "api.change_version_deadline"):
        assert app.view_functions[endpoint].cache_policy is NO_STORE, endpoint


def test_every_api_read_declares_how_it_may_be_cached(app):
    reads = {rule.endpoint for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("api.") and "GET" in rule.methods}
    assert len(reads) > 10
    assert sorted(e for e in reads if app.view_functions[e].cache_policy is None) == []


def test_a_draft_is_never_kept_whatever_its_route_declares(app, consultation, make_user):
    from consult.drafts import services as drafts
    from consult.permissions import COMMAND_LINE
    from tests.conftest import login

    draft = drafts.create_version(COMMAND_LINE, consultation, label="Zero draft",
                                  text="# Title\n\n1. Decides to act.\n", max_chars=100_000)
    db.session.commit()
    staff = make_user("cofacilitator", email="cofac@example.org")
    assert staff is not None
    client = app.test_client()
    login(client, "cofac@example.org")
    for path in (f"/api/v1/versions/{draft.id}", f"/api/v1/versions/{draft.id}/compilation",
                 f"/consultations/{consultation.slug}/versions/{draft.id}/compilation"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["Cache-Control"] == "private, no-store", path


# --- forms are read through WTForms -----------------------------------------------------

def _raw_form_reads(path) -> list[str]:
    return [f"{path.name}:{node.lineno}: request.{node.attr}"
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Attribute) and node.attr in ("form", "files")
            and isinstance(node.value, ast.Name) and node.value.id == "request"]


def test_views_read_forms_through_wtforms():
    # The one exception: the hook that refuses NUL characters in any field, before a view.
    views = [path for name, path in modules().items() if layer_of(name) == "views"]
    found = [hit for path in views for hit in _raw_form_reads(path)]
    assert [hit for hit in found if not hit.startswith("web.py:")] == []
    assert len([hit for hit in found if hit.startswith("web.py:")]) == 1
