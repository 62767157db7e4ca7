"""The Dagster Definitions of akhbar: assets, checks, the build_release job, resources.

`dagster dev`, `dg dev`, `dg check defs` and `dagster definitions validate` load `defs`; the
`akhbar` CLI builds the same Definitions with its own settings and runs the same job
in-process.

The resources of `defs` name the environment variables they read (`EnvVar`): Dagster resolves
them when a run starts, in the run's process, and the UI shows the variable's name, never its
value. A variable left unset leaves the field's default (Dagster has no EnvVar default, so only
the variables that are set are bound; the flags and the shrink share, which EnvVar cannot
carry, are read when the location loads). Every field can be set for one run in its run config
(`resources: akhbar: config: data_root: ...`), and every output follows it: stage outputs,
parts and releases alike (the I/O manager takes its folder from the same `akhbar` resource).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from dagster import Definitions, EnvVar, colored_console_logger, load_asset_checks_from_modules

from akhbar.assets import checks, release
from akhbar.assets.io_manager import ArrowParquetIOManager
from akhbar.assets.resources import AkhbarSettings, HubSettings
from akhbar.data_root import MAX_SHRINK
from akhbar.pipelines.automation import daily_build, new_raw_files
from akhbar.pipelines.cli_logger import akhbar_progress_logger
from akhbar.pipelines.jobs import (
    ALL_ASSETS,
    BUILD_JOB,
    FANOUT_ASSETS,
    PUBLISH_JOB,
    build_release_job,
    publish_release_job,
)

# AkhbarSettings field -> the variable that sets it; int fields through EnvVar.int.
SETTINGS_ENV = {
    "data_root": "AKHBAR_DATA_ROOT",
    "sources_file": "AKHBAR_SOURCES",
    "dataset_name": "AKHBAR_DATASET_NAME",
    "batch_rows": "AKHBAR_BATCH_ROWS",
    "workers": "AKHBAR_WORKERS",
    "parts_per_step": "AKHBAR_PARTS_PER_STEP",
}
_INT_FIELDS = {"batch_rows", "workers", "parts_per_step"}
HUB_ENV = {"repo_id": "AKHBAR_HUB_REPO", "endpoint": "HF_ENDPOINT"}


def _bound(variables: Mapping[str, str], ints: set[str] = frozenset()) -> dict[str, Any]:
    """An EnvVar for each field whose variable is set (non-empty)."""
    return {
        field: EnvVar.int(name) if field in ints else EnvVar(name)
        for field, name in variables.items()
        if os.environ.get(name)
    }


def settings_from_env() -> AkhbarSettings:
    """AKHBAR_DATA_ROOT (default `data`), AKHBAR_SOURCES (a sources.yaml; default: the sources
    recorded in the data root by its latest build, else ./sources.yaml when present, else the
    embedded samples), AKHBAR_DATASET_NAME, AKHBAR_BATCH_ROWS (articles per part, default 5000),
    AKHBAR_WORKERS (extraction processes, default 0: every core), AKHBAR_PARTS_PER_STEP (parts
    per step of the fanned-out stages of pipelines/cluster.py, default 1), AKHBAR_ALLOW_SHRINK (1: a
    release may lose more than AKHBAR_MAX_SHRINK, default 0.2, of the previous one's articles),
    AKHBAR_WAIT_FOR_LOCK (1: wait for another build on the data root instead of failing).
    The first six are EnvVars, resolved when a run starts; AKHBAR_DATASET_NAME is checked
    then (AkhbarSettings.setup_for_execution)."""
    return AkhbarSettings(
        **_bound(SETTINGS_ENV, _INT_FIELDS),
        allow_shrink=env_flag("AKHBAR_ALLOW_SHRINK"),
        max_shrink=float(os.environ.get("AKHBAR_MAX_SHRINK") or MAX_SHRINK),
        wait_for_lock=env_flag("AKHBAR_WAIT_FOR_LOCK"),
    )


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def hub_from_env() -> HubSettings:
    """AKHBAR_HUB_REPO, HF_ENDPOINT (EnvVars), AKHBAR_HUB_PRIVATE (1/true). The token is not
    settings."""
    return HubSettings(**_bound(HUB_ENV), private=env_flag("AKHBAR_HUB_PRIVATE"))


def make_definitions(
    settings: AkhbarSettings, hub: HubSettings | None = None, *, fan_out: bool = False
) -> Definitions:
    """Definitions whose `akhbar` resource has `settings` as its defaults, each field open to
    run config; the I/O manager shares that one resource (configure_at_launch: a nested
    resource given as an instance would be a second copy, blind to run config). `fan_out`:
    the article stages as graphs of a step per group of parts (assets/fanout.py, the same asset
    keys), for executors that place steps on other processes or machines."""
    given = {name: getattr(settings, name) for name in settings.model_fields_set}
    akhbar = AkhbarSettings.configure_at_launch(**given)
    return Definitions(
        assets=list(FANOUT_ASSETS if fan_out else ALL_ASSETS),
        asset_checks=load_asset_checks_from_modules([checks, release]),
        jobs=[build_release_job, publish_release_job],
        schedules=[daily_build],
        sensors=[new_raw_files],
        loggers={"console": colored_console_logger, "akhbar_progress": akhbar_progress_logger},
        resources={
            "akhbar": akhbar,
            "hub": hub or hub_from_env(),
            "io_manager": ArrowParquetIOManager(akhbar=akhbar),
        },
    )


defs = make_definitions(settings_from_env(), hub_from_env())

__all__ = [
    "BUILD_JOB",
    "HUB_ENV",
    "PUBLISH_JOB",
    "SETTINGS_ENV",
    "defs",
    "env_flag",
    "hub_from_env",
    "make_definitions",
    "settings_from_env",
]
