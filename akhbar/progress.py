"""Progress of a long stage: articles done, rate and time left, as one line per step.

The lines go to a callback (Dagster's run log in the assets; the CLI shows that log), so a
run of a million articles says where it is without a terminal-only progress bar. A line when
each part is done, and between parts, while the workers are on one, a line at most every
`every` seconds from `working` (the runner calls it with the articles its workers have
finished of the parts still in flight): a 5,000-article part that takes 15 s says so as it goes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


Log = Callable[[str], None]  # where progress lines go: Dagster's run log, a list in tests


def quiet(_line: str) -> None:
    """A Log that keeps nothing: the default of steps run without a log."""


# Seconds between the lines `Progress.working` logs while the workers are inside a part
# (AKHBAR_PROGRESS_SECONDS overrides it: tests make a small build talk as a large one does).
EVERY_SECONDS = 2.0
EVERY_ENV = "AKHBAR_PROGRESS_SECONDS"


def _every() -> float:
    try:
        return float(os.environ.get(EVERY_ENV) or EVERY_SECONDS)
    except ValueError:
        return EVERY_SECONDS


class Progress:
    """Counts articles through a stage; `advance` logs "stage: 45,000 of 1,000,000 articles
    (4.5%), 1,230/s, about 13m left" (no total: no share and no time left); `working` logs the
    same line, counting the articles finished inside parts not yet done, when `every` seconds
    have passed since the last line."""

    def __init__(
        self,
        stage: str,
        log: Callable[[str], None],
        *,
        total: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        every: float | None = None,
        in_parts: bool = True,
    ) -> None:
        self.stage = stage
        self.in_parts = in_parts  # False: a stage that is one pass (the release), no part numbers
        self.log = log
        self.total = total
        self.done = 0
        self.parts = 0
        self.every = _every() if every is None else every
        self._in_flight = 0  # articles finished inside parts not yet advanced
        self._clock = clock
        self._start = clock()
        self._last = self._start

    @property
    def elapsed(self) -> float:
        return self._clock() - self._start

    def rate(self) -> float:
        return self.counted / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def counted(self) -> int:
        """Articles through the stage: the parts done and what is finished of those in flight."""
        return self.done + self._in_flight

    def advance(self, articles: int, note: str = "") -> None:
        self.done += articles
        self.parts += 1
        # what `working` counted beyond this part (finished chunks of the next) stays counted
        self._in_flight = max(0, self._in_flight - articles)
        self._emit(self.line() + (f"; {note}" if note else ""))

    def working(self, articles: int) -> None:
        """`articles` of the parts in flight are finished; a line if `every` seconds passed."""
        self._in_flight = articles
        if self._clock() - self._last >= self.every:
            self._emit(self.line(working=True))

    def _emit(self, line: str) -> None:
        self._last = self._clock()
        self.log(line)

    def line(self, *, working: bool = False) -> str:
        rate = self.rate()
        done = self.counted
        where = f"in part {self.parts + 1}, " if working else f"part {self.parts}, "
        text = f"{self.stage}: {where if self.in_parts else ''}{done:,}"
        if self.total:
            text += f" of {self.total:,} articles ({100 * done / self.total:.1f}%)"
        else:
            text += " articles"
        text += f", {rate:,.0f}/s"
        if self.total and rate > 0 and done < self.total:
            text += f", about {_duration((self.total - done) / rate)} left"
        return text + f", {_duration(self.elapsed)} elapsed"
