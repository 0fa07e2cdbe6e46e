"""The user interferes while a docked widget's job runs: layers deleted, renamed or refilled, the dock or
the viewer closed, Run and Cancel pressed at odd moments. Nothing may raise into Qt (pytest-qt fails a test
on an exception in a Qt callback), and no layer that is not the widget's own output is ever written."""

import threading

import numpy as np
import pytest

from napari_maliang._progress import Progress
from napari_maliang._widgets._common import JobRunner

PLUGIN = "napari-maliang"


@pytest.fixture(autouse=True)
def _config_dir(tmp_path, monkeypatch):  # the PALM widget remembers camera settings
    monkeypatch.setenv("NAPARI_MALIANG_CONFIG_DIR", str(tmp_path / "config"))


def _runner(widget):
    for name in ("link_runner", "render_runner", "runner"):  # the post-processing widget: its link job
        if hasattr(widget, name):
            return getattr(widget, name)
    raise AttributeError(f"{type(widget).__name__} has no job runner")


def _hold(runner):
    """Make ``runner``'s next job wait at its start (in the worker thread) until the returned event is set."""
    gate = threading.Event()
    start = runner._start

    def held_start():
        gen, on_done = start()

        def held():
            gate.wait(20)
            return (yield from gen)

        return held(), on_done

    runner._start = held_start
    return gate


def _wait(qtbot, runner, timeout=120_000):
    """Until ``runner``'s job has ended: a guard against a hang, not a time limit. It was 30 s, and with the
    numba caches cold (a fresh checkout, or source files changed since they were written) the PALM localization
    jobs compile their kernels in the worker thread and ran past it on this 2-core machine (2 of 3 runs)."""
    qtbot.waitUntil(lambda: not runner.running, timeout=timeout)


# widget display name -> the name of its output layer for the input layer "in"
OUTPUT = {
    "Low-light enhancement": "in enhanced",
    "Inpainting codec": "in decoded",
    "Dequantization": "in dequantized",
    "Threshold": "in otsu",
    "PALM localization": "in localizations",
    "PALM analysis": "in render",
    "PALM post-processing": "in linked",
}
IMAGE_OUTPUTS = ["Low-light enhancement", "Inpainting codec", "Dequantization"]  # Image output layers


def _input(viewer, name):
    """A small input layer "in" for each widget (each run takes well under a second)."""
    rng = np.random.default_rng(0)
    if name == "Low-light enhancement":
        return viewer.add_image(rng.random((24, 24, 3)).astype(np.float32) * 0.1, name="in", rgb=True)
    if name == "Inpainting codec":
        from napari_maliang.codec.samples import cartoon

        return viewer.add_image(cartoon((48, 48), n_shapes=3, seed=4), name="in")
    if name == "Dequantization":
        x = np.tile(np.linspace(0, 255, 32), (16, 1))
        rgb = np.stack([x, 255 - x, np.full_like(x, 128)], -1).astype(np.uint8) // 32 * 32
        return viewer.add_image(rgb, name="in", rgb=True)
    if name == "PALM localization":
        from napari_maliang.smlm.sample import palm_sample

        return viewer.add_image(palm_sample(frames=6, shape=(32, 32), seed=1)[0], name="in")
    if name in ("PALM analysis", "PALM post-processing"):
        from napari_maliang.smlm.scenes import filament_scene

        locs, _ = filament_scene(n_frames=50, n_beads=0, seed=23)
        return viewer.add_points(locs[["frame", "y", "x"]].to_numpy(float), features=locs.reset_index(drop=True),
                                 name="in", size=0.3, metadata={"pixel_size_nm": 100.0})
    return viewer.add_image(rng.integers(0, 255, (32, 32)).astype(np.uint8), name="in")  # Threshold


def _prepare(viewer, name):
    layer = _input(viewer, name)
    dock, widget = viewer.window.add_plugin_dock_widget(PLUGIN, name)
    if name == "PALM localization":
        widget.layer_combo.setCurrentText("in")
        widget.backend.value = "cpu"
    elif name in ("PALM analysis", "PALM post-processing"):
        widget.reset_choices()
        widget.points_combo.value = layer
    else:
        widget.reset_choices()
        widget.layer_combo.value = layer
    if name == "Inpainting codec":
        widget.rd_check.value = False
    if name == "Dequantization":
        widget.auto_update.value = False
    return layer, dock, widget


# ------------------------------------------------------------------ 1. input deleted while the job runs

@pytest.mark.parametrize("name", list(OUTPUT))
def test_input_deleted_while_running_still_publishes(make_napari_viewer, qtbot, name):
    viewer = make_napari_viewer()
    layer, _, widget = _prepare(viewer, name)
    bystander = viewer.add_image(np.zeros((4, 4)), name="bystander")
    runner = _runner(widget)
    gate = _hold(runner)
    runner.run()
    assert runner.running
    viewer.layers.remove(layer)
    gate.set()
    _wait(qtbot, runner)
    assert runner.last_error is None, runner.last_error
    assert OUTPUT[name] in viewer.layers  # the result is still published under its name
    assert "in" not in viewer.layers  # the deleted input does not come back
    assert float(bystander.data.max()) == 0.0


# ------------------------------------------------------------------ 4. dock or viewer closed while running

@pytest.mark.parametrize("name", list(OUTPUT))
def test_dock_closed_while_running_drops_the_job_quietly(make_napari_viewer, qtbot, name):
    """Before: the result arrived in a deleted widget (RuntimeError: wrapped C/C++ object of type
    QProgressBar has been deleted, raised in a Qt callback) and the runner never said it finished."""
    from qtpy import sip

    viewer = make_napari_viewer()
    _, dock, widget = _prepare(viewer, name)
    runner = _runner(widget)
    gate = _hold(runner)
    runner.run()
    viewer.window.remove_dock_widget(dock)
    widget.deleteLater()
    qtbot.waitUntil(lambda: sip.isdeleted(runner), timeout=5_000)
    gate.set()
    _wait(qtbot, runner)
    qtbot.wait(100)
    assert [layer.name for layer in viewer.layers] == ["in"]  # the abandoned job publishes nothing


def test_viewer_closed_while_running(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    _, _, widget = _prepare(viewer, "Low-light enhancement")
    runner = widget.runner
    gate = _hold(runner)
    runner.run()
    viewer.close()
    qtbot.wait(50)
    gate.set()
    _wait(qtbot, runner)
    qtbot.wait(100)


# ------------------------------------------------------------------ 2. the output layer taken over by the user

@pytest.mark.parametrize("name", IMAGE_OUTPUTS)
def test_user_layer_with_the_output_name_is_never_written(make_napari_viewer, qtbot, name):
    """Before: a user's Image layer named like the output was overwritten by the result."""
    viewer = make_napari_viewer()
    layer, _, widget = _prepare(viewer, name)
    mine = viewer.add_image(np.full(layer.data.shape, 7, layer.data.dtype), name=OUTPUT[name], rgb=layer.rgb)
    for _ in range(2):  # the second run updates the first run's output, no third layer
        widget.runner.run()
        _wait(qtbot, widget.runner)
        assert widget.runner.last_error is None, widget.runner.last_error
    assert np.all(np.asarray(mine.data) == 7)
    out = viewer.layers[f"{OUTPUT[name]} [1]"]
    assert not np.all(np.asarray(out.data) == 7)
    assert len(viewer.layers) == (5 if name == "Inpainting codec" else 3)  # codec: + edges, source points


def test_output_data_replaced_or_renamed_by_the_user_gets_a_fresh_layer(make_napari_viewer, qtbot):
    """Before: the re-run wrote into the output whose data the user had replaced (now the user's data),
    and into a user layer renamed to the output's name."""
    viewer = make_napari_viewer()
    layer, _, widget = _prepare(viewer, "Threshold")

    def run():
        widget.runner.run()
        _wait(qtbot, widget.runner)
        assert widget.runner.last_error is None, widget.runner.last_error

    run()
    out = viewer.layers["in otsu"]
    user_data = np.full(out.data.shape, 5, out.data.dtype)
    out.data = user_data  # the user puts their own labels in
    run()
    assert out.data is user_data and int(out.data.max()) == 5
    fresh = viewer.layers["in otsu [1]"]
    assert set(np.unique(fresh.data)) <= {0, 1}
    # a renamed output is left alone; a user layer given the output's name is not written either
    fresh.name = "kept"
    kept = fresh.data.copy()
    run()
    np.testing.assert_array_equal(fresh.data, kept)
    assert "in otsu [1]" in viewer.layers and len(viewer.layers) == 4
    np.testing.assert_array_equal(np.asarray(layer.data), np.asarray(layer.data))  # input never replaced


# ------------------------------------------------------------------ 3. Run twice, Cancel late, Cancel then Run

def _gated_job(gate, n=3):
    for i in range(n):
        gate.wait(10)
        yield Progress(i + 1, n)
    return n


def test_run_twice_cancel_late_and_cancel_then_run(qtbot):
    results = []
    gate = threading.Event()
    runner = JobRunner("Run", lambda: (_gated_job(gate), results.append))
    qtbot.addWidget(runner)
    runner.run()
    runner.run()  # pressed twice quickly: one job
    gate.set()
    _wait(qtbot, runner)
    assert results == [3]
    runner.cancel()  # Cancel after the job finished: nothing happens
    assert runner.status.text().startswith("done in") and not runner.was_cancelled and runner.last_error is None
    gate.clear()
    runner.run()
    runner.cancel()
    runner.run()  # still stopping: ignored
    gate.set()
    _wait(qtbot, runner)
    assert runner.was_cancelled and results == [3]
    runner.run()  # and Run again after Cancel works
    _wait(qtbot, runner)
    assert results == [3, 3] and not runner.was_cancelled


# ------------------------------------------------------------------ 5. the chosen layer removed before Run

@pytest.mark.parametrize("name", list(OUTPUT))
def test_chosen_layer_removed_before_run(make_napari_viewer, qtbot, name):
    viewer = make_napari_viewer()
    layer, _, widget = _prepare(viewer, name)
    viewer.layers.remove(layer)
    runner = _runner(widget)
    runner.run()
    _wait(qtbot, runner)
    assert isinstance(runner.last_error, ValueError)
    assert runner.status.text().startswith("error:")
    assert len(viewer.layers) == 0


# ------------------------------------------------------------------ 6. dequantization brushes deleted

def test_brushes_deleted_while_running(make_napari_viewer, qtbot):
    from napari_maliang.dequantize.brushes import HARD

    viewer = make_napari_viewer()
    _, _, widget = _prepare(viewer, "Dequantization")
    brushes = widget.add_brushes()
    brushes.data[:, 15] = HARD
    gate = _hold(widget.runner)
    widget.runner.run()
    viewer.layers.remove(brushes)
    brushes.data = np.zeros_like(brushes.data)  # events of the removed layer: no update is due
    gate.set()
    _wait(qtbot, widget.runner)
    qtbot.wait(2 * widget.DEBOUNCE_MS)
    assert widget.runner.last_error is None, widget.runner.last_error
    assert widget.brushes is None and not widget.runner.running
    assert [x.name for x in viewer.layers] == ["in", "in dequantized"]
    again = widget.add_brushes()  # a new brush layer is made
    assert again in viewer.layers and not np.asarray(again.data).any()


def test_codec_keeps_a_user_points_layer_named_like_its_source_points(make_napari_viewer, qtbot):
    """Before: the codec removed any layer named '<input> source points' before publishing its own."""
    viewer = make_napari_viewer()
    _, _, widget = _prepare(viewer, "Inpainting codec")
    mine = viewer.add_points(np.array([[1.0, 2.0]]), name="in source points")
    for _ in range(2):
        widget.runner.run()
        _wait(qtbot, widget.runner)
        assert widget.runner.last_error is None, widget.runner.last_error
    assert mine in viewer.layers and mine.name == "in source points"
    np.testing.assert_array_equal(mine.data, [[1.0, 2.0]])
    assert len(viewer.layers["in source points [1]"].data) > 1
    assert len(viewer.layers) == 5


def test_labels_output_painted_by_the_user_is_kept(make_napari_viewer, qtbot):
    """Before: corrections painted into a Labels output were overwritten by the next run."""
    viewer = make_napari_viewer()
    _, _, widget = _prepare(viewer, "Threshold")
    for _ in range(2):
        widget.runner.run()
        _wait(qtbot, widget.runner)
        assert widget.runner.last_error is None, widget.runner.last_error
        if "in otsu [1]" not in viewer.layers:
            out = viewer.layers["in otsu"]
            out.selected_label = 7
            out.brush_size = 3
            out.paint((10, 10), 7)  # the user corrects the mask by hand
            painted = np.asarray(out.data).copy()
    np.testing.assert_array_equal(out.data, painted)
    assert int(np.asarray(viewer.layers["in otsu [1]"].data).max()) <= 1


def test_plot_dock_closed_by_the_user_comes_back_on_the_next_run(make_napari_viewer, qtbot):
    """Before: after the user closed the 'Drift plot' dock (its x button), re-running drew into the
    hidden, undocked canvas: no plot was shown again."""
    from napari_maliang.smlm.scenes import filament_scene

    viewer = make_napari_viewer(show=True)
    locs, _ = filament_scene(n_frames=300, n_beads=1, locs_per_frame=3, drift_amplitude=2.0, seed=21)
    layer = viewer.add_points(locs[["frame", "y", "x"]].to_numpy(float), features=locs.reset_index(drop=True),
                              name="in", size=0.3, metadata={"pixel_size_nm": 100.0})
    _, widget = viewer.window.add_plugin_dock_widget(PLUGIN, "PALM analysis")
    widget.points_combo.value = layer
    widget.drift_method.value = "fiducial"
    for _ in range(2):
        widget.drift_runner.run()
        _wait(qtbot, widget.drift_runner)
        assert widget.drift_runner.last_error is None, widget.drift_runner.last_error
        assert "Drift plot" in viewer.window.dock_widgets
        canvas = widget.drift_canvas
        qtbot.waitUntil(canvas.isVisible, timeout=5_000)
        canvas.parent().destroyOnClose()  # the user closes the plot with its x button
        assert "Drift plot" not in viewer.window.dock_widgets


def test_brush_strokes_after_their_image_was_deleted_update_nothing(make_napari_viewer, qtbot):
    """Before: with the brushes' image deleted, the chooser moved to another image and the next stroke
    dequantized that unrelated layer with the old strokes ('other dequantized' appeared)."""
    from napari_maliang.dequantize.brushes import HARD

    viewer = make_napari_viewer()
    layer, _, widget = _prepare(viewer, "Dequantization")
    other = viewer.add_image(np.full((16, 32, 3), 64, np.uint8), name="other", rgb=True)
    widget.layer_combo.value = layer
    widget.auto_update.value = True
    brushes = widget.add_brushes()

    def settled():
        return not widget.runner.running and not widget._timer.isActive() and not widget._pending

    brushes.paint((5, 15), HARD)
    qtbot.waitUntil(settled, timeout=20_000)
    assert "in dequantized" in viewer.layers
    viewer.layers.remove(layer)
    brushes.paint((8, 15), HARD)
    qtbot.wait(widget.DEBOUNCE_MS + 100)
    qtbot.waitUntil(settled, timeout=20_000)
    assert [x.name for x in viewer.layers] == ["other", "in dequantized", "in brushes"]
    assert "brushes belong to another image" in widget.runner.status.text()
    np.testing.assert_array_equal(other.data, 64)
    # brushes made for the other image update it again
    widget.layer_combo.value = other
    widget.add_brushes().paint((3, 3), HARD)
    qtbot.wait(widget.DEBOUNCE_MS + 100)
    qtbot.waitUntil(settled, timeout=20_000)
    assert "other dequantized" in viewer.layers


def test_deleting_the_input_frees_the_cached_dequantizer(make_napari_viewer, qtbot):
    """Before: the solver of a deleted image stayed cached under the ids of the layer and its data; a new
    layer at the same address with data of the same shape would have been dequantized as the old image."""
    viewer = make_napari_viewer()
    layer, _, widget = _prepare(viewer, "Dequantization")
    widget.runner.run()
    _wait(qtbot, widget.runner)
    assert widget._dq is not None
    viewer.layers.remove(layer)
    assert widget._dq is None and widget._dq_key is None
