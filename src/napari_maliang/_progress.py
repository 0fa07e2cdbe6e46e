"""Progress reporting shared by algorithms, widgets and the CLI (no napari or Qt here).

Long computations are written as generators that ``yield Progress(done, total, message)``
and ``return`` their result (docs/architecture.md, "One long-work protocol"). Widgets run them in a thread
worker and stop them at a ``yield`` on Cancel; scripts call :func:`run_to_end`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Progress:
    """``done`` of ``total`` units of work, with a short message for a status line."""

    done: float
    total: float = 1.0
    message: str = ""

    @property
    def fraction(self) -> float:
        return min(max(self.done / self.total, 0.0), 1.0) if self.total else 0.0


def run_to_end(generator: Generator[Progress, None, T], callback: Callable[[Progress], None] | None = None) -> T:
    """Drive a progress generator to completion and return its result.

    Parameters
    ----------
    generator : generator
        Yields :class:`Progress` (or ``None``) and returns the result.
    callback : callable, optional
        Called with every yielded :class:`Progress` (for example a CLI progress bar).
    """
    while True:
        try:
            item = next(generator)
        except StopIteration as stop:
            return stop.value
        if callback is not None and item is not None:
            callback(item)


def nested(generator: Generator[Progress, None, T], done: float, total: float) -> Generator[Progress, None, T]:
    """Run a progress generator as the part ``done .. done + 1`` of ``total`` units of a larger job: its
    progress is rescaled (messages kept, ``None`` passed on), and its result returned (``yield from``)."""
    while True:
        try:
            item = next(generator)
        except StopIteration as stop:
            return stop.value
        yield Progress(done + item.fraction, total, item.message) if isinstance(item, Progress) else item
