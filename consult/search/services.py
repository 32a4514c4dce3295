"""Searching every submission and every published paragraph, as the asking user may see them."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from whoosh import query as wq
from whoosh.highlight import ContextFragmenter, HtmlFormatter, highlight
from markupsafe import Markup, escape

from consult import visibility
from consult import permissions
from consult.auth.models import Delegation, DelegationKind
from consult.comments.models import Disposition, Submission, SubmissionKind
from consult.db import db
from consult.drafts.models import Consultation, Paragraph, ParagraphTranslation, Version
from consult.errors import Invalid, Unavailable
from consult.paging import Paged
from consult.search import documents
from consult.search.analysis import WORD_PATTERN, LANGUAGES, analyzer_for, detect_language, fold
from consult.search.engine import IndexNotWritable, IndexUnavailable, LockBusy
from consult.search.query import clean_query, parse_query
from consult.search.sync import (check_index, current_index, rebuild_index,
                                 rebuild_under_way, start_background_rebuild, sync_index)

log = logging.getLogger(__name__)

TYPES = ("paragraph",) + tuple(kind.value for kind in SubmissionKind)
SORTS = ("relevance", "date")
# "latest": the text of the newest published version of each consultation, and every
# submission (the default); "all": the text of every published version too.
SCOPES = ("latest", "all")
MAX_PER_PAGE = 100
MAX_PAGE = 500
SNIPPET_CHARS = 240
# How long a search waits for another writer of the index (a catch-up takes well under a
# second; only a rebuild holds the lock longer) before searching the index as it is.
LOCK_WAIT_SECONDS = 5.0


class SearchRebuilding(Unavailable):
    """This node's search index is being rebuilt; searches answer again when it is done."""

    code = "search_rebuilding"


# While another process rebuilds this node's index, searches here answer 503 for this long
# (seconds) without opening the index again: on 2 cores, each search re-opening a damaged
# index took enough CPU to slow the rebuild down (bench/README.md). A switch to the new
# index ends it at once.
REBUILDING_SEEN_SECONDS = 2.0


@dataclass
class SearchPage(Paged):
    """One page of search results, with the total and the facet counts."""

    query: str
    total: int
    page: int
    per_page: int
    results: list[dict]
    facets: dict[str, list[dict]] = field(default_factory=dict)
    filters: dict = field(default_factory=dict)
    sort: str = "relevance"
    suggestion: str | None = None  # "did you mean", when nothing was found
    scope: str = "latest"
    # With the default scope: the total with earlier versions' text included (the page
    # offers them in one click). None when the search already covers every version.
    total_all_versions: int | None = None



# --- input -----------------------------------------------------------------------------


def _as_int(value, name: str, *, minimum: int = 1, maximum: int | None = None) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise Invalid(_("%(field)s must be a whole number.", field=name), field=name) from None
    if number < minimum or (maximum is not None and number > maximum):
        raise Invalid(_("%(field)s is out of range.", field=name), field=name)
    return number


def _as_date(value, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        day = dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise Invalid(_("%(field)s must be a date such as 2010-06-30.", field=name),
                      field=name) from None
    # The index counts seconds from 1970; nothing in a consultation is older or that late.
    if not dt.date(1970, 1, 1) <= day <= dt.date(9999, 12, 30):
        raise Invalid(_("%(field)s is out of range.", field=name), field=name)
    return day


def _choice(value, name: str, allowed) -> str | None:
    if value in (None, ""):
        return None
    value = str(value).strip()
    if value not in allowed:
        raise Invalid(_("Unknown %(field)s: %(value)s.", field=name, value=value[:40]),
                      field=name)
    return value


def clean_filters(raw: dict) -> dict:
    """Validated filters from request arguments (unknown values are refused, not ignored)."""
    filters = {
        "type": _choice(raw.get("type"), "type", TYPES + ("submission",)),
        "kind": _choice(raw.get("kind"), "kind", tuple(k.value for k in SubmissionKind)),
        "delegation": (str(raw.get("delegation")).strip().upper()[:12] or None)
        if raw.get("delegation") else None,
        "delegation_type": _choice(raw.get("delegation_type"), "delegation_type",
                                   tuple(k.value for k in DelegationKind)),
        "version": _as_int(raw.get("version"), "version", maximum=2**31 - 1),
        "lang": _choice(raw.get("lang"), "lang", LANGUAGES),
        "disposition": _choice(raw.get("disposition"), "disposition",
                               tuple(d.value for d in Disposition)),
        "from": _as_date(raw.get("from"), "from"),
        "to": _as_date(raw.get("to"), "to"),
        "consultation": (str(raw.get("consultation")).strip()[:64] or None)
        if raw.get("consultation") else None,
    }
    if filters["from"] and filters["to"] and filters["from"] > filters["to"]:
        raise Invalid(_("The start date is after the end date."), field="from")
    return {k: v for k, v in filters.items() if v is not None}


# --- who sees what -----------------------------------------------------------------------


def _visibility_query(user) -> tuple[tuple, wq.Query]:
    """What this user may find, as a cache key and a Whoosh query.

    Everyone finds public documents; withdrawn and hidden submissions are found only by
    their authors and by the staff of their consultation: the index-side form of the
    permissions rule find_unlisted_submission (consult.visibility.listed_submissions),
    which each result row is checked against.
    """
    public = wq.Term("visibility", "public")
    account, runs = visibility.search_reader(user)
    if account is None and not runs:
        return ("public",), public
    parts = [public]
    if account is not None:
        parts.append(wq.Term("author", str(account)))
    parts += [wq.Term("consultation", str(cid)) for cid in runs]
    return ("user", account, runs), wq.Or(parts)


def _newest_versions() -> tuple[int, ...]:
    """The newest published version of each consultation (one query, whatever their size)."""
    return tuple(sorted(db.session.scalars(
        select(Version.id).join(Consultation, Consultation.id == Version.consultation_id)
        .where(Version.seq == Consultation.head_seq,
               Version.status.in_(documents.PUBLIC_VERSION_STATES))).all()))


def _newest_text_only(newest: tuple[int, ...]) -> wq.Query:
    """Submissions of any version; paragraphs of the newest versions only."""
    return wq.Or([wq.Not(wq.Term("type", "paragraph"))]
                 + [wq.Term("version", str(version_id)) for version_id in newest])


def _filter_query(user, filters: dict, newest: tuple[int, ...] | None = None
                  ) -> tuple[tuple, wq.Query]:
    """The filter of a search; with `newest`, paragraphs only of those versions."""
    key, visible = _visibility_query(user)
    parts = [visible]
    if newest is not None:
        parts.append(_newest_text_only(newest))
        key = key + (("newest",) + newest,)
    if filters.get("type") == "submission":
        parts.append(wq.Not(wq.Term("type", "paragraph")))
    elif filters.get("type"):
        parts.append(wq.Term("type", filters["type"]))
    if filters.get("kind"):
        parts.append(wq.Term("type", filters["kind"]))
    for name, fieldname in (("delegation", "delegation"), ("delegation_type", "dtype"),
                            ("lang", "lang"), ("disposition", "disposition")):
        if filters.get(name):
            parts.append(wq.Term(fieldname, str(filters[name])))
    if filters.get("version"):
        parts.append(wq.Term("version", str(filters["version"])))
    if filters.get("consultation"):
        consultation_id = db.session.scalar(
            select(Consultation.id).where(Consultation.slug == filters["consultation"]))
        parts.append(wq.Term("consultation", str(consultation_id or 0)))
    if filters.get("from") or filters.get("to"):
        start = _day_start(filters.get("from"))
        end = _day_start(filters["to"] + dt.timedelta(days=1)) - 1 if filters.get("to") else None
        parts.append(wq.NumericRange("created", start, end))
    cache_key = key + tuple(sorted((k, str(v)) for k, v in filters.items()))
    return cache_key, wq.And(parts)


def _day_start(day: dt.date | None) -> int | None:
    if day is None:
        return None
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


# --- searching ---------------------------------------------------------------------------


def search(user, query_text, *, filters: dict | None = None, sort: str = "relevance",
           page: int = 1, per_page: int = 20, facets: bool = True,
           scope: str | None = None) -> SearchPage:
    """The page of results for `query_text` that `user` may see, with facet counts.

    `scope` "latest" (the default) searches the text of each consultation's newest published
    version and every submission, and counts what earlier versions would add; "all" searches
    every published version. A version filter searches that version, whatever the scope.
    """
    text = clean_query(query_text)
    filters = filters or {}
    if sort not in SORTS:
        raise Invalid(_("Unknown sort order: %(value)s.", value=str(sort)[:20]), field="sort")
    scope = scope or "latest"
    if scope not in SCOPES:
        raise Invalid(_("Unknown scope: %(value)s.", value=str(scope)[:20]), field="scope")
    page = _as_int(page, "page", maximum=MAX_PAGE) or 1
    per_page = _as_int(per_page, "per_page", maximum=MAX_PER_PAGE) or 20
    parsed = parse_query(text)
    result = SearchPage(query=text, total=0, page=page, per_page=per_page, results=[],
                        filters=filters, sort=sort, scope=scope)
    if parsed is None:
        return result
    if rebuild_under_way(REBUILDING_SEEN_SECONDS):
        raise _rebuilding()  # at once, without opening the index
    index = _ready_index()
    narrow = scope == "latest" and not filters.get("version")
    key, filter_query = _filter_query(user, filters, _newest_versions() if narrow else None)
    # The same search over every published version, counted from the same evaluation.
    wider = _filter_query(user, filters) if narrow else None
    arguments = dict(filter_key=key, filter_query=filter_query, sort=sort,
                     offset=(page - 1) * per_page, limit=per_page, facets=facets,
                     count_also=wider)

    def run(index):
        hits = index.query_index(parsed, **arguments)
        terms = index.existing_terms(parsed)
        suggestion = None
        if not hits.total and not hits.other_total:
            suggestion = _suggestion(index, text, key, filter_query)
        return hits, terms, suggestion

    try:
        hits, terms, suggestion = run(index)
    except IndexUnavailable:
        # Files deleted or cut short under an open index: rebuilt, or being rebuilt.
        hits, terms, suggestion = run(_rebuilt_index(index.current_dir()))
    result.total = hits.total
    result.total_all_versions = hits.other_total
    result.results = _results(hits.ids, terms, user)
    result.facets = _facets(hits.facets) if facets else {}
    result.suggestion = suggestion
    return result


_OPERATORS = {"AND", "OR", "NOT"}


def _suggestion(index, text: str, key, filter_query) -> str | None:
    """The query with misspelt words replaced by close indexed ones, if that finds anything."""
    words = [m for m in re.finditer(WORD_PATTERN, text) if m.group() not in _OPERATORS]
    if not words or any(detect_language(m.group()) == "zh" for m in words):
        return None  # Chinese has no spelling distance worth suggesting on
    pieces, last, changed = [], 0, False
    for match in words:
        word = fold(match.group().lower())
        if text[match.end():match.end() + 1] == "*":
            continue  # a prefix is the reader's own choice
        if text[:match.start()].rstrip().endswith("NOT"):
            continue  # an excluded word need not exist
        better = index.suggest(word, filter_key=key, filter_query=filter_query)
        if better is not None and better != word:
            pieces += [text[last:match.start()], better]
            last, changed = match.end(), True
    if not changed:
        return None
    corrected = "".join(pieces) + text[last:]
    try:
        parsed = parse_query(corrected)
    except Invalid:
        return None
    if parsed is None:
        return None
    found = index.query_index(parsed, filter_key=key, filter_query=filter_query,
                              sort="relevance", offset=0, limit=1, facets=False)
    return corrected if found.total else None


def _ready_index():
    """The index, caught up with the outbox unless a separate process feeds it; rebuilt
    first (or SearchRebuilding) if it is missing or unreadable."""
    index = current_index()
    if not index.exists():
        return _rebuilt_index()
    if current_app.config["SEARCH_UPDATES"] != "external":
        try:
            sync_index(wait=LOCK_WAIT_SECONDS, repair=False)
        except LockBusy:
            # Another process has held the lock for seconds: a rebuild. Search the index
            # as it is; each result is checked against the database before it is shown.
            log.info("search index busy; searching it without catching up")
        except IndexNotWritable as exc:
            # The disk is full or read-only: the index can be read, not caught up. Search
            # it as it is (the outbox keeps every change for when space is back).
            log.warning("search index not caught up: %s", exc)
            db.session.rollback()
        except IndexUnavailable:
            return _rebuilt_index(index.current_dir())
    return index


def _rebuilt_index(broken=None):
    """The index rebuilt in this request when the corpus is small; otherwise one rebuild
    started in the background and SearchRebuilding (503) raised at once.

    `broken`: the folder found unreadable (None: the index is missing). A request never
    rebuilds a large index itself: at 100,000 submissions it takes longer than a worker
    may run, the worker is killed half-way and the next search starts again.
    """
    index = current_index()
    if _submission_count() < current_app.config["SEARCH_REBUILD_INLINE_BELOW"]:
        try:
            with index.writer_lock(wait=LOCK_WAIT_SECONDS):
                if not index.exists() or (broken is not None
                                          and index.current_dir() == broken):
                    log.warning("search index missing or unreadable during a query; "
                                "rebuilding it")
                    rebuild_index()
            return index
        except LockBusy:
            pass  # another process is at it: say so rather than wait
    else:
        start_background_rebuild(broken)
    raise _rebuilding()


def _rebuilding() -> SearchRebuilding:
    return SearchRebuilding(_(
        "The search index is being rebuilt. Search will be available again in a few "
        "minutes; the texts and submissions can still be consulted."))


def _submission_count() -> int:
    return db.session.scalar(select(func.count(Submission.id))) or 0


def _may_see(user, submission: Submission, under_hidden: bool) -> bool:
    """The database's word on one result: an index a moment behind never shows too much."""
    if not permissions.can(user, "view_version", submission.version):
        return False
    if not (submission.is_hidden or under_hidden or submission.is_withdrawn):
        return True
    return permissions.can(user, "find_unlisted_submission", submission)


def _results(ids: list[str], terms: dict[str, set[str]], user=None) -> list[dict]:
    """Result rows in the order of `ids`, read from the database (the source of truth).
    Each row's `link` is (endpoint, values): the view makes the address (`result_url`)."""
    submission_ids = [int(i[1:]) for i in ids if i.startswith("s")]
    paragraph_ids = [int(i[1:]) for i in ids if i.startswith("p")]
    translation_ids = [int(i[1:]) for i in ids if i.startswith("t")]
    rows: dict[str, dict] = {}
    if submission_ids:
        found = db.session.execute(
            select(Submission, Version, Paragraph, Consultation.slug)
            .join(Version, Version.id == Submission.version_id)
            .join(Consultation, Consultation.id == Submission.consultation_id)
            .outerjoin(Paragraph, Paragraph.id == Submission.paragraph_id)
            .where(Submission.id.in_(submission_ids))).all()
        for submission, version, paragraph, slug in found:
            # under_hidden is kept by the hide and restore services in the same
            # transaction: no walk up the thread, one level (one query) at a time.
            if not _may_see(user, submission, submission.under_hidden):
                continue
            text = documents.submission_text(submission.body, submission.proposed_text)
            lang = submission.language if submission.language in LANGUAGES else \
                detect_language(text)
            rows[documents.submission_id(submission.id)] = {
                "type": submission.kind.value, "id": submission.id,
                "title": opening_words(
                    _plain(submission.body_html) or _plain(submission.proposed_html)
                    or submission.proposed_text or "", lang),
                "link": ("comments.submission", {"slug": slug, "submission_id": submission.id}),
                "snippet": snippet(text, lang, terms),
                "delegation": {"code": submission.delegation.code,
                               "name": submission.delegation.name(str(get_locale() or "en"))},
                "version": {"id": version.id, "label": version.label},
                "paragraph_label": paragraph.label if paragraph else None,
                "created_at": submission.created_at, "status": submission.public_status,
                "language": lang,
                "disposition": submission.disposition.value if submission.disposition else None,
            }
    if paragraph_ids:
        found = db.session.execute(
            select(Paragraph, Version, Consultation.slug)
            .join(Version, Version.id == Paragraph.version_id)
            .join(Consultation, Consultation.id == Version.consultation_id)
            .where(Paragraph.id.in_(paragraph_ids),
                   Version.status.in_(documents.PUBLIC_VERSION_STATES))).all()
        for paragraph, version, slug in found:
            text = documents.paragraph_text(paragraph.text)
            rows[documents.paragraph_id(paragraph.id)] = _paragraph_result(
                paragraph, version, slug, text, detect_language(text), terms, paragraph.html,
                ("comments.paragraph", {"slug": slug, "version_id": version.id,
                                      "label": paragraph.label}))
    if translation_ids:
        found = db.session.execute(
            select(ParagraphTranslation, Paragraph, Version, Consultation.slug)
            .join(Paragraph, Paragraph.id == ParagraphTranslation.paragraph_id)
            .join(Version, Version.id == Paragraph.version_id)
            .join(Consultation, Consultation.id == Version.consultation_id)
            .where(ParagraphTranslation.id.in_(translation_ids),
                   Version.status.in_(documents.PUBLIC_VERSION_STATES))).all()
        for row, paragraph, version, slug in found:
            lang = row.language if row.language in LANGUAGES else detect_language(row.text)
            # A hit opens the paragraph in the language it was found in.
            rows[documents.translation_id(row.id)] = _paragraph_result(
                paragraph, version, slug, documents.paragraph_text(row.text), lang, terms,
                row.html, ("comments.paragraph", {"slug": slug, "version_id": version.id,
                                                "label": paragraph.anchor, "text": row.language}))
    # A row deleted since the index saw it is simply left out.
    return [rows[i] for i in ids if i in rows]


def _paragraph_result(paragraph, version, slug: str, text: str, lang: str,
                      terms: dict[str, set[str]], html: str, link: tuple[str, dict]) -> dict:
    """A paragraph's result row, for its original text or one of its translations."""
    return {
        "type": "paragraph", "id": paragraph.id, "link": link,
        "title": opening_words(_plain(html) or text, lang) or paragraph.label,
        "snippet": snippet(text, lang, terms),
        "delegation": None,
        "version": {"id": version.id, "label": version.label},
        "paragraph_label": paragraph.label,
        "created_at": version.published_at, "status": version.status.value,
        "language": lang, "disposition": None,
    }


TITLE_CHARS = 90  # a result's title: its opening words, up to about this many characters
TITLE_CJK_CHARS = 40  # Chinese has no spaces and says more per character


def _plain(html: str | None) -> str:
    """The words of rendered HTML (Markdown emphasis, links… gone), spaces collapsed."""
    return Markup(html or "").striptags()


def opening_words(text: str, lang: str | None = None) -> str:
    """The first words of a text as a result's title: cut at a word boundary with "…"
    (Chinese: after a number of characters), never in the middle of a word."""
    plain = " ".join((text or "").split())
    limit = TITLE_CJK_CHARS if lang == "zh" or (lang is None and detect_language(plain) == "zh") \
        else TITLE_CHARS
    if len(plain) <= limit:
        return plain
    cut = plain[:limit + 1]
    space = cut.rfind(" ")
    if lang != "zh" and space > limit // 2:
        cut = cut[:space]
    else:
        cut = cut[:limit]
    return cut.rstrip(" ,;:.、，；：。") + "…"


def snippet(text: str, lang: str, terms: dict[str, set[str]]) -> str:
    """An HTML excerpt of `text` with the matched words in <mark>; everything else escaped."""
    wanted = frozenset(terms.get(f"text_{lang}", ()))
    if wanted and text:
        try:
            marked = highlight(text, wanted, analyzer_for(lang),
                               ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60),
                               # A formatter per call: it numbers terms as it goes.
                               HtmlFormatter(tagname="mark", between=" … "), top=2)
        except Exception:  # a snippet is a convenience; the result itself must not fail
            log.exception("snippet failed")
            marked = ""
        if marked:
            return marked
    plain = " ".join(text.split())
    if len(plain) > SNIPPET_CHARS:
        plain = plain[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
    return str(escape(plain))


def _facets(counts: dict) -> dict[str, list[dict]]:
    """Facet counts with the labels people read, largest first."""
    versions = {str(v.id): v.label for v in db.session.scalars(
        select(Version).where(Version.id.in_(
            [int(k) for k in counts.get("version", {}) if k.isdigit()]))).all()}
    # Named in the reader's language, as everywhere else (the API too follows ?lang=).
    locale = str(get_locale() or "en")
    delegations = {d.code: d.name(locale) for d in db.session.scalars(
        select(Delegation).where(Delegation.code.in_(list(counts.get("delegation", {}))))).all()}
    out = {}
    for name, counter in counts.items():
        items = []
        for value, count in counter.most_common(50 if name == "delegation" else 20):
            if name == "version":
                text = versions.get(value, value)
            elif name == "delegation":
                text = delegations.get(value, value)
            else:
                text = value
            items.append({"value": value, "label": text, "count": count})
        out[name] = items
    return out


# --- maintenance (CLI) ---------------------------------------------------------------------


def reindex(log_line=None) -> int:
    """Rebuild the index from the database; returns the number of documents."""
    index = current_index()
    with index.writer_lock():
        return rebuild_index(log_line)


def sync(max_batches: int | None = None) -> int:
    """Apply pending outbox changes; returns how many were applied."""
    return sync_index(max_batches).applied


def check() -> dict:
    """How the index differs from the database (see `check_index`)."""
    return check_index()
