"""The article stages' asset checks: each stage's GX suite evaluated on its parts (the row-level
share each gate kept, plus the corpus-level expectations over the columns they need), with
failure lines that name the origins and say what to do, and the every-record-quarantined error.
"""

from collections import Counter
from collections.abc import Callable, Iterator

import pyarrow as pa
import pyarrow.compute as pc
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetIn,
    AssetKey,
    MetadataValue,
    asset_check,
)

from akhbar import storage
from akhbar.assets.gx_suites import failure_lines, result_origins, validate_parts
from akhbar.escape import md_text
from akhbar.ingest import RAW_SCHEMA
from akhbar.parts import PartSet
from akhbar.quality import article_fields_frame, normalized_articles_frame, raw_articles_frame
from akhbar.report import reason_kind
from akhbar.schema import ARTICLE_SCHEMA
from akhbar.stages.normalize_articles import NORMALIZED_SCHEMA


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
        storage.read_metadata(article_fields.path(p))
        .schema.to_arrow_schema()
        .remove_metadata()
        .equals(ARTICLE_SCHEMA)
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
