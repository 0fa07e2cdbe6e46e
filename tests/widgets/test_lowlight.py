"""The "Low-light enhancement" dock widget in a real viewer (Xvfb)."""

import numpy as np
import pytest
from qtpy.QtCore import QTimer

from napari_maliang.lowlight.samples import darken, photo

PLUGIN = "napari-maliang"


@pytest.fixture
def dark_rgb():
    return darken(photo("coffee", size=96), gamma=2.5, peak=1000, seed=0)


def _dock(viewer):
    _, widget = viewer.window.add_plugin_dock_widget(PLUGIN, "Low-light enhancement")
    return widget


def _run(qtbot, widget, timeout=60_000):
    widget.runner.run_button.click()
    qtbot.waitUntil(lambda: not widget.runner.running, timeout=timeout)


def _settled(widget) -> bool:
    """No job, no queued restart and no pending timer (the preview preparation included)."""
    return not (widget.runner.running or widget.preview_runner.running or widget._enhance_latest.pending
                or widget._preview_latest.pending or widget._commit_timer.isActive()
                or widget._prepare_timer.isActive())


def _settle(qtbot, widget, timeout=60_000):
    qtbot.waitUntil(lambda: _settled(widget), timeout=timeout)


def _prepared(qtbot, widget, timeout=60_000):
    """Wait for the exposure preview of the chosen layer (prepared once the dock is on screen)."""
    qtbot.waitUntil(lambda: widget.preview_source is widget.layer_combo.value and _settled(widget), timeout=timeout)


def test_enhance_rgb_layer_into_new_layer(make_napari_viewer, qtbot, dark_rgb):
    viewer = make_napari_viewer(show=True)  # shown: screenshots need a drawn canvas (Xvfb)
    layer = viewer.add_image(dark_rgb.copy(), name="dark", rgb=True)
    widget = _dock(viewer)
    _prepared(qtbot, widget)
    # by default the GP learns from the image's re-corrupted copy: the paper GP's controls are greyed out
    assert widget.target_combo.value == "recorruption"
    assert not widget.k_slider.enabled and not widget.show_patches.enabled and not widget.patch_spin.enabled
    widget.target_combo.value = "reference"  # the paper's GP: k, patch and training patches apply
    assert widget.k_slider.enabled and widget.show_patches.enabled and widget.model_combo.enabled
    widget.k_slider.value = 20
    widget.show_patches.value = True
    _run(qtbot, widget)
    assert widget.runner.last_error is None, widget.runner.last_error
    out = viewer.layers["dark enhanced"]
    assert out.data.shape == dark_rgb.shape and out.data.dtype == np.float32
    assert out.data.mean() > dark_rgb.mean() + 0.15
    np.testing.assert_array_equal(layer.data, dark_rgb)  # input untouched
    patches = viewer.layers["dark training patches"]
    assert patches.data.ndim == 2 and patches.data.max() > 0
    assert out.metadata["lowlight"]["k"] == 20
    assert out.metadata["lowlight"]["noise_filter"] == 1.0  # the photon-noise pre-filter is on by default

    # the canvas shows the brighter output: hide everything else and compare screenshots
    viewer.layers.remove(patches)
    out.visible = False
    viewer.reset_view()
    dark_shot = viewer.screenshot(canvas_only=True, flash=False)
    out.visible = True
    layer.visible = False
    bright_shot = viewer.screenshot(canvas_only=True, flash=False)
    drawn = bright_shot[..., :3].max(-1) > 0  # where the image is on the canvas
    assert drawn.mean() > 0.3
    assert bright_shot[..., :3][drawn].mean() > dark_shot[..., :3][drawn].mean() + 40

    # re-running updates the same output layer
    widget.show_patches.value = False
    n_layers = len(viewer.layers)
    widget.k_slider.value = 10
    widget.noise_spin.value = 0.0
    _run(qtbot, widget)
    assert viewer.layers["dark enhanced"].metadata["lowlight"]["k"] == 10
    assert viewer.layers["dark enhanced"].metadata["lowlight"]["noise_filter"] == 0.0
    _settle(qtbot, widget)  # the noise filter changed: the exposure preview is prepared again
    assert len(viewer.layers) == n_layers
    # the default target again: a re-corrupted copy, no training patches even when asked
    widget.target_combo.value = "recorruption"
    widget.show_patches.value = True
    _run(qtbot, widget)
    meta = viewer.layers["dark enhanced"].metadata["lowlight"]
    assert meta["gp_target"] == "recorruption" and meta["recorrupted"]
    assert len(viewer.layers) == n_layers


def test_luminance_model_on_grayscale(make_napari_viewer, qtbot, dark_rgb):
    viewer = make_napari_viewer()
    viewer.add_image((dark_rgb.mean(-1) * 65535).astype(np.uint16), name="gray16")
    widget = _dock(viewer)
    widget.model_combo.value = "luminance"
    _run(qtbot, widget)
    out = viewer.layers["gray16 enhanced"]
    assert out.data.ndim == 2 and 0 <= out.data.min() and out.data.max() <= 1
    assert out.data.mean() > dark_rgb.mean() + 0.15


def test_bad_input_shows_error_and_keeps_layers(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((3, 16, 16), np.float32), name="stack")
    widget = _dock(viewer)
    widget.runner.run_button.click()
    qtbot.waitUntil(lambda: not widget.runner.running, timeout=10_000)
    assert "2-D" in str(widget.runner.last_error)
    assert [ly.name for ly in viewer.layers] == ["stack"]

    viewer.layers.clear()
    nan_img = np.full((16, 16), 0.1, np.float32)
    nan_img[3, 3] = np.nan
    viewer.add_image(nan_img, name="nan")
    _run(qtbot, widget)
    assert "NaN" in str(widget.runner.last_error)
    assert [ly.name for ly in viewer.layers] == ["nan"]

    widget.reference_combo.value = "ONNX model file"
    assert not widget.onnx_file.native.isHidden()
    widget.runner.run_button.click()
    assert "onnx" in str(widget.runner.last_error).lower()


def test_onnx_reference_from_file(make_napari_viewer, qtbot, dark_rgb, tmp_path):
    onnx = pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper

    inp = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, None, None])
    outp = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, None, None])
    graph = helper.make_graph([helper.make_node("Sqrt", ["x"], ["y"])], "g", [inp], [outp])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(tmp_path / "sqrt.onnx"))

    viewer = make_napari_viewer()
    viewer.add_image(dark_rgb, name="dark", rgb=True)
    widget = _dock(viewer)
    widget.reference_combo.value = "ONNX model file"
    widget.onnx_file.value = tmp_path / "sqrt.onnx"
    _run(qtbot, widget)
    assert widget.runner.last_error is None, widget.runner.last_error
    out = viewer.layers["dark enhanced"].data
    # the GP learned the sqrt reference
    assert np.abs(out - np.sqrt(dark_rgb)).mean() < 0.03


def test_megapixel_image_keeps_the_viewer_responsive(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    big = darken(photo("astronaut", size=1000), gamma=2.5, peak=0)  # 1000 x 1000 RGB
    viewer.add_image(big, name="big", rgb=True)
    widget = _dock(viewer)
    widget.k_slider.value = 10
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    widget.runner.run_button.click()
    assert widget.runner.running  # returned immediately; work is in a thread
    qtbot.waitUntil(lambda: not widget.runner.running, timeout=120_000)
    timer.stop()
    assert widget.runner.last_error is None, widget.runner.last_error
    assert viewer.layers["big enhanced"].data.shape == big.shape
    assert len(ticks) >= 5  # the event loop kept running while the job worked


def test_exposure_estimate_shown_and_set_by_hand(make_napari_viewer, qtbot):
    # the rocket's dark sky pulls the blind decision above the truth (2.4, "likely 2.0-3.8", for a true 2;
    # 24.5 dB against 39.4 dB at 2): the user sees the decision on the exposure slider, and sets it
    from napari_maliang.lowlight import psnr

    original = photo("rocket", size=96)
    viewer = make_napari_viewer(show=True)  # shown: widget visibility is only real on screen (Xvfb)
    viewer.add_image(darken(original, gamma=2.0, peak=1000, seed=0), name="rocket", rgb=True)
    widget = _dock(viewer)
    _prepared(qtbot, widget)
    widget.k_slider.value = 10
    assert widget.blind_exposure.value and widget.exposure_slider.enabled  # live while the box is ticked
    blind = widget.exposure_slider.value
    _run(qtbot, widget)
    meta = viewer.layers["rocket enhanced"].metadata["lowlight"]
    assert meta["gamma_source"] == "estimated" and meta["gamma"] > 2.25
    # the decision comes with its interval, in the metadata and the message
    assert meta["gamma_low"] <= meta["gamma"] <= meta["gamma_high"]
    assert meta["exposure_text"] == f"exposure {meta['gamma']:.1f}, likely {meta['gamma_low']:.1f}-{meta['gamma_high']:.1f}"
    # the slider started at the decision the full run took, and stays there
    assert blind == pytest.approx(meta["gamma"], abs=1e-5)
    assert widget.exposure_slider.value == pytest.approx(meta["gamma"], abs=1e-5)
    assert widget.exposure_label.value.startswith(meta["exposure_text"])
    blind_psnr = psnr(viewer.layers["rocket enhanced"].data, original)

    widget.exposure_slider.value = 2.0  # typed into the value box: the full run follows after a pause
    assert not widget.blind_exposure.value and widget.gamma_control.value == 2.0
    _settle(qtbot, widget)
    assert widget.runner.last_error is None, widget.runner.last_error
    meta = viewer.layers["rocket enhanced"].metadata["lowlight"]
    assert meta["gamma"] == 2.0 and meta["gamma_source"] == "given"
    assert psnr(viewer.layers["rocket enhanced"].data, original) > blind_psnr + 10

    widget.blind_exposure.value = True  # back to the blind decision, without a run
    assert widget.exposure_slider.value == pytest.approx(blind, abs=1e-6) and _settled(widget)

    # the exposure controls belong to the built-in reference only
    preview = viewer.layers["rocket exposure preview"]
    assert widget.exposure_slider.visible and widget.blind_exposure.visible and widget.exposure_label.visible
    widget.reference_combo.value = "LIME (fixed exponent 0.8)"
    assert not widget.exposure_slider.visible and not widget.blind_exposure.visible
    assert not widget.exposure_label.visible and not widget.preview_runner.isVisible() and not preview.visible


def _drag(widget, value):
    """Drag the exposure slider's handle to ``value`` (pressed, moved; not released)."""
    widget._slider.setSliderDown(True)
    widget.exposure_slider.value = value


def _release(widget):
    widget._slider.setSliderDown(False)  # emits sliderReleased


def test_exposure_slider_previews_live_and_enhances_on_release(make_napari_viewer, qtbot):
    from napari_maliang.lowlight.preview import ExposurePreview

    dark = darken(photo("chelsea", size=160), gamma=2.5, peak=300, seed=0)
    viewer = make_napari_viewer(show=True)  # shown: the preview is prepared for a dock on screen
    layer = viewer.add_image(dark.copy(), name="cat", rgb=True, scale=(2.0, 2.0), translate=(5.0, -3.0))
    widget = _dock(viewer)
    widget.k_slider.value = 10
    _prepared(qtbot, widget)
    assert widget.preview_runner.last_error is None, widget.preview_runner.last_error

    # the slider starts at the blind decision; the label gives its interval and the noise level
    expected = ExposurePreview(dark)
    assert widget.exposure_slider.value == pytest.approx(expected.gamma, abs=1e-5)
    assert widget.blind_exposure.value and widget.gamma_control.value is None
    assert widget.exposure_label.value == expected.text
    assert f"likely {expected.gamma_low:.1f}-{expected.gamma_high:.1f}" in widget.exposure_label.value
    assert "photons at white" in widget.exposure_label.value

    # the preview overlays the input: each preview pixel covers `factor` input pixels, centred on them
    preview = viewer.layers["cat exposure preview"]
    factor = np.asarray(widget.preview.factor)
    np.testing.assert_allclose(preview.scale[-2:], 2.0 * factor)
    np.testing.assert_allclose(preview.translate[-2:], np.array([5.0, -3.0]) + 2.0 * (factor - 1) / 2)
    assert preview.data.shape == widget.preview.shape and max(preview.data.shape[:2]) <= 512
    start_mean = float(preview.data.mean())

    # dragging updates the preview only: higher exponent, brighter; lower, darker; no full run
    _drag(widget, 3.5)
    assert not widget.blind_exposure.value
    brighter = float(preview.data.mean())
    assert preview.metadata["exposure_preview"]["gamma"] == pytest.approx(3.5)
    _drag(widget, 1.5)
    darker = float(preview.data.mean())
    assert brighter > start_mean + 0.02 > start_mean - 0.02 > darker
    qtbot.wait(2 * widget.COMMIT_MS)
    assert not widget.runner.running and "cat enhanced" not in viewer.layers

    # release: the exposure is set and the full-resolution image enhanced with it
    _drag(widget, 2.8)
    _release(widget)
    assert widget.runner.running
    _settle(qtbot, widget)
    assert widget.runner.last_error is None, widget.runner.last_error
    out = viewer.layers["cat enhanced"]
    meta = out.metadata["lowlight"]
    assert meta["gamma"] == widget.exposure_slider.value == pytest.approx(2.8, abs=1e-6)
    assert meta["gamma_source"] == "given"
    assert out.data.shape == dark.shape
    np.testing.assert_array_equal(layer.data, dark)  # the input is never written
    # the result replaces the preview on screen; the preview looked like it
    assert out.visible and not preview.visible
    from napari_maliang._shared.resample import resize_area

    shown = resize_area(out.data, preview.data.shape[:2])
    assert np.abs(shown - preview.data).mean() < 0.03

    # a new drag hides the result (of another exposure now) and shows the preview again
    _drag(widget, 3.0)
    assert preview.visible and not out.visible
    _release(widget)
    _settle(qtbot, widget)
    assert out.visible and out.metadata["lowlight"]["gamma"] == pytest.approx(3.0, abs=1e-6)


def test_release_during_a_run_restarts_it_with_the_new_exposure(make_napari_viewer, qtbot):
    dark = darken(photo("coffee", size=128), gamma=2.5, peak=500, seed=1)
    viewer = make_napari_viewer(show=True)
    viewer.add_image(dark, name="coffee", rgb=True)
    widget = _dock(viewer)
    widget.k_slider.value = 10
    _prepared(qtbot, widget)
    widget.runner.run_button.click()  # a blind run
    assert widget.runner.running
    _drag(widget, 2.2)
    _release(widget)  # while it runs: cancelled and started again with 2.2
    assert widget._enhance_latest.pending or not widget.runner.running
    _settle(qtbot, widget)
    meta = viewer.layers["coffee enhanced"].metadata["lowlight"]
    assert meta["gamma"] == pytest.approx(2.2, abs=1e-6) and meta["gamma_source"] == "given"


def test_preview_follows_the_chosen_layer_and_not_a_hidden_dock(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()  # not shown: nothing is prepared until asked
    first = viewer.add_image(darken(photo("astronaut", size=64), gamma=3.0, peak=0), name="a", rgb=True)
    second = viewer.add_image(darken(photo("coffee", size=64), gamma=1.5, peak=0)[..., 0], name="b")
    widget = _dock(viewer)
    widget.reset_choices()
    widget.layer_combo.value = first
    qtbot.wait(2 * widget.PREPARE_MS)
    assert widget.preview is None and not widget.preview_runner.running
    widget.preview_runner.run_button.click()  # the button prepares it
    _settle(qtbot, widget)
    assert widget.preview_source is first and "a exposure preview" in viewer.layers
    widget.layer_combo.value = second
    widget.preview_runner.run_button.click()
    _settle(qtbot, widget)
    gray = viewer.layers["b exposure preview"]
    assert widget.preview_source is second and gray.data.ndim == 2 and gray.colormap.name == "gray"
    assert [ly.name for ly in viewer.layers] == ["a", "b", "a exposure preview", "b exposure preview"]

    # a stack cannot be previewed: said on the decision line, no error notification for an automatic job
    stack = viewer.add_image(np.zeros((3, 16, 16), np.float32), name="stack")
    viewer.window.show()  # on screen now: choosing a layer prepares its preview by itself
    widget.layer_combo.value = stack
    qtbot.waitUntil(lambda: "no preview" in widget.exposure_label.value, timeout=5_000)
    assert widget.preview is None and widget.preview_runner.last_error is None
    widget.layer_combo.value = second
    _prepared(qtbot, widget)

    # the user takes the preview layer (puts their own data in): it is never written again, a fresh one is
    # made, placed like the first
    mine = np.zeros_like(gray.data)
    gray.data = mine
    widget._set_slider(3.0)  # a move that is not the user's: the preview only
    assert gray.data is mine and not mine.any()
    fresh = viewer.layers["b exposure preview [1]"]
    np.testing.assert_allclose(fresh.scale, gray.scale)
    assert fresh.colormap.name == "gray" and fresh.metadata["exposure_preview"]["gamma"] == 3.0
    assert _settled(widget) and "b enhanced" not in viewer.layers
