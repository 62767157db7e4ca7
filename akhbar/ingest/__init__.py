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


def read_sources(sources: list[SourceConfig]) -> RawBatch:
    """Read every source; the first occurrence of an id is kept, repeats are quarantined."""
    articles: list[dict[str, Any]] = []
    quarantine: list[dict[str, Any]] = []
    kept_origin: dict[str, str] = {}
    for source in sources:
        for row in read_source(source):
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
    return RawBatch(
        articles=pa.Table.from_pylist(articles, schema=RAW_SCHEMA),
        quarantine=pa.Table.from_pylist(quarantine, schema=QUARANTINE_SCHEMA),
    )
