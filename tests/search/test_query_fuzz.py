"""Whatever a reader types, the search reads it or says what is wrong: never a crash.

Whoosh's query parser raised an IndexError on `NOT NOT` (a 500 page); this test types
arbitrary runs of words, operators and punctuation at the parser."""

from flask import Flask
from flask_babel import Babel
from hypothesis import HealthCheck, given, settings, strategies as st
from whoosh import query as wq

from consult.errors import Invalid
from consult.search.query import parse_query

TOKENS = ["AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "(", ")", '"', "*", "traffic", "traf*",
          "victims", "victim*", "протокол", "حماية", "贩运人口", "a", "-", "+", ":", "~", "^",
          "[", "]", "{", "}", "TO", "\\", "text_en:", "'", "?", "t*"]
TYPED = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12).flatmap(
    lambda tokens: st.lists(st.sampled_from(["", " ", "  "]), min_size=len(tokens),
                            max_size=len(tokens)).map(
        lambda gaps: "".join(t + g for t, g in zip(tokens, gaps)).strip()))

_app = Flask(__name__)
Babel(_app)


@settings(derandomize=True, max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(text=TYPED)
def test_any_typed_query_is_read_or_refused_with_a_message(text):
    with _app.app_context():
        try:
            parsed = parse_query(text)
        except Invalid as refused:
            assert refused.message
        else:
            assert parsed is None or isinstance(parsed, wq.Query)


def test_two_negations_cancel():
    with _app.app_context():
        assert parse_query("traffic AND NOT NOT traffic") == parse_query("traffic")
        assert parse_query("NOT NOT NOT traffic") == parse_query("NOT traffic")


def test_a_double_negation_on_the_search_page_is_not_an_error(client):
    assert client.get("/search?q=traffic+AND+NOT+NOT+victims").status_code == 200
    assert client.get("/api/v1/search?q=NOT+NOT+victims").status_code == 200
