"""Pages of the notifications: each person's choices per consultation, and the unsubscribe
link of every message."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult.drafts.services import get_consultation
from consult.errors import Invalid
from consult.notify.forms import ChoicesForm
from consult.notify import preferences
from consult.notify import unsubscribe as unsubscribing
from consult.notify.models import CATEGORIES, Frequency
from consult.routes import NO_STORE, Routes, build_blueprint

routes = Routes()


def blueprint() -> Blueprint:
    """The notification pages."""
    return build_blueprint("notify", __name__, routes)


def _preferences_page(consultation, choices, *, error=None, status: int = 200):
    return render_template("notify/preferences.html", consultation=consultation,
                           choices=choices, categories=CATEGORIES, frequencies=list(Frequency),
                           error=error), status


def _refused_preferences(error, slug: str):
    consultation = get_consultation(slug)
    return _preferences_page(consultation,
                             preferences.notification_choices(current_user, consultation),
                             error=error.message, status=error.status)


@routes.route("/consultations/<slug>/notifications", methods=["GET", "POST"],
              refused=_refused_preferences, cache=NO_STORE)
@login_required
def preferences_page(slug: str):
    """What the reader is told by e-mail about this consultation, and how often."""
    consultation = get_consultation(slug)
    if request.method == "GET":
        return _preferences_page(
            consultation, preferences.notification_choices(current_user, consultation))
    form = ChoicesForm()
    if not form.validate_on_submit():
        raise Invalid(_("The form could not be read; nothing was saved."))
    preferences.save_notification_choices(current_user, consultation, form.values())
    flash(_("Your notification choices are saved."), "success")
    return redirect(url_for("notify.preferences_page", slug=slug))


def _refused_unsubscribe(error, token: str):
    # The page itself, saying why (the general 404 page would not say what to do).
    return render_template("notify/unsubscribe.html", found=None, error=error.message), \
        error.status


@routes.route("/unsubscribe/<token>", methods=["GET", "POST"], refused=_refused_unsubscribe,
              refused_reads=True, cache=NO_STORE)
def unsubscribe(token: str):
    """Stop one kind of message through the signed link it carries: asked on GET (a link
    checker must not unsubscribe anyone), done on POST, which needs no CSRF token (RFC 8058
    one-click: see _register_blueprints)."""
    if request.method == "GET":
        found = unsubscribing.read_unsubscribe_token(token)
        return render_template("notify/unsubscribe.html", found=found, done=False)
    found = unsubscribing.unsubscribe(token)
    return render_template("notify/unsubscribe.html", found=found, done=True)
