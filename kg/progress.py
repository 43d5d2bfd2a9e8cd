"""Progress of long work: a bar on a terminal, silence otherwise.

Library functions take an optional `progress(stage, done, total)` callback and
call it as work advances; they never print. The command line passes a
`Bar` when standard error is a terminal and nothing when it is not, so logs,
pipes and CI output stay clean.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

Progress = Callable[[str, int, int], None]


def report(progress: Progress | None, stage: str, done: int, total: int) -> None:
    """Call a progress callback if there is one."""
    if progress is not None:
        progress(stage, done, total)


class Bar:
    """A one-line bar with a count, a rate and a time left, redrawn at most 10 times a second."""

    WIDTH = 28

    def __init__(self, stream: TextIO | None = None, unit: str = "",
                 translate: Callable[[str], str] = str) -> None:
        self.stream = stream or sys.stderr
        self._ = translate  # stages are marked messages (N_), said in the command's language
        self.unit = unit
        self.stage = ""
        self.started = time.monotonic()
        self.drawn = 0.0
        self.shown = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage != self.stage:
            if self.shown:
                self.stream.write("\n")
            self.stage, self.started, self.drawn = stage, now, 0.0
        if now - self.drawn < 0.1 and done < total:
            return
        self.drawn = now
        self.stream.write("\r" + self.line(stage, done, total, now - self.started))
        self.stream.flush()
        self.shown = True

    def line(self, stage: str, done: int, total: int, elapsed: float) -> str:
        stage = self._(stage)
        if total > 0:
            frac = min(1.0, done / total)
            filled = int(frac * self.WIDTH)
            left = elapsed / frac - elapsed if frac > 0 else 0.0
            eta = " " + self._("{seconds} s left").format(seconds=f"{left:4.0f}") if 0 < frac < 1 and elapsed > 1 else ""
            return (f"  {stage:<10} [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                    f"{done}/{total} {elapsed:5.1f} s{eta}  ")
        return f"  {stage:<10} {done} {elapsed:5.1f} s  "

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
            self.shown = False


def terminal_bar(stream: TextIO | None = None, translate: Callable[[str], str] = str) -> Bar | None:
    """A Bar if the stream (standard error by default) is a terminal, else None."""
    stream = stream or sys.stderr
    try:
        return Bar(stream, translate=translate) if stream.isatty() else None
    except (AttributeError, ValueError):
        return None
