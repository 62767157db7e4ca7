"""Source declarations: `sources.yaml`, or sources inferred from paths given on the command line."""

from __future__ import annotations

import glob
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from akhbar.hub_rules import check_license, check_source_name

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


class SourceConfigError(ValueError):
    """A source declaration that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class SourceConfig:
    """One declared source: where its raw articles are and how to read them."""

    name: str
    path: str
    format: str
    license: str = "other"
    encoding: str | None = None  # None: UTF-8 (with or without BOM) or UTF-16 with BOM
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

    def files(self) -> list[Path]:
        """Every file of the source, sorted, so runs see articles in a stable order."""
        p = Path(self.path)
        if glob.has_magic(self.path):
            found = [Path(x) for x in glob.glob(self.path, recursive=True)]
            if not found:
                raise SourceConfigError(f"source {self.name!r}: {self.path} matches no files")
        elif p.is_dir():
            suffixes = {
                "text": (".txt",),
                "html": (".html", ".htm"),
                "jsonl": (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz"),
                "json": (".json", ".json.gz"),
            }
            found = [f for f in p.rglob("*") if f.name.lower().endswith(suffixes[self.format])]
        elif p.exists():
            found = [p]
        else:
            raise SourceConfigError(f"source {self.name!r}: path {self.path} does not exist")
        return sorted(f for f in found if f.is_file())


def _as_names(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise SourceConfigError(f"{where}: a field mapping is a name or a list of names, got {value!r}")


def load_sources_file(path: str | Path) -> list[SourceConfig]:
    """Read `sources.yaml`; relative paths in it are relative to the file's folder."""
    path = Path(path)
    if not path.is_file():
        raise SourceConfigError(f"sources file {path} not found")
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = doc.get("sources") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise SourceConfigError(f"{path}: expected a top-level 'sources:' list")
    sources = []
    for i, entry in enumerate(entries):
        where = f"{path}: sources[{i}]"
        if not isinstance(entry, dict) or "name" not in entry or "path" not in entry:
            raise SourceConfigError(f"{where}: each source needs at least 'name' and 'path'")
        unknown = set(entry) - {"name", "path", "format", "license", "encoding", "timezone", "fields"}
        if unknown:
            raise SourceConfigError(f"{where}: unknown keys {sorted(unknown)}")
        src_path = Path(entry["path"])
        if not src_path.is_absolute():
            src_path = path.parent / src_path
        fields = {k: _as_names(v, f"{where}.fields.{k}") for k, v in (entry.get("fields") or {}).items()}
        unknown_fields = set(fields) - set(DEFAULT_FIELDS)
        if unknown_fields:
            raise SourceConfigError(
                f"{where}: unknown fields {sorted(unknown_fields)}; known: {sorted(DEFAULT_FIELDS)}"
            )
        fmt = entry.get("format") or guess_format(src_path)
        if fmt not in FORMATS:
            raise SourceConfigError(f"{where}: format {fmt!r} is not one of {FORMATS}")
        try:  # akhbar.hub_rules: what the card can declare
            name, license_ = check_source_name(entry["name"]), check_license(entry.get("license", "other"))
        except ValueError as exc:
            raise SourceConfigError(f"{where}: {exc}") from None
        sources.append(
            SourceConfig(
                name=name,
                path=str(src_path),
                format=fmt,
                license=license_,
                encoding=entry.get("encoding"),
                timezone=str(entry.get("timezone", "UTC")),
                fields=fields,
            )
        )
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise SourceConfigError(f"{path}: source names must be unique, got {names}")
    return sources


def guess_format(path: Path) -> str:
    """Format of a path given without a declaration: by suffix, or by a folder's contents."""
    name = path.name.lower()
    if name.endswith((".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")):
        return "jsonl"
    if name.endswith((".json", ".json.gz")):
        return "json"
    if name.endswith((".html", ".htm")):
        return "html"
    if name.endswith((".txt", ".zip")):  # a zip archive is read as a text source of its .txt members
        return "text"
    if path.is_dir():
        # by the files' own names, so a folder of daily `YYYY-MM-DD.jsonl.gz` files is JSONL
        names = {f.name.lower() for f in path.rglob("*") if f.is_file()}
        for fmt, exts in (
            ("html", (".html", ".htm")),
            ("jsonl", (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")),
            ("text", (".txt",)),
        ):
            if any(name.endswith(exts) for name in names):
                return fmt
        raise SourceConfigError(f"{path}: no .txt, .html or .jsonl files inside")
    raise SourceConfigError(
        f"{path}: cannot tell the format from the name; "
        "use .txt, .zip, .html, .json, .jsonl or .jsonl.gz, or declare it in sources.yaml"
    )


def sources_for_inputs(paths: list[str]) -> list[SourceConfig]:
    """One source per `--input` path, named after the file or folder."""
    sources: list[SourceConfig] = []
    seen: dict[str, int] = {}
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise SourceConfigError(f"input {raw} does not exist")
        base = p.name.split(".")[0] or "input"
        seen[base] = seen.get(base, 0) + 1
        name = base if seen[base] == 1 else f"{base}-{seen[base]}"
        try:
            check_source_name(name)
        except ValueError as exc:
            raise SourceConfigError(f"input {raw}: {exc}; rename it or name it in a sources.yaml") from None
        sources.append(SourceConfig(name=name, path=str(p), format=guess_format(p)))
    return sources


def files_snapshot(sources: list[SourceConfig]) -> str:
    """A digest of every input file of `sources` (path, size, modification time): it changes
    when a file appears, disappears or is rewritten. Cheap (no file is read), for a sensor."""
    entries = sorted(
        (str(path), stat.st_size, stat.st_mtime_ns)
        for source in sources
        for path in source.files()
        for stat in [path.stat()]
    )
    return hashlib.sha256(json.dumps(entries).encode()).hexdigest()
