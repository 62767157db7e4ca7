"""Stage outputs as content-addressed parts: bounded Parquet files named by the key of what
they were made from.

A stage never holds the corpus: it reads one part of its input, writes one part of output,
and lists the parts it wrote, in order, in a `PartSet`. A part's file name is a key that
fixes its content (a hash of the input rows it came from and the code version), so a part
already on disk from an earlier run is reused as it is: a rerun over an unchanged corpus plus
one new file of articles makes only the new part. Once a stage has finished, `collect_garbage`
removes the parts of its folder that the new PartSet no longer lists.

The folder is under the data root, local or on an object store (akhbar.storage): every read
and write here goes through akhbar.storage, and a PartSet keeps its folder as a path or URL.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from akhbar import storage
from akhbar.storage import StoragePath

PART_SUFFIX = ".parquet"


def part_key(*pieces: str | bytes) -> str:
    """A part's key: SHA-256 (hex, 32 characters kept) of its pieces, NUL-separated."""
    digest = hashlib.sha256()
    for piece in pieces:
        digest.update(piece if isinstance(piece, bytes) else piece.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:32]


def rows_key(table: pa.Table, columns: list[str]) -> str:
    """Key of a table's rows by some identifying columns (e.g. id, raw_sha256, origin)."""
    digest = hashlib.sha256()
    for column in columns:
        for value in table[column].to_pylist():
            digest.update(b"\x01" if value is None else str(value).encode("utf-8"))
            digest.update(b"\0")
        digest.update(b"\x02")
    return digest.hexdigest()[:32]


def sha256_file(path: StoragePath) -> str:
    digest = hashlib.sha256()
    with storage.location(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# Row groups of tables written whole (the dedup index, quarantines): Parquet encodes a row
# group at a time, so one row group of a million signatures would take another ~1 GB to write.
TABLE_ROW_GROUP = 65_536


def write_table_atomic(table: pa.Table, path: StoragePath, **options: Any) -> None:
    """Write Parquet atomically (akhbar.storage: a temporary name renamed, or one PUT): a part
    file is complete or absent."""
    options.setdefault("row_group_size", TABLE_ROW_GROUP)
    options.setdefault("compression", "zstd")
    storage.write_table(table, path, **options)


def release_free_memory() -> None:
    """Give memory that earlier steps freed back to the OS before a large step: a run's steps
    share one process, and both Arrow's allocator and glibc's malloc keep freed pages for
    reuse, which a million-article run would otherwise carry from step to step."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def write_text_atomic(path: StoragePath, text: str) -> None:
    """Write a text file atomically (akhbar.storage)."""
    storage.write_text(path, text)


@dataclass(frozen=True)
class Part:
    key: str
    rows: int


@dataclass(frozen=True)
class PartSet:
    """The output of a stage: `folder` holds `<key>.parquet` for every part, in `parts` order."""

    folder: StoragePath
    parts: tuple[Part, ...] = field(default_factory=tuple)

    @property
    def num_rows(self) -> int:
        return sum(p.rows for p in self.parts)

    def path(self, part: Part | str) -> StoragePath:
        return self.folder / f"{part if isinstance(part, str) else part.key}{PART_SUFFIX}"

    def read_part(self, part: Part | str, columns: list[str] | None = None) -> pa.Table:
        return storage.read_table(self.path(part), columns=columns)

    def tables(self, columns: list[str] | None = None) -> Iterator[pa.Table]:
        """Each part as a table, one at a time, in order."""
        for part in self.parts:
            yield self.read_part(part, columns)

    def read(self, columns: list[str] | None = None, *, schema: pa.Schema | None = None) -> pa.Table:
        """Every part as one table: for small corpora, tests and the columns of ids."""
        tables = list(self.tables(columns))
        if not tables:
            if schema is None:
                raise ValueError(f"no parts in {self.folder} and no schema to make an empty table")
            return (
                schema if columns is None else pa.schema([schema.field(c) for c in columns])
            ).empty_table()
        return pa.concat_tables(tables)

    def to_json(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "parts": [{"key": p.key, "rows": p.rows} for p in self.parts]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PartSet:
        return cls(
            storage.location(data["folder"]), tuple(Part(p["key"], int(p["rows"])) for p in data["parts"])
        )


class PartWriter:
    """Collects a stage's parts in order; `write` skips a part whose file already exists."""

    def __init__(self, folder: str | StoragePath) -> None:
        self.folder = storage.location(folder)
        if not storage.is_remote(self.folder):  # an object store has no folders to make
            self.folder.mkdir(parents=True, exist_ok=True)
        self._parts: list[Part] = []
        self.reused = 0
        self.written = 0

    def has(self, key: str, sidecar: str | None = None) -> bool:
        """The part is on disk (and, given a sidecar suffix, the table kept beside it)."""
        return storage.exists(self.path(key)) and (
            sidecar is None or storage.exists(self.sidecar_path(key, sidecar))
        )

    def path(self, key: str) -> StoragePath:
        return self.folder / f"{key}{PART_SUFFIX}"

    def sidecar_path(self, key: str, sidecar: str) -> StoragePath:
        return self.folder / f"{key}{sidecar}"

    def read(self, key: str, columns: list[str] | None = None) -> pa.Table:
        return storage.read_table(self.path(key), columns=columns)

    def read_sidecar(self, key: str, sidecar: str) -> pa.Table:
        return storage.read_table(self.sidecar_path(key, sidecar))

    def add_existing(self, key: str) -> Part:
        """List a part already on disk (made by an earlier run from the same input)."""
        part = Part(key, storage.read_metadata(self.path(key)).num_rows)
        self._parts.append(part)
        self.reused += 1
        return part

    def write(
        self, key: str, table: pa.Table, *, sidecar: tuple[str, pa.Table] | None = None, **options: Any
    ) -> Part:
        """Write and list a part (a file already there is kept); a sidecar table is written
        first, so a part on disk always has its sidecar beside it."""
        if sidecar is not None:
            write_table_atomic(sidecar[1], self.sidecar_path(key, sidecar[0]))
        path = self.path(key)
        if not storage.exists(path):
            write_table_atomic(table, path, **options)
            self.written += 1
        else:
            self.reused += 1
        part = Part(key, table.num_rows)
        self._parts.append(part)
        return part

    def finish(self) -> PartSet:
        return PartSet(self.folder, tuple(self._parts))


def collect_garbage(folder: str | StoragePath, keep: Iterable[str]) -> int:
    """Remove the files of `folder` whose key (the name before the first dot: a part and every
    file kept beside it) is not in `keep`, and leftover temporary files; returns how many."""
    keep = set(keep)
    folder = storage.location(folder)
    removed = 0
    for name, is_dir in storage.listdir(folder):
        if not is_dir and (name.endswith(".tmp") or name.split(".")[0] not in keep):
            storage.delete(folder / name)
            removed += 1
    return removed


def _part_batches(parts: PartSet, part: Part) -> Iterator[pa.Table]:
    """A part's row groups, one decoded at a time, on this thread: `iter_batches` would read
    ahead several megabytes per file, which over hundreds of open parts is gigabytes."""
    reader = storage.open_parquet(parts.path(part))
    for index in range(reader.num_row_groups):
        yield reader.read_row_group(index, use_threads=False)


def merge_by_id(parts: PartSet, *, rows_per_table: int) -> Iterator[pa.Table]:
    """Every row of `parts`, each part already sorted by `id`, as tables of `rows_per_table`
    rows in global id order: a k-way merge that holds one row group per part (write parts with
    small row groups) plus one output table, never the corpus.

    The order comes from the ids alone (sorted once, in memory: tens of bytes per article);
    the rows are then pulled from each part's stream in that order."""
    ids = [parts.read_part(p, ["id"])["id"] for p in parts.parts]
    for part, column in zip(parts.parts, ids, strict=True):
        if column.num_chunks and not pc_is_sorted(column):
            raise ValueError(f"part {part.key} of {parts.folder} is not sorted by id")
    if not ids:
        return
    which = pa.chunked_array(
        [pa.array(np.full(len(c), i, dtype=np.int32)) for i, c in enumerate(ids)], type=pa.int32()
    )
    every_id = pa.chunked_array([chunk for column in ids for chunk in column.chunks], type=pa.string())
    order = pc.sort_indices(every_id)
    part_of = which.take(order).to_numpy()
    del ids, which, order, every_id
    streams = [_part_batches(parts, p) for p in parts.parts]
    pending: list[pa.Table | None] = [None] * len(parts.parts)
    for start in range(0, len(part_of), rows_per_table):
        chunk = part_of[start : start + rows_per_table]
        pieces = []
        for p in np.unique(chunk):
            need = int(np.count_nonzero(chunk == p))
            got: list[pa.Table] = []
            while need:
                if pending[p] is None or pending[p].num_rows == 0:
                    pending[p] = next(streams[p])
                take = min(need, pending[p].num_rows)
                got.append(pending[p].slice(0, take))
                pending[p] = pending[p].slice(take)
                need -= take
            pieces.append(pa.concat_tables(got))
        # rows grouped by part, each group in id order; put them in chunk order
        grouped = np.concatenate([np.flatnonzero(chunk == p) for p in np.unique(chunk)])
        table = pa.concat_tables(pieces).combine_chunks()
        yield table.take(pa.array(np.argsort(grouped, kind="stable")))


def pc_is_sorted(column: pa.ChunkedArray) -> bool:
    values = column.combine_chunks()
    if len(values) < 2:
        return True
    return bool(pc.all(pc.less(values.slice(0, len(values) - 1), values.slice(1))).as_py())
