"""A version as Akoma Ntoso 3.0 XML, following the UN's AKN4UN profile.

Document type. AKN4UN files UN resolutions (drafts included) under the deliberative
documents class: AKN document type ``<statement>``, subtype ``deliberation`` (carried in
``FRBRsubtype`` and in the URI), ``name="resolution"``. A version of the draft plan is
exactly that: a preamble of unnumbered considerations and numbered operative paragraphs,
written by the co-facilitators for adoption by the General Assembly. ``<doc>`` would lose
the preamble/mainBody split, and ``<act>`` would claim a legislative structure (articles,
chapters) these texts do not have.

Identity. Each version is its own FRBR Work, as each revision of a UN draft is its own
document with its own symbol: ``/akn/un/statement/deliberation/{date}/{number}``, where
the date is the publication date and the number the symbol (``A/64/L.99`` → ``a-64-l.99``)
or, without one, the consultation's slug and the version label. ``FRBRnumber`` carries the
symbol as written, ``FRBRversionNumber`` the label (Zero draft, Rev.1…).

Layout (every element validates against the official OASIS schema, akomantoso30.xsd):

* ``preface``: the title (the text's leading heading, else the consultation's title) in
  ``longTitle/docTitle``, the UN symbol in ``docNumber``, the version label in
  ``docStatus`` and the publication date in ``docDate``.
* ``preamble``: the unnumbered paragraphs before the first operative paragraph, each a
  ``container name="preambularParagraph"`` (the form AKN4UN's resolution examples use); a
  heading among them (COP21's "Preamble") is a ``container name="heading"``.
* ``mainBody``, in reading order: operative paragraphs as ``paragraph eId="para_12"``
  with ``num`` "12." and ``content``; sub-paragraphs as ``list``/``point`` inside their
  paragraph (``para_2__list_1__point_a``), the paragraph's own words becoming the list's
  ``intro``; headings as ``hcontainer name="heading"``; unnumbered paragraphs after the
  first operative one (chapeaux, options) as ``container name="unnumberedParagraph"``.
  Headings stay flat rather than nesting what follows them: the platform's headings carry
  no guaranteed outline, and UN operative numbering runs through them anyway.
* Inline Markdown is taken from the paragraph's rendered HTML (the one Markdown renderer):
  emphasis becomes ``i``, bold ``b``, links ``a``; lists, tables and quotations map to
  their AKN counterparts; everything else keeps its text.

The document is in the version's original language unless another of its texts (a
translation, see drafts/translations.py) is asked for; FRBRlanguage and the expression URI
carry it as the three-letter ISO 639-2/T code AKN URIs use (eng, fra, zho…).

Only what never changes once a version is published goes into the file (no status, no
deadline, no counts), so the same version always gives the same bytes and ETags hold; the
one exception is a text adopted under silence procedure, which becomes once, at its
deadline, the final expression (FRBRauthoritative, the adoption in the lifecycle).
"""

from __future__ import annotations

import re
from urllib.parse import quote

import lxml.html
from lxml import etree

from consult.drafts.models import ParagraphKind
from consult.drafts.parsing import number_parts, printed_number
from consult.drafts.translations import ISO_639_2, paragraphs_in
from consult.negotiation.silence import adoption_of

AKN_NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
MEDIA_TYPE = "application/akn+xml"


# XML 1.0 allows tab, newline, carriage return and these ranges; anything else (control
# characters pasted from word processors) would make lxml refuse the whole document.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_INLINE_TAGS = {"em": "i", "i": "i", "strong": "b", "b": "b", "u": "u", "sub": "sub",
                "sup": "sup", "s": "del", "del": "del", "strike": "del", "ins": "ins",
                "code": "span", "a": "a", "span": "span", "mark": "span"}
_BLOCK_TAGS = {"p", "ul", "ol", "li", "pre", "blockquote", "table", "thead", "tbody", "tfoot",
               "tr", "th", "td", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "div"}


def xml_text(text: str | None) -> str:
    """Text XML can carry: characters XML 1.0 forbids are dropped."""
    return _NOT_XML.sub("", text or "")


# --- building blocks ------------------------------------------------------------------


def _el(parent, tag: str, text: str | None = None, **attributes) -> etree._Element:
    element = etree.SubElement(parent, f"{{{AKN_NS}}}{tag}")
    for name, value in attributes.items():
        element.set(name, xml_text(str(value)))
    if text:
        element.text = xml_text(text)
    return element


def _add_text(element, text: str | None) -> None:
    """Append text after whatever `element` already holds (mixed content)."""
    text = xml_text(text)
    if not text:
        return
    if len(element):
        last = element[-1]
        last.tail = (last.tail or "") + text
    else:
        element.text = (element.text or "") + text


def _fragment(html: str):
    return lxml.html.fragment_fromstring(xml_text(html), create_parent="div")


def _inline(source, target) -> None:
    """Copy the inline content of an HTML element into an AKN element."""
    _add_text(target, source.text)
    for child in source:
        _inline_child(child, target)


def _inline_child(child, target, *, with_tail: bool = True) -> None:
    """Copy one HTML node (and, unless told otherwise, the text after it) into `target`."""
    tag = child.tag if isinstance(child.tag, str) else None
    if tag == "br":
        _el(target, "br")
    elif tag == "img":
        # A picture is not part of the negotiated wording; its description is kept.
        _add_text(target, child.get("alt"))
    elif tag == "a" and child.get("href"):
        _inline(child, _el(target, "a", href=child.get("href")))
    elif tag in _INLINE_TAGS and tag != "a":
        inner = _el(target, _INLINE_TAGS[tag])
        if tag == "code":
            inner.set("class", "code")
        _inline(child, inner)
    elif tag is not None:
        # Unknown or block-level markup inside a line: keep its words.
        if tag in _BLOCK_TAGS and (len(target) or (target.text or "").strip()):
            _add_text(target, " ")
        _inline(child, target)
    if with_tail:
        _add_text(target, child.tail)


def _p(parent, source=None, text: str | None = None, **attributes):
    p = _el(parent, "p", **attributes)
    if source is not None:
        _inline(source, p)
    elif text:
        _add_text(p, text)
    return p


def _list_items(source, target) -> None:
    for item in source:
        if item.tag != "li":
            continue
        li = _el(target, "li")
        if source.tag == "ol":
            li.set("value", str(len(target)))
        # A list item holds lines, paragraphs and nested lists; any other block is kept
        # as a paragraph of its words.
        _add_text(li, item.text)
        for child in item:
            tag = child.tag if isinstance(child.tag, str) else None
            if tag in ("ul", "ol"):
                if any(sub.tag == "li" for sub in child):
                    _list_items(child, _el(li, tag))
                _add_text(li, child.tail)
            elif tag in _BLOCK_TAGS:
                _p(li, child)
                _add_text(li, child.tail)
            else:
                _inline_child(child, li)


def _table(source, target) -> None:
    rows = [row for row in source.iter("tr")]
    if not rows:
        return
    table = _el(target, "table")
    for row in rows:
        tr = _el(table, "tr")
        for cell in row:
            if cell.tag in ("th", "td"):
                _p(_el(tr, cell.tag), cell)
        if not len(tr):
            table.remove(tr)
    if not len(table):
        target.remove(table)


def _blocks(source, target) -> None:
    """Copy the HTML blocks of `source` into `target` (a content, intro, container…).

    Loose text and inline elements between blocks are gathered into paragraphs.
    """
    loose: list = []  # strings and inline elements waiting for their paragraph

    def flush() -> None:
        if any(isinstance(part, str) and part.strip() or not isinstance(part, str)
               for part in loose):
            p = _el(target, "p")
            for part in loose:
                if isinstance(part, str):
                    _add_text(p, part)
                else:
                    _inline_child(part, p, with_tail=False)
        loose.clear()

    loose.append(source.text or "")
    for child in source:
        tag = child.tag if isinstance(child.tag, str) else None
        if tag is None:  # an HTML comment: only the text after it counts
            loose.append(child.tail or "")
            continue
        if tag not in _BLOCK_TAGS:
            loose.extend((child, child.tail or ""))
            continue
        flush()
        if tag == "p":
            _p(target, child)
        elif tag in ("ul", "ol"):
            if any(item.tag == "li" for item in child):
                _list_items(child, _el(target, tag))
        elif tag == "pre":
            _p(target, text="".join(child.itertext()), **{"class": "pre"})
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            _p(target, child, **{"class": "heading"})
        elif tag == "table":
            _table(child, target)
        elif tag == "blockquote":
            quoted = _el(target, "blockContainer", **{"class": "blockquote"})
            _blocks(child, quoted)
            if not len(quoted):
                target.remove(quoted)
        elif tag in ("div", "li", "thead", "tbody", "tfoot", "tr", "th", "td"):
            _blocks(child, target)
        # hr carries no words.
        loose.append(child.tail or "")
    flush()


def _has_words(element) -> bool:
    return any(text.strip() for text in element.itertext())


def _fill(element, paragraph) -> None:
    """A paragraph's rendered blocks; its source text when Markdown shows nothing of it.

    Link reference definitions ("[12dec]: http://…") render as nothing, yet they are
    part of the text as imported: no words of a version are dropped from its record.
    """
    _blocks(_fragment(paragraph.html), element)
    if not _has_words(element) and paragraph.text.strip():
        for child in list(element):
            element.remove(child)
        _p(element, text=paragraph.text)


def _content(parent, paragraph, tag: str = "content", **attributes):
    """A content-like element (content, intro…) holding a paragraph's text."""
    element = _el(parent, tag, **attributes)
    _fill(element, paragraph)
    return element


def _container(parent, paragraph, **attributes):
    """A container of blocks; the schema wants at least one block in it."""
    element = _el(parent, "container", **attributes)
    _fill(element, paragraph)
    if not len(element):
        _el(element, "p")
    return element


def _heading_inline(paragraph, target) -> None:
    """A heading's words as inline content (its Markdown text if it rendered as blocks)."""
    fragment = _fragment(paragraph.html)
    if any(isinstance(child.tag, str) and child.tag in _BLOCK_TAGS for child in fragment):
        # "1. Scope" as a heading renders as a list; the words as written say it better.
        _add_text(target, " ".join(paragraph.text.split()))
    else:
        _inline(fragment, target)


def _token(value: str) -> str:
    """A piece of an eId: letters (any script), digits, dots and hyphens."""
    return re.sub(r"[^\w.\-]", "", value, flags=re.UNICODE).lower() or "x"


def _uri_part(value: str) -> str:
    """A piece of an FRBR URI: the symbol or label, slashes and spaces made hyphens."""
    return quote(re.sub(r"[\s/]+", "-", xml_text(value).strip()), safe="-._~")


# Elements that hold only other elements: indenting inside them changes no text. Lines,
# headings and list items hold text, where added whitespace would be added words.
_STRUCTURAL = {"akomaNtoso", "statement", "meta", "identification", "FRBRWork",
               "FRBRExpression", "FRBRManifestation", "references", "preface", "longTitle",
               "preamble", "mainBody", "container", "hcontainer", "paragraph", "list", "point",
               "intro", "content", "blockContainer", "table", "tr", "th", "td", "ul", "ol"}


def _indent(element, depth: int = 0) -> None:
    """Indent the structure for human readers, leaving mixed content exactly as it is."""
    if etree.QName(element).localname not in _STRUCTURAL or not len(element):
        return
    inner = "\n" + "  " * (depth + 1)
    element.text = inner
    for child in element:
        _indent(child, depth + 1)
        child.tail = inner
    element[-1].tail = "\n" + "  " * depth


# --- the document ---------------------------------------------------------------------


class _Ids:
    """Unique eIds: the schema rejects a document where two elements share one."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.counters: dict[str, int] = {}

    def unique(self, base: str) -> str:
        found, suffix = base, 2
        while found in self.used:
            found = f"{base}-{suffix}"
            suffix += 1
        self.used.add(found)
        return found

    def next(self, prefix: str) -> str:
        """prefix_1, prefix_2… in document order (unnumbered elements)."""
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return self.unique(f"{prefix}_{self.counters[prefix]}")


def _paragraph_eid(paragraph, ids: _Ids) -> str:
    """para_12 for OP12; art2__para_1 for COP21's Art.2-OP1, where numbering restarts."""
    number = paragraph.number or ""
    if paragraph.label == f"OP{number}":
        return ids.unique(f"para_{_token(number)}")
    if paragraph.label.startswith("OP"):
        return ids.unique(f"para_{_token(paragraph.label[2:])}")  # OP1-2: a repeated number
    prefix, separator, rest = paragraph.label.rpartition("-OP")
    if separator and prefix:
        return ids.unique(f"{_token(prefix).replace('.', '_')}__para_{_token(rest)}")
    return ids.unique(f"para_{_token(paragraph.label)}")


def _num(paragraph) -> str:
    number = (paragraph.number or "").strip()
    if paragraph.kind == ParagraphKind.operative:
        return f"{printed_number(number)}."  # "7 bis."
    return f"{printed_number(number)}." if number_parts(number) else f"({number})"


def _parent_of(paragraph, numbered: dict):
    """The element a sub-paragraph belongs in: OP9(a)(i) goes in OP9(a), else in OP9.

    Sub-paragraph labels are their parent's label plus "(x)" (and "-2" when repeated).
    """
    cut = paragraph.label.rfind("(")
    direct = paragraph.label[:cut] if cut > 0 else None
    return numbered.get(direct) if direct in numbered else numbered.get(paragraph.parent_label)


def _sublist(element, ids: _Ids):
    """The list of sub-paragraphs of a paragraph or point, made on first use.

    A hierarchy holds either content or sub-divisions: when the first sub-paragraph
    arrives, the element's own words move into the list's intro.
    """
    existing = element.find(f"{{{AKN_NS}}}list")
    if existing is not None:
        return existing
    eid = ids.unique(f"{element.get('eId')}__list_1")
    found = _el(element, "list", eId=eid)
    content = element.find(f"{{{AKN_NS}}}content")
    if content is not None:
        element.remove(content)
        if len(content):
            content.tag = f"{{{AKN_NS}}}intro"
            content.attrib.pop("eId", None)
            content.set("eId", ids.unique(f"{eid}__intro"))
            found.append(content)
    return found


def _split(paragraphs):
    """(leading headings, preamble, body): where each paragraph of the text goes."""
    first_operative = next((i for i, p in enumerate(paragraphs)
                            if p.kind in (ParagraphKind.operative, ParagraphKind.subparagraph)),
                           None)
    if first_operative is None:
        # No operative part: nothing to set a preamble against; all of it is the body.
        return [], [], list(paragraphs)
    before = list(paragraphs[:first_operative])
    title = []
    while before and before[0].kind == ParagraphKind.heading and \
            any(p.kind != ParagraphKind.heading for p in before):
        title.append(before.pop(0))
    # Headings right before the first operative paragraph head the operative part.
    cut = len(before)
    while cut and before[cut - 1].kind == ParagraphKind.heading:
        cut -= 1
    return title, before[:cut], before[cut:] + list(paragraphs[first_operative:])


def _iso_date(value) -> str:
    return value.strftime("%Y-%m-%d")


def _meta(document, version, language: str, date: str, adopted_on=None) -> None:
    meta = _el(document, "meta")
    identification = _el(meta, "identification", source="#consult")
    number = version.symbol or f"{version.consultation.slug}-{version.label}"
    work = f"/akn/un/statement/deliberation/{date}/{_uri_part(number).lower()}"
    expression = f"{work}/{language}@"

    frbr_work = _el(identification, "FRBRWork")
    _el(frbr_work, "FRBRthis", value=f"{work}/!main")
    _el(frbr_work, "FRBRuri", value=work)
    _el(frbr_work, "FRBRdate", date=date, name="publication")
    _el(frbr_work, "FRBRauthor", href="#cofacilitators", **{"as": "#author"})
    _el(frbr_work, "FRBRcountry", value="un")
    _el(frbr_work, "FRBRsubtype", value="deliberation")
    if version.symbol:
        _el(frbr_work, "FRBRnumber", value=version.symbol, showAs=version.symbol)
    _el(frbr_work, "FRBRname", value=version.consultation.title)

    frbr_expression = _el(identification, "FRBRExpression")
    _el(frbr_expression, "FRBRthis", value=f"{expression}/!main")
    _el(frbr_expression, "FRBRuri", value=expression)
    _el(frbr_expression, "FRBRdate", date=date, name="publication")
    _el(frbr_expression, "FRBRauthor", href="#cofacilitators", **{"as": "#author"})
    _el(frbr_expression, "FRBRversionNumber", value=version.label)
    if adopted_on is not None:
        # Adopted under silence procedure: the final, authoritative expression.
        _el(frbr_expression, "FRBRauthoritative", value="true")
    _el(frbr_expression, "FRBRlanguage", language=language)

    frbr_manifestation = _el(identification, "FRBRManifestation")
    _el(frbr_manifestation, "FRBRthis", value=f"{expression}/!main.xml")
    _el(frbr_manifestation, "FRBRuri", value=f"{expression}.akn")
    # The date of the text, not of this rendering: the same version gives the same bytes.
    _el(frbr_manifestation, "FRBRdate", date=date, name="generation")
    _el(frbr_manifestation, "FRBRauthor", href="#consult", **{"as": "#editor"})
    _el(frbr_manifestation, "FRBRformat", value=MEDIA_TYPE)

    if adopted_on is not None:
        lifecycle = _el(meta, "lifecycle", source="#consult")
        _el(lifecycle, "eventRef", eId="evt_publication", date=date, source="#original",
            refersTo="#publication")
        _el(lifecycle, "eventRef", eId="evt_adoption", date=_iso_date(adopted_on),
            source="#original", refersTo="#adoptionUnderSilence")
    references = _el(meta, "references", source="#consult")
    if adopted_on is not None:
        _el(references, "original", eId="original", href=f"{work}/!main",
            showAs=version.label)
        _el(references, "TLCEvent", eId="publication",
            href="/akn/ontology/event/un/publication", showAs="Publication")
        _el(references, "TLCEvent", eId="adoptionUnderSilence",
            href="/akn/ontology/event/un/adoptionUnderSilenceProcedure",
            showAs="Adoption under silence procedure")
    _el(references, "TLCOrganization", eId="consult",
        href="/akn/ontology/organization/un/consult", showAs="Consult")
    # Named as a body, never as accounts: no person's details leave the platform here.
    _el(references, "TLCOrganization", eId="cofacilitators",
        href="/akn/ontology/organization/un/cofacilitators", showAs="Co-facilitators")
    _el(references, "TLCRole", eId="author", href="/akn/ontology/role/un/author",
        showAs="Author")
    _el(references, "TLCRole", eId="editor", href="/akn/ontology/role/un/editor",
        showAs="Editor")


def version_akn(version, *, language: str | None = None) -> bytes:
    """The version as an Akoma Ntoso 3.0 document (AKN4UN), UTF-8, the same bytes each time.

    In `language` (one of the version's texts; default its original), paragraph for
    paragraph; a paragraph without a translation keeps the original's words. A version
    adopted under silence procedure is the final, authoritative expression, its adoption
    (the procedure's deadline) in the lifecycle.
    """
    adoption = adoption_of(version)
    adopted_on = adoption.until if adoption is not None else None
    paragraphs = paragraphs_in(version, language)
    language = ISO_639_2.get(language or version.language, "eng")
    date = _iso_date(version.published_at or version.created_at)
    ids = _Ids()

    root = etree.Element(f"{{{AKN_NS}}}akomaNtoso", nsmap={None: AKN_NS})
    document = _el(root, "statement", name="resolution")
    _meta(document, version, language, date, adopted_on)
    title, preamble_paragraphs, body = _split(paragraphs)

    preface = _el(document, "preface")
    long_title = _el(preface, "longTitle", eId=ids.unique("longTitle"))
    doc_title = _el(_el(long_title, "p"), "docTitle")
    if title:
        _heading_inline(title[0], doc_title)
    else:
        _add_text(doc_title, version.consultation.title)
    for heading in title[1:]:
        container = _el(preface, "container", name="heading", eId=ids.next("preface__container"))
        _heading_inline(heading, _el(container, "p", **{"class": "heading"}))
    if version.symbol:
        _el(_el(preface, "p"), "docNumber", version.symbol)
    _el(_el(preface, "p"), "docStatus", version.label if adopted_on is None
        else f"{version.label}: adopted under silence procedure")
    _el(_el(preface, "p"), "docDate", date, date=date)

    if preamble_paragraphs:
        preamble = _el(document, "preamble")
        for paragraph in preamble_paragraphs:
            eid = ids.next("preamble__container")
            if paragraph.kind == ParagraphKind.heading:
                container = _el(preamble, "container", name="heading", eId=eid)
                _heading_inline(paragraph, _el(container, "p", **{"class": "heading"}))
            else:
                _container(preamble, paragraph, name="preambularParagraph", eId=eid)

    main = _el(document, "mainBody")
    numbered: dict[str, etree._Element] = {}  # label → paragraph or point element
    for paragraph in body:
        if paragraph.kind == ParagraphKind.heading:
            hcontainer = _el(main, "hcontainer", name="heading", eId=ids.next("hcontainer"))
            _heading_inline(paragraph, _el(hcontainer, "heading"))
        elif paragraph.kind == ParagraphKind.preambular:
            _container(main, paragraph, name="unnumberedParagraph",
                       eId=ids.next("container"))
        elif paragraph.kind == ParagraphKind.subparagraph and \
                _parent_of(paragraph, numbered) is not None:
            items = _sublist(_parent_of(paragraph, numbered), ids)
            point = _el(items, "point",
                        eId=ids.unique(f"{items.get('eId')}__point_"
                                       f"{_token(paragraph.number or '')}"))
            _el(point, "num", _num(paragraph))
            _content(point, paragraph)
            numbered[paragraph.label] = point
        else:
            # Operative paragraphs, and (defensively) a sub-paragraph without its parent.
            element = _el(main, "paragraph", eId=_paragraph_eid(paragraph, ids))
            _el(element, "num", _num(paragraph))
            _content(element, paragraph)
            numbered[paragraph.label] = element
    if not len(main):
        _el(main, "p")  # the schema wants a body; an empty text still gets a valid file

    _indent(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"
