"""The array evaluator against Whoosh's own matching, on thousands of generated documents.

A corpus in the six languages is written through the engine's own index building (with
replaced and deleted documents, in more than one segment), and Hypothesis generates
queries from its vocabulary: words, prefixes, phrases, AND/OR/NOT, parentheses, the
operators only Whoosh evaluates (ANDNOT, ANDMAYBE, REQUIRE), and the filters the search
page uses.
For each, `SearchIndex.query_index` must give what `Searcher.search` gives for the same
parsed query and filter: the same documents, the same total and the same first page.
The vocabulary keeps every prefix under fastpath.MAX_PREFIX_TERMS words: past it the
engine keeps the most frequent words only, the one intended difference (tested in
test_fastpath.py).

Ties: Whoosh breaks equal scores by document number, lowest first, and the engine puts
the later-added document first; the reference order here is Whoosh's scores with the
engine's tie-break, and scores are compared with a float tolerance (the evaluator adds in
float32).

CI runs a fixed-seed, modest size. A longer run:
    SEARCH_DIFF_DOCS=20000 SEARCH_DIFF_EXAMPLES=2000 \
        .venv/bin/python -m pytest tests/search/test_differential.py -q
"""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from whoosh import query as wq

from consult.search.engine import SearchIndex
from consult.search.fastpath import MAX_PREFIX_TERMS
from consult.search.query import MIN_PREFIX, parse_query

DOCS = int(os.environ.get("SEARCH_DIFF_DOCS", "3000"))
EXAMPLES = int(os.environ.get("SEARCH_DIFF_EXAMPLES", "300"))
SEED = int(os.environ.get("SEARCH_DIFF_SEED", "15"))
PAGE = 20

# Word families sharing beginnings, so that prefixes expand to several words.
VOCABULARY = {
    "en": ("traffic trafficking trafficked trafficker traffickers victim victims victimised "
           "shelter shelters sheltered labour labourer forced force forces protection "
           "protect protected protecting migrant migrants migration border borders "
           "children child childhood regional region regions report reporting reports "
           "state states statement cooperation cooperate hotline hotlines support "
           "supported persons person exploitation exploited exploit national nation"),
    "fr": ("traite traites trafic trafiquant trafiquants victime victimes refuge refuges "
           "travail travaux forcé forcée protection protéger protégé migrant migrants "
           "migration frontière frontières enfant enfants enfance région régions régional "
           "rapport rapports état états coopération coopérer soutien soutenir personne "
           "personnes exploitation exploité national nationale"),
    "es": ("trata tratante tratantes tráfico víctima víctimas refugio refugios trabajo "
           "trabajos forzoso forzosa protección proteger protegido migrante migrantes "
           "migración frontera fronteras niño niños niñez región regiones regional "
           "informe informes estado estados cooperación cooperar apoyo apoyar persona "
           "personas explotación explotado nacional"),
    "ru": ("торговля торговли торговец торговцы жертва жертвы жертвам приют приюты "
           "труд труда принудительный защита защиты защищать мигрант мигранты миграция "
           "граница границы дети детей ребёнок регион регионы региональный доклад "
           "доклады государство государства сотрудничество поддержка лица лицо "
           "эксплуатация национальный"),
    "ar": ("الاتجار الاتجاري تاجر تجار الضحايا ضحية ضحايا مأوى ملاجئ العمل عمل "
           "القسري قسري الحماية حماية المهاجرين مهاجر الهجرة الحدود حدود الأطفال طفل "
           "المنطقة مناطق إقليمي التقرير تقارير الدولة الدول التعاون تعاون الدعم دعم "
           "الأشخاص شخص الاستغلال استغلال الوطني"),
    "zh": ("贩运 贩运人口 人口 受害者 受害人 庇护所 庇护 劳动 强迫劳动 强迫 保护 保护措施 "
           "移民 移徙 边境 边界 儿童 儿童保护 区域 区域合作 报告 报告员 国家 国家报告 "
           "合作 支持 热线 人员 剥削 剥削行为 国际"),
}
LANGS = tuple(VOCABULARY)
WORDS = {lang: words.split() for lang, words in VOCABULARY.items()}
assert all(len(words) < MAX_PREFIX_TERMS for words in WORDS.values())
KINDS = ("comment", "amendment", "statement", "paragraph")
DELEGATIONS = ("FRA", "NOR", "CAN", "DEU", "CHN", "EGY", "RUS", "MEX")


def _text(rng: random.Random, lang: str) -> str:
    words = WORDS[lang]
    # Zipf-like: the first words of each language are the common ones.
    chosen = [words[min(int(rng.paretovariate(1.1)) - 1, len(words) - 1)
                    if rng.random() < 0.6 else rng.randrange(len(words))]
              for _ in range(rng.randint(1, 30))]
    return ("" if lang == "zh" else " ").join(chosen)


def _doc(rng: random.Random, n: int) -> dict:
    lang = rng.choice(LANGS)
    text = _text(rng, lang)
    kind = rng.choice(KINDS)
    paragraph = kind == "paragraph"
    return {
        "id": f"{'p' if paragraph else 's'}{n}",
        "stamp": f"{n}",
        "type": kind,
        "consultation": str(rng.randint(1, 3)),
        "version": str(rng.randint(1, 6)),
        "delegation": "" if paragraph else rng.choice(DELEGATIONS),
        "dtype": "" if paragraph else rng.choice(("member_state", "observer")),
        "lang": lang,
        "disposition": "" if kind != "amendment" else rng.choice(("pending", "accepted")),
        "visibility": "public" if paragraph else rng.choice(
            ("public",) * 8 + ("withdrawn", "hidden")),
        "author": "" if paragraph else str(rng.randint(1, 40)),
        "created": 1_700_000_000 + rng.randint(0, 10_000_000),
        f"text_{lang}": text,
        "spell": text,
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """An index of DOCS generated documents, some replaced and some deleted afterwards."""
    rng = random.Random(SEED)
    index = SearchIndex(tmp_path_factory.mktemp("differential"))
    index.build((_doc(rng, n) for n in range(DOCS)), {"applied_to": 0})
    # A second segment, with replaced and deleted documents in the first.
    replaced = [_doc(rng, n) for n in rng.sample(range(DOCS), DOCS // 20)]
    deleted = [f"s{n}" for n in rng.sample(range(DOCS), DOCS // 50)]
    index.apply(replaced, deleted, {"applied_to": 1})
    yield index
    index.delete()


# --- queries -------------------------------------------------------------------------

def _word(lang_words):
    return st.sampled_from(lang_words)


ANY_WORD = st.sampled_from([w for words in WORDS.values() for w in words])
PREFIX = ANY_WORD.filter(lambda w: len(w) > MIN_PREFIX and w.isalpha() and not
                         any("\u4e00" <= ch <= "\u9fff" for ch in w)).flatmap(
    lambda w: st.integers(MIN_PREFIX, len(w)).map(lambda n: w[:n] + "*"))
PHRASE = st.sampled_from(LANGS).flatmap(
    lambda lang: st.lists(_word(WORDS[lang]), min_size=2, max_size=3).map(
        lambda ws: '"' + " ".join(ws) + '"'))
LEAF = st.one_of(ANY_WORD, ANY_WORD, PREFIX, PHRASE)


def POSITIVE(children):
    """Not "NOT NOT x": Whoosh's parser fails on it (an IndexError)."""
    return children.filter(lambda c: not c.startswith("NOT"))


def _combine(children):
    return st.one_of(
        st.tuples(children, children).map(lambda p: f"{p[0]} {p[1]}"),
        st.tuples(children, children).map(lambda p: f"({p[0]} OR {p[1]})"),
        st.tuples(children, POSITIVE(children)).map(lambda p: f"({p[0]} AND NOT {p[1]})"),
        POSITIVE(children).map(lambda c: f"NOT {c}"),
    )


QUERY_TEXT = st.recursive(LEAF, _combine, max_leaves=5)
# Operators the array evaluator leaves to Whoosh: the engine's fallback path.
FALLBACK_TEXT = st.tuples(QUERY_TEXT, st.sampled_from(("ANDNOT", "ANDMAYBE", "REQUIRE")),
                          QUERY_TEXT).map(lambda p: f"({p[0]}) {p[1]} ({p[2]})")


@st.composite
def FILTERS(draw):
    """(cache key, filter query) as services._filter_query builds them."""
    parts = [wq.Or([wq.Term("visibility", "public")]
                   + [wq.Term("author", a) for a in draw(st.lists(
                       st.sampled_from([str(n) for n in range(1, 41)]), max_size=2))]
                   + [wq.Term("consultation", c) for c in draw(st.lists(
                       st.sampled_from(("1", "2", "3")), max_size=1))])]
    if draw(st.booleans()):
        parts.append(wq.Not(wq.Term("type", "paragraph")))
    for field, values in (("type", KINDS), ("lang", LANGS), ("consultation", ("1", "2", "3")),
                          ("delegation", DELEGATIONS)):
        if draw(st.integers(0, 3)) == 0:
            parts.append(wq.Term(field, draw(st.sampled_from(values))))
    if draw(st.integers(0, 4)) == 0:  # a date range: a filter Whoosh evaluates itself
        start = 1_700_000_000 + draw(st.integers(0, 5_000_000))
        parts.append(wq.NumericRange("created", start, start + 4_000_000))
    query = wq.And(parts)
    return ("differential", repr(query)), query


# --- comparison ----------------------------------------------------------------------

def _reference(index: SearchIndex, parsed, filter_query):
    """Whoosh's own matching: {id: score} of every match, best first (engine's tie-break)."""
    with index.lock:
        searcher = index.searcher()
        results = searcher.search(parsed, filter=filter_query, limit=None, terms=False)
        scored = [(hit.score, hit.docnum, hit["id"]) for hit in results]
    scored.sort(key=lambda item: (-item[0], -item[1]))
    return [(doc_id, score) for score, _, doc_id in scored]


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-4 * max(1.0, abs(a), abs(b))


def assert_same_as_whoosh(index: SearchIndex, text: str, key, filter_query) -> None:
    """Same documents, same total, same first page (up to float ties) as Whoosh."""
    parsed = parse_query(text)
    if parsed is None:
        return
    expected = _reference(index, parsed, filter_query)
    scores = dict(expected)
    arguments = dict(filter_key=key, filter_query=filter_query, sort="relevance", offset=0,
                     facets=False)
    page = index.query_index(parsed, limit=PAGE, **arguments)
    every = index.query_index(parsed, limit=len(expected) + 1, **arguments)
    assert page.total == every.total == len(expected), text
    assert set(every.ids) == set(scores), text
    assert page.ids == every.ids[:PAGE], text
    wanted = [doc_id for doc_id, _ in expected[:PAGE]]
    for n, (got, want) in enumerate(zip(page.ids, wanted)):
        # The same document, or one Whoosh scores equally (a tie float32 decided).
        assert got == want or _close(scores[got], scores[want]), (
            f"{text!r}: rank {n + 1} is {got} ({scores[got]}), Whoosh has {want} "
            f"({scores[want]})")


SETTINGS = dict(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])


@settings(**SETTINGS)
@given(text=QUERY_TEXT, filters=FILTERS())
def test_fast_path_answers_as_whoosh(corpus, text, filters):
    assert_same_as_whoosh(corpus, text, *filters)


@settings(**{**SETTINGS, "max_examples": max(10, EXAMPLES // 5)})
@given(text=FALLBACK_TEXT, filters=FILTERS())
def test_fallback_answers_as_whoosh(corpus, text, filters):
    assert_same_as_whoosh(corpus, text, *filters)
