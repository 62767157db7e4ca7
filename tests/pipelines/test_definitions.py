"""Snapshot of the asset graph and `dagster definitions validate`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetKey

from akhbar.assets.metadata import DATA_ROOT_POOL
from akhbar.assets.release import checks_on_the_release
from akhbar.pipelines import cluster
from akhbar.pipelines.definitions import BUILD_JOB, PUBLISH_JOB, defs
from tests.support import REPO

# The in-process Definitions and the cluster's (the article stages fanned out: assets/fanout.py):
# the same asset graph, code versions, specs and checks.
BOTH = pytest.mark.parametrize("defs", [defs, cluster.defs], ids=["definitions", "cluster"])

pytestmark = pytest.mark.slow  # whole builds, servers or processes: see docs/testing.md

EXPECTED_DEPS = {
    "raw_articles": set(),
    "raw_quarantine": set(),
    "normalized_articles": {"raw_articles"},
    "normalized_quarantine": {"raw_articles"},
    "article_fields": {"normalized_articles"},
    "fields_quarantine": {"normalized_articles"},
    "duplicate_marks": {"article_fields"},
    "dedup_index": {"article_fields"},
    "dataset_release": {
        "article_fields",
        "duplicate_marks",
        "dedup_index",
        "raw_articles",
        "raw_quarantine",
        "normalized_quarantine",
        "fields_quarantine",
    },
    "hub_publication": {"dataset_release"},
}
# asset -> (stage tag, kinds); every asset is owned by team:akhbar
EXPECTED_SPECS = {
    "raw_articles": ("raw", {"python", "parquet", "great_expectations"}),
    "raw_quarantine": ("raw", {"parquet"}),
    "normalized_articles": ("normalize", {"polars", "parquet", "great_expectations"}),
    "normalized_quarantine": ("normalize", {"parquet"}),
    "article_fields": ("fields", {"python", "parquet", "great_expectations"}),
    "fields_quarantine": ("fields", {"parquet"}),
    "duplicate_marks": ("dedup", {"python", "parquet"}),
    "dedup_index": ("dedup", {"parquet"}),
    "dataset_release": ("release", {"parquet", "great_expectations", "huggingface"}),
    "hub_publication": ("publication", {"huggingface"}),
}
EXPECTED_CHECKS = {
    ("raw_articles", "raw_articles_suite"),
    ("normalized_articles", "normalized_articles_suite"),
    ("article_fields", "article_fields_suite"),
    ("article_fields", "release_shrink"),
    ("dataset_release", "dataset_release_suite"),
    ("dataset_release", "release_accounting"),
}


@BOTH
def test_asset_graph_snapshot(defs) -> None:
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == set(EXPECTED_DEPS)
    for name, parents in EXPECTED_DEPS.items():
        node = graph.get(AssetKey(name))
        assert {p.to_user_string() for p in node.parent_keys} == parents, name
        assert node.code_version, f"{name} has no code_version"
        assert node.description, f"{name} has no description"
        stage, kinds = EXPECTED_SPECS[name]
        assert node.owners == ["team:akhbar"], name
        assert node.kinds == kinds, name
        assert node.tags["akhbar/stage"] == stage, name


@BOTH
def test_each_stage_has_its_own_code_version(defs) -> None:
    """The outputs of one step share a version; the stages' versions all differ (a change to one
    stage's code marks it and what follows stale, not every asset)."""
    graph = defs.resolve_asset_graph()
    by_stage: dict[str, set[str]] = {}
    for name, (stage, _kinds) in EXPECTED_SPECS.items():
        by_stage.setdefault(stage, set()).add(graph.get(AssetKey(name)).code_version)
    assert all(len(versions) == 1 for versions in by_stage.values()), by_stage
    assert len({v for versions in by_stage.values() for v in versions}) == len(by_stage)


def _renders(text: str | None) -> bool:
    """Markdown the UI renders as written: no `<` outside code spans (a `<semver>` would be taken
    for an HTML tag and vanish)."""
    return "<" not in re.sub(r"`[^`]*`", "", text or "")


@BOTH
def test_every_description_renders(defs) -> None:
    graph = defs.resolve_asset_graph()
    described = [(k.to_user_string(), graph.get(k).description) for k in graph.get_all_asset_keys()]
    described += [(k.name, graph.get_check_spec(k).description) for k in graph.asset_check_keys]
    described += [(job.name, job.description) for job in defs.jobs]
    described += [(s.name, s.description) for s in [*defs.schedules, *defs.sensors]]
    assert [name for name, text in described if not _renders(text)] == []
    assert "/releases/v<semver>/`" in graph.get(AssetKey("dataset_release")).description


@BOTH
def test_every_stage_has_a_blocking_check(defs) -> None:
    graph = defs.resolve_asset_graph()
    assert {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys} == EXPECTED_CHECKS
    for check_key in graph.asset_check_keys:
        assert graph.get_check_spec(check_key).blocking, check_key


def test_the_card_names_every_check_on_the_written_release() -> None:
    """The card names every check of the Definitions: the stage suites (from the run) and the
    release's own checks, which `dataset_release` reads from the check definitions."""
    graph = defs.resolve_asset_graph()
    suites = {"raw_articles_suite", "normalized_articles_suite", "article_fields_suite"}
    assert {k.name for k in graph.asset_check_keys} - suites == set(checks_on_the_release())


@BOTH
def test_build_job_selects_every_asset_and_check(defs) -> None:
    job = defs.resolve_job_def(BUILD_JOB)
    assert set(job.asset_layer.selected_asset_keys) == {AssetKey(k) for k in EXPECTED_DEPS}
    for asset, check in EXPECTED_CHECKS:
        assert f"{asset}_{check}" in job.graph.node_names()


def test_cluster_versions_are_the_in_process_ones() -> None:
    """Dagster calls an asset stale or fresh the same way whichever Definitions built it."""
    ours, theirs = defs.resolve_asset_graph(), cluster.defs.resolve_asset_graph()
    for key in ours.get_all_asset_keys():
        assert theirs.get(key).code_version == ours.get(key).code_version, key


@pytest.mark.parametrize("job", ["build_release_fanout", "build_release_celery"])
def test_every_fanned_out_step_is_pooled_and_described(job: str) -> None:
    ops = {op.name: op for op in cluster.defs.resolve_job_def(job).graph.iterate_op_defs()}
    fanned_out = {name for name in ops if name.endswith("_parts")}
    assert fanned_out == {"segment_parts", "remove_stock_parts", "extract_parts", "sign_parts"}
    for name in [*fanned_out, "plan_segment", "find_stock", "finish_normalize", "decide_duplicates"]:
        assert ops[name].pool == DATA_ROOT_POOL, name
        assert ops[name].description, name


def test_publish_job_selects_only_publication() -> None:
    job = defs.resolve_job_def(PUBLISH_JOB)
    assert set(job.asset_layer.selected_asset_keys) == {AssetKey("hub_publication")}


@pytest.mark.parametrize(
    "module",
    [
        "akhbar.pipelines.definitions",
        "akhbar.pipelines.cluster",  # the celery job's Definitions load with no broker set
    ],
)
def test_dagster_definitions_validate(tmp_path: Path, module: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AKHBAR_CELERY_BROKER"}
    env["DAGSTER_HOME"] = str(tmp_path)
    dagster = Path(sys.executable).parent / "dagster"
    proc = subprocess.run(
        [str(dagster), "definitions", "validate", "-m", module],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Validation successful" in proc.stdout + proc.stderr


def _run_dagster_cli(command: list[str], cwd: Path, tmp_path: Path) -> str:
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


@pytest.mark.slow
def test_dg_check_defs_passes_in_the_checkout(tmp_path: Path) -> None:
    """[tool.dg.project] in pyproject.toml: dg finds the root module, the definitions and the
    code location name."""
    out = _run_dagster_cli([str(Path(sys.executable).parent / "dg"), "check", "defs"], REPO, tmp_path)
    assert "All definitions loaded successfully" in out


@pytest.mark.parametrize("where", ["checkout (pyproject.toml)", "elsewhere (akhbar dev's workspace)"])
def test_the_code_location_is_named_akhbar(tmp_path: Path, where: str) -> None:
    from akhbar.pipelines.cli import WORKSPACE

    dagster = str(Path(sys.executable).parent / "dagster")
    if where.startswith("checkout"):
        out = _run_dagster_cli([dagster, "definitions", "validate"], REPO, tmp_path)
    else:
        out = _run_dagster_cli([dagster, "definitions", "validate", "-w", str(WORKSPACE)], tmp_path, tmp_path)
    assert "Validation successful for code location akhbar." in out
