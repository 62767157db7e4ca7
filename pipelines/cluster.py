"""The Definitions for a cluster: the assets of `build_release` with the article stages fanned
out (assets/fanout.py: a step per group of AKHBAR_PARTS_PER_STEP parts, same asset keys, same
release bytes). `build_release_fanout` runs them with Dagster's default multiprocess executor
(the steps spread over this machine's processes); `build_release_celery` with dagster-celery's
executor, one Celery task per step, picked up by whichever `dagster-celery worker` listens on the
broker.

Load it instead of `akhbar.pipelines.definitions` (`dagster dev -m akhbar.pipelines.cluster`, `dagster job
execute -m akhbar.pipelines.cluster -j build_release_celery`); it needs the `celery` extra
(dagster-celery, redis). The executor's settings are those of `celery_worker.yaml` beside this
file, the file every worker starts with (`dagster-celery worker start -y`): the broker, also the
result backend, is `{env: AKHBAR_CELERY_BROKER}`, read when a run starts (a run fails with a
config error when it is unset), and the Celery settings with which a step whose worker dies is
given to another worker. Nothing connects at import: loading the Definitions needs no broker.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from dagster import AssetSelection, Definitions, define_asset_job, multiprocess_executor
from dagster_celery import celery_executor

from akhbar.pipelines import definitions
from akhbar.pipelines.jobs import ALL_ASSETS

BUILD_FANOUT_JOB = "build_release_fanout"
BUILD_CELERY_JOB = "build_release_celery"
CELERY_WORKER_YAML = Path(__file__).with_name("celery_worker.yaml")
# execution.config of the worker file: the executor's config, its {env: ...} read at run start
CELERY_CONFIG = yaml.safe_load(CELERY_WORKER_YAML.read_text(encoding="utf-8"))["execution"]["config"]

build_release_fanout_job = define_asset_job(
    BUILD_FANOUT_JOB,
    selection=AssetSelection.assets(*ALL_ASSETS),
    executor_def=multiprocess_executor.configured(
        {"start_method": {"forkserver": {"preload_modules": ["akhbar.pipelines.cluster"]}}}
    ),
    description="build_release with the article stages fanned out, a step per group of parts, on "
    "Dagster's multiprocess executor (this machine).",
)
build_release_celery_job = define_asset_job(
    BUILD_CELERY_JOB,
    selection=AssetSelection.assets(*ALL_ASSETS),
    executor_def=celery_executor.configured(CELERY_CONFIG),
    description="build_release with each step sent to a Celery worker through the broker; the data "
    "root and DAGSTER_HOME must be storage every worker sees.",
)

# Built in the expression, not an imported name: Dagster refuses two Definitions at module scope.
defs = Definitions.merge(
    definitions.make_definitions(definitions.settings_from_env(), definitions.hub_from_env(), fan_out=True),
    Definitions(jobs=[build_release_fanout_job, build_release_celery_job]),
)

__all__ = [
    "BUILD_CELERY_JOB",
    "BUILD_FANOUT_JOB",
    "CELERY_CONFIG",
    "CELERY_WORKER_YAML",
    "build_release_celery_job",
    "build_release_fanout_job",
    "defs",
]
