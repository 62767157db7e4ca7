"""Plain-text articles in the seed's format: headline on the first line, body after it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from akhbar.ingest.decode import UndecodableError, decode_bytes
from akhbar.ingest.records import article_row, quarantine_row
from akhbar.ingest.sources import SourceConfig


def split_headline(text: str) -> tuple[str, str]:
    """First non-blank line is the headline; the rest, line ends unified, is the body."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.strip():
            return line.strip(), "\n".join(lines[i + 1 :])
    return "", ""


def read_text_article(source: SourceConfig, path: Path, origin: str) -> dict[str, Any]:
    """One file to an article row, or to a quarantine row (key ``reason``) saying why not."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return quarantine_row(source, origin, f"unreadable: {exc.strerror or exc}")
    if not raw.strip():
        return quarantine_row(source, origin, "empty file", raw=raw)
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return quarantine_row(source, origin, "binary content (NUL bytes), not a text article", raw=raw)
    try:
        text = decode_bytes(raw, source.encoding)
    except UndecodableError as exc:
        return quarantine_row(source, origin, str(exc), raw=raw)
    title, body = split_headline(text.removeprefix("\ufeff"))
    return article_row(source, origin, raw, title=title, text=body)


def read_text_files(source: SourceConfig) -> Iterator[dict[str, Any]]:
    root = source.root()
    for path in source.files():
        yield read_text_article(source, path, path.relative_to(root).as_posix())
