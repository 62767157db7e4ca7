"""Seed article, first cut of extraction: exactly the values the issue names."""

from __future__ import annotations

import pytest

from akhbar.boilerplate import MEDIA, PARAGRAPH, Block, segment, split_code_residue
from akhbar.extract.structure import Caption, extract_structure, parse_caption
from akhbar.ingest.text_files import split_headline
from akhbar.normalize import clean_text
from tests.support import SEED

SEED_TITLE = "روسيا: تقدم في محادثات إسطنبول مع الولايات المتحدة بشأن البعثات الدبلوماسية"
SEED_CAPTION = (
    "سيارة تقل مسؤولين أميركيين تدخل القنصلية الروسية، مكان إجراء المفاوضات مع وفد من روسيا في إسطنبول"
)


@pytest.fixture(scope="module")
def seed():
    title, body = split_headline(SEED.read_text(encoding="utf-8"))
    segmented = segment(clean_text(body))
    return extract_structure(title, segmented.blocks), segmented.removed


def test_seed_title(seed) -> None:
    assert seed[0].title == SEED_TITLE


def test_seed_lead(seed) -> None:
    lead = seed[0].lead
    assert lead.startswith("رئيس الوفد الروسي في المحادثات مع الدبلوماسيين الأميركيين")
    assert lead.endswith("وأسفرت عن تقدّم في تطبيع عمل البعثات الدبلوماسية.")
    assert lead not in seed[0].paragraphs


def test_seed_caption_and_credit(seed) -> None:
    assert seed[0].captions == [Caption(SEED_CAPTION, "سبوتنيك")]


@pytest.mark.parametrize("chrome", ["0:00", "• الروسي", "اخترنا لك", "سبوتنيك", SEED_CAPTION])
def test_seed_chrome_absent_from_body(seed, chrome: str) -> None:
    assert chrome not in seed[0].body


def test_seed_body(seed) -> None:
    structure = seed[0]
    assert structure.paragraphs[0].startswith("أكد ألكسندر دارتشييف، رئيس الوفد الروسي")
    assert structure.paragraphs[-1].startswith("حلف الناتو يحاول التمدد")
    assert len(structure.paragraphs) == 8
    assert structure.body == "\n".join(structure.paragraphs)


def test_seed_removed_lines_are_recorded(seed) -> None:
    assert [(r.text, r.rule) for r in seed[1]] == [
        ("0:00", "player_timestamp"),
        ("• الروسي", "media_bullet"),
        ("اخترنا لك", "related_footer"),
    ]


@pytest.mark.parametrize(
    ("text", "blocks", "rules"),
    [
        # short bullets outside a media block are real lists, not chrome
        ("• سؤال قصير؟\n•• جواب.", [("• سؤال قصير؟", PARAGRAPH), ("•• جواب.", PARAGRAPH)], []),
        (
            "فقرة\n\n1:23 / 4:56\nصورة (رويترز)\n\nفقرة ثانية",
            [("فقرة", PARAGRAPH), ("صورة (رويترز)", MEDIA), ("فقرة ثانية", PARAGRAPH)],
            ["player_timestamp"],
        ),
        (
            "فقرة\nتصفح المزيد\nعنوان آخر\nعنوان ثالث",
            [("فقرة", PARAGRAPH)],
            ["related_footer", "after_related_footer", "after_related_footer"],
        ),
        ("فقرة\n© 2024 جميع الحقوق", [("فقرة", PARAGRAPH)], ["copyright_footer"]),
        ("الساعة 10:30 صباحا", [("الساعة 10:30 صباحا", PARAGRAPH)], []),
    ],
)
def test_segment(text: str, blocks: list[tuple[str, str]], rules: list[str]) -> None:
    segmented = segment(text)
    assert [(b.text, b.kind) for b in segmented.blocks] == blocks
    assert [r.rule for r in segmented.removed] == rules


@pytest.mark.parametrize(
    ("text", "caption"),
    [
        ("صورة أرشيفية (أ ف ب)", Caption("صورة أرشيفية", "أ ف ب")),
        ("بلا مصدر", Caption("بلا مصدر", None)),
        ("(رويترز)", Caption("(رويترز)", None)),
    ],
)
def test_parse_caption(text: str, caption: Caption) -> None:
    assert parse_caption(text) == caption


def test_source_lead_removed_from_body_top() -> None:
    blocks = [Block("الملخص هنا.", PARAGRAPH), Block("النص الأول.", PARAGRAPH)]
    structure = extract_structure("عنوان", blocks, lead="الملخص  هنا.", tags=["أ", "أ", "ب"])
    assert structure.lead == "الملخص  هنا."
    assert structure.paragraphs == ["النص الأول."]
    assert structure.tags == ["أ", "ب"]


def test_first_paragraph_is_lead_when_no_standfirst() -> None:
    blocks = [Block("الأولى.", PARAGRAPH), Block("الثانية.", PARAGRAPH)]
    structure = extract_structure("عنوان", blocks)
    assert structure.lead == "الأولى."
    assert structure.paragraphs == ["الأولى.", "الثانية."]


@pytest.mark.parametrize(
    ("paragraph", "source_lead", "lead"),
    [
        ("قال الوزير إن الاتفاق نهائي. وأضاف أن التنفيذ يبدأ غدا.", None, "قال الوزير إن الاتفاق نهائي."),
        ("قال الوزير إن الاتفاق نهائي", None, None),
        # A TV report whose whole text is the source's lead: the text is the body, not both.
        ("قتل ثلاثة في الخليل.", "قتل ثلاثة في الخليل.", None),
    ],
)
def test_one_paragraph_article_lead_never_equals_body(
    paragraph: str, source_lead: str | None, lead: str | None
) -> None:
    structure = extract_structure("عنوان", [Block(paragraph, PARAGRAPH)], lead=source_lead)
    assert structure.paragraphs == [paragraph]
    assert structure.lead == lead


@pytest.mark.parametrize(
    ("line", "head", "has_code"),
    [
        (
            "ما رأيك؟ #vote_area2 ul { padding: 0; margin: 0; } jQuery.noConflict(); "
            "jQuery(document).ready(function(){ x(); }); نعم لا",
            "ما رأيك؟",
            True,
        ),
        (".box { color: red; } jQuery(document).ready(function(){});", "", True),
        ("قال إن الدالة function() { مهمة", "قال إن الدالة function() { مهمة", False),
        ("نص عادي بلا شيفرة", "نص عادي بلا شيفرة", False),
    ],
)
def test_split_code_residue(line: str, head: str, has_code: bool) -> None:
    got_head, tail = split_code_residue(line)
    assert got_head == head
    assert (tail is not None) == has_code
