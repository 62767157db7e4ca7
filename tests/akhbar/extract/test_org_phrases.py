"""Organisation phrases after tagging (akhbar/extract/entities/org_phrases.py), on sentences
written for these tests."""

from __future__ import annotations

import pytest

from akhbar.extract.entities import normalize, split_token
from akhbar.extract.entities.org_phrases import apply, kind


def _retag(sentence: str, tags: dict[int, str] | None = None) -> list[tuple[str, str]]:
    """ORG/LOC spans of `sentence` after the rule, given the CRF's tags by token index."""
    tokens = split_token(sentence)
    bio = ["O"] * len(tokens)
    for i, tag in (tags or {}).items():
        bio[i] = tag
    out = apply([kind(normalize(t)) for t in tokens], bio)
    spans: list[tuple[str, str]] = []
    for i, tag in enumerate(out):
        if tag.startswith("B-"):
            spans.append((tokens[i], tag[2:]))
        elif tag.startswith("I-"):
            spans[-1] = (spans[-1][0] + " " + tokens[i], spans[-1][1])
    return spans


@pytest.mark.parametrize(
    ("sentence", "tags", "expected"),
    [
        # head + genitive chain + nationality adjective, up to a time word
        ("أعلنت وزارة الزراعة المغربية اليوم خطة جديدة", {}, [("وزارة الزراعة المغربية", "ORG")]),
        # a definite head needs an adjective
        ("قال المجلس الاستشاري الوطني إن", {}, [("المجلس الاستشاري الوطني", "ORG")]),
        ("قال المجلس إن الاجتماع تأجل", {}, []),
        # a place the CRF found is swallowed into the organisation
        ("درس في جامعة تونس الحكومية", {3: "B-LOC"}, [("جامعة تونس الحكومية", "ORG")]),
        # the chain stops at a preposition
        ("انتقدت حركة النهضة في بيانها", {}, [("حركة النهضة", "ORG")]),
        # media: the name after the head, not the head
        ('نقلت صحيفة "الصباح الجديد" عن مصادر', {}, [("الصباح الجديد", "ORG")]),
        ("بحسب مراسل المنار في المدينة", {}, [("المنار", "ORG")]),
        ("وقالت القناة 12 إن", {}, [("القناة 12", "ORG")]),
        # a coordination inside a ministry's name, closed by its adjective
        ("وزارة الثقافة والسياحة التونسية", {}, [("وزارة الثقافة والسياحة التونسية", "ORG")]),
        # "سلاح" heads a name only before the air force or navy
        ("قصف سلاح الجو الأردني", {}, [("سلاح الجو الأردني", "ORG")]),
        ("سلم سلاح المقاتلين", {}, []),
    ],
)
def test_org_phrases(sentence: str, tags: dict[int, str], expected: list[tuple[str, str]]) -> None:
    assert _retag(sentence, tags) == expected


def test_a_person_after_the_phrase_keeps_its_label() -> None:
    assert _retag("رئيس مجلس الشورى العماني سالم الهاشمي", {4: "B-PER", 5: "I-PER"}) == [
        ("مجلس الشورى العماني", "ORG"),
        ("سالم الهاشمي", "PER"),
    ]


def test_the_tagger_drops_proclitics_of_head_words() -> None:
    from akhbar.extract.entities import find_entities

    text = "وأشاد الوفد بوزارة الزراعة المغربية أمس"
    orgs = [e.text for e in find_entities(text) if e.label == "ORG"]
    assert orgs == ["وزارة الزراعة المغربية"]
