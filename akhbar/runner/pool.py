"""Per-article stages spread over every core: one process pool for a whole stage, fed part by
part in chunks, results back in input order.

Workers fork from multiprocessing's fork server, a process started from scratch that has
imported the stages and loaded the entity models (WORKER_PRELOAD): a pool is up at once, the
models' arrays are shared until written, and `start_worker_server` can start it early, while
a run's single-threaded reading leaves a core idle. Not forked from the caller: a Dagster run
may hold threads that fork would copy mid-state. The pool lives as long as the stage, so its
workers keep what they learn (the tagger's table of words) from part to part.

The fork server and the workers end with the process that started them, even when it is
killed (`kill -9`, out of memory): see `end_with_parent`. Otherwise the workers block forever
on their task queue, the server on the workers (they hold its liveness pipe) and
multiprocessing's resource tracker on both, about 1 GB left running under PID 1.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from multiprocessing import forkserver, get_context
from multiprocessing.context import BaseContext

import pyarrow as pa

# Below this many rows a part is done on the calling process: shipping it costs more.
PARALLEL_MIN_ROWS = 2_000
CHUNK_ROWS = 1_000
# How often a PartQueue waiting on a part's chunks reports the rows finished (see `working`).
POLL_SECONDS = 0.5


# Imported by the fork server before it forks any worker.
WORKER_PRELOAD = "akhbar.runner.worker_preload"
# The workers' garbage-collector thresholds (see WORKER_PRELOAD's module for why).
WORKER_GC_THRESHOLDS = (50_000, 20, 100)


# Set for the fork server: "<pid>:main" or "<pid>:thread", the process that starts it and
# whether from its main thread (PR_SET_PDEATHSIG fires when the starting *thread* ends).
PARENT_ENV = "AKHBAR_POOL_PARENT"
_PR_SET_PDEATHSIG = 1


def _fork_server() -> BaseContext:
    context = get_context("forkserver")
    context.set_forkserver_preload([WORKER_PRELOAD])
    main = threading.current_thread() is threading.main_thread()
    os.environ[PARENT_ENV] = f"{os.getpid()}:{'main' if main else 'thread'}"
    return context


def _kill_with_parent() -> bool:
    """Linux: have the kernel SIGKILL this process when its parent thread ends."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _in_fork_server() -> bool:
    """Whether this process is multiprocessing's fork server, importing its preload."""
    frame = sys._getframe()
    while frame is not None:
        if frame.f_code.co_name == "main" and frame.f_globals.get("__name__") == "multiprocessing.forkserver":
            return True
        frame = frame.f_back
    return False


def end_with_parent() -> None:
    """Called in the fork server while it imports WORKER_PRELOAD: the server ends when the
    process that started it does (PR_SET_PDEATHSIG when it was started from a main thread, and
    a thread that checks the parent pid every half second, for other systems and other
    threads), and every worker it forks is killed when the server ends (PR_SET_PDEATHSIG in
    the child). A no-op in any other process."""
    spec = os.environ.get(PARENT_ENV, "")
    pid_text, _, how = spec.partition(":")
    if not pid_text.isdigit() or not _in_fork_server():
        return  # not a fork server of akhbar.runner.pool
    parent = int(pid_text)
    if how == "main":
        _kill_with_parent()
    if os.getppid() != parent:  # ended before this process could ask to end with it
        os._exit(1)
    server = os.getpid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="akhbar-parent-watch", daemon=True).start()

    def in_worker() -> None:
        _kill_with_parent()
        if os.getppid() != server:
            os._exit(1)

    os.register_at_fork(after_in_child=in_worker)


def start_worker_server(workers: int | None = None) -> None:
    """Start the process workers fork from, unless `workers` (default: every core) is one or it
    is running; returns at once (the server imports WORKER_PRELOAD on its own core, and the
    first pool waits for it if need be)."""
    if (workers or os.cpu_count() or 1) > 1:
        _fork_server()
        forkserver.ensure_running()


@contextmanager
def worker_pool(workers: int | None = None) -> Iterator[Executor | None]:
    """A process pool of `workers` (default: every core), or None for one worker."""
    workers = workers or os.cpu_count() or 1
    if workers <= 1:
        yield None
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=_fork_server()) as pool:
        yield pool


def map_chunks(
    fn: Callable[[pa.Table], pa.Table],
    table: pa.Table,
    pool: Executor | None,
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> pa.Table:
    """`fn` over `table` cut into chunks, on the pool when there is one and the table is large
    enough; the chunks' results concatenated in order (same output whatever the pool)."""
    queue = PartQueue(fn, pool if table.num_rows >= PARALLEL_MIN_ROWS else None, chunk_rows=chunk_rows)
    queue.submit(table)
    return queue.take()


def map_ahead(
    fn: Callable,
    items: Iterable,
    pool: Executor | None,
    *,
    ahead: int = 2,
    waiting: Callable[[], None] | None = None,
) -> Iterator:
    """fn(item) of each item, in order: on the pool, at most `ahead` items in flight beyond the
    one being taken (so results never pile up in memory while the caller writes); without a
    pool, each when it is taken. `waiting()`, when given, is called every POLL_SECONDS while
    an item's result is awaited (a progress line on a long item)."""
    items = iter(items)
    if pool is None:
        yield from map(fn, items)
        return
    pending = deque(pool.submit(fn, item) for item in itertools.islice(items, ahead))
    while pending:
        if waiting is not None:
            while wait([pending[0]], timeout=POLL_SECONDS).not_done:
                waiting()
        result = pending.popleft().result()
        for item in itertools.islice(items, 1):
            pending.append(pool.submit(fn, item))
        yield result


def chunk_bounds(rows: int, chunk_rows: int, workers: int) -> list[tuple[int, int]]:
    """[start, stop) of near-equal chunks of at most `chunk_rows` rows, their number a multiple
    of `workers`: the last part of a stage keeps every worker busy to the end."""
    if rows <= 0:
        return []
    count = -(-rows // chunk_rows)
    count = -(-count // workers) * workers
    count = min(count, rows)
    return [(rows * i // count, rows * (i + 1) // count) for i in range(count)]


class PartQueue:
    """Parts submitted ahead to the pool, results taken in order: while the calling process
    gates and writes one part, the workers already run the next one. Without a pool each part
    is done on the calling process when taken (the caller leaves the pool out when a whole
    stage is too small to be worth shipping: see PARALLEL_MIN_ROWS), chunk by chunk too.

    `working(rows)`, when given, hears how the parts in flight advance while `take` waits:
    the rows of their chunks finished so far, at least every POLL_SECONDS and after each chunk
    done on the calling process (akhbar.progress.Progress.working turns that into a line every
    few seconds inside a long part)."""

    def __init__(
        self,
        fn: Callable[[pa.Table], pa.Table],
        pool: Executor | None,
        *,
        chunk_rows: int = CHUNK_ROWS,
        working: Callable[[int], None] | None = None,
    ):
        self.fn = fn
        self.pool = pool
        self.chunk_rows = chunk_rows
        self.working = working
        self._pending: list[list[tuple[Future, int]] | pa.Table] = []
        self._taken = 0  # rows of the part last taken: done, but the caller has not moved on

    def submit(self, table: pa.Table) -> None:
        if self.pool is None or table.num_rows == 0:
            self._pending.append(table)  # done on the calling process when taken
            return
        bounds = chunk_bounds(table.num_rows, self.chunk_rows, getattr(self.pool, "_max_workers", 1))
        # take() copies each chunk into its own buffers; a slice would pickle the whole table
        self._pending.append(
            [
                (self.pool.submit(self.fn, table.take(pa.array(range(start, stop)))), stop - start)
                for start, stop in bounds
            ]
        )

    def __len__(self) -> int:
        return len(self._pending)

    def _finished_rows(self) -> int:
        """Rows finished of the parts in flight: the part last taken (the caller gates and
        writes it) and the chunks finished on the pool of those not taken yet."""
        pending = (rows for part in self._pending if isinstance(part, list) for f, rows in part if f.done())
        return self._taken + sum(pending)

    def poll(self) -> None:
        """Tell `working` how the parts in flight advance (the caller does so between its own
        long steps, such as gating and writing a part, while the workers go on)."""
        if self.working is not None:
            self.working(self._finished_rows())

    def take(self) -> pa.Table:
        """The result of the oldest part submitted."""
        self._taken = 0  # the caller is done with the part it took before
        head = self._pending[0]
        if isinstance(head, pa.Table):
            self._pending.pop(0)
            self._taken = head.num_rows
            if self.working is None or head.num_rows <= self.chunk_rows:
                return self.fn(head)
            results = []
            for start, stop in chunk_bounds(head.num_rows, self.chunk_rows, 1):
                results.append(self.fn(head.slice(start, stop - start)))
                self.working(stop)
            return pa.concat_tables(results)
        futures = [future for future, _rows in head]
        if self.working is not None:
            while wait(futures, timeout=POLL_SECONDS).not_done:
                self.poll()
        self._pending.pop(0)
        self._taken = sum(rows for _future, rows in head)
        return pa.concat_tables([future.result() for future in futures])
