"""Pages of the road to consensus: paragraph statuses and the silence procedure."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from consult.errors import Invalid
from consult.negotiation import silence, status
from consult.negotiation.forms import BreakForm, SilenceForm, StatusForm, WithdrawForm
from consult.pages import load_version
from consult.routes import Routes, build_blueprint, keep_private

routes = Routes()


def blueprint() -> Blueprint:
    """The negotiation pages."""
    return build_blueprint("negotiation", __name__, routes)


def _read(form):
    if not form.validate_on_submit():
        raise Invalid(_("The form could not be read; nothing was saved."))
    return form.values()


# --- paragraph statuses -------------------------------------------------------------------


def _statuses_page(version, form: StatusForm, *, error=None, code: int = 200):
    keep_private()
    return render_template("negotiation/statuses.html", version=version,
                           consultation=version.consultation, form=form, error=error,
                           statuses=status.STATUSES,
                           counts=status.count_statuses([version.id])[version.id],
                           chosen=set(form.labels.data or [])), code


def _refused_statuses(error, slug: str, version_id: int, label: str | None = None):
    return _statuses_page(load_version(slug, version_id), StatusForm(), error=error.message,
                          code=error.status)


@routes.route("/consultations/<slug>/versions/<int:version_id>/statuses",
              methods=["GET", "POST"], refused=_refused_statuses)
@login_required
def statuses(slug: str, version_id: int):
    """The co-facilitators' working text of statuses: many paragraphs at once."""
    version = load_version(slug, version_id)
    form = StatusForm()
    if request.method == "GET":
        status.require_status_editable(current_user, version)
        return _statuses_page(version, form)
    values = _read(form)
    changes = status.set_paragraph_statuses(current_user, version, form.labels.data or [],
                                            values["status"], values["note"])
    flash(ngettext("The status of %(num)d paragraph was recorded.",
                   "The status of %(num)d paragraphs was recorded.", len(changes)), "success")
    return redirect(url_for("negotiation.statuses", slug=slug, version_id=version.id),
                    code=303)


@routes.post("/consultations/<slug>/versions/<int:version_id>/paragraphs/<label>/status",
             refused=_refused_statuses)
@login_required
def paragraph_status(slug: str, version_id: int, label: str):
    """Record one paragraph's status from its page."""
    version = load_version(slug, version_id)
    values = _read(StatusForm())
    status.set_paragraph_statuses(current_user, version, [label], values["status"],
                                  values["note"])
    paragraph = next((p for p in version.paragraphs if label in (p.label, p.anchor)), None)
    flash(_("The status of %(label)s was recorded.", label=paragraph.label if paragraph
            else label), "success")
    return redirect(url_for("comments.paragraph", slug=slug, version_id=version.id,
                            label=paragraph.anchor if paragraph else label), code=303)


# --- the silence procedure ----------------------------------------------------------------


def _silence_page(template: str, version, form, *, error=None, code: int = 200):
    keep_private()
    return render_template(template, version=version, consultation=version.consultation,
                           form=form, error=error, procedure=silence.latest_silence(version),
                           minimum_hours=silence.minimum_hours()), code


def _refused(template: str, form_class):
    def refused(error, slug: str, version_id: int):
        return _silence_page(template, load_version(slug, version_id), form_class(),
                             error=error.message, code=error.status)
    return refused


@routes.route("/consultations/<slug>/versions/<int:version_id>/silence",
              methods=["GET", "POST"],
              refused=_refused("negotiation/start_silence.html", SilenceForm))
@login_required
def start_silence(slug: str, version_id: int):
    """Put the newest published version under silence (co-facilitators)."""
    version = load_version(slug, version_id)
    form = SilenceForm()
    if request.method == "GET":
        silence.require_startable(current_user, version)
        return _silence_page("negotiation/start_silence.html", version, form)
    values = _read(form)
    procedure = silence.start_silence(current_user, version, until=values["until"],
                                      message=values["message"])
    flash(_("%(label)s is under silence procedure until %(date)s.", label=version.label,
            date=procedure.until.strftime("%Y-%m-%d %H:%M UTC")), "success")
    return redirect(url_for("drafts.version", slug=slug, version_id=version.id), code=303)


@routes.route("/consultations/<slug>/versions/<int:version_id>/silence/break",
              methods=["GET", "POST"],
              refused=_refused("negotiation/break_silence.html", BreakForm))
@login_required
def break_silence(slug: str, version_id: int):
    """A Member State's delegate breaks silence with a written statement."""
    version = load_version(slug, version_id)
    form = BreakForm()
    if request.method == "GET":
        silence.require_breakable(current_user, version)
        return _silence_page("negotiation/break_silence.html", version, form)
    values = _read(form)
    silence.break_silence(current_user, version, statement=values["statement"],
                          language=values["language"] or None)
    flash(_("Your delegation has broken silence on %(label)s; the statement is public.",
            label=version.label), "success")
    return redirect(url_for("drafts.version", slug=slug, version_id=version.id), code=303)


@routes.route("/consultations/<slug>/versions/<int:version_id>/silence/withdraw",
              methods=["GET", "POST"],
              refused=_refused("negotiation/withdraw_silence.html", WithdrawForm))
@login_required
def withdraw_silence(slug: str, version_id: int):
    """Withdraw a running silence procedure (co-facilitators)."""
    version = load_version(slug, version_id)
    form = WithdrawForm()
    if request.method == "GET":
        silence.require_withdrawable(current_user, version)
        return _silence_page("negotiation/withdraw_silence.html", version, form)
    values = _read(form)
    silence.withdraw_silence(current_user, version, reason=values["reason"])
    flash(_("The silence procedure on %(label)s is withdrawn.", label=version.label),
          "success")
    return redirect(url_for("drafts.version", slug=slug, version_id=version.id), code=303)
