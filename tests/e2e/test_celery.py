"""Beyond one machine: `build_release_celery` (pipelines/cluster.py, the article stages fanned out
into a step per group of parts) runs every step on Celery workers fed through Redis, and writes the
same release as `akhbar build`, also when a worker dies mid-step.

Locally, as on a cluster (tests/support/celery_cluster.py): a `redis-server` on a free port of
127.0.0.1 (no persistence), named `dagster-celery worker start` processes (solo pool) started with
pipelines/celery_worker.yaml, and `dagster job execute -m akhbar.pipelines.cluster`; the workers
and the run share the environment, the data root and a persistent DAGSTER_HOME under tmp_path.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance, DagsterRunStatus
from dagster._core.events.log import EventLogEntry

from akhbar.pipelines.cli import main
from tests.support import head_lines, tail
from tests.support.celery_cluster import Cluster, Worker, celery_cluster
from tests.support.release_bytes import release_bytes

pytestmark = pytest.mark.slow  # whole builds, servers or processes: see docs/testing.md

JOB = "build_release_celery"
N_ARTICLES = 480
BATCH_ROWS = 120  # four parts per stage, a step each (AKHBAR_PARTS_PER_STEP's default: 1)
# The mapped steps of the fanned-out stages: `<asset>.<op>[<first part key>]`, one per group.
PART_OPS = ("segment_parts", "remove_stock_parts", "extract_parts", "sign_parts")
MAPPED_STEP = re.compile(r"^\w+\.(\w+)\[\w+\]$")
# Longer than any step of these small runs, short enough that a dead worker's step is delivered
# again within seconds (pipelines/celery_worker.yaml says 3600).
VISIBILITY_TIMEOUT = 15
# A worker is killed in one of these, the heaviest per-part step.
KILLED_STEP = re.compile(r"\.extract_parts\[")
STEP_START_LINE = re.compile(r" - (\d+) - (\S+) - STEP_START - ")
ON_WORKER = re.compile(r"^parts .* on worker (\S+) \(host ")  # assets/fanout.py's line per group step


def _run_logs(cluster: Cluster) -> list[EventLogEntry]:
    """Every event and log line of the cluster's one run, which must have succeeded."""
    with DagsterInstance.from_config(str(cluster.home)) as instance:
        (run,) = instance.get_runs()
        assert run.job_name == JOB
        assert run.status == DagsterRunStatus.SUCCESS
        assert instance.get_latest_materialization_event(AssetKey("dataset_release")) is not None
        return list(instance.all_logs(run.run_id))


def _pids(logs: list[EventLogEntry], kind: DagsterEventType) -> dict[str, list[int]]:
    """Step key -> the pids of its `kind` events, in order."""
    pids = defaultdict(list)
    for e in logs:
        if e.dagster_event is not None and e.dagster_event.event_type == kind:
            pids[e.dagster_event.step_key].append(e.dagster_event.pid)
    return dict(pids)


def _celery_nodes(logs: list[EventLogEntry]) -> dict[str, list[str]]:
    """Step key -> the Celery workers (names before `@host`) that took its task, in order:
    dagster-celery's task reports one engine event per task it runs, naming the worker."""
    nodes = defaultdict(list)
    for e in logs:
        event = e.dagster_event
        if event is not None and (event.message or "").endswith(" in celery worker"):
            node = event.engine_event_data.metadata["Celery worker"].value
            nodes[event.step_key].append(node.split("@")[0])
    return dict(nodes)


def _logged_workers(logs: list[EventLogEntry]) -> dict[str, list[str]]:
    """Step key -> the workers its own log lines name (`parts ... on worker NAME@host ...`)."""
    named = defaultdict(list)
    for e in logs:
        match = ON_WORKER.match(e.user_message) if e.dagster_event is None else None
        if match:
            named[e.step_key].append(match.group(1).split("@")[0])
    return dict(named)


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
    return {"env": env, "release": release_bytes(base / "local" / "releases" / "v1.0.0")}


def test_build_release_celery_runs_every_step_on_the_worker(tmp_path: Path) -> None:
    with celery_cluster(tmp_path / "cluster") as cluster:
        (worker,) = cluster.start_workers("akhbar-test")
        proc = cluster.execute(JOB)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:] + cluster.logs()

        # The release of the embedded sample (one article), byte for byte the in-process build's.
        release = cluster.data / "releases" / "v1.0.0"
        local = tmp_path / "local"
        assert main(["build", "--out", str(local), "--log-level", "ERROR"]) == 0
        assert release_bytes(release) == release_bytes(local / "releases" / "v1.0.0")
        rows = json.loads((release / "manifest.json").read_text())["rows"]
        assert (rows["raw"], rows["released"], rows["quarantined"]) == (1, 1, 0)

        logs = _run_logs(cluster)
        succeeded = set(_pids(logs, DagsterEventType.STEP_SUCCESS))
        nodes = _celery_nodes(logs)
        assert {"raw_articles", "dataset_release", "hub_publication"} <= succeeded
        assert set(nodes) == succeeded
        assert all(names == ["akhbar-test"] for names in nodes.values()), nodes
        # and the worker's own log shows it ran them
        worker_log = worker.log.read_text(errors="replace")
        assert len(re.findall(r"Task execute_plan\[[^\]]+\] succeeded", worker_log)) == len(succeeded)


def test_two_workers_share_the_part_steps_and_write_the_same_release(sample: dict, tmp_path: Path) -> None:
    with celery_cluster(tmp_path / "cluster", sample["env"]) as cluster:
        workers = cluster.start_workers("one", "two")
        started = time.monotonic()
        proc = cluster.execute(JOB)
        elapsed = time.monotonic() - started
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:] + cluster.logs()
        assert release_bytes(cluster.data / "releases" / "v1.0.0") == sample["release"]

        # Every step ran once, in one of the two worker processes (its STEP_START's pid), and
        # dagster-celery names the same worker.
        logs = _run_logs(cluster)
        worker_of = {pid: w.name for w in workers for pid in w.pids}
        ran_on = {
            step: [worker_of.get(p) for p in pids]
            for step, pids in _pids(logs, DagsterEventType.STEP_START).items()
        }
        assert all(len(names) == 1 and names[0] in {"one", "two"} for names in ran_on.values()), (
            ran_on,
            worker_of,
        )
        assert _celery_nodes(logs) == ran_on
        # Each fanned-out stage ran a step per part, and the part steps ran on both workers, as
        # the steps' own lines say (`parts ... on worker one@host ...`).
        mapped = {step: names for step, names in ran_on.items() if MAPPED_STEP.match(step)}
        per_op = Counter(MAPPED_STEP.match(step).group(1) for step in mapped)
        assert {op: per_op[op] for op in PART_OPS} == dict.fromkeys(PART_OPS, N_ARTICLES // BATCH_ROWS), (
            per_op
        )
        assert {names[0] for names in mapped.values()} == {"one", "two"}, mapped
        assert _logged_workers(logs) == mapped
        print(f"two workers: {len(ran_on)} steps ({len(mapped)} part steps) in {elapsed:.1f} s")


def _kill_in_step(cluster: Cluster, workers: list[Worker], pattern: re.Pattern, timeout: float) -> tuple:
    """Wait until a worker's log shows a STEP_START of a step matching `pattern` and no
    STEP_SUCCESS of it yet, SIGKILL that worker's process group and return (worker, step, pid)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for worker in workers:
            log = tail(worker.log, 500_000)
            for pid, step in STEP_START_LINE.findall(log):
                running = f" - {step} - STEP_SUCCESS - " not in log
                if running and pattern.search(step) and int(pid) in worker.pids:
                    worker.kill()
                    return worker, step, int(pid)
        time.sleep(0.05)
    pytest.fail(f"no step matching {pattern.pattern} started in {timeout:.0f} s\n{cluster.logs()}")


def test_a_worker_killed_mid_step_loses_nothing(sample: dict, tmp_path: Path) -> None:
    """SIGKILL the worker running a per-part step: Redis gives the step's message, never
    acknowledged, to the other worker after the visibility timeout; that step alone runs again,
    the run succeeds and the release is the same bytes."""
    with celery_cluster(
        tmp_path / "cluster", sample["env"], visibility_timeout=VISIBILITY_TIMEOUT, unacked_restore_interval=1
    ) as cluster:
        workers = cluster.start_workers("one", "two")
        run_log = tmp_path / "run.log"
        started = time.monotonic()
        run = cluster.launch(JOB, run_log)
        killed, step, pid = _kill_in_step(cluster, workers, KILLED_STEP, timeout=300)
        killed_at = time.monotonic()
        (survivor,) = [w for w in workers if w is not killed]
        assert not killed.alive() and not killed.pids
        assert run.wait(timeout=600) == 0, tail(run_log) + cluster.logs()
        elapsed = time.monotonic() - started
        assert release_bytes(cluster.data / "releases" / "v1.0.0") == sample["release"]

        # Dagster's events: the killed step started twice, in the killed worker, then in the
        # survivor, which finished it: one success, no failure; every other step ran once.
        logs = _run_logs(cluster)
        starts = _pids(logs, DagsterEventType.STEP_START)
        assert {s: len(p) for s, p in starts.items() if len(p) != 1} == {step: 2}
        assert starts[step][0] == pid and starts[step][1] in survivor.pids, (starts[step], survivor.pids)
        assert _pids(logs, DagsterEventType.STEP_SUCCESS)[step] == [starts[step][1]]
        assert not _pids(logs, DagsterEventType.STEP_FAILURE)
        assert _celery_nodes(logs)[step] == [killed.name, survivor.name]
        assert _logged_workers(logs)[step] == [survivor.name]
        after = time.monotonic() - killed_at
        print(f"killed {killed.name} in {step}; run ended {after:.1f} s later, {elapsed:.1f} s in all")
