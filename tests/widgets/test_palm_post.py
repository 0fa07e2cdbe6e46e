"""The "PALM post-processing" widget in a real viewer: filter, link, resolution and cluster tabs, bad input,
and an input layer that no operation changes."""

import numpy as np
import pandas as pd
import pytest

from napari_maliang.smlm.scenes import filament_scene

PLUGIN = "napari-maliang"
PRECISION = 0.1  # px: localization precision of the blinking scene
UNITS = ("pixel", "nm", "nm")


def _points_layer(viewer, locs, name="locs", scale=(1.0, 100.0, 100.0)):
    data = locs[["frame", "y", "x"]].to_numpy(float)
    return viewer.add_points(
        data, features=locs.reset_index(drop=True), name=name, size=0.3, scale=scale, units=UNITS,
        metadata={"pixel_size_nm": 100.0, "source": "test"},
    )


def _widget(viewer, layer):
    _, widget = viewer.window.add_plugin_dock_widget(PLUGIN, "PALM post-processing")
    widget.points_combo.value = layer
    return widget


def _run(qtbot, runner, timeout=60_000):
    runner.run()
    qtbot.waitUntil(lambda: not runner.running, timeout=timeout)
    assert runner.last_error is None, runner.last_error


class _Unchanged:
    """A snapshot of a layer's data and features, compared again by ``check()``."""

    def __init__(self, layer):
        self.layer = layer
        self.data = np.array(layer.data, copy=True)
        self.features = layer.features.copy()
        self.shown = np.array(layer.shown, copy=True)

    def check(self):
        np.testing.assert_array_equal(self.layer.data, self.data)
        pd.testing.assert_frame_equal(self.layer.features, self.features)
        np.testing.assert_array_equal(self.layer.shown, self.shown)


def _same_placement(viewer, out, layer):
    assert viewer.layers.extent.units is not None  # no "Inconsistent units across layers"
    np.testing.assert_allclose(out.scale, layer.scale)
    np.testing.assert_allclose(out.translate, layer.translate)
    assert tuple(out.units) == tuple(layer.units)
    assert out.metadata["pixel_size_nm"] == 100.0 and out.metadata["source"] == "test"


def _blinking_scene(n_molecules=400, n_frames=3000, bursts=1, seed=0):
    """Molecules at random places, each seen in ``bursts`` runs of consecutive frames at random times
    (precision ``PRECISION``)."""
    rng = np.random.default_rng(seed)
    pos = rng.uniform(2, 62, (n_molecules, 2))
    burst = np.repeat(np.arange(n_molecules), bursts)
    start = rng.integers(0, n_frames - 10, burst.size)
    runs = 1 + rng.geometric(0.4, burst.size)
    mol = np.repeat(burst, runs)
    frame = np.repeat(start, runs) + np.concatenate([np.arange(r) for r in runs])
    n = mol.size
    table = pd.DataFrame({
        "frame": frame.astype(np.int64),
        "x": pos[mol, 1] + rng.normal(0, PRECISION, n),
        "y": pos[mol, 0] + rng.normal(0, PRECISION, n),
        "photons": rng.uniform(500, 3000, n),
        "background": np.full(n, 10.0),
        "sigma": np.full(n, 1.3),
        "uncertainty_x": np.full(n, PRECISION),
        "uncertainty_y": np.full(n, PRECISION),
        "log_likelihood": np.zeros(n),
    })
    return table.sort_values("frame", kind="stable", ignore_index=True)


def _cluster_scene(n_clusters=12, per_cluster=60, n_noise=300, seed=1):
    rng = np.random.default_rng(seed)
    centres = np.stack(np.meshgrid(np.arange(4) * 14 + 8, np.arange(3) * 14 + 8), -1).reshape(-1, 2)[:n_clusters]
    xy = np.concatenate([np.repeat(centres, per_cluster, 0) + rng.normal(0, 0.2, (n_clusters * per_cluster, 2)),
                         rng.uniform(0, 60, (n_noise, 2))])
    n = len(xy)
    return pd.DataFrame({"frame": rng.integers(0, 1000, n), "x": xy[:, 0], "y": xy[:, 1],
                         "photons": np.full(n, 1000.0), "uncertainty_x": np.full(n, PRECISION),
                         "uncertainty_y": np.full(n, PRECISION)})


def test_filter_keeps_the_rows_in_range_with_every_feature(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    locs, _ = filament_scene(n_frames=300, locs_per_frame=10, seed=3)
    layer = _points_layer(viewer, locs)
    unchanged = _Unchanged(layer)
    widget = _widget(viewer, layer)
    widget.column_combo.value = "photons"
    # the slider spans the column, and a histogram of it is drawn
    assert widget.range_slider.value() == pytest.approx((locs.photons.min(), locs.photons.max()))
    assert widget.range_slider.minimum() == pytest.approx(locs.photons.min())
    assert widget.histogram.figure.axes[0].get_xlabel() == "photons"
    widget.range_slider.setValue((500.0, 2000.0))
    low, high = widget.range_slider.value()
    expected = locs[(locs.photons >= low) & (locs.photons <= high)].reset_index(drop=True)
    assert f"kept {len(expected)} of {len(locs)}" in widget.ranges_label.text()
    # live preview: the output layer holds every row, the kept ones shown; the input is not touched
    preview = viewer.layers["locs filtered"]
    assert len(preview.data) == len(locs) and preview.shown.sum() == len(expected)
    unchanged.check()
    # a second column narrows further
    widget.column_combo.value = "frame"
    assert widget.range_slider.value() == pytest.approx((0, locs.frame.max()))
    widget.range_slider.setValue((0.0, 149.0))
    expected = expected[expected.frame <= 149].reset_index(drop=True)
    widget.apply_button.click()
    out = viewer.layers["locs filtered"]
    assert out is widget.filtered_layer and len(viewer.layers) == 2
    pd.testing.assert_frame_equal(out.features, expected, check_dtype=False)
    np.testing.assert_allclose(out.data, expected[["frame", "y", "x"]].to_numpy(float))
    _same_placement(viewer, out, layer)
    assert set(out.metadata["filter_ranges"]) == {"photons", "frame"}
    unchanged.check()
    # back to the column's range: no bound is left on photons
    widget.column_combo.value = "photons"
    assert widget.range_slider.value() == pytest.approx((low, high))
    widget.reset_button.click()
    assert widget.ranges == {} and "every row kept" in widget.ranges_label.text()


def test_filter_that_keeps_nothing_says_so(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    locs, _ = filament_scene(n_frames=100, locs_per_frame=10, seed=4)
    layer = _points_layer(viewer, locs)
    unchanged = _Unchanged(layer)
    widget = _widget(viewer, layer)
    widget.live_preview.value = False
    widget.column_combo.value = "x"
    widget.range_slider.setValue((locs.x.max(), locs.x.max()))  # the rightmost row
    widget.column_combo.value = "y"
    widget.range_slider.setValue((locs.y.min(), locs.y.min()))  # the lowest row
    assert "kept 0 of" in widget.ranges_label.text()
    widget.apply_button.click()
    assert "no localization lies in the chosen ranges" in widget.ranges_label.text()
    assert [lay.name for lay in viewer.layers] == ["locs"]
    unchanged.check()


def test_link_merges_runs_of_frames(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    locs = _blinking_scene()
    layer = _points_layer(viewer, locs)
    unchanged = _Unchanged(layer)
    widget = _widget(viewer, layer)
    _run(qtbot, widget.link_runner)
    out = viewer.layers["locs linked"]
    assert out is widget.linked_layer
    merged = out.features
    assert len(merged) < len(locs)
    assert merged["n_locs"].sum() == len(locs)
    assert abs(len(merged) - 400) < 20  # about one per molecule (one burst each)
    np.testing.assert_array_equal(out.data[:, 0], merged["first_frame"])
    _same_placement(viewer, out, layer)
    assert f"-> {len(merged)} molecules" in widget.link_label.text()
    unchanged.check()


def test_resolution_nena_and_frc(make_napari_viewer, qtbot):
    from napari_maliang.smlm.resolution import frc

    viewer = make_napari_viewer()
    locs = _blinking_scene(n_molecules=1500, n_frames=4000, bursts=3, seed=5)  # both FRC halves see each
    layer = _points_layer(viewer, locs)
    unchanged = _Unchanged(layer)
    widget = _widget(viewer, layer)
    _run(qtbot, widget.nena_runner)
    precision, curve = widget.nena_result
    assert precision == pytest.approx(PRECISION, rel=0.15)
    assert f"{precision:.4f} px = {precision * 100:.2f} nm" in widget.nena_label.text()
    assert "records no pixel size" not in widget.nena_label.text()  # it comes from the layer's metadata
    assert len(widget.nena_axes.lines) == 2
    _run(qtbot, widget.frc_runner)
    resolution, curve = widget.frc_result
    assert resolution == pytest.approx(frc(locs)[0])
    assert 2 * PRECISION < resolution < 6 * PRECISION
    assert f"{resolution * 100:.2f} nm" in widget.frc_label.text()
    assert any(np.allclose(line.get_ydata(), 1 / 7) for line in widget.frc_axes.lines)
    assert [lay.name for lay in viewer.layers] == ["locs"]
    unchanged.check()
    # a layer that records no pixel size is read with the widget's camera pixel, and says so
    bare = viewer.add_points(layer.data, features=locs.reset_index(drop=True), name="bare")
    widget.camera_nm.value = 160.0
    widget.points_combo.value = bare
    assert widget.camera_nm.value == 160.0
    _run(qtbot, widget.nena_runner)
    assert widget.nena_result[0] == pytest.approx(precision)
    assert f"{precision * 160:.2f} nm (the layer records no pixel size: 160 nm" in widget.nena_label.text()
    widget.points_combo.value = layer  # the recorded pixel size comes back into the box
    assert widget.camera_nm.value == 100.0
    widget.camera_nm.value = 110.0  # a user's correction of the recorded size is used, and said
    _run(qtbot, widget.nena_runner)
    assert f"{precision * 110:.2f} nm (110 nm, the widget's camera pixel; the layer records 100 nm)" in (
        widget.nena_label.text())


def test_cluster_layer_and_stats(make_napari_viewer, qtbot, tmp_path):
    viewer = make_napari_viewer()
    locs = _cluster_scene()
    layer = _points_layer(viewer, locs)
    unchanged = _Unchanged(layer)
    widget = _widget(viewer, layer)
    widget.cluster_controls["eps"].value = 0.5
    _run(qtbot, widget.cluster_runner)
    out = viewer.layers["locs clusters"]
    labels = out.features["cluster"].to_numpy()
    assert labels.max() + 1 == 12
    assert widget.stats_table.rowCount() == 12 == len(out.metadata["cluster_stats"])
    assert widget.stats_table.horizontalHeaderItem(1).text() == "n_locs"
    # noise grey and small, clusters in colour
    noise = labels < 0
    assert noise.sum() > 0
    np.testing.assert_allclose(out.face_color[noise][:, :3], 0.6)
    assert np.all(out.size[noise] < out.size[~noise].min())
    _same_placement(viewer, out, layer)
    widget.save_stats(tmp_path / "clusters.csv")
    assert len(pd.read_csv(tmp_path / "clusters.csv")) == 12
    # Gaussian-site members: the run updates its own layer; the same 12 sites, the metadata says how
    assert out.metadata["cluster_members"] == "density"
    widget.cluster_controls["members"].value = "gaussian"
    _run(qtbot, widget.cluster_runner)
    sites = viewer.layers["locs clusters"]
    assert sites.metadata["cluster_members"] == "gaussian" and sites.features["cluster"].max() + 1 == 12
    unchanged.check()


def test_bad_input_is_a_message(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    _, widget = viewer.window.add_plugin_dock_widget(PLUGIN, "PALM post-processing")
    widget.link_runner.run()
    assert "no localizations" in str(widget.link_runner.last_error)
    widget.apply_button.click()
    assert "no localizations" in widget.ranges_label.text()
    layer = _points_layer(viewer, _blinking_scene(n_molecules=5, n_frames=100))
    widget.points_combo.value = layer
    widget.nena_runner.run()
    qtbot.waitUntil(lambda: not widget.nena_runner.running, timeout=30_000)
    assert widget.nena_runner.last_error is not None  # too few pairs: the function's message is shown
    assert [lay.name for lay in viewer.layers] == ["locs"]


def test_input_deleted_while_linking(make_napari_viewer, qtbot):
    import threading

    viewer = make_napari_viewer()
    layer = _points_layer(viewer, _blinking_scene(n_molecules=50, n_frames=300))
    widget = _widget(viewer, layer)
    widget.column_combo.value = "photons"
    widget.range_slider.setValue((1000.0, 2000.0))  # a live preview layer "locs filtered"
    gate, start = threading.Event(), widget.link_runner._start

    def held_start():
        gen, on_done = start()

        def held():
            gate.wait(20)
            return (yield from gen)

        return held(), on_done

    widget.link_runner._start = held_start
    widget.link_runner.run()
    viewer.layers.remove(layer)  # the choosers move on to the preview layer; nothing raises
    gate.set()
    _run(qtbot, widget.link_runner, timeout=30_000)
    assert "locs linked" in viewer.layers and "locs" not in viewer.layers
    widget.apply_button.click()  # filters what the chooser now shows
    assert widget.points_combo.value.name == "locs filtered"
