"""Plain-text articles in the seed's format: headline on the first line, body after it.

A text source is a folder or glob of `.txt` files, or a `.zip` archive of them read in place
(every `.txt` member, sorted by name; origin `archive.zip!folder/file.txt`), so an archive
as published is a source without being extracted.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from akhbar.ingest.decode import UndecodableError, decode_text, looks_like_mojibake
from akhbar.ingest.records import article_row, quarantine_row
from akhbar.ingest.sources import SourceConfig

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


def read_text_article(source: SourceConfig, path: Path, origin: str) -> dict[str, Any]:
    """One file to an article row, or to a quarantine row (key ``reason``) saying why not."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return quarantine_row(source, origin, f"unreadable: {exc.strerror or exc}")
    return text_article(source, origin, raw)


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name; names without the UTF-8 flag are retried as UTF-8 (common in practice)."""
    if info.flag_bits & _UTF8_NAMES:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _is_article_member(info: zipfile.ZipInfo, name: str) -> bool:
    """`.txt` files, not folders nor macOS resource forks (`__MACOSX/`, `._name.txt`)."""
    base = name.rsplit("/", 1)[-1]
    return (
        not info.is_dir()
        and name.lower().endswith(".txt")
        and not name.startswith("__MACOSX/")
        and not base.startswith("._")
    )


def read_text_archive(source: SourceConfig, path: Path, rel: str) -> Iterator[dict[str, Any]]:
    """Every `.txt` member of a zip archive, by name; raw_sha256 is of the member's bytes."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        yield quarantine_row(source, rel, f"unreadable archive: {exc}")
        return
    with archive:
        members = [(member_name(info), info) for info in archive.infolist()]
        members = sorted((m for m in members if _is_article_member(m[1], m[0])), key=lambda m: m[0])
        for name, info in members:
            origin = f"{rel}!{name}"
            try:
                raw = archive.read(info)
            except _MEMBER_ERRORS as exc:
                yield quarantine_row(source, origin, f"unreadable archive member: {exc}")
                continue
            yield text_article(source, origin, raw)


def read_text_files(source: SourceConfig) -> Iterator[dict[str, Any]]:
    root = source.root()
    for path in source.files():
        rel = path.relative_to(root).as_posix()
        if path.suffix.lower() == ".zip":
            yield from read_text_archive(source, path, rel)
        else:
            yield read_text_article(source, path, rel)
