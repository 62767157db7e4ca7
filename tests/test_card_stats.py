"""The dataset card from precomputed statistics (a release written part by part) is the card
rendered from the whole table; `_old_render_card` is the whole-table code as it was."""

from __future__ import annotations

import random
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from akhbar.card import (
    CardStats,
    card_metadata,
    card_stats,
    render_card,
    template_environment,
    template_path,
    yaml_header,
)
from akhbar.escape import Markdown
from akhbar.report import ReportAccumulator
from akhbar.schema import ARTICLE_SCHEMA, FIELD_DESCRIPTIONS
from tests.release_rows import random_release, random_split

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


@pytest.mark.parametrize(("seed", "rows"), [(0, 0), (1, 1), (2, 40), (3, 500)])
def test_card_is_the_same_from_parts(seed: int, rows: int) -> None:
    table = random_release(seed, rows) if rows else pa.Table.from_pylist([], schema=ARTICLE_SCHEMA)
    expected = _old_render_card(MANIFEST, table, repo_id="org/x", quality_summary="summary")
    stats = card_stats(table)
    assert stats == CardStats(_old_coverage(table), _old_total_words(table))
    parts = random_split(table, random.Random(seed))
    assert card_stats(iter(parts)) == stats
    acc = ReportAccumulator()
    for part in parts:
        acc.add(part)
    assert acc.card_stats() == stats
    for given in (table, stats, acc.card_stats()):
        assert render_card(MANIFEST, given, repo_id="org/x", quality_summary="summary") == expected
    assert render_card(MANIFEST, table) == _old_render_card(MANIFEST, table)


def test_card_stats_change_the_card() -> None:
    """The comparison is not vacuous: other statistics give another card."""
    table = random_release(4, 30)
    stats = card_stats(table)
    other = CardStats({**stats.coverage, "tags": stats.coverage["tags"] + 1}, stats.total_words)
    assert render_card(MANIFEST, other) != render_card(MANIFEST, table)
    assert render_card(MANIFEST, CardStats(stats.coverage, 0)) != render_card(MANIFEST, table)


# --------------------------------------------------------------------------- reference: the whole-table code


def _old_coverage(articles: pa.Table) -> dict[str, int]:
    n = articles.num_rows
    if n == 0:
        return {}
    return {
        "lead": n - articles["lead"].null_count,
        "url": n - articles["url"].null_count,
        "published_at": n - articles["published_at"].null_count,
        "captions": pc.sum(pc.greater(pc.list_value_length(articles["captions"]), 0)).as_py() or 0,
        "tags": pc.sum(pc.greater(pc.list_value_length(articles["tags"]), 0)).as_py() or 0,
    }


def _old_total_words(articles: pa.Table) -> int:
    words = articles["word_count"].to_pylist() if articles.num_rows else []
    return sum(w or 0 for w in words)


def _old_render_card(
    manifest: dict[str, Any], articles: pa.Table, repo_id: str | None = None, quality_summary: str = ""
) -> str:
    header = yaml_header(card_metadata(manifest))
    template = template_environment().from_string(template_path().read_text(encoding="utf-8"))
    return template.render(
        yaml_header=Markdown(header),
        m=manifest,
        fields=[(f.name, str(f.type), FIELD_DESCRIPTIONS[f.name]) for f in ARTICLE_SCHEMA],
        coverage=_old_coverage(articles),
        total_words=_old_total_words(articles),
        example_repo=repo_id or f"<org>/{manifest['name']}",
        quality_summary=Markdown(quality_summary),
    )
