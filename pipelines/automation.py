"""When build_release runs by itself: a daily schedule, and a sensor that starts a run when
the configured sources' raw files change. The release's freshness policy is on the asset."""

from dagster import (
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from akhbar.assets.resources import AkhbarSettings
from akhbar.ingest.sources import files_snapshot
from akhbar.pipelines.jobs import build_release_job

# Off until an operator turns it on in the UI (or `dagster schedule start daily_build`): a
# laptop running `dagster dev` should not start building on its own.
daily_build = ScheduleDefinition(
    name="daily_build",
    job=build_release_job,
    cron_schedule="0 3 * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.STOPPED,
    description="Rebuild the release every day at 03:00 UTC (unchanged inputs make no new version).",
)


@sensor(
    job=build_release_job,
    minimum_interval_seconds=300,
    default_status=DefaultSensorStatus.STOPPED,
    description="Starts build_release when a raw file of a configured source appears, disappears or "
    "changes (path, size, mtime); one run per distinct state of the files.",
)
def new_raw_files(context: SensorEvaluationContext, akhbar: AkhbarSettings):
    snapshot = files_snapshot(akhbar.sources())
    if snapshot == context.cursor:
        return SkipReason("no raw file changed since the last run request")
    context.update_cursor(snapshot)
    return RunRequest(run_key=f"raw-files-{snapshot[:16]}", tags={"akhbar/trigger": "new_raw_files"})
