"""Pages: a version's texts in other UN languages (co-facilitators add them here).

Its routes join the drafts blueprint in `consult.drafts.views.blueprint`.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult.db import db
from consult.drafts import translations
from consult.drafts.views import _private_if_draft, uploaded_or_typed
from consult.errors import ServiceError
from consult.pages import load_version
from consult.routes import Routes
from consult.web import language_name

routes = Routes()


@routes.route("/consultations/<slug>/versions/<int:version_id>/translations",
          methods=["GET", "POST"], endpoint="translations")
@login_required
def translations_page(slug: str, version_id: int):
    """The languages a version can be read in, and the form to add one."""
    version = load_version(slug, version_id)
    overview = translations.translation_overview(current_user, version)
    error, problems, status = None, [], 200
    values = {"language": request.form.get("language", ""), "text": ""}
    if request.method == "POST":
        try:
            values["text"] = uploaded_or_typed(request.files.get("upload"),
                                               request.form.get("text", ""))
            translation = translations.add_translation(current_user, version,
                                                       values["language"], values["text"])
            language = translation.language
            db.session.commit()
            flash(_("The text in %(language)s is stored.", language=language_name(language)),
                  "success")
            # An explicit fragment, or the browser would keep the form's "#add".
            return redirect(url_for("drafts.version", slug=slug, version_id=version.id,
                                    text=language, _anchor="main"), code=303)
        except translations.TranslationMisaligned as exc:
            db.session.rollback()
            error, problems, status = exc.message, exc.problems, exc.status
        except ServiceError as exc:
            db.session.rollback()
            error, status = exc.message, exc.status
    return _private_if_draft(version, render_template(
        "drafts/translations.html", version=version, consultation=version.consultation,
        error=error, problems=problems, values=values, **overview)), status
