"""A query in each of the six languages finds the submissions written in it."""

import pytest

from tests.search.conftest import ids


@pytest.mark.parametrize("body, query", [
    # a two-character Chinese word inside a sentence, found without spaces around it
    ("我们坚决支持打击贩运人口行为并保护受害者。", "贩运"),
    ("我们坚决支持打击贩运人口行为并保护受害者。", "受害者"),
    # an Arabic word, with the article and a spelling variant (ta marbuta written as ha)
    ("ندعو إلى حماية الضحايا من الاتجار بالبشر", "الضحايا"),
    ("ندعو إلى حماية الضحايا من الاتجار بالبشر", "حمايه"),
    # a French word with and without accents, singular and plural
    ("Les régions les plus touchées par la traite des êtres humains", "région"),
    ("Les régions les plus touchées par la traite des êtres humains", "regions"),
    ("Les régions les plus touchées par la traite des êtres humains", "etres humains"),
    # English plural and singular both ways
    ("Assistance to every victim of trafficking", "victims"),
    ("Assistance to all victims of trafficking", "victim"),
    # Spanish without the accent, Russian in another case
    ("Protección de las víctimas de la trata de personas", "victima"),
    ("Защита жертв торговли людьми", "жертвы"),
])
def test_a_query_finds_the_submission_in_its_language(find, post, fra, body, query):
    made = post(fra, body)
    assert ids(find(query)) == [made.id]


def test_a_word_that_is_not_there_finds_nothing(find, post, fra):
    post(fra, "我们坚决支持打击贩运人口行为。")
    post(fra, "Les régions les plus touchées")
    assert ids(find("劳动")) == []
    assert ids(find("registre")) == []


@pytest.mark.parametrize("body, expected", [
    ("Nous demandons que la traite des êtres humains soit combattue dans toutes les régions.", "fr"),
    ("Pedimos que la trata de personas sea combatida en todas las regiones.", "es"),
    ("We ask that trafficking in persons be fought in all regions.", "en"),
    ("Мы призываем бороться с торговлей людьми.", "ru"),
    ("ندعو إلى مكافحة الاتجار بالبشر", "ar"),
    ("我们呼吁打击贩运人口。", "zh"),
])
def test_the_language_of_a_submission_is_detected(find, post, fra, body, expected):
    made = post(fra, body)
    page = find(body.split()[0] if expected != "zh" else "打击")
    result = next(r for r in page.results if r["id"] == made.id)
    assert result["language"] == expected
    assert made.id in ids(find(page.query, lang=expected))


def test_a_declared_language_wins_over_detection(find, post, fra):
    # A short French text that looks English to a detector: the author said French.
    made = post(fra, "Solidarité, victimes, protection.", language="fr")
    page = find("solidarite")
    assert [r["language"] for r in page.results if r["id"] == made.id] == ["fr"]
