"""The first stage: the configured sources read into raw parts of at most `batch_rows` articles,
each gated; a JSON/JSONL file unchanged since an earlier run is not read again."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from akhbar.ingest import QUARANTINE_SCHEMA, KnownFile, SkippedFile, iter_raw_batches
from akhbar.parts import PartSet, PartWriter, part_key, rows_key, write_text_atomic
from akhbar.progress import Progress
from akhbar.runner.core import (
    NO_GATE,
    QUARANTINE_SIDECAR,
    Gate,
    concat_quarantine,
    finish_stage,
    gated_part,
    stage_key_version,
)
from akhbar.runner.pool import start_worker_server


class FileRecords:
    """What each JSON/JSONL input file gave (its parts, the ids it registered, its read-level
    quarantine), kept as `<file key>.file.json` beside the raw parts. The file key is its
    source's declaration, path, size and modification time and the raw stage's version (its
    code and gate): while they hold, the next run takes the file's parts without reading it."""

    def __init__(self, writer: PartWriter, configs: dict[str, str], version: str) -> None:
        self.writer = writer
        self.configs = configs
        self.version = version
        self.keys: list[str] = []
        self.skipped = 0
        self._open: tuple[Path, dict] | None = None

    def _key(self, source_name: str, path: Path) -> str:
        stat = path.stat()
        return part_key(
            self.version, self.configs[source_name], str(path), str(stat.st_size), str(stat.st_mtime_ns)
        )

    def _path(self, key: str) -> Path:
        return self.writer.folder / f"{key}.file.json"

    def known(self, source, path: Path) -> KnownFile | None:
        record_path = self._path(self._key(source.name, path))
        if not record_path.is_file():
            return None
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if not all(self.writer.has(key, QUARANTINE_SIDECAR) for key, _ in record["parts"]):
            return None
        return KnownFile(record["ids"], record["origins"], record)

    def keep(self, source, path: Path) -> None:
        self.keys.append(self._key(source.name, path))
        self.skipped += 1

    def add(self, batch, key: str | None) -> None:
        """A batch read from `batch.file` (None for text and HTML sources: not recorded)."""
        if self._open is not None and self._open[0] != batch.file:
            self.close()
        if batch.file is None:
            return
        if self._open is None:
            self._open = (
                batch.file,
                {"parts": [], "ids": [], "origins": [], "quarantine": [], "raw_bytes": 0},
            )
        record = self._open[1]
        if key is not None:
            record["parts"].append([key, batch.articles.num_rows])
        record["ids"] += batch.articles["id"].to_pylist()
        record["origins"] += batch.articles["origin"].to_pylist()
        record["quarantine"] += batch.quarantine.to_pylist()
        record["raw_bytes"] += int(pc.sum(batch.articles["size_bytes"]).as_py() or 0)
        names = batch.articles["source"].to_pylist()[:1] or batch.quarantine["source"].to_pylist()[:1]
        if names:
            record["source"] = names[0]

    def close(self) -> None:
        if self._open is None:
            return
        path, record = self._open
        self._open = None
        source = record.pop("source", None)
        if source is None:
            return
        key = self._key(source, path)
        self.keys.append(key)
        write_text_atomic(self._path(key), json.dumps(record, ensure_ascii=False, default=str))


@dataclass(frozen=True)
class RawRun:
    parts: PartSet
    quarantine: pa.Table
    reused: int  # parts an earlier run made
    files_not_read_again: int
    raw_bytes: int


def read_raw(
    sources: list,
    folder: Path,
    *,
    batch_rows: int,
    workers: int | None = None,
    gate: Gate = NO_GATE,
    log: Callable[[str], None] = lambda _line: None,
) -> RawRun:
    """Every raw article of `sources` into parts in `folder`, each gated (`gate`, stage
    "raw"), with every record that could not become an article in the quarantine. Starts the
    fork server the next stages' workers (`workers`, default every core) fork from."""
    configs = {s.name: json.dumps(asdict(s), sort_keys=True, default=str) for s in sources}
    for source in sources:
        how = source.format or "format by file"
        log(f"reading source {source.name!r}: {how} at {source.path}")
    # The next stages' workers fork from a server that loads the stages and models meanwhile,
    # on the core this step's reading leaves idle.
    start_worker_server(workers)
    writer = PartWriter(folder)
    version = stage_key_version("raw", gate, "raw")
    files = FileRecords(writer, configs, version)
    quarantine: list[pa.Table] = []
    raw_bytes = 0
    progress = Progress("read", log)
    for batch in iter_raw_batches(sources, batch_rows=batch_rows, known_file=files.known):
        if isinstance(batch, SkippedFile):  # an unchanged JSON/JSONL file: its parts as they were
            record = batch.known.handle
            for key, rows in record["parts"]:
                writer.add_existing(key)
                quarantine.append(writer.read_sidecar(key, QUARANTINE_SIDECAR))
                progress.advance(rows)
            quarantine.append(pa.Table.from_pylist(record["quarantine"], schema=QUARANTINE_SCHEMA))
            raw_bytes += record["raw_bytes"]
            files.keep(batch.source, batch.path)
            continue
        quarantine.append(batch.quarantine)
        articles = batch.articles
        key = None
        if articles.num_rows:
            # The parsed rows follow from the raw bytes, the source's declaration and the code.
            key = part_key(
                version,
                configs[articles["source"][0].as_py()],
                rows_key(articles, ["id", "raw_sha256", "origin"]),
            )
            _part, failed = gated_part(
                writer, key, lambda where, a=articles: gate.check(a, "raw", where, None)
            )
            quarantine.append(failed)
        raw_bytes += int(pc.sum(articles["size_bytes"]).as_py() or 0)
        files.add(batch, key)
        progress.advance(articles.num_rows)
    files.close()
    parts = finish_stage(writer, files.keys)
    quarantine_table = concat_quarantine(quarantine)
    log(
        f"read {parts.num_rows} articles in {len(parts.parts)} parts ({writer.reused} reused), "
        f"quarantined {quarantine_table.num_rows}"
    )
    return RawRun(parts, quarantine_table, writer.reused, files.skipped, raw_bytes)
