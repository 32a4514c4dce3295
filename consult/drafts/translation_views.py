"""Pages: a version's texts in other UN languages (co-facilitators add them here).

Its routes join the drafts blueprint in `consult.drafts.views.blueprint`.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult.drafts import translations
from consult.drafts.forms import TranslationForm
from consult.drafts.views import _private_if_draft, text_as_sent, uploaded_or_typed
from consult.pages import load_version
from consult.routes import Routes
from consult.web import language_name

routes = Routes()


def _translations_page(version, *, values: dict, error=None, problems=(), status: int = 200):
    """The languages a version can be read in, with the form to add one."""
    overview = translations.translation_overview(current_user, version)
    return _private_if_draft(version, render_template(
        "drafts/translations.html", version=version, consultation=version.consultation,
        error=error, problems=list(problems), values=values, **overview)), status


def _refused_translation(error, slug: str, version_id: int):
    # The text stays in the form; misaligned paragraphs are listed, to fix them all at once.
    form = TranslationForm()
    values = {"language": form.language.data or "",
              "text": text_as_sent(form.upload.data, form.text.data)}
    return _translations_page(load_version(slug, version_id), values=values,
                              error=error.message, problems=getattr(error, "problems", ()),
                              status=error.status)


@routes.route("/consultations/<slug>/versions/<int:version_id>/translations",
              methods=["GET", "POST"], endpoint="translations", refused=_refused_translation)
@login_required
def translations_page(slug: str, version_id: int):
    """The languages a version can be read in, and the form to add one."""
    version = load_version(slug, version_id)
    if request.method == "GET":
        return _translations_page(version, values={"language": "", "text": ""})
    form = TranslationForm()
    text = uploaded_or_typed(form.upload.data, form.text.data)
    translation = translations.add_translation(current_user, version, form.language.data or "",
                                               text)
    language = translation.language
    flash(_("The text in %(language)s is stored.", language=language_name(language)),
          "success")
    # An explicit fragment, or the browser would keep the form's "#add".
    return redirect(url_for("drafts.version", slug=slug, version_id=version.id,
                            text=language, _anchor="main"), code=303)
