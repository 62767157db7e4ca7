"""Differential tests: akhbar.normalize against CAMeL Tools' `camel_tools.utils`.

Where the two overlap they must agree exactly; where akhbar differs on purpose, the
difference is asserted as documented, so a change on either side shows up here:

- clean_text applies NFKC to the Arabic presentation forms only; CAMeL's normalize_unicode
  applies it everywhere (², …, ﬁ, full-width Latin, non-breaking spaces are folded) and
  spells out ﷽ (U+FDFD, which has no decomposition);
- clean_text also removes tatweel (except between a proclitic and a digit, Latin letter or
  opening quote: "الـ12", "لـ«الوطن»") and invisible format characters, maps Persian/Urdu
  letter variants, unifies line breaks and collapses spaces between words;
- search_key strips every Arabic combining mark and the Quranic signs, dediac_ar only the
  nine harakat (U+064B–0652, U+0670); search_key also folds ؤ→و, ئ→ي, digits and ، ؛ ؟;
- at the search-key level the variant table agrees with CAMeL's `arclean` charmap followed
  by its alef-maksura and teh-marbuta normalizations, except for ە (arclean deletes it).
"""

from __future__ import annotations

import gzip
import itertools
import json
import re
import unicodedata
from pathlib import Path

import pytest
from camel_tools.utils.charmap import CharMapper
from camel_tools.utils.dediac import dediac_ar
from camel_tools.utils.normalize import (
    normalize_alef_ar,
    normalize_alef_maksura_ar,
    normalize_teh_marbuta_ar,
    normalize_unicode,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from akhbar.normalize import clean_text, drop_tatweel, search_key

SETTINGS = settings(max_examples=300, deadline=None, database=None)

LETTERS = [chr(c) for c in [*range(0x0621, 0x063B), *range(0x0641, 0x064B), 0x0671]]
CAMEL_DIACRITICS = [chr(c) for c in [*range(0x064B, 0x0653), 0x0670]]
# Presentation forms whose NFKC is made of plain Arabic letters, marks and spaces only
# (neither tatweel nor a Persian letter): there both sides must agree exactly.
PLAIN_FORMS = [
    chr(c)
    for c in [*range(0xFB50, 0xFE00), *range(0xFE70, 0xFEFF)]
    if unicodedata.normalize("NFKC", chr(c)) != chr(c)
    and all(
        ch in LETTERS or ch in CAMEL_DIACRITICS or ch in " ٕٔٓ" for ch in unicodedata.normalize("NFKC", chr(c))
    )
]
# Isolated marks (ﹰ, ﱞ...) decompose to a space and the mark: after a word that is two spaces.
SPACED_FORMS = [c for c in PLAIN_FORMS if unicodedata.normalize("NFKC", c).startswith(" ")]
PLAIN_FORMS = [c for c in PLAIN_FORMS if c not in SPACED_FORMS]
TATWEEL_FORMS = [
    chr(c) for c in range(0xFB50, 0xFF00) if "\u0640" in unicodedata.normalize("NFKC", chr(c)) and c != 0xFDFC
]
PERSIAN_FORMS = [
    chr(c) for c in range(0xFB50, 0xFF00) if set(unicodedata.normalize("NFKC", chr(c))) & set("یکہەھۀے")
]
VARIANTS = str.maketrans({"ی": "ي", "ک": "ك", "ہ": "ه", "ە": "ه", "ھ": "ه", "ۀ": "ة", "ے": "ي"})


def camel_key(text: str) -> str:
    """CAMeL's chain for a matching key: NFKC, dediacritize, alef, alef maksura, teh marbuta."""
    text = dediac_ar(normalize_unicode(text))
    return normalize_teh_marbuta_ar(normalize_alef_maksura_ar(normalize_alef_ar(text)))


def _words(alphabet: list[str]) -> st.SearchStrategy[str]:
    """Words separated by single spaces, no space at either end: CAMeL does not touch spaces."""
    word = st.text(st.sampled_from(alphabet), min_size=1, max_size=10)
    return st.lists(word, min_size=1, max_size=8).map(" ".join)


# --- clean_text vs normalize_unicode -----------------------------------------------------


@SETTINGS
@given(_words(LETTERS + CAMEL_DIACRITICS + PLAIN_FORMS + ["\ufdfc", "٣", "،", "«", "»", "x"]))
def test_clean_text_is_normalize_unicode_on_arabic(text: str) -> None:
    """Letters, harakat, plain presentation forms, the rial sign, digits and punctuation."""
    assert clean_text(text) == normalize_unicode(text)


@SETTINGS
@given(_words(LETTERS + CAMEL_DIACRITICS + SPACED_FORMS))
def test_clean_text_also_collapses_spaces_from_isolated_marks(text: str) -> None:
    assert clean_text(text) == re.sub(r"(?<=\S) {2,}(?=\S)", " ", normalize_unicode(text))


@SETTINGS
@given(_words(LETTERS + CAMEL_DIACRITICS + TATWEEL_FORMS))
def test_clean_text_also_drops_tatweel(text: str) -> None:
    """Forms such as ﹱ decompose to tatweel + mark; clean_text then removes the tatweel."""
    assert clean_text(text) == unicodedata.normalize("NFC", normalize_unicode(text).replace("\u0640", ""))


@SETTINGS
@given(_words(LETTERS + PERSIAN_FORMS + list("یکہەھۀے")))
def test_clean_text_also_maps_persian_variants(text: str) -> None:
    assert clean_text(text) == unicodedata.normalize("NFC", normalize_unicode(text).translate(VARIANTS))


@pytest.mark.parametrize(
    ("text", "camel"),
    [
        ("²", "2"),
        ("…", "..."),
        ("ﬁ", "fi"),
        ("Ａ١", "A١"),
        ("①", "1"),
        ("﷽", "بسم الله الرحمن الرحيم"),
    ],
)
def test_clean_text_keeps_compatibility_characters_outside_presentation_forms(text: str, camel: str) -> None:
    """Display-preserving: NFKC is limited to the Arabic presentation forms (and ﷽ has no
    decomposition at all; CAMeL spells it out by a table of its own)."""
    assert normalize_unicode(text) == camel
    assert clean_text(text) == text


@pytest.mark.parametrize(
    ("text", "camel", "ours"),
    [
        ("أ\u00a0ب", "أ ب", "أ ب"),  # both: a non-breaking space becomes a space
        ("أ  ب", "أ  ب", "أ ب"),  # clean_text collapses the run
        ("أ\u200fب\u200b", "أ\u200fب\u200b", "أب"),  # invisible format characters
        ("أ\r\nب", "أ\r\nب", "أ\nب"),
        ("مــرحـبا", "مــرحـبا", "مرحبا"),
        ("الـ12 لـ«ب»", "الـ12 لـ«ب»", "الـ12 لـ«ب»"),  # tatweel as spelling is kept
    ],
)
def test_clean_text_documented_extras(text: str, camel: str, ours: str) -> None:
    assert normalize_unicode(text) == camel
    assert clean_text(text) == ours


# --- search_key vs the dediac/normalize chain --------------------------------------------


HAMZA_CARRIERS = "ؤئ"


@SETTINGS
@given(
    _words(
        [c for c in LETTERS if c not in HAMZA_CARRIERS]
        + CAMEL_DIACRITICS
        + [
            f
            for f in PLAIN_FORMS + SPACED_FORMS
            if not set(unicodedata.normalize("NFKC", f)) & set(HAMZA_CARRIERS)
        ]
    )
)
def test_search_key_is_camel_chain(text: str) -> None:
    """Same key, once whitespace is collapsed (a word of marks only leaves no double space here)."""
    assert search_key(text) == " ".join(camel_key(text).split())


@SETTINGS
@given(_words(LETTERS + CAMEL_DIACRITICS + PLAIN_FORMS + SPACED_FORMS))
def test_search_key_also_folds_hamza_on_waw_and_yeh(text: str) -> None:
    assert search_key(text) == " ".join(camel_key(text).replace("ؤ", "و").replace("ئ", "ي").split())


EXTRA_MARKS = [
    chr(c)
    for c in [
        *range(0x0610, 0x061B),
        *range(0x0653, 0x0660),
        *range(0x06D6, 0x06EE),
        *range(0x0898, 0x08A0),
        *range(0x08CA, 0x0900),
    ]
    if unicodedata.category(chr(c)) == "Mn"
]


@pytest.mark.parametrize("mark", EXTRA_MARKS, ids=lambda m: f"U+{ord(m):04X}")
def test_search_key_strips_marks_dediac_ar_keeps(mark: str) -> None:
    """Hamza/madda marks, small high letters, Quranic stops: kept by dediac_ar, stripped here."""
    text = "ب" + mark + "ت"
    assert mark in dediac_ar(text)
    assert search_key(text) == "بت"


@pytest.mark.parametrize(("text", "ours"), [("١٢٣", "123"), ("۴۵", "45"), ("،؛؟", ",;?")])
def test_search_key_folds_digits_and_punctuation_camel_keeps(text: str, ours: str) -> None:
    assert camel_key(text) == text
    assert search_key(text) == ours


# --- the variant table vs the arclean charmap --------------------------------------------


@pytest.mark.parametrize("variant", ["ی", "ک", "ہ", "ھ", "ۀ", "ے"])
def test_variants_agree_with_arclean_at_key_level(variant: str) -> None:
    """ی: arclean gives ى and clean_text ي; ۀ: arclean ه, clean_text ة. Keys agree."""
    arclean = CharMapper.builtin_mapper("arclean")
    assert search_key("ب" + variant) == camel_key("ب" + arclean("ب" + variant)[1:])


def test_arclean_deletes_ae_clean_text_maps_it() -> None:
    """ە (Kurdish/Uyghur AE, used for heh in Arabic-script web text): a letter, not noise."""
    assert CharMapper.builtin_mapper("arclean")("بە") == "ب"
    assert clean_text("بە") == "به"


# --- real articles -----------------------------------------------------------------------

SAMPLES = [
    ("saudinewsnet/saudinewsnet_dev.jsonl.gz", "content", 400),
    ("almayadeen/almayadeen_2024-04.jsonl", "text", 150),
    ("arabic_newspapers_2012/articles_utf8.jsonl.gz", "raw_text", 150),
]
_OUR_MARKS = re.compile("[\u0610-\u061a\u0653-\u065f\u06d6-\u06ed\u0897-\u089f\u08ca-\u08ff]")
# Removed by clean_text, kept by normalize_unicode: invisible format characters, tatweel and
# control characters (other than tab, line feed, vertical tab, form feed, carriage return).
_INVISIBLE = "\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff\u00ad\x00-\x08\x0e-\x1f\x7f-\x9f"
_REMOVED = re.compile(f"[{_INVISIBLE}\u0640]")
_INVISIBLES = re.compile(f"[{_INVISIBLE}]")
_KEY_FOLDS = str.maketrans(
    {
        **{"ی": "ي", "ک": "ك", "ہ": "ه", "ە": "ه", "ھ": "ه", "ۀ": "ه", "ے": "ي", "ۂ": "ه", "ۓ": "ي"},
        **{"ؤ": "و", "ئ": "ي", "،": ",", "؛": ";", "؟": "?"},
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
    }
)


def _read_sample(path: Path, field: str, n: int) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        records = (json.loads(line) for line in itertools.islice(fh, n))
        return [r[field] for r in records if r.get(field)]


def _outside_scope(char: str) -> bool:
    """Compatibility characters outside the presentation forms (and ﷽): folded by CAMeL only."""
    if "\ufb50" <= char <= "\ufdff" or "\ufe70" <= char <= "\ufeff":
        return char == "\ufdfd"
    return unicodedata.normalize("NFKC", char) != unicodedata.normalize("NFC", char)


def _in_scope(text: str) -> str:
    """The article without what only CAMeL folds (spaces among them become plain spaces), so
    that what remains compares exactly; those characters are covered by the example tests."""
    return "".join(
        " " if c.isspace() and _outside_scope(c) else c for c in text if not _outside_scope(c) or c.isspace()
    )


@pytest.fixture(scope="module")
def articles(corpus: Path) -> list[str]:
    return [_in_scope(t) for name, field, n in SAMPLES for t in _read_sample(corpus / name, field, n)]


def test_real_articles_search_key_is_camel_chain_plus_documented_folds(articles: list[str]) -> None:
    """On ~650 real articles the key is CAMeL's chain followed by exactly the documented extras:
    tatweel and invisibles removed, extra marks stripped, variants, hamza carriers, digits and
    punctuation folded, whitespace collapsed."""
    assert len(articles) > 500
    for text in articles:
        camel = _OUR_MARKS.sub("", _REMOVED.sub("", camel_key(text))).translate(_KEY_FOLDS)
        assert search_key(text) == unicodedata.normalize("NFC", " ".join(camel.split()))


def test_real_articles_clean_text_is_normalize_unicode_plus_documented_steps(articles: list[str]) -> None:
    """clean_text = normalize_unicode, then invisibles removed, variants mapped, tatweel removed
    where it is not spelling, line breaks unified and spaces between words collapsed (line
    edges kept), on real articles."""
    kept = 0
    for text in articles:
        camel = normalize_unicode(re.sub("\r\n?|[\u2028\u2029]", "\n", text))
        camel = unicodedata.normalize("NFC", _INVISIBLES.sub("", camel).translate(VARIANTS))
        camel = drop_tatweel(camel)
        kept += camel.count("\u0640")
        lines = [re.sub(r"(?<=\S) {2,}(?=\S)", " ", line) for line in camel.split("\n")]
        assert clean_text(text) == "\n".join(lines)
    assert kept > 0  # the sample has tatweel as spelling
