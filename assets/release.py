"""The dataset_release asset: a versioned Parquet release with manifest and card."""

import pyarrow as pa
from dagster import AssetCheckKey, AssetExecutionContext, Failure, MetadataValue, Output, asset

from akhbar.release import build_release
from assets.articles import CODE_VERSION, article_fields_suite
from assets.metadata import preview_markdown
from assets.resources import AkhbarSettings, HubSettings


def _validation_of_this_run(context: AssetExecutionContext) -> dict:
    """The article_fields suite summary evaluated in this run; the release refuses without it."""
    (check_key,) = article_fields_suite.check_keys
    assert isinstance(check_key, AssetCheckKey)
    records = context.instance.event_log_storage.get_latest_asset_check_execution_by_key([check_key])
    record = records.get(check_key)
    evaluation = None
    if record is not None and record.run_id == context.run_id and record.event is not None:
        evaluation = record.event.dagster_event.event_specific_data
    if evaluation is None or not getattr(evaluation, "passed", False):
        raise Failure(
            "dataset_release needs the blocking check article_fields_suite to pass in the same "
            "run; materialize article_fields together with dataset_release "
            "(the build_release job does both)"
        )
    return evaluation.metadata["summary"].value


@asset(
    description="Deterministic Parquet release under <data_root>/releases/v<semver>/ with "
    "manifest.json and the rendered dataset card; unchanged inputs reuse the latest version.",
    code_version=CODE_VERSION,
    group_name="release",
)
def dataset_release(
    context: AssetExecutionContext,
    akhbar: AkhbarSettings,
    hub: HubSettings,
    article_fields: pa.Table,
    raw_quarantine: pa.Table,
    fields_quarantine: pa.Table,
):
    validation = _validation_of_this_run(context)
    sources = [{"name": s.name, "license": s.license} for s in akhbar.sources()]
    result = build_release(
        article_fields,
        pa.concat_tables([raw_quarantine, fields_quarantine]),
        akhbar.data_root,
        dataset_name=akhbar.dataset_name,
        sources=sources,
        validation=validation,
        repo_id=hub.repo_id,
    )
    verb = "wrote new release" if result.created else "inputs unchanged, kept release"
    context.log.info(f"{verb} v{result.version} at {result.path}")
    manifest = result.manifest
    summary = {
        "version": result.version,
        "path": str(result.path),
        "created": result.created,
        "rows": manifest["rows"],
        "files": manifest["files"],
    }
    return Output(
        summary,
        metadata={
            "version": result.version,
            "path": MetadataValue.path(str(result.path)),
            "new_version": result.created,
            "dagster/row_count": manifest["rows"]["released"],
            "quarantined": manifest["rows"]["quarantined"],
            "raw": manifest["rows"]["raw"],
            "files": MetadataValue.md(
                preview_markdown(
                    pa.Table.from_pylist(manifest["files"]), ["path", "rows", "bytes", "sha256"], rows=20
                )
            ),
            "input_fingerprint": manifest["input_fingerprint"],
        },
    )
