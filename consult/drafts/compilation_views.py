"""Pages: the compilation text of a version, as HTML and as a Word document.

The routes live on the drafts blueprint; importing this module adds them.
"""

from __future__ import annotations

import hashlib
import re

from flask import current_app, make_response, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from consult.drafts.compilation import compile_version, fingerprint
from consult.drafts.docx_export import compilation_docx as build_docx
from consult.drafts.docx_export import summary_text, withdrawn_text
from consult.drafts.reading import shared_text_choice
from consult.drafts.views import _load_version, bp

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Bumped whenever the Word layout changes, so that caches do not keep the old layout.
DOCX_LAYOUT = "1"


def _cache(response, version, *, shared: bool):
    """Revalidated on every read: proposals and dispositions change the compilation.

    A draft is never kept (staff only). A published version's compilation is the same for
    everyone, but the page around it names the logged-in reader: only what is the same for
    every reader in a language may sit in a shared cache.
    """
    if not version.is_public:
        response.headers["Cache-Control"] = "private, no-store"
    else:
        response.headers["Cache-Control"] = "public, no-cache" if shared else "private, no-cache"
    # The language comes from ?lang=, the session cookie or the browser.
    response.vary.update(("Accept-Language", "Cookie"))
    return response


@bp.route("/consultations/<slug>/versions/<int:version_id>/compilation")
def compilation(slug: str, version_id: int):
    """The compilation text: every paragraph followed by its proposals and their fate."""
    version = _load_version(slug, version_id)
    texts = shared_text_choice(version)
    found = compile_version(current_user, version, texts["text_lang"])
    html = render_template("drafts/compilation.html", compilation=found, version=version,
                           texts=texts,
                           consultation=version.consultation, summary=summary_text(found),
                           withdrawn_note=withdrawn_text(found))
    response = make_response(html)
    response.set_etag(hashlib.sha256(html.encode()).hexdigest()[:32])
    return _cache(response, version, shared=not current_user.is_authenticated
                  ).make_conditional(request)


def _filename(version) -> str:
    label = re.sub(r"[^a-z0-9]+", "-", version.label.lower()).strip("-")
    return f"{version.consultation.slug}-{label or f'version-{version.id}'}-compilation.docx"


@bp.route("/consultations/<slug>/versions/<int:version_id>/compilation.docx")
def compilation_docx(slug: str, version_id: int):
    """The compilation text as a Word document."""
    version = _load_version(slug, version_id)
    found = compile_version(current_user, version, shared_text_choice(version)["text_lang"])
    # The tag is known before the document is built, so a 304 costs no Word generation.
    etag = hashlib.sha256(
        f"{fingerprint(found)}|{get_locale()}|{request.url_root}|{DOCX_LAYOUT}".encode()
    ).hexdigest()[:32]
    if request.if_none_match.contains_weak(etag):
        response = current_app.response_class(status=304)
        response.set_etag(etag)
        return _cache(response, version, shared=True)
    data = build_docx(found, proposal_url=lambda s: url_for(
        "comments.submission", slug=slug, submission_id=s.id, _external=True))
    response = current_app.response_class(data, mimetype=DOCX_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(version)}"'
    response.set_etag(etag)
    return _cache(response, version, shared=True)
