"""Plain-text articles in the seed's format: headline on the first line, body after it; and
zip archives, read in place.

A `.zip` is read member by member (sorted by name; origin `archive.zip!folder/file.txt`),
each member in its own format as a file would be (`file_format`), so an archive as published
is a source without being extracted. Every member is accounted for: a member that is not an
article (an unsupported format, a nested archive, macOS resource forks) is a quarantine row.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from akhbar.ingest.decode import UndecodableError, decode_text, looks_like_mojibake
from akhbar.ingest.html_pages import html_article
from akhbar.ingest.json_records import read_json_stream
from akhbar.ingest.records import article_row, quarantine_row
from akhbar.ingest.sources import SourceConfig, file_format

_UTF8_NAMES = 0x800  # zip flag bit 11: member names are UTF-8, else CP437 (or the OEM page)
# RuntimeError: an encrypted member; NotImplementedError: an unsupported compression method.
_MEMBER_ERRORS = (OSError, EOFError, RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error)


def split_headline(text: str) -> tuple[str, str]:
    """First non-blank line is the headline; the rest, line ends unified, is the body."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.strip():
            return line.strip(), "\n".join(lines[i + 1 :])
    return "", ""


# A whole HTML page saved as .txt: its markup would become the article text.
_HTML_PAGE = re.compile(r"\A\ufeff?\s*(?:<!doctype\s+html|<html[\s>])", re.IGNORECASE)


def text_article(source: SourceConfig, origin: str, raw: bytes) -> dict[str, Any]:
    """Raw bytes of one article to an article row, or to a quarantine row (key ``reason``).

    Text that decodes cleanly but is mojibake (or lossy upstream) is quarantined too: a
    dataset row with "Ø§Ù„" or U+FFFD in it is worse than no row.
    """
    if not raw.strip():
        return quarantine_row(source, origin, "empty file", raw=raw)
    try:
        text, _encoding = decode_text(raw, source.encoding)
    except UndecodableError as exc:
        return quarantine_row(source, origin, str(exc), raw=raw)
    reason = looks_like_mojibake(text)
    if reason:
        return quarantine_row(source, origin, reason, raw=raw)
    if _HTML_PAGE.match(text):
        return quarantine_row(
            source, origin, "HTML page in a text source: declare the source with format html", raw=raw
        )
    title, body = split_headline(text.removeprefix("\ufeff"))
    return article_row(source, origin, raw, title=title, text=body)


def file_article(source: SourceConfig, origin: str, raw: bytes, fmt: str) -> dict[str, Any]:
    """The bytes of one text or HTML file, on disk or in an archive, to its row."""
    return html_article(source, origin, raw) if fmt == "html" else text_article(source, origin, raw)


def read_file_article(source: SourceConfig, path: Path, origin: str, fmt: str) -> dict[str, Any]:
    """One text or HTML file to an article row, or to a quarantine row (key ``reason``)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return quarantine_row(source, origin, f"unreadable: {exc.strerror or exc}")
    return file_article(source, origin, raw, fmt)


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name; names without the UTF-8 flag are retried as UTF-8 (common in practice)."""
    if info.flag_bits & _UTF8_NAMES:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _resource_fork(name: str) -> bool:
    """macOS's archive metadata (`__MACOSX/`, `._name`): no file the user put in the archive."""
    return name.startswith("__MACOSX/") or name.rsplit("/", 1)[-1].startswith("._")


def _member_rows(
    source: SourceConfig, archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, origin: str
) -> Iterator[dict[str, Any]]:
    base = name.rsplit("/", 1)[-1]
    if _resource_fork(name):
        yield quarantine_row(source, origin, "macOS resource fork (archive metadata), not an article")
        return
    fmt, how = file_format(base, source.format, lambda: archive.open(info).read(65_536))
    if fmt is None:
        yield quarantine_row(source, origin, how)
    elif fmt == "zip":
        yield quarantine_row(source, origin, "archive inside an archive: extract it to read its files")
    elif fmt in ("json", "jsonl"):
        yield from read_json_stream(source, fmt, lambda: archive.open(info), origin)
    else:
        raw = archive.read(info)
        yield file_article(source, origin, raw, fmt)


def read_archive(source: SourceConfig, path: Path, rel: str) -> Iterator[dict[str, Any]]:
    """Every file member of a zip archive, in its own format; raw_sha256 is of the member's bytes."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        yield quarantine_row(source, rel, f"unreadable archive: {exc}")
        return
    with archive:
        members = [(member_name(info), info) for info in archive.infolist() if not info.is_dir()]
        for name, info in sorted(members, key=lambda m: m[0]):
            origin = f"{rel}!{name}"
            try:
                yield from _member_rows(source, archive, info, name, origin)
            except _MEMBER_ERRORS as exc:
                yield quarantine_row(source, origin, f"unreadable archive member: {exc}")
