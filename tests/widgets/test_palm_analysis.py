"""The "PALM analysis" widget in a real viewer: drift, render and motion tabs, errors, screenshot."""

import numpy as np

from napari_maliang.smlm.scenes import filament_scene, motion_scene

PLUGIN = "napari-maliang"


def _points_layer(viewer, locs, name="locs", scale=(1.0, 1.0, 1.0)):
    data = locs[["frame", "y", "x"]].to_numpy(float)
    return viewer.add_points(
        data, features=locs.reset_index(drop=True), name=name, size=0.3, scale=scale,
        metadata={"pixel_size_nm": 100.0},
    )


def _widget(viewer):
    _, widget = viewer.window.add_plugin_dock_widget(PLUGIN, "PALM analysis")
    return widget


def _run(qtbot, runner, timeout=60_000):
    runner.run()
    qtbot.waitUntil(lambda: not runner.running, timeout=timeout)


def test_drift_tab_fiducial_and_plot(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    locs, truth = filament_scene(n_frames=3000, n_beads=1, locs_per_frame=3, drift_amplitude=2.0, seed=21)
    layer = _points_layer(viewer, locs, scale=(1.0, 100.0, 100.0))
    layer.units = ("pixel", "nm", "nm")
    before = layer.data.copy()
    widget = _widget(viewer)
    widget.points_combo.value = layer
    widget.drift_method.value = "fiducial"
    _run(qtbot, widget.drift_runner)
    assert widget.drift_runner.last_error is None, widget.drift_runner.last_error
    out = viewer.layers["locs drift-corrected"]
    assert widget.corrected_layer.name == out.name and out.name != layer.name
    np.testing.assert_array_equal(layer.data, before)  # input untouched
    # the same world: scale and units (napari finds one set of units, no "Inconsistent units across layers")
    np.testing.assert_array_equal(out.scale, layer.scale)
    assert [str(u) for u in out.units] == [str(u) for u in layer.units] == ["pixel", "nanometer", "nanometer"]
    assert viewer.layers.extent.units is not None
    # corrected positions = truth positions (up to a constant): the drift is gone
    f = out.features["frame"].to_numpy()
    err = out.data[:, 2] - (layer.data[:, 2] - truth.drift[f, 1])
    assert np.std(err) < 0.03
    assert len(widget.drift_table) == 3000
    fig = widget.drift_canvas.figure
    assert len(fig.axes) == 2 and fig.axes[0].get_ylabel() == "dx (nm)"
    assert "bead SD after correction" in fig._suptitle.get_text()


def test_drift_picked_fiducial_and_rcc(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    locs, truth = filament_scene(n_frames=3000, n_beads=1, locs_per_frame=8, drift_amplitude=2.0, seed=22)
    layer = _points_layer(viewer, locs)
    picked = viewer.add_points(truth.beads, name="beads")
    widget = _widget(viewer)
    widget.points_combo.value = layer
    widget.reset_choices()
    widget.fiducial_combo.value = picked
    _run(qtbot, widget.drift_runner)
    assert widget.drift_runner.last_error is None
    np.testing.assert_allclose(widget.drift_table.attrs["fiducials"], truth.beads, atol=1e-9)
    widget.drift_method.value = "rcc"
    widget.segment_spin.value = 500
    _run(qtbot, widget.drift_runner)
    assert widget.drift_runner.last_error is None
    est = widget.drift_table[["dy", "dx"]].to_numpy()
    err = est - truth.drift
    err -= err.mean(0)
    assert np.sqrt((err**2).sum(1).mean()) * 100 < 10  # nm


def test_drift_errors_leave_layers_alone(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    locs, _ = filament_scene(n_frames=500, n_beads=0, seed=23)
    layer = _points_layer(viewer, locs)
    widget = _widget(viewer)
    widget.points_combo.value = layer
    _run(qtbot, widget.drift_runner)
    assert "no fiducial found" in str(widget.drift_runner.last_error)
    assert [lay.name for lay in viewer.layers] == ["locs"]
    widget.drift_method.value = "rcc"
    widget.segment_spin.value = 1000
    _run(qtbot, widget.drift_runner)
    assert "two time segments" in str(widget.drift_runner.last_error)
    assert [lay.name for lay in viewer.layers] == ["locs"]


def test_render_tab_overlays_stack_with_nm_scale_bar(make_napari_viewer, qtbot):
    viewer = make_napari_viewer(show=True)  # shown: screenshots need a drawn canvas (Xvfb)
    locs, _ = filament_scene(n_frames=300, n_beads=0, locs_per_frame=30, drift_kind="none", seed=24)
    nm3 = ("pixel", "nm", "nm")
    stack = viewer.add_image(np.zeros((2, 64, 64), np.float32), name="raw", scale=(1, 100, 100), units=nm3)
    layer = _points_layer(viewer, locs, scale=(1, 100, 100))
    layer.units = nm3
    widget = _widget(viewer)
    widget.points_combo.value = layer
    widget.reset_choices()
    widget.stack_combo.value = stack
    widget.render_pixel.value = 0.1
    _run(qtbot, widget.render_runner)
    assert widget.render_runner.last_error is None, widget.render_runner.last_error
    out = viewer.layers["locs render"]
    assert out.data.shape == (640, 640)
    np.testing.assert_allclose(out.scale, [10.0, 10.0])
    np.testing.assert_allclose(out.translate, [-45.0, -45.0])
    assert viewer.canvas.overlays.scale_bar.visible
    assert [str(u) for u in out.units] == ["nanometer", "nanometer"]
    assert out.contrast_limits[1] > 0
    # screenshot: the rendered filaments are visible (bright magma pixels on black)
    layer.visible = False
    stack.visible = False
    viewer.reset_view()
    shot = viewer.screenshot(canvas_only=True, flash=False)
    bright = shot[..., :3].astype(int).sum(-1) > 300
    assert 0.001 < bright.mean() < 0.5


def test_motion_tab_table_plot_and_set_layers(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    locs, truth = motion_scene(shifts_nm=[0, 0, 60], n_sets=3, seed=25)
    layer = _points_layer(viewer, locs)
    shapes = viewer.add_shapes([truth.filaments[0][[0, -1]]], shape_type="line", name="line")
    widget = _widget(viewer)
    widget.points_combo.value = layer
    widget.reset_choices()
    widget.shapes_combo.value = shapes
    widget.set_layers.value = True
    _run(qtbot, widget.motion_runner)
    assert widget.motion_runner.last_error is None, widget.motion_runner.last_error
    table = widget.motion_result.table
    assert len(table) == 2 and table.loc[1, "z"] > 3 and abs(table.loc[0, "z"]) < 3
    assert widget.motion_table.rowCount() == 2
    assert widget.motion_table.item(1, 0).text() == "1->2"
    assert [lay.name for lay in widget.set_layers_out] == ["locs set 0", "locs set 1", "locs set 2"]
    assert len(widget.motion_canvas.figure.axes) == 2
    # bad input: a line far outside the data, a block longer than the movie
    shapes.data = [truth.filaments[0][[0, -1]] + 500]
    n_layers = len(viewer.layers)
    _run(qtbot, widget.motion_runner)
    assert "outside" in str(widget.motion_runner.last_error)
    shapes.data = [truth.filaments[0][[0, -1]]]
    widget.block_spin.value = 5000
    _run(qtbot, widget.motion_runner)
    assert "too large for the movie" in str(widget.motion_runner.last_error)
    assert len(viewer.layers) == n_layers


def test_render_of_a_table_in_camera_pixels_keeps_one_world(make_napari_viewer, qtbot):
    """Points in camera pixels (a table whose pixel size was assumed): the rendering stays in their world, so
    napari finds one set of units (no "Inconsistent units across layers")."""
    viewer = make_napari_viewer()
    locs, _ = filament_scene(n_frames=100, n_beads=0, locs_per_frame=20, drift_kind="none", seed=5)
    layer = _points_layer(viewer, locs)
    widget = _widget(viewer)
    widget.points_combo.value = layer
    widget.reset_choices()
    widget.stack_combo.value = None
    _run(qtbot, widget.render_runner)
    assert widget.render_runner.last_error is None, widget.render_runner.last_error
    out = viewer.layers["locs render"]
    assert [str(u) for u in out.units] == [str(u) for u in layer.units][-2:]
    assert viewer.layers.extent.units is not None
