"""Segmentation widgets in a real viewer (Xvfb): dock from the manifest, run on the coins sample."""

import napari
import numpy as np
import pytest

PLUGIN = "napari-maliang"


def dock(viewer, name):
    _, widget = viewer.window.add_plugin_dock_widget(PLUGIN, name)
    return widget


def run(qtbot, widget, timeout=30_000):
    widget.runner.run()
    qtbot.waitUntil(lambda: not widget.runner.running, timeout=timeout)
    return widget.runner.last_error


@pytest.fixture
def coins_viewer(make_napari_viewer):
    viewer = make_napari_viewer(show=True)  # shown: screenshots need a drawn canvas (Xvfb)
    viewer.open_sample(PLUGIN, "coins")
    return viewer


def canvas_colours(viewer):
    shot = viewer.screenshot(canvas_only=True, flash=False)
    return shot[..., :3].astype(int)


def test_threshold_widget_otsu_preview_output_and_rerun(coins_viewer, qtbot):
    from skimage import data

    viewer = coins_viewer
    widget = dock(viewer, "Threshold")
    coins = viewer.layers["coins"]
    before = coins.data.copy()
    widget.reset_choices()
    assert widget.layer_combo.value is coins
    # live preview: Otsu's T of coins drawn on the histogram
    widget.update_preview()
    assert widget.preview_threshold == 108.0
    assert widget.axes.lines and widget.axes.lines[0].get_xdata()[0] == 108.0

    assert run(qtbot, widget) is None
    out = viewer.layers["coins otsu"]
    assert isinstance(out, napari.layers.Labels)
    assert np.array_equal(out.data, (data.coins() >= 108).astype(np.uint8))
    # re-run with another method writes its own layer; re-running Otsu updates "coins otsu"
    widget.method.value = "iterative"
    assert widget.preview_threshold == pytest.approx(107.02, abs=0.01)
    assert run(qtbot, widget) is None
    assert "coins iterative" in viewer.layers
    widget.method.value = "Otsu"
    n_layers = len(viewer.layers)
    assert run(qtbot, widget) is None
    assert len(viewer.layers) == n_layers and viewer.layers["coins otsu"] is out
    assert np.array_equal(coins.data, before)

    # screenshot: the output labels are drawn (coloured pixels where coins are)
    for layer in viewer.layers:
        layer.visible = layer is out
    viewer.reset_view()
    rgb = canvas_colours(viewer)
    coloured = (np.abs(rgb[..., 0] - rgb[..., 1]) + np.abs(rgb[..., 1] - rgb[..., 2])) > 30
    frac = coloured.mean()
    # coins cover about 38 % of the image; the image fills part of the canvas
    assert 0.05 < frac < 0.5


def test_threshold_widget_adaptive_and_stack(make_napari_viewer, qtbot):
    from napari_maliang.segment import adaptive_threshold

    viewer = make_napari_viewer()
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:96, 0:96]
    plane = (40 + xx + 80 * ((yy // 24 + xx // 24) % 2) + rng.normal(0, 3, (96, 96))).clip(0, 255).astype(np.uint8)
    stack = np.stack([plane, plane[::-1]])
    viewer.add_image(stack, name="stack")
    widget = dock(viewer, "Threshold")
    widget.reset_choices()
    widget.method.value = "adaptive"
    widget.window.value = 48
    widget.step.value = 16
    assert run(qtbot, widget) is None
    out = viewer.layers["stack adaptive"].data
    assert out.shape == stack.shape
    assert np.array_equal(out[1], adaptive_threshold(plane[::-1], window=48, step=16))
    # window not an odd multiple of step: clear error, nothing added
    widget.step.value = 12
    n = len(viewer.layers)
    err = run(qtbot, widget)
    assert isinstance(err, ValueError) and "odd multiple" in str(err)
    assert len(viewer.layers) == n


def test_threshold_widget_bad_inputs(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    widget = dock(viewer, "Threshold")
    # no layer at all
    err = run(qtbot, widget)
    assert isinstance(err, ValueError) and "no input" in str(err)
    # constant image: message in the preview, error on run, no NaN, no layer
    viewer.add_image(np.full((20, 20), 5, np.uint8), name="flat")
    widget.reset_choices()
    widget.update_preview()
    assert widget.preview_threshold is None and "constant" in widget.preview_label.value
    err = run(qtbot, widget)
    assert "constant" in str(err)
    assert "flat otsu" not in viewer.layers
    # NaN pixels
    bad = np.random.default_rng(0).random((20, 20))
    bad[3, 4] = np.nan
    viewer.add_image(bad, name="nan")
    widget.reset_choices()
    widget.layer_combo.value = viewer.layers["nan"]
    assert "NaN/inf" in str(run(qtbot, widget))
    # RGB: converted to gray, thresholded
    rgb = np.zeros((20, 20, 3), np.uint8)
    rgb[5:15, 5:15] = [200, 180, 160]
    viewer.add_image(rgb, name="colour", rgb=True)
    widget.reset_choices()
    widget.layer_combo.value = viewer.layers["colour"]
    assert run(qtbot, widget) is None
    out = viewer.layers["colour otsu"].data
    assert out.shape == (20, 20) and out[5:15, 5:15].all() and out.sum() == 100


def test_cluster_widget(coins_viewer, qtbot):
    viewer = coins_viewer
    widget = dock(viewer, "Pixel clustering (k-means)")
    widget.reset_choices()
    widget.k.value = 2
    assert run(qtbot, widget, timeout=60_000) is None
    labels = viewer.layers["coins kmeans"].data
    assert labels.dtype == np.int32 and set(np.unique(labels)) == {1, 2}
    coins = viewer.layers["coins"].data
    assert coins[labels == 2].mean() > coins[labels == 1].mean() + 50
    # k larger than the number of distinct colours: clear message, layer unchanged
    viewer.add_image(np.array([[0, 0, 5], [5, 9, 9]], np.uint8), name="tiny")
    widget.reset_choices()
    widget.layer_combo.value = viewer.layers["tiny"]
    widget.k.value = 5
    err = run(qtbot, widget)
    assert isinstance(err, ValueError) and "distinct colours" in str(err)
    assert "tiny kmeans" not in viewer.layers


def test_region_grow_widget(coins_viewer, qtbot):
    viewer = coins_viewer
    coins = viewer.layers["coins"]
    widget = dock(viewer, "Region grow")
    # no Points layer yet: clear error
    widget.reset_choices()
    assert "Points layer" in str(run(qtbot, widget))
    viewer.add_points([[150, 10], [186, 347]], name="seeds")  # background, a coin
    viewer.layers.selection.active = coins
    widget.reset_choices()
    widget.layer_combo.value = coins
    widget.tolerance.value = 30
    widget.connectivity.value = 8
    assert run(qtbot, widget) is None
    labels = viewer.layers["coins region grow"].data
    assert labels[150, 10] == 1 and labels[186, 347] == 2
    assert (labels == 1).sum() > 10 * (labels == 2).sum() > 0
    assert coins.data[labels == 2].mean() > coins.data[labels == 1].mean() + 50
    # a seed outside the image: clear error, output untouched
    viewer.layers["seeds"].data = np.array([[150, 10], [900, 5]])
    err = run(qtbot, widget)
    assert isinstance(err, ValueError) and "outside the image of shape (303, 384)" in str(err)
    assert np.array_equal(viewer.layers["coins region grow"].data, labels)


def test_morphology_widget_operations(make_napari_viewer, qtbot):
    from napari_maliang.segment import hit_or_miss, thin

    viewer = make_napari_viewer()
    mask = np.zeros((40, 60), np.int32)
    mask[10:30, 10:50] = 1
    labels = viewer.add_labels(mask, name="blob")
    widget = dock(viewer, "Morphology")
    widget.reset_choices()
    assert widget.layer_combo.value is labels
    widget.operation.value = "erosion"
    widget.shape.value = "square"
    widget.size.value = 2
    assert run(qtbot, widget) is None
    eroded = viewer.layers["blob erosion"].data
    assert eroded.sum() == 16 * 36 and eroded[12:28, 12:48].all()
    # custom SE typed as a 0/1 grid
    widget.custom.value = "1 1 1 1 1"
    assert widget.shape.native.isHidden()
    assert run(qtbot, widget) is None
    assert viewer.layers["blob erosion"].data.sum() == 20 * 36
    widget.custom.value = "1 2 1"
    assert "only 0 and 1" in str(run(qtbot, widget))
    # hit-and-miss with separate grids: top edge of the blob
    widget.operation.value = "hit-and-miss"
    assert not widget.fg.native.isHidden() and not widget.bg.native.isHidden() and widget.shape.native.isHidden()
    assert run(qtbot, widget) is None
    fg = np.array([[0, 0, 0], [0, 1, 0], [0, 1, 0]], bool)
    bg = np.array([[1, 1, 1], [0, 0, 0], [0, 0, 0]], bool)
    assert np.array_equal(viewer.layers["blob hit-and-miss"].data.astype(bool), hit_or_miss(mask, fg, bg))
    # thinning
    widget.operation.value = "thinning"
    assert run(qtbot, widget) is None
    assert np.array_equal(viewer.layers["blob thinning"].data.astype(bool), thin(mask))
    assert np.array_equal(labels.data, mask)  # input untouched


def test_morphology_widget_on_grayscale_image_thresholds_first(coins_viewer, qtbot):
    viewer = coins_viewer
    widget = dock(viewer, "Morphology")
    widget.reset_choices()
    widget.layer_combo.value = viewer.layers["coins"]
    widget.operation.value = "opening"
    assert run(qtbot, widget) is None
    out = viewer.layers["coins opening"]
    assert out.data.shape == (303, 384) and 0.2 < out.data.mean() < 0.5
    for layer in viewer.layers:
        layer.visible = layer is out
    rgb = canvas_colours(viewer)
    coloured = (np.abs(rgb[..., 0] - rgb[..., 1]) + np.abs(rgb[..., 1] - rgb[..., 2])) > 30
    assert coloured.mean() > 0.05


def test_threshold_widget_cancel_long_adaptive_job(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    rng = np.random.default_rng(0)
    viewer.add_image(rng.integers(0, 256, (1024, 1024), dtype=np.uint8), name="noise")
    widget = dock(viewer, "Threshold")
    widget.reset_choices()
    widget.method.value = "adaptive"
    widget.window.value = 3
    widget.step.value = 1  # the per-pixel sliding window: a million windows, many progress steps
    widget.runner.run()
    assert widget.runner.running
    qtbot.waitUntil(lambda: widget.runner.progress_bar.value() > 0, timeout=60_000)
    widget.runner.cancel_button.click()
    qtbot.waitUntil(lambda: not widget.runner.running, timeout=60_000)
    assert widget.runner.was_cancelled
    assert "noise adaptive" not in viewer.layers


def test_threshold_widget_float_image_gets_a_small_tolerance(make_napari_viewer, qtbot):
    from napari_maliang.segment import iterative_threshold

    viewer = make_napari_viewer()
    rng = np.random.default_rng(5)
    image = np.where(rng.random((64, 64)) < 0.4, 0.8, 0.2) + rng.normal(0, 0.05, (64, 64))
    viewer.add_image(image, name="float")
    widget = dock(viewer, "Threshold")
    widget.reset_choices()
    widget.layer_combo.value = viewer.layers["float"]
    assert widget.tol.value < 0.01
    widget.method.value = "iterative"
    expected = iterative_threshold(image, tol=widget.tol.value)
    assert widget.preview_threshold == pytest.approx(expected)
    assert run(qtbot, widget) is None
    assert np.array_equal(viewer.layers["float iterative"].data, (image >= expected).astype(np.uint8))


def test_region_grow_widget_on_a_stack_uses_each_seed_plane(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    stack = np.zeros((2, 30, 40), np.uint8)
    stack[0, :, 20:] = 200
    stack[1, 10:20, 10:20] = 200
    image = viewer.add_image(stack, name="stack")
    viewer.add_points([[0, 5, 30], [1, 15, 15]], name="seeds", ndim=3)
    widget = dock(viewer, "Region grow")
    widget.reset_choices()
    widget.layer_combo.value = image
    widget.tolerance.value = 10
    assert run(qtbot, widget) is None
    labels = viewer.layers["stack region grow"].data
    assert labels.shape == stack.shape
    assert np.array_equal(labels[0], np.where(stack[0] > 0, 1, 0))
    assert np.array_equal(labels[1], np.where(stack[1] > 0, 2, 0))


def test_threshold_preview_follows_the_displayed_plane(make_napari_viewer):
    viewer = make_napari_viewer()
    a = np.zeros((20, 20), np.uint8)
    a[:, 10:] = 100
    b = np.zeros((20, 20), np.uint8)
    b[:, 10:] = 200
    viewer.add_image(np.stack([a, b]), name="two planes")
    widget = dock(viewer, "Threshold")
    widget.reset_choices()
    viewer.dims.set_current_step(0, 0)
    widget.update_preview()
    assert widget.preview_threshold == 50.0  # middle of the empty gap between 0 and 100
    viewer.dims.set_current_step(0, 1)  # the preview listens to the dims slider
    assert widget.preview_threshold == 100.0


def test_threshold_widget_uses_full_resolution_of_multiscale_and_dask(make_napari_viewer, qtbot):
    import dask.array as da
    from skimage import data

    coins = data.coins()
    viewer = make_napari_viewer()
    viewer.add_image([coins, coins[::2, ::2], coins[::4, ::4]], name="pyramid", multiscale=True)
    viewer.add_image(da.from_array(np.stack([coins, 255 - coins]), chunks=(1, 128, 128)), name="lazy")
    widget = dock(viewer, "Threshold")
    widget.reset_choices()
    widget.layer_combo.value = viewer.layers["pyramid"]
    assert run(qtbot, widget) is None
    out = viewer.layers["pyramid otsu"].data
    assert out.shape == coins.shape  # not the coarsest level
    assert np.array_equal(out, (coins >= 108).astype(np.uint8))
    widget.layer_combo.value = viewer.layers["lazy"]
    assert run(qtbot, widget) is None
    assert viewer.layers["lazy otsu"].data.shape == (2, *coins.shape)
