"""The hub_publication asset: one Hub commit and one tag per release."""

from dagster import AssetExecutionContext, Config, Failure, MetadataValue, Output, asset

from akhbar.assets.release import CODE_VERSION, dataset_release
from akhbar.assets.resources import AkhbarSettings, HubSettings
from akhbar.hub import HubTarget, PublicationError, publish_release
from akhbar.release import list_releases


class PublicationConfig(Config):
    version: str | None = None  # default: the latest release under the data root


def skip_reason(hub: HubSettings, token: str | None) -> str | None:
    """Why publication cannot happen here, or None when it can."""
    if not hub.repo_id:
        return "no Hub repository configured (set AKHBAR_HUB_REPO or pass --repo ORG/NAME)"
    if not token:
        return "no Hub token (set HF_TOKEN or run `hf auth login`)"
    return None


@asset(
    deps=[dataset_release],
    description="Publishes a release (default: the latest) to the Hugging Face Hub dataset repo: one "
    "commit with README.md, manifest.json and data/*.parquet, then the tag v<semver>. Skipped, with "
    "the reason, when no repo or token is configured; idempotent per version.",
    code_version=CODE_VERSION,
    group_name="release",
)
def hub_publication(
    context: AssetExecutionContext, config: PublicationConfig, akhbar: AkhbarSettings, hub: HubSettings
):
    versions = list_releases(akhbar.data_root)
    if not versions:
        raise Failure(f"no release under {akhbar.data_root}/releases: build one first (akhbar build)")
    version = (config.version or versions[-1]).removeprefix("v")
    if version not in versions:
        raise Failure(f"no release v{version} under {akhbar.data_root}/releases; have: {versions}")
    from huggingface_hub import get_token

    token = get_token()  # HF_TOKEN or the stored login; held in memory only, never logged
    reason = skip_reason(hub, token)
    if reason:
        context.log.warning(f"publication of v{version} skipped: {reason}; the release is ready to publish")
        return Output(
            {"status": "skipped", "version": version, "reason": reason},
            metadata={"status": "skipped", "reason": reason, "version": version},
        )
    target = HubTarget(repo_id=hub.repo_id, endpoint=hub.endpoint, private=hub.private)
    release_dir = f"{akhbar.data_root}/releases/v{version}"
    context.log.info(f"publishing v{version} to {target.repo_id} on {target.endpoint or 'the default Hub'}")
    try:
        result = publish_release(release_dir, target, token=token)
    except PublicationError as exc:
        raise Failure(str(exc)) from None
    context.log.info(result.describe())
    return Output(
        {
            "status": result.status,
            "version": version,
            "repo_id": result.repo_id,
            "tag": result.tag,
            "commit": result.commit,
            "message": result.describe(),
        },
        metadata={
            "status": result.status,
            "version": version,
            "repo_id": result.repo_id,
            "tag": result.tag,
            "commit": result.commit,
            "endpoint": MetadataValue.text(target.endpoint or "default"),
        },
    )
