"""The dataset card (README.md of a release), rendered from the `dataset_card.md` template.

The YAML header is produced with a YAML dumper, never by string templating, so it is always
valid Hub metadata; the prose comes from the Jinja2 template. Nothing here reads the clock.

The card needs two statistics of the released rows (`CardStats`: field coverage and total
words). `render_card(manifest, table, ...)` computes them from the table; a release written
part by part passes them precomputed instead, from `card_stats(parts)` or from the quality
report's accumulator (`akhbar.report.ReportAccumulator.card_stats()`), with the same card.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from akhbar.schema import ARTICLE_SCHEMA, FIELD_DESCRIPTIONS, hf_yaml_features

_REPO_TEMPLATE = Path(__file__).resolve().parent.parent / "dataset_card.md"
_PACKAGED_TEMPLATE = Path(__file__).resolve().parent / "resources" / "dataset_card.md"


def template_path() -> Path:
    """The repository's `dataset_card.md` (editable install), else the copy in the wheel."""
    return _REPO_TEMPLATE if _REPO_TEMPLATE.is_file() else _PACKAGED_TEMPLATE


def size_category(rows: int) -> str:
    for limit, name in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
    ):
        if rows < limit:
            return name
    return "10M<n<100M"


def card_metadata(manifest: dict[str, Any]) -> dict[str, Any]:
    licenses = sorted({s.get("license") or "other" for s in manifest["sources"]})
    meta: dict[str, Any] = {
        "language": ["ar"],
        "license": licenses[0] if len(licenses) == 1 else "other",
    }
    if meta["license"] == "other":
        meta["license_name"] = "per-source"
        meta["license_details"] = "See the Sources section: each source keeps its own licence."
    meta.update(
        {
            "pretty_name": manifest["name"],
            "task_categories": ["text-classification", "token-classification", "summarization"],
            "size_categories": [size_category(manifest["rows"]["released"])],
            "tags": ["news", "arabic"],
            "configs": [
                {
                    "config_name": "default",
                    "data_files": [{"split": "train", "path": "data/train-*.parquet"}],
                }
            ],
            "dataset_info": {
                "features": hf_yaml_features(ARTICLE_SCHEMA),
                "splits": [{"name": "train", "num_examples": manifest["rows"]["released"]}],
            },
        }
    )
    return meta


# Card coverage: field -> how a row counts as having it (the card counts nulls only, no trimming).
CARD_COVERAGE = (
    ("lead", "value"),
    ("url", "value"),
    ("published_at", "value"),
    ("captions", "list"),
    ("tags", "list"),
)


@dataclass(frozen=True)
class CardStats:
    """What the card reads from the released rows: rows with a value per `CARD_COVERAGE` field
    (empty when no row is released) and the sum of `word_count` (nulls as 0)."""

    coverage: dict[str, int]
    total_words: int


class CardStatsAccumulator:
    """`CardStats` gathered part by part: `add` each part (a table or record batch), then `finish`."""

    def __init__(self) -> None:
        self.rows = 0
        self._counts = dict.fromkeys((name for name, _ in CARD_COVERAGE), 0)
        self._words = 0

    def add(self, part: pa.Table | pa.RecordBatch) -> None:
        n = part.num_rows
        self.rows += n
        if n == 0:
            return
        for name, how in CARD_COVERAGE:
            column = part.column(name)
            if how == "value":
                self._counts[name] += n - column.null_count
            else:
                self._counts[name] += pc.sum(pc.greater(pc.list_value_length(column), 0)).as_py() or 0
        self._words += pc.sum(part.column("word_count")).as_py() or 0

    def finish(self) -> CardStats:
        return CardStats(dict(self._counts) if self.rows else {}, self._words)


def card_stats(released: pa.Table | pa.RecordBatch | Iterable[pa.Table | pa.RecordBatch]) -> CardStats:
    """The `CardStats` of a table, or of an iterable of parts (read once, one at a time)."""
    acc = CardStatsAccumulator()
    for part in [released] if isinstance(released, pa.Table | pa.RecordBatch) else released:
        acc.add(part)
    return acc.finish()


def render_card(
    manifest: dict[str, Any],
    articles: pa.Table | CardStats,
    repo_id: str | None = None,
    quality_summary: str = "",
) -> str:
    """The card of a release; `repo_id` goes into the usage snippet (a placeholder without it).

    `articles` is the released table or its precomputed `CardStats` (`card_stats(parts)`, or
    `ReportAccumulator.card_stats()` of the streaming report): the card is the same either way."""
    stats = articles if isinstance(articles, CardStats) else card_stats(articles)
    header = yaml.safe_dump(card_metadata(manifest), allow_unicode=True, sort_keys=False, width=1000)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
    template = env.from_string(template_path().read_text(encoding="utf-8"))
    return template.render(
        yaml_header=header,
        m=manifest,
        fields=[(f.name, str(f.type), FIELD_DESCRIPTIONS[f.name]) for f in ARTICLE_SCHEMA],
        coverage=stats.coverage,
        total_words=stats.total_words,
        example_repo=repo_id or f"<org>/{manifest['name']}",
        quality_summary=quality_summary,
    )
