"""HTML article pages, extracted with trafilatura (text plus title, date, author, url)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import trafilatura

from akhbar.ingest.decode import UndecodableError, decode_bytes
from akhbar.ingest.records import article_row, quarantine_row
from akhbar.ingest.sources import SourceConfig


def extract_html(html: str) -> dict[str, Any] | None:
    """trafilatura's main-text extraction with metadata, as a dict (None when nothing found)."""
    out = trafilatura.extract(
        html,
        output_format="json",
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        deduplicate=False,
        # no guessing from URLs or free text: dates are never invented
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    return json.loads(out) if out else None


def read_html_pages(source: SourceConfig) -> Iterator[dict[str, Any]]:
    root = source.root()
    for path in source.files():
        origin = path.relative_to(root).as_posix()
        try:
            raw = path.read_bytes()
        except OSError as exc:
            yield quarantine_row(source, origin, f"unreadable: {exc.strerror or exc}")
            continue
        if not raw.strip():
            yield quarantine_row(source, origin, "empty file", raw=raw)
            continue
        try:
            html = decode_bytes(raw, source.encoding)
        except UndecodableError as exc:
            yield quarantine_row(source, origin, str(exc), raw=raw)
            continue
        doc = extract_html(html)
        if not doc or not (doc.get("text") or "").strip():
            yield quarantine_row(source, origin, "HTML page without extractable article text", raw=raw)
            continue
        yield article_row(
            source,
            origin,
            raw,
            title=doc.get("title"),
            text=doc.get("text"),
            url=doc.get("url") or doc.get("source"),
            published=doc.get("date"),
            author=doc.get("author"),
            tags=doc.get("tags") or None,
        )
