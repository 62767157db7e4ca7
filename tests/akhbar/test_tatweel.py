"""Tatweel in stored text: elongation inside words is removed, tatweel as spelling is kept.

A proclitic written as a word of its own, before a digit, a Latin letter, a quote or a space,
is joined to it by a tatweel ("الـ12", "لـ«الوطن»"), and a tatweel alone between words is a
dash ("سايكس ـ بيكو"): that is how the text is published, and the stored text keeps it. The
search key drops every tatweel, so both spellings match.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from akhbar.normalize import arabic_ratio, arabic_ratios, clean_text, search_key


@pytest.mark.parametrize(
    "text",
    [
        "لـ«الوطن»",
        "الـ12",
        "بـ3",
        "كـCNN",
        "الـ٢٠ عاما",  # Arabic-Indic digits
        "فبـ۳",  # Persian digits
        "وبالـ5",
        "وللـ«الشعب»",
        "فالـBBC",
        'بـ"الكلمة"',
        "لـ(الجمعية)",
        "لِـ«الوطن»",  # a vocalized proclitic
        "بـ «الوطن»",  # a space between the tatweel and the quote
        "الـ 20 عاما",
        "قال (الـ12) و«بـ3»",  # after a bracket and a guillemet the proclitic starts a word
        "عنوان\nلـ«الوطن»",  # at the start of a line
        "بـــ«الوطن»",  # a run is kept as written
        "بـ فلومينينسي",  # a proclitic with a space after: kept, or it would stand alone
        "لـ #السعودية",
        "بـ\n3",
        "اتفاقية سايكس ـ بيكو",  # a dash of its own between words
        "علاقات عربية ـ صينية",
    ],
)
def test_tatweel_as_spelling_is_kept(text: str) -> None:
    assert clean_text(text) == text
    assert "\u0640" not in search_key(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("جمـــيل", "جميل"),
        ("مــرحـبا", "مرحبا"),
        ("كتابـ3", "كتاب3"),  # a whole word, not a proclitic
        ("علىـ«الوطن»", "على«الوطن»"),
        ("3بـ5", "3ب5"),  # a digit before: not the start of a word
        ("بـالوطن", "بالوطن"),  # an Arabic letter after: elongation
        ("هـولندا", "هولندا"),  # a letter, not a proclitic, before it
        ("الـتاسعة", "التاسعة"),
        ("ـ3", "3"),  # no proclitic
        ("ا\u0640\u0654", "أ"),  # tatweel between a letter and hamza above: they compose
        ("بـ\u200f3", "بـ3"),  # an invisible mark between is removed first
        ("x\u200dلـ3", "xل3"),  # the zero-width joiner removed: a Latin letter before the proclitic
    ],
)
def test_elongation_is_removed(text: str, expected: str) -> None:
    assert clean_text(text) == expected
    assert clean_text(expected) == expected


@pytest.mark.parametrize(
    ("published", "plain"),
    [("لـ«الوطن»", "ل«الوطن»"), ("الـ12", "ال12"), ("بـ3", "ب3"), ("جمـــيل", "جميل")],
)
def test_search_key_drops_every_tatweel(published: str, plain: str) -> None:
    assert search_key(published) == search_key(plain)


@pytest.mark.parametrize("text", ["لـ«الوطن»", "الـ12 مقعدا", "كـCNN و BBC", "جمـــيل"])
def test_arabic_ratios_agree_with_arabic_ratio_on_kept_tatweel(text: str) -> None:
    cleaned = clean_text(text)
    assert arabic_ratios(pa.array([cleaned])).tolist() == [arabic_ratio(cleaned)]
