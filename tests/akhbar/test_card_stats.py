"""The dataset card from precomputed statistics (a release written part by part) is the card
rendered from the whole table, and its statistics are the ones recorded below for synthetic
releases (computed once by the whole-table code the card used before it read statistics)."""

from __future__ import annotations

import random
from typing import Any

import pyarrow as pa
import pytest

from akhbar.card import CardStats, card_stats, render_card
from akhbar.escape import md_text
from akhbar.field_figures import card_figures
from akhbar.report import ReportAccumulator
from akhbar.schema import ARTICLE_SCHEMA
from tests.support.release_rows import random_release, random_split

MANIFEST: dict[str, Any] = {
    "name": "akhbar-test",
    "version": "1.2.0",
    "pipeline_version": "test",
    "schema_version": "1.2",
    "rows": {"raw": 10, "released": 8, "unique": 6, "duplicates": 2, "quarantined": 2},
    "accounting": {"balanced": True},
    "sources": [{"name": "alpha", "license": "cc-by-4.0", "articles": 8}],
    "validation": {"suite": "s", "successful": 1, "evaluated": 1, "success": True, "results": []},
    "changelog": [{"version": "1.2.0", "change": "First release."}],
    "input_fingerprint": "0" * 64,
    "code_fingerprint": "1" * 64,
    "files": [{"path": "data/train-00000-of-00001.parquet", "rows": 8, "sha256": "2" * 64}],
}


# Field coverage and words in bodies of random_release(seed, rows), recorded (byline, quotes and
# entities, counted since the card's personal-information section, recorded with this code).
_COVERAGE_1 = {"lead": 0, "url": 1, "published_at": 1, "captions": 1, "tags": 0}
_COVERAGE_40 = {"lead": 29, "url": 38, "published_at": 33, "captions": 21, "tags": 30}
_COVERAGE_500 = {"lead": 393, "url": 464, "published_at": 338, "captions": 256, "tags": 420}
RECORDED: list[tuple[int, int, dict[str, int], int]] = [
    (0, 0, {}, 0),
    (1, 1, {**_COVERAGE_1, "byline": 1, "quotes": 1, "entities": 0}, 0),
    (2, 40, {**_COVERAGE_40, "byline": 18, "quotes": 33, "entities": 33}, 69304),
    (3, 500, {**_COVERAGE_500, "byline": 245, "quotes": 363, "entities": 380}, 731011),
]


@pytest.mark.parametrize(("seed", "rows", "coverage", "total_words"), RECORDED)
def test_card_is_the_same_from_parts(
    seed: int, rows: int, coverage: dict[str, int], total_words: int
) -> None:
    table = random_release(seed, rows) if rows else pa.Table.from_pylist([], schema=ARTICLE_SCHEMA)
    stats = card_stats(table)
    assert stats == CardStats(coverage, total_words)
    parts = random_split(table, random.Random(seed))
    assert card_stats(iter(parts)) == stats
    acc = ReportAccumulator()
    for part in parts:
        acc.add(part)
    assert acc.card_stats() == stats
    expected = render_card(MANIFEST, table, repo_id="org/x", quality_summary="summary")
    for given in (stats, acc.card_stats()):
        assert render_card(MANIFEST, given, repo_id="org/x", quality_summary="summary") == expected
    assert render_card(MANIFEST, stats) == render_card(MANIFEST, table)
    assert f"| words in bodies | {total_words} |" in expected
    released = MANIFEST["rows"]["released"]
    for name, count in coverage.items():
        assert f"- `{name}`: {count} of {released}" in expected


def test_card_stats_change_the_card() -> None:
    """The comparison is not vacuous: other statistics give another card."""
    table = random_release(4, 30)
    stats = card_stats(table)
    other = CardStats({**stats.coverage, "tags": stats.coverage["tags"] + 1}, stats.total_words)
    assert render_card(MANIFEST, other) != render_card(MANIFEST, table)
    assert render_card(MANIFEST, CardStats(stats.coverage, 0)) != render_card(MANIFEST, table)


def test_the_card_states_the_recorded_figures_per_field() -> None:
    figures = card_figures()
    fields = {r["field"] for r in figures}
    assert {"quotes", "quote speakers", "dates", "entities"} <= fields
    assert not any(r["field"].startswith("entities ") or "shuffled" in r["gold"] for r in figures)
    news = [r for r in figures if r["field"] == "entities" and "hand-labelled" in r["gold"]]
    assert len(news) == 1
    card = render_card(MANIFEST, pa.Table.from_pylist([], schema=ARTICLE_SCHEMA))
    for r in figures:
        assert f"| {md_text(r['field'])} | {md_text(r['gold'])} | {r['precision']:.3f} |" in card
    assert "treat them as silver" not in card
