"""Beyond one machine: `build_release_celery` (pipelines/cluster.py) runs every step on a Celery
worker fed through Redis, and writes the same release as the in-process build.

Locally, as on a cluster: a `redis-server` on a free port of 127.0.0.1 (no persistence), one
`dagster-celery worker start` process, and `dagster job execute -m akhbar.pipelines.cluster`; the worker
and the run share the environment, the data root and a persistent DAGSTER_HOME under tmp_path.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from dagster import AssetKey, DagsterEventType, DagsterInstance, DagsterRunStatus

from akhbar.pipelines.cli import main

pytestmark = pytest.mark.slow  # whole builds, servers or processes: see docs/testing.md

BIN = Path(sys.executable).parent
WORKER_NAME = "akhbar-test"
# The worker config docs/beyond-one-machine.md shows: the broker, also the result backend (the job's default).
WORKER_YAML = """\
execution:
  config:
    broker: {env: AKHBAR_CELERY_BROKER}
    backend: {env: AKHBAR_CELERY_BROKER}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, n: int = 4000) -> str:
    return path.read_text(errors="replace")[-n:] if path.exists() else f"({path} not written)"


def _wait_for(predicate, timeout: float, what: str, log: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc.poll() is not None:
            pytest.fail(f"{what}: process exited with {proc.returncode}\n{_tail(log)}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not ready after {timeout:.0f} s\n{_tail(log)}")
        time.sleep(0.2)


def _stop_group(proc: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM the process group `proc` leads (it was started in a new session), SIGKILL what
    is left after `timeout`; returns once no process of the group remains."""
    pgid = proc.pid
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                try:
                    os.killpg(pgid, 0)
                except ProcessLookupError:
                    return  # leader reaped, no member left
            time.sleep(0.2)
    proc.wait(timeout=10)


def _release_bytes(folder: Path) -> dict[str, bytes]:
    """Every file of a release, its code fingerprint masked: the fingerprint hashes akhbar/'s
    sources, which a concurrent edit of the work tree may change between two builds."""
    fingerprint = json.loads((folder / "manifest.json").read_text())["code_fingerprint"].encode()
    return {
        p.relative_to(folder).as_posix(): p.read_bytes().replace(fingerprint, b"<code fingerprint>")
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    server = shutil.which("redis-server", path=f"{os.environ.get('PATH', '')}{os.pathsep}/usr/bin")
    if server is None:
        pytest.fail(
            "redis-server not found; `./run.sh system-deps` installs it (Debian package redis-server)"
        )
    folder = tmp_path / "redis"
    folder.mkdir()
    log = folder / "redis.log"
    port = _free_port()
    argv = [server, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder)]
    argv += ["--save", "", "--appendonly", "no", "--daemonize", "no"]  # no persistence
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)

        def pong() -> bool:
            try:
                return bool(client.ping())
            except redis.exceptions.ConnectionError:
                return False

        _wait_for(pong, 30, "redis-server", log, proc)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop_group(proc)


@pytest.fixture
def celery_worker(redis_url: str, tmp_path: Path) -> Iterator[dict]:
    """One `dagster-celery worker start` (solo pool), with the environment the run gets."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AKHBAR_", "CELERY_"))}
    env.update(
        DAGSTER_HOME=str(home),
        AKHBAR_DATA_ROOT=str(tmp_path / "data"),
        AKHBAR_CELERY_BROKER=redis_url,
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",  # dagster-celery starts `celery` from PATH
    )
    config = tmp_path / "celery.yaml"
    config.write_text(WORKER_YAML)
    log = tmp_path / "worker.log"
    work = tmp_path / "work"  # the cwd of the worker and of the run: no ./sources.yaml there
    work.mkdir()
    argv = [str(BIN / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app", "-y", str(config)]
    # --pool solo, as docs/beyond-one-machine.md says: steps run in the worker process itself,
    # which may start the stages' process pools (a prefork pool's daemonic children may not)
    argv += ["-n", WORKER_NAME, "--loglevel", "INFO", "--", "--pool", "solo"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            argv,
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for(lambda: " ready." in _tail(log, 100_000), 120, "celery worker", log, proc)
        yield {"env": env, "home": home, "data": tmp_path / "data", "log": log, "cwd": work}
    finally:
        _stop_group(proc)


def test_build_release_celery_runs_every_step_on_the_worker(celery_worker: dict, tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            str(BIN / "dagster"),
            "job",
            "execute",
            "-m",
            "akhbar.pipelines.cluster",
            "-j",
            "build_release_celery",
        ],
        cwd=celery_worker["cwd"],
        env=celery_worker["env"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    worker_log = celery_worker["log"].read_text(errors="replace")
    assert proc.returncode == 0, (
        proc.stdout[-3000:] + proc.stderr[-3000:] + "\nworker:\n" + worker_log[-3000:]
    )

    # The release of the embedded sample (one article), byte for byte the in-process build's.
    release = celery_worker["data"] / "releases" / "v1.0.0"
    local = tmp_path / "local"
    assert main(["build", "--out", str(local), "--log-level", "ERROR"]) == 0
    assert _release_bytes(release) == _release_bytes(local / "releases" / "v1.0.0")
    rows = json.loads((release / "manifest.json").read_text())["rows"]
    assert (rows["raw"], rows["released"], rows["quarantined"]) == (1, 1, 0)

    with DagsterInstance.from_config(str(celery_worker["home"])) as instance:
        (run,) = instance.get_runs()
        assert run.job_name == "build_release_celery"
        assert run.status == DagsterRunStatus.SUCCESS
        succeeded = {
            e.dagster_event.step_key
            for e in instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_SUCCESS)
        }
        # dagster-celery's task reports one engine event per step it runs, naming the worker.
        on_worker = {}
        for e in instance.all_logs(run.run_id, of_type=DagsterEventType.ENGINE_EVENT):
            message = e.dagster_event.message or ""
            if message.endswith(" in celery worker"):
                metadata = e.dagster_event.engine_event_data.metadata
                on_worker[e.dagster_event.step_key] = metadata["Celery worker"].value
        assert instance.get_latest_materialization_event(AssetKey("dataset_release")) is not None
    assert {"raw_articles", "dataset_release", "hub_publication"} <= succeeded
    assert set(on_worker) == succeeded
    assert all(name.startswith(f"{WORKER_NAME}@") for name in on_worker.values()), on_worker
    # and the worker's own log shows it ran them
    assert len(re.findall(r"Task execute_plan\[[^\]]+\] succeeded", worker_log)) == len(succeeded)
