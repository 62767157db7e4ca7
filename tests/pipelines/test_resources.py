"""The resources of the Definitions: environment variables bound as EnvVars (resolved when a run
starts, not when the code loads), and a run-config data_root that every output follows: stage
outputs (stages/), parts and the lock alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance

from akhbar.pipelines.definitions import BUILD_JOB, hub_from_env, make_definitions, settings_from_env
from tests.support import SEED

RAW = [AssetKey("raw_articles"), AssetKey("raw_quarantine")]


def test_set_variables_are_bound_as_env_vars(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKHBAR_DATA_ROOT", "/srv/news")
    monkeypatch.setenv("AKHBAR_BATCH_ROWS", "200")
    monkeypatch.setenv("AKHBAR_HUB_REPO", "org/news")
    settings, hub = settings_from_env(), hub_from_env()
    assert settings.data_root.env_var_name == "AKHBAR_DATA_ROOT"
    assert settings.batch_rows.env_var_name == "AKHBAR_BATCH_ROWS"
    assert hub.repo_id.env_var_name == "AKHBAR_HUB_REPO"
    monkeypatch.delenv("AKHBAR_DATA_ROOT")
    assert settings_from_env().data_root == "data"  # unset: the field's default


def _materialize_raw(defs, run_config: dict | None = None):
    job = defs.resolve_job_def(BUILD_JOB)
    return job.execute_in_process(
        instance=DagsterInstance.get(), asset_selection=RAW, run_config=run_config or {}, raise_on_error=False
    )


def _outputs(root: Path) -> set[str]:
    return {p.relative_to(root).parts[0] for p in root.rglob("*")} if root.exists() else set()


@pytest.mark.slow
def test_env_vars_are_read_when_the_run_starts_and_run_config_moves_every_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "seed.txt").write_bytes(SEED.read_bytes())
    loaded, launched, configured = tmp_path / "loaded", tmp_path / "launched", tmp_path / "configured"
    monkeypatch.setenv("AKHBAR_DATA_ROOT", str(loaded))
    monkeypatch.setenv("AKHBAR_WORKERS", "1")
    defs = make_definitions(settings_from_env().model_copy(update={"inputs": [str(articles)]}))
    # the variable changes after the code loaded: the run reads it when it starts
    monkeypatch.setenv("AKHBAR_DATA_ROOT", str(launched))
    assert _materialize_raw(defs).success
    assert {"stages", "parts"} <= _outputs(launched)
    assert (launched / "stages" / "raw_articles.parts.json").is_file()
    assert not loaded.exists()
    untouched = {p.name: p.stat().st_mtime_ns for p in (launched / "stages").iterdir()}
    # a data_root in the run config: stage outputs, parts and the lock all go there
    result = _materialize_raw(defs, {"resources": {"akhbar": {"config": {"data_root": str(configured)}}}})
    assert result.success
    assert (configured / "stages" / "raw_articles.parts.json").is_file()
    assert (configured / "stages" / "raw_quarantine.parquet").is_file()
    assert {"stages", "parts"} <= _outputs(configured)
    assert {p.name: p.stat().st_mtime_ns for p in (launched / "stages").iterdir()} == untouched
    assert result.output_for_node("raw_articles", "raw_articles").folder.is_relative_to(configured)
