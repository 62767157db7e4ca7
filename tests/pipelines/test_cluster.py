"""pipelines/cluster.py's executor: its settings are pipelines/celery_worker.yaml, the workers'
file, and the broker is read from the environment when a run starts, not at import."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from dagster import DagsterInvalidConfigError
from dagster._core.system_config.objects import ResolvedRunConfig
from dagster_celery.cli import get_config_dir, get_validated_config

from akhbar.pipelines.cluster import BUILD_CELERY_JOB, CELERY_WORKER_YAML, defs

BROKER = "redis://broker.example:6379/3"


def _executor_config() -> dict:
    """The celery executor's config as a run starting now resolves it."""
    resolved = ResolvedRunConfig.build(defs.resolve_job_def(BUILD_CELERY_JOB), {})
    assert resolved.execution.execution_engine_name == "celery"
    return resolved.execution.execution_engine_config


def test_a_run_reads_the_broker_when_it_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AKHBAR_CELERY_BROKER", raising=False)
    with pytest.raises(DagsterInvalidConfigError, match="AKHBAR_CELERY_BROKER"):
        _executor_config()
    monkeypatch.setenv("AKHBAR_CELERY_BROKER", BROKER)
    config = _executor_config()
    assert (config["broker"], config["backend"]) == (BROKER, BROKER)


def test_the_run_and_the_workers_read_the_same_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKHBAR_CELERY_BROKER", BROKER)
    worker = get_validated_config(str(CELERY_WORKER_YAML))  # what `dagster-celery worker start -y` reads
    run = _executor_config()
    assert {k: run[k] for k in worker} == worker
    # the settings module `worker start` writes for its Celery app (under DAGSTER_HOME)
    module = runpy.run_path(str(Path(get_config_dir(str(CELERY_WORKER_YAML))) / "dagster_celery_config.py"))
    assert module["broker_url"] == module["result_backend"] == BROKER
    assert module["task_acks_late"] is True
    assert module["worker_prefetch_multiplier"] == 1
    assert module["broker_transport_options"]["visibility_timeout"] >= 3600
