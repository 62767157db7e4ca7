"""JSON and JSONL(.gz) records with a field mapping (title, text, url, published, ...)."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from akhbar.ingest.decode import UndecodableError, decode_bytes
from akhbar.ingest.records import article_row, quarantine_row
from akhbar.ingest.sources import DEFAULT_FIELDS, SourceConfig

# Opens the file (or archive member) afresh, as a binary stream.
Opener = Callable[[], IO[bytes]]

_NO_FIELD = {"text": "no article text", "title": "no title"}


@contextmanager
def _open_bytes(opener: Opener) -> Iterator[IO[bytes]]:
    """The stream, decompressed when it starts with gzip's magic bytes."""
    with opener() as probe:
        magic = probe.read(2)
    with opener() as stream:
        if magic == b"\x1f\x8b":
            with gzip.GzipFile(fileobj=stream, mode="rb") as unzipped:
                yield unzipped
        else:
            yield stream


def _pick(record: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        if record.get(name) not in (None, "", []):
            return record[name]
    return None


def _missing_field(source: SourceConfig, record: dict[str, Any]) -> str | None:
    """Why a record cannot be an article when it has none of the names its text or title is
    read from: which names, mapped or tried by default, and which fields it does have."""
    for key, what in _NO_FIELD.items():
        names = source.field_names(key)
        if any(name in record for name in names):
            continue
        how = "as mapped in sources.yaml" if key in source.fields else "the names tried by default"
        fields = [str(k) for k in record]
        shown = ", ".join(fields[:15]) + (f" and {len(fields) - 15} more" if len(fields) > 15 else "")
        return (
            f"{what}: the record has no field {' or '.join(repr(n) for n in names)} ({how}); "
            f"its fields are {shown or 'none'}"
        )
    return None


def record_to_row(source: SourceConfig, record: Any, origin: str, raw: bytes) -> dict[str, Any]:
    if not isinstance(record, dict):
        return quarantine_row(
            source, origin, f"JSON value is a {type(record).__name__}, not an object", raw=raw
        )
    missing = _missing_field(source, record)
    if missing:
        return quarantine_row(source, origin, missing, raw=raw)
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


def read_jsonl(source: SourceConfig, opener: Opener, rel: str) -> Iterator[dict[str, Any]]:
    number = 0
    try:
        with _open_bytes(opener) as stream:
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
    except (OSError, EOFError, zlib.error) as exc:
        if number == 0:
            yield quarantine_row(source, rel, f"unreadable: {getattr(exc, 'strerror', None) or exc}")
        else:
            yield quarantine_row(source, rel, f"unreadable after line {number}: {exc}")


def read_json_file(source: SourceConfig, opener: Opener, rel: str) -> Iterator[dict[str, Any]]:
    try:
        with _open_bytes(opener) as stream:
            raw = stream.read()
    except (OSError, EOFError, zlib.error) as exc:
        yield quarantine_row(source, rel, f"unreadable: {getattr(exc, 'strerror', None) or exc}")
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


def read_json_stream(source: SourceConfig, fmt: str, opener: Opener, rel: str) -> Iterator[dict[str, Any]]:
    """The rows of one JSON (`fmt` "json") or JSONL ("jsonl") file or archive member."""
    reader = read_jsonl if fmt == "jsonl" else read_json_file
    return reader(source, opener, rel)


def read_json_path(
    source: SourceConfig, path: Path, origin: str | None = None, fmt: str | None = None
) -> Iterator[dict[str, Any]]:
    """The rows of one file of a JSON or JSONL source."""
    rel = origin if origin is not None else path.relative_to(source.root()).as_posix()
    return read_json_stream(source, fmt or source.format or "jsonl", lambda: path.open("rb"), rel)
