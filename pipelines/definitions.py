"""The Dagster Definitions of akhbar: assets, checks, the build_release job, resources.

`dagster dev` and `dagster definitions validate` load `defs` (configured from the
environment); the `akhbar` CLI builds the same Definitions with its own settings and runs
the same job in-process.
"""

from __future__ import annotations

import os

from dagster import AssetSelection, Definitions, define_asset_job, load_asset_checks_from_modules

from assets import articles, release
from assets.io_manager import ArrowParquetIOManager
from assets.resources import AkhbarSettings

BUILD_JOB = "build_release"

build_release_job = define_asset_job(
    BUILD_JOB,
    selection=AssetSelection.assets(
        articles.raw_articles, articles.normalized_articles, articles.article_fields, release.dataset_release
    ),
    description="Raw articles to a validated, versioned Parquet release.",
)


def settings_from_env() -> AkhbarSettings:
    """AKHBAR_DATA_ROOT (default `data`), AKHBAR_SOURCES (a sources.yaml; default: ./sources.yaml
    when present, else the embedded samples), AKHBAR_DATASET_NAME."""
    sources_file = os.environ.get("AKHBAR_SOURCES") or (
        "sources.yaml" if os.path.isfile("sources.yaml") else None
    )
    return AkhbarSettings(
        data_root=os.environ.get("AKHBAR_DATA_ROOT", "data"),
        sources_file=sources_file,
        dataset_name=os.environ.get("AKHBAR_DATASET_NAME", "akhbar-arabic-news"),
    )


def make_definitions(settings: AkhbarSettings) -> Definitions:
    return Definitions(
        assets=[
            articles.raw_articles,
            articles.normalized_articles,
            articles.article_fields,
            release.dataset_release,
        ],
        asset_checks=load_asset_checks_from_modules([articles]),
        jobs=[build_release_job],
        resources={
            "akhbar": settings,
            "io_manager": ArrowParquetIOManager(base_dir=str(settings.stages_dir)),
        },
    )


defs = make_definitions(settings_from_env())
