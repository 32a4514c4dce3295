"""Pages: threads on paragraphs, statements on versions, one submission, edit and withdraw.

Every form works without JavaScript. When a post is refused, the page comes back with the
message next to the form and the delegate's text still in it: no word is lost.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult import permissions
from consult.comments import services
from consult.comments.models import SubmissionKind
from consult.db import db
from consult.drafts import services as drafts
from consult.drafts.reading import text_choice
from consult.errors import Invalid, ServiceError

bp = Blueprint("comments", __name__)

# The form fields of a submission, kept to refill the form when a post is refused.
FIELDS = ("kind", "body", "proposed_text", "parent_id", "language")


def _load_version(slug: str, version_id: int):
    version = drafts.get_version(current_user, version_id)
    if version.consultation.slug != slug:
        abort(404)
    return version


def _load_submission(slug: str, submission_id: int):
    submission = services.get_submission(current_user, submission_id)
    if submission.version.consultation.slug != slug:
        abort(404)
    return submission


def _private_if_draft(version, response):
    if not version.is_public:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _parent_id() -> int | None:
    raw = (request.form.get("parent_id") or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        return -1  # the service refuses it with a clear message
    return int(raw)


def submission_anchor(submission) -> str:
    """The fragment identifier of a submission in its thread (#s42)."""
    return f"s{submission.id}"


def where_it_is_shown(submission) -> str:
    """The address of the page showing a submission in its thread."""
    version = submission.version
    slug = version.consultation.slug
    if submission.paragraph is not None:
        return url_for("drafts.paragraph", slug=slug, version_id=version.id,
                       label=submission.paragraph.anchor, _anchor=submission_anchor(submission))
    return url_for("comments.statements", slug=slug, version_id=version.id,
                   _anchor=submission_anchor(submission))


def thread_context(version, paragraph) -> dict:
    """What the thread part of a paragraph page needs."""
    current, earlier = services.paragraph_threads(current_user, paragraph,
                                                  request.args.get("in"))
    return {
        "thread": current, "earlier_threads": earlier,
        "is_open": drafts.is_open_for_comment(version),
        "may_post": permissions.can(current_user, "post_submission", version),
    }


def render_paragraph_page(version, paragraph, *, error=None, values=None, error_for=None,
                          status: int = 200):
    """The paragraph page, or only its thread when asked with ?partial=thread."""
    context = dict(version=version, paragraph=paragraph, consultation=version.consultation,
                   error=error, error_for=error_for, values=values or {},
                   texts=text_choice(version, [paragraph.id]),
                   **thread_context(version, paragraph))
    if request.args.get("partial") == "thread" and request.method == "GET":
        html = render_template("comments/_thread_fragment.html", **context)
    else:
        context["history"] = drafts.paragraph_history(current_user, paragraph)
        html = render_template("drafts/paragraph.html", **context)
    return _private_if_draft(version, make_response(html, status))


# No login_required on posts: a delegate whose session ended while writing gets the page
# back with the text still in the form and a message, rather than a redirect that loses it.
@bp.post("/consultations/<slug>/versions/<int:version_id>/paragraphs/<label>/submissions")
def post_on_paragraph(slug: str, version_id: int, label: str):
    """A comment, a reply or a proposed amendment on one paragraph."""
    version = _load_version(slug, version_id)
    paragraph = drafts.get_paragraph(current_user, version, label)
    values = {name: request.form.get(name, "") for name in FIELDS}
    kind = values["kind"] or "comment"
    try:
        if kind == SubmissionKind.amendment.value:
            submission = services.propose_amendment(
                current_user, paragraph, values["proposed_text"], values["body"],
                language=values["language"] or None)
            flash(_("Your proposed amendment is published."), "success")
        elif kind == SubmissionKind.comment.value:
            submission = services.post_comment(
                current_user, paragraph, values["body"], parent_id=_parent_id(),
                language=values["language"] or None)
            flash(_("Your reply is published.") if submission.parent_id
                  else _("Your comment is published."), "success")
        else:
            raise Invalid(_("Choose a comment or a proposed amendment."))
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        return render_paragraph_page(version, paragraph, error=exc.message, values=values,
                                     error_for=_form_id(kind, values), status=exc.status)
    return redirect(where_it_is_shown(submission), code=303)


def _form_id(kind: str, values: dict) -> str:
    """Which form on the page the refused text belongs to (to show it there, refilled)."""
    if values.get("parent_id"):
        return f"reply-{values['parent_id']}"
    return "amendment" if kind == SubmissionKind.amendment.value else "comment"


@bp.route("/consultations/<slug>/versions/<int:version_id>/statements",
          methods=["GET", "POST"])
def statements(slug: str, version_id: int):
    """General statements on a whole version, and the form to make one."""
    version = _load_version(slug, version_id)
    error = error_for = None
    values: dict = {}
    status = 200
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in FIELDS}
        try:
            submission = services.post_statement(
                current_user, version, values["body"], parent_id=_parent_id(),
                language=values["language"] or None)
            db.session.commit()
            flash(_("Your reply is published.") if submission.parent_id
                  else _("Your statement is published."), "success")
            return redirect(where_it_is_shown(submission), code=303)
        except ServiceError as exc:
            db.session.rollback()
            error, status = exc.message, exc.status
            error_for = f"reply-{values['parent_id']}" if values.get("parent_id") else "statement"
    thread = services.statement_thread(current_user, version)
    html = render_template(
        "comments/statements.html", version=version, consultation=version.consultation,
        thread=thread, is_open=drafts.is_open_for_comment(version),
        may_post=permissions.can(current_user, "post_submission", version),
        error=error, error_for=error_for, values=values)
    return _private_if_draft(version, make_response(html, status))


def render_submission_page(submission, *, error=None, status: int = 200,
                           moderation_values=None):
    """One submission on its own permanent page, with its replies and edit history."""
    from consult.moderation.services import HIDE_REASONS

    version = submission.version
    html = render_template(
        "comments/submission.html", submission=submission, version=version,
        consultation=version.consultation, replies=services.replies_to(current_user, submission),
        supporters=services.supporters_of(submission),
        is_open=drafts.is_open_for_comment(version), error=error,
        may_post=permissions.can(current_user, "post_submission", version),
        moderation_values=moderation_values or {}, hide_reasons=HIDE_REASONS)
    response = make_response(html, status)
    if submission.is_concealed or not version.is_public or permissions.can(
            current_user, "moderate_submissions", version.consultation):
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/consultations/<slug>/submissions/<int:submission_id>")
def submission(slug: str, submission_id: int):
    """The permanent, citable page of one submission."""
    return render_submission_page(_load_submission(slug, submission_id))


def _act(slug: str, submission_id: int, action, done_message: str):
    """Run one action on a submission; back to its thread, or its page with the refusal."""
    found = _load_submission(slug, submission_id)
    try:
        action(found)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        found = _load_submission(slug, submission_id)
        return render_submission_page(found, error=exc.message, status=exc.status)
    flash(done_message, "success")
    return redirect(where_it_is_shown(found), code=303)


@bp.post("/consultations/<slug>/submissions/<int:submission_id>/support")
@login_required
def support(slug: str, submission_id: int):
    """Support another delegation's proposed amendment."""
    return _act(slug, submission_id,
                lambda found: services.support_amendment(current_user, found),
                _("Your delegation's support is recorded."))


@bp.post("/consultations/<slug>/submissions/<int:submission_id>/unsupport")
@login_required
def unsupport(slug: str, submission_id: int):
    """Withdraw the support one's delegation gave to a proposed amendment."""
    return _act(slug, submission_id,
                lambda found: services.withdraw_support(current_user, found),
                _("Your delegation's support is withdrawn."))


@bp.post("/consultations/<slug>/submissions/<int:submission_id>/withdraw")
@login_required
def withdraw(slug: str, submission_id: int):
    """Withdraw one's own submission; it stays in the record, marked withdrawn."""
    return _act(slug, submission_id,
                lambda found: services.withdraw_submission(current_user, found),
                _("Your submission is withdrawn. It stays in the record, marked withdrawn."))


@bp.route("/consultations/<slug>/submissions/<int:submission_id>/edit",
          methods=["GET", "POST"])
def edit(slug: str, submission_id: int):
    """Edit one's own submission while the period is open; the earlier text is kept."""
    found = _load_submission(slug, submission_id)
    if request.method == "GET":
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()  # to the login page and back
        permissions.require(current_user, "edit_submission", found)
    values = {"body": found.body, "proposed_text": found.proposed_text or "",
              "revision": str(found.revision)}
    error, status = None, 200
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in values}
        revision = values["revision"]
        try:
            services.edit_submission(
                current_user, found, body=values["body"],
                proposed_text=values["proposed_text"]
                if found.kind == SubmissionKind.amendment else None,
                expected_revision=int(revision) if revision.isascii() and revision.isdigit()
                and len(revision) < 10 else -1)
            db.session.commit()
            flash(_("Your changes are saved; the earlier text stays readable in the "
                    "history."), "success")
            return redirect(where_it_is_shown(found), code=303)
        except ServiceError as exc:
            db.session.rollback()
            error, status = exc.message, exc.status
            found = _load_submission(slug, submission_id)
    return render_template("comments/edit.html", submission=found, version=found.version,
                           consultation=found.version.consultation, values=values,
                           error=error), status
