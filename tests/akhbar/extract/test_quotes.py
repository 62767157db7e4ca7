"""Quotes with speakers, on the seed and on sentences written for these tests."""

from __future__ import annotations

import pytest

from akhbar.boilerplate import segment
from akhbar.extract.quotes import Quote, find_quotes
from akhbar.extract.structure import extract_structure
from akhbar.ingest.text_files import split_headline
from akhbar.normalize import clean_text
from tests.support import SEED


def test_seed_six_quotes_one_speaker() -> None:
    title, body = split_headline(SEED.read_text(encoding="utf-8"))
    paragraphs = extract_structure(title, segment(clean_text(body)).blocks).paragraphs
    quotes = find_quotes(paragraphs)
    assert len(quotes) == 6
    assert {q.speaker for q in quotes} == {"ألكسندر دارتشييف"}
    assert [q.verb for q in quotes] == ["أكد", "أشار", "قال", "لفت", "بحسب", "مشيراً"]
    assert [q.paragraph for q in quotes] == [0, 1, 2, 3, 4, 4]
    assert quotes[0].text.startswith("المفاوضات بين روسيا والولايات المتحدة")
    assert quotes[-1].text == "لن يكون من السهل حلّ هذه العقدة الضيّقة"


@pytest.mark.parametrize(
    ("paragraph", "speaker"),
    [
        # A name the verb runs straight into the quote with, or followed by where it was said.
        ("وأكد بينيتيز «سيبقى راموس معنا في الموسم المقبل بالتأكيد».", "بينيتيز"),
        ("وقال بنيتيز في ملبورن حيث سيلتقي فريقه «الأمر بسيط جدا وليس لدي ما أقوله».", "بنيتيز"),
        ("وأضاف محمود في كلمة «إن الحكومة ستعمل على تحقيق الأمن في البلاد».", "محمود"),
        # A relative clause or a role in apposition ends the name.
        (
            'وقال عبدالرحمن القرني وهو أحد شهود العيان لـ "سبق": "وقع الحادث عصر أمس على الطريق".',
            "عبدالرحمن القرني",
        ),
        ('وطالب علي بلحاج الرئيس السابق للجبهة بـ"فتح الحدود بين البلدين فورا ودون شروط".', "علي بلحاج"),
        # A title starts the name after a long role.
        (
            'وقال رئيس مجلس إدارة المركز للثقافة الدكتور جمال أبو ظريفة إن "المركز يقدم برامج كثيرة".',
            "الدكتور جمال أبو ظريفة",
        ),
        # An object, an adverb or a pronoun object is not a name.
        ('وأكدت عدم وجود "أي اتفاق بين الطرفين حتى هذه اللحظة".', None),
        ("وقال بدوره «إن الأمور تسير على ما يرام حتى الآن».", None),
        ("وقال لي «إن الأمور تسير على ما يرام حتى الآن».", None),
    ],
)
def test_speaker_boundaries(paragraph: str, speaker: str | None) -> None:
    (quote,) = find_quotes([paragraph])
    assert quote.speaker == speaker


@pytest.mark.parametrize(
    "paragraph",
    [
        'وقال لـ«الشرق الأوسط» إن "الحكومة ستعلن الخطة الجديدة قريبا جدا".',
        'وأضاف قائلاً: "إن الأمور تسير على ما يرام تماما".',
        'وذلك وفقاً له "لأن الخطة لم تكتمل بعد كما يجب".',
        # a tatweel kept as a dash stands where a speaker could: no name, no speaker (it crashed)
        "وأضاف ـ إن «هذا كلام طويل جدا من المتحدث الرسمي اليوم»",
        "«هذا كلام طويل جدا من المتحدث الرسمي اليوم» قال ـ",
    ],
)
def test_function_words_and_addressees_are_not_speakers(paragraph: str) -> None:
    (quote,) = find_quotes([paragraph])
    assert quote.speaker is None


@pytest.mark.parametrize(
    ("paragraph", "speaker", "verb"),
    [
        ('وقالت الوزيرة سلمى حداد إن "الخطة ستنفذ خلال أسابيع قليلة".', "الوزيرة سلمى حداد", "قالت"),
        ('وأكدوا في بيان أن "المطالب لم تتحقق حتى الآن".', None, "أكدوا"),
        ("«الوضع لا يحتمل مزيدا من التأخير»، قال المتحدث باسم الحكومة.", "المتحدث باسم الحكومة", "قال"),
        ('وتتجه الأمور، بحسب مصدر دبلوماسي، إلى "تهدئة شاملة في الأيام المقبلة".', "مصدر دبلوماسي", "بحسب"),
        ('ونقل التلفزيون عن الوزير قوله إن "الحدود ستفتح غدا صباحا".', "الوزير", "نقل"),
        ("أعلن الجيش: “سنرد على أي هجوم بقوة”.", "الجيش", "أعلن"),
    ],
)
def test_attribution_forms(paragraph: str, speaker: str | None, verb: str | None) -> None:
    quotes = find_quotes([paragraph])
    assert len(quotes) == 1
    if verb is not None:
        assert quotes[0].verb == verb
    if speaker is not None:
        assert quotes[0].speaker == speaker


@pytest.mark.parametrize(
    "paragraph",
    [
        'وانتشر "الجيش" في المنطقة بعد اجتماع "الكابينت" مساء أمس.',
        'وصدر كتاب بعنوان "أيام في المدينة القديمة" عن دار نشر محلية.',
        'وكُتب على اللافتات "لا للحرب على المدنيين الأبرياء".',
    ],
)
def test_not_utterances(paragraph: str) -> None:
    assert find_quotes([paragraph]) == []


def test_continuations_go_to_the_previous_speaker_and_names_resolve() -> None:
    paragraphs = [
        'قال رئيس البلدية كريم منصور إن "العمل بدأ في الحي الشرقي".',
        'وأضاف أن "المرحلة الثانية تبدأ الشهر المقبل"، مشيراً إلى أن "التمويل مؤمن بالكامل هذا العام".',
        'وبحسب منصوري، فإن "الأعمال ستنتهي قبل الشتاء المقبل".',
    ]
    quotes = find_quotes(paragraphs)
    assert [q.paragraph for q in quotes] == [0, 1, 1, 2]
    assert {q.speaker for q in quotes} == {"رئيس البلدية كريم منصور"}
    assert all(isinstance(q, Quote) for q in quotes)
