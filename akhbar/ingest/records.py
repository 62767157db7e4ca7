"""Raw article and quarantine rows, their Arrow schemas, and the stable article id."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from akhbar.ingest.sources import SourceConfig
from akhbar.schema import CAPTION

RAW_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("license", pa.string()),
        pa.field("origin", pa.string(), nullable=False),
        pa.field("raw_sha256", pa.string(), nullable=False),
        pa.field("size_bytes", pa.int64()),
        pa.field("url", pa.string()),
        pa.field("source_record_id", pa.string()),
        pa.field("published_at", pa.timestamp("us", tz="UTC")),
        pa.field("title", pa.string()),
        pa.field("lead", pa.string()),
        pa.field("text", pa.string()),
        pa.field("author", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("captions", pa.list_(CAPTION)),  # captions a reader found outside the text (HTML)
    ]
)

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("origin", pa.string(), nullable=False),
        pa.field("stage", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("raw_sha256", pa.string()),
        pa.field("size_bytes", pa.int64()),
        pa.field("id", pa.string()),
    ]
)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def article_id(source: str, url: str | None, source_record_id: str | None, origin: str) -> str:
    """Stable id: hash of source + (url, else source record id, else the origin within the source).

    The id names where an article comes from, not what it says: a corrected file or record keeps
    its id (its new text replaces the old one in the next release), and two origins with the same
    bytes are two ids, found to be exact copies by content (akhbar.dedup). A record without url or
    id is named by its place: `dump.jsonl#L12` is the twelfth line of that dump, whatever it holds.
    """
    key = url or (f"id:{source_record_id}" if source_record_id else f"origin:{origin}")
    return sha256_hex(f"{source}\x1f{key}".encode())[:24]


def parse_published(value: Any, timezone: str = "UTC") -> datetime | None:
    """ISO 8601 date or datetime to UTC; a value without offset is read in the source's zone.

    Returns None for anything unparseable: publication times are never invented.
    """
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    text = str(value).strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    return parsed.astimezone(UTC)


def quarantine_row(
    source: SourceConfig | str,
    origin: str,
    reason: str,
    *,
    stage: str = "raw",
    raw: bytes | None = None,
    article: str | None = None,
) -> dict[str, Any]:
    return {
        "source": source.name if isinstance(source, SourceConfig) else source,
        "origin": origin,
        "stage": stage,
        "reason": reason,
        "raw_sha256": sha256_hex(raw) if raw is not None else None,
        "size_bytes": len(raw) if raw is not None else None,
        "id": article,
    }


def _text_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):  # paragraphs given as a list
        return "\n".join(str(v) for v in value if v is not None)
    return str(value)


def _tags_value(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [t.strip() for t in value.replace("،", ",").split(",") if t.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [str(value)]


def article_row(
    source: SourceConfig,
    origin: str,
    raw: bytes,
    *,
    title: Any = None,
    text: Any = None,
    lead: Any = None,
    url: Any = None,
    published: Any = None,
    author: Any = None,
    tags: Any = None,
    source_record_id: Any = None,
) -> dict[str, Any]:
    """A raw article row; values are kept as the source gave them (normalization comes later)."""
    raw_sha = sha256_hex(raw)
    url_s = _text_value(url) or None
    rid = _text_value(source_record_id) or None
    return {
        "id": article_id(source.name, url_s, rid, origin),
        "source": source.name,
        "license": source.license,
        "origin": origin,
        "raw_sha256": raw_sha,
        "size_bytes": len(raw),
        "url": url_s,
        "source_record_id": rid,
        "published_at": parse_published(published, source.timezone),
        "title": _text_value(title),
        "lead": _text_value(lead) or None,
        "text": _text_value(text),
        "author": _text_value(author) or None,
        "tags": _tags_value(tags),
        "captions": [],
    }


def quarantine_rows(table: pa.Table, reasons: dict[int, str], *, stage: str) -> pa.Table:
    """Quarantine rows (QUARANTINE_SCHEMA) for the rows of `table` at the given positions."""
    positions = sorted(reasons)
    columns = [c for c in QUARANTINE_SCHEMA.names if c in table.column_names]
    picked = table.select(columns).take(pa.array(positions, pa.int64())).to_pylist()
    return pa.Table.from_pylist(
        [
            {
                "source": row["source"],
                "origin": row["origin"],
                "stage": stage,
                "reason": reasons[position],
                "raw_sha256": row.get("raw_sha256"),
                "size_bytes": row.get("size_bytes"),
                "id": row.get("id"),
            }
            for position, row in zip(positions, picked, strict=True)
        ],
        schema=QUARANTINE_SCHEMA,
    )
