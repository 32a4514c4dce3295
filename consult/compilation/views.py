"""Pages: the compilation text of a version, as HTML and as a Word document.

The HTML is read a page at a time (?page=N: runs of whole paragraphs, see services.py),
or whole, to print (?all=1), streamed as it is read.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterator

from flask import (Blueprint, current_app, make_response, render_template, request,
                   stream_with_context, url_for)
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from consult.change_clock import current_stamp
from consult.compilation.docx_export import compilation_docx as build_docx
from consult.compilation.docx_export import summary_text, withdrawn_text
from consult.compilation.kept import kept_document, series_name
from consult.compilation.services import (Fingerprint, compile_version, fingerprint,
                                          iter_pages, summarize_version, whole_validator)
from consult.db import db
from consult.drafts.models import Version
from consult.pages import load_version, requested_page, shared_text_choice
from consult.routes import REVALIDATED, SHARED, Routes, build_blueprint, keep_private

routes = Routes()


def blueprint() -> Blueprint:
    """The compilation pages."""
    return build_blueprint("compilation", __name__, routes)

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Bumped whenever the Word layout changes, so that caches do not keep the old layout.
DOCX_LAYOUT = "1"
# The streamed page is sent in pieces of about this many bytes: Jinja yields every few
# characters, and a write per fragment would cost more than the rendering.
STREAM_CHUNK_BYTES = 64 * 1024
# Where the streamed pages of paragraphs go in the rendered page around them.
ENTRIES_MARK = "<!-- the compilation's paragraphs -->"


def _cache(response, version):
    """Revalidated on every read (routes' REVALIDATED, SHARED): proposals and dispositions
    change the compilation. A draft is never kept (staff only). A published version's
    compilation is the same for everyone, but the page around it names the logged-in
    reader: only what is the same for every reader in a language may sit in a shared cache.
    """
    if not version.is_public:
        keep_private()
    # The language comes from ?lang=, the session cookie or the browser.
    response.vary.update(("Accept-Language", "Cookie"))
    return response


def _page_context(version, texts) -> dict:
    """What both forms of the page show around the proposals."""
    return {"version": version, "texts": texts, "consultation": version.consultation,
            "link_args": {"slug": version.consultation.slug, "version_id": version.id,
                          "text": texts["text_lang"]}}


@routes.route("/consultations/<slug>/versions/<int:version_id>/compilation", cache=REVALIDATED)
def page(slug: str, version_id: int):
    """The compilation text: every paragraph followed by its proposals and their fate, a
    page at a time (?page=N), or whole, to print (?all=1)."""
    version = load_version(slug, version_id)
    texts = shared_text_choice(version)
    if request.args.get("all") == "1":
        return _whole_compilation(version, texts)
    found = compile_version(current_user, version, texts["text_lang"], page=requested_page())
    html = render_template("compilation/compilation.html", compilation=found, whole=False,
                           summary=summary_text(found), withdrawn_note=withdrawn_text(found),
                           **_page_context(version, texts))
    response = make_response(html)
    response.set_etag(hashlib.sha256(html.encode()).hexdigest()[:32])
    return _cache(response, version).make_conditional(request)


def _whole_compilation(version, texts):
    """Every page one after the other, as one document to print, streamed: the first bytes
    leave at once and memory holds one page of proposals at a time."""
    found = summarize_version(current_user, version, texts["text_lang"])
    # The page around the paragraphs is rendered now, in this request's session; the
    # pages of paragraphs are read and rendered while the body is sent (iter_pages).
    page = render_template("compilation/compilation.html", compilation=found, whole=True,
                           entries_mark=Markup(ENTRIES_MARK), summary=summary_text(found),
                           withdrawn_note=withdrawn_text(found),
                           **_page_context(version, texts))
    head, tail = page.split(ENTRIES_MARK, 1)
    response = current_app.response_class(_whole_body(head, iter_pages(found), tail),
                                          mimetype="text/html")
    # Passed through as it is: otherwise the page hooks would read the whole stream into
    # memory to hash it for an ETag (web.revalidate_pages).
    # No validator either: it would be known only once the last page is read. Printing
    # the whole text is rare; a reader who reloads it gets it as it is now.
    response.direct_passthrough = True
    return _cache(response, version)


@stream_with_context
def _whole_body(head: str, parts, tail: str) -> Iterator[bytes]:
    """The page's head, each page of paragraphs as it is read, and the page's end, in
    UTF-8 chunks of about STREAM_CHUNK_BYTES."""
    entries = current_app.jinja_env.get_template("compilation/_entries.html")
    yield head.encode()
    pending, size = [], 0
    for part in parts:
        for piece in entries.generate(entries=part.entries, version=part.version):
            pending.append(piece)
            size += len(piece)
            if size >= STREAM_CHUNK_BYTES:
                yield "".join(pending).encode()
                pending, size = [], 0
    pending.append(tail)
    yield "".join(pending).encode()


def _filename(version) -> str:
    label = re.sub(r"[^a-z0-9]+", "-", version.label.lower()).strip("-")
    return f"{version.consultation.slug}-{label or f'version-{version.id}'}-compilation.docx"


def _docx_etag(content: str) -> str:
    return hashlib.sha256(
        f"{content}|{get_locale()}|{request.url_root}|{DOCX_LAYOUT}".encode()
    ).hexdigest()[:32]


@routes.route("/consultations/<slug>/versions/<int:version_id>/compilation.docx",
              cache=SHARED)
def docx(slug: str, version_id: int):
    """The compilation text as one Word document, built a page of proposals at a time."""
    version = load_version(slug, version_id)
    found = summarize_version(current_user, version, shared_text_choice(version)["text_lang"])
    if version.is_public and not request.environ.get("consult.static_archive"):
        return _published_docx(found)
    # Built here, each time, not kept: a draft (staff only) changes as it is written, and
    # the static archive is made once, page after page, and needs the document now (a
    # "being prepared" would fail the export), without a moment of its own inside it. The
    # validator is known before the document is built (the pages are read to hash them,
    # none kept), so a 304 costs no Word generation.
    if request.if_none_match:
        etag = _docx_etag(fingerprint(found))
        if request.if_none_match.contains_weak(etag):
            return _not_modified(etag, version)
    digest = Fingerprint(found)
    data = build_docx(found, parts=digest.reading(iter_pages(found)),
                      proposal_url=functools.partial(_proposal_link, version.consultation.slug))
    return _docx_response(data, _docx_etag(digest.hexdigest()), version)


def _published_docx(found):
    """A published version's document, as kept on this node (compilation/kept.py): built
    in the background when the compilation has changed, the one kept before served
    meanwhile if the build is long; it states the moment it shows."""
    version, locale = found.version, str(get_locale())
    series = series_name(str(version.id), found.language, locale, request.url_root,
                         DOCX_LAYOUT)
    # Whether the kept document still shows the compilation as it is, in a few
    # milliseconds at 100,000 submissions: the change clock (every commit through the
    # application moves it), and the public record's validator, answered by indexes (which
    # tells this database from another whose clock reads the same, after a restore).
    validator = f"{current_stamp()}|" + whole_validator(
        found, f"docx|{DOCX_LAYOUT}|{locale}", request.url_root)
    document = kept_document(series, validator,
                             functools.partial(_build_published, version.id, found.language),
                             url_root=request.url_root, locale=locale)
    if request.if_none_match.contains_weak(document.etag):
        return _not_modified(document.etag, version)
    response = _docx_response(document.data, document.etag, version)
    response.last_modified = document.as_at
    return response


def _build_published(version_id: int, language: str, as_at) -> bytes:
    """A published version's document as a reader who is not logged in sees it (run by
    kept.py in a thread of its own, in a request context of the reader's address and
    language)."""
    version = db.session.get(Version, version_id)
    found = summarize_version(current_app.login_manager.anonymous_user(), version, language)
    return build_docx(found, parts=iter_pages(found), as_at=as_at,
                      proposal_url=functools.partial(_proposal_link, version.consultation.slug))


def _proposal_link(slug: str, submission) -> str:
    return url_for("comments.submission", slug=slug, submission_id=submission.id,
                   _external=True)


def _not_modified(etag: str, version):
    response = current_app.response_class(status=304)
    response.set_etag(etag)
    return _cache(response, version)


def _docx_response(data: bytes, etag: str, version):
    response = current_app.response_class(data, mimetype=DOCX_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(version)}"'
    response.set_etag(etag)
    return _cache(response, version)
