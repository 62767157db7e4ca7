"""Beyond one machine: `build_release_celery` (pipelines/cluster.py) runs every step on Celery
workers fed through Redis, and writes the same release as the in-process build, also when a worker
dies mid-step.

Locally, as on a cluster (tests/support/celery_cluster.py): a `redis-server` on a free port of
127.0.0.1 (no persistence), named `dagster-celery worker start` processes (solo pool) started with
pipelines/celery_worker.yaml, and `dagster job execute -m akhbar.pipelines.cluster`; the workers
and the run share the environment, the data root and a persistent DAGSTER_HOME under tmp_path.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance, DagsterRunStatus
from dagster._core.events.log import EventLogEntry

from akhbar.pipelines.cli import main
from tests.support import head_lines
from tests.support.celery_cluster import Cluster, Worker, celery_cluster, tail

pytestmark = pytest.mark.slow  # whole builds, servers or processes: see docs/testing.md

JOB = "build_release_celery"
N_ARTICLES = 600
BATCH_ROWS = 120  # five parts per stage
# Long enough for any step of these small runs, short enough that a dead worker's step is
# redelivered within seconds (the shipped file says 3600).
VISIBILITY_TIMEOUT = 15
# The per-part steps: a worker is killed in one of them.
PART_STEP = re.compile(r"article_fields")
STEP_START_LINE = re.compile(r" - (\d+) - (\S+) - STEP_START - ")


def _release_bytes(folder: Path) -> dict[str, bytes]:
    """Every file of a release, its code fingerprint masked: the fingerprint hashes akhbar/'s
    sources, which a concurrent edit of the work tree may change between two builds."""
    fingerprint = json.loads((folder / "manifest.json").read_text())["code_fingerprint"].encode()
    return {
        p.relative_to(folder).as_posix(): p.read_bytes().replace(fingerprint, b"<code fingerprint>")
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _events(cluster: Cluster, kind: DagsterEventType) -> list[EventLogEntry]:
    """The `kind` events of the cluster's one run, which must have succeeded."""
    with DagsterInstance.from_config(str(cluster.home)) as instance:
        (run,) = instance.get_runs()
        assert run.job_name == JOB
        assert run.status == DagsterRunStatus.SUCCESS
        assert instance.get_latest_materialization_event(AssetKey("dataset_release")) is not None
        return list(instance.all_logs(run.run_id, of_type=kind))


def _on_worker(cluster: Cluster) -> dict[str, list[str]]:
    """Step key -> the Celery nodes that took its task, in order (dagster-celery's task reports
    one engine event per task it runs, naming the worker)."""
    nodes = defaultdict(list)
    for e in _events(cluster, DagsterEventType.ENGINE_EVENT):
        if (e.dagster_event.message or "").endswith(" in celery worker"):
            metadata = e.dagster_event.engine_event_data.metadata
            nodes[e.dagster_event.step_key].append(metadata["Celery worker"].value)
    return dict(nodes)


def _pids(cluster: Cluster, kind: DagsterEventType) -> dict[str, list[int]]:
    """Step key -> the pids of its `kind` events, in order."""
    pids = defaultdict(list)
    for e in _events(cluster, kind):
        pids[e.dagster_event.step_key].append(e.dagster_event.pid)
    return dict(pids)


@pytest.fixture(scope="module")
def sample(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """N_ARTICLES SaudiNewsNet articles in parts of BATCH_ROWS, and their release by `akhbar build`."""
    base = tmp_path_factory.mktemp("celery_sample")
    articles = head_lines(
        corpus / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz", base / "saudinewsnet.jsonl.gz", N_ARTICLES
    )
    sources = base / "sources.yaml"
    sources.write_text(
        f"sources:\n  - {{name: saudinewsnet, path: {articles}, license: cc-by-nc-sa-4.0}}\n",
        encoding="utf-8",
    )
    argv = ["build", "--sources", str(sources), "--batch-rows", str(BATCH_ROWS), "--workers", "1"]
    assert main([*argv, "--out", str(base / "local"), "--log-level", "ERROR"]) == 0
    env = {"AKHBAR_SOURCES": str(sources), "AKHBAR_BATCH_ROWS": str(BATCH_ROWS), "AKHBAR_WORKERS": "1"}
    return {"env": env, "release": _release_bytes(base / "local" / "releases" / "v1.0.0")}


def test_build_release_celery_runs_every_step_on_the_worker(tmp_path: Path) -> None:
    with celery_cluster(tmp_path / "cluster") as cluster:
        worker = cluster.start_worker("akhbar-test")
        proc = cluster.execute(JOB)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:] + cluster.logs()

        # The release of the embedded sample (one article), byte for byte the in-process build's.
        release = cluster.data / "releases" / "v1.0.0"
        local = tmp_path / "local"
        assert main(["build", "--out", str(local), "--log-level", "ERROR"]) == 0
        assert _release_bytes(release) == _release_bytes(local / "releases" / "v1.0.0")
        rows = json.loads((release / "manifest.json").read_text())["rows"]
        assert (rows["raw"], rows["released"], rows["quarantined"]) == (1, 1, 0)

        succeeded = set(_pids(cluster, DagsterEventType.STEP_SUCCESS))
        on_worker = _on_worker(cluster)
        assert {"raw_articles", "dataset_release", "hub_publication"} <= succeeded
        assert set(on_worker) == succeeded
        assert all(node.startswith("akhbar-test@") for nodes in on_worker.values() for node in nodes)
        # and the worker's own log shows it ran them
        worker_log = worker.log.read_text(errors="replace")
        assert len(re.findall(r"Task execute_plan\[[^\]]+\] succeeded", worker_log)) == len(succeeded)


def test_two_workers_share_the_steps_and_write_the_same_release(sample: dict, tmp_path: Path) -> None:
    with celery_cluster(tmp_path / "cluster", sample["env"]) as cluster:
        workers = [cluster.start_worker("one"), cluster.start_worker("two")]
        started = time.monotonic()
        proc = cluster.execute(JOB)
        elapsed = time.monotonic() - started
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:] + cluster.logs()
        assert _release_bytes(cluster.data / "releases" / "v1.0.0") == sample["release"]

        # Every step ran on one of the two, and each of them ran some: by the node names
        # dagster-celery records and by the pids of the STEP_START events.
        pids = {pid: w.name for w in workers for pid in w.pids}
        starts = _pids(cluster, DagsterEventType.STEP_START)
        ran_on = {step: {pids.get(pid) for pid in step_pids} for step, step_pids in starts.items()}
        assert all(len(names) == 1 and None not in names for names in ran_on.values()), (ran_on, pids)
        assert {name for names in ran_on.values() for name in names} == {"one", "two"}, ran_on
        nodes = {node.split("@")[0] for ns in _on_worker(cluster).values() for node in ns}
        assert nodes == {"one", "two"}
        print(f"two workers: {len(starts)} steps in {elapsed:.1f} s")


def _kill_in_step(cluster: Cluster, workers: list[Worker], pattern: re.Pattern, timeout: float) -> tuple:
    """Wait until a worker's log shows a STEP_START of a step matching `pattern`, SIGKILL that
    worker's process group and return (worker, step key, pid of the step)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for worker in workers:
            log = tail(worker.log, 200_000)
            for pid, step in STEP_START_LINE.findall(log):
                running = f" - {step} - STEP_SUCCESS - " not in log
                if running and pattern.search(step) and int(pid) in worker.pids:
                    worker.kill()
                    return worker, step, int(pid)
        time.sleep(0.05)
    pytest.fail(f"no step matching {pattern.pattern} started in {timeout:.0f} s\n{cluster.logs()}")


def test_a_worker_killed_mid_step_loses_nothing(sample: dict, tmp_path: Path) -> None:
    """SIGKILL the worker running a per-part step: the broker gives the step's message, never
    acknowledged, to the other worker after the visibility timeout; the run succeeds and the release
    is the same bytes."""
    with celery_cluster(
        tmp_path / "cluster", sample["env"], visibility_timeout=VISIBILITY_TIMEOUT, unacked_restore_interval=1
    ) as cluster:
        workers = [cluster.start_worker("one"), cluster.start_worker("two")]
        run_log = tmp_path / "run.log"
        started = time.monotonic()
        run = cluster.launch(JOB, run_log)
        killed, step, pid = _kill_in_step(cluster, workers, PART_STEP, timeout=300)
        killed_at = time.monotonic()
        (survivor,) = [w for w in workers if w is not killed]
        assert not killed.alive() and not killed.pids
        assert run.wait(timeout=600) == 0, tail(run_log) + cluster.logs()
        elapsed = time.monotonic() - started
        assert _release_bytes(cluster.data / "releases" / "v1.0.0") == sample["release"]

        # Dagster's events: the step started twice, first in the killed worker, then in the
        # survivor, which finished it; one success, no failure.
        starts = _pids(cluster, DagsterEventType.STEP_START)
        successes = _pids(cluster, DagsterEventType.STEP_SUCCESS)
        assert starts[step][0] == pid
        assert len(starts[step]) >= 2 and starts[step][-1] in survivor.pids, (starts[step], survivor.pids)
        assert successes[step] == [starts[step][-1]]
        assert not _pids(cluster, DagsterEventType.STEP_FAILURE)
        nodes = [node.split("@")[0] for node in _on_worker(cluster)[step]]
        assert nodes[0] == killed.name and nodes[-1] == survivor.name
        after = time.monotonic() - killed_at
        print(f"killed {killed.name} in {step}; run ended {after:.1f} s later, {elapsed:.1f} s in all")
