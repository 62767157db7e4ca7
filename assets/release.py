"""The dataset_release asset: a versioned Parquet release with manifest, card and quality
report; its checks read the release back (GX suite) and verify the run's accounting."""

import json
from datetime import timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetIn,
    AssetKey,
    Failure,
    FreshnessPolicy,
    MetadataValue,
    Output,
    asset,
    asset_check,
)

from akhbar import storage
from akhbar.assets.checks import (
    article_fields_suite,
    normalized_articles_suite,
    raw_articles_suite,
    suite_check_result,
)
from akhbar.assets.gx_suites import SUITES_DIR, validate_frame
from akhbar.assets.metadata import DATA_ROOT_POOL, OWNERS, preview_markdown, stage_tags
from akhbar.assets.resources import AkhbarSettings, HubSettings
from akhbar.card import template_path
from akhbar.code_version import STAGE_MODULES, fingerprint
from akhbar.data_root import built_from_sample_only, compare_with_previous, record_sources
from akhbar.ingest import RAW_SCHEMA
from akhbar.parts import PartSet, release_free_memory
from akhbar.quality import account, release_frame
from akhbar.release import MarkedParts, build_release, list_releases, load_manifest
from akhbar.report import QualityReport, plot_data_uris

STAGE_CHECKS = (raw_articles_suite, normalized_articles_suite, article_fields_suite)
# The release's code: merge, manifest, card (with its template), quality report, changelog,
# and the suite its check runs. No part depends on it: a change here writes a release again
# from the parts on disk.
RELEASE_VERSION = fingerprint(
    [*STAGE_MODULES["release"], "akhbar.assets.gx_suites"],
    extra=[template_path(), SUITES_DIR / "dataset_release.json"],
)[:16]


def checks_on_the_release() -> list[str]:
    """The names of the release's own blocking checks (the card states them; the stage suites it
    lists from the run): every check this module defines, read from the definitions, so a check
    added here is stated without another edit."""
    stage_keys = {key for check in STAGE_CHECKS for key in check.check_keys}
    return sorted(
        key.name
        for value in globals().values()
        if isinstance(value, AssetChecksDefinition)
        for key in value.check_keys
        if key not in stage_keys
    )


def _checks_of_this_run(context: AssetExecutionContext) -> list[dict]:
    """The stage suites evaluated in this run; the release refuses without all of them passed."""
    keys = [key for check in STAGE_CHECKS for key in check.check_keys]
    records = context.instance.event_log_storage.get_latest_asset_check_execution_by_key(keys)
    checks = []
    for key in keys:
        assert isinstance(key, AssetCheckKey)
        record = records.get(key)
        evaluation = None
        if record is not None and record.run_id == context.run_id and record.event is not None:
            evaluation = record.event.dagster_event.event_specific_data
        if evaluation is None or not getattr(evaluation, "passed", False):
            raise Failure(
                f"dataset_release needs the blocking check {key.name} to pass in the same run; "
                "materialize the article assets together with dataset_release (the build_release "
                "job does)"
            )
        summary = evaluation.metadata["summary"].value
        checks.append(
            {
                "name": key.name,
                "passed": True,
                "evaluated": summary["evaluated"],
                "failed": summary["failed"],
                "summary": summary,
            }
        )
    return checks


@asset(
    description="Deterministic Parquet release under `<data_root>/releases/v<semver>/` with "
    "`manifest.json`, the rendered dataset card, `quarantine.parquet` and the quality report "
    "(`report/`); unchanged inputs reuse the latest version.",
    code_version=RELEASE_VERSION,
    group_name="release",
    owners=OWNERS,
    tags=stage_tags("release", "release"),
    kinds={"parquet", "great_expectations", "huggingface"},
    pool=DATA_ROOT_POOL,
    # The dedup index (signatures: ~600 MB at 1M articles) is copied into the release as a
    # file, never loaded.
    ins={"dedup_index": AssetIn(metadata={"as_file": True})},
    # A daily scrape wants a daily release: stale after a day, failing after a day and a half.
    freshness_policy=FreshnessPolicy.time_window(
        fail_window=timedelta(hours=36), warn_window=timedelta(hours=26)
    ),
)
def dataset_release(
    context: AssetExecutionContext,
    akhbar: AkhbarSettings,
    hub: HubSettings,
    article_fields: PartSet,
    duplicate_marks: pa.Table,
    dedup_index: Any,  # the file's path (as_file): local Path or object-store UPath
    raw_articles: PartSet,
    raw_quarantine: pa.Table,
    normalized_quarantine: pa.Table,
    fields_quarantine: pa.Table,
):
    release_free_memory()  # what dedup freed, before the merge
    checks = _checks_of_this_run(context)
    quarantine = pa.concat_tables([raw_quarantine, normalized_quarantine, fields_quarantine])
    raw_ids = raw_articles.read(["id"], schema=RAW_SCHEMA)["id"]
    accounting = account(raw_ids, raw_quarantine.num_rows, duplicate_marks, quarantine)
    if not accounting.balanced:
        raise Failure(
            f"accounting does not balance: {accounting.as_dict()}; no release written",
            metadata={"accounting": MetadataValue.json(accounting.as_dict())},
        )
    source_configs, given_as = akhbar.source_set()
    sources = [{"name": s.name, "license": s.license} for s in source_configs]
    result = build_release(
        MarkedParts(article_fields, duplicate_marks),
        quarantine,
        akhbar.data_root,
        dataset_name=akhbar.dataset_name,
        sources=sources,
        validation=checks[-1]["summary"],
        repo_id=hub.repo_id,
        accounting=accounting.as_dict(),
        checks=[{k: v for k, v in c.items() if k != "summary"} for c in checks],
        release_checks=checks_on_the_release(),
        dedup_index=dedup_index,
        log=context.log.info,
    )
    verb = "wrote new release" if result.created else "inputs unchanged, kept release"
    context.log.info(f"{verb} v{result.version} at {result.path}")
    if given_as is not None:  # later runs on this root that name no sources read these
        record_sources(akhbar.data_root, source_configs, given_as=given_as)
    manifest = result.manifest
    rows = manifest["rows"]
    report = QualityReport.from_json(storage.read_text(result.path / "report" / "quality_report.json"))
    summary = {
        "version": result.version,
        "path": str(result.path),
        "created": result.created,
        "rows": rows,
        "files": manifest["files"],
    }
    return Output(
        summary,
        metadata={
            "version": result.version,
            "path": MetadataValue.path(str(result.path)),
            "new_version": result.created,
            "dagster/row_count": rows["released"],
            "raw": rows["raw"],
            "unique": rows.get("unique", rows["released"]),
            "duplicates": rows.get("duplicates", 0),
            "quarantined": rows["quarantined"],
            "accounting": MetadataValue.json(manifest.get("accounting", {})),
            "quality_report": MetadataValue.md(
                report.to_markdown(images=plot_data_uris(result.path / "report"))
            ),
            "files": MetadataValue.md(
                preview_markdown(
                    pa.Table.from_pylist(manifest["files"]), ["path", "rows", "bytes", "sha256"], rows=20
                )
            ),
            "input_fingerprint": manifest["input_fingerprint"],
        },
    )


@asset_check(
    asset=AssetKey("article_fields"),
    blocking=True,
    description="The articles about to be released against the latest release's, source by source: "
    "fails when more than max_shrink (default 20%) of that release's articles would be lost (a "
    "source gone, or with fewer articles), unless allow_shrink (akhbar build --allow-shrink, "
    "AKHBAR_ALLOW_SHRINK=1). Blocking: a run pointed at the wrong input writes no release.",
)
def release_shrink(
    context: AssetCheckExecutionContext, akhbar: AkhbarSettings, article_fields: PartSet
) -> AssetCheckResult:
    versions = list_releases(akhbar.data_root)
    if not versions:
        return AssetCheckResult(passed=True, metadata={"previous_version": "none"})
    counts: dict[str, int] = {}
    for table in article_fields.tables(["source"]):
        for entry in pc.value_counts(table["source"]).to_pylist():
            counts[entry["values"]] = counts.get(entry["values"], 0) + entry["counts"]
    previous = load_manifest(akhbar.data_root, versions[-1])
    if built_from_sample_only(akhbar.data_root, previous):
        # `./run.sh build` then `akhbar build --input mine`: the demo is replaced, nothing lost
        text = f"v{versions[-1]} was built from the embedded sample alone; replacing it loses nothing"
        context.log.info(text)
        return AssetCheckResult(passed=True, description=text, metadata={"previous_version": versions[-1]})
    shrink = compare_with_previous(previous, counts)
    exceeds = shrink.exceeds(akhbar.max_shrink)
    passed = not exceeds or akhbar.allow_shrink
    text = shrink.describe()
    if exceeds and akhbar.allow_shrink:
        text += "; allowed (allow_shrink)"
    elif exceeds:
        text += (
            f"; more than {akhbar.max_shrink:.0%} lost, so no release: check the sources (and "
            f"{akhbar.data_root}/sources.json), or allow it with --allow-shrink / AKHBAR_ALLOW_SHRINK=1"
        )
    (context.log.info if passed and not shrink.vanished else context.log.warning)(text)
    return AssetCheckResult(
        passed=passed,
        severity=AssetCheckSeverity.ERROR,
        description=text,
        metadata={
            "previous_version": shrink.previous_version,
            "previous_articles": shrink.previous,
            "articles": shrink.now,
            "lost": shrink.lost,
            "lost_share": round(shrink.share, 4),
            "max_shrink": akhbar.max_shrink,
            "allow_shrink": akhbar.allow_shrink,
            "vanished_sources": MetadataValue.json(shrink.vanished),
        },
    )


@asset_check(
    asset=AssetKey("dataset_release"),
    blocking=True,
    description="GX suite expectations/dataset_release.json on the release read back from its "
    "Parquet files: row count equals the manifest, no duplicate ids, huggingface features "
    "metadata in every file, files match the manifest, every duplicate_of is an id of the "
    "release (looked up across all its files). Blocking: guards publication.",
)
def dataset_release_suite(context: AssetCheckExecutionContext, dataset_release: dict) -> AssetCheckResult:
    folder = storage.location(dataset_release["path"])
    manifest = json.loads(storage.read_text(folder / "manifest.json"))
    summary = validate_frame(
        release_frame(folder), "dataset_release", parameters={"manifest_rows": manifest["rows"]["released"]}
    )
    return suite_check_result(context, summary)


@asset_check(
    asset=AssetKey("dataset_release"),
    blocking=True,
    description="Accounting, read back from the release folder: raw = unique + duplicates + "
    "quarantined, with the data files and quarantine.parquet counted, not trusted.",
)
def release_accounting(context: AssetCheckExecutionContext, dataset_release: dict) -> AssetCheckResult:
    folder = storage.location(dataset_release["path"])
    manifest = json.loads(storage.read_text(folder / "manifest.json"))
    marks = [
        storage.read_table(folder / f["path"], columns=["duplicate_of"])["duplicate_of"]
        for f in manifest["files"]
    ]
    released = sum(len(m) for m in marks)
    duplicates = sum(len(m) - m.null_count for m in marks)
    quarantined = storage.read_metadata(folder / "quarantine.parquet").num_rows
    raw = manifest["rows"]["raw"]
    balanced = raw == released + quarantined and manifest.get("accounting", {}).get("balanced", False)
    context.log.info(
        f"accounting: raw {raw} = unique {released - duplicates} + duplicates {duplicates} + "
        f"quarantined {quarantined}: {'balanced' if balanced else 'NOT balanced'}"
    )
    return AssetCheckResult(
        passed=balanced,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "raw": raw,
            "unique": released - duplicates,
            "duplicates": duplicates,
            "quarantined": quarantined,
            "balanced": balanced,
            "unaccounted_ids": MetadataValue.json(manifest.get("accounting", {}).get("unaccounted_ids", [])),
        },
    )
