"""Readers for every source format, and the raw stage that runs them.

`read_sources` returns every raw article as a row of `RAW_SCHEMA`, or, when it cannot be
an article, a row of `QUARANTINE_SCHEMA` with the reason: nothing read is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from akhbar.ingest.decode import looks_like_mojibake
from akhbar.ingest.html_pages import read_html_pages
from akhbar.ingest.json_records import read_json_path, read_json_records
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
    "KnownFile",
    "RawBatch",
    "SkippedFile",
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
    file: Path | None = None  # the input file of a JSON/JSONL batch (text and HTML: None)


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


@dataclass(frozen=True)
class KnownFile:
    """What an earlier run read from an input file that has not changed since: the ids it
    registered (with their origins), and the caller's handle to the parts it made."""

    ids: list[str]
    origins: list[str]
    handle: Any


@dataclass(frozen=True)
class SkippedFile:
    """A JSON/JSONL file not read again: its `known.handle` says where its parts are."""

    source: SourceConfig
    path: Path
    known: KnownFile


class _Reader:
    """The read-level checks and the ids seen so far, across every source of a run."""

    def __init__(self, batch_rows: int) -> None:
        self.batch_rows = batch_rows
        self.kept_origin: dict[str, str] = {}

    def batches(self, rows: Iterator[dict[str, Any]], file: Path | None) -> Iterator[RawBatch]:
        articles: list[dict[str, Any]] = []
        quarantine: list[dict[str, Any]] = []
        for row in rows:
            if len(articles) >= self.batch_rows:
                yield _batch(articles, quarantine, file)
                articles, quarantine = [], []
            if "reason" in row:
                quarantine.append(row)
                continue
            reason = _unusable_reason(row)
            if reason is None and row["id"] in self.kept_origin:
                # ids name origins: two files with the same bytes are two ids (dedup marks the
                # copy); only a repeated url or record id (or origin) clashes here
                what = "url or record id" if row["url"] or row["source_record_id"] else "origin"
                reason = f"duplicate id {row['id']}: same {what} as {self.kept_origin[row['id']]}"
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
            self.kept_origin[row["id"]] = f"{row['source']}:{row['origin']}"
            articles.append(row)
        if articles or quarantine:
            yield _batch(articles, quarantine, file)

    def register(self, source: SourceConfig, known: KnownFile) -> bool:
        """Take a known file's ids as read, unless one of them was seen before (then the file
        must be read again, so that the repeat is quarantined where it now is)."""
        if any(i in self.kept_origin for i in known.ids):
            return False
        self.kept_origin.update(
            (i, f"{source.name}:{o}") for i, o in zip(known.ids, known.origins, strict=True)
        )
        return True


def iter_raw_batches(
    sources: list[SourceConfig],
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    known_file: Callable[[SourceConfig, Path], KnownFile | None] | None = None,
) -> Iterator[RawBatch | SkippedFile]:
    """Read every source as a stream of batches of at most `batch_rows` articles.

    A batch never spans two sources nor two files of a JSON/JSONL source, so one new file of a
    daily scrape makes new batches of its own and leaves the others as they were; `known_file`
    may even spare reading a JSON/JSONL file an earlier run read (a SkippedFile comes instead).
    The first occurrence of an id is kept, repeats are quarantined (across batches: the ids
    seen are remembered, not the articles). Quarantine rows travel with the batch they were
    read in.
    """
    if batch_rows < 1:
        raise ValueError(f"batch_rows must be >= 1, got {batch_rows}")
    reader = _Reader(batch_rows)
    for source in sources:
        if source.format not in ("jsonl", "json"):
            yield from reader.batches(read_source(source), None)
            continue
        for path in source.files():
            known = known_file(source, path) if known_file else None
            if known is not None and reader.register(source, known):
                yield SkippedFile(source, path, known)
                continue
            yield from reader.batches(read_json_path(source, path), path)


def _batch(articles: list[dict[str, Any]], quarantine: list[dict[str, Any]], file: Path | None) -> RawBatch:
    return RawBatch(
        articles=pa.Table.from_pylist(articles, schema=RAW_SCHEMA),
        quarantine=pa.Table.from_pylist(quarantine, schema=QUARANTINE_SCHEMA),
        file=file,
    )


def read_sources(sources: list[SourceConfig]) -> RawBatch:
    """Every source read into one batch (`iter_raw_batches` without the batching)."""
    batches = [b for b in iter_raw_batches(sources) if isinstance(b, RawBatch)]
    return RawBatch(
        articles=pa.concat_tables([RAW_SCHEMA.empty_table(), *(b.articles for b in batches)]),
        quarantine=pa.concat_tables([QUARANTINE_SCHEMA.empty_table(), *(b.quarantine for b in batches)]),
    )
