"""Parsing what people type into the search box, defensively.

Supported: words (all required), "phrases", OR, NOT, AND, parentheses, and a trailing
wildcard after at least MIN_PREFIX letters (traffick*). Field names, ranges, boosts and
other wildcards are not query syntax here: they are read as plain words or refused, so a
query can neither reach into hidden fields nor make the engine enumerate the whole index.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flask_babel import gettext as _
from whoosh import qparser, query as wq

from consult.errors import Invalid
from consult.search.analysis import WORD_PATTERN, fold
from consult.search.engine import TEXT_FIELDS, make_schema

MAX_QUERY_CHARS = 500
MAX_TERMS = 24
MAX_PHRASE_WORDS = 8
MIN_PREFIX = 3
PREFIX_PATTERN = r"([^\W_]+)\*"


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


_REPEATED_NOT = re.compile(r"\bNOT(?:\s+NOT)+\b")
_OPERATOR = re.compile(r"\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE|REQUIRE)\b")


def parse_query(text: str) -> wq.Query | None:
    """A Whoosh query for `text` (None when nothing searchable is left); raises Invalid."""
    if not text:
        return None
    # Words as the reader typed them (before any stemming), operators aside: the limits
    # are about what was asked, and are checked before anything is built.
    words = [w for w in re.findall(WORD_PATTERN, text) if w not in ("AND", "OR", "NOT")]
    if len(set(w.lower() for w in words)) > MAX_TERMS or len(words) > MAX_TERMS * 2:
        raise Invalid(_("The search has too many words: use at most %(num)d.", num=MAX_TERMS),
                      field="q")
    if text.count('"') % 2:
        text = text.replace('"', " ")  # an unbalanced quote is read as no quote at all
    for phrase in re.findall(r'"([^"]*)"', text):
        if len(re.findall(WORD_PATTERN, phrase)) > MAX_PHRASE_WORDS:
            raise Invalid(_("A phrase in quotes may have at most %(num)d words.",
                            num=MAX_PHRASE_WORDS), field="q")
    prefixes = [fold(m.group(1).lower()) for m in re.finditer(PREFIX_PATTERN, text)]
    if any(len(p) < MIN_PREFIX for p in prefixes):
        raise Invalid(_("Put at least %(num)d letters before the *.", num=MIN_PREFIX),
                      field="q")
    # Whoosh's parser fails on NOT NOT (an IndexError): two negations cancel, as readers mean.
    text = _REPEATED_NOT.sub(lambda m: "" if len(m.group(0).split()) % 2 == 0 else "NOT",
                             text)
    try:
        parsed = _parser().parse(text)
    except (IndexError, AttributeError, TypeError, ValueError):
        # Whoosh's parser fails on an operator with nothing to act on ("NOT AND a"): the
        # search is read with its operators as plain words, as a search box would.
        parsed = _parser().parse(_OPERATOR.sub(lambda m: m.group(0).lower(), text))
    _check_wildcards(list(parsed.leaves()))
    parsed = _raw_prefixes(parsed, iter(prefixes)).normalize()
    if parsed is wq.NullQuery or isinstance(parsed, type(wq.NullQuery)):
        return None
    return parsed


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
            if not stem:
                raise Invalid(_("Put at least %(num)d letters before the *.", num=MIN_PREFIX),
                              field="q")


def _raw_prefixes(q: wq.Query, prefixes) -> wq.Query:
    """Each word* as typed, lowercased and unaccented, in every language field.

    Whoosh runs the field's analyzer over wildcard text, stemmer included ("res*" would
    become "re*" in French): the prefix is rebuilt from the reader's own letters instead.
    The parser turns one word* into one prefix per language field, side by side, in the
    order of the text. Scored, not constant: a prefix counts as the sum of the BM25 scores
    of the words it expands to, as the array evaluator has always scored it (Whoosh's
    default scores one expansion by BM25 and several by bare term frequency).
    """
    wild = (wq.Prefix, wq.Wildcard)
    if isinstance(q, wild):
        q = wq.Or([q])
    if q.is_leaf():
        return q
    children, run = [], []

    def flush():
        for start in range(0, len(run), len(TEXT_FIELDS)):
            prefix = next(prefixes, None)
            group = run[start:start + len(TEXT_FIELDS)]
            children.extend(group if prefix is None else
                            [wq.Prefix(leaf.fieldname, prefix, constantscore=False)
                             for leaf in group])
        run.clear()

    for child in q.children():
        if isinstance(child, wild):
            run.append(child)
            continue
        flush()
        children.append(_raw_prefixes(child, prefixes))
    flush()
    if isinstance(q, wq.Not):
        return wq.Not(children[0])
    return type(q)(children) if isinstance(q, (wq.And, wq.Or)) else q


def terms_of(q: wq.Query) -> list[str]:
    """The plain words of a query, in order (for "did you mean" and messages)."""
    return [leaf.text for leaf in q.leaves() if isinstance(leaf, wq.Term)]
