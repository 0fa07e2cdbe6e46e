"""Property tests: Otsu against brute force; importing the package stays cheap."""

import subprocess
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from napari_maliang.segment import otsu_table, otsu_threshold


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=2, max_size=12))
def test_otsu_table_matches_brute_force(hist):
    h = np.array(hist)
    if np.count_nonzero(h) < 2:
        return
    values = np.repeat(np.arange(len(h)), h)
    best_t, best_w = None, np.inf
    for t in range(1, len(h)):
        b, f = values[values < t], values[values >= t]
        if len(b) == 0 or len(f) == 0:
            continue
        w = (len(b) * b.var() + len(f) * f.var()) / len(values)
        assert abs(otsu_table(h).within[t] - w) < 1e-9
        if w < best_w - 1e-12:
            best_t, best_w = t, w
    # across empty levels the threshold moves to the middle of the gap: ceil((a + b) / 2)
    a = best_t - 1
    b = best_t + int(np.flatnonzero(h[best_t:] > 0)[0])
    best_t = (a + b + 1) // 2
    assert otsu_table(h).best == best_t
    assert otsu_threshold(values.reshape(1, -1).astype(np.uint8)) == best_t


def test_import_is_cheap():
    code = (
        "import sys, numpy as np; import napari_maliang.segment as s; "
        "s.otsu_threshold(np.arange(16).reshape(4, 4)); "
        "bad = [m for m in ('numba', 'napari', 'qtpy', 'magicgui', 'cupy', 'dask') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
