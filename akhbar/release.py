"""Versioned, deterministic Parquet releases: data files, manifest and rendered card.

A release is written to a temporary folder beside the others and renamed into place only
once complete. On a data root on an object store (akhbar.storage) the temporary folder is a
local one, and once complete its files are uploaded, `manifest.json` last: a release folder
without its manifest is incomplete (an upload cut short), and every reader ignores it
(list_releases lists only folders with one).

Nothing in a release depends on wall-clock time or hash randomization: the same inputs and
code give byte-identical files. Re-running on unchanged inputs and code makes no new version.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from akhbar import PIPELINE_VERSION, storage
from akhbar.card import render_card, template_path
from akhbar.changes import (
    CHANGES_FILE,
    concat_contents,
    count_changes,
    diff_contents,
    release_contents,
    row_contents,
    write_changes,
)
from akhbar.parts import PartSet, merge_by_id, sha256_file, write_table_atomic
from akhbar.progress import Log, Progress, quiet
from akhbar.schema import ARTICLE_SCHEMA, SCHEMA_VERSION, schema_with_hf_metadata
from akhbar.storage import StoragePath

ROWS_PER_FILE = 100_000  # rolling data files of bounded size
ROW_GROUP_SIZE = 10_000  # rows read at a time; row groups average ~6,000 rows (below)
# Row groups end after a row whose id hashes to 0 modulo ROW_GROUP_AVERAGE (and at a file's
# end), within MIN and MAX rows: an article added or removed moves no other row group's
# boundary, so the rows two releases share are written as the same pages (content-defined
# chunking, below). MAX bounds the rows held in memory; one row group in ~40 reaches it.
ROW_GROUP_AVERAGE = ROW_GROUP_SIZE // 2
ROW_GROUP_MIN = ROW_GROUP_SIZE // 8
ROW_GROUP_MAX = ROW_GROUP_SIZE * 2
# Content-defined pages (pyarrow's defaults: 256 KiB to 1 MiB of uncompressed values).
CDC_PAGES = {"min_chunk_size": 256 * 1024, "max_chunk_size": 1024 * 1024}
# Columns with one value per article (texts, ids, urls, hashes): a dictionary of them only fills
# up and falls back to plain pages, and one article added renumbers every index after it; the
# other columns (sources, names, labels, numbers) repeat and keep their dictionaries.
UNIQUE_PER_ARTICLE = frozenset(
    {"id", "url", "title", "lead", "body", "paragraphs", "origin", "raw_sha256", "quotes.text"}
)
# zstd's own default level: on SaudiNewsNet's release, level 9 made files 10% smaller (54 MB
# against 60) for four times the compression time (4.2 s against 1.0 per 26k articles).
COMPRESSION_LEVEL = 3
_VERSION_DIR = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")
_PACKAGE_DIR = Path(__file__).resolve().parent
_DAGSTER_LAYER = {"assets", "pipelines"}


def arrow_bytes(path: Path) -> int:
    """The size in Arrow of a Parquet file's rows, read back one row group at a time: the
    `num_bytes` that `datasets` records for them (the card's `dataset_info`)."""
    parquet = pq.ParquetFile(path)
    return sum(parquet.read_row_group(i).nbytes for i in range(parquet.num_row_groups))


def code_fingerprint() -> str:
    """Hash of the library's code and resources: any change to them changes release output."""
    digest = hashlib.sha256(PIPELINE_VERSION.encode())
    # The card template is hashed once, below, wherever it lies: a wheel carries a copy inside
    # the package that a checkout does not, and the same code must give the same fingerprint.
    packaged_template = _PACKAGE_DIR / "resources" / "dataset_card.md"
    for path in sorted(_PACKAGE_DIR.rglob("*")):
        # The Dagster layer (akhbar/assets, akhbar/pipelines: links to the checkout's top-level
        # folders, real folders in a wheel) does not shape release bytes.
        if path == packaged_template or path.relative_to(_PACKAGE_DIR).parts[0] in _DAGSTER_LAYER:
            continue
        if path.is_file() and path.suffix in {".py", ".yaml", ".yml", ".json", ".txt", ".md"}:
            digest.update(path.relative_to(_PACKAGE_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    digest.update(template_path().read_bytes())  # the card template shapes README.md
    return digest.hexdigest()


def fingerprint_keys(table: pa.Table) -> list[str]:
    """The input-fingerprint entries of rows (released or quarantined): source, origin, raw_sha256."""
    return [
        f"{s}\t{o}\t{h or ''}"
        for s, o, h in zip(
            table["source"].to_pylist(),
            table["origin"].to_pylist(),
            table["raw_sha256"].to_pylist(),
            strict=True,
        )
    ]


def _fingerprint(keys: list[str]) -> str:
    """Hash of every raw input seen (released or quarantined): its fingerprint_keys, sorted."""
    return hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()


class ReleaseRows(Protocol):
    """The released rows as a stream: `num_rows` of them, in id order, with duplicate_of set."""

    num_rows: int

    def ordered_tables(self, rows_per_table: int) -> Iterator[pa.Table]: ...


@dataclass(frozen=True)
class TableRows:
    """ReleaseRows of a table in memory (tests, small corpora)."""

    table: pa.Table

    @property
    def num_rows(self) -> int:
        return self.table.num_rows

    def ordered_tables(self, rows_per_table: int) -> Iterator[pa.Table]:
        ordered = self.table.take(pc.sort_indices(self.table, [("id", "ascending")]))
        for start in range(0, ordered.num_rows, rows_per_table):
            yield ordered.slice(start, rows_per_table)


@dataclass(frozen=True)
class MarkedParts:
    """ReleaseRows of a stage's parts (each sorted by id) merged in id order, with
    `duplicate_of` taken from `marks` (id, duplicate_of: one row per article)."""

    parts: PartSet
    marks: pa.Table

    @property
    def num_rows(self) -> int:
        return self.parts.num_rows

    def ordered_tables(self, rows_per_table: int) -> Iterator[pa.Table]:
        if self.marks.num_rows != self.parts.num_rows:
            raise ValueError(f"{self.marks.num_rows} duplicate marks for {self.parts.num_rows} articles")
        marks = self.marks.sort_by("id")
        position = ARTICLE_SCHEMA.get_field_index("duplicate_of")
        offset = 0
        for table in merge_by_id(self.parts, rows_per_table=rows_per_table):
            these = marks.slice(offset, table.num_rows)
            offset += table.num_rows
            if not these["id"].equals(table["id"]):
                raise ValueError("duplicate marks and articles differ in ids")
            yield table.set_column(position, ARTICLE_SCHEMA.field(position), these["duplicate_of"])


def parse_version(text: str) -> tuple[int, int, int]:
    match = _VERSION_DIR.match(text if text.startswith("v") else f"v{text}")
    if not match:
        raise ValueError(f"not a release version: {text!r}")
    return int(match[1]), int(match[2]), int(match[3])


def list_releases(data_root: str | StoragePath) -> list[str]:
    """Released versions under `data_root/releases`, oldest first ("1.0.0", "1.1.0", ...): the
    version folders that hold a manifest.json (a release without one is incomplete)."""
    releases = storage.location(data_root) / "releases"
    found = [
        name[1:]
        for name, is_dir in storage.listdir(releases)
        if is_dir and _VERSION_DIR.match(name) and storage.exists(releases / name / "manifest.json")
    ]
    return sorted(found, key=parse_version)


TMP_PREFIX = ".tmp-release-"


def remove_stale_temporaries(data_root: str | Path) -> tuple[int, int]:
    """Remove the temporary folders (`releases/.tmp-release-*`) that builds ended before their
    release was renamed into place (killed, out of memory), and on an object store the release
    folders whose upload stopped before their manifest; returns (folders, bytes). Only for a
    caller that holds the data root's lock (akhbar.data_root): no live build owns one then."""
    releases = storage.location(data_root) / "releases"
    remote = storage.is_remote(releases)
    folders = [
        releases / name
        for name, is_dir in storage.listdir(releases)
        if is_dir
        and (
            name.startswith(TMP_PREFIX)
            or (remote and _VERSION_DIR.match(name) and not storage.exists(releases / name / "manifest.json"))
        )
    ]
    size = sum(storage.delete_tree(folder) for folder in folders)
    return len(folders), size


def _root(data_root: str | StoragePath) -> StoragePath:
    """A local root resolved; an object-store root as its URL path."""
    root = storage.location(data_root)
    return root if storage.is_remote(root) else root.resolve()


def latest_release_file(data_root: str | StoragePath, name: str) -> StoragePath | None:
    """`name` in the latest release folder, when there is a release and it has that file."""
    root = _root(data_root)
    versions = list_releases(root)
    path = root / "releases" / f"v{versions[-1]}" / name if versions else None
    return path if path is not None and storage.exists(path) else None


def load_manifest(data_root: str | StoragePath, version: str) -> dict[str, Any]:
    return json.loads(
        storage.read_text(storage.location(data_root) / "releases" / f"v{version}" / "manifest.json")
    )


def next_version(
    previous: dict[str, Any] | None,
    *,
    schema_version: str,
    input_fp: str,
    files: list[dict[str, Any]],
    changes: dict[str, int] | None = None,
) -> str | None:
    """The version of a new release, or None when it would equal `previous`.

    Schema major change -> major; additive schema or new input -> minor; corrected data -> patch:
    the same input with different output (corrected by the code), or input that adds and removes
    no article but changes some (`changes`, akhbar.changes: added and removed 0, changed > 0),
    such as articles corrected at their origin.
    """
    if previous is None:
        return f"{schema_version.split('.')[0]}.0.0"
    major, minor, patch = parse_version(previous["version"])
    prev_major, prev_minor = previous["schema_version"].split(".")
    new_major, new_minor = schema_version.split(".")
    if new_major != prev_major:
        return f"{major + 1}.0.0"
    corrections_only = (
        changes is not None and changes["changed"] > 0 and not changes["added"] and not changes["removed"]
    )
    if new_minor == prev_minor and input_fp != previous["input_fingerprint"] and corrections_only:
        return f"{major}.{minor}.{patch + 1}"
    if new_minor != prev_minor or input_fp != previous["input_fingerprint"]:
        return f"{major}.{minor + 1}.0"
    if [(f["path"], f["sha256"]) for f in files] != [(f["path"], f["sha256"]) for f in previous["files"]]:
        return f"{major}.{minor}.{patch + 1}"
    return None


@dataclass(frozen=True)
class ReleaseResult:
    version: str
    path: StoragePath  # local, or on an object store
    created: bool  # False when the inputs and code matched the latest release
    manifest: dict[str, Any]


def _leaf_paths(type_: pa.DataType, path: str) -> Iterator[tuple[str, str]]:
    """(Parquet column path, path without list levels) of each leaf column under `path`."""
    if pa.types.is_list(type_) or pa.types.is_large_list(type_):
        for leaf, plain in _leaf_paths(type_.value_type, f"{path}.list.element"):
            yield leaf, plain.replace(".list.element", "")
    elif pa.types.is_struct(type_):
        for field in type_:
            yield from _leaf_paths(field.type, f"{path}.{field.name}")
    else:
        yield path, path.replace(".list.element", "")


def dictionary_columns(schema: pa.Schema) -> list[str]:
    """The Parquet leaf columns written with a dictionary: all but UNIQUE_PER_ARTICLE."""
    return [
        leaf
        for field in schema
        for leaf, plain in _leaf_paths(field.type, field.name)
        if plain not in UNIQUE_PER_ARTICLE
    ]


def row_group_ends(ids: pa.Array | pa.ChunkedArray) -> list[bool]:
    """Whether a row group may end after each of these ids (1 in ROW_GROUP_AVERAGE, by SHA-256)."""
    return [
        int.from_bytes(hashlib.sha256(i.encode()).digest()[:8], "big") % ROW_GROUP_AVERAGE == 0
        for i in ids.to_pylist()
    ]


class _DataFiles:
    """Rolling data files of ROWS_PER_FILE rows in content-defined row groups (ROW_GROUP_AVERAGE),
    written as the rows stream in; each file is the same bytes whatever the sizes of the tables
    given.

    With `cdc` (the default) pages end at content-defined boundaries (Parquet content-defined
    chunking, `use_content_defined_chunking`): rows that two releases share are written as the
    same page bytes, which the Hub's Xet storage uploads once (benchmarks/upload_bytes.py)."""

    def __init__(self, data_dir: Path, total_rows: int, *, cdc: bool = True) -> None:
        self.data_dir = data_dir
        self.cdc = cdc
        self.n_files = max(1, -(-total_rows // ROWS_PER_FILE))
        self.schema = schema_with_hf_metadata(ARTICLE_SCHEMA)
        self.files: list[dict[str, Any]] = []
        self._writer: pq.ParquetWriter | None = None
        self._rows_in_file = 0
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._pending_ends: list[bool] = []

    def _path(self) -> tuple[str, Path]:
        rel = f"data/train-{len(self.files):05d}-of-{self.n_files:05d}.parquet"
        return rel, self.data_dir.parent / rel

    def _open(self) -> pq.ParquetWriter:
        if self._writer is None:
            self._writer = pq.ParquetWriter(
                self._path()[1],
                self.schema,
                compression="zstd",
                compression_level=COMPRESSION_LEVEL,
                use_dictionary=dictionary_columns(ARTICLE_SCHEMA),
                write_statistics=True,
                store_schema=True,
                use_content_defined_chunking=dict(CDC_PAGES) if self.cdc else False,
            )
        return self._writer

    def _flush(self, rows: int) -> None:
        table = pa.concat_tables(self._pending).combine_chunks()
        self._open().write_table(table.slice(0, rows), row_group_size=rows)
        rest = table.slice(rows)
        self._pending, self._pending_rows = ([rest] if rest.num_rows else []), rest.num_rows
        self._pending_ends = self._pending_ends[rows:]

    def _next_cut(self) -> int | None:
        """Rows of the next row group, when the pending rows hold its end."""
        ends = self._pending_ends
        for at in range(ROW_GROUP_MIN - 1, min(len(ends), ROW_GROUP_MAX)):
            if ends[at]:
                return at + 1
        return ROW_GROUP_MAX if self._pending_rows >= ROW_GROUP_MAX else None

    def _close_file(self) -> None:
        if self._pending_rows:
            self._flush(self._pending_rows)
        self._open().close()
        self._writer = None
        rel, path = self._path()
        self.files.append(
            {
                "path": rel,
                "rows": self._rows_in_file,
                "bytes": path.stat().st_size,
                "arrow_bytes": arrow_bytes(path),
                "sha256": sha256_file(path),
            }
        )
        self._rows_in_file = 0

    def add(self, table: pa.Table) -> None:
        table = table.cast(ARTICLE_SCHEMA).replace_schema_metadata(self.schema.metadata)
        while table.num_rows:
            take = min(ROWS_PER_FILE - self._rows_in_file, table.num_rows)
            self._pending.append(table.slice(0, take))
            self._pending_rows += take
            self._pending_ends += row_group_ends(table["id"].slice(0, take))
            self._rows_in_file += take
            table = table.slice(take)
            while (cut := self._next_cut()) is not None:
                self._flush(cut)
            if self._rows_in_file == ROWS_PER_FILE:
                self._close_file()

    def finish(self) -> list[dict[str, Any]]:
        if self._rows_in_file or not self.files:
            if self._pending_rows == 0 and self._writer is None:
                self._open().write_table(self.schema.empty_table())
            self._close_file()
        return self.files


def write_data_files(
    tables: Iterable[pa.Table], total_rows: int, release_dir: Path, *, cdc: bool = True
) -> list[dict[str, Any]]:
    """The data files of `total_rows` released rows (`tables` in id order) under
    `release_dir/data/`, as build_release writes them; their manifest entries. `cdc=False`
    writes fixed-size pages instead (benchmarks/upload_bytes.py compares the two)."""
    (release_dir / "data").mkdir(parents=True, exist_ok=True)
    data_files = _DataFiles(release_dir / "data", total_rows, cdc=cdc)
    for table in tables:
        data_files.add(table)
    return data_files.finish()


def build_release(
    articles: pa.Table | ReleaseRows,
    quarantine: pa.Table,
    data_root: str | Path,
    *,
    dataset_name: str,
    sources: list[dict[str, Any]],
    validation: dict[str, Any],
    repo_id: str | None = None,
    accounting: dict[str, Any] | None = None,
    checks: list[dict[str, Any]] | None = None,
    release_checks: list[str] | None = None,
    dedup_index: pa.Table | StoragePath | None = None,
    log: Log = quiet,
) -> ReleaseResult:
    """Write the next release under `data_root/releases/v<semver>/`, or reuse the latest one.

    `articles` are rows of ARTICLE_SCHEMA (duplicates included, marked by `duplicate_of`), a
    table or a stream (`MarkedParts`) that is read once, one row group at a time: the data
    files, the report, the card statistics and the input fingerprint are made in that pass;
    `quarantine` rows (QUARANTINE_SCHEMA) are kept in `quarantine.parquet` beside the data
    (not part of the published dataset); the ids added, removed and changed since the previous
    release go to `changes.parquet` (akhbar.changes), published with the data. `accounting`
    (akhbar.quality.Accounting.as_dict()) gives the raw count and goes into the manifest and
    card; without it raw is released + quarantined. `checks` (name, passed, evaluated, failed)
    go into the quality report written to `report/`; `release_checks` names the checks that
    run on the written release before it is published (the card states them). `dedup_index`
    (akhbar.dedup; a table, or a Parquet file of it, copied as it is: 600 MB of signatures at
    1M articles need not pass through memory) is saved as `dedup_index.parquet`, the prior of
    the next release's duplicate detection. `repo_id`, when known, goes into the card's usage snippet.
    """
    from akhbar.report import ReportAccumulator, write_report

    data_root = _root(data_root)
    releases_dir = data_root / "releases"
    remote = storage.is_remote(data_root)
    if not remote:
        releases_dir.mkdir(parents=True, exist_ok=True)
    rows_in = TableRows(articles) if isinstance(articles, pa.Table) else articles
    quarantine = quarantine.take(
        pc.sort_indices(
            quarantine, [("source", "ascending"), ("origin", "ascending"), ("stage", "ascending")]
        )
    )
    versions = list_releases(data_root)
    previous = load_manifest(data_root, versions[-1]) if versions else None

    # beside the releases (renamed into place), or for an object store a local folder (uploaded)
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=None if remote else releases_dir))
    try:
        (tmp / "data").mkdir()
        data_files = _DataFiles(tmp / "data", rows_in.num_rows)
        report_parts = ReportAccumulator()
        keys = fingerprint_keys(quarantine)
        contents: list[pa.Table] = []
        progress = Progress("release", log, total=rows_in.num_rows, in_parts=False)
        for table in rows_in.ordered_tables(ROW_GROUP_SIZE):
            data_files.add(table)
            report_parts.add(table)
            keys += fingerprint_keys(table)
            contents.append(row_contents(table))
            progress.working(progress.counted + table.num_rows)
        files = data_files.finish()
        input_fp = _fingerprint(keys)
        del keys
        released = report_parts.rows
        # What moved since the previous release (akhbar.changes), unless the same files would be
        # released again (no new version: the previous release is not read); None when the
        # previous release's data files are gone.
        moved = None
        if (
            previous is None
            or next_version(previous, schema_version=SCHEMA_VERSION, input_fp=input_fp, files=files)
            is not None
        ):
            before = release_contents(releases_dir / f"v{previous['version']}") if previous else None
            if previous is None or before is not None:
                moved = diff_contents(before, concat_contents(contents))
        del contents
        changes = count_changes(moved) if moved is not None else None
        version = next_version(
            previous, schema_version=SCHEMA_VERSION, input_fp=input_fp, files=files, changes=changes
        )
        if version is None:
            assert previous is not None
            shutil.rmtree(tmp)
            return ReleaseResult(
                previous["version"], releases_dir / f"v{previous['version']}", False, previous
            )
        pq.write_table(quarantine, tmp / "quarantine.parquet", compression="zstd")
        if moved is not None:
            write_changes(moved, tmp / CHANGES_FILE)
        if isinstance(dedup_index, pa.Table):  # written as the IO manager writes the file copied below
            write_table_atomic(dedup_index, tmp / "dedup_index.parquet")
        elif dedup_index is not None:
            storage.copy_file(dedup_index, tmp / "dedup_index.parquet")
        duplicates = report_parts.duplicates
        rows = {
            "raw": accounting["raw"] if accounting else released + quarantine.num_rows,
            "released": released,
            "unique": released - duplicates,
            "duplicates": duplicates,
            "quarantined": quarantine.num_rows,
        }
        report = report_parts.finish(quarantine, checks=checks or [], accounting=rows)
        report_files = [
            {"path": str(path.relative_to(tmp)), "sha256": sha256_file(path)}
            for path in write_report(report, tmp / "report")
        ]
        counts = report_parts.source_counts()
        licenses = {s["name"]: s.get("license") or "other" for s in sources}
        source_rows = [
            {"name": name, "license": licenses.get(name, "other"), "articles": counts.get(name, 0)}
            for name in sorted(set(licenses) | set(counts))
        ]
        changelog = list(previous.get("changelog", [])) if previous else []
        changelog.append(
            {
                "version": version,
                "articles": released,
                **(changes or {}),
                "change": _describe_change(previous, released, input_fp, changes),
            }
        )
        manifest = {
            "name": dataset_name,
            "version": version,
            "previous_version": previous["version"] if previous else None,
            "schema_version": SCHEMA_VERSION,
            "pipeline_version": PIPELINE_VERSION,
            "code_fingerprint": code_fingerprint(),
            "input_fingerprint": input_fp,
            "rows": rows,
            "accounting": {
                "identity": "raw = unique + duplicates + quarantined",
                "balanced": rows["raw"] == rows["unique"] + rows["duplicates"] + rows["quarantined"]
                and not (accounting or {}).get("unaccounted_ids"),
                "unaccounted_ids": (accounting or {}).get("unaccounted_ids", []),
            },
            "sources": source_rows,
            "files": files,
            "quarantine_file": {
                "path": "quarantine.parquet",
                "rows": quarantine.num_rows,
                "sha256": sha256_file(tmp / "quarantine.parquet"),
            },
            "changes_file": (
                {"path": CHANGES_FILE, "rows": moved.num_rows, "sha256": sha256_file(tmp / CHANGES_FILE)}
                if moved is not None
                else None
            ),
            "validation": validation,
            "checks": checks or [],
            "release_checks": sorted(release_checks or []),
            "report_files": report_files,
            "changelog": changelog,
        }
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        (tmp / "README.md").write_text(
            render_card(
                manifest,
                report_parts.card_stats(),
                repo_id=repo_id,
                quality_summary=report.summary_markdown(),
            ),
            encoding="utf-8",
        )
        final = releases_dir / f"v{version}"
        for path in (tmp, tmp / "data", tmp / "report", tmp / "report" / "plots"):
            os.chmod(path, 0o755)  # mkdtemp makes 0700 folders
        if remote:
            if storage.exists(final / "manifest.json"):
                raise FileExistsError(f"{final} appeared while this build wrote it (another build?)")
            # the manifest last: until it is there, readers ignore the folder
            storage.upload_tree(tmp, final, last=("manifest.json",))
            shutil.rmtree(tmp)
        else:
            os.rename(tmp, final)  # atomic; fails if another build took this version meanwhile
        return ReleaseResult(version, final, True, manifest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _describe_change(
    previous: dict[str, Any] | None, rows: int, input_fp: str, changes: dict[str, int] | None
) -> str:
    if previous is None:
        return f"First release: {rows} article{'' if rows == 1 else 's'}."
    delta = rows - previous["rows"]["released"]
    counts = (
        f": {changes['added']} added, {changes['removed']} removed, {changes['changed']} changed"
        if changes is not None
        else ""
    )
    if input_fp != previous["input_fingerprint"]:
        return f"New or changed input: {rows} articles ({delta:+d}){counts}."
    return f"Same input, output corrected by pipeline {PIPELINE_VERSION}: {rows} articles{counts}."
