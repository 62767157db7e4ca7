"""What every stage run shares: the code versions in part keys, sidecars, the gate hook, reuse
of parts made by an earlier run, and the look-ahead that keeps the workers busy while this
process gates and writes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from akhbar.code_version import stage_version
from akhbar.ingest import QUARANTINE_SCHEMA
from akhbar.parts import Part, PartSet, PartWriter, collect_garbage, part_key
from akhbar.progress import Progress
from akhbar.runner.pool import PARALLEL_MIN_ROWS, POLL_SECONDS, PartQueue

QUARANTINE_SIDECAR = ".quarantine.parquet"  # beside each part: the rows its gate quarantined
CANDIDATES_SIDECAR = ".candidates.parquet"  # beside each segmented part: its stock candidates
# Small row groups in article_fields parts: the release's k-way merge holds one per part.
MERGE_ROW_GROUP = 256
# Parts in flight on the pool ahead of the one being gated and written.
LOOKAHEAD = 2


def _no_check(table: pa.Table, stage: str, where: Path, prepared: Any = None) -> tuple[pa.Table, pa.Table]:
    return table, QUARANTINE_SCHEMA.empty_table()


@dataclass(frozen=True)
class Gate:
    """The row-level gate of a stage's parts, given by the caller (the pipeline's is the GX
    suites of assets/gx_suites.py; the library never imports GX). `check(table, stage, where,
    prepared)` returns (kept rows, quarantine rows) of a part that will be written at `where`;
    `stage` is "raw", "normalize" or "fields". `prepare[stage]`, when given, is a picklable
    function of the stage's output table run on the worker that made it (the suite's frame);
    its result is `prepared`. `versions[stage]` is the fingerprint of what the gate runs for a
    stage (its suite and the code that evaluates it): part keys include it, so a changed
    suite gates every part again."""

    check: Callable[..., tuple[pa.Table, pa.Table]] = _no_check
    prepare: Mapping[str, Callable[[pa.Table], Any]] = field(default_factory=dict)
    versions: Mapping[str, str] = field(default_factory=dict)


def stage_key_version(stage: str, gate: Gate, gate_stage: str | None = None) -> str:
    """What the parts of `stage` (akhbar.code_version.STAGE_MODULES) are keyed by besides their
    input: the stage's own code and the gate's version for it (`gate_stage`, when gated). A
    change anywhere else in the library (the report, the card, another stage) leaves it as it
    is, so those parts are reused."""
    return part_key(stage_version(stage), gate.versions.get(gate_stage, "") if gate_stage else "")


NO_GATE = Gate()  # every row kept


def concat_quarantine(tables: list[pa.Table]) -> pa.Table:
    return pa.concat_tables([QUARANTINE_SCHEMA.empty_table(), *tables])


def gated_part(
    writer: PartWriter, key: str, make: Callable[[Path], tuple[pa.Table, pa.Table]], **options
) -> tuple[Part, pa.Table]:
    """The part `key` with the quarantine rows its gate produced: from disk when an earlier run
    made it, else `make(path)`d (kept rows, quarantine rows; the path the part will have) and
    written. The quarantine file is written first, so a part on disk always has its quarantine
    beside it."""
    if writer.has(key, QUARANTINE_SIDECAR):
        return writer.add_existing(key), writer.read_sidecar(key, QUARANTINE_SIDECAR)
    kept, quarantine = make(writer.path(key))
    return writer.write(key, kept, sidecar=(QUARANTINE_SIDECAR, quarantine), **options), quarantine


def run_parts(
    parts: PartSet,
    version: str,
    writer: PartWriter,
    sidecar: str,
    fn: Callable[[pa.Table], pa.Table],
    pool: Executor | None,
    finish: Callable[[pa.Table, Path], tuple[pa.Table, pa.Table]],
    progress: Progress,
    columns: list[str] | None = None,
    **options,
) -> list[pa.Table]:
    """Each input part, in order, to the output part keyed by the input part's key and `version`
    (the stage's code: stage_key_version), and its sidecar table: from disk when an earlier
    run made both; else `fn` over the input part on the pool
    (submitted LOOKAHEAD parts ahead, so the workers never wait for the gate; every part,
    the last small one too, once the work is worth shipping), then `finish` (output rows,
    sidecar rows; given the path the output part will have) on this process. Only `columns` of
    the input are read (default: all). Returns every part's sidecar table."""
    keys = {p.key: part_key(version, p.key) for p in parts.parts}
    todo = [p for p in parts.parts if not writer.has(keys[p.key], sidecar)]
    fresh = {p.key for p in todo}
    queue = PartQueue(
        fn, pool if sum(p.rows for p in todo) >= PARALLEL_MIN_ROWS else None, working=progress.working
    )
    upcoming = iter(todo)

    def top_up() -> None:
        while len(queue) < LOOKAHEAD and (part := next(upcoming, None)) is not None:
            queue.submit(parts.read_part(part, columns))

    def finish_and_write(result: pa.Table, key: str) -> pa.Table:
        output, extra = finish(result, writer.path(key))
        writer.write(key, output, sidecar=(sidecar, extra), **options)
        return extra

    top_up()
    sidecars = []
    # The gate and the write of a part run on a thread of their own while this thread waits
    # on it, telling the progress how the workers advance: a long gate (a GX validation of
    # thousands of rows) leaves no silence in the run log, whose calls stay on this thread.
    with ThreadPoolExecutor(1, thread_name_prefix="akhbar-gate") as gating:
        for part in parts.parts:
            key = keys[part.key]
            if part.key in fresh:
                result = queue.take()
                top_up()
                task = gating.submit(finish_and_write, result, key)
                while wait([task], timeout=POLL_SECONDS).not_done:
                    queue.poll()
                extra = task.result()
            else:
                writer.add_existing(key)
                extra = writer.read_sidecar(key, sidecar)
            sidecars.append(extra)
            progress.advance(part.rows)
    return sidecars


def finish_stage(writer: PartWriter, other_keys: Iterable[str] = ()) -> PartSet:
    """The stage's parts; files of earlier runs that this run no longer lists are removed."""
    parts = writer.finish()
    collect_garbage(writer.folder, [*(p.key for p in parts.parts), *other_keys])
    return parts
