"""`sources.yaml`: loaded with each key's line kept, checked key by key before anything runs,
so every mistake is one line naming the file, the line and the key (`SourceConfigError`);
and, for JSON sources, the field mapping checked against the first records of each file.
"""

from __future__ import annotations

import codecs
import gzip
import json
import re
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from akhbar.hub_rules import check_license, check_source_name
from akhbar.ingest.sources import (
    DEFAULT_FIELDS,
    FORMATS,
    InputFile,
    SourceConfig,
    SourceConfigError,
    file_format,
    guess_format,
    read_head,
)


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
