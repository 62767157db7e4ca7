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
from akhbar.schema import (
    ARTICLE_SCHEMA,
    DATASETS_REQUIREMENT,
    FIELD_DESCRIPTIONS,
    MIN_QUOTE_WORDS,
    hf_yaml_features,
)

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


# The tasks the rows serve, as the Hub names them: a task category and its task ids (the Hub's
# lists: huggingface.js packages/tasks/src/pipelines.ts, PIPELINE_DATA and their subtasks). The
# article text serves (masked) language modelling; `entities` are labelled character spans of
# `body` (PER, LOC, ORG, MISC), a machine annotation whose measured accuracy the card gives. No
# row carries a class label or a reference summary, so no classification or summarization task.
TASKS: dict[str, tuple[str, ...]] = {
    "text-generation": ("language-modeling",),
    "fill-mask": ("masked-language-modeling",),
    "token-classification": ("named-entity-recognition",),
}
# How the rows were made, in the values of `datasets`' resources/creators.json: the text is found
# (published articles), every annotation (entities, quotes, dates, quantities) machine-generated.
LANGUAGE_CREATORS = ["found"]
ANNOTATIONS_CREATORS = ["machine-generated"]
DATA_FILES = "data/train-*.parquet"


def pretty_name(name: str) -> str:
    """A readable title from a dataset name: `akhbar-arabic-news` -> `Akhbar Arabic News`."""
    words = [w for w in re.split(r"[-_.]+", check_dataset_name(name)) if w]
    return " ".join(w[:1].upper() + w[1:] for w in words) or name


def split_sizes(manifest: dict[str, Any]) -> dict[str, int] | None:
    """`dataset_info` sizes as `datasets` records them (`Dataset.push_to_hub`): `num_bytes` and
    `dataset_size` the size of the rows in Arrow (the manifest's `arrow_bytes` per data file,
    measured on the written files), `download_size` the bytes of the Parquet files. None for a
    manifest whose files lack `arrow_bytes` (releases written before it was recorded)."""
    files = manifest["files"]
    if any("arrow_bytes" not in f or "bytes" not in f for f in files):
        return None
    return {
        "num_bytes": sum(int(f["arrow_bytes"]) for f in files),
        "download_size": sum(int(f["bytes"]) for f in files),
    }


def card_data(manifest: dict[str, Any]) -> Any:
    """The YAML header as `huggingface_hub.DatasetCardData`: every configured value checked first
    (a dataset name the Hub would refuse or an unknown licence identifier raise ValueError)."""
    from huggingface_hub import DatasetCardData  # imported when a card is made, not with akhbar

    released = manifest["rows"]["released"]
    licenses = card_licenses(manifest["sources"])
    split: dict[str, Any] = {"name": "train"}
    info: dict[str, Any] = {"features": hf_yaml_features(ARTICLE_SCHEMA), "splits": [split]}
    sizes = split_sizes(manifest)
    if sizes is not None:
        split["num_bytes"] = sizes["num_bytes"]
    split["num_examples"] = released
    if sizes is not None:
        info["download_size"] = sizes["download_size"]
        info["dataset_size"] = sizes["num_bytes"]
    return DatasetCardData(
        language=["ar"],
        license=licenses.pop("license"),
        annotations_creators=ANNOTATIONS_CREATORS,
        language_creators=LANGUAGE_CREATORS,
        multilinguality=["monolingual"],
        size_categories=[size_category(released)],
        source_datasets=["original"],
        task_categories=list(TASKS),
        task_ids=[task_id for ids in TASKS.values() for task_id in ids],
        pretty_name=pretty_name(manifest["name"]),
        **licenses,
        tags=["news", "arabic"],
        configs=[{"config_name": "default", "data_files": [{"split": "train", "path": DATA_FILES}]}],
        dataset_info=info,
    )


def citation(manifest: dict[str, Any], title: str, repo_id: str | None) -> str:
    """A BibTeX entry for the release. Every value in it is checked text (a Hub dataset name
    and repository id, a semver, the pipeline version), so it needs no escaping."""
    name = check_dataset_name(manifest["name"])
    repo = check_repo_id(repo_id) if repo_id is not None else f"<org>/{name}"
    version, built_by = str(manifest["version"]), str(manifest["pipeline_version"])
    if not re.fullmatch(r"\d+\.\d+\.\d+", version) or not re.fullmatch(r"[A-Za-z0-9._+-]+", built_by):
        raise ValueError(f"not a release version and pipeline version: {version!r}, {built_by!r}")
    key = re.sub(r"[^A-Za-z0-9]+", "_", f"{name}_v{version}")
    return "\n".join(
        [
            f"@misc{{{key},",
            f"  title        = {{{title}}},",
            f"  note         = {{Release v{version}, built by {built_by}}},",
            f"  howpublished = {{\\url{{https://huggingface.co/datasets/{repo}}}}},",
            "}",
        ]
    )


def card_metadata(manifest: dict[str, Any]) -> dict[str, Any]:
    """The YAML header's values (`card_data(manifest).to_dict()`)."""
    return dict(card_data(manifest).to_dict())


# Card coverage: field -> how a row counts as having it (the card counts nulls only, no trimming).
CARD_COVERAGE = (
    ("lead", "value"),
    ("url", "value"),
    ("published_at", "value"),
    ("captions", "list"),
    ("tags", "list"),
    ("byline", "value"),
    ("quotes", "list"),
    ("entities", "list"),
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
    data = card_data(manifest)
    header = yaml_header(dict(data.to_dict()))
    if repo_id is not None:
        check_repo_id(repo_id)
    template = template_environment().from_string(template_path().read_text(encoding="utf-8"))
    return template.render(
        yaml_header=Markdown(header),
        m=manifest,
        title=data.pretty_name,
        checks=manifest.get("checks") or [],
        release_checks=manifest.get("release_checks") or [],
        people={name: stats.coverage.get(name, 0) for name in ("byline", "quotes", "entities")},
        quote_min_words=MIN_QUOTE_WORDS,
        datasets_requirement=DATASETS_REQUIREMENT,
        citation=Markdown(citation(manifest, data.pretty_name, repo_id)),
        fields=[(f.name, str(f.type), FIELD_DESCRIPTIONS[f.name]) for f in ARTICLE_SCHEMA],
        coverage=stats.coverage,
        total_words=stats.total_words,
        example_repo=repo_id or f"<org>/{manifest['name']}",
        quality_summary=Markdown(quality_summary),
        figures=card_figures(),
    )
