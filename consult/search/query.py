"""Parsing what people type into the search box, defensively.

Supported: words (all required), "phrases", OR, NOT, AND, parentheses, and a trailing
wildcard after at least MIN_PREFIX letters (traffick*). Field names, ranges, boosts and
other wildcards are not query syntax here: they are read as plain words or refused, so a
query can neither reach into hidden fields nor make the engine enumerate the whole index.
"""

from __future__ import annotations

from functools import lru_cache

from flask_babel import gettext as _
from whoosh import qparser, query as wq

from consult.errors import Invalid
from consult.search.analysis import fold
from consult.search.engine import TEXT_FIELDS, make_schema

MAX_QUERY_CHARS = 500
MAX_TERMS = 24
MIN_PREFIX = 3


@lru_cache(maxsize=1)
def _parser() -> qparser.QueryParser:
    parser = qparser.MultifieldParser(list(TEXT_FIELDS), make_schema(), group=qparser.AndGroup)
    for plugin_class in (qparser.FieldsPlugin, qparser.RangePlugin, qparser.BoostPlugin,
                         qparser.EveryPlugin, qparser.SingleQuotePlugin):
        parser.remove_plugin_class(plugin_class)
    return parser


def clean_query(text) -> str:
    """The query string, checked for size and stripped; raises Invalid if unusable."""
    if not isinstance(text, str):
        raise Invalid(_("Type one or more words to search for."), field="q")
    text = text.replace("\x00", " ").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise Invalid(_("The search is too long: at most %(num)d characters.",
                        num=MAX_QUERY_CHARS), field="q")
    return text


def parse_query(text: str) -> wq.Query | None:
    """A Whoosh query for `text` (None when nothing searchable is left); raises Invalid."""
    if not text:
        return None
    # Cheap guards before parsing: a wall of OR terms is refused without building it.
    if len(text.split()) > MAX_TERMS * 2:
        raise Invalid(_("The search has too many words: use at most %(num)d.", num=MAX_TERMS),
                      field="q")
    if text.count('"') % 2:
        text = text.replace('"', " ")  # an unbalanced quote is read as no quote at all
    parsed = _parser().parse(text)
    leaves = [q for q in parsed.leaves()]
    words = {_leaf_key(q) for q in leaves}
    if len(words) > MAX_TERMS:
        raise Invalid(_("The search has too many words: use at most %(num)d.", num=MAX_TERMS),
                      field="q")
    _check_wildcards(leaves)
    parsed = _fold_prefixes(parsed).normalize()
    if parsed is wq.NullQuery or isinstance(parsed, type(wq.NullQuery)):
        return None
    return parsed


def _leaf_key(leaf: wq.Query):
    if isinstance(leaf, wq.Phrase):
        return tuple(leaf.words)
    return getattr(leaf, "text", repr(leaf))


def _check_wildcards(leaves) -> None:
    for leaf in leaves:
        if isinstance(leaf, wq.Every):
            raise Invalid(_("Put at least %(num)d letters before the *.", num=MIN_PREFIX),
                          field="q")
        if isinstance(leaf, (wq.Wildcard, wq.Prefix)):
            text = leaf.text
            stem = text[:-1] if isinstance(leaf, wq.Wildcard) and text.endswith("*") else text
            if isinstance(leaf, wq.Wildcard) and ("*" in stem or "?" in stem
                                                  or not text.endswith("*")):
                raise Invalid(_("A wildcard may only end a word, as in traffick*."), field="q")
            if len(stem) < MIN_PREFIX:
                raise Invalid(_("Put at least %(num)d letters before the *.", num=MIN_PREFIX),
                              field="q")


def _fold_prefixes(q: wq.Query) -> wq.Query:
    """Prefix queries are not analysed by Whoosh: lowercase and unaccent them as the index is."""
    if isinstance(q, wq.Wildcard) and q.text.endswith("*"):
        return wq.Prefix(q.fieldname, fold(q.text[:-1].lower()))
    if isinstance(q, wq.Prefix):
        return wq.Prefix(q.fieldname, fold(q.text.lower()))
    if q.is_leaf():
        return q
    return q.apply(_fold_prefixes)


def terms_of(q: wq.Query) -> list[str]:
    """The plain words of a query, in order (for "did you mean" and messages)."""
    return [leaf.text for leaf in q.leaves() if isinstance(leaf, wq.Term)]
