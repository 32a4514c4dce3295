"""Counts, plural forms and the order of delegations, as the reader's language has them.

Numbers come from CLDR (through Babel), plural forms from each language's catalog (its
Plural-Forms rule and translations: no word is written here), and delegation lists are
sorted by the names in the reader's language.
"""

import re

import pytest
from babel.numbers import format_decimal
from flask import render_template_string
from flask_babel import get_translations

from consult.comments import services as comments
from consult.db import db
from tests.comments.conftest import paragraph

SUBMISSION = ("%(num)d submission", "%(num)d submissions")


def render(app, lang: str, source: str, **context) -> str:
    """A template fragment rendered for a reader of `lang`."""
    with app.app_context(), app.test_request_context(f"/?lang={lang}"):
        return render_template_string(source, **context)


# --- numbers --------------------------------------------------------------------------

@pytest.mark.parametrize("lang,written", [
    ("en", "1,234"), ("fr", "1\u202f234"), ("es", "1.234"), ("ru", "1\xa0234"),
    ("zh", "1,234"),
    # Arabic: the digits CLDR makes the default for "ar" (Western digits since CLDR 42).
    ("ar", format_decimal(1234, locale="ar", numbering_system="default")),
])
def test_counts_are_written_as_the_readers_language_writes_them(app, lang, written):
    assert render(app, lang, "{{ n|number }}", n=1234) == written
    # Counts inside plural messages too, with the messages (%(num)d) left as they are.
    shown = render(app, lang, "{{ ngettext(one, many, n) }}", one=SUBMISSION[0],
                   many=SUBMISSION[1], n=1234)
    assert written in shown and "1234" not in shown


# --- plural forms ---------------------------------------------------------------------

@pytest.mark.parametrize("lang,counts,forms", [
    ("ru", (1, 2, 5, 21, 22, 25), (0, 1, 2, 0, 1, 2)),
    ("ar", (0, 1, 2, 3, 11, 100), (0, 1, 2, 3, 4, 5)),
])
def test_plural_forms_follow_the_catalogs_rule(app, lang, counts, forms):
    with app.app_context(), app.test_request_context(f"/?lang={lang}"):
        translations = get_translations()
        # The catalog is loaded with the language's own rule (3 forms in Russian, 6 in Arabic).
        assert tuple(translations.plural(n) for n in counts) == forms
        for n in counts:
            form = translations.ungettext(*SUBMISSION, n)
            assert form not in SUBMISSION, f"{lang}: no translation for {n}"
            shown = render_template_string("{{ ngettext(one, many, n) }}", one=SUBMISSION[0],
                                           many=SUBMISSION[1], n=n)
            assert shown == form % {"num": n}
        # Different forms, not one word for every count.
        words = {re.sub(r"%\(num\)d|\d", "", translations.ungettext(*SUBMISSION, n)).strip()
                 for n in counts}
        assert len(words) >= 3


def test_a_page_shows_the_russian_form_for_1_2_and_5(app, client, consultation, staff,
                                                         make_user):
    import datetime as dt

    from consult.db import utcnow
    from consult.drafts import services as drafts
    from tests.conftest import SMALL_DRAFT

    fra = make_user("delegate", delegation="FRA")
    version = drafts.create_version(staff, consultation, label="Zero", text=SMALL_DRAFT,
                                    publish=True,
                                    comments_close_at=utcnow() + dt.timedelta(days=5))
    db.session.commit()
    message = ("%(num)d public submission, across every consultation and version",
               "%(num)d public submissions, across every consultation and version")
    with app.app_context(), app.test_request_context("/?lang=ru"):
        translations = get_translations()
        expected = {n: translations.ungettext(*message, n) % {"num": n} for n in (1, 2, 5)}
    assert len(set(re.sub(r"\d", "", text) for text in expected.values())) == 3
    posted = 0
    for n in (1, 2, 5):
        while posted < n:
            comments.post_comment(fra, paragraph(version, "OP1"), f"Comment {posted}.")
            posted += 1
        db.session.commit()
        page = client.get("/delegations/FRA?lang=ru").get_data(as_text=True)
        assert expected[n] in page


# --- delegations in the reader's alphabetical order ------------------------------------

ORDERS = {
    "fr": ["Allemagne", "Autriche", "Émirats arabes unis", "Espagne"],
    "es": ["Alemania", "Austria", "Emiratos Árabes Unidos", "España"],
    "ru": ["Австрия", "Германия", "Испания", "Объединенные Арабские Эмираты"],
    "en": ["Austria", "Germany", "Spain", "United Arab Emirates"],
}


@pytest.mark.parametrize("lang", sorted(ORDERS))
def test_delegations_are_sorted_by_their_name_in_the_readers_language(app, lang):
    from consult.auth.services import list_delegations

    names = [d.name(lang) for d in list_delegations(lang)]
    positions = [names.index(name) for name in ORDERS[lang]]
    assert positions == sorted(positions)


def test_the_delegation_pages_and_forms_follow_that_order(app, client, login_as):
    login_as("secretariat")
    wanted = ORDERS["fr"]
    listing = client.get("/admin/delegations?lang=fr").get_data(as_text=True)
    positions = [listing.index(f">{name}<") for name in wanted]
    assert positions == sorted(positions)
    form = client.get("/admin/users?lang=fr").get_data(as_text=True)
    options = re.findall(r"<option[^>]*>([^<]*)</option>", form)
    positions = [options.index(f"{name} ({code})")
                 for name, code in zip(wanted, ("DEU", "AUT", "ARE", "ESP"))]
    assert positions == sorted(positions)


def test_the_compilation_legend_is_punctuated_as_each_language_writes(client, staff,
                                                                     consultation):
    import datetime as dt
    import io

    from docx import Document

    from consult.db import db, utcnow
    from consult.drafts import services as drafts
    from tests.conftest import SMALL_DRAFT

    version = drafts.create_version(staff, consultation, label="Zero", text=SMALL_DRAFT,
                                    publish=True,
                                    comments_close_at=utcnow() + dt.timedelta(days=3))
    db.session.commit()
    base = f"/consultations/gpa/versions/{version.id}/compilation"
    for lang, comma, stop in (("ar", "، ", "."), ("zh", "、", "。"), ("fr", ", ", ".")):
        page = client.get(f"{base}?lang={lang}").get_data(as_text=True)
        legend = page.split('class="legend"', 1)[1].split("</p>", 1)[0]
        assert f"</span>{comma}<span" in legend and legend.endswith(f"</span>{stop}")
        document = Document(io.BytesIO(client.get(f"{base}.docx?lang={lang}").data))
        text = next(p.text for p in document.paragraphs if comma.strip() in p.text)
        assert text.endswith(stop)
