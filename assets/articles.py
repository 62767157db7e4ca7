"""Article assets: raw_articles (+ raw_quarantine) -> normalized_articles -> article_fields
-> duplicate_marks (+ dedup_index).

The three article stages stream: each reads its input one part at a time (at most
`batch_rows` articles, see akhbar.parts), writes one part of output and returns the list of
parts. A part whose key (its input rows and the code version) is already on disk was made by
an earlier run and is reused without being computed again, row-level gate included.
"""

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import asdict
from functools import partial
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetIn,
    AssetKey,
    AssetOut,
    MetadataValue,
    Output,
    asset_check,
    multi_asset,
)

from akhbar.dedup import decide_duplicates, signature_index, signature_index_of_file
from akhbar.escape import md_text
from akhbar.ingest import QUARANTINE_SCHEMA, RAW_SCHEMA, KnownFile, SkippedFile, iter_raw_batches
from akhbar.parts import (
    Part,
    PartSet,
    PartWriter,
    collect_garbage,
    part_key,
    release_free_memory,
    rows_key,
    write_text_atomic,
)
from akhbar.progress import Progress
from akhbar.quality import article_fields_frame, normalized_articles_frame, raw_articles_frame
from akhbar.release import code_fingerprint, latest_release_file
from akhbar.schema import ARTICLE_SCHEMA
from akhbar.stages.extract_fields import FIELDS_INPUT, extract_fields_chunk, split_empty_bodies, split_failed
from akhbar.stages.normalize_articles import (
    CONTROL_CHARS_REMOVED,
    NORMALIZED_SCHEMA,
    SEGMENTED_SCHEMA,
    normalized_part,
    segment_articles,
    stock_candidates_of,
)
from akhbar.stages.pool import PARALLEL_MIN_ROWS, PartQueue, map_ahead, start_worker_server, worker_pool
from akhbar.stock_paragraphs import find_stock, stock_among
from assets.gx_suites import failure_lines, gate_part, result_origins, validate_parts
from assets.metadata import preview_markdown
from assets.resources import AkhbarSettings

CODE_VERSION = code_fingerprint()[:16]
GROUP = "articles"
QUARANTINE_SIDECAR = ".quarantine.parquet"  # beside each part: the rows its gate quarantined
CANDIDATES_SIDECAR = ".candidates.parquet"  # beside each segmented part: its stock candidates
# Small row groups in article_fields parts: the release's k-way merge holds one per part.
MERGE_ROW_GROUP = 256


def _gated_part(
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


# Parts in flight on the pool ahead of the one being gated and written.
LOOKAHEAD = 2


def _run_parts(
    parts: PartSet,
    writer: PartWriter,
    sidecar: str,
    fn: Callable[[pa.Table], pa.Table],
    pool: Executor | None,
    finish: Callable[[pa.Table, Path], tuple[pa.Table, pa.Table]],
    progress: Progress,
    columns: list[str] | None = None,
    **options,
) -> list[pa.Table]:
    """Each input part, in order, to the output part of the same key and its sidecar table:
    from disk when an earlier run made both; else `fn` over the input part on the pool
    (submitted LOOKAHEAD parts ahead, so the workers never wait for the gate; every part,
    the last small one too, once the work is worth shipping), then `finish` (output rows,
    sidecar rows; given the path the output part will have) on this process. Only `columns` of
    the input are read (default: all). Returns every part's sidecar table."""
    todo = [p for p in parts.parts if not writer.has(p.key, sidecar)]
    fresh = {p.key for p in todo}
    queue = PartQueue(fn, pool if sum(p.rows for p in todo) >= PARALLEL_MIN_ROWS else None)
    upcoming = iter(todo)

    def top_up() -> None:
        while len(queue) < LOOKAHEAD and (part := next(upcoming, None)) is not None:
            queue.submit(parts.read_part(part, columns))

    top_up()
    sidecars = []
    for part in parts.parts:
        if part.key in fresh:
            result = queue.take()
            top_up()
            output, extra = finish(result, writer.path(part.key))
            writer.write(part.key, output, sidecar=(sidecar, extra), **options)
        else:
            writer.add_existing(part.key)
            extra = writer.read_sidecar(part.key, sidecar)
        sidecars.append(extra)
        progress.advance(part.rows)
    return sidecars


def _finish(writer: PartWriter, other_keys: Iterable[str] = ()) -> PartSet:
    """The stage's parts; files of earlier runs that this run no longer lists are removed."""
    parts = writer.finish()
    collect_garbage(writer.folder, [*(p.key for p in parts.parts), *other_keys])
    return parts


class _FileRecords:
    """What each JSON/JSONL input file gave (its parts, the ids it registered, its read-level
    quarantine), kept as `<file key>.file.json` beside the raw parts. The file key is its
    source's declaration, path, size and modification time and the code version: while they
    hold, the next run takes the file's parts without reading it."""

    def __init__(self, writer: PartWriter, configs: dict[str, str]) -> None:
        self.writer = writer
        self.configs = configs
        self.keys: list[str] = []
        self.skipped = 0
        self._open: tuple[Path, dict] | None = None

    def _key(self, source_name: str, path: Path) -> str:
        stat = path.stat()
        return part_key(
            CODE_VERSION, self.configs[source_name], str(path), str(stat.st_size), str(stat.st_mtime_ns)
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


def reason_kind(reason: str) -> str:
    """What a quarantine reason says without its particulars: "not Arabic: 3% Arabic letters
    (...)" is "not Arabic"."""
    return reason.split(": ", 1)[0]


def quarantine_metadata(quarantine: pa.Table) -> dict:
    """Row count, a preview, the rows a row-level expectation quarantined per expectation
    (`expectation <name>` reasons) and the rows per kind of reason (`reason_kind`)."""
    reasons = quarantine["reason"].to_pylist()
    counts = Counter(r.removeprefix("expectation ") for r in reasons if r.startswith("expectation "))
    kinds = Counter(reason_kind(r) for r in reasons)
    return {
        "dagster/row_count": quarantine.num_rows,
        "preview": MetadataValue.md(preview_markdown(quarantine, ["source", "origin", "reason"])),
        "quarantined_by_expectation": MetadataValue.json(dict(sorted(counts.items()))),
        "quarantined_by_reason": MetadataValue.json(dict(sorted(kinds.items()))),
    }


def _concat_quarantine(tables: list[pa.Table]) -> pa.Table:
    return pa.concat_tables([QUARANTINE_SCHEMA.empty_table(), *tables])


def parts_metadata(parts: PartSet, preview_columns: list[str], **extra) -> dict:
    first = parts.read_part(parts.parts[0], preview_columns) if parts.parts else None
    return {
        "dagster/row_count": parts.num_rows,
        "parts": len(parts.parts),
        "bytes_on_disk": MetadataValue.int(sum(parts.path(p).stat().st_size for p in parts.parts)),
        "preview": MetadataValue.md(preview_markdown(first, preview_columns) if first is not None else ""),
        **extra,
    }


@multi_asset(
    outs={
        "raw_articles": AssetOut(
            description="Every raw article of the configured sources, with id, origin, "
            "raw_sha256 and source; text as the source gave it. Parts of at most batch_rows "
            "articles, never spanning two input files of a JSON/JSONL source.",
            code_version=CODE_VERSION,
            group_name=GROUP,
        ),
        "raw_quarantine": AssetOut(
            description="Raw input that could not become an article (unreadable, undecodable, "
            "empty, invalid JSON, no title or text, repeated id), with the reason.",
            code_version=CODE_VERSION,
            group_name=GROUP,
        ),
    },
)
def raw_articles(context: AssetExecutionContext, akhbar: AkhbarSettings):
    sources = akhbar.sources()
    configs = {s.name: json.dumps(asdict(s), sort_keys=True, default=str) for s in sources}
    for source in sources:
        how = source.format or "format by file"
        context.log.info(f"reading source {source.name!r}: {how} at {source.path}")
    # The next stages' workers fork from a server that loads the stages and models meanwhile,
    # on the core this step's reading leaves idle.
    start_worker_server(akhbar.workers or None)
    writer = PartWriter(akhbar.parts_dir("raw_articles"))
    files = _FileRecords(writer, configs)
    quarantine: list[pa.Table] = []
    raw_bytes = 0
    progress = Progress("read", context.log.info)
    for batch in iter_raw_batches(sources, batch_rows=akhbar.batch_rows, known_file=files.known):
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
                CODE_VERSION,
                configs[articles["source"][0].as_py()],
                rows_key(articles, ["id", "raw_sha256", "origin"]),
            )
            _part, failed = _gated_part(
                writer,
                key,
                lambda where, a=articles: gate_part(
                    a, raw_articles_frame, "raw_articles", stage="raw", where=where
                )[:2],
            )
            quarantine.append(failed)
        raw_bytes += int(pc.sum(articles["size_bytes"]).as_py() or 0)
        files.add(batch, key)
        progress.advance(articles.num_rows)
    files.close()
    parts = _finish(writer, files.keys)
    quarantine_table = _concat_quarantine(quarantine)
    reasons = Counter(r.split(":")[0] for r in quarantine_table["reason"].to_pylist())
    context.log.info(
        f"read {parts.num_rows} articles in {len(parts.parts)} parts ({writer.reused} reused), "
        f"quarantined {quarantine_table.num_rows}"
    )
    yield Output(
        parts,
        output_name="raw_articles",
        metadata={
            **parts_metadata(parts, ["id", "source", "origin", "title"]),
            "parts_reused": writer.reused,
            "files_not_read_again": files.skipped,
            "raw_bytes": MetadataValue.int(raw_bytes),
            "sources": MetadataValue.json({s.name: {"path": s.path, "format": s.format} for s in sources}),
        },
    )
    yield Output(
        quarantine_table,
        output_name="raw_quarantine",
        metadata={
            **quarantine_metadata(quarantine_table),
            "reasons": MetadataValue.json(dict(sorted(reasons.items()))),
        },
    )


def _segmented_parts(
    context: AssetExecutionContext, akhbar: AkhbarSettings, raw: PartSet, pool
) -> tuple[PartSet, list[pa.Table]]:
    """First pass of normalization, part by part on every core: clean and segmented articles
    (keyed like the raw part they came from) and each part's stock-paragraph candidates."""
    writer = PartWriter(akhbar.parts_dir("segmented_articles"))
    candidates = _run_parts(
        raw,
        writer,
        CANDIDATES_SIDECAR,
        segment_articles,
        pool,
        lambda segmented, _where: (segmented, stock_candidates_of(segmented)),
        Progress("normalize (clean, segment)", context.log.info, total=raw.num_rows),
    )
    return _finish(writer), candidates


@multi_asset(
    outs={
        "normalized_articles": AssetOut(
            description="Clean Unicode/Arabic text, site chrome removed (each removal kept with its "
            "rule), text cut into paragraph and media blocks; stock paragraphs (repeated under "
            "many titles of one source, found over the whole corpus) removed.",
            code_version=CODE_VERSION,
            group_name=GROUP,
        ),
        "normalized_quarantine": AssetOut(
            description="Normalized articles that failed a row-level expectation of "
            "expectations/normalized_articles.json, with the expectation's name.",
            code_version=CODE_VERSION,
            group_name=GROUP,
        ),
    },
)
def normalized_articles(context: AssetExecutionContext, akhbar: AkhbarSettings, raw_articles: PartSet):
    with worker_pool(akhbar.workers or None) as pool:
        segmented, candidates = _segmented_parts(context, akhbar, raw_articles, pool)
        stock = find_stock(candidates)
        context.log.info(f"stock paragraphs: {sum(len(v) for v in stock.values())} in {len(stock)} sources")
        writer = PartWriter(akhbar.parts_dir("normalized_articles"))
        # A part's content follows from the segmented part and the stock paragraphs among its
        # candidates: known from the candidates alone, so an unchanged part is not even read.
        parts_keys = [
            (part, part_key(part.key, *stock_among(part_candidates, stock)))
            for part, part_candidates in zip(segmented.parts, candidates, strict=True)
        ]
        todo = [p for p, k in parts_keys if not writer.has(k, QUARANTINE_SIDECAR)]
        # Stock paragraphs removed and the gate's frame built on the workers; gated here.
        normalized = map_ahead(
            partial(normalized_part, stock=stock),
            [str(segmented.path(p)) for p in todo],
            pool if sum(p.rows for p in todo) >= PARALLEL_MIN_ROWS else None,
            ahead=LOOKAHEAD,
        )
        quarantine: list[pa.Table] = []
        chrome_rules: Counter = Counter()
        progress = Progress("normalize (stock paragraphs, gate)", context.log.info, total=segmented.num_rows)

        def gate_next(where: Path) -> tuple[pa.Table, pa.Table]:
            table, frame = next(normalized)
            kept, failed, _ = gate_part(
                table,
                normalized_articles_frame,
                "normalized_articles",
                stage="normalize",
                where=where,
                frame=frame,
            )
            return kept, failed

        for part, key in parts_keys:
            _written, failed = _gated_part(writer, key, gate_next)
            quarantine.append(failed)
            rules = pc.struct_field(pc.list_flatten(writer.read(key, ["chrome"])["chrome"]), "rule")
            chrome_rules.update(Counter(rules.to_pylist()))
            progress.advance(part.rows)
    # stray control characters (a SUB, a NUL) that decoding let through and clean_text removed
    controls = segmented.read([CONTROL_CHARS_REMOVED], schema=SEGMENTED_SCHEMA)[CONTROL_CHARS_REMOVED]
    controls_removed = int(pc.sum(controls).as_py() or 0)
    articles_with_controls = int(pc.sum(pc.greater(controls, 0)).as_py() or 0)
    if controls_removed:
        context.log.info(
            f"{controls_removed} control characters removed from {articles_with_controls} articles"
        )
    parts = _finish(writer)
    quarantine_table = _concat_quarantine(quarantine)
    context.log.info(f"normalized {parts.num_rows} articles; {quarantine_table.num_rows} quarantined")
    yield Output(
        parts,
        output_name="normalized_articles",
        metadata={
            **parts_metadata(parts, ["id", "source", "title"]),
            "parts_reused": writer.reused,
            "chrome_lines_removed": MetadataValue.json(
                {str(k): int(v) for k, v in sorted(chrome_rules.items(), key=lambda kv: str(kv[0]))}
            ),
            "control_chars_removed": controls_removed,
            "articles_with_control_chars": articles_with_controls,
        },
    )
    yield Output(
        quarantine_table,
        output_name="normalized_quarantine",
        metadata=quarantine_metadata(quarantine_table),
    )


def _gate_fields(fields: pa.Table, where: Path) -> tuple[pa.Table, pa.Table]:
    fields, crashed = split_failed(fields)  # an article whose extraction raised: quarantined
    table, empty = split_empty_bodies(fields)
    # Sorted by id: the release merges the parts in id order (akhbar.parts.merge_by_id). Sorted
    # before the gate, so the kept rows are the gate's table, in the order they are written.
    kept, failed, _ = gate_part(
        table.sort_by("id"), article_fields_frame, "article_fields", stage="fields", where=where
    )
    return kept, pa.concat_tables([crashed, empty, failed])


@multi_asset(
    outs={
        "article_fields": AssetOut(
            description="Structured fields in the dataset schema: title, byline, lead, paragraphs, "
            "body, captions with credits, tags, quotes, dates, quantities, provenance.",
            code_version=CODE_VERSION,
            group_name=GROUP,
        ),
        "fields_quarantine": AssetOut(
            description="Articles whose extraction raised (the error, to report), that came out "
            "of extraction without any body text (pages of chrome only), or that failed a row-level "
            "expectation of expectations/article_fields.json, with the reason.",
            code_version=CODE_VERSION,
            group_name=GROUP,
        ),
    },
)
def article_fields(context: AssetExecutionContext, akhbar: AkhbarSettings, normalized_articles: PartSet):
    writer = PartWriter(akhbar.parts_dir("article_fields"))
    with worker_pool(akhbar.workers or None) as pool:
        # A normalized part's key fixes its content, and so the fields extracted from it.
        quarantine = _run_parts(
            normalized_articles,
            writer,
            QUARANTINE_SIDECAR,
            extract_fields_chunk,
            pool,
            _gate_fields,
            Progress("extract fields", context.log.info, total=normalized_articles.num_rows),
            columns=FIELDS_INPUT,  # not the text: the fields come from its blocks
            row_group_size=MERGE_ROW_GROUP,
        )
    coverage = Counter()
    for part in writer.finish().parts:
        columns = writer.read(part.key, ["lead", "captions", "quotes", "dates"])
        coverage["lead"] += columns.num_rows - columns["lead"].null_count
        for name in ("captions", "quotes", "dates"):
            coverage[name] += int(pc.sum(pc.greater(pc.list_value_length(columns[name]), 0)).as_py() or 0)
    parts = _finish(writer)
    quarantine_table = _concat_quarantine(quarantine)
    n = max(parts.num_rows, 1)
    context.log.info(
        f"extracted fields of {parts.num_rows} articles ({writer.written} parts extracted, "
        f"{writer.reused} reused from an earlier run); {quarantine_table.num_rows} quarantined"
    )
    yield Output(
        parts,
        output_name="article_fields",
        metadata={
            **parts_metadata(parts, ["id", "source", "title", "lead", "word_count"]),
            "lead_coverage": MetadataValue.float(round(coverage["lead"] / n, 4)),
            "caption_coverage": MetadataValue.float(round(coverage["captions"] / n, 4)),
            "quote_coverage": MetadataValue.float(round(coverage["quotes"] / n, 4)),
            "date_coverage": MetadataValue.float(round(coverage["dates"] / n, 4)),
            "parts_extracted": writer.written,
            "parts_reused": writer.reused,
        },
    )
    yield Output(
        quarantine_table,
        output_name="fields_quarantine",
        metadata=quarantine_metadata(quarantine_table),
    )


@multi_asset(
    outs={
        "duplicate_marks": AssetOut(
            description="For every article of article_fields: duplicate_of (the kept article's id, "
            "or null) and duplicate_kind. Exact duplicates share their normalized text; near "
            "duplicates have MinHash LSH Jaccard >= 0.8 over 5-word shingles, within the corpus and "
            "against every earlier release; the kept article is chosen deterministically (earlier "
            "release, then earliest published_at, longest body, smallest id).",
            code_version=CODE_VERSION,
            group_name=GROUP,
        ),
        "dedup_index": AssetOut(
            description="Cumulative MinHash signature index (ids, exact keys, signatures, decisions); "
            "saved with each release and read back as the prior of the next one.",
            code_version=CODE_VERSION,
            group_name=GROUP,
        ),
    },
)
def duplicate_marks(context: AssetExecutionContext, akhbar: AkhbarSettings, article_fields: PartSet):
    release_free_memory()  # what the article stages freed, before the signatures meet in memory
    # Signatures part by part (reused like the parts they come from), a part per worker; only
    # they meet in memory.
    writer = PartWriter(akhbar.parts_dir("signatures"))
    todo = [p for p in article_fields.parts if not writer.has(p.key)]
    parallel = len(todo) > 1 and sum(p.rows for p in todo) >= PARALLEL_MIN_ROWS
    with worker_pool((akhbar.workers or None) if parallel else 1) as pool:
        computed = map_ahead(signature_index_of_file, [str(article_fields.path(p)) for p in todo], pool)
        fresh = {p.key for p in todo}
        for part in article_fields.parts:
            if part.key in fresh:
                writer.write(part.key, next(computed))
            else:
                writer.add_existing(part.key)
    signatures = _finish(writer)
    prior_path = latest_release_file(akhbar.data_root, "dedup_index.parquet")
    prior = pq.read_table(prior_path) if prior_path else None
    schema = signature_index(ARTICLE_SCHEMA.empty_table()).schema
    ids = signatures.read(["id"], schema=schema)["id"]
    # not held here: decide_duplicates moves the signatures into one matrix and frees the rest
    result = decide_duplicates(signatures.read(schema=schema), prior=prior)
    marks = pa.table({"id": ids, "duplicate_of": result.duplicate_of, "duplicate_kind": result.kind})
    clusters = result.clusters.sort_by([("size", "descending"), ("kept_id", "ascending")])
    sizes = Counter(clusters["size"].to_pylist())
    context.log.info(
        f"duplicates: {result.exact_duplicates} exact, {result.near_duplicates} near, in "
        f"{clusters.num_rows} clusters" + (f" (prior index of {prior.num_rows} articles)" if prior else "")
    )
    yield Output(
        marks,
        output_name="duplicate_marks",
        metadata={
            "dagster/row_count": marks.num_rows,
            "exact_duplicates": result.exact_duplicates,
            "near_duplicates": result.near_duplicates,
            "clusters": clusters.num_rows,
            "cluster_sizes": MetadataValue.json({str(k): v for k, v in sorted(sizes.items())}),
            "largest_clusters": MetadataValue.md(
                preview_markdown(clusters, ["kept_id", "size", "exact", "near", "sources"], rows=10)
            ),
            "prior_index": MetadataValue.text(str(prior_path) if prior_path else "none (first release)"),
        },
    )
    yield Output(
        result.index, output_name="dedup_index", metadata={"dagster/row_count": result.index.num_rows}
    )


def _results_markdown(summary: dict) -> str:
    lines = ["| expectation | column | result | unexpected | examples |", "|---|---|---|---|---|"]
    for r in summary["results"]:
        examples = ", ".join(str(e.get("id", e)) for e in r["examples"])[:120]
        result = "pass" if r["success"] else "FAIL"
        if r.get("note"):
            result += f" ({r['note']})"
        elif r.get("observed_value") is not None:
            result += f" (observed {r['observed_value']})"
        unexpected = r["unexpected_count"] or 0
        lines.append(
            f"| {md_text(r['expectation'])} | {md_text(r['column'] or '')} | {md_text(result)} | "
            f"{unexpected} | {md_text(examples)} |"
        )
    return "\n".join(lines)


def _frames(parts: PartSet, frame_of: Callable, schema: pa.Schema) -> Iterator:
    """The suite frame of each part, built only when the part's stored results are missing (an
    empty frame for a corpus without parts)."""
    if not parts.parts:
        yield frame_of(schema.empty_table())
    for part in parts.parts:
        yield parts.path(part), lambda p=part: frame_of(parts.read_part(p))


ORIGINS_NAMED = 5  # origins a failure names


def name_origins(summary: dict, parts: PartSet) -> dict:
    """Every failed result of a stage's suite summary without the origins of its rows (a
    corpus-level expectation sees only ids, a statistic sees no row at all) is given them as
    `origins`, read from the stage's parts: the source and origin of its example ids, else the
    files its rows came from, most articles first. Read only when something failed."""
    wanted = [r for r in summary["results"] if not r["success"] and not result_origins(r)]
    if not wanted or not parts.parts:
        return summary
    columns = ["id", "source", "origin"]
    table = pa.concat_tables(parts.read_part(p, columns) for p in parts.parts)
    for result in wanted:
        ids = [e["id"] for e in result["examples"] if isinstance(e, dict) and e.get("id") is not None]
        if ids:
            rows = table.filter(pc.is_in(table["id"], pa.array(ids, pa.string()))).to_pylist()
            result["origins"] = [f"{r['source']} {r['origin']} (id {r['id']})" for r in rows][:ORIGINS_NAMED]
        else:
            origins = zip(table["source"].to_pylist(), table["origin"].to_pylist(), strict=True)
            files = Counter((source, origin.split("#", 1)[0]) for source, origin in origins)
            result["origins"] = [
                f"{source} {file} ({n} articles)"
                for (source, file), n in sorted(files.items(), key=lambda kv: (-kv[1], kv[0]))[:ORIGINS_NAMED]
            ]
    return summary


def suite_check_result(
    context: AssetCheckExecutionContext,
    summary: dict,
    *,
    passed: bool | None = None,
    failures: list[str] | None = None,
    **extra,
) -> AssetCheckResult:
    """An asset check result carrying a GX suite summary as metadata: evaluated and failed
    expectations, unexpected counts, a few failing rows, and `failures`: one line per failure
    naming the origins and what to do (`failure_lines`, or the given lines), also the check's
    description in the Dagster UI and what `akhbar build` prints."""
    context.log.info(
        f"GX suite {summary['suite']}: {summary['successful']} of {summary['evaluated']} expectations "
        f"passed on {summary['rows']} rows"
    )
    failing = {r["name"]: r["examples"] for r in summary["results"] if not r["success"]}
    lines = failure_lines(summary) if failures is None else failures
    return AssetCheckResult(
        passed=summary["success"] if passed is None else passed,
        severity=AssetCheckSeverity.ERROR,
        description="\n".join(lines) or None,
        metadata={
            "evaluated_expectations": summary["evaluated"],
            "successful_expectations": summary["successful"],
            "unsuccessful_expectations": summary["failed"],
            "unexpected_rows": sum(r["unexpected_count"] or 0 for r in summary["results"]),
            "results": MetadataValue.md(_results_markdown(summary)),
            "failing_examples": MetadataValue.json(failing),
            "failures": MetadataValue.json(lines),
            "summary": MetadataValue.json(summary),
            **extra,
        },
    )


TOP_REASONS = 5  # kinds of quarantine reasons an all-quarantined failure names


def nothing_left(quarantines: list[pa.Table]) -> str:
    """The failure of a run whose every record was quarantined (or that read none): how many,
    the most frequent kinds of reason with their counts, stage and a few origins, and what to
    do."""
    columns = ["source", "origin", "stage", "reason"]
    quarantine = pa.concat_tables([q.select(columns) for q in quarantines])
    if not quarantine.num_rows:
        return (
            "no record was read: the sources hold no article; check their `path` (file, folder or "
            "glob) and `format` in sources.yaml, or the --input paths"
        )
    origins: dict[tuple[str, str], list[str]] = {}
    reasons: dict[tuple[str, str], Counter] = {}
    for r in quarantine.to_pylist():
        kind = (r["stage"], reason_kind(r["reason"]))
        origins.setdefault(kind, []).append(f"{r['source']} {r['origin']}")
        reasons.setdefault(kind, Counter())[r["reason"]] += 1
    kinds = Counter({kind: len(named) for kind, named in origins.items()})
    top = []
    for (stage, kind), n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REASONS]:
        # the reason itself when the kind's reasons are all the same, else its most frequent
        (reason, count), *others = reasons[stage, kind].most_common()
        said = reason if not others else f"{kind} (most often: {reason}, {count} times)"
        top.append(f"{n} × {said} ({stage} stage; e.g. {', '.join(origins[stage, kind][:3])})")
    more = len(kinds) - len(top)
    return (
        f"every record was quarantined: none of the {quarantine.num_rows} records read became an "
        f"article, so there is nothing to release. Top reasons: {'; '.join(top)}"
        + (f"; and {more} other kinds of reason" if more > 0 else "")
        + ". What to do: when every record fails the same way, the source declaration does not "
        "match the files: check the source's `fields` mapping (which JSON field holds the title and "
        "the text), `format` and `encoding` in sources.yaml; every reason is in the quarantine "
        "assets (raw_quarantine, normalized_quarantine, fields_quarantine)"
    )


@asset_check(
    asset=AssetKey("raw_articles"),
    blocking=True,
    description="GX suite expectations/raw_articles.json: decoded, non-empty, size bounds, "
    "provenance. Row-level failures were quarantined by the asset; this evaluates what is kept.",
)
def raw_articles_suite(context: AssetCheckExecutionContext, raw_articles: PartSet) -> AssetCheckResult:
    frames = _frames(raw_articles, raw_articles_frame, RAW_SCHEMA)
    return suite_check_result(context, name_origins(validate_parts(frames, "raw_articles"), raw_articles))


@asset_check(
    asset=AssetKey("normalized_articles"),
    blocking=True,
    description="GX suite expectations/normalized_articles.json: no control or bidi characters, "
    "no U+FFFD, Arabic-script ratio.",
)
def normalized_articles_suite(
    context: AssetCheckExecutionContext, normalized_articles: PartSet
) -> AssetCheckResult:
    frames = _frames(normalized_articles, normalized_articles_frame, NORMALIZED_SCHEMA)
    summary = validate_parts(frames, "normalized_articles")
    return suite_check_result(context, name_origins(summary, normalized_articles))


_QUARANTINE_COLUMNS = {"columns": ["source", "origin", "stage", "reason"]}


@asset_check(
    asset=AssetKey("article_fields"),
    blocking=True,
    description="GX suite expectations/article_fields.json (columns, unique id, title bounds, lead "
    "not the body, plausible dates, entity offsets, quotes, Arabic script) plus the exact Arrow "
    "schema, and at least one article left: a run whose every record was quarantined fails here "
    "with the top reasons. Blocking: a failure stops the release.",
    additional_ins={
        name: AssetIn(key=name, metadata=_QUARANTINE_COLUMNS)
        for name in ("raw_quarantine", "normalized_quarantine", "fields_quarantine")
    },
)
def article_fields_suite(
    context: AssetCheckExecutionContext,
    article_fields: PartSet,
    raw_quarantine: pa.Table,
    normalized_quarantine: pa.Table,
    fields_quarantine: pa.Table,
) -> AssetCheckResult:
    summary = validate_parts(_frames(article_fields, article_fields_frame, ARTICLE_SCHEMA), "article_fields")
    name_origins(summary, article_fields)
    schema_ok = all(
        pq.read_schema(article_fields.path(p)).remove_metadata().equals(ARTICLE_SCHEMA)
        for p in article_fields.parts
    )
    summary["arrow_schema_matches"] = schema_ok
    failures = failure_lines(summary)
    if not schema_ok:
        failures.append(
            "the parts' Arrow schema differs from akhbar/schema.py's ARTICLE_SCHEMA: a code change, not "
            "an input problem"
        )
    empty = article_fields.num_rows == 0
    if empty:
        failures.insert(0, nothing_left([raw_quarantine, normalized_quarantine, fields_quarantine]))
    return suite_check_result(
        context,
        summary,
        passed=summary["success"] and schema_ok and not empty,
        failures=failures,
        arrow_schema_matches=schema_ok,
        articles=article_fields.num_rows,
    )
