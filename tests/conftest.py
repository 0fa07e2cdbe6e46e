"""Test-session setup: the GUI tests need a display (a real one, or the Xvfb that pytest-xvfb starts). Without
either, Qt aborts the whole run ("could not connect to display"); instead every GUI test is skipped with one
reason that names what to install, and the other tests run. Also a picture shared by the dequantization and
widget tests (``keyboard``, and ``keyboard_drawn`` to draw it in other greys)."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

#: fixtures that create a Qt application (pytest-qt, napari's viewer fixtures)
GUI_FIXTURES = {"qtbot", "qapp", "make_napari_viewer", "make_napari_viewer_proxy"}


def _no_display_reason() -> str | None:
    """Why GUI tests cannot run here (None when they can): Linux without a display and without Xvfb."""
    if not sys.platform.startswith("linux"):
        return None  # macOS and Windows always have a window server
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or shutil.which("Xvfb"):
        return None
    return ("no display and no Xvfb: GUI tests skipped. Install the system packages of .ci/apt-packages.txt "
            "(xvfb and the Qt/OpenGL libraries, e.g. sudo apt-get install $(cat .ci/apt-packages.txt)) to run them")


def pytest_configure(config):
    config.addinivalue_line("markers", "gui: needs a display (Xvfb); skipped with a reason where there is none")


def pytest_collection_modifyitems(config, items):
    reason = _no_display_reason()
    for item in items:
        if GUI_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.gui)
        if reason and item.get_closest_marker("gui"):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def make_napari_viewer(make_napari_viewer):
    """napari's ``make_napari_viewer``, whose viewers' canvases draw only when a test asks (a screenshot).

    The GUI suite died with signal 11 under CPU load: a NULL pointer read (address 0x130 + a field) inside Mesa's
    ``glDrawArrays`` (swrast_dri.so, Mesa 22.3 of Debian 12), called by vispy's ``paintGL`` from the event loop.
    How it was pinned down, with a stress test repeating tests/widgets/test_codec.py's first test 25 times per run
    at a load of 0-3:

    - 17 of 24 runs crashed, in a paint while the docked widget's job ran in its thread worker, or just after;
    - with the job run in the GUI thread (0 of 3 runs) or a worker that only sleeps (0 of 2) none crashed; with a
      worker doing nothing but numpy matrix products both runs crashed. Computation in another thread of the
      process while the canvas paints is what triggers it, not this package's code (the whole suite also passes
      with ``NUMBA_BOUNDSCHECK=1``); napari alone, updating the same layers without a worker, never crashed (0 of 2);
    - it stayed with Mesa's softpipe instead of llvmpipe, with llvmpipe rendering in one thread
      (``LP_NUM_THREADS=0``), with the cyclic garbage collector off, and with ``MALLOC_PERTURB_`` (freed memory
      filled: still a NULL, so not a use after free); every GL name a program bound was alive and drawn in its own
      context (checked before each draw).

    A test checks what the canvas shows through screenshots, which draw synchronously (``grabFramebuffer`` calls
    ``paintGL`` itself); the event loop's repaints while jobs run are not what it checks. So the canvases of the
    viewers this fixture makes never take paint events (``setUpdatesEnabled(False)``), and a screenshot still draws
    the current layers: 0 of 4 stress runs crashed. (Stopping the paints only at teardown, the earlier remedy, left
    the paints during the jobs.)
    """

    def make(*args, **kwargs):
        viewer = make_napari_viewer(*args, **kwargs)
        viewer.window._qt_viewer.canvas.native.setUpdatesEnabled(False)
        return viewer

    return make


def draw_keyboard(key=55, ground=10, field=236):
    """(300, 320, 3) uint8: a light panel with three text fields (grey ``field``) above a dark on-screen keyboard:
    grey keys (``key``) on a darker ground (``ground``), each with a white letter, drawn on the pixel grid."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    im = Image.new("RGB", (320, 300), (ground,) * 3)
    d = ImageDraw.Draw(im)
    font = ImageFont.load_default()
    d.rectangle([0, 0, 319, 179], fill=(250, 250, 250))
    for i, line in enumerate(("Tap fields to enter text", "Password field", "Upper case field")):
        d.rectangle([8, 8 + 40 * i, 311, 36 + 40 * i], fill=(field,) * 3, outline=(200, 200, 200))
        d.text((14, 16 + 40 * i), line, fill=(120, 120, 120), font=font)
    for row in range(3):
        for col in range(9):
            x, y = 10 + 34 * col, 190 + 35 * row
            d.rectangle([x, y, x + 28, y + 28], fill=(key,) * 3)
            d.text((x + 10, y + 8), "qwertyuio"[col], fill=(255, 255, 255), font=font)
    return np.asarray(im)


@pytest.fixture
def keyboard():
    """:func:`draw_keyboard`'s default: keys 55, one 3-bit box above the ground's 10."""
    return draw_keyboard()


@pytest.fixture
def keyboard_drawn():
    """:func:`draw_keyboard` itself, to draw the keyboard in other greys."""
    return draw_keyboard
