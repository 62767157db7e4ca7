"""What a data root keeps about itself besides its releases: the lock that lets one build at a
time write to it, the record of the sources it is built from, and the guard against a release
that would lose a large share of the previous release's articles.

- `<root>/.lock`: `fcntl.flock`ed by the build that writes the root, holding that build's pid,
  host, command and Dagster run id (JSON) for the message another build gives. The kernel
  releases a flock when its holder ends, however it ends, so a lock is never stale.
  A data root on an object store (`s3://...`, akhbar.storage) cannot be flocked: its lock is
  a local file named after the root's URL (`$XDG_RUNTIME_DIR/akhbar-locks/`, else the temporary
  folder's), so one build per root on this machine. Across machines, runs launched through one
  Dagster instance are serialized by its pool `akhbar_data_root` (assets/metadata.py); nothing
  stops two instances, or two machines' `akhbar build`, from writing the same bucket at once.
- `<root>/sources.json`: the sources (absolute paths) of the latest release, written by every
  build that made or kept a release from sources other than the embedded sample; read by any
  later run on the root that is not given sources explicitly.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from akhbar import storage
from akhbar.ingest.sources import SourceConfig, SourceConfigError

LOCK_FILE = ".lock"
SOURCES_FILE = "sources.json"
# A release may lose at most this share of the previous release's articles (counted per
# source: a source that drops from 500 articles to 100 loses 400, whatever the others gain)
# unless the build is told it may (--allow-shrink, AKHBAR_ALLOW_SHRINK=1).
MAX_SHRINK = 0.2
# How long a build waits for a lock whose holder has just ended (a keeper notices within 0.5 s).
_DEAD_HOLDER_GRACE_S = 5.0


class DataRootBusy(RuntimeError):
    """Another live process holds the data root's lock; the message names it."""

    def __init__(self, root: Path | str, holder: Mapping[str, Any] | None) -> None:
        self.root = root
        self.holder = dict(holder or {})
        super().__init__(f"data root {root} is in use by {describe_holder(self.holder)}")


def describe_holder(holder: Mapping[str, Any]) -> str:
    if not holder.get("pid"):
        return "another build (it has not yet written who it is)"
    text = f"pid {holder['pid']} on {holder.get('host', '?')}"
    if holder.get("run_id"):
        text += f" (Dagster run {holder['run_id']})"
    if holder.get("command"):
        text += f": {holder['command']}"
    if holder.get("started"):
        text += f", since {holder['started']}"
    return text


def _owner(extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv and sys.argv[0] else ""
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": command[:300],
        "started": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **(extra or {}),
    }


def _read_holder(path: Path) -> dict[str, Any]:
    try:
        holder = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return stat.rsplit(")", 1)[1].split()[0] not in {"Z", "X"}


# Locks this process holds, by resolved root (or URL): a run executed in-process (`akhbar
# build`) finds the CLI's lock here instead of waiting for itself.
_HELD: dict[Path | str, DataRootLock] = {}


def _root_id(root: str | Path) -> Path | str:
    """A local root resolved, or an object-store root's URL without a trailing slash."""
    return str(root).rstrip("/") if storage.is_url(root) else Path(root).resolve()


def lock_path(root: str | Path) -> Path:
    """The file flocked for `root`: `<root>/.lock`, or for a URL root a local file named after
    it (see the module's doc)."""
    key = _root_id(root)
    if isinstance(key, Path):
        return key / LOCK_FILE
    base = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()) / "akhbar-locks"
    return base / f"{storage.url_key(key)}.lock"


class DataRootLock:
    """An exclusive flock on `<root>/.lock`, released by `release()` or by the process's end."""

    def __init__(self, root: Path | str, fd: int, owner: dict[str, Any]) -> None:
        self.root = root
        self.fd: int | None = fd
        self.owner = owner
        _HELD[root] = self

    def release(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self.fd, 0)
        os.close(self.fd)  # closing the last descriptor of the open file releases the flock
        self.fd = None
        _HELD.pop(self.root, None)

    def __enter__(self) -> DataRootLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def hand_to_keeper(self, watch_pid: int) -> int:
        """Keep the lock held after this process ends, until `watch_pid` ends: a small process
        inherits the locked descriptor and waits for `watch_pid` (a Dagster run's process, whose
        steps each run in a process of their own). Returns the keeper's pid."""
        assert self.fd is not None
        keeper = subprocess.Popen(
            [sys.executable, "-S", "-c", _KEEPER, str(self.fd), str(watch_pid)],
            pass_fds=(self.fd,),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # not ended by a signal to the step's process group
        )
        self.owner = {**self.owner, "pid": watch_pid, "keeper_pid": keeper.pid}
        _write_owner(self.fd, self.owner)
        os.close(self.fd)  # the keeper's copy holds the lock now
        self.fd = None
        _HELD.pop(self.root, None)
        return keeper.pid


# The keeper: holds the inherited descriptor (and so the flock) while the watched pid lives.
_KEEPER = """
import os, sys, time
fd, pid = int(sys.argv[1]), int(sys.argv[2])
def alive():
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            return False
while alive():
    time.sleep(0.5)
"""


def _write_owner(fd: int, owner: Mapping[str, Any]) -> None:
    data = (json.dumps(owner, sort_keys=True) + "\n").encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


def lock_data_root(
    root: str | Path,
    *,
    wait: bool = False,
    owner: Mapping[str, Any] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> DataRootLock:
    """Take `<root>/.lock` (creating the root; for a URL root, its local lock file: lock_path),
    or raise DataRootBusy naming the holder; with `wait`, block until the holder ends (`on_wait`
    gets a line saying whom it waits for)."""
    path = lock_path(root)
    root = _root_id(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(path)
            if not wait and not _holder_ending(fd, holder):
                raise DataRootBusy(root, holder) from None
            if wait:
                if on_wait is not None:
                    on_wait(f"waiting for data root {root}: in use by {describe_holder(holder)}")
                fcntl.flock(fd, fcntl.LOCK_EX)
        full = _owner(owner)
        _write_owner(fd, full)
    except BaseException:
        os.close(fd)
        raise
    return DataRootLock(root, fd, full)


def _holder_ending(fd: int, holder: Mapping[str, Any]) -> bool:
    """Whether the lock could be taken within a few seconds because its recorded holder on
    this host has ended (a keeper notices its run's end within half a second)."""
    pid = holder.get("pid")
    if not isinstance(pid, int) or holder.get("host") != socket.gethostname() or _alive(pid):
        return False
    deadline = time.monotonic() + _DEAD_HOLDER_GRACE_S
    while time.monotonic() < deadline:
        time.sleep(0.1)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            continue
    return False


def held_here(root: str | Path) -> DataRootLock | None:
    """The lock on `root` this process holds, if any."""
    return _HELD.get(_root_id(root))


def lock_for_run(
    root: str | Path, run_id: str, *, wait: bool = False, on_wait: Callable[[str], None] | None = None
) -> DataRootLock | None:
    """The data root's lock for a Dagster run, taken from inside the run.

    None when the run held it already: this process holds it (the CLI took it before running
    the job in-process) or another step of the same run does. Otherwise the lock just taken:
    held by this process until released (in-process executor), or, in a step that runs in a
    child process of the run (multiprocess executor), handed to a keeper that holds it until
    the run's process ends (releasing the returned lock is then a no-op). Raises DataRootBusy
    when another build holds it.
    """
    if held_here(root) is not None:
        return None
    import multiprocessing

    try:
        lock = lock_data_root(root, wait=wait, owner={"run_id": run_id}, on_wait=on_wait)
    except DataRootBusy as busy:
        if busy.holder.get("run_id") == run_id:
            return None
        raise
    parent = multiprocessing.parent_process()
    if parent is not None and parent.pid is not None:
        lock.hand_to_keeper(parent.pid)
    return lock


def removed_message(folders: int, size: int) -> str:
    """The line a build gives after akhbar.release.remove_stale_temporaries removed something."""
    return (
        f"removed {folders} temporary release folder{'' if folders == 1 else 's'} "
        f"({size:,} bytes) left by interrupted builds"
    )


# --- the source record ---


def absolute_sources(sources: list[SourceConfig]) -> list[SourceConfig]:
    return [replace(s, path=os.path.abspath(s.path)) for s in sources]


def record_sources(root: str | Path, sources: list[SourceConfig], *, given_as: str) -> storage.StoragePath:
    """Write `<root>/sources.json`: the sources (absolute paths) and how they were given."""
    from akhbar.parts import write_text_atomic

    path = storage.location(root) / SOURCES_FILE
    doc = {
        "about": "the sources this data root's latest release was built from; a build that is "
        "given no sources (--input, --sources, AKHBAR_SOURCES, run config) reads these",
        "given_as": given_as,
        "sources": [asdict(s) for s in absolute_sources(sources)],
    }
    text = json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if not storage.exists(path) or storage.read_text(path) != text:
        write_text_atomic(path, text)
    return path


def recorded_sources(root: str | Path) -> list[SourceConfig] | None:
    """The sources recorded in `<root>/sources.json`, or None when there is no record."""
    path = storage.location(root) / SOURCES_FILE
    if not storage.exists(path):
        return None
    try:
        doc = json.loads(storage.read_text(path))
        return [
            SourceConfig(**{**entry, "fields": {k: tuple(v) for k, v in (entry.get("fields") or {}).items()}})
            for entry in doc["sources"]
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise SourceConfigError(
            f"{path}: unreadable source record ({exc}); give the sources explicitly "
            "(--input or --sources) and the next release rewrites it"
        ) from None


# --- the shrink guard ---


@dataclass(frozen=True)
class Shrink:
    """How the articles of a build compare with the previous release's, source by source."""

    previous_version: str
    previous: int  # articles in the previous release
    now: int
    lost: int  # sum over sources of what each has fewer than before
    vanished: dict[str, int]  # sources with articles in the previous release and none now
    shrunk: dict[str, tuple[int, int]]  # other sources with fewer articles: (before, now)

    @property
    def share(self) -> float:
        return self.lost / self.previous if self.previous else 0.0

    def exceeds(self, max_share: float = MAX_SHRINK) -> bool:
        return self.lost > 0 and self.share > max_share

    def describe(self) -> str:
        text = (
            f"this build has {self.now} articles against {self.previous} in v{self.previous_version}: "
            f"{self.lost} lost ({self.share:.0%})"
        )
        if self.vanished:
            text += "; sources gone: " + ", ".join(f"{n} ({c} articles)" for n, c in self.vanished.items())
        if self.shrunk:
            text += "; sources shrunk: " + ", ".join(f"{n} ({b} -> {a})" for n, (b, a) in self.shrunk.items())
        return text


def built_from_sample_only(root: Path, manifest: Mapping[str, Any]) -> bool:
    """Whether a release came from the embedded sample alone: its one source is `samples` and
    the root has no record of sources (a build given sources writes one)."""
    names = [s.get("name") for s in manifest.get("sources", [])]
    return names == ["samples"] and not storage.exists(storage.location(root) / SOURCES_FILE)


def compare_with_previous(previous_manifest: Mapping[str, Any], counts: Mapping[str, int]) -> Shrink:
    """`counts` (articles per source in this build, duplicates included, as released) against
    the `sources` of the previous release's manifest."""
    before = {s["name"]: int(s.get("articles", 0)) for s in previous_manifest.get("sources", [])}
    vanished = {n: c for n, c in sorted(before.items()) if c > 0 and counts.get(n, 0) == 0}
    shrunk = {
        n: (c, counts[n]) for n, c in sorted(before.items()) if 0 < counts.get(n, 0) < c and n not in vanished
    }
    return Shrink(
        previous_version=str(previous_manifest.get("version", "?")),
        previous=sum(before.values()),
        now=sum(counts.values()),
        lost=sum(max(0, c - counts.get(n, 0)) for n, c in before.items()),
        vanished=vanished,
        shrunk=shrunk,
    )
