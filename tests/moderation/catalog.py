"""A test-only catalog: a few messages translated, to see words go through gettext."""


def install_catalog(app, monkeypatch, directory, lang: str, messages: dict[str, str]) -> None:
    """Translate a few messages into `lang` for this test only (a catalog compiled into
    `directory`; the project's catalogs are left alone), to see words go through gettext."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    from consult.extensions import babel

    catalog = Catalog(locale=lang)
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr)
    folder = directory / lang / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    monkeypatch.setattr(app.extensions["babel"], "translation_directories", [str(directory)])
    # Flask-Babel caches catalogs per language for the whole process: start afresh, and
    # give the other tests their cache back afterwards.
    monkeypatch.setattr(babel.domain_instance, "cache", {})


# A few of the log's messages in French and Arabic, as a translator would write them.
FRENCH = {
    "amendment by %(delegation)s on %(version)s %(paragraph)s":
        "amendement de %(delegation)s sur %(version)s %(paragraph)s",
    "reply by %(delegation)s on %(version)s %(paragraph)s":
        "réponse de %(delegation)s sur %(version)s %(paragraph)s",
    "support by %(delegation)s for the amendment by %(proposer)s on %(version)s "
    "%(paragraph)s": "appui de %(delegation)s à l'amendement de %(proposer)s sur "
                     "%(version)s %(paragraph)s",
    "general statement by %(delegation)s on %(version)s":
        "déclaration générale de %(delegation)s sur %(version)s",
    "%(version)s (%(symbol)s)": "%(version)s (cote %(symbol)s)",
    "submission hidden": "contribution masquée",
    "Disposition of %(target)s: %(disposition)s": "Suite donnée à %(target)s : %(disposition)s",
    "incorporated": "incorporé",
    "%(delegation)s: comment on %(place)s": "%(delegation)s : commentaire sur %(place)s",
    "%(paragraph)s (%(version)s)": "%(paragraph)s (%(version)s)",
    "%(version)s published": "%(version)s publié",
    "Publications, submissions and dispositions": "Publications, contributions et suites données",
    "Co-facilitators": "Cofacilitateurs",
    "system": "système",
}
ARABIC = {
    "support by %(delegation)s for the amendment by %(proposer)s on %(version)s "
    "%(paragraph)s": "تأييد من %(delegation)s لتعديل %(proposer)s على %(version)s %(paragraph)s",
    "amendment by %(delegation)s on %(version)s %(paragraph)s":
        "تعديل مقترح من %(delegation)s على %(version)s %(paragraph)s",
    "reply by %(delegation)s on %(version)s %(paragraph)s":
        "رد من %(delegation)s على %(version)s %(paragraph)s",
    "general statement by %(delegation)s on %(version)s":
        "بيان عام من %(delegation)s بشأن %(version)s",
    "%(version)s (%(symbol)s)": "%(version)s (الرمز %(symbol)s)",
}
