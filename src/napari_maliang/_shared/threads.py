"""How many threads the CPU kernels may use, and running them: the kernels release the GIL and run on plain
Python threads (no dependence on numba's process-wide threading layer, which may not be entered from two
threads at once)."""

from __future__ import annotations

import itertools
import os


def default_threads() -> int:
    """Cores this process may use (``os.sched_getaffinity`` where available)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def run_blocks(n: int, block: int, threads: int, run) -> None:
    """Call ``run(start, stop)`` for every block of ``block`` items out of ``n``.

    Runs on up to ``threads`` Python threads, each claiming the next block from a shared counter (the
    kernels release the GIL and write disjoint rows of their outputs).
    """
    from concurrent.futures import ThreadPoolExecutor

    nblocks = (n + block - 1) // block
    counter = itertools.count()  # next() is atomic under the GIL

    def worker():
        while (b := next(counter)) < nblocks:
            start = b * block
            run(start, min(start + block, n))

    workers = min(threads, nblocks)
    if workers <= 1:
        worker()
    else:
        with ThreadPoolExecutor(workers) as pool:
            for f in [pool.submit(worker) for _ in range(workers)]:
                f.result()


def run_parts(n: int, parts: int, run) -> None:
    """``run(start, stop)`` over ``[0, n)`` in ``parts`` contiguous ranges of (nearly) equal length, each on a
    thread of its own (on this thread when ``parts <= 1``)."""
    parts = max(1, parts)
    run_blocks(n, max(1, -(-n // parts)), parts, run)


def run_split(n: int, run, min_block: int = 1 << 16) -> None:
    """``run(start, stop)`` over ``[0, n)`` in one range per core, none shorter than ``min_block`` items (one
    range, on this thread, when ``n`` is small)."""
    run_parts(n, min(default_threads(), n // min_block), run)
