"""Date scoring (`akhbar.evaluation_dates`) with year-less mentions whose `date` is null.

The sentences are written for these tests; the gold documents are read from the shared corpus.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from akhbar import evaluation_dates
from akhbar.evaluation_dates import Gold, score, values_agree
from akhbar.extract.dates import find_dates


def _mention(text: str):
    (m,) = find_dates(text)  # no publication date: a year-less mention keeps date null
    assert m.date is None
    return m


@pytest.mark.parametrize(
    ("text", "gold_value", "agrees"),
    [
        ("في 18 شباط الماضي", "2025-02-18", True),
        ("في 18 شباط الماضي", "2025-02-19", False),
        ("في 18 شباط الماضي", "2025-03", False),
        ("في 18 شباط الماضي", "2025-02", True),
        ("في 18 شباط الماضي", "2025", True),
        ("في 18 شباط الماضي", "PAST_REF", True),
        ("في نيسان/أبريل", "2024-04-09", True),
        ("في نيسان/أبريل", "2024-05", False),
        ("في 4 رمضان", "2015-06-21", True),  # Hijri without a year: no Gregorian value to compare
    ],
)
def test_a_null_date_agrees_on_what_it_states(text: str, gold_value: str, agrees: bool) -> None:
    assert values_agree(gold_value, _mention(text)) is agrees


def test_null_dates_are_scored_and_counted() -> None:
    text = "التقى الوزيران في 18 شباط الماضي ثم في 7 آذار 2025 وفي 2 نيسان."
    mentions = find_dates(text)
    golds = [
        Gold(m.start, m.end, value)
        for m, value in zip(mentions, ("2025-02-18", "2025-03-07", "2025-04-03"), strict=True)
    ]
    s = score("dates", [(text, golds, mentions)], with_value=True)
    assert (s.predicted, s.unresolved, s.right, s.found) == (3, 2, 2, 2)


def test_the_gold_documents_lose_no_mention_without_a_publication_date(corpus: Path) -> None:
    """Every span found with the publication date is found without it; a year-less one keeps
    its month and day and only loses its date."""
    docs = [(t, m) for _, t, _, m in evaluation_dates.silver_docs(corpus)]
    docs += [
        (t, m) for split in ("dev", "heldout") for _, t, _, m in evaluation_dates.labelled_docs(split, corpus)
    ]
    year_less = 0
    for text, with_date in docs:
        without = find_dates(text, None)
        assert [(m.start, m.end, m.month, m.day) for m in without] == [
            (m.start, m.end, m.month, m.day) for m in with_date
        ]
        year_less += sum(m.date is None for m in without)
        assert all(m.date is not None for m in with_date)
    assert year_less > 20
