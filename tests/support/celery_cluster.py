"""A Celery cluster on this machine for the tests: `redis-server` on a free port of 127.0.0.1 (no
persistence), named `dagster-celery worker start` processes (solo pool), and runs of
`dagster job execute -m akhbar.pipelines.cluster` sharing their environment, data root and
DAGSTER_HOME under tmp. The worker and run command lines are the README's recipe
(tests/support/recipe.py), word for word but for the worker's NAME and the `-y` file (the
cluster's copy of pipelines/celery_worker.yaml), so a change to them in the README is what the
Celery tests run.

Each worker is started in its own session, so its process group is the `dagster-celery` CLI and
the `celery worker` it starts; `Worker.kill()` SIGKILLs that group, as a machine that dies would
lose it, with the step it runs.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis
import yaml
from dagster import DagsterInstance

from tests.support import REPO, free_port, tail
from tests.support.recipe import RUN, WORKER, command_argv, read_recipe

BIN = Path(sys.executable).parent
# The worker settings the docs recommend (pipelines/celery_worker.yaml), for every test worker.
WORKER_YAML = REPO / "pipelines" / "celery_worker.yaml"


class ClusterError(RuntimeError):
    """A server or worker did not start; the message ends with the tail of its log."""


def wait_for(
    predicate: Callable[[], bool], timeout: float, what: str, log: Path, proc: subprocess.Popen
) -> None:
    """Poll `predicate` until true; raise ClusterError if `proc` exits first or time runs out."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc.poll() is not None:
            raise ClusterError(f"{what}: process exited with {proc.returncode}\n{tail(log)}")
        if time.monotonic() > deadline:
            raise ClusterError(f"{what}: not ready after {timeout:.0f} s\n{tail(log)}")
        time.sleep(0.2)


def group_pids(pgid: int) -> set[int]:
    """The live processes of process group `pgid` (from /proc; zombies left out)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # fields after the command (which may hold spaces): state ppid pgrp ...
        state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            pids.add(int(entry.name))
    return pids


def stop_group(proc: subprocess.Popen, timeout: float = 30) -> None:
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
            if proc.poll() is not None and not group_pids(pgid):
                return
            time.sleep(0.2)
    proc.wait(timeout=10)


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A `redis-server` on a free port of 127.0.0.1, no persistence, its files in `folder`;
    yields its URL (database 0) and stops it on exit."""
    server = shutil.which("redis-server", path=f"{os.environ.get('PATH', '')}{os.pathsep}/usr/bin")
    if server is None:
        raise ClusterError(
            "redis-server not found; `./run.sh system-deps` installs it (Debian package redis-server)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "redis.log"
    port = free_port()
    argv = [server, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder)]
    argv += ["--save", "", "--appendonly", "no", "--daemonize", "no"]  # no persistence
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)

        def pong() -> bool:
            try:
                return bool(client.ping())
            except redis.exceptions.ConnectionError:
                return False

        wait_for(pong, 30, "redis-server", log, proc)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_group(proc)


@dataclass
class Worker:
    """One `dagster-celery worker start` process group; its Celery node name is `name@host`."""

    name: str
    proc: subprocess.Popen
    log: Path

    @property
    def pids(self) -> set[int]:
        """The group's live processes: the dagster-celery CLI and the celery worker (with the solo
        pool, the process that runs the steps: a step's STEP_START event carries its pid)."""
        return group_pids(self.proc.pid)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole group at once, mid-step if it runs one: nothing is acked or cleaned up."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while self.pids and time.monotonic() < deadline:
            time.sleep(0.05)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        stop_group(self.proc)


@dataclass
class Cluster:
    """A broker, a shared data root and DAGSTER_HOME, and the workers started on them."""

    root: Path
    redis_url: str
    env: dict[str, str]
    worker_yaml: Path
    workers: list[Worker] = field(default_factory=list)

    @property
    def home(self) -> Path:
        return Path(self.env["DAGSTER_HOME"])

    @property
    def data(self) -> Path:
        return Path(self.env["AKHBAR_DATA_ROOT"])

    @property
    def cwd(self) -> Path:
        """The cwd of the workers and runs: an empty folder (no ./sources.yaml there)."""
        return self.root / "work"

    def start_workers(self, *names: str, timeout: float = 120) -> list[Worker]:
        """Start the README recipe's worker command (`dagster-celery worker start ... -n NAME --
        --pool solo`) for each name, all at once, and wait until every one is ready."""
        started = []
        for name in names:
            log = self.root / f"worker-{name}.log"
            argv = self.worker_argv(name)
            with open(log, "wb") as out:
                proc = subprocess.Popen(
                    argv,
                    cwd=self.cwd,
                    env=self.env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            started.append(Worker(name, proc, log))
        self.workers.extend(started)
        for w in started:
            wait_for(
                lambda w=w: " ready." in tail(w.log, 100_000), timeout, f"worker {w.name}", w.log, w.proc
            )
        return started

    def worker_argv(self, name: str) -> list[str]:
        """The README recipe's worker command line, with the worker's name for NAME and the
        cluster's copy of pipelines/celery_worker.yaml for `-y`."""
        worker = read_recipe().command(WORKER)
        return command_argv(worker, self.env, names={"NAME": name}, options={"-y": str(self.worker_yaml)})

    def job_argv(self, job: str) -> list[str]:
        """The README recipe's run command line, which must run `job`."""
        argv = command_argv(read_recipe().command(RUN), self.env)
        if "-j" not in argv[:-1] or argv[argv.index("-j") + 1] != job:
            raise ClusterError(f"README.md's recipe runs `{shlex.join(argv[1:])}`, not job {job}")
        return argv

    def execute(self, job: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run `job` to the end (`dagster job execute`, this process waits for it)."""
        return subprocess.run(
            self.job_argv(job),
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def launch(self, job: str, log: Path) -> subprocess.Popen:
        """Start `job` in the background (`dagster job execute`), its output to `log`."""
        with open(log, "wb") as out:
            return subprocess.Popen(
                self.job_argv(job),
                cwd=self.cwd,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def logs(self) -> str:
        """Every worker's log tail, for an assertion message."""
        return "\n".join(f"--- worker {w.name}:\n{tail(w.log, 3000)}" for w in self.workers)


def worker_yaml(dest: Path, **transport_options: float) -> Path:
    """pipelines/celery_worker.yaml, with `transport_options` replacing the shipped
    broker_transport_options of the same name (the tests lower visibility_timeout)."""
    config = yaml.safe_load(WORKER_YAML.read_text())
    options = config["execution"]["config"]["config_source"]["broker_transport_options"]
    options.update(transport_options)
    dest.write_text(yaml.safe_dump(config, sort_keys=False))
    return dest


@contextmanager
def celery_cluster(
    root: Path, env: dict[str, str] | None = None, **transport_options: float
) -> Iterator[Cluster]:
    """Redis and an empty cluster under `root`: start workers with `Cluster.start_workers`; every
    worker and the server are stopped on exit. `env` adds settings (AKHBAR_SOURCES, ...) to the
    environment the workers and runs share."""
    root.mkdir(parents=True, exist_ok=True)
    home = root / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    # The instance's SQLite storage made here, once: workers started together would each
    # create it and race on its schema (UNIQUE constraint failed: alembic_version).
    DagsterInstance.from_config(str(home)).dispose()
    (root / "work").mkdir()
    with redis_server(root / "redis") as url:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AKHBAR_", "CELERY_"))}
        base.update(
            DAGSTER_HOME=str(home),
            AKHBAR_DATA_ROOT=str(root / "data"),
            AKHBAR_CELERY_BROKER=url,
            PATH=f"{BIN}{os.pathsep}{base.get('PATH', '')}",  # dagster-celery starts `celery` from PATH
        )
        base.update(env or {})
        cluster = Cluster(root, url, base, worker_yaml(root / "celery.yaml", **transport_options))
        try:
            yield cluster
        finally:
            for worker in cluster.workers:
                stop_group(worker.proc)
