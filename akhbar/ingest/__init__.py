"""Readers for every source format, and the raw stage that runs them.

`read_sources` returns every raw article as a row of `RAW_SCHEMA`, or, when it cannot be
an article, a row of `QUARANTINE_SCHEMA` with the reason: nothing read is dropped. Every file
under a source is read in its own format (`akhbar.ingest.sources.file_format`), and a file
that cannot be read at all (an unsupported format, a dangling link) is a quarantine row too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from akhbar.ingest.decode import looks_like_mojibake
from akhbar.ingest.json_records import read_json_path
from akhbar.ingest.records import QUARANTINE_SCHEMA, RAW_SCHEMA, quarantine_row
from akhbar.ingest.sources import (
    InputFile,
    SourceConfig,
    SourceConfigError,
    file_format,
    read_head,
    sources_for_inputs,
)
from akhbar.ingest.sources_file import check_field_mapping, load_sources_file
from akhbar.ingest.text_files import read_archive, read_file_article

__all__ = [
    "QUARANTINE_SCHEMA",
    "RAW_SCHEMA",
    "KnownFile",
    "RawBatch",
    "SkippedFile",
    "SourceConfig",
    "SourceConfigError",
    "check_field_mapping",
    "iter_raw_batches",
    "load_sources_file",
    "read_source",
    "read_sources",
    "sources_for_inputs",
]


def _file_rows(source: SourceConfig, entry: InputFile, fmt: str | None, how: str) -> Iterator[dict[str, Any]]:
    """The rows of one input that is not a JSON/JSONL file (those go by `read_json_path`)."""
    if entry.problem is not None:
        yield quarantine_row(source, entry.origin, entry.problem)
    elif fmt is None:
        yield quarantine_row(source, entry.origin, how)
    elif fmt == "zip":
        yield from read_archive(source, entry.path, entry.origin)
    else:  # text or html
        yield read_file_article(source, entry.path, entry.origin, fmt)


def _entries(source: SourceConfig) -> Iterator[tuple[InputFile, str | None, str]]:
    """Every input of the source with its format (None: not read, and why)."""
    for entry in source.inputs():
        if entry.problem is not None:
            yield entry, None, entry.problem
        else:
            yield entry, *file_format(entry.path.name, source.format, lambda e=entry: read_head(e.path))


def read_source(source: SourceConfig) -> Iterator[dict[str, Any]]:
    """Every row of one source, file after file."""
    for entry, fmt, how in _entries(source):
        if fmt in ("json", "jsonl"):
            yield from read_json_path(source, entry.path, entry.origin, fmt)
        else:
            yield from _file_rows(source, entry, fmt, how)


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

    A batch never spans two sources nor a JSON/JSONL file and another file (the files of other
    formats between two JSON files share batches), so one new file of a daily scrape makes new
    batches of its own and leaves the others as they were; `known_file`
    may even spare reading a JSON/JSONL file an earlier run read (a SkippedFile comes instead).
    The first occurrence of an id is kept, repeats are quarantined (across batches: the ids
    seen are remembered, not the articles). Quarantine rows travel with the batch they were
    read in.
    """
    if batch_rows < 1:
        raise ValueError(f"batch_rows must be >= 1, got {batch_rows}")
    reader = _Reader(batch_rows)
    for source in sources:
        others: list[tuple[InputFile, str | None, str]] = []  # files before the next JSON file
        for entry, fmt, how in _entries(source):
            if fmt not in ("json", "jsonl"):
                others.append((entry, fmt, how))
                continue
            if others:
                yield from reader.batches(_rows_of(source, others), None)
                others = []
            path = entry.path
            known = known_file(source, path) if known_file else None
            if known is not None and reader.register(source, known):
                yield SkippedFile(source, path, known)
                continue
            yield from reader.batches(read_json_path(source, path, entry.origin, fmt), path)
        if others:
            yield from reader.batches(_rows_of(source, others), None)


def _rows_of(
    source: SourceConfig, files: list[tuple[InputFile, str | None, str]]
) -> Iterator[dict[str, Any]]:
    for entry, fmt, how in files:
        yield from _file_rows(source, entry, fmt, how)


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
