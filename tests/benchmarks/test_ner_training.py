"""Pure helpers of the entity-tagger training (`benchmarks/ner_training.py`) for self-training."""

from __future__ import annotations

import pytest

from benchmarks.ner_training import confident, evenly_spaced


@pytest.mark.parametrize(
    ("tags", "probability", "threshold", "expected"),
    [
        (["O", "B-PER", "I-PER", "O"], 0.95, 0.9, True),
        (["O", "B-LOC"], 0.9, 0.9, True),
        (["O", "B-ORG", "I-ORG"], 0.89, 0.9, False),
        (["O", "O", "O"], 0.99, 0.9, False),
        (["B-MISC"], 0.5, 0.5, True),
    ],
)
def test_confident_needs_probability_and_an_entity(
    tags: list[str], probability: float, threshold: float, expected: bool
) -> None:
    assert confident(tags, probability, threshold) is expected


@pytest.mark.parametrize(
    ("n_items", "n", "expected"),
    [
        (10, 5, [0, 2, 4, 6, 8]),
        (10, 3, [0, 3, 6]),
        (4, 10, [0, 1, 2, 3]),
        (7, 0, []),
    ],
)
def test_evenly_spaced_spreads_over_all_items(n_items: int, n: int, expected: list[int]) -> None:
    got = evenly_spaced(n_items, n)
    assert got == expected
    assert len(set(got)) == len(got) and all(0 <= i < n_items for i in got)
