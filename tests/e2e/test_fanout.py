"""The fanned-out build (`build_release_fanout`, pipelines/cluster.py): the article stages as a
step per part on Dagster's multiprocess executor, with a real instance under tmp_path. Its
release is `akhbar build`'s byte for byte; an unchanged rebuild sends no part to any step; a
changed input file makes only its own parts again."""

from __future__ import annotations

import gzip
import itertools
import os
import socket
from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus

from akhbar.pipelines.cli import main
from akhbar.release import list_releases
from tests.support import dagster_job_execute
from tests.support.release_bytes import release_bytes

pytestmark = pytest.mark.slow  # whole builds, servers or processes: see docs/testing.md

BATCH_ROWS = 60
ARTICLES = 120  # per source: two parts each, four in all
MAPPED = ("segment_parts", "remove_stock_parts", "extract_parts", "sign_parts")
PLANS = ("plan_segment", "find_stock", "plan_extract", "plan_signatures")


def _lines(src: Path, dest: Path, start: int, stop: int) -> Path:
    """Lines [start, stop) of a (gzipped) JSONL corpus file, copied under tmp."""
    opener = gzip.open if src.suffix == ".gz" else open
    with opener(src, "rb") as fh:
        lines = list(itertools.islice(fh, start, stop))
    writer = gzip.open if dest.suffix == ".gz" else open
    with writer(dest, "wb") as out:
        out.writelines(lines)
    return dest


def _fanout(base: Path, config: Path, data: Path, home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKHBAR_")}
    env.update(
        DAGSTER_HOME=str(home),
        AKHBAR_SOURCES=str(config),
        AKHBAR_DATA_ROOT=str(data),
        AKHBAR_BATCH_ROWS=str(BATCH_ROWS),
        AKHBAR_WORKERS="1",
        AKHBAR_PARTS_PER_STEP="1",
    )
    dagster_job_execute("akhbar.pipelines.cluster", "build_release_fanout", env=env, cwd=base, timeout=1200)


def _local(config: Path, out: Path) -> None:
    argv = ["build", "--sources", str(config), "--out", str(out), "--batch-rows", str(BATCH_ROWS)]
    assert main([*argv, "--workers", "1", "--log-level", "ERROR"]) == 0


def _latest(root: Path) -> Path:
    return root / "releases" / f"v{list_releases(root)[-1]}"


@pytest.fixture(scope="module")
def runs(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Three fanned-out runs on one data root (a build, an unchanged rebuild, a rebuild with one
    source file changed) and `akhbar build` on the same inputs, their events and releases."""
    base = tmp_path_factory.mktemp("fanout")
    inputs = base / "input"
    inputs.mkdir()
    almayadeen = corpus / "almayadeen" / "almayadeen_2024-04.jsonl"
    _lines(almayadeen, inputs / "almayadeen.jsonl", 0, ARTICLES)
    saudi = corpus / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz"
    _lines(saudi, inputs / "saudinewsnet.jsonl.gz", 0, ARTICLES)
    config = inputs / "sources.yaml"
    config.write_text(
        "sources:\n"
        f"  - {{name: almayadeen, path: {inputs}/almayadeen.jsonl, license: other,\n"
        "     fields: {tags: keywords}}\n"
        f"  - {{name: saudinewsnet, path: {inputs}/saudinewsnet.jsonl.gz, license: cc-by-nc-sa-4.0}}\n",
        encoding="utf-8",
    )
    home, data, local = base / "dagster_home", base / "data", base / "local"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    found: dict = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", str(home))
        _fanout(base, config, data, home)
        _local(config, local)
        found["first"] = (release_bytes(_latest(data)), release_bytes(_latest(local)))
        _fanout(base, config, data, home)
        found["releases_after_rebuild"] = list_releases(data)
        _lines(almayadeen, inputs / "almayadeen.jsonl", ARTICLES, 2 * ARTICLES)  # other articles
        _fanout(base, config, data, home)
        _local(config, local)
        found["changed"] = (release_bytes(_latest(data)), release_bytes(_latest(local)))
        found["releases_after_change"] = list_releases(data)
        with DagsterInstance.from_config(str(home)) as instance:
            found["runs"] = []
            for run in reversed(instance.get_runs()):  # oldest first
                if run.job_name != "build_release_fanout":
                    continue
                assert run.status == DagsterRunStatus.SUCCESS
                succeeded = [
                    e.dagster_event.step_key
                    for e in instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_SUCCESS)
                ]
                logs = [(e.step_key, e.user_message) for e in instance.all_logs(run.run_id)]
                found["runs"].append({"id": run.run_id, "steps": succeeded, "logs": logs})
    found["run_folders"] = sorted(p.name for p in (data / "stages" / "runs").iterdir())
    assert len(found["runs"]) == 3
    return found


def _mapped(steps: list[str], op: str) -> list[str]:
    return [s for s in steps if f".{op}[" in s]


def test_the_fanned_out_release_is_the_cli_release(runs: dict) -> None:
    fanned, local = runs["first"]
    assert fanned == local
    assert {"manifest.json", "quarantine.parquet", "dedup_index.parquet"} <= set(fanned)
    assert any(name.startswith("data/") for name in fanned)


def test_each_part_runs_in_a_step_of_its_own_and_says_where(runs: dict) -> None:
    first = runs["runs"][0]
    for op in MAPPED:
        mapped = _mapped(first["steps"], op)
        assert len(mapped) == 4, (op, first["steps"])
        said = [m for step, m in first["logs"] if step in mapped and m.startswith("parts ")]
        assert len(said) == 4, op
        # one part each, on this machine (no Celery task: the worker is the host's name)
        assert all(len(m.split(" on worker ")[0].split()) == 2 for m in said), said
        assert all(f" on worker {socket.gethostname()} " in m for m in said), said
    assets = ("normalized_articles", "normalized_articles", "article_fields", "duplicate_marks")
    plans = [f"{asset}.{plan}" for asset, plan in zip(assets, PLANS, strict=True)]
    for step in ("raw_articles", "dataset_release", *plans):
        assert step in first["steps"], step


def test_an_unchanged_rebuild_sends_no_part_to_any_step(runs: dict) -> None:
    second = runs["runs"][1]
    assert not any(_mapped(second["steps"], op) for op in MAPPED), second["steps"]
    assert {"normalized_articles.plan_segment", "duplicate_marks.decide_duplicates"} <= set(second["steps"])
    assert runs["releases_after_rebuild"] == ["1.0.0"]


def test_a_changed_file_makes_only_its_parts_again(runs: dict) -> None:
    third = runs["runs"][2]
    for op in MAPPED:  # almayadeen's two parts, not saudinewsnet's
        assert len(_mapped(third["steps"], op)) == 2, (op, third["steps"])
    assert len(runs["releases_after_change"]) == 2
    fanned, local = runs["changed"]
    assert fanned == local


def test_the_op_outputs_of_earlier_successful_runs_are_removed(runs: dict) -> None:
    # each run's plans and group results live under stages/runs/<run id>/ until a later run
    # starts: only the last run's are left
    assert runs["run_folders"] == [runs["runs"][2]["id"]]
    said = [m for step, m in runs["runs"][2]["logs"] if step == "normalized_articles.plan_segment"]
    assert any(m.startswith("removed the op outputs of 1 earlier successful runs") for m in said), said
