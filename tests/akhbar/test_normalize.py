from __future__ import annotations

import pytest

from akhbar.normalize import arabic_ratio, clean_text, search_key


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("سلام\r\nعليكم\rو", "سلام\nعليكم\nو"),
        ("مــرحـبا", "مرحبا"),  # tatweel
        ("a\u200bb\u200fc\u202ad\u2066e\u061cf\ufeffg\u00adh", "abcdefgh"),
        ("ﻻ", "لا"),  # presentation form
        ("﷼", "ريال"),  # rial sign, not NFKC's Persian yeh
        ("یک", "يك"),  # Persian letters
        ("كلمة\u00a0\u2009 أخرى", "كلمة أخرى"),
        ("مَدْرَسَةٌ «كبيرة»، ١٢٣", "مَدْرَسَةٌ «كبيرة»، ١٢٣"),  # kept: diacritics, guillemets, digits
        ("", ""),
        ("a\u2028b\u2029c", "a\nb\nc"),  # Unicode line and paragraph separators
        ("ﯼ ﮎ", "ي ك"),  # presentation forms of Persian letters, then the variant table
        ("ﷺ", "صلى الله عليه وسلم"),  # NFKC of a ligature
        ("﷽", "﷽"),  # no decomposition: kept (CAMeL spells it out)
        ("ﺏﹰ", "ب ً"),  # isolated-form fathatan: NFKC gives space + mark
        ("²…ﬁＡ", "²…ﬁＡ"),  # NFKC only on the Arabic presentation forms
        ("ە\u0654", "ة"),  # decomposed ۀ composes first, then maps
        ("ا\u0640\u0654", "أ"),  # letter and hamza brought together by tatweel removal compose
        ("ي\u200c\u0654", "ئ"),
        ("\u0651\u064e", "\u064e\u0651"),  # NFC puts fatha before shadda (canonical order)
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  مقدمة\n\tنص", "  مقدمة\n نص"),  # leading whitespace kept, one space per character
        ("كلمة  \t\u00a0 أخرى", "كلمة أخرى"),  # runs between words collapse
        ("سطر \u00a0\nآخر", "سطر  \nآخر"),  # trailing whitespace kept too
        ("\u200f  نص", "  نص"),  # an invisible mark before the indentation goes, the spaces stay
        ("أ \u200b ب", "أ ب"),  # a removed zero-width character leaves one space, not two
        ("\n\n  \n", "\n\n  \n"),
    ],
)
def test_clean_text_keeps_line_layout(raw: str, expected: str) -> None:
    """Later stages read line breaks and indentation: only spaces between words collapse."""
    assert clean_text(raw) == expected


@pytest.mark.parametrize("raw", ["مَدْرَسَةٌ ﻻ ١٢٣\r\n", "  x  y ", "یکی\u200f"])
def test_clean_text_idempotent(raw: str) -> None:
    assert clean_text(clean_text(raw)) == clean_text(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("أحمد إلى آخر", "احمد الي اخر"),
        ("مدرسةٌ", "مدرسه"),
        ("١٢٣، ؟", "123, ?"),
        ("مسؤول جرائد", "مسوول جرايد"),
        ("ٱلۡحَمۡدُ لِلَّهِ رَبِّ", "الحمد لله رب"),  # Quranic sukun (U+06E1) and alef wasla
        ("ذَٰلِكَ ٱلۡكِتَٰبُ لَا رَيۡبَۛ فِيهِۛ", "ذلك الكتب لا ريب فيه"),  # superscript alef, U+06DB
        ("ب\u0898\u08ca\u08d0ت", "بت"),  # Quranic marks of Unicode 14, missed before
        ("۝١٢ ۞ ۩", "12"),  # end of ayah, rub el hizb, place of sajdah
        ("۱۲۳٫٥", "123٫5"),  # Persian digits; the decimal separator is not folded
        ("ۂ ۓ", "ه ي"),
        ("ﻹﺳﻼﻡ", "لاسلام"),
        ("سطر\n\n  سطر\u00a0 آخر ", "سطر سطر اخر"),
    ],
)
def test_search_key(raw: str, expected: str) -> None:
    assert search_key(raw) == expected


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("مرحبا بكم", 1.0, 1.0),
        ("hello world", 0.0, 0.0),
        ("hello مرحبا", 0.49, 0.51),
        ("123 !!", 0.0, 0.0),
        (None, 0.0, 0.0),
    ],
)
def test_arabic_ratio(text: str | None, low: float, high: float) -> None:
    assert low <= arabic_ratio(text) <= high
