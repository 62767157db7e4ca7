"""Readers for every source format, and the raw stage that runs them.

`read_sources` returns every raw article as a row of `RAW_SCHEMA`, or, when it cannot be
an article, a row of `QUARANTINE_SCHEMA` with the reason: nothing read is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from akhbar.ingest.decode import looks_like_mojibake
from akhbar.ingest.html_pages import read_html_pages
from akhbar.ingest.json_records import read_json_records
from akhbar.ingest.records import QUARANTINE_SCHEMA, RAW_SCHEMA, quarantine_row
from akhbar.ingest.sources import (
    SourceConfig,
    SourceConfigError,
    load_sources_file,
    sources_for_inputs,
)
from akhbar.ingest.text_files import read_text_files

__all__ = [
    "QUARANTINE_SCHEMA",
    "RAW_SCHEMA",
    "RawBatch",
    "SourceConfig",
    "SourceConfigError",
    "iter_raw_batches",
    "load_sources_file",
    "read_source",
    "read_sources",
    "sources_for_inputs",
]


def read_source(source: SourceConfig) -> Iterator[dict[str, Any]]:
    if source.format == "text":
        return read_text_files(source)
    if source.format == "html":
        return read_html_pages(source)
    return read_json_records(source)


@dataclass(frozen=True)
class RawBatch:
    articles: pa.Table
    quarantine: pa.Table


def _unusable_reason(row: dict[str, Any]) -> str | None:
    """Why a decoded record cannot be an article: missing fields, or mojibake in its text
    (JSON escapes can hide it until after parsing, so it is checked here for every format)."""
    if not (row["text"] or "").strip():
        return "no article text (text field missing or empty)"
    for name in ("title", "lead", "text"):
        reason = looks_like_mojibake(row[name] or "")
        if reason:
            return f"{name}: {reason}"
    if not (row["title"] or "").strip():
        return "no title (title field missing or empty)"
    return None


DEFAULT_BATCH_ROWS = 5_000


def _file_of(source: SourceConfig, origin: str) -> str:
    """The input file a record came from (`dump.jsonl#L12` -> `dump.jsonl`), for record formats;
    text and HTML sources hold one article per file, and are batched across files."""
    return origin.split("#", 1)[0] if source.format in ("jsonl", "json") else ""


def iter_raw_batches(
    sources: list[SourceConfig], *, batch_rows: int = DEFAULT_BATCH_ROWS
) -> Iterator[RawBatch]:
    """Read every source as a stream of batches of at most `batch_rows` articles.

    A batch never spans two sources nor two files of a JSON/JSONL source, so one new file of a
    daily scrape makes new batches of its own and leaves the others as they were. The first
    occurrence of an id is kept, repeats are quarantined (across batches: the ids seen are
    remembered, not the articles). Quarantine rows travel with the batch they were read in.
    """
    if batch_rows < 1:
        raise ValueError(f"batch_rows must be >= 1, got {batch_rows}")
    kept_origin: dict[str, str] = {}
    for source in sources:
        articles: list[dict[str, Any]] = []
        quarantine: list[dict[str, Any]] = []
        current_file: str | None = None
        for row in read_source(source):
            file = _file_of(source, row["origin"])
            if articles and (len(articles) >= batch_rows or file != current_file):
                yield _batch(articles, quarantine)
                articles, quarantine = [], []
            current_file = file
            if "reason" in row:
                quarantine.append(row)
                continue
            reason = _unusable_reason(row)
            if reason is None and row["id"] in kept_origin:
                what = "url or record id" if row["url"] or row["source_record_id"] else "raw bytes"
                reason = f"duplicate id {row['id']}: same {what} as {kept_origin[row['id']]}"
            if reason:
                quarantine.append(
                    {
                        **quarantine_row(row["source"], row["origin"], reason),
                        "raw_sha256": row["raw_sha256"],
                        "size_bytes": row["size_bytes"],
                        "id": row["id"],
                    }
                )
                continue
            kept_origin[row["id"]] = f"{row['source']}:{row['origin']}"
            articles.append(row)
        if articles or quarantine:
            yield _batch(articles, quarantine)


def _batch(articles: list[dict[str, Any]], quarantine: list[dict[str, Any]]) -> RawBatch:
    return RawBatch(
        articles=pa.Table.from_pylist(articles, schema=RAW_SCHEMA),
        quarantine=pa.Table.from_pylist(quarantine, schema=QUARANTINE_SCHEMA),
    )


def read_sources(sources: list[SourceConfig]) -> RawBatch:
    """Every source read into one batch (`iter_raw_batches` without the batching)."""
    batches = list(iter_raw_batches(sources))
    return RawBatch(
        articles=pa.concat_tables([RAW_SCHEMA.empty_table(), *(b.articles for b in batches)]),
        quarantine=pa.concat_tables([QUARANTINE_SCHEMA.empty_table(), *(b.quarantine for b in batches)]),
    )
