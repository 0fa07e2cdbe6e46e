"""How many threads the CPU kernels may use (the kernels release the GIL and run on plain Python threads)."""

from __future__ import annotations

import os


def default_threads() -> int:
    """Cores this process may use (``os.sched_getaffinity`` where available)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)
