"""Page helpers shared by more than one feature's routes, so that no feature imports
another's views: what a reader asked for about a version's text (its language, the one
beside it, a paragraph to jump to), loading a version by its address, the page of one
submission (shown again with a refusal by comments and moderation alike), and the
addresses of search results (the search page and the API)."""

from __future__ import annotations

import re
import unicodedata

from flask import abort, make_response, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField

from consult import permissions
from consult.comments import services as comment_services
from consult.drafts import services as drafts
from consult.drafts.translations import choose_texts, common_languages
from consult.moderation.services import HIDE_REASONS
from consult.paging import page_number
from consult.routes import keep_private


class EmptyForm(FlaskForm):
    """A form with nothing but its CSRF token (log out, revoke, disable, publish…)."""


class ActionForm(FlaskForm):
    """A form whose button says what to do (action=…), and the page to come back to."""

    action = StringField()
    next = StringField()


class SentForm(FlaskForm):
    """A form read field by field: `values()` gives each as the text sent ("" if absent)."""

    def values(self) -> dict[str, str]:
        """Every field's text as sent, the CSRF token aside."""
        return {field.name: field.data or "" for field in self if field.name != "csrf_token"}


def text_choice(version, paragraph_ids: list[int] | None = None) -> dict:
    """The languages the reader asked to read a version's text in (?text=, ?beside=).

    With `paragraph_ids` (a paragraph's page), the translations of their chapeau and
    sub-paragraphs come too: the page shows them in context."""
    if paragraph_ids is not None:
        wanted = set(paragraph_ids)
        for paragraph in version.paragraphs:
            if paragraph.id in wanted:
                chapeau, children = paragraph_family(version, paragraph)
                paragraph_ids = list(paragraph_ids) + [p.id for p in children] + (
                    [chapeau.id] if chapeau else [])
    return choose_texts(version, request.args.get("text"), request.args.get("beside"),
                        str(get_locale() or "en"), paragraph_ids)


def shared_text_choice(*versions) -> dict:
    """The text language asked with ?text= if every one of these versions has it (else
    their originals), and the languages they all have, for a page's language bar."""
    available = common_languages(*versions)
    asked = request.args.get("text")
    return {"available": available, "text_lang": asked if asked in available else None}


# --- finding a paragraph by what a reader typed ("op4", "OP 4", "4", "2(a)") ----------------

# The longest label a reader could mean; anything longer is not looked at.
MAX_TYPED_LABEL = 100


def _tight(text: str) -> str:
    """A label as compared: full-width forms folded (ＯＰ４), no spaces, upper case,
    anchors read as labels (OP9_a → OP9(A)), a trailing full stop dropped ("3.")."""
    text = unicodedata.normalize("NFKC", text).upper()
    text = "".join(text.split()).lstrip("#¶§").rstrip(".")
    return re.sub(r"_([^_()]+)", r"(\1)", text)


def _loose(text: str) -> str:
    """A label with its brackets dropped: "OP2(A)" and "OP2A" read alike."""
    return re.sub(r"[()]", "", text)


def find_paragraph(paragraphs, typed: str | None):
    """The paragraph a reader means by a typed label, or None.

    The exact label first (case, spaces and full-width forms aside), then the label with
    "OP" put in front of a bare number ("4", "2(a)"), then the same without brackets
    ("2a"), which must name a single paragraph.
    """
    if not typed or len(typed) > MAX_TYPED_LABEL:
        return None
    wanted = _tight(typed)
    if not wanted:
        return None
    candidates = [wanted]
    if wanted[:1].isdigit():
        candidates.append("OP" + wanted)
    by_label = {_tight(p.label): p for p in paragraphs}
    for candidate in candidates:
        if candidate in by_label:
            return by_label[candidate]
    for candidate in candidates:
        found = [p for label, p in by_label.items() if _loose(label) == _loose(candidate)]
        if len(found) == 1:
            return found[0]
    return None


def jump_request(version) -> tuple[str | None, str | None]:
    """What ?to= on a version page asks: (the address of the paragraph named, None), or
    (None, a message saying there is no such paragraph); (None, None) when nothing was asked.
    The text language chosen (?text=, ?beside=) is kept."""
    typed = request.args.get("to")
    if typed is None or not typed.strip():
        return None, None
    found = find_paragraph(version.paragraphs, typed)
    if found is None:
        return None, gettext("%(version)s has no paragraph %(label)s.",
                             version=version.label, label=typed.strip()[:MAX_TYPED_LABEL])
    keep = {name: request.args[name] for name in ("text", "beside") if request.args.get(name)}
    return url_for("drafts.version", slug=version.consultation.slug, version_id=version.id,
                   **keep) + "#" + found.anchor, None


def paragraph_family(version, paragraph) -> tuple[object | None, list]:
    """The chapeau a sub-paragraph belongs to (OP3 for OP3(a)), and the sub-paragraphs of a
    paragraph (OP3(a), OP3(a)(i), OP3(b) for OP3), in the order of the text."""
    chapeau = None
    if paragraph.parent_label:
        chapeau = next((p for p in version.paragraphs if p.label == paragraph.parent_label),
                       None)
    prefix = paragraph.label + "("
    children = [p for p in version.paragraphs if p.label.startswith(prefix)]
    return chapeau, children


def requested_page(name: str = "page") -> int:
    """The page asked for with ?page= (consult.paging.page_number: 0 for what is not a page
    number, which the service refuses; a list that shows its first page instead says
    `requested_page() or 1`)."""
    return page_number(request.args.get(name))


def load_version(slug: str, version_id: int):
    """The version at this address, as the reader may see it; 404 under another slug."""
    version = drafts.get_version(current_user, version_id)
    if version.consultation.slug != slug:
        abort(404)
    return version


def load_submission(slug: str, submission_id: int):
    """The submission at this address, if the reader may see it; 404 under another slug."""
    submission = comment_services.get_submission(current_user, submission_id)
    if submission.version.consultation.slug != slug:
        abort(404)
    return submission


def render_submission_page(submission, *, error=None, status: int = 200,
                           moderation_values=None):
    """One submission on its own permanent page, with its replies and edit history."""
    version = submission.version
    html = render_template(
        "comments/submission.html", submission=submission, version=version,
        consultation=version.consultation,
        replies=comment_services.replies_to(current_user, submission),
        supporters=comment_services.supporters_of(submission),
        is_open=drafts.is_open_for_comment(version), error=error,
        may_post=permissions.can(current_user, "post_submission", version),
        moderation_values=moderation_values or {}, hide_reasons=HIDE_REASONS,
        return_to=url_for("comments.submission", slug=version.consultation.slug,
                          submission_id=submission.id))
    if submission.is_concealed or not version.is_public or permissions.can(
            current_user, "moderate_submissions", version.consultation):
        keep_private()
    return make_response(html, status)


# The search filters a page or API address may carry (API.md).
SEARCH_FILTER_ARGS = ("type", "kind", "delegation", "delegation_type", "version", "lang",
                      "disposition", "from", "to", "consultation")


def with_urls(page, **url_options):
    """The search results page with each result's address (`url`) made from its link."""
    for row in page.results:
        endpoint, values = row.pop("link")
        row["url"] = url_for(endpoint, **values, **url_options)
    return page
