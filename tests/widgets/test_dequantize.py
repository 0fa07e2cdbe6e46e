import numpy as np
import pytest

from napari_maliang.dequantize import kmeans_quantize, requantization_mask
from napari_maliang.dequantize.brushes import HARD


@pytest.fixture
def ramp_image():
    x = np.tile(np.linspace(0, 255, 256), (64, 1))
    original = np.stack([x, 255 - x, np.full_like(x, 128)], -1).astype(np.uint8)
    return kmeans_quantize(original, 8)


def _dock(make_napari_viewer, image):
    viewer = make_napari_viewer(show=True)  # shown: screenshots need a drawn canvas (Xvfb)
    layer = viewer.add_image(image, name="quantized", rgb=True)
    _, widget = viewer.window.add_plugin_dock_widget("napari-maliang", "Dequantization")
    widget.reset_choices()
    widget.layer_combo.value = layer
    return viewer, layer, widget


def _wait(qtbot, widget):
    qtbot.waitUntil(lambda: not widget.runner.running and not widget._timer.isActive() and not widget._pending,
                    timeout=60000)


def test_run_brushes_undo_and_screenshot(make_napari_viewer, qtbot, ramp_image):
    viewer, layer, widget = _dock(make_napari_viewer, ramp_image)
    widget.runner.run()
    _wait(qtbot, widget)
    out = viewer.layers["quantized dequantized"]
    base = np.asarray(out.data).copy()
    assert base.shape == ramp_image.shape and requantization_mask(base, ramp_image).all()
    assert np.array_equal(np.asarray(layer.data), ramp_image)  # input untouched

    brushes = widget.add_brushes()
    assert brushes.__wrapped__ is viewer.layers["quantized brushes"]
    assert brushes.mode in ("paint", "PAINT") or getattr(brushes.mode, "value", None) == "paint", repr(brushes.mode)
    assert viewer.layers[-1].name == brushes.name
    cmap = brushes.colormap.color_dict
    np.testing.assert_allclose(cmap[1][:3], (1, 0, 1))  # magenta
    np.testing.assert_allclose(cmap[2][:3], (0, 0, 1))  # blue
    assert cmap[3][1] > 0.5 and cmap[3][0] == 0 and cmap[4][0] == 1  # green, red

    # find a soft band edge of the ramp and paint a green stroke across it
    edge_col = int(np.flatnonzero(np.any(ramp_image[0, 1:] != ramp_image[0, :-1], axis=-1))[2])
    jump = lambda img: np.abs(img[20, edge_col + 1].astype(float) - img[20, edge_col]).sum()
    jump_in = jump(ramp_image)
    assert jump(base) < 0.5 * jump_in
    brushes.selected_label = HARD
    brushes.brush_size = 4
    for y in range(10, 30, 2):
        brushes.paint((y, edge_col), HARD)
    _wait(qtbot, widget)
    assert [x.name for x in viewer.layers].count("quantized dequantized") == 1
    assert not any(x.name.startswith("quantized dequantized [") for x in viewer.layers)  # updated in place
    hard = np.asarray(out.data).copy()
    assert jump(hard) > 0.9 * jump_in  # green: hard edge under the stroke
    np.testing.assert_allclose(hard[60], base[60], atol=1.5)  # not elsewhere

    # undo in the brush layer undoes the effect
    for _ in range(10):
        brushes.undo()
    _wait(qtbot, widget)
    assert not np.asarray(brushes.data).any()
    np.testing.assert_allclose(np.asarray(out.data), base, atol=0.5)

    # edge classification layer and screenshot of the output
    widget.show_edges.value = True
    _wait(qtbot, widget)
    edges = viewer.layers["quantized soft/hard edges"]
    assert set(np.unique(edges.data)) <= {0, 1, 2} and (np.asarray(edges.data) == 1).any()
    for other in viewer.layers:
        other.visible = other is out
    viewer.reset_view()
    shot = viewer.screenshot(canvas_only=True, flash=False)
    centre = shot[shot.shape[0] // 2, :, :3].astype(int)
    # the dequantized ramp goes red-to-green smoothly: many distinct colours along the middle row
    assert len(np.unique(centre, axis=0)) > 40


def test_sliders_and_errors(make_napari_viewer, qtbot, ramp_image):
    viewer, layer, widget = _dock(make_napari_viewer, ramp_image)
    from napari_maliang.dequantize import DequantizeOptions

    # defaults: the best measured setting (omega 0.01 in RGB), shown beside the slider
    assert abs(widget.omega / DequantizeOptions().omega - 1) < 0.02 and widget.color_space.value == "rgb"
    assert widget.omega_label.value == f"{widget.omega:.3g}"
    widget.omega_slider.value = -1.0
    assert abs(widget.omega - 0.1) < 1e-9 and widget.omega_label.value == "0.1"
    widget.omega_slider.value = np.log10(0.5)
    assert abs(widget.omega - 0.5) < 1e-4 and widget.omega_label.value == "0.5"
    widget.continuity_slider.value = 1.0  # schedules an update
    _wait(qtbot, widget)
    assert "quantized dequantized" in viewer.layers
    noisy = np.random.default_rng(0).integers(0, 256, (90, 90, 3)).astype(np.uint8)
    bad = viewer.add_image(noisy, name="noisy", rgb=True)
    widget.reset_choices()
    widget.layer_combo.value = bad
    widget.runner.run()
    _wait(qtbot, widget)
    assert widget.runner.last_error is not None and "distinct colours" in str(widget.runner.last_error)
    assert "noisy dequantized" not in viewer.layers
    widget.quantize_spin.value = 8  # the option the message points to: k-means first
    _wait(qtbot, widget)
    widget.runner.run()
    _wait(qtbot, widget)
    assert widget.runner.last_error is None, widget.runner.last_error
    assert viewer.layers["noisy dequantized"].data.shape == noisy.shape


def test_recognised_quantizer_override_and_dithered_input(make_napari_viewer, qtbot):
    from PIL import Image

    from napari_maliang.dequantize import smooth_synthetic

    original = smooth_synthetic((96, 128), seed=2)
    centre = (original // 32) * 32 + 16  # 3-bit bin-centre reduction
    viewer, layer, widget = _dock(make_napari_viewer, centre)
    widget.runner.run()
    _wait(qtbot, widget)
    assert widget.recognised.value.startswith("bin centre, 3 bits (step 32)")
    out = viewer.layers["quantized dequantized"]
    assert out.metadata["dequantize"]["quantizer"] == "center" and out.data.dtype == np.uint8
    assert ((np.asarray(out.data) // 32) * 32 + 16 == centre).all()  # re-quantizes by the same rule
    widget.quantizer.value = "floor"  # contradicts the palette: told, and the recognised lattice is kept
    _wait(qtbot, widget)
    assert widget.runner.last_error is None and widget.recognised.value.startswith("bin centre")
    assert "flat graphic" not in widget.recognised.value  # a smooth picture

    from PIL import ImageDraw, ImageFont

    dialog = Image.new("RGB", (128, 96), (239, 239, 239))  # a field with a border and text, a button
    draw = ImageDraw.Draw(dialog)
    draw.rectangle([8, 10, 119, 39], fill=(255, 255, 255), outline=(160, 160, 160))
    draw.text((12, 16), "Export", fill=(20, 20, 20), font=ImageFont.load_default(size=12))
    draw.rectangle([8, 50, 59, 85], fill=(48, 120, 210))
    boxes = np.asarray(dialog)
    flat = viewer.add_image(boxes, name="boxes", rgb=True)
    widget.reset_choices()
    widget.layer_combo.value = flat
    widget.runner.run()
    _wait(qtbot, widget)
    assert widget.recognised.value.endswith("flat graphic (flat areas and text kept)"), widget.recognised.value
    assert np.array_equal(np.asarray(viewer.layers["boxes dequantized"].data), boxes)  # already exact: kept

    pal = Image.fromarray(original).quantize(8, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    dithered = np.asarray(Image.fromarray(original).quantize(palette=pal, dither=Image.Dither.FLOYDSTEINBERG)
                          .convert("RGB"))
    bad = viewer.add_image(dithered, name="dithered", rgb=True)
    widget.reset_choices()
    widget.layer_combo.value = bad
    widget.runner.run()
    _wait(qtbot, widget)
    assert "looks dithered" in str(widget.runner.last_error) and "dithered dequantized" not in viewer.layers
    widget.dither.value = "smooth"
    _wait(qtbot, widget)
    assert widget.runner.last_error is None, widget.runner.last_error
    assert viewer.layers["dithered dequantized"].data.shape == dithered.shape


def test_end_guess_is_offered_and_taken_when_ticked(make_napari_viewer, qtbot):
    from PIL import Image, ImageDraw

    # a white page with an anti-aliased dark disc and a blue button, under the 3-bit bin centre: white and a light
    # grey share every code, so by default the page keeps its box's level and the widget offers the guess
    big = Image.new("RGB", (512, 384), (255, 255, 255))
    draw = ImageDraw.Draw(big)
    draw.ellipse([40, 40, 260, 300], fill=(49, 54, 59))
    draw.rectangle([300, 200, 480, 320], fill=(61, 174, 233))
    original = np.asarray(big.resize((128, 96), Image.Resampling.BOX))
    q = (original // 32) * 32 + 16
    viewer, layer, widget = _dock(make_napari_viewer, q)
    assert widget.end_guess.value is False
    widget.self_check.value = False  # the self-check would keep this flat picture as it is: the ends are tested here
    widget.runner.run()
    _wait(qtbot, widget)
    assert widget.runner.last_error is None, widget.runner.last_error
    assert "may be white or black: tick 'guess ends'" in widget.recognised.value, widget.recognised.value
    out = viewer.layers["quantized dequantized"]
    assert tuple(np.asarray(out.data)[2, 2]) == (240, 240, 240)
    assert out.metadata["dequantize"]["end_guess_share"] > 0.5
    widget.end_guess.value = True  # the user knows the page was white
    _wait(qtbot, widget)
    assert widget.runner.last_error is None, widget.runner.last_error
    assert "ends guessed (white, black)" in widget.recognised.value
    assert tuple(np.asarray(viewer.layers["quantized dequantized"].data)[2, 2]) == (255, 255, 255)
    assert np.array_equal(np.asarray(layer.data), q)  # the input layer is never touched


def test_a_screenshot_left_unchanged_is_said_and_can_be_forced(make_napari_viewer, qtbot, keyboard):
    centre = (keyboard // 32) * 32 + 16  # its keys, under the 3-bit bin centre, lose 3 dB when smoothed
    viewer, layer, widget = _dock(make_napari_viewer, centre)
    widget.runner.run()
    _wait(qtbot, widget)
    assert "left unchanged: the self-check gained -" in widget.recognised.value, widget.recognised.value
    assert np.array_equal(np.asarray(viewer.layers["quantized dequantized"].data), centre)
    widget.self_check.value = False  # the user dequantizes it anyway
    _wait(qtbot, widget)
    assert "left unchanged" not in widget.recognised.value
    out = np.asarray(viewer.layers["quantized dequantized"].data)
    assert not np.array_equal(out, centre) and ((out // 32) * 32 + 16 == centre).all()
