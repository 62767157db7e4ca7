"""The article stages over parts: normalization (segment every part, find the corpus's stock
paragraphs, remove them part by part), field extraction, and the dedup signatures. The stage
functions (akhbar/stages/) see one Arrow table; the pool, the look-ahead, the keys, reuse,
sidecars, the gate and progress are here.

Each stage comes in three pieces, so that its parts can be made in one process (the streaming
`normalize`, `extract`, `signatures`) or spread over many steps (assets/fanout.py), the same
bytes either way:

- a plan: the key of the output part of every input part, and the input parts whose output is
  not on disk yet (`*_plan`, a `StagePlan`);
- a group: make the output parts of some of those input parts, with the local worker pool, and
  write them with their sidecars (`segment_group`, `remove_stock_group`, `extract_group`,
  `sign_group`); no garbage collection, since other groups write the same folder;
- a finish, once every group is done: the stage's PartSet in input order, its quarantine in part
  order, its stats, and the removal of the folder's parts the run no longer lists (`*_finish`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from akhbar import storage
from akhbar.dedup import signature_index_of_file
from akhbar.parts import PartSet, PartWriter, part_key
from akhbar.progress import Log, Progress, quiet
from akhbar.runner.core import (
    CANDIDATES_SIDECAR,
    LOOKAHEAD,
    MERGE_ROW_GROUP,
    NO_GATE,
    QUARANTINE_SIDECAR,
    Gate,
    concat_quarantine,
    finish_stage,
    run_parts,
    stage_key_version,
)
from akhbar.runner.pool import PARALLEL_MIN_ROWS, map_ahead, worker_pool
from akhbar.stages.extract_fields import FIELDS_INPUT, extract_fields_chunk, split_empty_bodies, split_failed
from akhbar.stages.normalize_articles import (
    CONTROL_CHARS_REMOVED,
    SEGMENTED_SCHEMA,
    remove_stock_paragraphs,
    segment_articles,
    stock_candidates_of,
)
from akhbar.stock_paragraphs import find_stock, stock_among

# The folders (under the data root's parts/) of the article stages' parts.
SEGMENTED = "segmented_articles"
NORMALIZED = "normalized_articles"
FIELDS = "article_fields"
SIGNATURES = "signatures"


@dataclass(frozen=True)
class StagePlan:
    """What a stage makes of its input `parts`: `keys[i]`, the key of the output part of
    `parts.parts[i]` (fixing its content); `todo`, the indices of the input parts whose output
    part (and its sidecar) is not on disk yet, in order."""

    parts: PartSet
    keys: tuple[str, ...]
    todo: tuple[int, ...]

    def subset(self, indices: Sequence[int]) -> tuple[PartSet, list[str]]:
        """The input parts at `indices` (a PartSet of the input folder) and their output keys."""
        parts = PartSet(self.parts.folder, tuple(self.parts.parts[i] for i in indices))
        return parts, [self.keys[i] for i in indices]

    @property
    def todo_parts(self) -> PartSet:
        """The input parts to make, as a PartSet of the input folder."""
        return self.subset(self.todo)[0]

    @property
    def todo_keys(self) -> list[str]:
        """The output keys of the todo parts, in order."""
        return self.subset(self.todo)[1]

    @property
    def reused(self) -> int:
        return len(self.parts.parts) - len(self.todo)

    def to_json(self) -> dict[str, Any]:
        return {"parts": self.parts.to_json(), "keys": list(self.keys), "todo": list(self.todo)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StagePlan:
        return cls(PartSet.from_json(data["parts"]), tuple(data["keys"]), tuple(int(i) for i in data["todo"]))

    def groups(self, parts_per_group: int) -> list[tuple[int, ...]]:
        """The todo indices cut into groups of at most `parts_per_group`, in order."""
        size = max(int(parts_per_group), 1)
        return [self.todo[i : i + size] for i in range(0, len(self.todo), size)]


def _plan(parts: PartSet, keys: Sequence[str], folder: Path, sidecar: str | None) -> StagePlan:
    writer = PartWriter(folder)
    todo, planned = [], set()
    for i, key in enumerate(keys):
        # an input part listed twice (two identical input files) is made once
        if not writer.has(key, sidecar) and key not in planned:
            todo.append(i)
            planned.add(key)
    return StagePlan(parts, tuple(keys), tuple(todo))


def _finish(plan: StagePlan, folder: Path, sidecar: str | None) -> tuple[PartSet, list[pa.Table]]:
    """Every output part of the plan, in input order, and its sidecar table; the folder's other
    files removed."""
    writer = PartWriter(folder)
    sidecars = []
    for key in plan.keys:
        writer.add_existing(key)
        if sidecar is not None:
            sidecars.append(writer.read_sidecar(key, sidecar))
    return finish_stage(writer), sidecars


# --- normalize, first pass: segment ---------------------------------------------------------


def segment_plan(raw: PartSet, folder: Path, gate: Gate = NO_GATE) -> StagePlan:
    version = stage_key_version("normalize", gate)
    return _plan(raw, [part_key(version, p.key) for p in raw.parts], folder, CANDIDATES_SIDECAR)


def _segment(raw: PartSet, folder: Path, gate: Gate, pool, log: Log) -> None:
    run_parts(
        raw,
        stage_key_version("normalize", gate),
        PartWriter(folder),
        CANDIDATES_SIDECAR,
        segment_articles,
        pool,
        lambda segmented, _where: (segmented, stock_candidates_of(segmented)),
        Progress("normalize (clean, segment)", log, total=raw.num_rows),
    )


def segment_group(
    raw: PartSet, folder: Path, *, workers: int | None = None, gate: Gate = NO_GATE, log: Log = quiet
) -> None:
    """Segment the parts of `raw` (a plan's todo, or some of it) into `folder`, each with its
    stock-paragraph candidates beside it."""
    with worker_pool(workers) as pool:
        _segment(raw, folder, gate, pool, log)


def segment_finish(plan: StagePlan, folder: Path) -> tuple[PartSet, list[pa.Table]]:
    """The segmented parts and each one's candidates, once every part is made."""
    return _finish(plan, folder, CANDIDATES_SIDECAR)


# --- normalize, second pass: stock paragraphs removed, gated -----------------------------------


def stock_keys(
    segmented: PartSet, candidates: list[pa.Table], stock: dict[str, frozenset[int]], gate: Gate = NO_GATE
) -> list[str]:
    """A normalized part's content follows from the segmented part (its key holds the stage's
    code), the gate and the stock paragraphs among its candidates: known from the candidates
    alone, so an unchanged part is not even read."""
    gate_version = gate.versions.get("normalize", "")
    return [
        part_key(part.key, gate_version, *stock_among(part_candidates, stock))
        for part, part_candidates in zip(segmented.parts, candidates, strict=True)
    ]


def remove_stock_plan(
    segmented: PartSet,
    candidates: list[pa.Table],
    stock: dict[str, frozenset[int]],
    folder: Path,
    gate: Gate = NO_GATE,
) -> StagePlan:
    return _plan(segmented, stock_keys(segmented, candidates, stock, gate), folder, QUARANTINE_SIDECAR)


def stock_removed_part(
    segmented_path: str, stock: dict[str, frozenset[int]], prepare: Callable[[pa.Table], Any] | None
) -> tuple[pa.Table, Any]:
    """The second pass over a segmented part file, where a pool worker reads it: the normalized
    part and what the gate prepares from it there (its suite frame), or None."""
    table = remove_stock_paragraphs(storage.read_table(segmented_path), stock)
    return table, prepare(table) if prepare is not None else None


def _remove_stock(
    segmented: PartSet,
    keys: Sequence[str],
    stock: dict[str, frozenset[int]],
    folder: Path,
    gate: Gate,
    pool,
    log: Log,
) -> None:
    writer = PartWriter(folder)
    progress = Progress("normalize (stock paragraphs, gate)", log, total=segmented.num_rows)
    # Stock paragraphs removed and the gate's frame built on the workers; gated and written here.
    normalized = map_ahead(
        partial(stock_removed_part, stock=stock, prepare=gate.prepare.get("normalize")),
        [str(segmented.path(p)) for p in segmented.parts],
        pool if segmented.num_rows >= PARALLEL_MIN_ROWS else None,
        ahead=LOOKAHEAD,
        waiting=lambda: progress.working(0),  # a part is one task: a line says it goes on
    )
    for part, key in zip(segmented.parts, keys, strict=True):
        table, prepared = next(normalized)
        kept, failed = gate.check(table, "normalize", writer.path(key), prepared)
        writer.write(key, kept, sidecar=(QUARANTINE_SIDECAR, failed))
        progress.advance(part.rows)


def remove_stock_group(
    segmented: PartSet,
    keys: Sequence[str],
    stock: dict[str, frozenset[int]],
    folder: Path,
    *,
    workers: int | None = None,
    gate: Gate = NO_GATE,
    log: Log = quiet,
) -> None:
    """The normalized part `keys[i]` of each segmented part (a plan's todo, or some of it), gated,
    its quarantine beside it."""
    with worker_pool(workers) as pool:
        _remove_stock(segmented, keys, stock, folder, gate, pool, log)


@dataclass(frozen=True)
class NormalizeRun:
    parts: PartSet
    quarantine: pa.Table
    reused: int
    chrome_rules: Counter
    controls_removed: int
    articles_with_controls: int


def normalize_finish(plan: StagePlan, folder: Path, *, log: Log = quiet) -> NormalizeRun:
    """The normalized parts of the second pass's plan (its input: the segmented parts), once
    every part is made, with their quarantine and stats."""
    parts, quarantines = _finish(plan, folder, QUARANTINE_SIDECAR)
    chrome_rules: Counter = Counter()
    for part in parts.parts:
        rules = pc.struct_field(pc.list_flatten(parts.read_part(part, ["chrome"])["chrome"]), "rule")
        chrome_rules.update(Counter(rules.to_pylist()))
    # stray control characters (a SUB, a NUL) that decoding let through and clean_text removed
    controls = plan.parts.read([CONTROL_CHARS_REMOVED], schema=SEGMENTED_SCHEMA)[CONTROL_CHARS_REMOVED]
    controls_removed = int(pc.sum(controls).as_py() or 0)
    articles_with_controls = int(pc.sum(pc.greater(controls, 0)).as_py() or 0)
    if controls_removed:
        log(f"{controls_removed} control characters removed from {articles_with_controls} articles")
    quarantine_table = concat_quarantine(quarantines)
    log(f"normalized {parts.num_rows} articles; {quarantine_table.num_rows} quarantined")
    return NormalizeRun(
        parts, quarantine_table, plan.reused, chrome_rules, controls_removed, articles_with_controls
    )


def find_stock_logged(candidates: list[pa.Table], log: Log = quiet) -> dict[str, frozenset[int]]:
    stock = find_stock(candidates)
    log(f"stock paragraphs: {sum(len(v) for v in stock.values())} in {len(stock)} sources")
    return stock


def normalize(
    raw: PartSet,
    parts_dir: Callable[[str], Path],
    *,
    workers: int | None = None,
    gate: Gate = NO_GATE,
    log: Log = quiet,
) -> NormalizeRun:
    """Normalized parts of `raw`: the first pass (segment_articles) part by part on every core,
    keyed like the raw part, with each part's stock-paragraph candidates beside it; the reduce
    over every part's candidates (find_stock); the second pass (remove_stock_paragraphs) part by
    part, gated (stage "normalize"). `parts_dir(stage)` is the folder of a stage's parts."""
    segmented_dir, normalized_dir = parts_dir(SEGMENTED), parts_dir(NORMALIZED)
    with worker_pool(workers) as pool:
        plan = segment_plan(raw, segmented_dir, gate)
        _segment(plan.todo_parts, segmented_dir, gate, pool, log)
        segmented, candidates = segment_finish(plan, segmented_dir)
        stock = find_stock_logged(candidates, log)
        second = remove_stock_plan(segmented, candidates, stock, normalized_dir, gate)
        _remove_stock(second.todo_parts, second.todo_keys, stock, normalized_dir, gate, pool, log)
    return normalize_finish(second, normalized_dir, log=log)


# --- field extraction --------------------------------------------------------------------------


def _gate_fields(gate: Gate, fields: pa.Table, where: Path) -> tuple[pa.Table, pa.Table]:
    fields, crashed = split_failed(fields)  # an article whose extraction raised: quarantined
    table, empty = split_empty_bodies(fields)
    # Sorted by id: the release merges the parts in id order (akhbar.parts.merge_by_id). Sorted
    # before the gate, so the kept rows are the gate's table, in the order they are written.
    kept, failed = gate.check(table.sort_by("id"), "fields", where, None)
    return kept, pa.concat_tables([crashed, empty, failed])


def extract_plan(normalized: PartSet, folder: Path, gate: Gate = NO_GATE) -> StagePlan:
    # A normalized part's key fixes its content, and with the stage's code and gate, the
    # fields extracted from it.
    version = stage_key_version("fields", gate, "fields")
    return _plan(normalized, [part_key(version, p.key) for p in normalized.parts], folder, QUARANTINE_SIDECAR)


def _extract(normalized: PartSet, folder: Path, gate: Gate, pool, log: Log) -> None:
    run_parts(
        normalized,
        stage_key_version("fields", gate, "fields"),
        PartWriter(folder),
        QUARANTINE_SIDECAR,
        extract_fields_chunk,
        pool,
        partial(_gate_fields, gate),
        Progress("extract fields", log, total=normalized.num_rows),
        columns=FIELDS_INPUT,  # not the text: the fields come from its blocks
        row_group_size=MERGE_ROW_GROUP,
    )


def extract_group(
    normalized: PartSet, folder: Path, *, workers: int | None = None, gate: Gate = NO_GATE, log: Log = quiet
) -> None:
    """The fields parts of the parts of `normalized` (a plan's todo, or some of it), each with
    its failed, empty and gated (stage "fields") rows quarantined beside it, sorted by id."""
    with worker_pool(workers) as pool:
        _extract(normalized, folder, gate, pool, log)


@dataclass(frozen=True)
class FieldsRun:
    parts: PartSet
    quarantine: pa.Table
    written: int
    reused: int
    coverage: Counter  # articles with a lead, captions, quotes, dates


def extract_finish(plan: StagePlan, folder: Path, *, log: Log = quiet) -> FieldsRun:
    parts, quarantines = _finish(plan, folder, QUARANTINE_SIDECAR)
    coverage: Counter = Counter()
    for part in parts.parts:
        columns = parts.read_part(part, ["lead", "captions", "quotes", "dates"])
        coverage["lead"] += columns.num_rows - columns["lead"].null_count
        for name in ("captions", "quotes", "dates"):
            coverage[name] += int(pc.sum(pc.greater(pc.list_value_length(columns[name]), 0)).as_py() or 0)
    quarantine_table = concat_quarantine(quarantines)
    written = len(plan.todo)
    log(
        f"extracted fields of {parts.num_rows} articles ({written} parts extracted, "
        f"{plan.reused} reused from an earlier run); {quarantine_table.num_rows} quarantined"
    )
    return FieldsRun(parts, quarantine_table, written, plan.reused, coverage)


def extract(
    normalized: PartSet,
    folder: Path,
    *,
    workers: int | None = None,
    gate: Gate = NO_GATE,
    log: Log = quiet,
) -> FieldsRun:
    """Fields parts of `normalized` in `folder` (extract_fields_chunk on every core), each with
    its failed, empty and gated (stage "fields") rows quarantined, sorted by id."""
    plan = extract_plan(normalized, folder, gate)
    extract_group(plan.todo_parts, folder, workers=workers, gate=gate, log=log)
    return extract_finish(plan, folder, log=log)


# --- dedup signatures --------------------------------------------------------------------------


def sign_plan(fields: PartSet, folder: Path) -> StagePlan:
    version = stage_key_version("dedup", NO_GATE)
    return _plan(fields, [part_key(version, p.key) for p in fields.parts], folder, None)


def sign_group(
    fields: PartSet, keys: Sequence[str], folder: Path, *, workers: int | None = None, log: Log = quiet
) -> None:
    """The MinHash signatures of the parts of `fields` (a plan's todo, or some of it), written as
    the parts `keys` (the plan's keys of those parts), a part per worker."""
    writer = PartWriter(folder)
    parallel = len(fields.parts) > 1 and fields.num_rows >= PARALLEL_MIN_ROWS
    progress = Progress("dedup signatures", log, total=fields.num_rows)
    with worker_pool(workers if parallel else 1) as pool:
        computed = map_ahead(
            signature_index_of_file,
            [str(fields.path(p)) for p in fields.parts],
            pool,
            waiting=lambda: progress.working(0),  # a part is one task: a line says it goes on
        )
        for part, key in zip(fields.parts, keys, strict=True):
            writer.write(key, next(computed))
            progress.advance(part.rows)


def sign_finish(plan: StagePlan, folder: Path) -> PartSet:
    return _finish(plan, folder, None)[0]


def signatures(fields: PartSet, folder: Path, *, workers: int | None = None, log: Log = quiet) -> PartSet:
    """The MinHash signatures of every fields part (reused like the parts they come from while
    the dedup code is unchanged), a part per worker."""
    plan = sign_plan(fields, folder)
    sign_group(plan.todo_parts, plan.todo_keys, folder, workers=workers, log=log)
    return sign_finish(plan, folder)
