"""Article assets: raw_articles (+ raw_quarantine) -> normalized_articles -> article_fields."""

from collections import Counter

import pyarrow as pa
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetOut,
    MetadataValue,
    Output,
    asset,
    asset_check,
    multi_asset,
)

from akhbar.ingest import read_sources
from akhbar.quality import article_fields_frame
from akhbar.release import code_fingerprint
from akhbar.schema import ARTICLE_SCHEMA
from akhbar.stages.extract_fields import extract_fields, split_empty_bodies
from akhbar.stages.normalize_articles import normalize_articles
from assets.gx_suites import validate_frame
from assets.metadata import table_metadata
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
    reasons = Counter(r.split(":")[0] for r in batch.quarantine["reason"].to_pylist())
    context.log.info(f"read {batch.articles.num_rows} articles, quarantined {batch.quarantine.num_rows}")
    yield Output(
        batch.articles,
        output_name="raw_articles",
        metadata={
            **table_metadata(batch.articles, ["id", "source", "origin", "title"]),
            "raw_bytes": MetadataValue.int(sum(batch.articles["size_bytes"].to_pylist())),
            "sources": MetadataValue.json({s.name: {"path": s.path, "format": s.format} for s in sources}),
        },
    )
    yield Output(
        batch.quarantine,
        output_name="raw_quarantine",
        metadata={
            **table_metadata(batch.quarantine, ["source", "origin", "reason"]),
            "reasons": MetadataValue.json(dict(sorted(reasons.items()))),
        },
    )


@asset(
    description="Clean Unicode/Arabic text, site chrome removed (each removal kept with its "
    "rule), text cut into paragraph and media blocks.",
    code_version=CODE_VERSION,
    group_name=GROUP,
)
def normalized_articles(context: AssetExecutionContext, raw_articles: pa.Table):
    table = normalize_articles(raw_articles)
    chrome_rules = Counter(r["rule"] for lines in table["chrome"].to_pylist() for r in lines)
    context.log.info(f"normalized {table.num_rows} articles")
    return Output(
        table,
        metadata={
            **table_metadata(table, ["id", "source", "title"], text_column="text"),
            "chrome_lines_removed": MetadataValue.json(dict(sorted(chrome_rules.items()))),
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
            "chrome only), with the reason.",
            code_version=CODE_VERSION,
            group_name=GROUP,
        ),
    },
)
def article_fields(context: AssetExecutionContext, normalized_articles: pa.Table):
    table, quarantine = split_empty_bodies(extract_fields(normalized_articles))
    n = max(table.num_rows, 1)
    with_captions = sum(1 for c in table["captions"].to_pylist() if c)
    with_lead = table.num_rows - table["lead"].null_count
    with_quotes = sum(1 for q in table["quotes"].to_pylist() if q)
    with_dates = sum(1 for d in table["dates"].to_pylist() if d)
    context.log.info(f"extracted fields of {table.num_rows} articles; {quarantine.num_rows} without a body")
    yield Output(
        table,
        output_name="article_fields",
        metadata={
            **table_metadata(table, ["id", "source", "title", "lead", "word_count"], text_column="body"),
            "lead_coverage": MetadataValue.float(round(with_lead / n, 4)),
            "caption_coverage": MetadataValue.float(round(with_captions / n, 4)),
            "quote_coverage": MetadataValue.float(round(with_quotes / n, 4)),
            "date_coverage": MetadataValue.float(round(with_dates / n, 4)),
        },
    )
    yield Output(
        quarantine,
        output_name="fields_quarantine",
        metadata=table_metadata(quarantine, ["source", "origin", "reason"]),
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


@asset_check(
    asset=AssetKey("article_fields"),
    blocking=True,
    description="GX suite expectations/article_fields.json (schema, non-null title and "
    "body, unique id, Arabic-script ratio) plus the exact Arrow schema. Blocking: "
    "a failure stops the release.",
)
def article_fields_suite(context: AssetCheckExecutionContext, article_fields: pa.Table) -> AssetCheckResult:
    summary = validate_frame(article_fields_frame(article_fields), "article_fields")
    context.log.info(
        f"GX suite article_fields: {summary['successful']} of {summary['evaluated']} expectations "
        f"passed on {summary['rows']} rows"
    )
    schema_ok = article_fields.schema.remove_metadata().equals(ARTICLE_SCHEMA)
    summary["arrow_schema_matches"] = schema_ok
    failing = {
        r["expectation"] + (f"({r['column']})" if r["column"] else ""): r["examples"]
        for r in summary["results"]
        if not r["success"]
    }
    return AssetCheckResult(
        passed=summary["success"] and schema_ok,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "evaluated_expectations": summary["evaluated"],
            "successful_expectations": summary["successful"],
            "unsuccessful_expectations": summary["failed"],
            "arrow_schema_matches": schema_ok,
            "results": MetadataValue.md(_results_markdown(summary)),
            "failing_examples": MetadataValue.json(failing),
            "summary": MetadataValue.json(summary),
        },
    )
