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
