"""Chrome rules, site profiles, bylines and stock paragraphs, on small texts of our own."""

from __future__ import annotations

import pytest

from akhbar.boilerplate import PARAGRAPH, is_flattened, resegment_flattened, segment
from akhbar.extract.byline import split_byline
from akhbar.extract.structure import Block, extract_structure
from akhbar.profiles import load_profiles, profile_for
from akhbar.stock_paragraphs import find_stock_paragraphs, paragraph_hash, stock_positions


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("اليوم 06:42", "widget_time"),
        ("20 اب", "widget_time"),
        ("4 أيلول 11:16", "widget_time"),
        ("اليوم اليوم 9 أيلول 9 أيلول", "widget_time"),
        ("...المزيد", "read_more"),
        ("***", "separator"),
        (".", "separator"),
        ("AHDATH.INFO", "site_name"),
        ("بيان مهم #وسم pic.twitter.com/AbC123", "embedded_tweet"),
        ("© 2015 جميع الحقوق محفوظة", "copyright_footer"),
    ],
)
def test_generic_chrome_rules(line: str, rule: str) -> None:
    segmented = segment(f"فقرة أولى من الخبر.\n{line}\nفقرة ثانية من الخبر.")
    assert [b.text for b in segmented.blocks] == ["فقرة أولى من الخبر.", "فقرة ثانية من الخبر."]
    assert [(r.text, r.rule) for r in segmented.removed] == [(line, rule)]


@pytest.mark.parametrize(
    "line",
    [
        "13 نيسان 1975 تاريخ لا ينساه اللبنانيون.",
        "اليوم الاثنين أعلنت الوزارة.",
        "• سؤال قصير؟",
        "في 20 اب وصل الوفد.",
    ],
)
def test_content_that_resembles_chrome_is_kept(line: str) -> None:
    assert [b.text for b in segment(line).blocks] == [line]


def test_slider_controls_and_tag_block() -> None:
    segmented = segment("Next Previous عين اليوم – الرياض\nنص الخبر.\nالوسوم: السعودية، الطقس، الرياض")
    assert [b.text for b in segmented.blocks] == ["عين اليوم – الرياض", "نص الخبر."]
    assert segmented.tags == ["السعودية", "الطقس", "الرياض"]
    assert [r.rule for r in segmented.removed] == ["slider_controls", "tag_block"]


def test_site_profile_by_source_and_domain() -> None:
    assert {p.name for p in load_profiles()} >= {"almayadeen", "ahdath", "saudi_outlets"}
    assert profile_for("almayadeen", None).name == "almayadeen"
    assert profile_for("my-dump", "https://www.almayadeen.net/news/x").name == "almayadeen"
    assert profile_for("my-dump", "https://example.com/x") is None
    text = "نص الخبر.\nشبكة الميادين الإعلامية قناة فضائية عربية إخبارية مستقلة انطلقت\nتصفح المزيد\nرابط"
    segmented = segment(text, profile_for("almayadeen", None))
    assert [b.text for b in segmented.blocks] == ["نص الخبر."]
    assert [r.rule for r in segmented.removed] == [
        "profile:almayadeen",
        "related_footer",
        "after_related_footer",
    ]


@pytest.mark.parametrize(
    ("paragraph", "byline", "rest"),
    [
        ("عين اليوم – متابعات", "عين اليوم – متابعات", None),
        ("الرياض - واس", "الرياض - واس", None),
        ("كتب: محمد علي", "كتب: محمد علي", None),
        ("سبق- الدمام: قالت مؤسسة الجسر في بيان أمس", "سبق- الدمام", "قالت مؤسسة الجسر في بيان أمس"),
        ("جنيف (رويترز) - قال تقرير اليوم إن", "جنيف (رويترز)", "قال تقرير اليوم إن"),
        ("أكد الوزير، رئيس الوفد، أن المحادثات جرت", None, "أكد الوزير، رئيس الوفد، أن المحادثات جرت"),
        ("قال الوزير: إن الوضع صعب جدا", None, "قال الوزير: إن الوضع صعب جدا"),
        ("أولاً - الاقتصاد", None, "أولاً - الاقتصاد"),
    ],
)
def test_split_byline(paragraph: str, byline: str | None, rest: str | None) -> None:
    assert split_byline(paragraph) == (byline, rest)


def test_byline_becomes_a_field_not_body() -> None:
    blocks = [Block("الرياض - واس", PARAGRAPH), Block("أعلنت الوزارة اليوم.", PARAGRAPH)]
    structure = extract_structure("عنوان", blocks)
    assert structure.byline == "الرياض - واس"
    assert structure.paragraphs == ["أعلنت الوزارة اليوم."]


def test_lead_cut_into_sentences_is_removed_from_body() -> None:
    blocks = [
        Block("الجملة الأولى.", PARAGRAPH),
        Block("الجملة الثانية.", PARAGRAPH),
        Block("النص.", PARAGRAPH),
    ]
    structure = extract_structure("عنوان", blocks, lead="الجملة الأولى. الجملة الثانية.")
    assert structure.paragraphs == ["النص."]


def test_stock_paragraphs_found_by_frequency() -> None:
    stock_text = "هذه فقرة تعريفية ثابتة تتكرر تحت المقالات"
    articles = [("site", f"عنوان {i}", [f"افتتاحية {i}", f"متن {i}", stock_text]) for i in range(5)]
    articles += [("other", "عنوان", ["افتتاحية", stock_text])]  # another source: not counted
    articles += [("site", "عنوان 0", ["افتتاحية", "متن مكرر", "متن مكرر"])]  # same title: one article
    stock = find_stock_paragraphs(articles)
    assert stock == {"site": frozenset({paragraph_hash(stock_text)})}
    assert stock_positions("site", ["افتتاحية", "متن", stock_text], stock) == [2]
    assert stock_positions("site", [stock_text, stock_text], stock) == [1]  # never the first
    assert stock_positions("other", ["افتتاحية", stock_text], stock) == []


def test_resegment_flattened_text() -> None:
    flat = (
        "الجملة الأولى من الخبر طويلة بما يكفي. قال د. أحمد إن الوضع تحسن.   اليوم 06:42   20 اب  "
        "والجملة الأخيرة من المتن هنا. " + "كلمة " * 40
    )
    assert is_flattened(flat)
    lines = resegment_flattened(flat).split("\n")
    assert lines[:4] == [
        "الجملة الأولى من الخبر طويلة بما يكفي.",
        "قال د. أحمد إن الوضع تحسن.",
        "اليوم 06:42",
        "20 اب",
    ]
    assert not is_flattened("سطر\nسطر آخر")
    assert resegment_flattened("قصير. جدا.") == "قصير. جدا."


def test_lead_only_report_keeps_its_text_and_chrome_only_page_is_quarantined(tmp_path) -> None:
    import json

    from akhbar.ingest import SourceConfig, read_sources
    from akhbar.runner import extract_fields, normalize_articles
    from akhbar.stages.extract_fields import EMPTY_BODY_REASON, split_empty_bodies

    dump = tmp_path / "d.jsonl"
    lead = "ملخص التقرير المصور عن الوضع في المدينة."
    dump.write_text(
        json.dumps({"id": "1", "title": "تقرير", "lead": lead, "text": lead + "\nجميع الحقوق محفوظة"})
        + "\n"
        + json.dumps({"id": "2", "title": "صفحة", "text": "اليوم 06:42\nتصفح المزيد\nرابط"})
        + "\n",
        encoding="utf-8",
    )
    fields = extract_fields(
        normalize_articles(read_sources([SourceConfig("d", str(dump), "jsonl")]).articles)
    )
    kept, quarantine = split_empty_bodies(fields)
    assert kept["body"].to_pylist() == [lead]
    assert quarantine["reason"].to_pylist() == [EMPTY_BODY_REASON]
    assert quarantine["origin"].to_pylist() == ["d.jsonl#L2"]
