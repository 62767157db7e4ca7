"""Progress lines inside a part: Progress.working's rate limit, and PartQueue reporting the rows
finished while a part is still in flight (on the calling process and on a real pool)."""

from __future__ import annotations

import time

import pyarrow as pa
import pytest

from akhbar.progress import Progress
from akhbar.runner.pool import PartQueue, worker_pool


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def doubled(table: pa.Table) -> pa.Table:
    return pa.table({"n": pa.compute.multiply(table["n"], 2)})


def slow_doubled(table: pa.Table) -> pa.Table:
    """`doubled`, taking 0.3 s a chunk (a pool worker imports it from this module)."""
    time.sleep(0.3)
    return doubled(table)


@pytest.mark.parametrize(
    ("every", "waits", "lines"), [(2.0, [1.0, 1.5, 0.5, 1.9, 0.2], 2), (0.5, [0.5] * 4, 4)]
)
def test_working_logs_once_every_interval(every: float, waits: list[float], lines: int) -> None:
    clock, logged = Clock(), []
    progress = Progress("extract", logged.append, total=100, clock=clock, every=every)
    for step, wait in enumerate(waits, start=1):
        clock.now += wait
        progress.working(step * 10)
    assert len(logged) == lines
    assert all(line.startswith("extract: in part 1, ") for line in logged)


def test_working_counts_in_flight_rows_until_the_part_is_done() -> None:
    clock, logged = Clock(), []
    progress = Progress("extract", logged.append, total=100, clock=clock, every=1.0)
    clock.now = 1.0
    progress.working(30)
    assert "30 of 100 articles (30.0%)" in logged[-1]
    progress.advance(50)  # the part of 50 rows, 30 of which working had counted
    assert logged[-1].startswith("extract: part 1, 50 of 100 articles (50.0%)")
    clock.now = 2.0
    progress.working(20)
    assert logged[-1].startswith("extract: in part 2, 70 of 100 articles (70.0%)")


def test_part_queue_on_the_calling_process_reports_each_chunk() -> None:
    heard: list[int] = []
    table = pa.table({"n": list(range(10))})
    queue = PartQueue(doubled, None, chunk_rows=3, working=heard.append)
    queue.submit(table)
    assert queue.take().equals(doubled(table))  # the same result as in one piece
    assert heard == [2, 5, 7, 10]  # rows done after each of the 4 chunks
    queue.poll()  # between the caller's gate and write: the part taken counts as done
    assert heard[-1] == 10


@pytest.mark.slow  # starts a worker pool
def test_part_queue_reports_rows_while_the_workers_are_inside_a_part() -> None:
    heard: list[int] = []
    table = pa.table({"n": list(range(16))})
    with worker_pool(2) as pool:
        queue = PartQueue(slow_doubled, pool, chunk_rows=2, working=heard.append)
        queue.submit(table)  # 8 chunks of 2 rows, 0.3 s each on 2 workers: about 1.2 s
        result = queue.take()
    assert result.equals(doubled(table))
    assert heard, "no report while the part was in flight"
    assert heard == sorted(heard) and all(0 <= n < 16 for n in heard)
    assert any(0 < n < 16 for n in heard), f"no rows reported inside the part: {heard}"
