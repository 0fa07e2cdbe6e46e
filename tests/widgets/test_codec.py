"""The "Inpainting codec" dock widget in a real viewer (Xvfb)."""

import numpy as np
import pytest

from napari_maliang.codec import decode
from napari_maliang.codec.samples import cartoon

PLUGIN = "napari-maliang"


def _dock(viewer):
    _, widget = viewer.window.add_plugin_dock_widget(PLUGIN, "Inpainting codec")
    return widget


def _run(qtbot, widget, timeout=90_000):
    widget.runner.run_button.click()
    qtbot.waitUntil(lambda: not widget.runner.running, timeout=timeout)


def test_codec_widget_layers_plot_and_screenshot(make_napari_viewer, qtbot):
    img = cartoon((96, 96), n_shapes=5, seed=4)
    viewer = make_napari_viewer(show=True)
    layer = viewer.add_image(img.copy(), name="toon")
    widget = _dock(viewer)
    widget.bpp_spin.value = 0.4
    _run(qtbot, widget)
    assert widget.runner.last_error is None, widget.runner.last_error
    out = viewer.layers["toon decoded"]
    assert out.data.shape == img.shape and out.data.dtype == np.uint8
    assert len(widget.last_data) * 8 <= 0.4 * img.size
    np.testing.assert_array_equal(out.data, decode(widget.last_data))
    assert out.metadata["codec"]["psnr"] > 25
    edges = viewer.layers["toon edges"]
    assert edges.data.shape == img.shape and edges.data.any()
    pts = viewer.layers["toon source points"]
    assert len(pts.data) == out.metadata["codec"]["n_sources"] > 10
    np.testing.assert_array_equal(layer.data, img)  # input untouched
    # the rate-distortion plot has our codec and both references
    curves = widget.plot.curves
    assert curves["inpainting"] and curves["JPEG 2000"]
    assert widget.plot.figure.axes and widget.plot.figure.axes[0].lines

    # screenshot: the canvas shows the decoded image's pixels
    for lyr in viewer.layers:
        lyr.visible = lyr is out
    viewer.reset_view()
    shot = viewer.screenshot(canvas_only=True, flash=False)[..., :3].astype(int)
    drawn = shot.max(-1) > 0
    assert drawn.mean() > 0.2
    assert abs(shot[drawn].mean() - out.data.mean()) < 40

    # re-running in threshold mode updates the same layers
    n_layers = len(viewer.layers)
    widget.rd_check.value = False
    widget.bpp_spin.value = None  # no rate control: one pass at the threshold
    widget.threshold_spin.value = 8.0
    _run(qtbot, widget)
    assert widget.runner.last_error is None
    assert len(viewer.layers) == n_layers, [lyr.name for lyr in viewer.layers]


def test_codec_widget_reports_errors(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    widget = _dock(viewer)
    widget.runner.run()
    assert isinstance(widget.runner.last_error, ValueError)  # no layer
    viewer.add_image(np.zeros((4, 4), np.uint8), name="tiny")
    widget.reset_choices()
    widget.runner.run()
    assert "too small" in str(widget.runner.last_error)
    assert len(viewer.layers) == 1


def test_codec_widget_multiscale_layer_scores_the_encoded_level(make_napari_viewer, qtbot):
    from napari_maliang.codec.compare import psnr

    img = cartoon((96, 96), n_shapes=5, seed=4)
    viewer = make_napari_viewer()
    viewer.add_image([img, img[::2, ::2]], name="pyramid", multiscale=True)
    widget = _dock(viewer)
    widget.rd_check.value = False
    _run(qtbot, widget)
    assert widget.runner.last_error is None, widget.runner.last_error
    out = viewer.layers["pyramid decoded"]
    assert out.data.shape == img.shape  # the full-resolution level was encoded
    assert out.metadata["codec"]["psnr"] == pytest.approx(psnr(img, out.data))  # and it is the reference


def test_without_imagecodecs_the_plot_compares_with_jpeg_and_names_the_extra(make_napari_viewer, qtbot, monkeypatch):
    import sys

    from napari_maliang._widgets import codec as codec_widget

    monkeypatch.setitem(sys.modules, "imagecodecs", None)
    viewer = make_napari_viewer()
    viewer.add_image(cartoon((64, 64), n_shapes=4, seed=5), name="toon")
    widget = codec_widget.CodecWidget(viewer)
    assert "JPEG 2000" not in widget.rd_check.label
    assert "napari-maliang[codecs]" in widget.rd_check.tooltip
    widget.bpp_spin.value = 0.5
    _run(qtbot, widget)
    assert widget.runner.last_error is None, widget.runner.last_error
    assert set(widget.plot.curves) == {"inpainting", "JPEG"} and widget.plot.curves["JPEG"]


def test_codec_widget_photo_mode_curves_for_both_modes(make_napari_viewer, qtbot):
    from skimage import data

    img = data.camera()[100:196, 200:296]
    viewer = make_napari_viewer()
    viewer.add_image(img.copy(), name="cam")
    widget = _dock(viewer)
    widget.bpp_spin.value = 0.5
    widget.mode_combo.value = "photo"
    widget.tonal_spin.value = 2  # the stored values optimised for the decoder (12 is the best setting)
    assert widget.controls.options().tonal_iterations == 2
    _run(qtbot, widget)
    assert widget.runner.last_error is None, widget.runner.last_error
    out = viewer.layers["cam decoded"]
    assert out.metadata["codec"]["mode"] == "photo"
    np.testing.assert_array_equal(out.data, decode(widget.last_data))
    assert len(viewer.layers["cam source points"].data) == out.metadata["codec"]["n_sources"]
    assert not viewer.layers["cam edges"].data.any()  # the photo mode stores no edges
    # the rate-distortion plot shows both modes next to the references
    assert widget.plot.curves["inpainting"] and widget.plot.curves["photo mode"] and widget.plot.curves["JPEG"]
