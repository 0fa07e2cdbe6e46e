"""`maliang demo` and the Plugins menu: every widget docks from the manifest, every sample loads."""

import numpy as np
import pytest
from npe2 import PluginManifest

from napari_maliang.cli import PLUGIN, demo_viewer, main

MANIFEST = PluginManifest.from_distribution(PLUGIN)
WIDGETS = [w.display_name for w in MANIFEST.contributions.widgets]
SAMPLES = [s.key for s in MANIFEST.contributions.sample_data]


@pytest.mark.parametrize("display_name", WIDGETS)
def test_widget_docks_from_plugins_menu(make_napari_viewer, display_name):
    viewer = make_napari_viewer()
    dock, widget = viewer.window.add_plugin_dock_widget(PLUGIN, display_name)
    from qtpy.QtWidgets import QWidget

    assert dock.name == f"{display_name} ({PLUGIN})"
    assert isinstance(widget, QWidget) and dock.widget() is not None


@pytest.mark.parametrize("key", SAMPLES)
def test_sample_opens_as_layers(make_napari_viewer, key):
    viewer = make_napari_viewer()
    layers = viewer.open_sample(PLUGIN, key)
    assert layers and all(np.asarray(layer.data).size > 0 for layer in layers)


def test_demo_docks_everything_and_draws(qtbot):
    viewer = demo_viewer(show=True)
    try:
        docked = set(viewer.window.dock_widgets)
        assert all(any(name in title for title in docked) for name in WIDGETS)
        assert len(viewer.layers) >= len(SAMPLES)
        shot = viewer.screenshot(canvas_only=True)
        assert shot.ndim == 3 and shot[..., :3].std() > 1.0  # something is drawn
    finally:
        viewer.close()


@pytest.mark.gui  # a viewer without pytest-qt's fixtures
def test_demo_command_builds_and_exits(tmp_path):
    png = tmp_path / "demo.png"
    assert main(["demo", "--screenshot", str(png)]) == 0
    assert png.stat().st_size > 10_000


MENUS = {  # napari's Layers menu -> our submenu -> the widgets in it
    "napari/layers/measure": ("Single molecules (Ma Liang)",
                              ["PALM localization", "PALM analysis", "PALM post-processing"]),
    "napari/layers/filter": ("Restoration (Ma Liang)",
                             ["Dequantization", "Inpainting codec", "Low-light enhancement"]),
    "napari/layers/segment": ("Segmentation (Ma Liang)",
                              ["Threshold", "Pixel clustering (k-means)", "Region grow", "Morphology"]),
}


def test_every_widget_is_in_its_layers_submenu(make_napari_viewer):
    """Each tool sits in one submenu of the Layers menu that says what it does (and every widget in one)."""
    from app_model.types import SubmenuItem
    from napari._app_model import get_app_model

    make_napari_viewer()
    app = get_app_model()
    placed = []
    for menu_id, (label, widgets) in MENUS.items():
        (submenu,) = [item for item in app.menus.get_menu(menu_id)
                      if isinstance(item, SubmenuItem) and item.title == label]
        titles = [item.command.title for item in app.menus.get_menu(submenu.submenu)]
        assert [t.removesuffix(" (Ma Liang)") for t in titles] == widgets, titles  # napari adds the plugin name
        placed += widgets
    assert sorted(placed) == sorted(WIDGETS)
