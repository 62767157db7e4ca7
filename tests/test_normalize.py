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
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
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
