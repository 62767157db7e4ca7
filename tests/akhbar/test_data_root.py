"""The data root's lock, its record of sources, the shrink guard, and what a killed build leaves
behind: real `akhbar build` processes on temporary data roots."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from akhbar.assets.resources import AkhbarSettings
from akhbar.data_root import (
    SOURCES_FILE,
    DataRootBusy,
    compare_with_previous,
    lock_data_root,
    lock_for_run,
    record_sources,
)
from akhbar.ingest import SourceConfig
from akhbar.pipelines.cli import main
from akhbar.release import list_releases, remove_stale_temporaries
from tests.support import REPO, dagster_job_execute, head_lines

AKHBAR = [sys.executable, "-m", "akhbar.pipelines.cli"]


def _snn(corpus: Path, dest: Path, lines: int, skip: int = 0) -> Path:
    """Lines [skip, skip + lines) of SaudiNewsNet as a JSONL file."""
    every = head_lines(
        corpus / "saudinewsnet" / "saudinewsnet_dev.jsonl.gz", dest.with_suffix(".all"), skip + lines
    )
    dest.write_bytes(b"".join(every.read_bytes().splitlines(keepends=True)[skip:]))
    every.unlink()
    return dest


def _children() -> dict[int, int]:
    """pid -> parent pid of every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return found


def _descendants(pid: int) -> set[int]:
    parents = _children()
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie (a zombie holds no memory; PID 1 of a container may never reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in {"Z", "X"}


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _holder_process(root: Path) -> subprocess.Popen[str]:
    """Another process that takes the data root's lock and keeps it until killed."""
    code = (
        "import sys; from akhbar.data_root import lock_data_root; "
        f"lock = lock_data_root({str(root)!r}); print('held', flush=True); sys.stdin.read()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def _wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)


@pytest.mark.parametrize(
    ("before", "now", "exceeds", "vanished"),
    [
        ({"a": 1}, {"samples": 1}, True, {"a": 1}),  # the loss of 1 of 1 article is a loss
        ({"a": 10}, {"a": 9}, False, {}),  # 10% lost
        ({"a": 4, "b": 1}, {"a": 4, "c": 3}, False, {"b": 1}),  # 20%: not more than the default
        ({"a": 5}, {"a": 3, "b": 9}, True, {}),  # 40% of a lost, whatever b brings
        ({"a": 3, "b": 2}, {"a": 3, "b": 2}, False, {}),
    ],
)
def test_shrink_is_counted_per_source(
    before: dict[str, int], now: dict[str, int], exceeds: bool, vanished: dict[str, int]
) -> None:
    manifest = {"version": "1.0.0", "sources": [{"name": n, "articles": c} for n, c in before.items()]}
    shrink = compare_with_previous(manifest, now)
    assert shrink.exceeds() is exceeds
    assert shrink.vanished == vanished
    for name, count in vanished.items():
        assert f"{name} ({count} articles)" in shrink.describe()


@pytest.mark.slow
def test_real_input_replaces_the_embedded_sample_without_allow_shrink(tmp_path: Path) -> None:
    """`./run.sh build` (the sample) then `akhbar build --input mine` on the same root: the demo is
    replaced, not lost; once the root has a record, a vanished source is a loss again."""
    out, mine = tmp_path / "data", tmp_path / "mine"
    mine.mkdir()
    for i in range(2):
        (mine / f"{i}.txt").write_text(
            f"خبر عن الطقس رقم {i}\n\nأعلنت هيئة الأرصاد الجوية اليوم عن موجة حر شديدة رقم {i}.\n",
            encoding="utf-8",
        )
    assert main(["build", "--out", str(out), "--log-level", "ERROR"]) == 0
    assert main(["build", "--input", str(mine), "--out", str(out), "--log-level", "ERROR"]) == 0
    assert list_releases(out)[-1] == "1.1.0"
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.txt").write_bytes((mine / "0.txt").read_bytes())
    assert main(["build", "--input", str(other), "--out", str(out), "--log-level", "ERROR"]) == 1


def test_lock_names_its_holder_and_ends_with_it(tmp_path: Path) -> None:
    root = tmp_path / "data"
    holder = _holder_process(root)
    try:
        with pytest.raises(DataRootBusy, match=rf"in use by pid {holder.pid} on "):
            lock_data_root(root)
    finally:
        holder.kill()
        holder.wait()
    with lock_data_root(root) as lock:  # the kernel released the dead holder's flock
        assert json.loads((root / ".lock").read_text())["pid"] == os.getpid() == lock.owner["pid"]


def test_a_step_process_hands_the_lock_to_a_keeper_for_the_run(tmp_path: Path) -> None:
    """As under Dagster's multiprocess executor: a step (a multiprocessing child of the run's
    process) takes the lock and ends; the lock stays with the run until the run's process ends."""
    root = tmp_path / "data"
    code = (
        "import multiprocessing as mp, sys\n"
        "from akhbar.data_root import lock_for_run\n"
        "def step(root):\n"
        "    assert lock_for_run(root, 'run-1') is not None\n"
        "if __name__ == '__main__':\n"
        "    p = mp.get_context('spawn').Process(target=step, args=(sys.argv[1],)); p.start(); p.join()\n"
        "    print(p.exitcode, flush=True); sys.stdin.read()\n"
    )
    (tmp_path / "run.py").write_text(code)
    run = subprocess.Popen(
        [sys.executable, str(tmp_path / "run.py"), str(root)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert run.stdout is not None and run.stdout.readline().strip() == "0"
        with pytest.raises(DataRootBusy, match=rf"pid {run.pid} on .*\(Dagster run run-1\)") as busy:
            lock_data_root(root)
        assert busy.value.holder["pid"] == run.pid and busy.value.holder["run_id"] == "run-1"
        assert lock_for_run(root, "run-1") is None  # another step of the same run goes on
        with pytest.raises(DataRootBusy):
            lock_for_run(root, "run-2")
    finally:
        run.kill()
        run.wait()
    _wait_until(lambda: _can_lock(root), 5, "the keeper to release the lock after its run ended")


def _can_lock(root: Path) -> bool:
    try:
        lock_data_root(root).release()
    except DataRootBusy:
        return False
    return True


def test_remove_stale_temporaries(tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    for name, size in [(".tmp-release-a1", 1000), (".tmp-release-b2", 24)]:
        (releases / name / "data").mkdir(parents=True)
        (releases / name / "data" / "train.parquet").write_bytes(b"x" * size)
    (releases / "v1.0.0").mkdir()
    assert remove_stale_temporaries(tmp_path) == (2, 1024)
    assert [p.name for p in releases.iterdir()] == ["v1.0.0"]
    assert remove_stale_temporaries(tmp_path) == (0, 0)


def test_recorded_sources_are_used_unless_others_are_given(tmp_path: Path) -> None:
    root, folder = tmp_path / "data", tmp_path / "in"
    folder.mkdir()
    (folder / "a.jsonl").write_text("")
    recorded = [
        SourceConfig(name="a", path=str(folder / "a.jsonl"), format="jsonl", fields={"title": ("t",)})
    ]
    record_sources(root, recorded, given_as="--input")
    assert AkhbarSettings(data_root=str(root)).source_set() == (recorded, None)
    given = AkhbarSettings(data_root=str(root), inputs=[str(folder)]).source_set()
    assert [s.path for s in given[0]] == [str(folder)] and given[1] == f"--input {folder}"


@pytest.mark.slow
def test_killed_build_leaves_no_process_and_holds_no_lock(corpus: Path, tmp_path: Path) -> None:
    """kill -9 during normalization: the fork server, the workers and the resource tracker end
    within seconds; meanwhile a second build is refused with the holder's pid."""
    source = _snn(corpus, tmp_path / "snn.jsonl", 3000)
    root = tmp_path / "data"
    build = [*AKHBAR, "build", "--input", str(source), "--out", str(root), "--batch-rows", "500"]
    first = subprocess.Popen(
        [*build, "--workers", "2", "--log-level", "WARNING"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def workers_running() -> bool:  # the pool is up: the fork server has forked workers
            tree = _descendants(first.pid)
            servers = {p for p in tree if "multiprocessing.forkserver" in _cmdline(p)}
            return any(parent in servers for p, parent in _children().items() if p in tree)

        _wait_until(workers_running, 300, "the build's worker pool")
        first.send_signal(signal.SIGSTOP)  # holds still (and holds the lock) while we look
        tree = _descendants(first.pid)
        assert len([p for p in tree if "multiprocessing" in _cmdline(p)]) >= 3  # server, tracker, workers
        second = subprocess.run(build, cwd=REPO, capture_output=True, text=True, timeout=300)
        assert second.returncode == 2, second.stderr
        assert f"in use by pid {first.pid} on " in second.stderr
        first.kill()
        first.wait()
        _wait_until(lambda: not any(_running(p) for p in tree), 5, "the killed build's processes to end")
    finally:
        first.kill()
    assert _can_lock(root)


@pytest.mark.slow
def test_wait_for_the_lock_then_remove_stale_temporaries(tmp_path: Path) -> None:
    root = tmp_path / "data"
    stale = root / "releases" / ".tmp-release-x7"
    (stale / "data").mkdir(parents=True)
    (stale / "data" / "train-00000-of-00001.parquet").write_bytes(b"\0" * 4096)
    holder = _holder_process(root)
    try:
        build = subprocess.Popen(
            [*AKHBAR, "build", "--out", str(root), "--wait", "--log-level", "WARNING"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert build.stderr is not None
        lines = [build.stderr.readline() for _ in range(1)]
        while "waiting for" not in lines[-1] and lines[-1] and len(lines) < 100:
            lines.append(build.stderr.readline())
        assert f"waiting for data root {root.resolve()}: in use by pid {holder.pid}" in lines[-1], lines
        assert stale.is_dir()  # untouched while the holder may own it
    finally:
        holder.kill()
        holder.wait()
    out, err = build.communicate(timeout=300)
    assert build.returncode == 0, err
    assert "removed 1 temporary release folder (4,096 bytes) left by interrupted builds" in out
    assert not stale.exists() and list_releases(root) == ["1.0.0"]


@pytest.mark.slow
def test_later_runs_build_from_the_recorded_sources_and_shrink_is_blocked(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, root = tmp_path / "in", tmp_path / "data"
    folder.mkdir()
    kept = _snn(corpus, folder / "kept.jsonl", 40)
    gone = _snn(corpus, folder / "gone.jsonl", 80, skip=40)
    quiet = ["--log-level", "ERROR"]
    assert main(["build", "--input", str(kept), "--input", str(gone), "--out", str(root), *quiet]) == 0
    record = json.loads((root / SOURCES_FILE).read_text())
    assert [s["path"] for s in record["sources"]] == [str(kept.resolve()), str(gone.resolve())]

    # A Dagster run on the root with no sources configured: the recorded ones, unchanged inputs.
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {k: v for k, v in os.environ.items() if k != "AKHBAR_SOURCES"}
    env |= {"DAGSTER_HOME": str(home), "AKHBAR_DATA_ROOT": str(root)}
    # cwd: no ./sources.yaml there
    dagster_job_execute("akhbar.pipelines.definitions", "build_release", env=env, cwd=tmp_path)
    assert list_releases(root) == ["1.0.0"]
    # Each step ran in its own process; a keeper held the lock for the run between them.
    holder = json.loads((root / ".lock").read_text())
    assert holder["run_id"] and holder["keeper_pid"] not in (None, holder["pid"])
    _wait_until(lambda: _can_lock(root), 5, "the run's lock to be released")

    # Input that drops a source with two thirds of the articles: blocked, naming it.
    released = json.loads((root / "releases" / "v1.0.0" / "manifest.json").read_text())["sources"]
    gone_count = next(s["articles"] for s in released if s["name"] == "gone")
    capsys.readouterr()
    assert main(["build", "--input", str(kept), "--out", str(root), *quiet]) == 1
    err = capsys.readouterr().err
    assert "check release_shrink failed; release blocked" in err
    assert f"sources gone: gone ({gone_count} articles)" in err
    assert list_releases(root) == ["1.0.0"]
    assert main(["build", "--input", str(kept), "--out", str(root), "--allow-shrink", *quiet]) == 0
    assert list_releases(root) == ["1.0.0", "1.1.0"]
    assert [s["name"] for s in json.loads((root / SOURCES_FILE).read_text())["sources"]] == ["kept"]
