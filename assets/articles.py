"""Article assets: raw_articles (+ raw_quarantine) -> normalized_articles -> article_fields."""

from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetOut,
    MetadataValue,
    Output,
    asset_check,
    multi_asset,
)

from akhbar.dedup import find_duplicates
from akhbar.ingest import read_sources
from akhbar.quality import article_fields_frame, normalized_articles_frame, raw_articles_frame
from akhbar.release import code_fingerprint, latest_release_file
from akhbar.schema import ARTICLE_SCHEMA
from akhbar.stages.extract_fields import split_empty_bodies
from akhbar.stages.field_cache import extract_fields_cached
from akhbar.stages.normalize_articles import normalize_articles
from assets.gx_suites import quarantine_failing_rows, validate_frame
from assets.metadata import preview_markdown, table_metadata
from assets.resources import AkhbarSettings

CODE_VERSION = code_fingerprint()[:16]
GROUP = "articles"


@multi_asset(
    outs={
        "raw_articles": AssetOut(
            description="Every raw article of the configured sources, with id, origin, "
            "raw_sha256 and source; text as the source gave it.",
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
    for source in sources:
        context.log.info(f"reading source {source.name!r}: {source.format} at {source.path}")
    batch = read_sources(sources)
    articles, failed, by_expectation = quarantine_failing_rows(
        batch.articles, raw_articles_frame(batch.articles), "raw_articles", stage="raw"
    )
    quarantine = pa.concat_tables([batch.quarantine, failed])
    reasons = Counter(r.split(":")[0] for r in quarantine["reason"].to_pylist())
    context.log.info(f"read {articles.num_rows} articles, quarantined {quarantine.num_rows}")
    yield Output(
        articles,
        output_name="raw_articles",
        metadata={
            **table_metadata(articles, ["id", "source", "origin", "title"]),
            "raw_bytes": MetadataValue.int(sum(articles["size_bytes"].to_pylist())),
            "sources": MetadataValue.json({s.name: {"path": s.path, "format": s.format} for s in sources}),
        },
    )
    yield Output(
        quarantine,
        output_name="raw_quarantine",
        metadata={
            **table_metadata(quarantine, ["source", "origin", "reason"]),
            "reasons": MetadataValue.json(dict(sorted(reasons.items()))),
            "quarantined_by_expectation": MetadataValue.json(by_expectation),
        },
    )


@multi_asset(
    outs={
        "normalized_articles": AssetOut(
            description="Clean Unicode/Arabic text, site chrome removed (each removal kept with its "
            "rule), text cut into paragraph and media blocks.",
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
def normalized_articles(context: AssetExecutionContext, raw_articles: pa.Table):
    table, quarantine, by_expectation = quarantine_failing_rows(
        (normalized := normalize_articles(raw_articles)),
        normalized_articles_frame(normalized),
        "normalized_articles",
        stage="normalize",
    )
    chrome_rules = Counter(r["rule"] for lines in table["chrome"].to_pylist() for r in lines)
    context.log.info(f"normalized {table.num_rows} articles; {quarantine.num_rows} quarantined")
    yield Output(
        table,
        output_name="normalized_articles",
        metadata={
            **table_metadata(table, ["id", "source", "title"], text_column="text"),
            "chrome_lines_removed": MetadataValue.json(dict(sorted(chrome_rules.items()))),
        },
    )
    yield Output(
        quarantine,
        output_name="normalized_quarantine",
        metadata={
            **table_metadata(quarantine, ["source", "origin", "reason"]),
            "quarantined_by_expectation": MetadataValue.json(by_expectation),
        },
    )


@multi_asset(
    outs={
        "article_fields": AssetOut(
            description="Structured fields in the dataset schema: title, byline, lead, paragraphs, "
            "body, captions with credits, tags, quotes, dates, quantities, provenance.",
            code_version=CODE_VERSION,
            group_name=GROUP,
        ),
        "fields_quarantine": AssetOut(
            description="Articles that came out of extraction without any body text (pages of "
            "chrome only) or failed a row-level expectation of expectations/article_fields.json, "
            "with the reason.",
            code_version=CODE_VERSION,
            group_name=GROUP,
        ),
    },
)
def article_fields(context: AssetExecutionContext, akhbar: AkhbarSettings, normalized_articles: pa.Table):
    extraction = extract_fields_cached(
        normalized_articles, cache_dir=Path(akhbar.data_root) / "cache", code_version=CODE_VERSION
    )
    context.log.info(
        f"extracted {extraction.extracted} articles, reused {extraction.reused} unchanged ones from "
        "the previous run"
    )
    table, empty = split_empty_bodies(extraction.table)
    table, failed, by_expectation = quarantine_failing_rows(
        table, article_fields_frame(table), "article_fields", stage="fields"
    )
    quarantine = pa.concat_tables([empty, failed])
    n = max(table.num_rows, 1)
    with_captions = sum(1 for c in table["captions"].to_pylist() if c)
    with_lead = table.num_rows - table["lead"].null_count
    with_quotes = sum(1 for q in table["quotes"].to_pylist() if q)
    with_dates = sum(1 for d in table["dates"].to_pylist() if d)
    context.log.info(
        f"extracted fields of {table.num_rows} articles; {empty.num_rows} without a body, "
        f"{failed.num_rows} failed a row-level expectation"
    )
    yield Output(
        table,
        output_name="article_fields",
        metadata={
            **table_metadata(table, ["id", "source", "title", "lead", "word_count"], text_column="body"),
            "lead_coverage": MetadataValue.float(round(with_lead / n, 4)),
            "caption_coverage": MetadataValue.float(round(with_captions / n, 4)),
            "quote_coverage": MetadataValue.float(round(with_quotes / n, 4)),
            "date_coverage": MetadataValue.float(round(with_dates / n, 4)),
            "extracted": extraction.extracted,
            "reused_from_cache": extraction.reused,
        },
    )
    yield Output(
        quarantine,
        output_name="fields_quarantine",
        metadata={
            **table_metadata(quarantine, ["source", "origin", "reason"]),
            "quarantined_by_expectation": MetadataValue.json(by_expectation),
        },
    )


@multi_asset(
    outs={
        "deduplicated_articles": AssetOut(
            description="article_fields with duplicate_of set: exact duplicates (same normalized "
            "text) and near duplicates (MinHash LSH over 5-word shingles, Jaccard >= 0.8), within "
            "the corpus and against every earlier release; the kept article is chosen "
            "deterministically (earlier release, then earliest published_at, longest body, "
            "smallest id).",
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
def deduplicated_articles(context: AssetExecutionContext, akhbar: AkhbarSettings, article_fields: pa.Table):
    prior_path = latest_release_file(akhbar.data_root, "dedup_index.parquet")
    prior = pq.read_table(prior_path) if prior_path else None
    result = find_duplicates(article_fields, prior=prior)
    position = article_fields.schema.get_field_index("duplicate_of")
    table = article_fields.set_column(
        position, article_fields.schema.field(position), result.duplicate_of.cast(pa.string())
    )
    clusters = result.clusters.sort_by([("size", "descending"), ("kept_id", "ascending")])
    sizes = Counter(clusters["size"].to_pylist())
    context.log.info(
        f"duplicates: {result.exact_duplicates} exact, {result.near_duplicates} near, in "
        f"{clusters.num_rows} clusters" + (f" (prior index of {prior.num_rows} articles)" if prior else "")
    )
    yield Output(
        table,
        output_name="deduplicated_articles",
        metadata={
            "dagster/row_count": table.num_rows,
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
        lines.append(
            f"| {r['expectation']} | {r['column'] or ''} | "
            f"{'pass' if r['success'] else 'FAIL'} | {r['unexpected_count'] or 0} | "
            f"{examples} |"
        )
    return "\n".join(lines)


def suite_check_result(
    context: AssetCheckExecutionContext, summary: dict, *, passed: bool | None = None, **extra
) -> AssetCheckResult:
    """An asset check result carrying a GX suite summary as metadata: evaluated and failed
    expectations, unexpected counts, a few failing rows."""
    context.log.info(
        f"GX suite {summary['suite']}: {summary['successful']} of {summary['evaluated']} expectations "
        f"passed on {summary['rows']} rows"
    )
    failing = {r["name"]: r["examples"] for r in summary["results"] if not r["success"]}
    return AssetCheckResult(
        passed=summary["success"] if passed is None else passed,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "evaluated_expectations": summary["evaluated"],
            "successful_expectations": summary["successful"],
            "unsuccessful_expectations": summary["failed"],
            "unexpected_rows": sum(r["unexpected_count"] or 0 for r in summary["results"]),
            "results": MetadataValue.md(_results_markdown(summary)),
            "failing_examples": MetadataValue.json(failing),
            "summary": MetadataValue.json(summary),
            **extra,
        },
    )


@asset_check(
    asset=AssetKey("raw_articles"),
    blocking=True,
    description="GX suite expectations/raw_articles.json: decoded, non-empty, size bounds, "
    "provenance. Row-level failures were quarantined by the asset; this evaluates what is kept.",
)
def raw_articles_suite(context: AssetCheckExecutionContext, raw_articles: pa.Table) -> AssetCheckResult:
    return suite_check_result(context, validate_frame(raw_articles_frame(raw_articles), "raw_articles"))


@asset_check(
    asset=AssetKey("normalized_articles"),
    blocking=True,
    description="GX suite expectations/normalized_articles.json: no control or bidi characters, "
    "no U+FFFD, Arabic-script ratio.",
)
def normalized_articles_suite(
    context: AssetCheckExecutionContext, normalized_articles: pa.Table
) -> AssetCheckResult:
    frame = normalized_articles_frame(normalized_articles)
    return suite_check_result(context, validate_frame(frame, "normalized_articles"))


@asset_check(
    asset=AssetKey("article_fields"),
    blocking=True,
    description="GX suite expectations/article_fields.json (columns, unique id, title bounds, lead "
    "not the body, plausible dates, entity offsets, quotes, Arabic script) plus the exact Arrow "
    "schema. Blocking: a failure stops the release.",
)
def article_fields_suite(context: AssetCheckExecutionContext, article_fields: pa.Table) -> AssetCheckResult:
    summary = validate_frame(article_fields_frame(article_fields), "article_fields")
    schema_ok = article_fields.schema.remove_metadata().equals(ARTICLE_SCHEMA)
    summary["arrow_schema_matches"] = schema_ok
    return suite_check_result(
        context, summary, passed=summary["success"] and schema_ok, arrow_schema_matches=schema_ok
    )
