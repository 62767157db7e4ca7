"""The article stages over parts: normalization (segment every part, find the corpus's stock
paragraphs, remove them part by part), field extraction, and the dedup signatures. The stage
functions (akhbar/stages/) see one Arrow table; the pool, the look-ahead, the keys, reuse,
sidecars, the gate and progress are here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
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
    gated_part,
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


def stock_removed_part(
    segmented_path: str, stock: dict[str, frozenset[int]], prepare: Callable[[pa.Table], Any] | None
) -> tuple[pa.Table, Any]:
    """The second pass over a segmented part file, where a pool worker reads it: the normalized
    part and what the gate prepares from it there (its suite frame), or None."""
    table = remove_stock_paragraphs(storage.read_table(segmented_path), stock)
    return table, prepare(table) if prepare is not None else None


@dataclass(frozen=True)
class NormalizeRun:
    parts: PartSet
    quarantine: pa.Table
    reused: int
    chrome_rules: Counter
    controls_removed: int
    articles_with_controls: int


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
    with worker_pool(workers) as pool:
        writer = PartWriter(parts_dir("segmented_articles"))
        candidates = run_parts(
            raw,
            stage_key_version("normalize", gate),
            writer,
            CANDIDATES_SIDECAR,
            segment_articles,
            pool,
            lambda segmented, _where: (segmented, stock_candidates_of(segmented)),
            Progress("normalize (clean, segment)", log, total=raw.num_rows),
        )
        segmented = finish_stage(writer)
        stock = find_stock(candidates)
        log(f"stock paragraphs: {sum(len(v) for v in stock.values())} in {len(stock)} sources")
        writer = PartWriter(parts_dir("normalized_articles"))
        # A part's content follows from the segmented part (its key holds the stage's code), the
        # gate and the stock paragraphs among its candidates: known from the candidates alone,
        # so an unchanged part is not even read.
        gate_version = gate.versions.get("normalize", "")
        parts_keys = [
            (part, part_key(part.key, gate_version, *stock_among(part_candidates, stock)))
            for part, part_candidates in zip(segmented.parts, candidates, strict=True)
        ]
        todo = [p for p, k in parts_keys if not writer.has(k, QUARANTINE_SIDECAR)]
        progress = Progress("normalize (stock paragraphs, gate)", log, total=segmented.num_rows)
        # Stock paragraphs removed and the gate's frame built on the workers; gated here.
        normalized = map_ahead(
            partial(stock_removed_part, stock=stock, prepare=gate.prepare.get("normalize")),
            [str(segmented.path(p)) for p in todo],
            pool if sum(p.rows for p in todo) >= PARALLEL_MIN_ROWS else None,
            ahead=LOOKAHEAD,
            waiting=lambda: progress.working(0),  # a part is one task: a line says it goes on
        )
        quarantine: list[pa.Table] = []
        chrome_rules: Counter = Counter()

        def gate_next(where: Path) -> tuple[pa.Table, pa.Table]:
            table, prepared = next(normalized)
            return gate.check(table, "normalize", where, prepared)

        for part, key in parts_keys:
            _written, failed = gated_part(writer, key, gate_next)
            quarantine.append(failed)
            rules = pc.struct_field(pc.list_flatten(writer.read(key, ["chrome"])["chrome"]), "rule")
            chrome_rules.update(Counter(rules.to_pylist()))
            progress.advance(part.rows)
    # stray control characters (a SUB, a NUL) that decoding let through and clean_text removed
    controls = segmented.read([CONTROL_CHARS_REMOVED], schema=SEGMENTED_SCHEMA)[CONTROL_CHARS_REMOVED]
    controls_removed = int(pc.sum(controls).as_py() or 0)
    articles_with_controls = int(pc.sum(pc.greater(controls, 0)).as_py() or 0)
    if controls_removed:
        log(f"{controls_removed} control characters removed from {articles_with_controls} articles")
    parts = finish_stage(writer)
    quarantine_table = concat_quarantine(quarantine)
    log(f"normalized {parts.num_rows} articles; {quarantine_table.num_rows} quarantined")
    return NormalizeRun(
        parts, quarantine_table, writer.reused, chrome_rules, controls_removed, articles_with_controls
    )


def _gate_fields(gate: Gate, fields: pa.Table, where: Path) -> tuple[pa.Table, pa.Table]:
    fields, crashed = split_failed(fields)  # an article whose extraction raised: quarantined
    table, empty = split_empty_bodies(fields)
    # Sorted by id: the release merges the parts in id order (akhbar.parts.merge_by_id). Sorted
    # before the gate, so the kept rows are the gate's table, in the order they are written.
    kept, failed = gate.check(table.sort_by("id"), "fields", where, None)
    return kept, pa.concat_tables([crashed, empty, failed])


@dataclass(frozen=True)
class FieldsRun:
    parts: PartSet
    quarantine: pa.Table
    written: int
    reused: int
    coverage: Counter  # articles with a lead, captions, quotes, dates


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
    writer = PartWriter(folder)
    with worker_pool(workers) as pool:
        # A normalized part's key fixes its content, and with the stage's code and gate, the
        # fields extracted from it.
        quarantine = run_parts(
            normalized,
            stage_key_version("fields", gate, "fields"),
            writer,
            QUARANTINE_SIDECAR,
            extract_fields_chunk,
            pool,
            partial(_gate_fields, gate),
            Progress("extract fields", log, total=normalized.num_rows),
            columns=FIELDS_INPUT,  # not the text: the fields come from its blocks
            row_group_size=MERGE_ROW_GROUP,
        )
    coverage: Counter = Counter()
    for part in writer.finish().parts:
        columns = writer.read(part.key, ["lead", "captions", "quotes", "dates"])
        coverage["lead"] += columns.num_rows - columns["lead"].null_count
        for name in ("captions", "quotes", "dates"):
            coverage[name] += int(pc.sum(pc.greater(pc.list_value_length(columns[name]), 0)).as_py() or 0)
    parts = finish_stage(writer)
    quarantine_table = concat_quarantine(quarantine)
    log(
        f"extracted fields of {parts.num_rows} articles ({writer.written} parts extracted, "
        f"{writer.reused} reused from an earlier run); {quarantine_table.num_rows} quarantined"
    )
    return FieldsRun(parts, quarantine_table, writer.written, writer.reused, coverage)


def signatures(fields: PartSet, folder: Path, *, workers: int | None = None, log: Log = quiet) -> PartSet:
    """The MinHash signatures of every fields part (reused like the parts they come from while
    the dedup code is unchanged), a part per worker."""
    writer = PartWriter(folder)
    version = stage_key_version("dedup", NO_GATE)
    keys = {p.key: part_key(version, p.key) for p in fields.parts}
    todo = [p for p in fields.parts if not writer.has(keys[p.key])]
    parallel = len(todo) > 1 and sum(p.rows for p in todo) >= PARALLEL_MIN_ROWS
    progress = Progress("dedup signatures", log, total=fields.num_rows)
    with worker_pool(workers if parallel else 1) as pool:
        computed = map_ahead(
            signature_index_of_file,
            [str(fields.path(p)) for p in todo],
            pool,
            waiting=lambda: progress.working(0),  # a part is one task: a line says it goes on
        )
        fresh = {p.key for p in todo}
        for part in fields.parts:
            if part.key in fresh:
                writer.write(keys[part.key], next(computed))
            else:
                writer.add_existing(keys[part.key])
            progress.advance(part.rows)
    return finish_stage(writer)
