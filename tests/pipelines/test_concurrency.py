"""Two builds never run at once: the pool `akhbar_data_root` on every asset that writes the data
root, and the instance settings akhbar ships (pipelines/dagster.yaml: the run queue, pools
counted per run, one at a time). The queue's own decision (the run-queue daemon's
GlobalOpConcurrencyLimitsCounter) is asked about runs stored in a real instance."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, DagsterRunStatus
from dagster._core.op_concurrency_limits_counter import GlobalOpConcurrencyLimitsCounter
from dagster._core.storage.dagster_run import IN_PROGRESS_RUN_STATUSES, RunsFilter

from akhbar.assets.metadata import DATA_ROOT_POOL
from akhbar.pipelines import cluster
from akhbar.pipelines.cli import INSTANCE_SETTINGS
from akhbar.pipelines.definitions import BUILD_JOB, PUBLISH_JOB, defs

WRITERS = {
    "raw_articles",
    "normalized_articles",
    "article_fields",
    "duplicate_marks",
    "dataset_release",
}


@pytest.fixture
def instance(tmp_path: Path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(INSTANCE_SETTINGS, home / "dagster.yaml")
    with DagsterInstance.from_config(str(home)) as instance:
        yield instance


def _blocked(instance: DagsterInstance, queued) -> bool:
    """What the run-queue daemon decides for `queued` in one iteration (its own counter, with
    the arguments it passes)."""
    config = instance.get_concurrency_config()
    in_progress = instance.get_run_records(filters=RunsFilter(statuses=IN_PROGRESS_RUN_STATUSES))

    def counter() -> GlobalOpConcurrencyLimitsCounter:
        return GlobalOpConcurrencyLimitsCounter(
            instance,
            [queued],
            in_progress,
            concurrency_keys=instance.event_log_storage.get_concurrency_keys(),
            pool_limits=instance.event_log_storage.get_pool_limits(),
            pool_granularity=config.pool_config.pool_granularity,
        )

    counter()  # the first iteration that sees the pool sets its limit to default_limit
    return counter().is_blocked(queued)


@pytest.mark.parametrize("defs", [defs, cluster.defs], ids=["definitions", "cluster"])
def test_every_asset_that_writes_the_data_root_is_in_the_pool(defs) -> None:
    graph = defs.resolve_asset_graph()
    pooled = set()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if DATA_ROOT_POOL in node.pools:
            pooled.add(key.to_user_string())
    # multi-assets share their step: the quarantines and the index are written by the same ops
    assert pooled >= WRITERS
    assert "hub_publication" not in pooled
    assert graph.get(AssetKey("hub_publication")).pools == set()


def test_the_shipped_instance_settings_queue_runs_per_pool(instance: DagsterInstance) -> None:
    config = instance.get_concurrency_config()
    assert config.pool_config.pool_granularity.value == "run"
    assert config.pool_config.default_pool_limit == 1
    assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"


@pytest.mark.slow
def test_a_second_build_waits_while_one_runs(instance: DagsterInstance) -> None:
    build = defs.resolve_job_def(BUILD_JOB)
    running = instance.create_run_for_job(build, status=DagsterRunStatus.STARTED)
    # the daemon asks about runs it read as QUEUED (stored so, they would need a code location's
    # origin); its counter reads only their pools
    second = instance.create_run_for_job(build)
    assert running.run_op_concurrency is not None
    assert running.run_op_concurrency.all_pools == {DATA_ROOT_POOL}
    assert _blocked(instance, second)
    # publication alone writes nothing to the data root: it is never held back by a build
    publish = instance.create_run_for_job(defs.resolve_job_def(PUBLISH_JOB))
    assert not _blocked(instance, publish)
    # the first build ends: the second one is dequeued
    instance.report_run_failed(running)
    assert not _blocked(instance, second)
