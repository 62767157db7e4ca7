"""The dataset card (README.md of a release), rendered from the `dataset_card.md` template.

The YAML header is produced with a YAML dumper, never by string templating, so it is always
valid Hub metadata, from checked values (`akhbar.hub_rules`: the dataset name follows the Hub's
repository-name rules, each source's licence is a Hub identifier or a name declared as
`other`). The prose comes from the Jinja2 template, whose every value is escaped as Markdown
text (`akhbar.escape`): a source name or licence holding `<script>`, `|` or line breaks shows
as that text and keeps the tables whole. Nothing here reads the clock.

The card needs two statistics of the released rows (`CardStats`: field coverage and total
words). `render_card(manifest, table, ...)` computes them from the table; a release written
part by part passes them precomputed instead, from `card_stats(parts)` or from the quality
report's accumulator (`akhbar.report.ReportAccumulator.card_stats()`), with the same card.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from akhbar.escape import Markdown, md_code, md_text, py_literal
from akhbar.field_figures import card_figures
from akhbar.hub_rules import check_dataset_name, check_repo_id, parse_license
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


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))[:64].strip("-")


def card_licenses(sources: list[dict[str, Any]]) -> dict[str, Any]:
    """The card's licence metadata from the sources' configured licences (`akhbar.hub_rules`).

    `license` is the one Hub identifier all sources share, else the sorted list of them. A
    licence given by name counts as `other`; with `other` the card adds `license_name` (an id
    made from that name when it is the only one, else `per-source`). `license_details` lists
    each source's licence as configured whenever the identifiers alone do not say it."""
    parsed = [(str(s["name"]), parse_license(s.get("license") or "other")) for s in sources]
    ids = sorted({lic.id for _, lic in parsed}) or ["other"]
    meta: dict[str, Any] = {"license": ids[0] if len(ids) == 1 else ids}
    if "other" in ids:
        names = sorted({lic.name for _, lic in parsed if lic.name})
        only = names[0] if len(names) == 1 and len(ids) == 1 else None
        meta["license_name"] = (_slug(only) or "custom") if only else "per-source"
    if "other" in ids or len(ids) > 1:
        given = "; ".join(f"{name}: {lic.name or lic.id}" for name, lic in parsed)
        meta["license_details"] = f"Each source keeps its own licence. {given}." if given else "Not stated."
    return meta


def card_metadata(manifest: dict[str, Any]) -> dict[str, Any]:
    """The YAML header: every configured value goes through the YAML dumper, checked first
    (a dataset name the Hub would refuse or an unknown licence identifier raise ValueError)."""
    meta: dict[str, Any] = {"language": ["ar"], **card_licenses(manifest["sources"])}
    meta.update(
        {
            "pretty_name": check_dataset_name(manifest["name"]),
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


# What could open HTML if a Markdown renderer showed the header as text: a tag, comment or
# autolink (`<` and a letter, `/`, `!` or `?`) or a character reference (`&` and a letter or `#`).
_HTML_OPENER = re.compile(r"<(?=[A-Za-z/!?])|&(?=[A-Za-z#])")


class _HeaderDumper(yaml.SafeDumper):
    """SafeDumper without anchors, writing text that could open HTML or holds control
    characters double-quoted."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


# Line breaks and other control characters: double-quoted text writes them as escapes (PyYAML's
# single-quoted style loses U+2028 and U+0085), so every value stays on one line of the header.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if _HTML_OPENER.search(value) or _CONTROLS.search(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_HeaderDumper.add_representer(str, _represent_str)
# Those openers occur in the header only inside double-quoted scalars (no anchors, no block
# scalars), where YAML's \x escapes stand for their first character: the header parses to the
# same values and a Markdown renderer that shows the header as text finds no HTML in it.
_YAML_ESCAPES = {"<": "\\x3C", "&": "\\x26"}


def yaml_header(meta: dict[str, Any]) -> str:
    """`meta` as the card's YAML header (without the `---` lines)."""
    text = yaml.dump(meta, Dumper=_HeaderDumper, allow_unicode=True, sort_keys=False, width=1000)
    return _HTML_OPENER.sub(lambda m: _YAML_ESCAPES[m.group()], text)


def template_environment() -> jinja2.Environment:
    """The card template's Jinja2 environment: every `{{ value }}` is escaped as one line of
    Markdown text (`akhbar.escape.md_text`) unless it is `Markdown` already; the filters `code`
    and `code_cell` make inline code spans, `py` a Python string literal."""
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False, finalize=md_text
    )
    env.filters["code"] = md_code
    env.filters["code_cell"] = lambda value: md_code(value, cell=True)
    env.filters["py"] = py_literal
    return env


def render_card(
    manifest: dict[str, Any],
    articles: pa.Table | CardStats,
    repo_id: str | None = None,
    quality_summary: str = "",
) -> str:
    """The card of a release; `repo_id` goes into the usage snippet (a placeholder without it).

    `articles` is the released table or its precomputed `CardStats` (`card_stats(parts)`, or
    `ReportAccumulator.card_stats()` of the streaming report): the card is the same either way.
    `quality_summary` is Markdown (`QualityReport.summary_markdown()`), inserted as it is; every
    other value is escaped. A dataset name, repository id or licence the Hub would refuse
    raises ValueError (`akhbar.hub_rules`)."""
    stats = articles if isinstance(articles, CardStats) else card_stats(articles)
    header = yaml_header(card_metadata(manifest))
    if repo_id is not None:
        check_repo_id(repo_id)
    template = template_environment().from_string(template_path().read_text(encoding="utf-8"))
    return template.render(
        yaml_header=Markdown(header),
        m=manifest,
        fields=[(f.name, str(f.type), FIELD_DESCRIPTIONS[f.name]) for f in ARTICLE_SCHEMA],
        coverage=stats.coverage,
        total_words=stats.total_words,
        example_repo=repo_id or f"<org>/{manifest['name']}",
        quality_summary=Markdown(quality_summary),
        figures=card_figures(),
    )
