"""JobRunner and output_layer, the pieces every docked widget is built on, in a real viewer."""

import threading

import numpy as np

from napari_maliang._progress import Progress
from napari_maliang._widgets._common import JobRunner, output_layer


def _counting_job(n, gate=None):
    for i in range(n):
        if gate is not None:
            gate.wait(5)
        yield Progress(i + 1, n, f"step {i + 1} of {n}")
    return n * 10


def test_job_runner_reports_progress_and_delivers_result(qtbot):
    results = []
    runner = JobRunner("Run", lambda: (_counting_job(5), results.append))
    qtbot.addWidget(runner)
    with qtbot.waitSignal(runner.finished, timeout=10_000):
        runner.run_button.click()
    assert results == [50]
    assert runner.progress_bar.value() == 1000
    assert runner.status.text().startswith("done in")
    assert runner.run_button.isEnabled() and not runner.cancel_button.isEnabled()


def test_job_runner_cancel_stops_at_next_yield(qtbot):
    results = []
    gate = threading.Event()
    runner = JobRunner("Run", lambda: (_counting_job(1000, gate), results.append))
    qtbot.addWidget(runner)
    runner.run()
    assert runner.running and runner.cancel_button.isEnabled()
    with qtbot.waitSignal(runner.finished, timeout=10_000):
        runner.cancel_button.click()
        gate.set()
    assert results == [] and runner.was_cancelled
    assert runner.status.text() == "cancelled"


def test_job_runner_shows_user_errors_without_running(qtbot):
    def start():
        raise ValueError("expected an RGB image of shape (H, W, 3), got (4, 4, 4)")

    runner = JobRunner("Run", start)
    qtbot.addWidget(runner)
    runner.run()
    assert not runner.running
    assert "expected an RGB image" in runner.status.text()
    assert isinstance(runner.last_error, ValueError)


def test_job_runner_reports_errors_raised_inside_the_job(qtbot):
    def failing():
        yield Progress(0, 1)
        raise ValueError("no molecules found")

    runner = JobRunner("Run", lambda: (failing(), lambda result: None))
    qtbot.addWidget(runner)
    with qtbot.waitSignal(runner.finished, timeout=10_000):
        runner.run()
    assert "no molecules found" in runner.status.text()


def test_output_layer_updates_output_and_never_the_input(make_napari_viewer):
    viewer = make_napari_viewer()
    image = viewer.add_image(np.zeros((8, 8)), name="cells")
    first = output_layer(viewer, np.ones((8, 8), int), name="cells otsu", protect=[image])
    second = output_layer(viewer, np.full((8, 8), 2), name="cells otsu", protect=[image])
    assert first is second and int(second.data.max()) == 2
    # an output named like the input must not replace the input
    third = output_layer(viewer, np.ones((8, 8), int), name="cells", layer_type="image", protect=[image])
    assert third is not image and third.name == "cells [1]"
    assert float(image.data.max()) == 0.0
    assert len(viewer.layers) == 3


def test_output_layer_sees_through_plugin_proxies(make_napari_viewer):
    from napari.utils._proxies import PublicOnlyProxy

    real = make_napari_viewer()
    viewer = PublicOnlyProxy(real)
    image = viewer.add_image(np.zeros((8, 8)), name="cells")
    first = output_layer(viewer, np.ones((8, 8), int), name="cells otsu", protect=[viewer.layers["cells"]])
    second = output_layer(viewer, np.full((8, 8), 2), name="cells otsu", protect=[image])
    assert len(real.layers) == 2 and int(real.layers["cells otsu"].data.max()) == 2
    assert getattr(first, "__wrapped__", first) is getattr(second, "__wrapped__", second)
    output_layer(viewer, np.ones((8, 8)), name="cells", layer_type="image", protect=[viewer.layers["cells"]])
    assert float(real.layers["cells"].data.max()) == 0.0 and "cells [1]" in real.layers


def test_output_points_layer_can_change_its_point_count(make_napari_viewer):
    import pandas as pd

    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((8, 8)), name="below")
    first = output_layer(viewer, np.zeros((5, 2)), name="locs", layer_type="points",
                         features=pd.DataFrame({"photons": np.arange(5.0)}), face_color="photons")
    viewer.add_image(np.zeros((8, 8)), name="above")
    second = output_layer(viewer, np.ones((3, 2)), name="locs", layer_type="points",
                          features=pd.DataFrame({"photons": [1.0, 2.0, 3.0]}), face_color="photons")
    assert len(second.data) == 3 and second.features["photons"].tolist() == [1.0, 2.0, 3.0]
    assert [layer.name for layer in viewer.layers] == ["below", "locs", "above"]
    assert first not in viewer.layers


def test_image_2d_reads_full_resolution_of_multiscale_and_lazy_layers():
    import dask.array as da
    import pytest
    from napari.layers import Image

    from napari_maliang._widgets._common import image_2d

    a = np.random.default_rng(0).integers(0, 255, (64, 80)).astype(np.uint8)
    multi = Image([a, a[::2, ::2], a[::4, ::4]], multiscale=True)
    np.testing.assert_array_equal(image_2d(multi, "x"), a)  # np.asarray gave the coarsest level (16, 20)
    lazy = image_2d(Image(da.from_array(a, chunks=16)), "x")
    assert isinstance(lazy, np.ndarray)
    np.testing.assert_array_equal(lazy, a)
    rgba = np.dstack([a, a, a, a])
    assert image_2d(Image(rgba), "x").shape == (64, 80, 4)
    with pytest.raises(ValueError, match="one plane"):
        image_2d(Image(np.stack([a, a, a])), "one plane")
    with pytest.raises(ValueError, match="one plane"):
        image_2d(Image([np.stack([a, a])] * 2, multiscale=True), "one plane")


def test_finished_worker_is_freed_after_its_signals_not_by_the_cycle_collector(qtbot):
    """A finished worker is kept until its queued signals are delivered, then freed by reference counting.

    The GUI suite once died with a segmentation fault inside one of JobRunner's worker slots (faulthandler: a
    lambda of _common.py, no line number). A worker caught in a reference cycle (its slots holding it) is freed by
    Python's cycle collector at any moment, possibly while a slot of that worker runs; so no cycle may hold it,
    and the runner keeps it alive until the event loop is idle (``_keep_until_idle``).
    """
    import gc
    import weakref

    from napari_maliang._widgets import _common

    refs = []
    runner = JobRunner("Run", lambda: (_counting_job(3), lambda result: None))
    qtbot.addWidget(runner)
    runner.finished.connect(lambda: refs.append(weakref.ref(next(iter(_common._RETIRED)))))
    gc.disable()
    try:
        with qtbot.waitSignal(runner.finished, timeout=10_000):
            runner.run()
        assert refs and refs[0]() is not None  # still alive while its finished signal is being delivered
        qtbot.waitUntil(lambda: refs[0]() is None, timeout=5_000)  # freed without the cycle collector
    finally:
        gc.enable()
    assert not _common._RETIRED
