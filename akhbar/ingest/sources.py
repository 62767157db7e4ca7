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
import gzip
import hashlib
import json
import os
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from akhbar.hub_rules import check_license, check_source_name
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


class _Lines(dict):
    """A YAML mapping that remembers the line of each key (1-based) and its own."""

    line = 1
    lines: dict[Any, int]


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _Lines:
    loader.flatten_mapping(node)
    mapping = _Lines()
    mapping.line = node.start_mark.line + 1
    mapping.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            duplicate = key in mapping
        except TypeError:
            raise _KeyError(line, f"{key!r}", "a key must be a plain name") from None
        if duplicate:
            raise _KeyError(line, str(key), "key given twice in the same mapping")
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = line
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _KeyError(Exception):
    def __init__(self, line: int, key: str, message: str) -> None:
        super().__init__(message)
        self.line, self.key, self.message = line, key, message


_KEYS = ("name", "path", "format", "license", "encoding", "timezone", "fields")


def _key_on(line: str) -> str:
    """ ": key 'name'" when the line declares a key, else ""."""
    key = re.match(r"\s*(?:-\s+)?([\w-]+)\s*:", line)
    return f": key '{key.group(1)}'" if key else ""


def _yaml_error(path: Path, text: str, exc: yaml.YAMLError) -> SourceConfigError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark else 1
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    source_line = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
    where = f"{path}:{line}{_key_on(source_line)}"
    if "\t" in problem or "\t" in source_line[: len(source_line) - len(source_line.lstrip())]:
        hint = "a tab character; YAML indents with spaces only"
    else:
        hint = f"YAML syntax error: {problem}" + (f" (column {mark.column + 1})" if mark else "")
        if "expected <block end>" in problem:
            hint += "; the indentation does not line up with the lines above"
    return SourceConfigError(f"{where}: {hint}")


def _parse(path: Path) -> Any:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceConfigError(f"sources file {path}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        text = data.splitlines()[line - 1].decode("utf-8", errors="replace")
        raise SourceConfigError(
            f"{path}:{line}{_key_on(text)}: not UTF-8 (byte 0x{data[exc.start]:02X}); save the file as UTF-8"
        ) from None
    try:
        return yaml.load(text, Loader=_Loader)
    except _KeyError as exc:
        raise SourceConfigError(f"{path}:{exc.line}: key '{exc.key}': {exc.message}") from None
    except yaml.YAMLError as exc:
        raise _yaml_error(path, text, exc) from None


def _text(value: Any, what: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{what} is empty")
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text, got a {type(value).__name__} ({value!r}); quote it if it is")
    return value


def _names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) and value.strip():
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(value)
    raise ValueError(f"a field is mapped to a name or a list of names, got {value!r}")


def _encoding(value: Any) -> str:
    name = _text(value, "encoding")
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise ValueError(
            f"unknown encoding {name!r} (e.g. utf-8, windows-1256, iso-8859-6, utf-16)"
        ) from None
    if not getattr(info, "_is_text_encoding", True):
        raise ValueError(f"{name!r} is not a text encoding")
    return name


def _timezone(value: Any) -> str:
    name = _text(value, "timezone")
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as Asia/Riyadh, or UTC)") from None
    return name


def _source(entry: Any, base: Path, line: int) -> SourceConfig:
    """One entry of `sources:` to a SourceConfig; `_KeyError` names the key that is wrong."""
    line = entry.line if isinstance(entry, _Lines) else line
    if not isinstance(entry, dict):
        raise _KeyError(line, "", f"each source is a mapping with name and path, got {entry!r}")
    lines = entry.lines if isinstance(entry, _Lines) else {}

    def at(key: str) -> int:
        return lines.get(key, line)

    for key in entry:
        if key not in _KEYS:
            raise _KeyError(at(key), str(key), f"unknown key; a source has {', '.join(_KEYS)}")
    for key in ("name", "path"):
        if key not in entry:
            raise _KeyError(line, key, "missing; each source needs at least 'name' and 'path'")
    values: dict[str, Any] = {}
    checks: dict[str, Callable[[Any], Any]] = {
        # akhbar.hub_rules: what the card can declare
        "name": lambda v: check_source_name(_text(v, "the source name")),
        "path": lambda v: _text(v, "path"),
        "license": lambda v: check_license(_text(v, "license")),
        "encoding": _encoding,
        "timezone": _timezone,
    }
    for key, check in checks.items():
        if key in entry:
            try:
                values[key] = check(entry[key])
            except ValueError as exc:
                raise _KeyError(at(key), key, str(exc)) from None
    fmt = entry.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise _KeyError(at("format"), "format", f"{fmt!r} is not one of {', '.join(FORMATS)}")
    fields_value = entry.get("fields") or {}
    if not isinstance(fields_value, dict):
        raise _KeyError(
            at("fields"), "fields", f"a mapping such as {{title: headline, text: body}}, got {fields_value!r}"
        )
    field_lines = fields_value.lines if isinstance(fields_value, _Lines) else {}
    mapped: dict[str, tuple[str, ...]] = {}
    for key, value in fields_value.items():
        where = field_lines.get(key, at("fields"))
        if key not in DEFAULT_FIELDS:
            raise _KeyError(where, f"fields.{key}", f"unknown field; known: {', '.join(DEFAULT_FIELDS)}")
        try:
            mapped[key] = _names(value)
        except ValueError as exc:
            raise _KeyError(where, f"fields.{key}", str(exc)) from None
    src_path = Path(values["path"]).expanduser()
    if not src_path.is_absolute():
        src_path = base / src_path
    source = SourceConfig(
        name=values["name"],
        path=str(src_path),
        format=fmt or guess_format(src_path),
        license=values.get("license", "other"),
        encoding=values.get("encoding"),
        timezone=values.get("timezone", "UTC"),
        fields=mapped,
    )
    try:
        if not [entry for entry in source.inputs() if entry.problem is None]:
            raise SourceConfigError(f"{source.path} holds no file")
    except SourceConfigError as exc:
        raise _KeyError(at("path"), "path", str(exc).removeprefix(f"source {source.name!r}: ")) from None
    return source


def load_sources_file(path: str | Path, *, check_records: bool = False) -> list[SourceConfig]:
    """Read `sources.yaml`; relative paths in it are relative to the file's folder.

    Every mistake raises SourceConfigError with one line naming the file, the line and the key.
    `check_records`: also look at the first records of each JSON/JSONL file, so that a field
    mapping that matches no record is reported here (`check_field_mapping`), not as a
    quarantine of every record."""
    path = Path(path)
    if not path.is_file():
        raise SourceConfigError(f"sources file {path} not found")
    doc = _parse(path)
    entries = doc.get("sources") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        line = doc.lines.get("sources", 1) if isinstance(doc, _Lines) else 1
        raise SourceConfigError(f"{path}:{line}: key 'sources': expected a top-level 'sources:' list")
    if isinstance(doc, dict) and (extra := [k for k in doc if k != "sources"]):
        line = doc.lines.get(extra[0], 1) if isinstance(doc, _Lines) else 1
        raise SourceConfigError(f"{path}:{line}: key '{extra[0]}': unknown key; the file holds 'sources:'")
    sources: list[SourceConfig] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        try:
            source = _source(
                entry, path.parent, doc.lines.get("sources", 1) if isinstance(doc, _Lines) else 1
            )
        except _KeyError as exc:
            key = f"sources[{i}]" + (f".{exc.key}" if exc.key else "")
            raise SourceConfigError(f"{path}:{exc.line}: {key}: {exc.message}") from None
        line = entry.lines.get("name", entry.line) if isinstance(entry, _Lines) else 1
        if source.name in seen:
            raise SourceConfigError(
                f"{path}:{line}: sources[{i}].name: {source.name!r} is already the name of the "
                f"source at line {seen[source.name]}; names must be unique"
            )
        seen[source.name] = line
        if check_records:
            mapping = entry.get("fields")
            fields_line = entry.lines.get("fields", entry.line)
            lines = mapping.lines if isinstance(mapping, _Lines) else {}
            check_field_mapping(
                source,
                lambda key, i=i, lines=lines, fields_line=fields_line: (
                    f"{path}:{lines.get(key, fields_line)}: sources[{i}].fields.{key}"
                ),
            )
        sources.append(source)
    return sources


# --- field mappings against the records ------------------------------------------------

_SAMPLE_RECORDS = 50
REQUIRED_FIELDS = ("title", "text")


def sample_records(source: SourceConfig, entry: InputFile, fmt: str) -> list[dict[str, Any]]:
    """Up to `_SAMPLE_RECORDS` JSON objects from the start of a file (undecodable lines skipped)."""
    records: list[Any] = []
    try:
        with entry.path.open("rb") as probe:
            gz = probe.read(2) == b"\x1f\x8b"
        opener = gzip.open if gz else open
        with opener(entry.path, "rb") as fh:
            if fmt == "jsonl":
                for line in fh:
                    if len(records) >= _SAMPLE_RECORDS:
                        break
                    if line.strip():
                        try:
                            records.append(json.loads(line.decode(source.encoding or "utf-8-sig")))
                        except (ValueError, LookupError):
                            continue
            else:
                doc = json.loads(fh.read().decode(source.encoding or "utf-8-sig"))
                if isinstance(doc, dict) and isinstance(doc.get("articles"), list):
                    doc = doc["articles"]
                records = (doc if isinstance(doc, list) else [doc])[:_SAMPLE_RECORDS]
    except (OSError, EOFError, ValueError, LookupError, zlib.error):
        return []  # the reader reports what is wrong with the file
    return [r for r in records if isinstance(r, dict)]


def check_field_mapping(source: SourceConfig, where: Callable[[str], str]) -> None:
    """Raise SourceConfigError when no sampled record of a JSON/JSONL file holds the field
    that title or text is mapped to: a whole file that does not match the mapping is a
    configuration mistake, reported before the run, not one quarantined record after another."""
    for entry in source.inputs():
        if entry.problem is not None:
            continue
        fmt, _how = file_format(entry.path.name, source.format, lambda e=entry: read_head(e.path))
        if fmt not in ("json", "jsonl"):
            continue
        records = sample_records(source, entry, fmt)
        if not records:
            continue
        for key in REQUIRED_FIELDS:
            names = source.field_names(key)
            if any(name in record for record in records for name in names):
                continue
            present = sorted({k for record in records for k in record if isinstance(k, str)})
            wanted = " or ".join(repr(n) for n in names)
            raise SourceConfigError(
                f"{where(key)}: none of the first {len(records)} records of {entry.origin} has "
                f"{wanted} for the {key}; their fields are {', '.join(present[:20]) or 'none'}"
            )


# --- sources from command-line paths ---------------------------------------------------


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
