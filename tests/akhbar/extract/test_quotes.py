"""Quotes with speakers, on the seed and on sentences written for these tests."""

from __future__ import annotations

import pytest

from akhbar.boilerplate import segment
from akhbar.extract.entities import Entity
from akhbar.extract.quotes import Quote, _joined, _not_a_subject, find_quotes, quotations
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
            "جمال أبو ظريفة",  # without the honorific, as the gold labels give names
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
        # the role is not part of the name: the person is "سلمى حداد"
        ('وقالت الوزيرة سلمى حداد إن "الخطة ستنفذ خلال أسابيع قليلة".', "سلمى حداد", "قالت"),
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
    # the role given with the name is not part of it (it was, before speakers were bounded by
    # entity spans); "منصوري" is the same person misspelt
    assert {q.speaker for q in quotes} == {"كريم منصور"}
    assert all(isinstance(q, Quote) for q in quotes)


# Speakers that researchers can trust: each rule on sentences written for these tests.


@pytest.mark.parametrize(
    ("paragraphs", "speakers"),
    [
        # an organisation given in full, a quoted name ending it
        (['وقالت وكالة "النبأ" المحلية إن "الاجتماع سيعقد في موعده المقرر بلا تأجيل".'], ["وكالة النبأ"]),
        (
            [
                "أصدرت هيئة الطاقة الذرية الوطنية تقريرها السنوي أمس.",
                'وقالت الهيئة إن "مستوى الأمان في المنشآت ارتفع خلال العام الماضي".',
            ],
            ["هيئة الطاقة الذرية الوطنية"],
        ),
        # a name runs on into a clause or an object: the speaker ends with the name
        (['وحذر سامر الخطيب من عدم إمكان أحد إصلاحه، وقال إن "الوقت ينفد أمامنا جميعا".'], ["سامر الخطيب"]),
        (["وأضاف رومان دون الكشف عن التفاصيل «إذا سار كل شيء حسب الخطة فسنبدأ غدا»."], ["رومان"]),
        (['وصرح مسؤول محلي رفض الكشف عن هويته قائلا "الطريق سيغلق طوال الأسبوع المقبل".'], ["مسؤول محلي"]),
    ],
)
def test_speaker_is_the_complete_name(paragraphs: list[str], speakers: list[str | None]) -> None:
    assert [q.speaker for q in find_quotes(paragraphs)] == speakers


@pytest.mark.parametrize(
    ("paragraphs", "speakers"),
    [
        # the same role next to a name elsewhere in the article
        (
            [
                "التقى رئيس لجنة المالية في البرلمان، ياسر العمري، وفدا من المستثمرين.",
                'وقال رئيس لجنة المالية في البرلمان إن "الميزانية الجديدة ستعرض قريبا على النواب".',
            ],
            ["ياسر العمري"],
        ),
        # a role after a named speaker with the same role word
        (
            [
                'وقال وزير النقل العام فادي سلوم إن "الخطوط الجديدة تفتتح هذا الصيف في المدينة".',
                'ولفت وزير النقل إلى أن "الأسعار لن ترتفع هذا العام على الإطلاق".',
            ],
            ["فادي سلوم", "فادي سلوم"],
        ),
        # a role with a name set off by commas in the same sentence
        (['وقال كبير الباحثين في المعهد، ماهر العلي، "إن النتائج مشجعة جدا حتى الآن".'], ["ماهر العلي"]),
    ],
)
def test_roles_resolve_to_the_named_person(paragraphs: list[str], speakers: list[str | None]) -> None:
    assert [q.speaker for q in find_quotes(paragraphs)] == speakers


@pytest.mark.parametrize(
    ("paragraphs", "speakers"),
    [
        (
            [
                'قال المهندس وليد حمدان إن "العمل في الجسر يسير وفق الجدول المحدد".',
                'وأضاف أن "المرحلة الأخيرة تبدأ في الشهر المقبل"، مؤكدا أن "التمويل متوفر لهذا العام".',
                'وتابع: "لا توجد أي عقبات فنية أمام المشروع حتى الآن".',
            ],
            ["وليد حمدان"] * 4,
        ),
        # the previous sentence names a new speaker without a quote: the continuation is theirs
        (
            [
                'قال المهندس وليد حمدان إن "العمل في الجسر يسير وفق الجدول المحدد".',
                "وقال رامي الشامي، إن البلدية ستراقب الأعمال عن قرب.",
                'وأضاف أن "الرقابة ستشمل جميع المواقع في المدينة دون استثناء".',
            ],
            ["وليد حمدان", "رامي الشامي"],
        ),
        # a subject written before its verb
        (['وكان رئيس الاتحاد، عادل نصار، قد أكد أن "البطولة ستقام في موعدها المحدد".'], ["عادل نصار"]),
    ],
)
def test_continuations_take_the_previous_speaker(paragraphs: list[str], speakers: list[str | None]) -> None:
    assert [q.speaker for q in find_quotes(paragraphs)] == speakers


@pytest.mark.parametrize(
    ("paragraphs", "speakers"),
    [
        # the outlet spoken to is not the speaker
        (['وأوضحت لوكالة "الأنباء" أن "تربية المواشي لم تعد مربحة في هذه الظروف".'], [None]),
        (['وقالوا لسمير "إن الأمر لا يحتمل التأجيل أكثر من ذلك".'], [None]),
        # "في البيان": the body that issued the statement, when it is named
        (
            [
                'وقالت الوزارة في بيان لها إن "البعثة عثرت على مبان أثرية كثيرة".',
                'وأوضح البيان أن "أعمال التنقيب ستستمر حتى نهاية العام الجاري".',
            ],
            ["الوزارة", "الوزارة"],
        ),
        (['وأوضح البيان أن "أعمال التنقيب ستستمر حتى نهاية العام الجاري".'], [None]),
        # "وعن X قال": X is what was spoken about
        (["وعن المدرب قال «إنه يقوم بعمل رائع مع الفريق هذا الموسم»."], [None]),
    ],
)
def test_a_prepositional_phrase_is_never_a_speaker(paragraphs: list[str], speakers: list[str | None]) -> None:
    assert [q.speaker for q in find_quotes(paragraphs)] == speakers


def test_a_quoted_name_as_subject_is_not_an_utterance() -> None:
    quotes = find_quotes(['وقالت "جمعية أصدقاء البيئة في الساحل" إن "التلوث بلغ مستويات خطيرة جدا".'])
    assert [(q.text, q.speaker) for q in quotes] == [
        ("التلوث بلغ مستويات خطيرة جدا", "جمعية أصدقاء البيئة في الساحل")
    ]


def test_given_entities_set_the_boundaries() -> None:
    paragraph = 'وقال عضو المجلس البلدي نادر قاسم إن "المشروع سيكتمل قبل الصيف المقبل".'
    start = paragraph.index("نادر قاسم")
    person = Entity("نادر قاسم", "PER", start, start + len("نادر قاسم"))
    assert [q.speaker for q in find_quotes([paragraph], [person])] == ["نادر قاسم"]
    # without entities the name is the words without the article after the role's
    assert [q.speaker for q in find_quotes([paragraph], [])] == ["نادر قاسم"]


# Quotes found by category (issue 17, second round): each rule on sentences written for these tests.
_UTTERANCE = "«الوضع لا يحتمل مزيدا من التأخير أبدا»"


@pytest.mark.parametrize(
    ("paragraph", "speaker"),
    [
        # a post's text opening the paragraph, its caption naming who said it
        (f"{_UTTERANCE} مراسل #القناة في #المدينة سامر ناجي #أخبار_اليوم pic.twitter.com/abc", "سامر ناجي"),
        (
            f"{_UTTERANCE}.الصحافي في منصة الأفق رامي حداد في #برنامج #أخبار @abc pic.twitter.com/x",
            "رامي حداد",
        ),
        (f"{_UTTERANCE} الكاتب وليد منصور لـ #القناة #أخبار pic.twitter.com/x", "وليد منصور"),
    ],
)
def test_captions_of_embedded_posts(paragraph: str, speaker: str) -> None:
    assert [q.speaker for q in find_quotes([paragraph], [])] == [speaker]


@pytest.mark.parametrize(
    "paragraph",
    [
        # prose opening with a quote and no cue, no link, no hashtag: not a post
        f"{_UTTERANCE} عبارة ترددت كثيرا",
        # a quote in the middle of a paragraph is no post's text
        f"وانتشرت صور {_UTTERANCE} سامر ناجي #أخبار pic.twitter.com/x",
    ],
)
def test_no_caption_without_a_post(paragraph: str) -> None:
    assert find_quotes([paragraph], []) == []


@pytest.mark.parametrize(
    ("paragraphs", "speaker", "verb"),
    [
        ([f"{_UTTERANCE}، كما قال رئيس الوزراء."], "رئيس الوزراء", "قال"),
        ([f"{_UTTERANCE} يقول خالد يوسف."], "خالد يوسف", "يقول"),
        ([f"{_UTTERANCE}، وفقاً لـ سامر ناجي."], "سامر ناجي", "وفقاً"),
        ([f"{_UTTERANCE}، على حد تعبير سامر ناجي."], "سامر ناجي", "على حد"),
        # "على حد تعبيره": the previous speaker
        (
            ["قال الوزير سمير حداد إن «العمل مستمر في كل المواقع».", f"{_UTTERANCE}، على حد تعبيره."],
            "سمير حداد",
            "على حد",
        ),
    ],
)
def test_cues_after_the_quote(paragraphs: list[str], speaker: str, verb: str) -> None:
    quote = find_quotes(paragraphs, [])[-1]
    assert (quote.speaker, quote.verb) == (speaker, verb)


@pytest.mark.parametrize(
    ("paragraph", "speaker", "verb"),
    [
        # a final weak letter drops before the feminine and plural endings
        (f"ورأت الباحثة سلمى حداد أنّ {_UTTERANCE}.", "سلمى حداد", "رأت"),
        (f"ونفت شركة النور أن {_UTTERANCE}.", "شركة النور", "نفت"),
        (f"ودعوا سامر ناجي إلى {_UTTERANCE}.", None, "دعوا"),
        # verbs of stating beyond "said"; "بيّن" with its shadda
        (f"وجزم سامر ناجي بأنّ {_UTTERANCE}.", "سامر ناجي", "جزم"),
        (f"وبيّن سامر ناجي أنّ {_UTTERANCE}.", "سامر ناجي", "بيّن"),
        (f"وأقرّ سامر ناجي بأنّ {_UTTERANCE}.", "سامر ناجي", "أقرّ"),
        # a quoted name in a subject written before its verb
        (f'وكانت صحيفة "الأفق" زعمت أنّ {_UTTERANCE}.', "صحيفة الأفق", "زعمت"),
    ],
)
def test_verbs_of_stating(paragraph: str, speaker: str | None, verb: str) -> None:
    organisation = paragraph.find("صحيفة")
    entities = [Entity("صحيفة الأفق", "ORG", organisation, organisation + 13)] if organisation >= 0 else []
    (quote,) = find_quotes([paragraph], entities)
    assert quote.verb == verb
    if speaker is not None:
        assert quote.speaker == speaker


def test_a_preposition_like_a_verb_is_no_cue() -> None:
    # "بين" (between) is not "بيّن" (showed): the quote goes to the verb before it
    (quote,) = find_quotes([f"وقال سامر ناجي إن الخلاف بين الطرفين {_UTTERANCE}."], [])
    assert (quote.speaker, quote.verb) == ("سامر ناجي", "قال")


@pytest.mark.parametrize(
    ("paragraph", "speaker"),
    [
        # the tagger found no person: the name after the role's place phrase
        (f"وقال مراسل الإذاعة في المدينة سامر ناجي إن {_UTTERANCE}.", "سامر ناجي"),
        # a frame of speech is no place phrase before a name
        (f"وقال المتحدث باسم الجيش في بيان له إن {_UTTERANCE}.", "المتحدث باسم الجيش"),
        (f"وقال الرئيس خلال لقائه نظيره الفرنسي جان دوبون إن {_UTTERANCE}.", "الرئيس"),
    ],
)
def test_name_after_a_role_without_entities(paragraph: str, speaker: str) -> None:
    assert [q.speaker for q in find_quotes([paragraph], [])] == [speaker]


def test_own_speech_as_object_is_a_continuation() -> None:
    paragraphs = ["قال الوزير سمير حداد إن «العمل مستمر في كل المواقع».", f"واختتم كلامه {_UTTERANCE}."]
    assert [q.speaker for q in find_quotes(paragraphs, [])] == ["سمير حداد", "سمير حداد"]


@pytest.mark.parametrize(
    "continuation",
    [
        "وأضافت مؤكدةً «لن نترك أي طالب خارج الصف هذا العام».",  # a participle of speech
        "وتابعت بالحرف «لن نترك أي طالب خارج الصف هذا العام».",  # a prepositional phrase
        "وأضافت معتبرةً ذلك «خطوة أولى نحو إصلاح شامل للتعليم».",
    ],
)
def test_a_participle_or_prepositional_phrase_after_the_verb_is_never_the_speaker(continuation: str) -> None:
    opening = "قالت الوزيرة سلمى حداد إن «الحكومة ستفتح المدارس الأسبوع المقبل في كل المدن»."
    quotes = find_quotes([opening, continuation])
    assert [q.speaker for q in quotes] == ["سلمى حداد", "سلمى حداد"]


@pytest.mark.parametrize(
    ("introduction", "quoted", "speaker"),
    [
        (
            "استقبل رئيس الهيئة العامة للرياضة الأمير عبدالله بن مساعد بن عبدالعزيز وفد النادي أمس.",
            "وقال عبدالله بن مساعد إن «الدعم سيستمر لكل الأندية في الموسم المقبل».",
            "عبدالله بن مساعد بن عبدالعزيز",
        ),
        (
            "زار وزير الخارجية سامر خليل الحداد مدينة طرابلس أمس.",
            "وقال سامر خليل إن «العلاقات بين البلدين ستتطور في السنوات المقبلة».",
            "سامر خليل الحداد",
        ),
    ],
)
def test_a_speaker_named_in_part_gets_the_complete_name_the_article_gives(
    introduction: str, quoted: str, speaker: str
) -> None:
    assert [q.speaker for q in find_quotes([introduction, quoted])] == [speaker]


# Issue 17, point 3: a speaker is the complete name, never what runs on after it.
@pytest.mark.parametrize(
    ("paragraph", "speaker"),
    [
        # A dash sets off a clause about the speaker.
        ("وقال سامي الراشد -وهو متحدث باسم الدفاع المدني-: «فرقنا تعمل في كل الأحياء».", "سامي الراشد"),
        # A word in the accusative or an adverb after a name is no part of it.
        ("وقال حداد رداً على سؤال عن الوضع إن «الطريق إلى الحل ما زال طويلا جدا».", "حداد"),
        ("وقالت سلمى البالغة من العمر ثلاثين عاما إن «الحياة في المخيم صعبة جدا هذا الشتاء».", "سلمى"),
    ],
)
def test_a_speaker_ends_where_its_name_ends(paragraph: str, speaker: str) -> None:
    assert [q.speaker for q in find_quotes([paragraph])] == [speaker]


@pytest.mark.parametrize(
    "continuation",
    [
        "وقال في البيان إن «الحكومة ماضية في خطتها حتى النهاية مهما كانت الظروف».",
        "وأكدت في البيان أن «الحكومة ماضية في خطتها حتى النهاية مهما كانت الظروف».",
    ],
)
def test_a_speech_frame_with_the_article_is_a_continuation(continuation: str) -> None:
    opening = "قالت الوزيرة سلمى حداد إن «الحكومة ستفتح المدارس الأسبوع المقبل في كل المدن»."
    quotes = find_quotes([opening, continuation])
    assert [q.speaker for q in quotes] == ["سلمى حداد", "سلمى حداد"]


@pytest.mark.parametrize(
    ("introduction", "quoted", "speaker"),
    [
        # "our correspondent" is the person the article names with the role word
        (
            "وقال مراسل الميادين، محمد خليل، إن الطلاب تظاهروا اليوم.",
            "وأضاف مراسلنا أن «آلاف الطلاب تجمعوا في الساحة الكبرى وسط المدينة».",
            "محمد خليل",
        ),
        # a statement speaks for the body that issued it, adjectives or a relative between
        (
            "أشار تقرير حديث أصدرته منظمة العفو الدولية إلى أن الوضع خطير.",
            "وقال التقرير «إن المدنيين يدفعون ثمن هذه الحرب كل يوم».",
            "منظمة العفو الدولية",
        ),
        (
            "قال التقرير الذي أصدرته منظمة العفو الدولية إن الوضع خطير.",
            "وأضاف التقرير «إن المدنيين يدفعون ثمن هذه الحرب كل يوم».",
            "منظمة العفو الدولية",
        ),
        # a body's name given in part is completed from its fuller mention
        (
            "قالت هيئة الصحة العامة السويدية إن الأطفال ينامون قليلا.",
            "وأوصت هيئة الصحة أيضاً بـ«عدم استخدام الأطفال للشاشات قبل النوم».",
            "هيئة الصحة العامة السويدية",
        ),
    ],
)
def test_a_role_or_statement_resolves_to_the_name_the_article_gives(
    introduction: str, quoted: str, speaker: str
) -> None:
    assert [q.speaker for q in find_quotes([introduction, quoted])] == [speaker]


def test_a_caption_names_the_person_after_a_description_and_its_place() -> None:
    post = (
        "«القاهرة لن تقبل أي مقترح لا يتضمن وقف النار»أستاذ العلوم السياسية في الجامعة العربية "
        "الأميركية أيمن يوسف لـ #الميادين #فلسطين pic.twitter.com/abc"
    )
    assert [q.speaker for q in find_quotes([post])] == ["أيمن يوسف"]


@pytest.mark.parametrize(
    ("words", "joined"),
    [
        ([("محمد", "PER", 0), ("إسماعيل خالد", "PER", 5)], ["محمد إسماعيل خالد"]),
        ([("محمد", "PER", 0), ("إسماعيل خالد", "ORG", 5)], ["محمد", "إسماعيل خالد"]),  # two labels
    ],
)
def test_a_name_the_tagger_cut_in_two_is_joined(words: list[tuple[str, str, int]], joined: list[str]) -> None:
    body = "محمد إسماعيل خالد"
    entities = [Entity(t, label, s, s + len(t)) for t, label, s in words]
    assert [e.text for e in _joined(entities, body)] == joined


@pytest.mark.parametrize(
    ("body", "pieces", "joined"),
    [
        # a subject and its object, two names of several words each: two
        (
            "كوريا الشمالية كوريا الجنوبية",
            [("كوريا الشمالية", 0), ("كوريا الجنوبية", 16)],
            ["كوريا الشمالية", "كوريا الجنوبية"],
        ),
        # a one-word piece: one name cut in two
        ("كوريا الشمالية", [("كوريا", 0), ("الشمالية", 6)], ["كوريا الشمالية"]),
    ],
)
def test_two_names_of_several_words_are_not_joined(
    body: str, pieces: list[tuple[str, int]], joined: list[str]
) -> None:
    entities = [Entity(t, "LOC", s, s + len(t)) for t, s in pieces]
    assert [e.text for e in _joined(entities, body)] == joined


@pytest.mark.parametrize("speaker", ["في البيان", "عن الوكالة", "للصحفيين", "بالحرف"])
def test_a_prepositional_phrase_is_never_a_subject(speaker: str) -> None:
    assert _not_a_subject(speaker)


@pytest.mark.parametrize(
    "paragraph",
    [
        'يُشار إلى أنّ الناطق باسمها، سامر خليل، أكد أن الفرق تعمل، مشدداً على أنّ "العمل سيستمر حتى الصباح".',
        'يذكر أن الناطق باسم الدفاع المدني، سامر خليل، قال أمس إن "العمل سيستمر حتى النهاية".',
    ],
)
def test_a_fronted_subject_after_a_recalling_formula_is_the_speaker(paragraph: str) -> None:
    assert [q.speaker for q in find_quotes([paragraph])] == ["سامر خليل"]


def _tagged(paragraphs: list[str], names: list[tuple[str, str]]) -> list[Entity]:
    """Entity mentions of the body at every place each (text, label) occurs: the tests set
    the entity spans the speaker rules read, instead of depending on the tagger's guesses."""
    body = "\n".join(paragraphs)
    found = []
    for text, label in names:
        at = body.find(text)
        while at >= 0:
            found.append(Entity(text, label, at, at + len(text)))
            at = body.find(text, at + len(text))
    return sorted(found, key=lambda e: e.start)


@pytest.mark.parametrize(
    ("paragraphs", "names", "speakers"),
    [
        # run-on: a subject and its object, two names of several words each
        (
            ['وصفت كوريا الشمالية كوريا الجنوبية بأنها "عدوها الرئيسي في المنطقة كلها".'],
            [("كوريا الشمالية", "LOC"), ("كوريا الجنوبية", "LOC")],
            ["كوريا الشمالية"],
        ),
        # run-on: the speaker's own statement is the verb's object
        (
            ['وختمت وزارة الزراعة بيانها بالقول: "ننتظر من الجميع الالتزام بالقرار".'],
            [],
            ["وزارة الزراعة"],
        ),
        # cut short: a body keeps the government or place its clause names
        (
            [
                'وصفت وزارة الخارجية في حكومة عدن، "القرار الأخير بالتصرف غير الودي".',
                'وأشارت الوزارة، في بيان، إلى أن "المنع محاولة للتصعيد غير المبرر".',
            ],
            [("عدن", "LOC")],
            ["وزارة الخارجية في حكومة عدن", "وزارة الخارجية في حكومة عدن"],
        ),
        # a person named after the place phrase of a long role
        (
            [
                "صرّحت عضو اللجنة المركزية للحزب الحاكم في البلاد سون لي هوا، شقيقة الرئيس سون تشي مين، "
                "أمس، بأن البلاد مستعدة.",
                'وقالت سون إن "المناورات الأخيرة تهدد السلام في المنطقة".',
            ],
            [("سون لي هوا", "PER"), ("سون تشي مين", "PER"), ("سون", "PER")],
            ["سون لي هوا"],
        ),
    ],
)
def test_speaker_boundaries_from_entity_spans(
    paragraphs: list[str], names: list[tuple[str, str]], speakers: list[str]
) -> None:
    assert [q.speaker for q in find_quotes(paragraphs, _tagged(paragraphs, names))] == speakers


@pytest.mark.parametrize(
    ("paragraphs", "names", "speakers"),
    [
        # a fronted subject; the word after the verb is an adverbial
        (
            ['سامر خليل قال بالحرف عن تجربته "لقد تعلمت الكثير في هذه السنوات".'],
            [("سامر خليل", "PER")],
            ["سامر خليل"],
        ),
        # a role and a name, then the object: a participle shares the verb's subject
        (
            ['واستنكر مدير المستشفى سعيد ناصر القرار، معتبراً ذلك "اعتداء صريحا على حق المرضى".'],
            [("سعيد ناصر", "PER")],
            ["سعيد ناصر"],
        ),
        # a clause opened by a verb that is no verb of saying, then a participle
        (
            ['من جهتها، رفضت تونس، بشدة، الاتهامات، مشددة على أنها "محاولة لتشويه صورتها أمام العالم".'],
            [("تونس", "LOC")],
            ["تونس"],
        ),
        # a verb in a relative clause: the name the relative pronoun follows, after its role
        (
            ['وهو الرأي الذي ذهب إليه كمال يوسف، عضو المكتب السياسي، الذي اعتبر أن "القرار جاء متأخرا جدا".'],
            [("كمال يوسف", "PER")],
            ["كمال يوسف"],
        ),
        # a statement of someone's before a colon: the person named before it, not the object
        (
            ['وهذا ما دفع الرئيس نادر سليم إلى تهديد الحركة من خلال تصريحه: "سوف نحاسبهم على فعلتهم هذه".'],
            [("نادر سليم", "PER"), ("الحركة", "ORG")],
            ["نادر سليم"],
        ),
        # a noun of saying with its subject in the genitive; framed by في it is the verb's subject's
        (
            ['وفي ردّ على قول رئيس الحكومة، نادر سليم، "لو خيروني بين الأمرين سأختار الأول".'],
            [("نادر سليم", "PER")],
            ["نادر سليم"],
        ),
        (
            ['وقال سعيد ناصر في تصريحات نقلتها وسائل الإعلام "لا نعلم بعد إذا كان هناك أي رابط".'],
            [("سعيد ناصر", "PER")],
            ["سعيد ناصر"],
        ),
        # a colon sets off what the subject of a clause opened by any verb said
        (
            ['وواصل سعيد ناصر في سرد معاناة شقيقه: "تقدمنا بشكوى للمديرية ولكن دون جدوى".'],
            [("سعيد ناصر", "PER")],
            ["سعيد ناصر"],
        ),
        # a dual subject: the pair the article names before
        (
            [
                "واجتمع وزيرا خارجية فرنسا وإسبانيا أمس في مدريد.",
                'وشدد الجانبان على ضرورة "وقف القتال فورا في كل المناطق".',
                'ودعا البلدان المجتمع الدولي إلى "تعزيز المساعدات الإنسانية للمدنيين".',
            ],
            [("فرنسا", "LOC"), ("إسبانيا", "LOC"), ("مدريد", "LOC")],
            ["فرنسا وإسبانيا", "فرنسا وإسبانيا"],
        ),
    ],
)
def test_the_sentence_subject_is_found(
    paragraphs: list[str], names: list[tuple[str, str]], speakers: list[str]
) -> None:
    assert [q.speaker for q in find_quotes(paragraphs, _tagged(paragraphs, names))] == speakers


@pytest.mark.parametrize(
    ("paragraphs", "names", "speakers"),
    [
        # a fronted role with its place phrase, named later with the body it is accredited to
        (
            [
                'سفير المغرب في الأمم المتحدة يقول إن الوضع خطير، لافتاً إلى أنه "لا يحتمل مزيدا من التأخير".',
                "قال سفير المغرب لدى الأمم المتحدة، سمير العلوي، إن الوضع خطير.",
                'ومضى السفير يقول، مضيفاً أن "المجلس مطالب بالتحرك العاجل الآن".',
            ],
            [("المغرب", "LOC"), ("الأمم المتحدة", "ORG"), ("سمير العلوي", "PER")],
            ["سمير العلوي", "سمير العلوي"],
        ),
        # "جاء في بيان X": the statement's issuer, told where the statement was first named
        (
            [
                "قالت وزارتا المالية والتجارة في بيان مشترك، اليوم، إن الحكومة ستدعم المصدرين.",
                'وجاء في بيان الوزارتين: "سنواصل دعم القطاع الخاص في كل الأحوال".',
            ],
            [],
            ["وزارتا المالية والتجارة"],
        ),
    ],
)
def test_roles_and_statements_resolve(
    paragraphs: list[str], names: list[tuple[str, str]], speakers: list[str]
) -> None:
    assert [q.speaker for q in find_quotes(paragraphs, _tagged(paragraphs, names))] == speakers


@pytest.mark.parametrize(
    ("paragraphs", "names", "speakers"),
    [
        # the reporting sentence names its outlet with a quoted name, and the source after عن
        (
            [
                'ونقلت قناة "الأخبار اليومية" عن مصدر رفيع المستوى قوله إن المفاوضات متعثرة. '
                'وأوضح أن "الطرف الآخر لا يريد أي اتفاق الآن".'
            ],
            [],
            ["مصدر رفيع المستوى"],
        ),
        # an attribution inside reported content ("وفقاً لمتوسط …") names nobody who spoke
        (
            [
                'وقال وزير الرياضة خالد الفهد: "الاجتماع كان مثمرا جدا مع الجميع".',
                "وأضاف: تم الاتفاق على منع الأندية وفقا لمتوسط الترتيب من التسجيل، على أن يطبق لاحقا.",
                'وحول الملعب قال: "سيكون جاهزا بعد يناير المقبل بإذن الله".',
            ],
            [("خالد الفهد", "PER")],
            ["خالد الفهد", "خالد الفهد"],
        ),
    ],
)
def test_continuations_find_the_reporting_sentence(
    paragraphs: list[str], names: list[tuple[str, str]], speakers: list[str]
) -> None:
    assert [q.speaker for q in find_quotes(paragraphs, _tagged(paragraphs, names))] == speakers


@pytest.mark.parametrize(
    ("paragraph", "quoted"),
    [
        # unbalanced: a closing mark closes the outermost open one, the inner one left open
        (
            'وأوضح أن "ترويج الشائعات أكذوبة أخرى لتبرير "فشل الحكومة في السيطرة". وأشار المصدر '
            'إلى أن الوزير يمهد بـ"نقل السلاح من البلد إلى الخارج"، لإعلان فشله.',
            ['ترويج الشائعات أكذوبة أخرى لتبرير "فشل الحكومة في السيطرة', "نقل السلاح من البلد إلى الخارج"],
        ),
        # a stray closing mark with nothing open opens nothing
        (
            'كتب معرض "من هنا ننهض معا" قصته، مع برامج داعمة لهم"، موضحة أنها استوحت الفكرة من '
            '"تطلعها لمشاركة الأبناء في البرامج".',
            ["من هنا ننهض معا", "تطلعها لمشاركة الأبناء في البرامج"],
        ),
    ],
)
def test_quote_marks_pair_by_direction(paragraph: str, quoted: list[str]) -> None:
    assert [paragraph[s + 1 : e - 1] for s, e in quotations(paragraph)] == quoted
