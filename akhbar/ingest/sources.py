"""Source declarations: `sources.yaml`, or sources inferred from paths given on the command line.

A source is a file, folder or glob. Every file under it is an input: `SourceConfig.inputs()`
lists them all (links to files followed, links to folders followed once, dangling links and
link loops listed with their problem), and `file_format` says how each one is read, by its
name first and by its content when the name does not tell.
"""

from __future__ import annotations

import codecs
import errno
import fnmatch
import glob
import hashlib
import json
import os
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from akhbar.hub_rules import check_source_name
from akhbar.ingest.decode import decode_file_name

FORMATS = ("text", "jsonl", "json", "html")

# Field names tried in order when a JSON source gives no explicit mapping.
DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "article_id", "guid"),
    "title": ("title", "headline"),
    "lead": ("lead", "standfirst", "summary", "description"),
    "text": ("text", "content", "body", "article", "raw_text", "paragraphs"),
    "url": ("url", "link"),
    "published": ("published", "published_at", "date_published", "datePublished", "pubDate"),
    "author": ("author", "byline", "authors"),
    "tags": ("tags", "keywords"),
}

# Names that say the format plainly, longest first ("zip": read by its members' formats).
EXTENSIONS: tuple[tuple[str, str], ...] = (
    (".jsonl.gz", "jsonl"),
    (".ndjson.gz", "jsonl"),
    (".json.gz", "json"),
    (".jsonl", "jsonl"),
    (".ndjson", "jsonl"),
    (".json", "json"),
    (".xhtml", "html"),
    (".html", "html"),
    (".htm", "html"),
    (".zip", "zip"),
    (".txt", "text"),
)
READABLE = ".txt, .json, .jsonl, .ndjson, .html, .htm, .zip (JSON also .gz)"
# A suffix that is an extension: letters and digits starting with a letter (".2024" is not one).
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9_-]{0,15}$")
_SNIFF_BYTES = 65_536


class SourceConfigError(ValueError):
    """A source declaration that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class InputFile:
    """One entry under a source: a file to read, or why it cannot be read at all."""

    path: Path  # as reached from the source's path (through links), for opening
    origin: str  # relative to the source root, "/"-separated, valid Unicode
    problem: str | None = None  # a dangling link, a link loop, a hidden folder not read


@dataclass(frozen=True)
class SourceConfig:
    """One declared source: where its raw articles are and how to read them."""

    name: str
    path: str
    # None: each file's format from its name, else its content (see `file_format`). A declared
    # format applies to the files whose name does not plainly say another one.
    format: str | None = None
    license: str = "other"
    encoding: str | None = None  # None: detected (akhbar/ingest/decode.py)
    timezone: str = "UTC"  # applied to published times that carry no offset
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def field_names(self, key: str) -> tuple[str, ...]:
        return self.fields.get(key) or DEFAULT_FIELDS.get(key, ())

    def root(self) -> Path:
        """Directory that origins are relative to: the fixed prefix of the path or glob."""
        p = Path(self.path)
        if glob.has_magic(self.path):
            parts: list[str] = []
            for part in p.parts:
                if glob.has_magic(part):
                    break
                parts.append(part)
            return Path(*parts) if parts else Path(".")
        return p if p.is_dir() else p.parent

    def inputs(self) -> list[InputFile]:
        """Every entry of the source, sorted by path, so runs see articles in a stable order.

        Raises SourceConfigError when the path does not exist or a glob matches nothing."""
        p = Path(self.path)
        root = self.root()
        if glob.has_magic(self.path):
            found = list(_walk(root, p.parts[len(root.parts) :]))
            if not found:
                raise SourceConfigError(f"source {self.name!r}: {self.path} matches no files")
        elif p.is_dir():
            found = list(_walk(p, None))
        elif p.exists():
            found = [(p, None)]
        else:
            raise SourceConfigError(f"source {self.name!r}: path {self.path} does not exist")
        found.sort(key=lambda entry: entry[0])
        return [InputFile(path, _origin(path, root), problem) for path, problem in found]

    def files(self) -> list[Path]:
        """The paths of every entry (`inputs`), readable or not."""
        return [entry.path for entry in self.inputs()]


def _origin(path: Path, root: Path) -> str:
    """The path relative to the root as valid Unicode: a name in another encoding than the
    file system's (a Windows-1256 name from an old archive) is decoded, never left as surrogates."""
    rel = path.relative_to(root).as_posix() if path != root else path.name
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return decode_file_name(os.fsencode(rel))
    return rel


# --- walking a folder or a glob --------------------------------------------------------


def _link_problem(path: Path) -> str:
    """Why a link leads to nothing readable."""
    target = decode_file_name(os.fsencode(os.readlink(path)))
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"link loop: {target} leads back to itself"
        return f"dangling link: {target} does not exist"
    return f"link to {target}, which is neither a file nor a folder"


def _component_matches(name: str, pattern: str) -> bool:
    if name.startswith(".") and not pattern.startswith("."):
        return False  # as glob: "*" does not match hidden names
    return fnmatch.fnmatchcase(name, pattern)


def _matches(parts: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    """glob's rules, one path component at a time; "**" is any number of components."""
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return any(
            _matches(parts[i:], pattern[1:])
            for i in range(len(parts) + 1)
            if not any(part.startswith(".") for part in parts[:i])
        )
    return bool(parts) and _component_matches(parts[0], pattern[0]) and _matches(parts[1:], pattern[1:])


def _walk(root: Path, pattern: tuple[str, ...] | None) -> Iterator[tuple[Path, str | None]]:
    """Every file under `root` (with its problem, if any), matching `pattern` when given.

    Links to files are followed. A link to a folder is followed after every real folder, and
    only when the folder it leads to (resolved) has not been walked: a link loop ends, and is
    listed with that reason. A file inside a folder that matches the pattern is included, as
    for a folder given as the path. Hidden folders (".git") are not walked: each is listed
    once, with that reason.
    """
    seen = {os.path.realpath(root)}
    stack: list[tuple[Path, tuple[str, ...], bool]] = [(root, (), pattern is None)]
    links: list[tuple[Path, tuple[str, ...], bool]] = []
    deep = pattern is None or "**" in pattern
    while stack or links:
        if stack:
            folder, rel, inside = stack.pop()
        else:
            folder, rel, inside = links.pop(0)
            real = os.path.realpath(folder)
            if real in seen:
                if inside:
                    target = decode_file_name(os.fsencode(os.readlink(folder)))
                    yield folder, f"link to a folder already read ({target}): not followed again"
                continue
            seen.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name, reverse=True)
        except OSError as exc:
            if inside:
                yield folder, f"unreadable folder: {exc.strerror or exc}"
            continue
        for entry in entries:
            path, parts = Path(entry.path), (*rel, entry.name)
            listed = inside or pattern is None or _matches(parts, pattern)
            try:
                is_dir, is_file = entry.is_dir(), entry.is_file()
            except OSError:
                is_dir = is_file = False
            if is_dir:
                if entry.name.startswith("."):
                    if listed:
                        yield path, "hidden folder: not read (give its path to read it)"
                elif listed or deep or len(parts) < len(pattern or ()):
                    if entry.is_symlink():
                        links.append((path, parts, listed))
                    elif (real := os.path.realpath(path)) not in seen:
                        seen.add(real)
                        stack.append((path, parts, listed))
            elif listed:
                if is_file:
                    yield path, None
                elif entry.is_symlink():
                    yield path, _link_problem(path)
                else:
                    yield path, "not a regular file (a device, socket or pipe)"


# --- the format of one file ------------------------------------------------------------


def format_by_name(name: str) -> str | None:
    """The format a file name says plainly, or None."""
    lower = name.lower()
    for ext, fmt in EXTENSIONS:
        if lower.endswith(ext):
            return fmt
    return None


def extension(name: str) -> str:
    """The file name's extension (".csv"), or "" when it has none."""
    if name.lower().endswith(".gz"):
        inner = extension(name[:-3])
        return f"{inner}.gz" if inner else ".gz"
    match = _EXTENSION.search(name)
    return match.group().lower() if match and match.start() > 0 else ""


def sniff_format(head: bytes) -> str | None:
    """The format of a file without a telling name, from its first bytes; None: not one we read.

    A zip archive; gzip-compressed JSON; an HTML page; JSON Lines (a first line that is a
    whole JSON value) or a JSON document; anything else is plain text (whose reader
    quarantines what is not: binary, undecodable or empty content)."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        try:
            inner = zlib.decompressobj(wbits=31).decompress(head, _SNIFF_BYTES)
        except zlib.error:
            return None
        fmt = sniff_format(inner)
        return fmt if fmt in ("json", "jsonl") else None
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            text = head[len(bom) :].decode(codec, errors="ignore")
            break
    else:
        text = head.removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="ignore")
    text = text.lstrip()
    if re.match(r"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", text, re.IGNORECASE):
        return "html"
    if text.startswith("["):
        return "json"
    if text.startswith("{"):
        first, newline, _rest = text.partition("\n")
        try:
            json.loads(first)
        except ValueError:
            # a pretty-printed document, or one long line cut by the sample
            return "json" if newline else "jsonl"
        return "jsonl"
    return "text"


def file_format(name: str, declared: str | None, head: Callable[[], bytes]) -> tuple[str | None, str]:
    """(format, how it was told) of one file: "text", "jsonl", "json", "html", "zip", or
    None with the reason it is not read.

    1. A name ending in .json/.jsonl/.ndjson(.gz), .html/.htm or .zip says its format; within
       JSON, a declared json or jsonl decides between the two.
    2. A declared `format:` applies to every other file (.txt, other extensions, none).
    3. Undeclared: .txt is text; a file without extension is recognised by its content
       (`sniff_format`); any other extension (.csv, .docx, .pdf) is an unsupported format.
    """
    by_name = format_by_name(name)
    if by_name in ("json", "jsonl") and declared in ("json", "jsonl"):
        return declared, "declared"
    if by_name not in (None, "text"):
        return by_name, "by name"
    if declared:
        return declared, "declared"
    if by_name:
        return by_name, "by name"
    ext = extension(name)
    if ext and ext != ".gz":
        return None, (
            f"unsupported format {ext}: akhbar reads {READABLE}; "
            "declare `format:` in sources.yaml to read such files as one of them"
        )
    try:
        sample = head()
    except OSError as exc:
        return "text", f"unreadable: {exc.strerror or exc}"  # the reader reports it
    fmt = sniff_format(sample)
    if fmt is None:
        return None, f"unsupported format: {ext or 'no extension'}, and the content is not one akhbar reads"
    return fmt, "by content"


def read_head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(_SNIFF_BYTES)


# --- sources.yaml ----------------------------------------------------------------------


def guess_format(path: Path) -> str | None:
    """The format a path's name says (None for a folder, a glob, a zip or another name)."""
    fmt = format_by_name(path.name)
    return None if fmt == "zip" or glob.has_magic(str(path)) or path.is_dir() else fmt


def sources_for_inputs(paths: list[str]) -> list[SourceConfig]:
    """One source per `--input` path (a file, folder or glob), named after it."""
    sources: list[SourceConfig] = []
    seen: dict[str, int] = {}
    for raw in paths:
        p = Path(raw)
        if glob.has_magic(raw):
            name_part = next((part for part in reversed(p.parts) if not glob.has_magic(part)), "input")
        elif not p.exists():
            raise SourceConfigError(f"input {raw} does not exist")
        else:
            name_part = p.resolve().name if p.name in ("", ".", "..") else p.name
        base = _origin(Path(name_part.split(".")[0] or "input"), Path("."))
        seen[base] = seen.get(base, 0) + 1
        name = base if seen[base] == 1 else f"{base}-{seen[base]}"
        try:
            check_source_name(name)
        except ValueError as exc:
            raise SourceConfigError(f"input {raw}: {exc}; rename it or name it in a sources.yaml") from None
        source = SourceConfig(name=name, path=str(p), format=guess_format(p))
        if not [entry for entry in source.inputs() if entry.problem is None]:
            raise SourceConfigError(f"input {raw} holds no file")
        sources.append(source)
    return sources


def files_snapshot(sources: list[SourceConfig]) -> str:
    """A digest of every input file of `sources` (path, size, modification time): it changes
    when a file appears, disappears or is rewritten. Cheap (no file is read), for a sensor."""
    entries = []
    for source in sources:
        for path in source.files():
            try:
                stat = path.stat()
            except OSError:
                stat = path.lstat()  # a dangling link: its own change still counts
            entries.append((str(path), stat.st_size, stat.st_mtime_ns))
    return hashlib.sha256(json.dumps(sorted(entries)).encode()).hexdigest()
