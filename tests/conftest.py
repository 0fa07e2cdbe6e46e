"""Test-session setup: the GUI tests need a display (a real one, or the Xvfb that pytest-xvfb starts). Without
either, Qt aborts the whole run ("could not connect to display"); instead every GUI test is skipped with one
reason that names what to install, and the other tests run."""

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


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item):
    """Stop the napari canvases' painting before pytest-qt's teardown processes the pending Qt events.

    The GUI suite died with signal 11 under CPU load: Mesa's ``glDrawArrays`` inside vispy's ``paintGL``, called
    by the ``processEvents`` that pytest-qt runs at the start of each teardown (found with ``-X faulthandler``
    and a paint/draw log: the paint is the *finished* test's own shown viewer drawing its Image layer; in
    tests/widgets/test_codec.py 1-4 runs in 6 crashed at load 3-4, none in 4-5 runs of the code before it at a
    lower load; not the garbage collector: with it disabled the crash stayed). A test draws what it checks in
    its body (screenshots); after it, nothing needs drawing, so the canvases stop taking paint events first
    (``setUpdatesEnabled(False)``; hiding the windows instead made napari's fixture see leaked viewers) and
    napari's fixture closes them as before.
    """
    if "make_napari_viewer" in getattr(item, "fixturenames", ()):
        _stop_painting()  # in a function of its own: no window stays referenced by this suspended wrapper
    return (yield)


def _stop_painting():
    from napari._qt.qt_main_window import _QtMainWindow

    for window in list(_QtMainWindow._instances):
        try:
            window._qt_viewer.canvas.native.setUpdatesEnabled(False)
        except (AttributeError, RuntimeError):  # no canvas, or its C++ object is already gone
            pass
