"""Stage 2: clean text, remove site chrome and stock paragraphs, cut paragraphs into typed blocks."""

from __future__ import annotations

import pyarrow as pa

from akhbar.boilerplate import PARAGRAPH, resegment_flattened, segment
from akhbar.normalize import clean_text
from akhbar.profiles import profile_for
from akhbar.schema import CAPTION
from akhbar.stock_paragraphs import find_stock_paragraphs, stock_positions

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
        pa.field("captions", pa.list_(CAPTION)),  # found by the reader, outside the text
        pa.field("text", pa.string()),
        pa.field("blocks", pa.list_(BLOCK)),
        pa.field("chrome", pa.list_(REMOVED)),
    ]
)


def _one_line(text: str | None) -> str | None:
    return (" ".join(clean_text(text).split()) or None) if text else None


def normalize_articles(raw: pa.Table) -> pa.Table:
    """Raw articles (RAW_SCHEMA) to normalized articles (NORMALIZED_SCHEMA), same rows.

    Two passes: every article is cleaned and segmented on its own, then stock paragraphs are
    found across the whole batch and removed (`akhbar.stock_paragraphs`).
    """
    rows = []
    for article in raw.to_pylist():
        profile = profile_for(article["source"], article["url"])
        text = clean_text(resegment_flattened(article["text"] or ""))
        segmented = segment(text, profile)
        tags = [t for t in (_one_line(t) for t in [*(article["tags"] or []), *segmented.tags]) if t]
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
                "tags": list(dict.fromkeys(tags)),
                "captions": [
                    {"text": _one_line(c["text"]), "credit": _one_line(c["credit"])}
                    for c in article["captions"] or []
                    if _one_line(c["text"])
                ],
                "text": text,
                "blocks": [{"text": b.text, "kind": b.kind} for b in segmented.blocks],
                "chrome": [{"text": r.text, "rule": r.rule} for r in segmented.removed],
            }
        )
    _remove_stock_paragraphs(rows)
    return pa.Table.from_pylist(rows, schema=NORMALIZED_SCHEMA)


def _paragraph_texts(row: dict) -> list[str]:
    return [b["text"] for b in row["blocks"] if b["kind"] == PARAGRAPH]


def _remove_stock_paragraphs(rows: list[dict]) -> None:
    stock = find_stock_paragraphs((r["source"], r["title"] or "", _paragraph_texts(r)) for r in rows)
    if not stock:
        return
    for row in rows:
        paragraph_blocks = [i for i, b in enumerate(row["blocks"]) if b["kind"] == PARAGRAPH]
        drop = {paragraph_blocks[i] for i in stock_positions(row["source"], _paragraph_texts(row), stock)}
        if drop:
            row["chrome"].extend(
                {"text": row["blocks"][i]["text"], "rule": "stock_paragraph"} for i in sorted(drop)
            )
            row["blocks"] = [b for i, b in enumerate(row["blocks"]) if i not in drop]
