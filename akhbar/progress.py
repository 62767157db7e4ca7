"""Progress of a long stage: articles done, rate and time left, as one line per step.

The lines go to a callback (Dagster's run log in the assets; the CLI shows that log), so a
run of a million articles says where it is without a terminal-only progress bar.
"""

from __future__ import annotations

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


class Progress:
    """Counts articles through a stage; `advance` logs "stage: 45,000 of 1,000,000 articles
    (4.5%), 1,230/s, about 13m left" (no total: no share and no time left)."""

    def __init__(
        self,
        stage: str,
        log: Callable[[str], None],
        *,
        total: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stage = stage
        self.log = log
        self.total = total
        self.done = 0
        self.parts = 0
        self._clock = clock
        self._start = clock()

    @property
    def elapsed(self) -> float:
        return self._clock() - self._start

    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    def advance(self, articles: int, note: str = "") -> None:
        self.done += articles
        self.parts += 1
        self.log(self.line() + (f"; {note}" if note else ""))

    def line(self) -> str:
        rate = self.rate()
        text = f"{self.stage}: part {self.parts}, {self.done:,}"
        if self.total:
            text += f" of {self.total:,} articles ({100 * self.done / self.total:.1f}%)"
        else:
            text += " articles"
        text += f", {rate:,.0f}/s"
        if self.total and rate > 0 and self.done < self.total:
            text += f", about {_duration((self.total - self.done) / rate)} left"
        return text + f", {_duration(self.elapsed)} elapsed"
