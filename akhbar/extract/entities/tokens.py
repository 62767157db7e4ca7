"""Tokens of article text, as ANERcorp cuts them, their normal forms and clitic analyses,
pseudo-sentences and BIO spans: what both the features and the tagger read."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

# A number with inner separators stays one token ("3.5", "1,200"), so its "." never ends a
# sentence; then runs of word characters with Arabic diacritics; then any other single
# non-space character (punctuation, symbols), as ANERcorp separates them.
_MARKS = "\u064b-\u065f\u0670"
_TOKEN = re.compile(rf"\d+(?:[.,٫٬]\d+)+|[\w{_MARKS}]+|[^\w\s{_MARKS}]")
SENTENCE_END = frozenset({".", "!", "?", "؟"})
_ABBREVIATIONS = frozenset({"د", "أ", *"ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
# At inference a line break is a token of its own that ends a sentence and is dropped.
_TOKEN_OR_BREAK = re.compile(rf"\n|{_TOKEN.pattern}")
# split() with it gives the gaps between tokens and the tokens themselves, alternately
_SPLIT = re.compile(f"({_TOKEN_OR_BREAK.pattern})")

_STRIP_MARKS = re.compile(f"[{_MARKS}\u0640]")
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي"})
_DIGIT = re.compile(r"\d")
_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_LATIN_LETTER = re.compile("[A-Za-z]")

CONJUNCTIONS = "وف"
PREPOSITIONS = "بلك"


@dataclass(frozen=True, slots=True)
class Entity:
    """One entity mention: `text == body[start:end]`, label in PER, LOC, ORG, MISC."""

    text: str
    label: str
    start: int
    end: int


# ---------------------------------------------------------------------------------------
# Tokens and their normal forms


def tokenize(text: str) -> list[tuple[int, int]]:
    """Character spans of the tokens of `text`, in order."""
    return [m.span() for m in _TOKEN.finditer(text)]


def tokenize_with_breaks(text: str) -> list[tuple[int, int]]:
    """Character spans of the tokens of `text` and of its line breaks (which end sentences)."""
    return [m.span() for m in _TOKEN_OR_BREAK.finditer(text)]


def split_token(token: str) -> list[str]:
    """The inference tokenization of one string (used to re-tokenize the training corpus)."""
    return _TOKEN.findall(token)


def normalize(token: str) -> str:
    """The form features are keyed by: no diacritics or tatweel, one alef, ى as ي, digits as 0.

    ANERcorp writes "إلي" and "علي" for "إلى" and "على" and is loose with hamza on alef, as
    is web news: folding both sides makes the corpus's forms match the articles' forms.
    """
    form = _STRIP_MARKS.sub("", token).translate(_FOLD).lower()
    return _DIGIT.sub("0", form) if form[:1].isdigit() or form[-1:].isdigit() else form


def analyses(form: str) -> list[str]:
    """The normal form and every form left by removing a possible proclitic sequence.

    (و|ف)? then (ب|ل|ك)? then the article: "وبالعراق" gives وبالعراق, بالعراق, بالعراق →
    العراق, عراق. "لل" is ل + ال with the alef elided: "للعراق" gives العراق too. A remainder
    must keep three letters, so short words are not cut to nothing.
    """
    out = [form]
    bases = [form]
    if form[:1] in CONJUNCTIONS and len(form) >= 4:
        bases.append(form[1:])
    for base in list(bases):
        if base[:1] in PREPOSITIONS and len(base) >= 4:
            if base.startswith("لل") and len(base) >= 5:
                bases.append("ال" + base[2:])
            else:
                bases.append(base[1:])
    for base in bases:
        if base not in out:
            out.append(base)
        if base.startswith("ال") and len(base) >= 5 and base[2:] not in out:
            out.append(base[2:])
    return out


def _shape(token: str, form: str) -> str:
    if _ARABIC_LETTER.search(form):
        kind = "ar"
    elif _LATIN_LETTER.search(form):
        kind = "lat" + ("C" if token[:1].isupper() else "")
    elif form[:1] == "0":
        kind = "num"
    else:
        return "p" + form
    n = len(form)
    size = "1" if n == 1 else "2" if n == 2 else "3" if n == 3 else "5" if n <= 5 else "8" if n <= 8 else "9"
    return kind + size


# ---------------------------------------------------------------------------------------
# Sentences and BIO spans


def sentences(tokens: Sequence[str]) -> Iterator[tuple[int, int]]:
    """[start, end) token ranges of pseudo-sentences: they end after sentence-final
    punctuation and at line-break tokens, which belong to no sentence. The "." of "د." (doctor),
    "أ." (professor) or a Latin initial is no sentence end: cutting there would part a title
    from its name. ("م." and "ق.م." often do end a sentence, after a year.)"""
    start = 0
    for i, tok in enumerate(tokens):
        if tok in SENTENCE_END:
            if tok == "." and i > start and tokens[i - 1] in _ABBREVIATIONS:
                continue
            yield start, i + 1
            start = i + 1
        elif tok == "\n":
            if start < i:
                yield start, i
            start = i + 1
    if start < len(tokens):
        yield start, len(tokens)


def bio_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """(first, last + 1, label) token spans of a BIO sequence; a stray I- opens a span."""
    spans: list[tuple[int, int, str]] = []
    start, label = -1, ""
    for i, tag in enumerate(tags):
        if tag == "O" or tag.startswith("B-") or tag[2:] != label:
            if start >= 0:
                spans.append((start, i, label))
            start, label = (i, tag[2:]) if tag != "O" else (-1, "")
    if start >= 0:
        spans.append((start, len(tags), label))
    return spans
