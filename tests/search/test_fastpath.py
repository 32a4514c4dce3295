"""The array evaluator answers exactly what Whoosh's own matching answers."""

import pytest
from whoosh import query as wq

from consult.search import fastpath
from consult.search.fastpath import ArrayCache, Unsupported
from consult.search.query import parse_query
from consult.search.sync import current_index

QUERIES = ["shelters", "victims shelters", "shelters OR hotlines", "victims NOT hotlines",
           '"forced labour"', "traffick*", "régions", "贩运", "(shelters OR hotlines) victims",
           "NOT shelters", "nothingmatches", "victims OR nothingmatches"]


@pytest.fixture
def corpus(post, fra, nor, can, make_user):
    deu = make_user("delegate", delegation="DEU")
    post(fra, "Shelters for victims of forced labour.")
    post(nor, "Hotlines for victims; labour that is forced.")
    post(can, "Shelters and hotlines for trafficked persons.", label="OP2")
    post(deu, "Les régions; 打击贩运人口; traffickers.", label="PP1")


@pytest.mark.parametrize("text", QUERIES)
def test_same_documents_as_whoosh(corpus, find, text):
    find("victims")  # builds and catches up the index
    index = current_index()
    query = parse_query(text)
    with index.lock:
        searcher = index.searcher()
        expected = sorted(n for n in searcher.docs_for_query(query)
                          if not searcher.reader().is_deleted(n))
        arrays = ArrayCache(searcher)
        try:
            docs, scores = arrays.evaluate(query)
        except Exception as exc:  # only the documented refusal may happen
            raise AssertionError(f"{text!r} not evaluated on arrays: {exc!r}")
            return
        assert sorted(int(n) for n in docs) == expected
        if not text.startswith("NOT"):  # a pure exclusion has nothing to score
            assert (scores > 0).all()


def test_ranking_prefers_more_matches(corpus, find, post, fra):
    made = post(fra, "Victims, victims, victims: shelters for victims.", label="OP2")
    assert find("victims").results[0]["id"] == made.id


def test_a_pure_negative_query_still_answers(corpus, find):
    page = find("NOT shelters")
    assert page.total >= 2 and all("Shelters" not in r["snippet"] for r in page.results)


def test_operators_the_arrays_do_not_know_are_answered_by_whoosh(corpus, find):
    """ANDNOT and ANDMAYBE take the engine's fallback (Whoosh's own matching)."""
    find("victims")  # builds and catches up the index
    with pytest.raises(Unsupported):
        ArrayCache(current_index().searcher()).evaluate(parse_query("victims ANDNOT hotlines"))
    assert [r["snippet"] for r in find("victims ANDNOT hotlines").results] == [
        r["snippet"] for r in find("victims NOT hotlines").results]
    assert find("shelters ANDMAYBE victims").total == find("shelters").total


def test_a_prefix_reads_its_most_frequent_words_only(corpus, find, post, fra, monkeypatch):
    """The one intended difference from Whoosh: a prefix expands to at most
    MAX_PREFIX_TERMS words, the most frequent first (Whoosh takes every word)."""
    post(fra, "Forthcoming report.", label="OP2")
    find("victims")  # builds and catches up the index
    index = current_index()
    query = parse_query("for*")
    with index.lock:
        searcher = index.searcher()
        reader = searcher.reader()
        assert set(reader.expand_prefix("text_en", "for")) == {b"for", b"forc", b"forthcom"}
        everything = set(searcher.docs_for_query(query))
        monkeypatch.setattr(fastpath, "MAX_PREFIX_TERMS", 1)
        docs, _ = ArrayCache(searcher).evaluate(query)
        kept = set(searcher.docs_for_query(wq.Term("text_en", "for")))
    assert set(docs.tolist()) == kept and len(everything - kept) == 1
