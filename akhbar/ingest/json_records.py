"""JSON and JSONL(.gz) records with a field mapping (title, text, url, published, ...)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from akhbar.ingest.decode import UndecodableError, decode_bytes
from akhbar.ingest.records import article_row, quarantine_row
from akhbar.ingest.sources import DEFAULT_FIELDS, SourceConfig


def _open_bytes(path: Path):
    with path.open("rb") as probe:
        magic = probe.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else path.open("rb")


def _pick(record: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        if record.get(name) not in (None, "", []):
            return record[name]
    return None


def record_to_row(source: SourceConfig, record: Any, origin: str, raw: bytes) -> dict[str, Any]:
    if not isinstance(record, dict):
        return quarantine_row(
            source, origin, f"JSON value is a {type(record).__name__}, not an object", raw=raw
        )
    values = {key: _pick(record, source.field_names(key)) for key in DEFAULT_FIELDS}
    return article_row(
        source,
        origin,
        raw,
        title=values["title"],
        text=values["text"],
        lead=values["lead"],
        url=values["url"],
        published=values["published"],
        author=values["author"],
        tags=values["tags"],
        source_record_id=values["id"],
    )


def read_jsonl(source: SourceConfig, path: Path, rel: str) -> Iterator[dict[str, Any]]:
    try:
        stream = _open_bytes(path)
    except OSError as exc:
        yield quarantine_row(source, rel, f"unreadable: {exc.strerror or exc}")
        return
    number = 0
    with stream:
        try:
            for number, line in enumerate(stream, start=1):
                origin = f"{rel}#L{number}"
                raw = line.rstrip(b"\r\n")
                if number == 1:
                    raw = raw.removeprefix(b"\xef\xbb\xbf")
                if not raw.strip():
                    continue  # blank lines separate nothing and hold no article
                try:
                    # strict=False: a stray control byte inside a string is the text's, not
                    # a reason to lose the record (clean_text removes it and counts it)
                    record = json.loads(decode_bytes(raw, source.encoding), strict=False)
                except UndecodableError as exc:
                    yield quarantine_row(source, origin, str(exc), raw=raw)
                    continue
                except json.JSONDecodeError as exc:
                    yield quarantine_row(
                        source, origin, f"invalid JSON: {exc.msg} at column {exc.colno}", raw=raw
                    )
                    continue
                yield record_to_row(source, record, origin, raw)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            yield quarantine_row(source, rel, f"unreadable after line {number}: {exc}")


def read_json_file(source: SourceConfig, path: Path, rel: str) -> Iterator[dict[str, Any]]:
    try:
        with _open_bytes(path) as stream:
            raw = stream.read()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        yield quarantine_row(source, rel, f"unreadable: {exc}")
        return
    if not raw.strip():
        yield quarantine_row(source, rel, "empty file", raw=raw)
        return
    try:
        doc = json.loads(decode_bytes(raw, source.encoding), strict=False)
    except UndecodableError as exc:
        yield quarantine_row(source, rel, str(exc), raw=raw)
        return
    except json.JSONDecodeError as exc:
        yield quarantine_row(source, rel, f"invalid JSON: {exc.msg} at line {exc.lineno}", raw=raw)
        return
    if isinstance(doc, dict) and isinstance(doc.get("articles"), list):
        doc = doc["articles"]
    if not isinstance(doc, list):
        yield record_to_row(source, doc, rel, raw)
        return
    for index, record in enumerate(doc):
        # The record's own bytes are not addressable inside an array: hash its canonical JSON.
        record_raw = json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")
        yield record_to_row(source, record, f"{rel}#{index}", record_raw)


def read_json_path(source: SourceConfig, path: Path) -> Iterator[dict[str, Any]]:
    """The rows of one file of a JSON or JSONL source."""
    reader = read_jsonl if source.format == "jsonl" else read_json_file
    return reader(source, path, path.relative_to(source.root()).as_posix())


def read_json_records(source: SourceConfig) -> Iterator[dict[str, Any]]:
    for path in source.files():
        yield from read_json_path(source, path)
