"""Stage 2: clean text, remove site chrome, cut paragraphs into typed blocks."""

from __future__ import annotations

import pyarrow as pa

from akhbar.boilerplate import segment
from akhbar.normalize import clean_text

BLOCK = pa.struct([("text", pa.string()), ("kind", pa.string())])
REMOVED = pa.struct([("text", pa.string()), ("rule", pa.string())])

NORMALIZED_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("license", pa.string()),
        pa.field("origin", pa.string(), nullable=False),
        pa.field("raw_sha256", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("published_at", pa.timestamp("us", tz="UTC")),
        pa.field("author", pa.string()),
        pa.field("title", pa.string()),
        pa.field("lead", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("text", pa.string()),
        pa.field("blocks", pa.list_(BLOCK)),
        pa.field("chrome", pa.list_(REMOVED)),
    ]
)


def _one_line(text: str | None) -> str | None:
    return " ".join(clean_text(text).split()) or None if text else None


def normalize_articles(raw: pa.Table) -> pa.Table:
    """Raw articles (RAW_SCHEMA) to normalized articles (NORMALIZED_SCHEMA), same rows."""
    rows = []
    for article in raw.to_pylist():
        text = clean_text(article["text"] or "")
        blocks, removed = segment(text)
        rows.append(
            {
                "id": article["id"],
                "source": article["source"],
                "license": article["license"],
                "origin": article["origin"],
                "raw_sha256": article["raw_sha256"],
                "url": article["url"],
                "published_at": article["published_at"],
                "author": _one_line(article["author"]),
                "title": _one_line(article["title"]),
                "lead": _one_line(article["lead"]),
                "tags": [t for t in (_one_line(t) for t in article["tags"] or []) if t],
                "text": text,
                "blocks": [{"text": b.text, "kind": b.kind} for b in blocks],
                "chrome": [{"text": r.text, "rule": r.rule} for r in removed],
            }
        )
    return pa.Table.from_pylist(rows, schema=NORMALIZED_SCHEMA)
