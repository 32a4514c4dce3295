"""Pages: threads on paragraphs, statements on versions, one submission, edit and withdraw.

Every form works without JavaScript. When a post is refused, the page comes back with the
message next to the form and the delegate's text still in it: no word is lost.
"""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult import permissions
from consult.comments import services
from consult.comments.forms import EditForm, SubmissionForm
from consult.comments.models import SubmissionKind
from consult.drafts import services as drafts
from consult.errors import Invalid
from consult.pages import (load_submission, load_version, render_submission_page,
                           requested_page, text_choice)
from consult.routes import NO_STORE, Routes, build_blueprint, keep_private
from consult.urls import safe_local_path

routes = Routes()


def blueprint() -> Blueprint:
    """The comments pages."""
    blueprint = build_blueprint("comments", __name__, routes)
    blueprint.app_context_processor(_notice_helpers)
    return blueprint


# --- where the reader was, and what they are told after acting ------------------------------

# How long the confirmation of an action waits for its submission to be shown (seconds).
NOTICE_SECONDS = 300


def _notice(submission, text: str) -> None:
    """Say `text` next to `submission` where it is shown next, rather than at the page top.

    The thread that shows the submission takes the notice (`take_notice` in templates) and
    focuses it, so that a reader of a long thread is not left at the top of the page with
    the message out of sight.
    """
    session["notice"] = {"id": submission.id, "text": str(text), "at": int(time.time())}


def _notice_helpers():
    def take_notice(submission_id) -> str:
        if not session:  # no session cookie: nothing to say, and no Vary: Cookie for it
            return ""
        found = session.get("notice")
        if not isinstance(found, dict) or found.get("id") != submission_id:
            return ""
        session.pop("notice", None)
        if int(time.time()) - int(found.get("at") or 0) > NOTICE_SECONDS:
            return ""
        return str(found.get("text") or "")
    return {"take_notice": take_notice}


def _return_path() -> str:
    """The page (path and query, no fragment) a form asked to come back to, or ""."""
    raw = (request.values.get("next") or "").split("#", 1)[0]
    return safe_local_path(raw, "")


def _back_to(submission) -> str:
    """Where the reader was (the `next` the form carried) at the submission, else its thread."""
    back = _return_path()
    if back:
        return f"{back}#{submission_anchor(submission)}"
    return where_it_is_shown(submission)


def _private_if_draft(version, response):
    """A draft's page must not stay in a shared browser's cache after logout."""
    if not version.is_public:
        keep_private()
    return response


def submission_anchor(submission) -> str:
    """The fragment identifier of a submission in its thread (#s42)."""
    return f"s{submission.id}"


def where_it_is_shown(submission) -> str:
    """The address of the page showing a submission in its thread."""
    version = submission.version
    slug = version.consultation.slug
    if submission.paragraph is not None:
        return url_for("comments.paragraph", slug=slug, version_id=version.id,
                       label=submission.paragraph.anchor, _anchor=submission_anchor(submission))
    return url_for("comments.statements", slug=slug, version_id=version.id,
                   _anchor=submission_anchor(submission))


# Conversations shown from each earlier version's thread under the current one; the rest
# are a link away, on that version's own paragraph page.
EARLIER_SHOWN = 5


def page_args() -> dict:
    """?page= and ?order= of a thread page, as the services take them (bad ones refused
    there, with a 400 page saying what is accepted)."""
    return {"page": requested_page(), "order": request.args.get("order") or "activity"}


def _answered(error_for) -> int | None:
    """The submission a refused reply answered (its conversation is shown with the form)."""
    wanted = (error_for or "").removeprefix("reply-")
    return int(wanted) if error_for != wanted and wanted.isdigit() and len(wanted) < 10 \
        else None


def thread_context(version, paragraph, error_for=None) -> dict:
    """What the thread part of a paragraph page needs."""
    current, earlier = services.paragraph_threads(current_user, paragraph,
                                                  request.args.get("in"),
                                                  earlier_items=EARLIER_SHOWN,
                                                  showing=_answered(error_for), **page_args())
    return {
        "thread": current, "earlier_threads": earlier,
        "is_open": drafts.is_open_for_comment(version),
        "may_post": permissions.can(current_user, "post_submission", version),
    }


def _unsent_reply(items, error_for, is_open) -> bool:
    """Whether a refused reply's text needs a box of its own: its form is not on the page
    (the submission it answered was withdrawn or hidden meanwhile, or the period closed)."""
    if not error_for or not error_for.startswith("reply-"):
        return False
    if not is_open:
        return True
    wanted = error_for.removeprefix("reply-")

    def find(found):
        for item in found:
            if str(item.submission.id) == wanted:
                return item.submission
            hit = find(item.replies)
            if hit is not None:
                return hit
        return None

    parent = find(items)
    return parent is None or parent.is_withdrawn or parent.is_concealed


def render_paragraph_page(version, paragraph, *, error=None, values=None, error_for=None,
                          status: int = 200):
    """The paragraph page, or only its thread when asked with ?partial=thread.

    `return_to` is the reading page the thread is shown on, which its forms come back to:
    the paragraph's page, or the version page when the thread was loaded into it
    (`?thread=<label>` there opens it again, see consult.js).
    """
    values = values or {}
    texts = text_choice(version, [paragraph.id])
    partial = request.args.get("partial") == "thread" and request.method == "GET"
    context = dict(version=version, paragraph=paragraph, consultation=version.consultation,
                   form_error=error, error_for=error_for, values=values, texts=texts,
                   **thread_context(version, paragraph, error_for))
    if request.method != "GET":
        return_to = _return_path() or url_for(
            "comments.paragraph", slug=version.consultation.slug, version_id=version.id,
            label=paragraph.anchor)
    elif partial:
        return_to = url_for("drafts.version", slug=version.consultation.slug,
                            version_id=version.id, thread=paragraph.anchor,
                            **(texts["link_args"] if texts else {}))
    else:
        return_to = request.full_path.rstrip("?")
    context["return_to"] = return_to
    context["unsent_reply"] = _unsent_reply(context["thread"].items, error_for,
                                            context["is_open"])
    if partial:
        html = render_template("comments/_thread_fragment.html", **context)
    else:
        context["history"] = drafts.paragraph_history(current_user, paragraph)
        html = render_template("drafts/paragraph.html", **context)
    return _private_if_draft(version, make_response(html, status))


@routes.route("/consultations/<slug>/versions/<int:version_id>/paragraphs/<label>")
def paragraph(slug: str, version_id: int, label: str):
    """One paragraph on its own page, with its history across versions."""
    found = load_version(slug, version_id)
    item = drafts.get_paragraph(current_user, found, label)
    return render_paragraph_page(found, item)


# No login_required on posts: a delegate whose session ended while writing gets the page
# back with the text still in the form and a message, rather than a redirect that loses it.
def _sent() -> dict:
    """The submission form as it was sent."""
    return SubmissionForm().values()


def _refused_on_paragraph(error, slug: str, version_id: int, label: str):
    """The paragraph page again, the refused text in the form it was sent from."""
    version = load_version(slug, version_id)
    paragraph = drafts.get_paragraph(current_user, version, label)
    values = _sent()
    return render_paragraph_page(version, paragraph, error=error.message, values=values,
                                 error_for=_form_id(values["kind"] or "comment", values),
                                 status=error.status)


@routes.post("/consultations/<slug>/versions/<int:version_id>/paragraphs/<label>/submissions",
             refused=_refused_on_paragraph)
def post_on_paragraph(slug: str, version_id: int, label: str):
    """A comment, a reply or a proposed amendment on one paragraph."""
    version = load_version(slug, version_id)
    paragraph = drafts.get_paragraph(current_user, version, label)
    values = _sent()
    kind = values["kind"] or "comment"
    if kind == SubmissionKind.amendment.value:
        submission = services.propose_amendment(
            current_user, paragraph, values["proposed_text"], values["body"],
            language=values["language"] or None)
        done = _("Your proposed amendment is published.")
    elif kind == SubmissionKind.comment.value:
        submission = services.post_comment(
            current_user, paragraph, values["body"], parent_id=SubmissionForm().parent(),
            language=values["language"] or None)
        done = (_("Your reply is published.") if submission.parent_id
                else _("Your comment is published."))
    else:
        raise Invalid(_("Choose a comment or a proposed amendment."))
    # Back to the page the form was on (the version page, when the thread was opened
    # there), at the new submission, with the confirmation beside it.
    _notice(submission, done)
    return redirect(_back_to(submission), code=303)


def _form_id(kind: str, values: dict) -> str:
    """Which form on the page the refused text belongs to (to show it there, refilled)."""
    if values.get("parent_id"):
        return f"reply-{values['parent_id']}"
    return "amendment" if kind == SubmissionKind.amendment.value else "comment"


def _statements_page(version, *, error=None, error_for=None, values=None, status=200):
    """The general statements on a version, with the form to make one."""
    thread = services.statement_thread(current_user, version, showing=_answered(error_for),
                                       **(page_args() if request.method == "GET" else {}))
    is_open = drafts.is_open_for_comment(version)
    html = render_template(
        "comments/statements.html", version=version, consultation=version.consultation,
        thread=thread, is_open=is_open,
        may_post=permissions.can(current_user, "post_submission", version),
        form_error=error, error_for=error_for, values=values or {},
        return_to=url_for("comments.statements", slug=version.consultation.slug,
                          version_id=version.id),
        unsent_reply=_unsent_reply(thread.items, error_for, is_open))
    return _private_if_draft(version, make_response(html, status))


def _refused_statement(error, slug: str, version_id: int):
    """The statements again, the refused text in the form it was sent from."""
    values = _sent()
    return _statements_page(
        load_version(slug, version_id), error=error.message, values=values,
        error_for=f"reply-{values['parent_id']}" if values.get("parent_id") else "statement",
        status=error.status)


@routes.route("/consultations/<slug>/versions/<int:version_id>/statements",
              methods=["GET", "POST"], refused=_refused_statement)
def statements(slug: str, version_id: int):
    """General statements on a whole version, and the form to make one."""
    version = load_version(slug, version_id)
    if request.method == "POST":
        values = _sent()
        submission = services.post_statement(
            current_user, version, values["body"], parent_id=SubmissionForm().parent(),
            language=values["language"] or None)
        _notice(submission, _("Your reply is published.") if submission.parent_id
                else _("Your statement is published."))
        return redirect(where_it_is_shown(submission), code=303)
    return _statements_page(version)


@routes.get("/consultations/<slug>/submissions/<int:submission_id>")
def submission(slug: str, submission_id: int):
    """The permanent, citable page of one submission."""
    return render_submission_page(load_submission(slug, submission_id))


def _act(slug: str, submission_id: int, action, done_message: str):
    """Run one action on a submission; back where it was asked from (its thread by default)."""
    found = load_submission(slug, submission_id)
    action(found)
    _notice(found, done_message)
    return redirect(_back_to(found), code=303)


def _refused_action(error, slug: str, submission_id: int):
    """The submission's page, with the refusal."""
    return render_submission_page(load_submission(slug, submission_id), error=error.message,
                                  status=error.status)


@routes.post("/consultations/<slug>/submissions/<int:submission_id>/support",
             refused=_refused_action)
@login_required
def support(slug: str, submission_id: int):
    """Support another delegation's proposed amendment."""
    return _act(slug, submission_id,
                lambda found: services.support_amendment(current_user, found),
                _("Your delegation's support is recorded."))


# Withdrawing a support is one click: the delegation can give it again at once.
@routes.post("/consultations/<slug>/submissions/<int:submission_id>/unsupport",
             refused=_refused_action)
@login_required
def unsupport(slug: str, submission_id: int):
    """Withdraw the support one's delegation gave to a proposed amendment."""
    return _act(slug, submission_id,
                lambda found: services.withdraw_support(current_user, found),
                _("Your delegation's support is withdrawn."))


@routes.route("/consultations/<slug>/submissions/<int:submission_id>/withdraw",
              methods=["GET", "POST"], refused=_refused_action, cache=NO_STORE)
@login_required
def withdraw(slug: str, submission_id: int):
    """Withdraw one's own submission; it stays in the record, marked withdrawn.

    It cannot be undone, so the button leads here first (GET): what will be withdrawn, then
    Confirm (POST) or Cancel, back where the delegate was.
    """
    if request.method == "POST":
        return _act(slug, submission_id,
                    lambda found: services.withdraw_submission(current_user, found),
                    _("Your submission is withdrawn. It stays in the record, marked "
                      "withdrawn."))
    found = load_submission(slug, submission_id)
    permissions.require(current_user, "withdraw_submission", found)
    back = _return_path()
    html = render_template(
        "comments/withdraw.html", submission=found, version=found.version,
        consultation=found.version.consultation, next=back,
        cancel=f"{back}#{submission_anchor(found)}" if back else where_it_is_shown(found),
        supporters=services.supporters_of(found))
    return make_response(html)


def _edit_page(found, values: dict, *, error=None, status: int = 200):
    """The form to edit one's own submission."""
    return render_template("comments/edit.html", submission=found, version=found.version,
                           consultation=found.version.consultation, values=values,
                           error=error), status


def _refused_edit(error, slug: str, submission_id: int):
    """The edit form again, with the text as it was sent."""
    return _edit_page(load_submission(slug, submission_id), EditForm().values(),
                      error=error.message, status=error.status)


@routes.route("/consultations/<slug>/submissions/<int:submission_id>/edit",
              methods=["GET", "POST"], refused=_refused_edit)
def edit(slug: str, submission_id: int):
    """Edit one's own submission while the period is open; the earlier text is kept."""
    found = load_submission(slug, submission_id)
    if request.method == "GET":
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()  # to the login page and back
        permissions.require(current_user, "edit_submission", found)
        return _edit_page(found, {"body": found.body, "proposed_text": found.proposed_text or "",
                                  "revision": str(found.revision)})
    form = EditForm()
    services.edit_submission(
        current_user, found, body=form.body.data or "",
        proposed_text=(form.proposed_text.data or "")
        if found.kind == SubmissionKind.amendment else None,
        expected_revision=form.expected_revision())
    _notice(found, _("Your changes are saved; the earlier text stays readable in "
                     "the history."))
    return redirect(where_it_is_shown(found), code=303)
