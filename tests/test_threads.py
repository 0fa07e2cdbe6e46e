"""The package's thread runners for nogil kernels (``_shared/threads``)."""

import threading

import numpy as np
import pytest

from napari_maliang._shared.threads import run_blocks, run_parts, run_split


@pytest.mark.parametrize(("n", "block", "threads"), [(0, 4, 2), (1, 4, 2), (10, 3, 2), (10, 3, 8), (1000, 7, 3)])
def test_run_blocks_covers_every_item_once(n, block, threads):
    seen = np.zeros(n, np.int64)
    names = set()

    def run(start, stop):
        assert 0 <= start < stop <= n and stop - start <= block
        seen[start:stop] += 1
        names.add(threading.current_thread().name)

    run_blocks(n, block, threads, run)
    assert (seen == 1).all()
    assert len(names) <= threads


def test_run_split_one_range_per_core_none_short(monkeypatch):
    import napari_maliang._shared.threads as threads

    monkeypatch.setattr(threads, "default_threads", lambda: 4)
    ranges = []
    run_split(10, lambda a, b: ranges.append((a, b)), min_block=8)  # too small to split
    assert ranges == [(0, 10)]
    ranges.clear()
    run_split(100, lambda a, b: ranges.append((a, b)), min_block=8)  # four ranges of 25
    assert sorted(ranges) == [(0, 25), (25, 50), (50, 75), (75, 100)]
    ranges.clear()
    run_split(20, lambda a, b: ranges.append((a, b)), min_block=8)  # two ranges of at least 8
    assert sorted(ranges) == [(0, 10), (10, 20)]


def test_run_parts_equal_contiguous_ranges():
    ranges = []
    run_parts(10, 3, lambda a, b: ranges.append((a, b)))
    assert sorted(ranges) == [(0, 4), (4, 8), (8, 10)]
    ranges.clear()
    run_parts(5, 0, lambda a, b: ranges.append((a, b)))  # no parts asked: one range, here
    assert ranges == [(0, 5)]
