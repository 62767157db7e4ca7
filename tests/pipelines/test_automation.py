"""The daily schedule, the new-raw-files sensor and the release's freshness policy, evaluated
with Dagster's testing utilities against a real (temporary) instance."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
    RunRequest,
    SkipReason,
    build_schedule_context,
    build_sensor_context,
)

from akhbar.assets.resources import AkhbarSettings
from akhbar.pipelines.automation import daily_build, new_raw_files
from akhbar.pipelines.definitions import BUILD_JOB, defs
from tests.support import SEED


def test_daily_schedule_requests_a_build_run() -> None:
    assert daily_build.cron_schedule == "0 3 * * *"
    assert daily_build.execution_timezone == "UTC"
    assert daily_build.job_name == BUILD_JOB
    with DagsterInstance.ephemeral() as instance:
        context = build_schedule_context(
            instance, scheduled_execution_time=datetime(2026, 11, 29, 3, tzinfo=UTC)
        )
        (request,) = list(daily_build.evaluate_tick(context).run_requests or [])
    assert isinstance(request, RunRequest)


def _evaluate(folder: Path, cursor: str | None):
    settings = AkhbarSettings(inputs=[str(folder)])
    # a context manager: AkhbarSettings has a setup (the data-root lock, taken by runs only)
    with (
        DagsterInstance.ephemeral() as instance,
        build_sensor_context(instance=instance, cursor=cursor, resources={"akhbar": settings}) as context,
    ):
        result = new_raw_files(context)
        return result, context.cursor


def test_sensor_starts_a_run_when_raw_files_change(tmp_path: Path) -> None:
    folder = tmp_path / "raw"
    folder.mkdir()
    shutil.copy(SEED, folder / "a.txt")

    first, cursor = _evaluate(folder, None)
    assert isinstance(first, RunRequest) and first.run_key
    assert first.tags["akhbar/trigger"] == "new_raw_files"

    again, same_cursor = _evaluate(folder, cursor)
    assert isinstance(again, SkipReason)
    assert same_cursor == cursor

    shutil.copy(SEED, folder / "b.txt")  # a new file of the day's scrape
    new, new_cursor = _evaluate(folder, cursor)
    assert isinstance(new, RunRequest) and new.run_key != first.run_key
    assert new_cursor != cursor

    (folder / "b.txt").write_text("خبر معدل\n\nنص جديد للخبر بعد التصحيح.", encoding="utf-8")
    os.utime(folder / "b.txt", ns=(1, 1))
    edited, _ = _evaluate(folder, new_cursor)
    assert isinstance(edited, RunRequest) and edited.run_key != new.run_key


@pytest.mark.parametrize("name", ["daily_build", "new_raw_files"])
def test_automation_is_in_the_definitions_and_off_by_default(name: str) -> None:
    repository = defs.get_repository_def()
    target = repository.get_schedule_def(name) if name == "daily_build" else repository.get_sensor_def(name)
    assert target.job_name == BUILD_JOB
    assert target.default_status.value == "STOPPED"


def test_release_has_a_daily_freshness_policy() -> None:
    policy = defs.resolve_asset_graph().get(AssetKey("dataset_release")).freshness_policy
    assert policy is not None
    assert timedelta(hours=24) < policy.warn_window.to_timedelta() < policy.fail_window.to_timedelta()
