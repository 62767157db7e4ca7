"""Dates in Arabic news text (`akhbar.extract.dates`).

The sentences are written for these tests; the hand-labelled articles are read from the
shared corpus at test time (`akhbar/resources/gold/date_labels.json` holds only ids, offsets and
values).
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from hijridate import Hijri

from akhbar.evaluation_dates import DATE_LABELS
from akhbar.extract.dates import DateMention, date_records, find_dates
from akhbar.schema import DATE
from tests.support import CORPUS, SEED

PUBLISHED = date(2025, 3, 20)
LABELS = DATE_LABELS


@dataclass(frozen=True)
class Expected:
    text: str
    date: str | None
    calendar: str = "gregorian"
    precision: str = "day"
    year_inferred: bool | None = False


def hijri(y: int, m: int, d: int) -> str:
    return Hijri(y, m, d).to_gregorian().isoformat()


def found(text: str, published: date | datetime | None = PUBLISHED) -> list[Expected]:
    mentions = find_dates(text, published)
    for m in mentions:
        assert text[m.start : m.end] == m.text
    return [
        Expected(m.text, m.date and m.date.isoformat(), m.calendar, m.precision, m.year_inferred)
        for m in mentions
    ]


CASES: list[tuple[str, list[Expected]]] = [
    # day month, weekday, dual forms, anchors
    (
        "التقى الوزيران في 18 شباط/فبراير الماضي في عمّان.",
        [Expected("18 شباط/فبراير الماضي", "2025-02-18", year_inferred=True)],
    ),
    ("وصل الوفد يوم الثلاثاء 18 شباط 2025 إلى العاصمة.", [Expected("الثلاثاء 18 شباط 2025", "2025-02-18")]),
    (
        "ارتفعت الأسعار في شباط/فبراير 2025 بشكل ملحوظ.",
        [Expected("شباط/فبراير 2025", "2025-02-01", precision="month")],
    ),
    (
        "صدر الكتاب في نيسان (أبريل) 2024 عن دار نشر.",
        [Expected("نيسان (أبريل) 2024", "2024-04-01", precision="month")],
    ),
    ("وقع الحادث في 3 سبتمبر أيلول 2019 قرب الحدود.", [Expected("3 سبتمبر أيلول 2019", "2019-09-03")]),
    ("عاد إلى بلده في 7 يوليو (تموز) 2014 بعد غياب.", [Expected("7 يوليو (تموز) 2014", "2014-07-07")]),
    (
        "يعقد المؤتمر في 5 أيار/مايو المقبل في عمّان.",
        [Expected("5 أيار/مايو المقبل", "2025-05-05", year_inferred=True)],
    ),
    (
        "انتهت المهلة في كانون الثاني/يناير المنصرم.",
        [Expected("كانون الثاني/يناير المنصرم", "2025-01-01", precision="month", year_inferred=True)],
    ),
    (
        "يبدأ التطبيق في 30 آذار/مارس الجاري.",
        [Expected("30 آذار/مارس الجاري", "2025-03-30", year_inferred=True)],
    ),
    ("وقّع الاتفاق في 12 ديسمبر الماضي.", [Expected("12 ديسمبر الماضي", "2024-12-12", year_inferred=True)]),
    ("صدر التقرير في 3 مارس الماضي.", [Expected("3 مارس الماضي", "2025-03-03", year_inferred=True)]),
    (
        "تنخفض الحرارة في يونيو القادم.",
        [Expected("يونيو القادم", "2025-06-01", precision="month", year_inferred=True)],
    ),
    (
        "أُغلق المصنع في 30 يونيو من العام الماضي.",
        [Expected("30 يونيو من العام الماضي", "2024-06-30", year_inferred=True)],
    ),
    (
        "ينطلق السباق في الأول من أغسطس المقبل لعام 2026.",
        [Expected("الأول من أغسطس المقبل لعام 2026", "2026-08-01")],
    ),
    ("وفي 27 شباط/فبراير، اجتمع الطرفان.", [Expected("27 شباط/فبراير", "2025-02-27", year_inferred=True)]),
    ("احتُفل بالعيد في 25 ديسمبر.", [Expected("25 ديسمبر", "2024-12-25", year_inferred=True)]),
    # the weekday picks the year when the nearest past occurrence falls on another day
    ("تفتتح المعرض الجمعة 14 آذار.", [Expected("الجمعة 14 آذار", "2025-03-14", year_inferred=True)]),
    # ordinal days, "من شهر", ranges, diacritics
    (
        "تعطلت الملاحة منذ السابع من تشرين الأول/أكتوبر 2021.",
        [Expected("السابع من تشرين الأول/أكتوبر 2021", "2021-10-07")],
    ),
    (
        "احتفلوا في الحادي والعشرين من آذار.",
        [Expected("الحادي والعشرين من آذار", "2024-03-21", year_inferred=True)],
    ),
    (
        "وصلت الشحنة في الـ19 من شهر كانون الأول/ديسمبر 2022.",
        [Expected("19 من شهر كانون الأول/ديسمبر 2022", "2022-12-19")],
    ),
    (
        "جرت الانتخابات بين 2 و9 آب/أغسطس 2021.",
        [Expected("2", "2021-08-02"), Expected("9 آب/أغسطس 2021", "2021-08-09")],
    ),
    (
        "بدأ المشروع في تشرين الأوّل/أكتوبر من العام 2019.",
        [Expected("تشرين الأوّل/أكتوبر من العام 2019", "2019-10-01", precision="month")],
    ),
    # a month alone: only in a dual form, after "شهر" or a time preposition
    (
        "شهدت المدينة في حزيران/يونيو أمطاراً.",
        [Expected("حزيران/يونيو", "2024-06-01", precision="month", year_inferred=True)],
    ),
    (
        "ترتفع الأسعار خلال شهر رمضان الجاري.",
        [Expected("رمضان الجاري", hijri(1446, 9, 1), "hijri", "month", True)],
    ),
    # Maghrebi month names
    (
        "انطلقت الدورة يوم الخميس 9 جويلية 2015 بالعاصمة.",
        [Expected("الخميس 9 جويلية 2015", "2015-07-09")],
    ),
    ("افتُتح المعرض بتاريخ 14 غشت 2017 بطنجة.", [Expected("14 غشت 2017", "2017-08-14")]),
    ("تأجلت المباراة إلى 5 دجنبر 2018.", [Expected("5 دجنبر 2018", "2018-12-05")]),
    # a year alone, when clearly a year
    ("أُسست الشركة عام 2023 في دبي.", [Expected("عام 2023", "2023-01-01", precision="year")]),
    ("وفي العام 2012 انتقل إلى باريس.", [Expected("العام 2012", "2012-01-01", precision="year")]),
    ("ولد الشاعر سنة 1436 هـ في المدينة.", [Expected("سنة 1436 هـ", hijri(1436, 1, 1), "hijri", "year")]),
    ("شُيّد الجسر في 1998م على النهر.", [Expected("1998م", "1998-01-01", precision="year")]),
    ("تغيّر الوضع منذ 2011.", [Expected("2011", "2011-01-01", precision="year")]),
    (
        "تضاعف الإنتاج بين العامين 2002 و2003 تقريباً.",
        [
            Expected("العامين 2002", "2002-01-01", precision="year"),
            Expected("2003", "2003-01-01", precision="year"),
        ],
    ),
    # numeric dates, day first, any digits
    ("نُشر القرار بتاريخ 18/2/2025 في الجريدة.", [Expected("18/2/2025", "2025-02-18")]),
    ("نُشر القرار بتاريخ 2025-02-18 في الجريدة.", [Expected("2025-02-18", "2025-02-18")]),
    ("نُشر القرار بتاريخ ١٨-٢-٢٠٢٥ في الجريدة.", [Expected("١٨-٢-٢٠٢٥", "2025-02-18")]),
    ("نُشر القرار بتاريخ ۱۸/۲/۲۰۲۵ في الجريدة.", [Expected("۱۸/۲/۲۰۲۵", "2025-02-18")]),
    ("وصل الخطاب في ١٨ شباط ٢٠٢٥.", [Expected("١٨ شباط ٢٠٢٥", "2025-02-18")]),
    # Hijri
    ("بدأ الصيام في 4 رمضان 1436هـ.", [Expected("4 رمضان 1436هـ", hijri(1436, 9, 4), "hijri")]),
    (
        "وقف الحجاج بعرفة قبل 10 ذو الحجة 1445 ه بيوم.",
        [Expected("10 ذو الحجة 1445 ه", hijri(1445, 12, 10), "hijri")],
    ),
    ("بُني المسجد عام 1436 للهجرة.", [Expected("عام 1436 للهجرة", hijri(1436, 1, 1), "hijri", "year")]),
    ("تُقبل الطلبات حتى 17 / 6 / 1438هـ فقط.", [Expected("17 / 6 / 1438هـ", hijri(1438, 6, 17), "hijri")]),
    (
        "تأسست الجمعية في شهر ذي القعدة لعام 1430هـ.",
        [Expected("ذي القعدة لعام 1430هـ", hijri(1430, 11, 1), "hijri", "month")],
    ),
    (
        "يُقام المخيم من 3 حتى 12 /7 /1440هـ في أبها.",
        [
            Expected("3", hijri(1440, 7, 3), "hijri"),
            Expected("12 /7 /1440هـ", hijri(1440, 7, 12), "hijri"),
        ],
    ),
    # "الموافق": both sides, each with its calendar; a year-less side takes the other's year
    (
        "تُعقد الجلسة يوم الأحد 15 شوال 1446هـ الموافق 13 أبريل 2025م.",
        [Expected("الأحد 15 شوال 1446هـ", "2025-04-13", "hijri"), Expected("13 أبريل 2025م", "2025-04-13")],
    ),
    (
        "يُفتتح السوق في 3 مارس 2025م الموافق 3 رمضان.",
        [
            Expected("3 مارس 2025م", "2025-03-03"),
            Expected("3 رمضان", "2025-03-03", "hijri", year_inferred=True),
        ],
    ),
]


@pytest.mark.parametrize(("sentence", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_forms(sentence: str, expected: list[Expected]) -> None:
    assert found(sentence) == expected


NOT_DATES = [
    "استمر الاجتماع نحو 6 ساعات ونصف الساعة.",
    "أمضى الوفد هناك لمدة 3 أيام.",
    "ستنفذ الخطة خلال 10 سنوات.",
    "بدأت الجلسة الساعة 10:30 صباحاً.",
    "توفي عن عمر 85 عاماً.",
    "بلغت الخسائر 2500 دولار و1500000 ريال.",
    "حلّ الفريق في المركز الرابع.",
    "انظر الصفحة 12 من التقرير.",
    "سجل اللاعب 2024 نقطة في مسيرته.",
    "قبل 2000 عام بنيت المدينة.",
    "فاز الفريق 2-صفر على ضيفه و1 صفر في الذهاب.",
    "التقى الرئيس رجب طيب أردوغان نظيره.",
    "يمارس الرياضة يومياً في مهرجان الكتّاب.",
    "وقعت الواقعة في 31 شباط 2025.",
    "وقعت الواقعة في 29 شباط 2023.",
    "بدأ العيد بعد 30 رمضان 1436هـ.",
    "شارك أنصار قوى 14 آذار في ذكرى ثورة 25 يناير.",
    "تجاوز عدد الزوار 18 ألفاً في اليوم الأول.",
    "العام الدراسي 1436/1437ه يبدأ قريباً.",
    "تكثر الولائم في رمضان من كل عام.",
    "ما زالت ذكرى حرب تموز (يوليو) حاضرة، ومنذ ثورة “25 يناير” تغير الكثير.",
]


@pytest.mark.parametrize("published", [PUBLISHED, None])
@pytest.mark.parametrize("sentence", NOT_DATES)
def test_not_dates(sentence: str, published: date | None) -> None:
    assert found(sentence, published) == []


def test_leap_day_exists_in_leap_years() -> None:
    assert found("وقعت الواقعة في 29 شباط 2024.") == [Expected("29 شباط 2024", "2024-02-29")]


def test_without_published_at_year_less_dates_are_kept_without_a_date() -> None:
    text = "وصل في 18 شباط الماضي ثم في 7 آذار 2025 وفي شهر رمضان."
    assert found(text, None) == [
        Expected("18 شباط الماضي", None, year_inferred=None),
        Expected("7 آذار 2025", "2025-03-07"),
    ]


# (sentence, mention, calendar, precision, month, day): year-less, without a publication date
YEAR_LESS: list[tuple[str, str, str, str, int, int | None]] = [
    ("اجتمع المجلس في 9 يناير لبحث الميزانية.", "9 يناير", "gregorian", "day", 1, 9),
    ("وصل الوفد في 18 شباط/فبراير الماضي إلى عمّان.", "18 شباط/فبراير الماضي", "gregorian", "day", 2, 18),
    ("وفي 27 شباط/فبراير، عقدت جولة ثانية.", "27 شباط/فبراير", "gregorian", "day", 2, 27),
    ("صدر القرار في 3 كانون الأول/ديسمبر المقبل.", "3 كانون الأول/ديسمبر المقبل", "gregorian", "day", 12, 3),
    ("تبدأ الدراسة في 5 أيلول (سبتمبر) من كل عام.", "5 أيلول (سبتمبر)", "gregorian", "day", 9, 5),
    ("انتهت المهلة في 12 جانفي بعد تمديدها.", "12 جانفي", "gregorian", "day", 1, 12),
    ("أعلن عن ذلك في السابع من أكتوبر أمام الصحافيين.", "السابع من أكتوبر", "gregorian", "day", 10, 7),
    ("ارتفعت الأسعار في نيسان/أبريل بشكل ملحوظ.", "نيسان/أبريل", "gregorian", "month", 4, None),
    ("يقع الحادث يوم الخميس 29 شباط في الصباح.", "الخميس 29 شباط", "gregorian", "day", 2, 29),
    ("بدأ الصيام في 1 رمضان وفق التقويم.", "1 رمضان", "hijri", "day", 9, 1),
    ("يبدأ الموسم في 30 ذو القعدة حسب الإعلان.", "30 ذو القعدة", "hijri", "day", 11, 30),
    ("وقف الحجاج بعرفة في التاسع من ذي الحجة.", "التاسع من ذي الحجة", "hijri", "day", 12, 9),
    ("صدر المرسوم في 14 جمادى الآخرة الماضي.", "14 جمادى الآخرة الماضي", "hijri", "day", 6, 14),
]


@pytest.mark.parametrize(
    ("sentence", "mention", "calendar", "precision", "month", "day"), YEAR_LESS, ids=[c[1] for c in YEAR_LESS]
)
def test_year_less_mentions_keep_month_day_and_offsets(
    sentence: str, mention: str, calendar: str, precision: str, month: int, day: int | None
) -> None:
    (m,) = find_dates(sentence)
    assert (m.text, m.date, m.year_inferred) == (mention, None, None)
    assert sentence[m.start : m.end] == mention
    assert (m.calendar, m.precision, m.month, m.day) == (calendar, precision, month, day)


@pytest.mark.parametrize(
    "sentence", ["وقع ذلك في 30 شباط الماضي.", "في 31 نيسان تقرر ذلك.", "صام في 31 رمضان.", "في 0 يناير."]
)
def test_year_less_days_no_year_has_are_left_out(sentence: str) -> None:
    assert find_dates(sentence) == []


@pytest.mark.parametrize(
    ("sentence", "month", "day"), [(c[0], c[4], c[5]) for c in YEAR_LESS if c[2] == "gregorian"]
)
def test_year_less_gregorian_mentions_still_resolve_with_a_publication_date(
    sentence: str, month: int, day: int | None
) -> None:
    (m,) = find_dates(sentence, PUBLISHED)
    assert m.date is not None and m.year_inferred is True
    assert (m.date.month, m.date.day) == (month, day or 1)
    assert (m.month, m.day) == (month, day)


# (sentence, [(mention, month, day)]): what the text states, whatever the date resolves to
WRITTEN: list[tuple[str, list[tuple[str, int | None, int | None]]]] = [
    ("صدر المرسوم في 9 رمضان 1436 هـ.", [("9 رمضان 1436 هـ", 9, 9)]),
    ("وقع الاتفاق في 18/2/2025 في الرياض.", [("18/2/2025", 2, 18)]),
    ("نشر التقرير بتاريخ 2025-02-18 مساء.", [("2025-02-18", 2, 18)]),
    ("بدأت الأزمة عام 2020 وامتدت.", [("عام 2020", None, None)]),
    ("ارتفعت الأسعار في شباط/فبراير 2025.", [("شباط/فبراير 2025", 2, None)]),
    ("تجري الانتخابات بين 13 و15 نيسان 2024 في البلاد.", [("13", 4, 13), ("15 نيسان 2024", 4, 15)]),
]


@pytest.mark.parametrize(("sentence", "expected"), WRITTEN, ids=[c[1][0][0] for c in WRITTEN])
def test_month_and_day_are_as_written(
    sentence: str, expected: list[tuple[str, int | None, int | None]]
) -> None:
    mentions = find_dates(sentence, PUBLISHED)
    assert [(m.text, m.month, m.day) for m in mentions] == expected
    assert all(m.date is not None and sentence[m.start : m.end] == m.text for m in mentions)


def test_published_at_may_be_a_datetime() -> None:
    assert found("في 5 أيار المقبل", datetime(2025, 3, 20, 23, 0)) == found("في 5 أيار المقبل")


@pytest.mark.parametrize(
    ("published", "dates", "inferred"),
    [
        (datetime(2025, 3, 27, 9, 0), [date(2025, 2, 18), date(2025, 2, 27)], True),
        (None, [None, None], None),  # the seed as shipped: no publication date
    ],
)
def test_seed_article(published: datetime | None, dates: list[date | None], inferred: bool | None) -> None:
    text = SEED.read_text(encoding="utf-8")
    mentions = find_dates(text, published)
    assert [(m.date, m.year_inferred, m.calendar, m.precision, m.month, m.day) for m in mentions] == [
        (dates[0], inferred, "gregorian", "day", 2, 18),
        (dates[1], inferred, "gregorian", "day", 2, 27),
    ]
    assert [text[m.start : m.end] for m in mentions] == [m.text for m in mentions]


GREGORIAN_NAMES = [
    *[(n, 1) for n in ("يناير", "كانون الثاني", "كانون ثاني", "جانفي")],
    *[(n, 2) for n in ("فبراير", "شباط", "فيفري")],
    *[(n, 3) for n in ("مارس", "آذار", "اذار")],
    *[(n, 4) for n in ("أبريل", "إبريل", "ابريل", "نيسان", "أفريل")],
    *[(n, 5) for n in ("مايو", "أيار", "ايار", "ماي")],
    *[(n, 6) for n in ("يونيو", "يونيه", "حزيران", "جوان")],
    *[(n, 7) for n in ("يوليو", "يوليه", "تموز", "جويلية", "يوليوز")],
    *[(n, 8) for n in ("أغسطس", "اغسطس", "آب", "أوت", "غشت")],
    *[(n, 9) for n in ("سبتمبر", "أيلول", "ايلول", "شتنبر")],
    *[(n, 10) for n in ("أكتوبر", "اكتوبر", "تشرين الأول", "تشرين الاول")],
    *[(n, 11) for n in ("نوفمبر", "تشرين الثاني", "نونبر")],
    *[(n, 12) for n in ("ديسمبر", "كانون الأول", "كانون الاول", "دجنبر")],
]


@pytest.mark.parametrize(("name", "month"), GREGORIAN_NAMES)
def test_gregorian_month_names(name: str, month: int) -> None:
    text = f"عُقد اللقاء في 9 {name} 2019 في المدينة."
    assert found(text) == [Expected(f"9 {name} 2019", date(2019, month, 9).isoformat())]


HIJRI_NAMES = [
    ("محرم", 1),
    ("المحرم", 1),
    ("صفر", 2),
    ("ربيع الأول", 3),
    ("ربيع الاول", 3),
    ("ربيع الآخر", 4),
    ("ربيع الثاني", 4),
    ("جمادى الأولى", 5),
    ("جمادى الاولى", 5),
    ("جمادى الآخرة", 6),
    ("جمادى الثانية", 6),
    ("رجب", 7),
    ("شعبان", 8),
    ("رمضان", 9),
    ("شوال", 10),
    ("ذو القعدة", 11),
    ("ذي القعدة", 11),
    ("ذو الحجة", 12),
    ("ذي الحجة", 12),
]


@pytest.mark.parametrize(("name", "month"), HIJRI_NAMES)
@pytest.mark.parametrize("year", [1350, 1440, 1499])
def test_hijri_conversion_matches_hijridate(name: str, month: int, year: int) -> None:
    text = f"صدر المرسوم في 9 {name} {year} هـ."
    expected = Hijri(year, month, 9).to_gregorian()
    assert found(text) == [Expected(f"9 {name} {year} هـ", expected.isoformat(), "hijri")]


def test_hijri_year_out_of_hijridate_range_is_left_out() -> None:
    assert found("توفي سنة 440 هـ وولد 1200هـ.") == []


@pytest.mark.parametrize("published", [PUBLISHED, None])
def test_records_fit_the_schema(published: date | None) -> None:
    text = "في 18 شباط الماضي و4 رمضان 1436هـ وعام 2020"
    records = date_records(text, published)
    array = pa.array(records, type=DATE)
    assert array.to_pylist() == records
    assert [r["precision"] for r in records] == ["day", "day", "year"]
    assert [(r["month"], r["day"]) for r in records] == [(2, 18), (9, 4), (None, None)]
    assert [text[r["start"] : r["end"]] for r in records] == [r["text"] for r in records]
    assert (records[0]["date"] is None) == (published is None)


# --- the hand-labelled articles ---


def _read_record(article: dict) -> tuple[str, datetime]:
    path = CORPUS / article["source"]
    with (
        gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8") as fh
    ):
        for i, line in enumerate(fh):
            if i < article.get("line", 0):
                continue
            record = json.loads(line)
            if record["id"] == article["id"]:
                return record[article["field"]], datetime.fromisoformat(article["published"])
    raise KeyError(article["id"])


def _matches(gold: dict, m: DateMention, with_value: bool) -> bool:
    overlap = gold["start"] < m.end and m.start < gold["end"]
    return overlap and (
        not with_value or (m.date.isoformat(), m.precision) == (gold["date"], gold["precision"])
    )


def test_hand_labelled_articles(corpus: Path) -> None:
    labels = json.loads(LABELS.read_text(encoding="utf-8"))["articles"]
    assert len(labels) >= 20
    counts = {False: [0, 0, 0, 0], True: [0, 0, 0, 0]}  # right, predicted, found, gold
    for article in labels:
        text, published = _read_record(article)
        mentions = find_dates(text, published)
        for m in mentions:
            assert text[m.start : m.end] == m.text
        for with_value, c in counts.items():
            c[0] += sum(any(_matches(g, m, with_value) for g in article["dates"]) for m in mentions)
            c[1] += len(mentions)
            c[2] += sum(any(_matches(g, m, with_value) for m in mentions) for g in article["dates"])
            c[3] += len(article["dates"])
    for with_value, (right, predicted, hit, gold) in counts.items():
        precision, recall = right / predicted, hit / gold
        kind = "span+value" if with_value else "span"
        print(f"dates, hand-labelled, {kind}: P={precision:.3f} R={recall:.3f}")
        assert precision >= (0.9 if with_value else 0.95)
        assert recall >= (0.9 if with_value else 0.93)


@pytest.mark.parametrize(
    ("text", "published", "expected", "calendar"),
    [
        # Gulf papers write the Hijri year bare; 1436 AH began on 2014-10-25.
        ("في عام 1436 أطلقت الوزارة", "2015-03-01", "2014-10-25", "hijri"),
        ("في عام 1436 أطلقت الوزارة", None, "2014-10-25", "hijri"),
        # Outside the window around the publication's Hijri year: a Gregorian year.
        ("عام 1453 سقطت القسطنطينية", "2015-03-01", "1453-01-01", "gregorian"),
        # A marked year keeps its marker's calendar.
        ("عام 1391م", "2015-03-01", "1391-01-01", "gregorian"),
        ("العام 1435هـ", None, "2013-11-04", "hijri"),
    ],
)
def test_unmarked_year_in_the_recent_hijri_range_is_hijri(
    text: str, published: str | None, expected: str, calendar: str
) -> None:
    reference = date.fromisoformat(published) if published else None
    (mention,) = find_dates(text, reference)
    assert (mention.date.isoformat(), mention.calendar) == (expected, calendar)


@pytest.mark.parametrize("text", ["قطع مسافة 3000م سباحة", "على عمق ٤٠٠٠ م تحت سطح البحر"])
def test_metres_are_not_years(text: str) -> None:
    assert find_dates(text) == []


def test_trigger_scan_finds_what_the_plain_pattern_finds(corpus: Path) -> None:
    import re

    from akhbar.extract import dates

    plain = re.compile(
        dates._loosen(rf"\d{{4}}|{dates._WORD_START}{dates._MONTH_RE}{dates._NOT_LETTER_AFTER}")
    )
    with gzip.open(corpus / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz", "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["content"] for _, line in zip(range(300), f, strict=False)]
    # every month spelling, bare, glued to و / ف, after a letter (no trigger) and with a diacritic
    texts += [f"{p}{m} 2020" for m in dates._MONTHS for p in ("", "و", "ف", "ب", " ")]
    texts += [dates._loosen(m) for m in dates._MONTHS] + ["يَناير", "ىناير", "آب", "إبريل"]
    found = [[m.span() for m in dates._TRIGGERS.finditer(t)] for t in texts]
    assert found == [[m.span() for m in plain.finditer(t)] for t in texts]
    assert sum(map(len, found)) > 300
