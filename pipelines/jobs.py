"""The jobs: build_release (every asset) and publish_release (publication alone)."""

from dagster import AssetSelection, define_asset_job

from akhbar.assets import articles, fanout, publication, release

BUILD_JOB = "build_release"
PUBLISH_JOB = "publish_release"

# Every asset of the pipeline, in graph order (the Definitions hold exactly these).
ALL_ASSETS = (
    articles.raw_articles,
    articles.normalized_articles,
    articles.article_fields,
    articles.duplicate_marks,
    release.dataset_release,
    publication.hub_publication,
)

# The same assets with the article stages fanned out: a step per group of parts (the cluster's
# Definitions, pipelines/cluster.py).
FANOUT_ASSETS = (
    articles.raw_articles,
    fanout.normalized_articles,
    fanout.article_fields,
    fanout.duplicate_marks,
    release.dataset_release,
    publication.hub_publication,
)

build_release_job = define_asset_job(
    BUILD_JOB,
    selection=AssetSelection.assets(*ALL_ASSETS),
    description="Raw articles to a validated, versioned Parquet release, published when a Hub repo "
    "and token are configured.",
)
publish_release_job = define_asset_job(
    PUBLISH_JOB,
    selection=AssetSelection.assets(publication.hub_publication),
    description="Publish an existing release (default: the latest) to the Hub.",
)
