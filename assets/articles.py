"""Article assets: raw_articles (+ raw_quarantine) -> normalized_articles -> article_fields
-> duplicate_marks (+ dedup_index).

The three article stages stream: each reads its input one part at a time (at most
`batch_rows` articles, see akhbar.parts), writes one part of output and returns the list of
parts. A part whose key (its input rows, the stage's own code and its gate's suite: see
akhbar.code_version) is already on disk was made by an earlier run and is reused without being
computed again, row-level gate included.

Each asset is a short call of the stage runner (akhbar.runner), which owns the parts, reuse,
the worker pool and progress; what stays here is the GX gate it is given (GX_GATE), the
Dagster metadata of its results; the stages' asset checks are in assets/checks.py.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
from dagster import (
    AssetExecutionContext,
    AssetOut,
    MetadataValue,
    Output,
    multi_asset,
)

from akhbar import runner, storage
from akhbar.assets.gx_suites import SUITES_DIR, gate_part
from akhbar.assets.metadata import DATA_ROOT_POOL, OWNERS, preview_markdown, stage_tags
from akhbar.assets.resources import AkhbarSettings
from akhbar.code_version import fingerprint
from akhbar.dedup import decide_duplicates, signature_index
from akhbar.parts import PartSet, release_free_memory
from akhbar.quality import article_fields_frame, normalized_articles_frame, raw_articles_frame
from akhbar.release import latest_release_file
from akhbar.report import reason_kind
from akhbar.schema import ARTICLE_SCHEMA

GROUP = "articles"

# The runner's row-level gate: a stage's GX suite, its row-level expectations quarantining the
# rows that fail them (akhbar.assets.gx_suites.gate_part). The normalized part's frame is built on the
# worker that made the part.
_SUITES: dict[str, tuple[str, Callable[[pa.Table], Any]]] = {
    "raw": ("raw_articles", raw_articles_frame),
    "normalize": ("normalized_articles", normalized_articles_frame),
    "fields": ("article_fields", article_fields_frame),
}


def _gx_check(table: pa.Table, stage: str, where: Path, prepared: Any = None) -> tuple[pa.Table, pa.Table]:
    suite, frame_of = _SUITES[stage]
    kept, failed, _ = gate_part(table, frame_of, suite, stage=stage, where=where, frame=prepared)
    return kept, failed


def gate_version(stage: str) -> str:
    """What the gate of `stage` runs: its suite's JSON and the code that evaluates it (this
    package's gx_suites and the library modules it imports: the suite frames of akhbar.quality)."""
    suite = SUITES_DIR / f"{_SUITES[stage][0]}.json"
    return fingerprint(["akhbar.assets.gx_suites"], extra=[suite])[:16]


GX_GATE = runner.Gate(
    check=_gx_check,
    prepare={"normalize": normalized_articles_frame},
    versions={stage: gate_version(stage) for stage in _SUITES},
)

# Each stage asset's code_version is what its parts are keyed by (akhbar.runner.stage_key_version:
# the stage's own code and its gate), so Dagster calls an asset stale exactly when its parts
# would be made again: a change to the report, the card or another stage leaves it as it is.
RAW_VERSION = runner.stage_key_version("raw", GX_GATE, "raw")
NORMALIZE_VERSION = runner.stage_key_version("normalize", GX_GATE, "normalize")
FIELDS_VERSION = runner.stage_key_version("fields", GX_GATE, "fields")
DEDUP_VERSION = runner.stage_key_version("dedup", runner.NO_GATE)


def _out(description: str, version: str, stage: str, role: str, kinds: set[str]) -> AssetOut:
    return AssetOut(
        description=description,
        code_version=version,
        group_name=GROUP,
        owners=OWNERS,
        tags=stage_tags(stage, role),
        kinds=kinds,
    )


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
    pool=DATA_ROOT_POOL,
    outs={
        "raw_articles": _out(
            "Every raw article of the configured sources, with id, origin, "
            "raw_sha256 and source; text as the source gave it. Parts of at most batch_rows "
            "articles, never spanning two input files of a JSON/JSONL source.",
            RAW_VERSION,
            "raw",
            "articles",
            {"python", "parquet", "great_expectations"},
        ),
        "raw_quarantine": _out(
            "Raw input that could not become an article (unreadable, undecodable, "
            "empty, invalid JSON, no title or text, repeated id), with the reason.",
            RAW_VERSION,
            "raw",
            "quarantine",
            {"parquet"},
        ),
    },
)
def raw_articles(context: AssetExecutionContext, akhbar: AkhbarSettings):
    sources = akhbar.sources()
    run = runner.read_raw(
        sources,
        akhbar.parts_dir("raw_articles"),
        batch_rows=akhbar.batch_rows,
        workers=akhbar.workers or None,
        gate=GX_GATE,
        log=context.log.info,
    )
    parts, quarantine_table = run.parts, run.quarantine
    reasons = Counter(r.split(":")[0] for r in quarantine_table["reason"].to_pylist())
    yield Output(
        parts,
        output_name="raw_articles",
        metadata={
            **parts_metadata(parts, ["id", "source", "origin", "title"]),
            "parts_reused": run.reused,
            "files_not_read_again": run.files_not_read_again,
            "raw_bytes": MetadataValue.int(run.raw_bytes),
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


NORMALIZED_OUTS = {
    "normalized_articles": _out(
        "Clean Unicode/Arabic text, site chrome removed (each removal kept with its "
        "rule), text cut into paragraph and media blocks; stock paragraphs (repeated under "
        "many titles of one source, found over the whole corpus) removed.",
        NORMALIZE_VERSION,
        "normalize",
        "articles",
        {"polars", "parquet", "great_expectations"},
    ),
    "normalized_quarantine": _out(
        "Normalized articles that failed a row-level expectation of "
        "expectations/normalized_articles.json, with the expectation's name.",
        NORMALIZE_VERSION,
        "normalize",
        "quarantine",
        {"parquet"},
    ),
}


def normalized_outputs(run: runner.NormalizeRun) -> Iterator[Output]:
    """The outputs of normalized_articles (streaming or fanned out) with their metadata."""
    yield Output(
        run.parts,
        output_name="normalized_articles",
        metadata={
            **parts_metadata(run.parts, ["id", "source", "title"]),
            "parts_reused": run.reused,
            "chrome_lines_removed": MetadataValue.json(
                {str(k): int(v) for k, v in sorted(run.chrome_rules.items(), key=lambda kv: str(kv[0]))}
            ),
            "control_chars_removed": run.controls_removed,
            "articles_with_control_chars": run.articles_with_controls,
        },
    )
    yield Output(
        run.quarantine,
        output_name="normalized_quarantine",
        metadata=quarantine_metadata(run.quarantine),
    )


@multi_asset(pool=DATA_ROOT_POOL, outs=NORMALIZED_OUTS)
def normalized_articles(context: AssetExecutionContext, akhbar: AkhbarSettings, raw_articles: PartSet):
    run = runner.normalize(
        raw_articles, akhbar.parts_dir, workers=akhbar.workers or None, gate=GX_GATE, log=context.log.info
    )
    yield from normalized_outputs(run)


FIELDS_OUTS = {
    "article_fields": _out(
        "Structured fields in the dataset schema: title, byline, lead, paragraphs, "
        "body, captions with credits, tags, quotes, dates, quantities, provenance.",
        FIELDS_VERSION,
        "fields",
        "articles",
        {"python", "parquet", "great_expectations"},
    ),
    "fields_quarantine": _out(
        "Articles whose extraction raised (the error, to report), that came out "
        "of extraction without any body text (pages of chrome only), or that failed a row-level "
        "expectation of expectations/article_fields.json, with the reason.",
        FIELDS_VERSION,
        "fields",
        "quarantine",
        {"parquet"},
    ),
}


def fields_outputs(run: runner.FieldsRun) -> Iterator[Output]:
    """The outputs of article_fields (streaming or fanned out) with their metadata."""
    parts, coverage = run.parts, run.coverage
    n = max(parts.num_rows, 1)
    yield Output(
        parts,
        output_name="article_fields",
        metadata={
            **parts_metadata(parts, ["id", "source", "title", "lead", "word_count"]),
            "lead_coverage": MetadataValue.float(round(coverage["lead"] / n, 4)),
            "caption_coverage": MetadataValue.float(round(coverage["captions"] / n, 4)),
            "quote_coverage": MetadataValue.float(round(coverage["quotes"] / n, 4)),
            "date_coverage": MetadataValue.float(round(coverage["dates"] / n, 4)),
            "parts_extracted": run.written,
            "parts_reused": run.reused,
        },
    )
    yield Output(
        run.quarantine,
        output_name="fields_quarantine",
        metadata=quarantine_metadata(run.quarantine),
    )


@multi_asset(pool=DATA_ROOT_POOL, outs=FIELDS_OUTS)
def article_fields(context: AssetExecutionContext, akhbar: AkhbarSettings, normalized_articles: PartSet):
    run = runner.extract(
        normalized_articles,
        akhbar.parts_dir(runner.FIELDS),
        workers=akhbar.workers or None,
        gate=GX_GATE,
        log=context.log.info,
    )
    yield from fields_outputs(run)


DEDUP_OUTS = {
    "duplicate_marks": _out(
        "For every article of article_fields: duplicate_of (the kept article's id, "
        "or null) and duplicate_kind. Exact duplicates share their normalized text; near "
        "duplicates have MinHash LSH Jaccard >= 0.8 over 5-word shingles, within the corpus and "
        "against every earlier release; the kept article is chosen deterministically (earlier "
        "release, then earliest published_at, longest body, smallest id).",
        DEDUP_VERSION,
        "dedup",
        "articles",
        {"python", "parquet"},
    ),
    "dedup_index": _out(
        "Cumulative MinHash signature index (ids, exact keys, signatures, decisions); "
        "saved with each release and read back as the prior of the next one.",
        DEDUP_VERSION,
        "dedup",
        "index",
        {"parquet"},
    ),
}


def dedup_outputs(log: Callable[[str], Any], data_root: str, signatures: PartSet) -> Iterator[Output]:
    """Duplicates decided over every signature part (and the latest release's index): the
    outputs of duplicate_marks (streaming or fanned out) with their metadata."""
    prior_path = latest_release_file(data_root, "dedup_index.parquet")
    prior = storage.read_table(prior_path) if prior_path else None
    schema = signature_index(ARTICLE_SCHEMA.empty_table()).schema
    ids = signatures.read(["id"], schema=schema)["id"]
    # not held here: decide_duplicates moves the signatures into one matrix and frees the rest
    result = decide_duplicates(signatures.read(schema=schema), prior=prior)
    marks = pa.table({"id": ids, "duplicate_of": result.duplicate_of, "duplicate_kind": result.kind})
    clusters = result.clusters.sort_by([("size", "descending"), ("kept_id", "ascending")])
    sizes = Counter(clusters["size"].to_pylist())
    log(
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


@multi_asset(pool=DATA_ROOT_POOL, outs=DEDUP_OUTS)
def duplicate_marks(context: AssetExecutionContext, akhbar: AkhbarSettings, article_fields: PartSet):
    release_free_memory()  # what the article stages freed, before the signatures meet in memory
    # Signatures part by part (reused like the parts they come from), a part per worker; only
    # they meet in memory.
    folder = akhbar.parts_dir(runner.SIGNATURES)
    signatures = runner.signatures(
        article_fields, folder, workers=akhbar.workers or None, log=context.log.info
    )
    yield from dedup_outputs(context.log.info, akhbar.data_root, signatures)
