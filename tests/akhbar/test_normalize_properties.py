"""Properties of clean_text and search_key, on generated text (hypothesis) and on real articles.

The generated alphabet is weighted towards the characters the functions act on (presentation
forms, variants, marks, invisibles, exotic spaces, line breaks) and mixed with arbitrary
code points, so that both the fast path and every step of the slow path are exercised.
The "no letter invented" properties are stated with Unicode decompositions, independently
of how the functions are written: the Arabic letters of the output are the input's, after
the documented mappings and nothing else.
"""

from __future__ import annotations

import gzip
import itertools
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from akhbar.normalize import _nfc, arabic_ratio, arabic_ratios, clean_text, search_key
from tests.support import CORPUS

# No example database: nothing is written into the checkout; no deadline: the suite shares
# two cores with other test workers.
SETTINGS = settings(max_examples=300, deadline=None, database=None)

LINE_BREAK = re.compile("\r\n|[\r\n\u2028\u2029]")
SPACES = (
    " \t\f\v\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
)
INVISIBLE = (
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\ufeff\u00ad"
) + "".join(map(chr, [*range(0x00, 0x09), *range(0x0E, 0x20), *range(0x7F, 0xA0)]))  # control characters
TATWEEL = "\u0640"
VARIANTS = {"ی": "ي", "ک": "ك", "ہ": "ه", "ە": "ه", "ھ": "ه", "ۀ": "ة", "ے": "ي"}
SEARCH_FOLDED = "أإآٱىةؤئۂۓ،؛؟"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹"
QURANIC_SMALL_LETTERS = "\u06e5\u06e6"  # small waw, small yeh: letters (Lm), stripped by search_key


def _in_presentation_ranges(char: str) -> bool:
    return "\ufb50" <= char <= "\ufdff" or "\ufe70" <= char <= "\ufeff"


def _is_arabic_mark(char: str) -> bool:
    code = ord(char)
    in_block = 0x0600 <= code <= 0x08FF or 0x10EC0 <= code <= 0x10EFF
    return in_block and unicodedata.category(char) == "Mn"


INTERESTING = sorted(
    {chr(c) for c in range(0x0621, 0x064B)}  # letters (and tatweel)
    | {chr(c) for c in range(0x064B, 0x0660)}  # harakat, hamza and madda marks
    | set("\u0670\u0610\u0615\u06d6\u06dc\u06dd\u06de\u06e5\u06e6\u06e9\u06ed\u0898\u08ca\u08d3\u08e2\u08f0")
    | set("ٱٲٵۂۓ") | set(VARIANTS) | set(INVISIBLE) | set(SPACES)
    | set("\ufb56\ufb8e\ufba4\ufbaa\ufbae\ufbfc\ufc5e\ufcf2\ufd3e\ufdf2\ufdfa\ufdfc\ufdfd")
    | {chr(c) for c in range(0xFE70, 0xFE80)} | set("\ufe8d\ufef7\ufefb\ufeff\ufe80\ufee9")
    | set("\n\r\u2028\u2029\x85\x1c") | set(ARABIC_INDIC_DIGITS) | set("0123456789")
    | set("،؛؟«»!?.,:;-") | set("abcXYZé\u0301\u0308")
)  # fmt: skip
# Clusters put a base, removable characters and combining marks next to each other, the
# sequences where removal and composition interact (ا + tatweel + hamza above must end as أ).
CLUSTER = st.tuples(
    st.sampled_from([*"اويىەےہیeA", "\ufe8d", "\ufbfc", " "]),
    st.text(st.sampled_from([*INVISIBLE, TATWEEL, "\u00a0", "\ufe70", "\ufe71"]), max_size=2),
    st.text(st.sampled_from("\u0654\u0655\u0653\u064e\u0651\u0670\u0301\u06dd"), max_size=2),
).map("".join)
# A proclitic, tatweel and what may follow it: where a tatweel is spelling ("لـ«", "الـ12")
# or decoration, with invisible characters, harakat and spaces in between.
PROCLITIC_CLUSTER = st.tuples(
    st.sampled_from(["", " ", "\n", "(", "x", "\u200d", "\u0654"]),
    st.sampled_from(["ل", "ب", "ك", "و", "ف", "ال", "بال", "لل", "وب", "فب", "وال", "لِ", "ا\u0654ل", "ي"]),
    st.text(st.sampled_from([TATWEEL, TATWEEL, "\u200f", "\u064e", "\ufe71"]), min_size=1, max_size=3),
    st.text(st.sampled_from(" \u00a0\u200b"), max_size=2),
    st.sampled_from(["3", "٣", "C", "e\u0301", "«", '"', "(", "ا", "\u0654", "\n", TATWEEL]),
).map("".join)
TEXT = st.lists(
    st.one_of(CLUSTER, PROCLITIC_CLUSTER, st.sampled_from(INTERESTING), st.characters()),
    max_size=40,
).map("".join)


def _lines(text: str) -> list[str]:
    return LINE_BREAK.split(text)


PROCLITICS = {a + b for a in ("", "و", "ف") for b in ("", "ب", "ك", "ل", "ال", "بال", "كال", "لال", "لل")}
PROCLITICS.discard("")


def _tatweel_is_spelling(line: str, start: int, end: int) -> bool:
    """The tatweel run line[start:end] is followed by no Arabic letter or mark, and stands after a
    proclitic that starts a word, or alone between words (a dash)."""
    follow = line[end : end + 1]
    if follow and (unicodedata.category(follow).startswith("M") or _is_arabic_letter(follow)):
        return False
    before_run = line[start - 1 : start]
    if not before_run or not (before_run.isalnum() or unicodedata.category(before_run).startswith("M")):
        return not follow or not follow.isalnum()  # alone between words
    word = re.search(r"[\u0621-\u064a\u064b-\u0652]*\Z", line[:start])
    assert word is not None
    before = line[: word.start()][-1:]
    proclitic = re.sub("[\u064b-\u0652]", "", word.group())
    if proclitic not in PROCLITICS:
        return False
    return not (before and (before.isalnum() or unicodedata.category(before).startswith("M")))


def _is_arabic_letter(char: str) -> bool:
    return unicodedata.name(char, "").startswith("ARABIC LETTER")


def _expand_presentation_forms(text: str) -> str:
    """The documented mapping of presentation forms, char by char: U+FDFC→ريال, else NFKD."""
    return "".join(
        ("ريال" if c == "\ufdfc" else unicodedata.normalize("NFKD", c)) if _in_presentation_ranges(c) else c
        for c in text
    )


def _arabic_letters(text: str, fold: dict[str, str], excluded: str = "") -> Counter[str]:
    """Arabic letters of the canonical decomposition (أ counts as ا), folded."""
    return Counter(
        fold.get(c, c)
        for c in unicodedata.normalize("NFD", text)
        if "\u0600" <= c <= "\u08ff" and c.isalpha() and c != TATWEEL and c not in excluded
    )


# ۀ decomposes to ە + hamza above, and clean_text makes it ة: ة and ه count as one letter.
CLEAN_FOLD = {**VARIANTS, "ۀ": "ه", "ة": "ه"}
KEY_FOLD = {**CLEAN_FOLD, "ى": "ي", "ٱ": "ا"}


# --- clean_text -------------------------------------------------------------------------


@SETTINGS
@given(TEXT)
def test_clean_text_is_idempotent(text: str) -> None:
    """Stored text cleaned again is unchanged, so offsets into it stay valid."""
    once = clean_text(text)
    assert clean_text(once) == once


@SETTINGS
@given(TEXT)
def test_clean_text_is_nfc(text: str) -> None:
    assert unicodedata.is_normalized("NFC", clean_text(text))


@SETTINGS
@given(TEXT)
def test_clean_text_keeps_every_line(text: str) -> None:
    """Later stages address lines and paragraphs by index: line breaks are kept one for one."""
    assert clean_text(text).count("\n") == len(LINE_BREAK.findall(text))


@SETTINGS
@given(TEXT)
def test_clean_text_is_line_local(text: str) -> None:
    """Every output line depends on its input line alone."""
    assert clean_text(text) == "\n".join(clean_text(line) for line in _lines(text))


@SETTINGS
@given(
    st.text(st.sampled_from(SPACES), max_size=6),
    st.text(st.sampled_from(INTERESTING), min_size=1, max_size=30),
    st.text(st.sampled_from(SPACES), max_size=6),
)
def test_clean_text_keeps_leading_and_trailing_whitespace(lead: str, body: str, trail: str) -> None:
    """Indentation is a layout hint: a line keeps as many leading (and trailing) spaces as it had."""
    changes_edges = set(INVISIBLE + TATWEEL + SPACES + "\n\r\u2028\u2029")
    if body[0] in changes_edges or body[-1] in changes_edges:
        return
    if _in_presentation_ranges(body[0]) or _in_presentation_ranges(body[-1]) or LINE_BREAK.search(body):
        return
    cleaned = clean_text(lead + body + trail)
    assert cleaned.startswith(" " * len(lead)) and cleaned[len(lead)] != " "
    assert cleaned.endswith(" " * len(trail)) and cleaned[-len(trail) - 1] != " "


@SETTINGS
@given(TEXT)
def test_clean_text_leaves_nothing_to_clean(text: str) -> None:
    cleaned = clean_text(text)
    assert not set(cleaned) & set(INVISIBLE + SPACES[1:] + "\r\u2028\u2029" + "".join(VARIANTS))
    for line in cleaned.split("\n"):
        assert "  " not in line.strip(" ")
        # tatweel is left only where it is spelling
        assert all(_tatweel_is_spelling(line, *m.span()) for m in re.finditer(f"{TATWEEL}+", line))
    # presentation forms left are those without a decomposition (e.g. ﷽, ornate parentheses)
    assert all(unicodedata.normalize("NFKC", c) == c for c in cleaned if _in_presentation_ranges(c))


@SETTINGS
@given(TEXT)
def test_clean_text_invents_no_letter(text: str) -> None:
    """Arabic letters out = letters in, through presentation-form decomposition, NFC and the
    variant table only (none dropped either: tatweel is not counted as a letter)."""
    assert _arabic_letters(clean_text(text), CLEAN_FOLD) == _arabic_letters(
        _expand_presentation_forms(text), CLEAN_FOLD
    )


@SETTINGS
@given(TEXT)
def test_clean_text_keeps_marks_digits_and_punctuation(text: str) -> None:
    """Diacritics, Arabic punctuation, guillemets and digits pass through clean_text."""
    kept = set("،؛؟«»" + ARABIC_INDIC_DIGITS + "0123456789")
    source = _expand_presentation_forms(text)
    assert Counter(c for c in clean_text(text) if c in kept) == Counter(c for c in source if c in kept)
    harakat = set(map(chr, range(0x064B, 0x0653)))
    marks_in = Counter(c for c in unicodedata.normalize("NFD", source) if c in harakat)
    assert Counter(c for c in unicodedata.normalize("NFD", clean_text(text)) if c in harakat) == marks_in


@SETTINGS
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                " \n\t\u00a0اوي\u0654\u0655\u0653\u064e\u0651\u0650eAo\u0301\u0308\u0323\u2126\u0958"
            ),
            st.sampled_from("\u1100\u1161\u11a8\uac00\u0b47\u0b3e\u0f73\u0344"),  # Hangul, Oriya, Tibetan
            st.characters(),
        ),
        max_size=40,
    ).map("".join)
)
def test_nfc_by_words_is_nfc(text: str) -> None:
    """clean_text normalizes only the words that are not NFC: that must equal NFC of the whole."""
    assert _nfc(text) == unicodedata.normalize("NFC", text)


# --- search_key -------------------------------------------------------------------------


@SETTINGS
@given(TEXT)
def test_search_key_is_idempotent(text: str) -> None:
    key = search_key(text)
    assert search_key(key) == key


@SETTINGS
@given(TEXT)
def test_search_key_ignores_cleaning(text: str) -> None:
    """Keys of raw and of stored text agree: dedup can run on either."""
    assert search_key(clean_text(text)) == search_key(text)


@SETTINGS
@given(TEXT)
def test_search_key_is_clean_text(text: str) -> None:
    key = search_key(text)
    assert clean_text(key) == key


@SETTINGS
@given(TEXT)
def test_search_key_folds_everything_documented(text: str) -> None:
    key = search_key(text)
    assert not set(key) & set(
        SEARCH_FOLDED + ARABIC_INDIC_DIGITS + QURANIC_SMALL_LETTERS + "\u06dd\u06de\u06e9"
    )
    assert not any(_is_arabic_mark(c) for c in key)
    assert key == " ".join(key.split())


@SETTINGS
@given(TEXT)
def test_search_key_invents_no_letter(text: str) -> None:
    """Letters of the key = letters of the text after the documented folds (أ إ آ ؤ ئ count
    as their carrier through NFD; Quranic small waw and yeh are stripped as marks)."""
    expected = _arabic_letters(_expand_presentation_forms(text), KEY_FOLD, QURANIC_SMALL_LETTERS)
    assert _arabic_letters(search_key(text), KEY_FOLD, QURANIC_SMALL_LETTERS) == expected


@SETTINGS
@given(st.lists(st.text(st.sampled_from(INTERESTING), max_size=12), max_size=8))
def test_search_key_is_blind_to_whitespace_layout(words: list[str]) -> None:
    """Line breaks, indentation and exotic spaces between words do not change the key."""
    assert search_key("\n \u00a0".join(words)) == search_key(" ".join(words))


# --- real articles ----------------------------------------------------------------------

SAMPLES = [
    ("saudinewsnet/saudinewsnet_dev.jsonl.gz", "content", 300),
    ("almayadeen/almayadeen_2024-04.jsonl", "text", 150),
    ("almayadeen/almayadeen_2024-09.jsonl", "text", 100),
    ("arabic_newspapers_2012/articles_utf8.jsonl.gz", "raw_text", 150),
]


def _read_sample(path: Path, field: str, n: int) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        records = (json.loads(line) for line in itertools.islice(fh, n))
        return [r[field] for r in records if r.get(field)]


@pytest.fixture(scope="module")
def articles(corpus: Path) -> list[str]:
    return [text for name, field, n in SAMPLES for text in _read_sample(corpus / name, field, n)]


def test_real_articles_keep_their_properties(articles: list[str]) -> None:
    """The generated-text properties hold on ~700 real articles of four corpora (CRLF, tatweel,
    presentation forms, bidi marks and non-breaking spaces included)."""
    assert len(articles) > 500 and CORPUS.is_dir()
    for text in articles:
        cleaned = clean_text(text)
        assert clean_text(cleaned) == cleaned
        assert cleaned.count("\n") == len(LINE_BREAK.findall(text))
        expected = _arabic_letters(_expand_presentation_forms(text), CLEAN_FOLD)
        assert _arabic_letters(cleaned, CLEAN_FOLD) == expected
        key = search_key(text)
        assert search_key(key) == key == search_key(cleaned)


def test_real_articles_keep_indentation(articles: list[str]) -> None:
    """Each line keeps the width of its leading whitespace (invisible marks aside)."""
    checked = 0
    for text in articles:
        for raw, cleaned in zip(_lines(text), clean_text(text).split("\n"), strict=True):
            start = raw.lstrip(SPACES)
            if start and not (start[0] in INVISIBLE + TATWEEL or _in_presentation_ranges(start[0])):
                assert len(cleaned) - len(cleaned.lstrip(" ")) == len(raw) - len(start)
                checked += 1
    assert checked > 1000


@SETTINGS
@given(
    st.lists(st.one_of(st.none(), st.text(alphabet=st.characters(codec="utf-8"), max_size=60)), max_size=8)
)
def test_arabic_ratios_vectorized_equals_arabic_ratio(texts: list[str | None]) -> None:
    expected = [arabic_ratio(t) for t in texts]
    assert arabic_ratios(pa.array(texts, pa.string())).tolist() == pytest.approx(expected, abs=0)


def test_arabic_ratios_on_every_code_point_of_the_arabic_blocks() -> None:
    texts = [chr(c) for c in range(0x0600, 0x0700)] + [chr(c) for c in range(0x08A0, 0x0900)] + ["Ⅻ½²a_1٣"]
    assert arabic_ratios(pa.array(texts)).tolist() == [arabic_ratio(t) for t in texts]


@pytest.mark.parametrize(
    "texts",
    [["0ؠ", None], ["ab ؠ", "", None], [None, "", "كلمة"], ["", ""], ["ؠ", "a", None, "ب1"]],
)
def test_arabic_ratios_with_empty_texts_around(texts: list[str | None]) -> None:
    """Empty and null texts after a text do not cut its count short (hypothesis found ['0ؠ', None])."""
    assert arabic_ratios(pa.array(texts, pa.string())).tolist() == [arabic_ratio(t) for t in texts]
