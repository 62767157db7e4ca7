"""The hub_publication asset: one Hub commit and one tag per release."""

from dagster import (
    AssetExecutionContext,
    Backoff,
    Config,
    Failure,
    Jitter,
    MetadataValue,
    Output,
    RetryPolicy,
    asset,
)

from akhbar.assets.metadata import OWNERS, stage_tags
from akhbar.assets.release import dataset_release
from akhbar.assets.resources import AkhbarSettings, HubSettings
from akhbar.code_version import stage_version
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


# huggingface_hub retries its uploads, but not the commit's POST nor create_tag: a Hub that
# answers 5xx or drops the connection once fails the step, and Dagster runs it again, after
# 2 s, then 4 s, 8 s (with up to 50% jitter): enough for a blip; a longer outage is the next
# scheduled run's (the release waits, ready to publish). Publication is idempotent per version
# (a tag that holds the same manifest is a no-op), so a retry after a commit that did land is safe.
PUBLICATION_RETRY = RetryPolicy(max_retries=3, delay=2, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)


@asset(
    deps=[dataset_release],
    description="Publishes a release (default: the latest) to the Hugging Face Hub dataset repo: one "
    "commit with `README.md`, `manifest.json` and `data/*.parquet`, then the tag `v<semver>`. "
    "Skipped, with the reason, when no repo or token is configured; idempotent per version; "
    "retried with backoff when the Hub fails.",
    code_version=stage_version("hub"),
    group_name="release",
    owners=OWNERS,
    tags=stage_tags("publication", "publication"),
    kinds={"huggingface"},
    retry_policy=PUBLICATION_RETRY,
)
def hub_publication(
    context: AssetExecutionContext, config: PublicationConfig, akhbar: AkhbarSettings, hub: HubSettings
):
    versions = list_releases(akhbar.data_root)
    if not versions:
        raise Failure(
            f"no release under {akhbar.data_root}/releases: build one first (akhbar build)",
            allow_retries=False,
        )
    version = (config.version or versions[-1]).removeprefix("v")
    if version not in versions:
        raise Failure(
            f"no release v{version} under {akhbar.data_root}/releases; have: {versions}", allow_retries=False
        )
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
    release_dir = akhbar.root / "releases" / f"v{version}"  # local, or downloaded from an object store
    context.log.info(f"publishing v{version} to {target.repo_id} on {target.endpoint or 'the default Hub'}")
    try:
        result = publish_release(release_dir, target, token=token)
    except PublicationError as exc:
        # retried (PUBLICATION_RETRY) only when the Hub may answer otherwise a little later
        raise Failure(str(exc), allow_retries=exc.transient) from None
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
