"""The quality report itself (`QualityReport`, plain JSON values) and the constants its
layout is built on; statistics are in `accumulate.py`, rendering in `markdown.py` and
`plots.py`."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

REPORT_FORMAT = 1
ENTITY_LABELS = ("PER", "LOC", "ORG", "MISC")
QUANTILES = (("p05", 0.05), ("p25", 0.25), ("median", 0.5), ("p75", 0.75), ("p95", 0.95))
WORD_BINS = (0, 50, 100, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000)
# Plot name -> file under the report folder.
PLOTS = {
    "rows_per_source": "plots/rows_per_source.png",
    "field_coverage": "plots/field_coverage.png",
    "word_count_hist": "plots/word_count_hist.png",
    "published_per_month": "plots/published_per_month.png",
}
# Coverage: field name in the report -> (column, how a row counts as having it).
COVERAGE_FIELDS = (
    ("url", "url", "text"),
    ("published_at", "published_at", "value"),
    ("lead", "lead", "text"),
    ("byline", "byline", "text"),
    ("captions", "captions", "list"),
    ("tags", "tags", "list"),
    ("quotes", "quotes", "list"),
    ("quotes_with_speaker", "quotes", "speaker"),
    ("entities", "entities", "list"),
    ("dates", "dates", "list"),
    ("quantities", "quantities", "list"),
)
# Printable ASCII but `$`, which would start matplotlib's mathtext (a parse error stops the plot)
_LATIN_LABEL = re.compile(r"^[\x20-\x23\x25-\x7e]+$")


@dataclass(frozen=True)
class QualityReport:
    """Plain JSON-ready statistics of one release (`quality_report`, `ReportAccumulator.finish`)."""

    totals: dict[str, int]
    sources: list[dict[str, Any]]
    coverage: list[dict[str, Any]]
    word_count: dict[str, Any]
    published: dict[str, Any]
    top_tags: list[dict[str, Any]]
    top_speakers: list[dict[str, Any]]
    top_entities: dict[str, list[dict[str, Any]]]
    quarantine: list[dict[str, Any]]
    duplicates: dict[str, Any]
    checks: list[dict[str, Any]] = field(default_factory=list)
    accounting: dict[str, Any] | None = None
    top: int = 15
    format: int = REPORT_FORMAT

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QualityReport:
        return cls(**data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> QualityReport:
        """The report of a `quality_report.json` (as `to_json` wrote it)."""
        return cls.from_dict(json.loads(text))

    def plot_labels(self) -> dict[str, str]:
        """Source name -> its label in plots (the name itself when printable ASCII, else S<n>)."""
        return _plot_labels([s["source"] for s in self.sources])

    def to_markdown(self, *, images: Mapping[str, str] | None = None) -> str:
        from akhbar.report.markdown import _markdown  # markdown.py imports this module

        return _markdown(self, images or {})

    def summary_markdown(self) -> str:
        from akhbar.report.markdown import _summary_markdown

        return _summary_markdown(self)


def _plot_labels(names: list[str]) -> dict[str, str]:
    labels = {}
    for i, name in enumerate(sorted(names), start=1):
        labels[name] = name if _LATIN_LABEL.match(name) and len(name) <= 24 else f"S{i}"
    return labels
