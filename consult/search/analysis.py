"""Text analysis for search in the six UN languages, and language detection.

Each language has its own analyzer: Snowball stemming for English, French, Spanish and
Russian, ISRI stemming after normalisation for Arabic, jieba word segmentation for Chinese.
Latin-script text is folded to unaccented letters before stemming, so "région" and
"region" meet; the same chain runs over documents and queries, so both sides agree.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import (
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    Token,
    Tokenizer,
)
from whoosh.lang.isri import ISRIStemmer

LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh")

# Words: letters, digits and marks (Arabic vowel signs, combining accents) with inner
# apostrophes and hyphens kept apart ("l'exploitation" gives "l" and "exploitation").
WORD_PATTERN = r"[^\W_]+(?:[\u0300-\u036f\u064b-\u065f\u0670]+[^\W_]*)*"


class FoldFilter(Filter):
    """Removes accents and other combining marks: é→e, ñ→n, ç→c, Arabic vowel signs."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold(t.text)
            yield t


def fold(text: str) -> str:
    """`text` without combining marks (accents, Arabic harakat), compatibility-normalised."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class RussianNormaliseFilter(Filter):
    """ё is written as е in most Russian text; treat them as one letter."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = t.text.replace("ё", "е")
            yield t


# Alef variants → bare alef, alef maqsura → ya, ta marbuta → ha: the usual Arabic search
# normalisation, so spelling variants of one word meet.
_ARABIC_MAP = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه",
                             "ؤ": "و", "ئ": "ي", "ـ": None})


class ArabicFilter(Filter):
    """Arabic normalisation (harakat, tatweel, alef/ya/ta marbuta variants) then ISRI stem."""

    def __call__(self, tokens):
        for t in tokens:
            text = fold(t.text).translate(_ARABIC_MAP)
            if text and _is_arabic(text[0]):
                text = _arabic_stem(text)
            t.text = text
            yield t


@lru_cache(maxsize=100_000)
def _arabic_stem(word: str) -> str:
    return _ISRI.stem(word)


_ISRI = ISRIStemmer()


def _is_arabic(ch: str) -> bool:
    return "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f"


class ChineseTokenizer(Tokenizer):
    """jieba segmentation: each word at its own position, plus the shorter dictionary words
    inside a long word at the same position, so "贩运" is found inside "贩运人口" and
    phrases still match word by word."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        pos = start_pos
        for text, s, e, step in self._pieces(value, query=mode == "query"):
            t.text = text
            t.boost = 1.0
            if keeporiginal:
                t.original = text
            t.stopped = False
            if positions:
                t.pos = pos
            if chars:
                t.startchar = start_char + s
                t.endchar = start_char + e
            yield t
            pos += step

    @staticmethod
    def _pieces(value: str, *, query: bool):
        """(text, start, end, position step) for each token of `value`."""
        for run in _CJK_RUN.finditer(value):
            if not _CJK.match(run.group()):
                # Latin, Cyrillic or Arabic words inside Chinese text: plain words.
                for word in re.finditer(WORD_PATTERN, run.group()):
                    yield word.group(), run.start() + word.start(), run.start() + word.end(), 1
                continue
            for word, start, end in _jieba().tokenize(run.group()):
                start, end = start + run.start(), end + run.start()
                inner = _dictionary_parts(word)
                if query:
                    # The finest cover of the word, so that every query token is one the
                    # document side also emitted, whatever the surrounding text.
                    cover = _cover(word, inner)
                    if cover:
                        for piece, offset in cover:
                            yield piece, start + offset, start + offset + len(piece), 1
                        continue
                    yield word, start, end, 1
                    continue
                # The word and the words inside it share one position.
                items = [(word, start, end)] + [
                    (piece, start + offset, start + offset + len(piece))
                    for piece, offset in inner]
                for n, (text, s, e) in enumerate(items):
                    yield text, s, e, 1 if n == len(items) - 1 else 0


def _dictionary_parts(word: str) -> list[tuple[str, int]]:
    """Dictionary words of two or three characters inside a longer word."""
    if len(word) <= 2:
        return []
    freq = _jieba().dt.FREQ
    return [(word[i:i + size], i) for size in (2, 3) for i in range(len(word) - size + 1)
            if word[i:i + size] != word and freq.get(word[i:i + size])]


def _cover(word: str, parts: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Non-overlapping parts covering the whole word left to right, if there are any."""
    by_start: dict[int, list[str]] = {}
    for piece, offset in parts:
        by_start.setdefault(offset, []).append(piece)
    cover, i = [], 0
    while i < len(word):
        choices = sorted(by_start.get(i, []), key=len)
        if not choices:
            return []
        cover.append((choices[0], i))
        i += len(choices[0])
    return cover


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


class SafeStemFilter(Filter):
    """Snowball stemming with a thread-safe cache.

    Whoosh's own StemFilter cache has no lock: request threads and the background feed
    share analyzers, and concurrent use corrupts it ("dictionary changed size").
    """

    def __init__(self, lang: str):
        self.lang = lang

    def __eq__(self, other):
        return type(other) is type(self) and other.lang == self.lang

    def __call__(self, tokens):
        stem = _stemmer(self.lang)
        for t in tokens:
            if not t.stopped:
                t.text = stem(t.text)
            yield t


@lru_cache(maxsize=None)
def _stemmer(lang: str):
    from whoosh.lang import stemmer_for_language

    # functools.lru_cache is safe to share between threads.
    return lru_cache(maxsize=200_000)(stemmer_for_language(lang))


def _stemmed(lang: str):
    # Fold first: a reader who types without accents must reach the same stem.
    return (RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | FoldFilter()
            | SafeStemFilter(lang))


@lru_cache(maxsize=None)
def analyzer_for(lang: str):
    """The analyzer of one language's field (one instance each, so its stem cache stays warm)."""
    if lang in ("en", "fr", "es"):
        return _stemmed(lang)
    if lang == "ru":
        return (RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | RussianNormaliseFilter()
                | SafeStemFilter("ru"))
    if lang == "ar":
        return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | ArabicFilter()
    if lang == "zh":
        return ChineseTokenizer() | LowercaseFilter() | FoldFilter()
    raise ValueError(f"no analyzer for {lang!r}")


@lru_cache(maxsize=1)
def spelling_analyzer():
    """Words as written, lowercased and unaccented: the vocabulary for "did you mean"."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | FoldFilter()


# --- language detection --------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN_WORD = re.compile(r"[a-zà-öø-ÿ']+")

# Frequent short words that tell the three Latin-script UN languages apart.
_STOPWORDS = {
    "en": set("the and of to in is that for on with as by are be this it from which "
              "should we our its their has have not".split()),
    "fr": set("le la les des et du de un une dans pour que qui est sur par au aux nous "
              "ce cette sont pas être ses leur".split()),
    "es": set("el los las del y de en un una para que por con es al se su sus como "
              "este esta son no ser".split()),
}


def detect_language(text: str) -> str:
    """The UN language `text` is most likely written in (en when unsure)."""
    sample = text[:4000]
    counts = {"zh": len(_CJK.findall(sample)), "ar": len(_ARABIC.findall(sample)),
              "ru": len(_CYRILLIC.findall(sample))}
    script, n = max(counts.items(), key=lambda item: item[1])
    latin_letters = sum(1 for ch in sample if ch.isascii() and ch.isalpha())
    # A Chinese character carries about a word; others about a letter.
    if n and (n * (4 if script == "zh" else 1)) >= latin_letters:
        return script
    words = _LATIN_WORD.findall(sample.lower())
    scores = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORDS.items()}
    best = max(scores, key=lambda lang: (scores[lang], lang == "en"))
    return best if scores[best] else "en"
