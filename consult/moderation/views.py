"""Pages: the moderation queue, hiding and restoring, dispositions, deadlines, the public log.

Every form works without JavaScript; a refused action comes back on the page it was made
from, with the message and the moderator's words still in the form.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from consult.drafts import services as drafts
from consult.errors import Invalid
from consult.moderation import log_text, services
from consult.moderation.forms import DeadlineChangeForm, DispositionsForm, ModerationForm
from consult.pages import (load_submission, load_version, render_submission_page,
                           requested_page)
from consult.routes import NO_STORE, Routes, build_blueprint

routes = Routes()


def blueprint() -> Blueprint:
    """The moderation pages."""
    return build_blueprint("moderation", __name__, routes)


def _sent_moderation() -> dict:
    """The moderation form as it was sent (echoed into the form if refused)."""
    return ModerationForm().values()


def _moderate(slug: str, submission_id: int, action, done: str):
    """Run one moderation action; back where it was asked from."""
    found = load_submission(slug, submission_id)
    action(found, _sent_moderation())
    flash(done, "success")
    back = _sent_moderation()["next"] or url_for("comments.submission", slug=slug,
                                                  submission_id=found.id)
    return redirect(back, code=303)


def _refused_moderation(error, slug: str, submission_id: int):
    """The submission's page with the refusal, the moderation form as it was sent."""
    return render_submission_page(load_submission(slug, submission_id), error=error.message,
                                  status=error.status, moderation_values=_sent_moderation())


@routes.post("/consultations/<slug>/submissions/<int:submission_id>/hide",
             refused=_refused_moderation)
@login_required
def hide(slug: str, submission_id: int):
    """Hide a submission with a reason (co-facilitators)."""
    return _moderate(slug, submission_id, lambda s, v: services.hide_submission(
        current_user, s, reason_code=v["reason_code"], reason=v["reason"]),
        _("The submission is hidden. Its author can still read it, and why."))


@routes.post("/consultations/<slug>/submissions/<int:submission_id>/restore",
             refused=_refused_moderation)
@login_required
def restore(slug: str, submission_id: int):
    """Show a hidden submission again (co-facilitators)."""
    return _moderate(slug, submission_id, lambda s, v: services.restore_submission(
        current_user, s, reason=v["reason"]), _("The submission is shown again."))


@routes.post("/consultations/<slug>/submissions/<int:submission_id>/disposition",
             refused=_refused_moderation)
@login_required
def disposition(slug: str, submission_id: int):
    """Record what became of a proposed amendment (co-facilitators)."""
    return _moderate(slug, submission_id, lambda s, v: services.set_disposition(
        current_user, s, v["disposition"], v["note"]), _("The disposition is recorded."))


@routes.get("/consultations/<slug>/moderation", cache=NO_STORE)
@login_required
def queue(slug: str):
    """Recent, hidden and pending submissions of a consultation, to moderate."""
    consultation = drafts.get_consultation(slug)
    found = services.moderation_queue(current_user, consultation,
                                      show=request.args.get("show", "recent"),
                                      page=requested_page() or 1)
    response = make_response(render_template(
        "moderation/queue.html", consultation=consultation, queue=found,
        reasons=services.HIDE_REASONS, versions=drafts.visible_versions(current_user,
                                                                        consultation)))
    return response


@routes.get("/consultations/<slug>/versions/<int:version_id>/workbench", cache=NO_STORE)
@login_required
def workbench(slug: str, version_id: int):
    """The text of a version with every open proposal on each paragraph beside it."""
    version = load_version(slug, version_id)
    proposals = services.open_proposals(current_user, version,
                                        include_settled=request.args.get("all") == "1")
    only_open = request.args.get("only") == "open"
    paragraphs = [p for p in version.paragraphs if not only_open or proposals.get(p.key_id)]
    response = make_response(render_template(
        "moderation/workbench.html", version=version, consultation=version.consultation,
        proposals=proposals, show_all=request.args.get("all") == "1", paragraphs=paragraphs,
        only_open=only_open, open_count=sum(len(items) for items in proposals.values())))
    return response


def _ids_from_form(form: DispositionsForm) -> list[int]:
    ids = form.submission_ids()
    if ids is None:
        raise Invalid(_("The form could not be read; nothing was changed."))
    return ids


def _settle_page(version, *, error=None, values=None, status: int = 200):
    groups = services.proposals_to_settle(current_user, version)
    response = make_response(render_template(
        "moderation/settle.html", version=version, consultation=version.consultation,
        groups=groups, error=error, values=values or {}), status)
    return response


def _refused_settle(error, slug: str, version_id: int):
    form = DispositionsForm()
    values = {"disposition": form.disposition.data or "", "note": form.note.data or "",
              "ids": form.ids.data or []}
    return _settle_page(load_version(slug, version_id), error=error.message, values=values,
                        status=error.status)


@routes.route("/consultations/<slug>/versions/<int:version_id>/dispositions",
              methods=["GET", "POST"], refused=_refused_settle, cache=NO_STORE)
@login_required
def settle(slug: str, version_id: int):
    """After publication: the pending proposals on the previous text, to decide in bulk."""
    version = load_version(slug, version_id)
    if request.method == "GET":
        return _settle_page(version)
    form = DispositionsForm()
    changed = services.set_dispositions(current_user, version, _ids_from_form(form),
                                        form.disposition.data or "", form.note.data or "")
    flash(ngettext("%(num)d disposition recorded.", "%(num)d dispositions recorded.",
                   changed), "success")
    return redirect(url_for("moderation.settle", slug=slug, version_id=version.id), code=303)


def _refused_deadline(error, slug: str, version_id: int):
    return render_template("error.html", title=_("Not possible"), message=error.message), \
        error.status


@routes.post("/consultations/<slug>/versions/<int:version_id>/comment-period",
             refused=_refused_deadline)
@login_required
def change_deadline(slug: str, version_id: int):
    """Close the comment period of a published version now, or move its deadline."""
    version = load_version(slug, version_id)
    form = DeadlineChangeForm()
    close_now = form.action.data == "close"
    services.change_deadline(current_user, version,
                             "now" if close_now else form.comments_close_at.data,
                             reason=form.reason.data or "")
    flash(_("Comments on %(label)s are closed.", label=version.label) if close_now
          else _("The comment deadline of %(label)s is changed.", label=version.label),
          "success")
    return redirect(url_for("drafts.version", slug=slug, version_id=version.id), code=303)


def _render_log(consultation=None, *, error=None, status: int = 200):
    action = request.args.get("action") or None
    # A refused filter shows the whole log, with what was wrong with the filter.
    log = services.list_log(consultation=consultation, action=None if error else action,
                            page=1 if error else requested_page() or 1)
    consultations = {c.id: c for c in drafts.list_consultations()}
    # Worded now, in the reader's language, from the facts each entry recorded.
    names = log_text.delegation_names(log.entries)
    targets = {e.id: log_text.describe_target(e, names=names, html=True)
               for e in log.entries}
    deadlines = {e.id: log_text.deadline_change(e)[1] for e in log.entries
                 if e.action == "version.deadline"}
    silence_deadlines = {e.id: log_text.silence_deadline(e) for e in log.entries
                         if e.action == "silence.start"}
    actors = {e.id: log_text.actor_text(e) for e in log.entries}
    # The moderator's words rendered ("now reads *Urges*" in italics), never as source.
    reasons_html = {e.id: log_text.reason_html(e) for e in log.entries}
    response = make_response(render_template(
        "moderation/log.html", log=log, consultation=consultation, action=action,
        actions=services.LOG_ACTIONS, consultations=consultations,
        reasons=services.HIDE_REASONS, error=error, targets=targets, deadlines=deadlines, silence_deadlines=silence_deadlines,
        actors=actors, reasons_html=reasons_html, hidden_targets=services.hidden_targets(log.entries)), status)
    return response


def _refused_log(error, slug: str | None = None):
    consultation = drafts.get_consultation(slug) if slug else None
    return _render_log(consultation, error=error.message, status=error.status)


@routes.get("/moderation-log", refused=_refused_log, refused_reads=True)
def log():
    """The public log of every publication and moderation action, newest first."""
    return _render_log()


@routes.get("/consultations/<slug>/log", refused=_refused_log, refused_reads=True)
def consultation_log(slug: str):
    """The public log of one consultation."""
    return _render_log(drafts.get_consultation(slug))

