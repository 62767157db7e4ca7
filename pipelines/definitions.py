"""The Dagster Definitions of akhbar: assets, checks, the build_release job, resources.

`dagster dev` and `dagster definitions validate` load `defs` (configured from the
environment); the `akhbar` CLI builds the same Definitions with its own settings and runs
the same job in-process.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from dagster import Definitions, colored_console_logger, load_asset_checks_from_modules

from akhbar.assets import checks, release
from akhbar.assets.io_manager import ArrowParquetIOManager
from akhbar.assets.resources import AkhbarSettings, HubSettings
from akhbar.data_root import MAX_SHRINK
from akhbar.hub_rules import check_dataset_name
from akhbar.pipelines.automation import daily_build, new_raw_files
from akhbar.pipelines.cli_logger import akhbar_progress_logger
from akhbar.pipelines.jobs import ALL_ASSETS, BUILD_JOB, PUBLISH_JOB, build_release_job, publish_release_job


def _checked(variable: str, check: Callable[[str], str], default: str) -> str:
    try:
        return check(os.environ.get(variable, default))
    except ValueError as exc:
        raise ValueError(f"{variable}: {exc}") from None


def settings_from_env() -> AkhbarSettings:
    """AKHBAR_DATA_ROOT (default `data`), AKHBAR_SOURCES (a sources.yaml; default: the sources
    recorded in the data root by its latest build, else ./sources.yaml when present, else the
    embedded samples), AKHBAR_DATASET_NAME, AKHBAR_BATCH_ROWS (articles per part, default 5000),
    AKHBAR_WORKERS (extraction processes, default 0: every core), AKHBAR_ALLOW_SHRINK (1: a
    release may lose more than AKHBAR_MAX_SHRINK, default 0.2, of the previous one's articles),
    AKHBAR_WAIT_FOR_LOCK (1: wait for another build on the data root instead of failing)."""
    return AkhbarSettings(
        data_root=os.environ.get("AKHBAR_DATA_ROOT", "data"),
        sources_file=os.environ.get("AKHBAR_SOURCES") or None,
        dataset_name=_checked("AKHBAR_DATASET_NAME", check_dataset_name, "akhbar-arabic-news"),
        batch_rows=int(os.environ.get("AKHBAR_BATCH_ROWS", "5000")),
        workers=int(os.environ.get("AKHBAR_WORKERS", "0")),
        allow_shrink=env_flag("AKHBAR_ALLOW_SHRINK"),
        max_shrink=float(os.environ.get("AKHBAR_MAX_SHRINK") or MAX_SHRINK),
        wait_for_lock=env_flag("AKHBAR_WAIT_FOR_LOCK"),
    )


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def hub_from_env() -> HubSettings:
    """AKHBAR_HUB_REPO, HF_ENDPOINT, AKHBAR_HUB_PRIVATE (1/true). The token is not settings."""
    return HubSettings(
        repo_id=os.environ.get("AKHBAR_HUB_REPO") or None,
        endpoint=os.environ.get("HF_ENDPOINT") or None,
        private=env_flag("AKHBAR_HUB_PRIVATE"),
    )


def make_definitions(settings: AkhbarSettings, hub: HubSettings | None = None) -> Definitions:
    return Definitions(
        assets=list(ALL_ASSETS),
        asset_checks=load_asset_checks_from_modules([checks, release]),
        jobs=[build_release_job, publish_release_job],
        schedules=[daily_build],
        sensors=[new_raw_files],
        loggers={"console": colored_console_logger, "akhbar_progress": akhbar_progress_logger},
        resources={
            "akhbar": settings,
            "hub": hub or hub_from_env(),
            "io_manager": ArrowParquetIOManager(base_dir=str(settings.stages_dir)),
        },
    )


defs = make_definitions(settings_from_env(), hub_from_env())

__all__ = [
    "BUILD_JOB",
    "PUBLISH_JOB",
    "defs",
    "env_flag",
    "hub_from_env",
    "make_definitions",
    "settings_from_env",
]
