"""Pages: consultations, versions, paragraphs; co-facilitators' import, review and publish."""

from __future__ import annotations

from flask import (
    Blueprint,
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
from consult.auth.models import Role
from consult.auth.services import count_member_states_on, list_users_with_role
from consult.comments import services as comment_services
from consult.drafts import services
from consult.drafts.forms import (CofacilitatorForm, ConfirmForm, ConsultationForm, DeadlineForm,
                                  MatchForm, VersionForm)
from consult.errors import Invalid
from consult.negotiation import progress as negotiation_progress
from consult.negotiation import silence
from consult.negotiation import status as negotiation_status
from consult.pages import EmptyForm, jump_request, load_version, text_choice
from consult.routes import NO_STORE, Routes, build_blueprint, keep_private

routes = Routes()


def blueprint() -> Blueprint:
    """The drafts pages: this module's, the comparisons' and the translations'."""
    from consult.drafts import compare_views, translation_views

    return build_blueprint("drafts", __name__, routes, compare_views.routes,
                           translation_views.routes)


@routes.route("/")
def index():
    """The consultations, those open for comment first, and how to take part."""
    open_versions = services.versions_open_for_comment()
    consultations = services.list_consultations()
    return render_template(
        "drafts/index.html", open_versions=open_versions,
        open_consultations=[c for c in consultations if c.id in open_versions],
        other_consultations=[c for c in consultations if c.id not in open_versions])


def _consultation_form_page(form: ConsultationForm, *, error=None, status: int = 200,
                            consultation=None):
    """The form to create or change a consultation."""
    return render_template("drafts/consultation_form.html", form=form, error=error,
                           consultation=consultation), status


def _refused_new_consultation(error):
    return _consultation_form_page(ConsultationForm(), error=error.message, status=error.status)


@routes.route("/consultations/new", methods=["GET", "POST"], refused=_refused_new_consultation)
@login_required
def new_consultation():
    """Create a consultation (co-facilitators and secretariat)."""
    services.require_consultation_creator(current_user)
    form = ConsultationForm()
    if request.method == "GET":
        return _consultation_form_page(form)
    if not form.validate_on_submit():
        raise Invalid(_("The form could not be read; nothing was saved."))
    consultation = services.create_consultation(
        current_user, slug=form.slug.data, title=form.title.data,
        mandate=form.mandate.data or "", description=form.description.data or "",
        cofacilitators=form.cofacilitators.data or "",
        reference_date=form.reference_date.data)
    return redirect(url_for("drafts.consultation", slug=consultation.slug))


def _refused_consultation_edit(error, slug: str):
    return _consultation_form_page(ConsultationForm(), error=error.message, status=error.status,
                                   consultation=services.get_consultation(slug))


@routes.route("/consultations/<slug>/edit", methods=["GET", "POST"],
              refused=_refused_consultation_edit)
@login_required
def edit_consultation(slug: str):
    """Change a consultation's title, mandate and description (the secretariat)."""
    found = services.get_consultation(slug)
    permissions.require(current_user, "edit_consultation", found)
    form = ConsultationForm(obj=found)
    if request.method == "GET":
        return _consultation_form_page(form, consultation=found)
    if not form.validate_on_submit():
        raise Invalid(_("The form could not be read; nothing was saved."))
    services.update_consultation(
        current_user, found, title=form.title.data, mandate=form.mandate.data or "",
        description=form.description.data or "",
        cofacilitators=form.cofacilitators.data or "",
        reference_date=form.reference_date.data)
    flash(_("The consultation was updated."), "success")
    return redirect(url_for("drafts.consultation", slug=found.slug))


@routes.route("/consultations/<slug>")
def consultation(slug: str):
    """A consultation: mandate, co-facilitators and the timeline of versions."""
    found = services.get_consultation(slug)
    versions = services.visible_versions(current_user, found)
    members = count_member_states_on(found.reference_date) if found.reference_date else None
    return render_template("drafts/consultation.html", consultation=found, versions=versions,
                           silences=silence.silences_of(v.id for v in versions if v.is_public),
                           progress=negotiation_progress.consultation_progress(found),
                           member_count=members, head=services.head_version(found),
                           staff_form=EmptyForm(),
                           cofacilitator_accounts=list_users_with_role(Role.cofacilitator)
                           if permissions.can(current_user, "assign_cofacilitators", found)
                           else [])


@routes.route("/consultations/<slug>/versions/<int:version_id>")
def version(slug: str, version_id: int):
    """Read one version, each paragraph with its label and permanent link."""
    found = load_version(slug, version_id)
    target, jump_error = jump_request(found)  # ?to=op4: "Jump to paragraph"
    if target:
        return redirect(target)
    shown, status_error = paragraphs_with_status(found)  # ?status=open: the open ones only
    response = _private_if_draft(found, render_template(
        "drafts/version.html", version=found, consultation=found.consultation,
        texts=text_choice(found), jump_error=jump_error, status_error=status_error,
        paragraphs=shown, status_filter=request.args.get("status") if not status_error
        else None, status_counts=negotiation_status.count_statuses([found.id])[found.id],
        is_open=services.is_open_for_comment(found),
        counts=comment_services.count_submissions(current_user, found),
        earlier_counts=comment_services.count_earlier_submissions(current_user, found),
        statement_count=comment_services.count_statements(current_user, found),
        detached=comment_services.detached_threads(current_user, found)))
    if jump_error:
        response.status_code = 404  # no such paragraph: said beside the form
    elif status_error:
        response.status_code = 400
    return response


def paragraphs_with_status(version):
    """The paragraphs ?status= narrows the version to, and what was wrong with it."""
    wanted = request.args.get("status")
    if not wanted:
        return version.paragraphs, None
    if wanted not in {s.value for s in negotiation_status.STATUSES}:
        return version.paragraphs, _("Unknown status; choose one of: %(statuses)s.",
                                     statuses=", ".join(s.value for s in
                                                        negotiation_status.STATUSES))
    return [p for p in version.paragraphs if p.status.value == wanted], None


def _private_if_draft(version, html: str):
    """A draft's page must not stay in a shared browser's cache after logout."""
    if not version.is_public:
        keep_private()
    return make_response(html)


def uploaded_or_typed(upload, typed: str | None) -> str:
    """The text of an uploaded Markdown file if one was sent, else the text typed."""
    if upload and getattr(upload, "filename", ""):
        raw = upload.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid(_("The uploaded file is not UTF-8 text. Save it as Markdown (.md) "
                            "or plain text in UTF-8 and try again."), field="upload") from None
    return typed or ""


def text_as_sent(upload, typed: str | None) -> str:
    """The text to show again in a refused form: the upload's when it could be read, else
    the text typed."""
    if upload and getattr(upload, "filename", ""):
        upload.stream.seek(0)
        try:
            return upload.stream.read(current_app.config["MAX_CONTENT_LENGTH"] + 1) \
                .decode("utf-8-sig")
        except UnicodeDecodeError:
            pass  # the refusal says so; the typed text stays
    return typed or ""


def _text_from_form(form: VersionForm) -> str:
    return uploaded_or_typed(form.upload.data, form.text.data)


def _version_form_page(consultation, form: VersionForm, *, head, error=None, preview=None,
                       status: int = 200, **editing):
    """The form to write a version's text, with its preview or its refusal."""
    return render_template("drafts/version_form.html", consultation=consultation, form=form,
                           head=head, error=error, preview=preview, **editing), status


def _sent_version_form() -> VersionForm:
    """The version form as it was sent, the uploaded text in its text box."""
    form = VersionForm()
    form.text.data = text_as_sent(form.upload.data, form.text.data)
    return form


def _refused_new_version(error, slug: str):
    found = services.get_consultation(slug)
    head, _start_text = services.start_new_version(
        current_user, found, from_previous=request.args.get("from") == "previous")
    return _version_form_page(found, _sent_version_form(), head=head, error=error.message,
                              status=error.status)


@routes.route("/consultations/<slug>/versions/new", methods=["GET", "POST"],
              refused=_refused_new_version, cache=NO_STORE)
@login_required
def new_version(slug: str):
    """Paste, upload or edit the text of the next version; preview; save as draft."""
    found = services.get_consultation(slug)
    head, start_text = services.start_new_version(
        current_user, found, from_previous=request.args.get("from") == "previous")
    form = VersionForm()
    if request.method == "GET":
        form.text.data = start_text
        return _version_form_page(found, form, head=head)
    if not form.validate_on_submit():
        raise Invalid(_("The form could not be read; nothing was saved."))
    text = form.text.data = _text_from_form(form)
    if form.action.data == "preview":
        return _version_form_page(found, form, head=head, preview=services.preview_draft(
            text, current_app.config["MAX_DRAFT_CHARS"], previous=head))
    based_on = form.based_on.data or ""
    if based_on and not (based_on.isascii() and based_on.isdigit()):
        raise Invalid(_("The form could not be read; nothing was saved."))
    created = services.create_version(
        current_user, found, label=form.label.data, text=text,
        symbol=form.symbol.data, based_on_id=int(based_on) if based_on else None,
        comments_close_at=form.comments_close_at.data,
        max_chars=current_app.config["MAX_DRAFT_CHARS"])
    flash(_("Draft saved. Check how its paragraphs follow the previous version, "
            "then publish."), "success")
    return redirect(url_for("drafts.review", slug=slug, version_id=created.id))


def _refused_edit_version(error, slug: str, version_id: int):
    found = load_version(slug, version_id)
    return _version_form_page(found.consultation, _sent_version_form(), head=found.based_on,
                              error=error.message, status=error.status, editing=found,
                              stamp=VersionForm().stamp.data or services.draft_stamp(found))


@routes.route("/consultations/<slug>/versions/<int:version_id>/edit", methods=["GET", "POST"],
              refused=_refused_edit_version, cache=NO_STORE)
@login_required
def edit_version(slug: str, version_id: int):
    """Change the text of a draft version."""
    found = load_version(slug, version_id)
    text = services.start_draft_edit(current_user, found)
    form = VersionForm()
    stamp = form.stamp.data or services.draft_stamp(found)
    page = {"head": found.based_on, "editing": found, "stamp": stamp}
    if request.method == "GET":
        form.label.data, form.symbol.data = found.label, found.symbol or ""
        form.text.data = text
        return _version_form_page(found.consultation, form, **page)
    if not form.validate_on_submit():
        raise Invalid(_("The form could not be read; nothing was saved."))
    text = form.text.data = _text_from_form(form)
    if form.action.data == "preview":
        return _version_form_page(found.consultation, form, **page, preview=services.preview_draft(
            text, current_app.config["MAX_DRAFT_CHARS"], previous=found.based_on))
    services.update_draft_text(current_user, found, text=text, label=form.label.data,
                               symbol=form.symbol.data or "",
                               max_chars=current_app.config["MAX_DRAFT_CHARS"],
                               expected_stamp=stamp)
    flash(_("Draft updated."), "success")
    return redirect(url_for("drafts.review", slug=slug, version_id=found.id))


@routes.route("/consultations/<slug>/versions/<int:version_id>/review", cache=NO_STORE)
@login_required
def review(slug: str, version_id: int):
    """How each paragraph of a draft follows the previous version; correct; publish."""
    found = load_version(slug, version_id)
    review_data = services.get_draft_review(current_user, found)
    deadline_form = DeadlineForm()
    if found.comments_close_at:
        deadline_form.comments_close_at.data = found.comments_close_at.strftime("%Y-%m-%d %H:%M")
    return render_template("drafts/review.html", version=found, consultation=found.consultation,
                           match_form=MatchForm(), deadline_form=deadline_form,
                           **review_data,
                           publish_form=EmptyForm())


@routes.route("/consultations/<slug>/versions/<int:version_id>/match", methods=["POST"])
@login_required
def correct_match(slug: str, version_id: int):
    """Correct which earlier paragraph one paragraph continues."""
    found = load_version(slug, version_id)
    form = MatchForm()
    if not form.validate_on_submit():
        raise Invalid(_("The form could not be read; nothing was changed."))
    try:
        paragraph_id = int(form.paragraph_id.data or "")
    except ValueError:
        raise Invalid(_("Choose a paragraph.")) from None
    services.correct_match_by_label(current_user, found, paragraph_id,
                                    (form.old_label.data or "").strip() or None)
    flash(_("Match corrected."), "success")
    return redirect(url_for("drafts.review", slug=slug, version_id=found.id) + "#matches")


@routes.route("/consultations/<slug>/versions/<int:version_id>/deadline", methods=["POST"])
@login_required
def set_deadline(slug: str, version_id: int):
    """Set the comment deadline of a draft."""
    found = load_version(slug, version_id)
    form = DeadlineForm()
    if not form.validate_on_submit():
        raise Invalid(_("The form could not be read; nothing was changed."))
    services.set_deadline(current_user, found, form.comments_close_at.data)
    flash(_("Comment deadline saved."), "success")
    return redirect(url_for("drafts.review", slug=slug, version_id=found.id))


@routes.route("/consultations/<slug>/versions/<int:version_id>/discard", methods=["POST"])
@login_required
def discard(slug: str, version_id: int):
    """Delete a draft that will not be published, once confirmed (confirm=yes)."""
    found = load_version(slug, version_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        raise Invalid(_("The form could not be read; nothing was changed."))
    if not form.confirmed():
        # The first press asks; works without JavaScript.
        services.discard_confirmation(current_user, found)
        return _private_if_draft(found, render_template(
            "drafts/confirm_discard.html", version=found, consultation=found.consultation))
    label = found.label
    services.discard_draft(current_user, found)
    flash(_("The draft %(label)s was discarded.", label=label), "success")
    return redirect(url_for("drafts.consultation", slug=slug))


@routes.route("/consultations/<slug>/cofacilitators", methods=["POST"])
@login_required
def cofacilitators(slug: str):
    """Assign a co-facilitator account to the consultation, or remove one (secretariat)."""
    found = services.get_consultation(slug)
    form = CofacilitatorForm()
    if not form.validate_on_submit():
        raise Invalid(_("The form could not be read; nothing was changed."))
    services.change_cofacilitator(current_user, found, form.email.data or "",
                                  remove=form.action.data == "remove")
    flash(_("The co-facilitators of this consultation were updated."), "success")
    return redirect(url_for("drafts.consultation", slug=slug) + "#staff")


def _refused_publish(error, slug: str, version_id: int):
    if not isinstance(error, services.NumberingUnconfirmed):
        raise error  # the error page says why
    # Labels would change: the confirmation again, with the numbering to check.
    return _confirm_publish(load_version(slug, version_id), error=error.message,
                            status=error.status)


@routes.route("/consultations/<slug>/versions/<int:version_id>/publish", methods=["POST"],
              refused=_refused_publish)
@login_required
def publish(slug: str, version_id: int):
    """Publish a draft version, once confirmed (confirm=yes, and confirm_numbering=yes
    when its numbering changes labels)."""
    found = load_version(slug, version_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        raise Invalid(_("The form could not be read; nothing was changed."))
    if not form.confirmed():
        # The first press asks what publishing does; works without JavaScript.
        return _confirm_publish(found)
    services.publish_version(
        current_user, found, confirm_numbering=form.confirm_numbering.data == "yes")
    flash(_("%(label)s is published.", label=found.label), "success")
    from consult.moderation.services import proposals_to_settle
    if any(group.changed for group in proposals_to_settle(current_user, found)):
        # The proposals the new text answered are offered for disposition straight away.
        return redirect(url_for("moderation.settle", slug=slug, version_id=found.id))
    return redirect(url_for("drafts.version", slug=slug, version_id=found.id))


def _confirm_publish(version, error: str | None = None, status: int = 200):
    """The page asking "Publish this draft?": what will happen, the numbering to check."""
    data = services.publish_confirmation(current_user, version)
    response = _private_if_draft(version, render_template(
        "drafts/confirm_publish.html", version=version, consultation=version.consultation,
        error=error, **data))
    response.status_code = status
    return response
