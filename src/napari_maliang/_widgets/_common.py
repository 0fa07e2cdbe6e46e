"""Shared pieces of every docked widget: background jobs with progress and cancel, and output layers.

Conventions (docs/architecture.md, "One long-work protocol"): long work is a generator that ``yield``s progress and
``return``s its result; :class:`JobRunner` runs it in a napari ``thread_worker`` so the
viewer stays responsive, shows a progress bar, and stops at the next ``yield`` on Cancel.
Errors are shown with :func:`napari.utils.notifications.show_error`; no input layer is touched.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Generator

from napari.qt.threading import GeneratorWorker, thread_worker
from napari.utils.notifications import show_error, show_info
from qtpy.QtCore import Signal
from qtpy.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from napari_maliang._progress import Progress

__all__ = [
    "LAYER_LIST_EVENTS",
    "JobRunner",
    "Progress",
    "chosen_layer",
    "follow_layer_list",
    "image_2d",
    "layer_choices",
    "output_layer",
    "placement",
    "refresh_choices",
    "show_error",
    "show_info",
]


class JobRunner(QWidget):
    """A Run button, a progress bar, a status line and a Cancel button for one background job.

    Parameters
    ----------
    run_label : str
        Text of the run button.
    start : callable
        Called with no arguments when Run is pressed; returns ``(generator, on_done)`` where
        ``generator`` yields :class:`Progress` (or ``None``) and returns the result, and
        ``on_done(result)`` runs in the GUI thread. It may raise ``ValueError``/``TypeError``
        with a message for the user, which is shown and nothing runs.
    run_tip : str, optional
        What the job does, one sentence for the Run button's tool tip (which adds that it runs in the background).
    cancel_tip : str, optional
        The Cancel button's tool tip (default: stops at the next step and gives no result; say so where the
        tool keeps partial results instead).
    """

    finished = Signal()

    def __init__(self, run_label: str, start: Callable[[], tuple[Generator, Callable]], parent=None, *,
                 run_tip: str = "", cancel_tip: str = ""):
        super().__init__(parent)
        self._start = start
        self.worker: GeneratorWorker | None = None
        self.last_result = None
        self.last_error: BaseException | None = None
        self.was_cancelled = False
        # deleting this widget (dock or viewer closed) asks a running job to stop at its next yield; the
        # slot holds the running worker in a list, not self (which is being destroyed when it is called)
        current = self._current_worker = [None]
        self.destroyed.connect(lambda *_: current[0] is not None and current[0].quit())

        self.run_button = QPushButton(run_label)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        what = f"{run_label}: {run_tip.rstrip('.')}." if run_tip else f"{run_label}."
        self.run_button.setToolTip(f"{what} Runs in the background; the viewer stays responsive.")
        self.cancel_button.setToolTip(cancel_tip or "Stop the job at its next step; a cancelled run gives no result.")
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.status = QLabel("")
        self.status.setWordWrap(True)

        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status)

        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)

    @property
    def running(self) -> bool:
        return self.worker is not None

    def run(self) -> None:
        """Start the job (no-op while one runs)."""
        if self.running:
            return
        self.last_error = None
        self.was_cancelled = False
        try:
            generator, on_done = self._start()
        except (ValueError, TypeError, RuntimeError) as exc:
            self._fail(exc)
            return

        worker = thread_worker(lambda: (yield from generator), start_thread=False, ignore_errors=True)()
        self._t0 = time.perf_counter()
        # the worker's signals outlive this widget (closed dock, closed viewer): every slot first checks
        # that the widget still exists
        worker.yielded.connect(lambda progress: self._alive() and self._on_progress(progress))
        worker.returned.connect(lambda result: self._alive() and self._on_returned(result, on_done))
        worker.errored.connect(lambda exc: self._alive() and self._fail(exc))
        worker.aborted.connect(lambda: self._alive() and self._on_aborted())
        finished = weakref.ref(worker)  # a weak reference: no cycle that the collector could free mid-signal
        worker.finished.connect(lambda: self._on_finished(finished()))
        self.worker = self._current_worker[0] = worker
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress_bar.setValue(0)
        self.status.setText("running…")
        worker.start()

    def cancel(self) -> None:
        """Ask the job to stop at its next ``yield``."""
        if self.worker is not None:
            self.status.setText("cancelling…")
            self.worker.quit()

    def _on_progress(self, progress) -> None:
        if not isinstance(progress, Progress):
            return
        self.progress_bar.setValue(int(1000 * progress.fraction))
        if progress.message:
            self.status.setText(progress.message)

    def _on_returned(self, result, on_done) -> None:
        self.last_result = result
        self.progress_bar.setValue(1000)
        try:
            on_done(result)
        except (ValueError, TypeError, RuntimeError) as exc:
            self._fail(exc)
            return
        self.status.setText(f"done in {time.perf_counter() - self._t0:.2f} s")

    def _on_aborted(self) -> None:
        self.was_cancelled = True
        self.status.setText("cancelled")

    def _fail(self, exc: BaseException) -> None:
        self.last_error = exc
        self.status.setText(f"error: {exc}")
        show_error(str(exc))

    def _on_finished(self, worker=None) -> None:
        _keep_until_idle(worker)
        if worker is not None and worker is not self.worker:
            return
        self.worker = self._current_worker[0] = None
        if not self._alive():  # the widget was deleted while the job ran: nothing to show
            return
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.finished.emit()

    def _alive(self) -> bool:
        """False once Qt has deleted this widget (its dock or the viewer was closed)."""
        try:
            self.objectName()
        except RuntimeError:
            return False
        return True


#: finished workers held until the event loop has delivered every signal they queued (see _keep_until_idle)
_RETIRED: set = set()


def _keep_until_idle(worker) -> None:
    """Keep a finished worker (and with it its Qt signal object and the slots connected to it) alive until the
    event loop is next idle, then let it go.

    A worker's signals are queued from its thread to the GUI thread; if the last reference to the worker went
    while one of its slots still ran (the runner drops it in the ``finished`` slot), its signal object and the
    slot being called could be freed under PyQt: the GUI suite once died there with a segmentation fault, the
    faulthandler trace ending in one of these slots with no line number (a freed callable). Released by a
    zero-delay timer, a worker is destroyed only after all its queued signals have been delivered.
    """
    if worker is None:
        return
    from qtpy.QtCore import QTimer

    _RETIRED.add(worker)
    QTimer.singleShot(0, lambda: _RETIRED.discard(worker))


def output_layer(viewer, data, *, name: str, layer_type: str = "labels", protect=(), **kwargs):
    """Add a new output layer ``name``, or update the output layer of that name made by an earlier run.

    An existing layer is only reused when this function made it (a user's layer that merely has the
    name is never written), the user has not replaced its data (or painted into it) since, it is of ``layer_type`` and it
    is not one of the ``protect`` layers (the inputs). Otherwise the result goes into a new layer,
    named ``"name [1]"``, ``"name [2]"`` ... when ``name`` is taken; later runs update that one.

    Returns
    -------
    napari.layers.Layer
    """
    viewer = _unwrap(viewer)
    protected = {id(_unwrap(layer)) for layer in protect}
    classes = _layer_classes([layer_type])
    for candidate in _names(viewer, name):
        layer = viewer.layers[candidate]
        if isinstance(layer, classes) and id(layer) not in protected and _is_ours(layer):
            if layer_type in _PER_ELEMENT:
                return _own(_replace(viewer, layer, layer_type, data, kwargs))
            layer.data = data
            for key, value in kwargs.items():
                if hasattr(layer, key) and key not in ("metadata",):
                    setattr(layer, key, value)
            if "metadata" in kwargs:
                layer.metadata.update(kwargs["metadata"])
            return _own(layer)
    if name in viewer.layers:
        name = _free_name(viewer, name)
    add = getattr(viewer, f"add_{layer_type}")
    return _own(add(data, name=name, **kwargs))


# output layers made by output_layer -> a reference to the data it gave them (weak where the array allows)
_OWNED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _own(layer):
    data = layer.data
    try:
        token = weakref.ref(data)
    except TypeError:
        token = id(data)
    _OWNED[layer] = token
    paint = getattr(layer.events, "paint", None)  # Labels are painted in place: that makes them the user's
    if paint is not None:
        paint.connect(_disown)
    return layer


def _disown(event) -> None:
    _OWNED.pop(event.source, None)


def _is_ours(layer) -> bool:
    """True for a layer output_layer made whose data the user has not replaced since."""
    token = _OWNED.get(layer)
    if token is None:
        return False
    if isinstance(token, weakref.ref):
        return token() is layer.data
    return token == id(layer.data)


def _names(viewer, name: str):
    """``name``, ``name [1]``, ``name [2]`` ... as long as the viewer has them."""
    if name in viewer.layers:
        yield name
    index = 1
    while f"{name} [{index}]" in viewer.layers:
        yield f"{name} [{index}]"
        index += 1


# layers whose features and colours are per element: updating data, features and colours one after the
# other passes through inconsistent states when the count changes, so the layer is replaced in place
_PER_ELEMENT = ("points", "shapes", "vectors")


def _replace(viewer, layer, layer_type, data, kwargs):
    index = viewer.layers.index(layer)
    name, visible = layer.name, layer.visible
    viewer.layers.remove(layer)
    new = getattr(viewer, f"add_{layer_type}")(data, name=name, visible=visible, **kwargs)
    viewer.layers.move(viewer.layers.index(new), index)
    return new


def _unwrap(obj):
    """The object behind napari's ``PublicOnlyProxy`` (plugin widgets receive proxied viewers and layers,
    and each access returns a new proxy, so identity and type checks must look behind it)."""
    return getattr(obj, "__wrapped__", obj)


def _free_name(viewer, name: str) -> str:
    index = 1
    while f"{name} [{index}]" in viewer.layers:
        index += 1
    return f"{name} [{index}]"


# --------------------------------------------------------------------------- layer choosers

#: layer-list events after which a layer chooser must be refreshed
LAYER_LIST_EVENTS = ("inserted", "removed", "reordered", "renamed")


def _layer_classes(types) -> tuple[type, ...]:
    from napari import layers

    return tuple(getattr(layers, t.capitalize()) if isinstance(t, str) else t for t in types)


def layer_choices(viewer, *types, none: str | None = None, exclude: Callable[[], object] | None = None):
    """A magicgui ``choices`` callable: ``[(name, layer)]`` of the viewer's layers of ``types``.

    Parameters
    ----------
    viewer : napari.Viewer
    *types : str or type
        Layer classes, or their names (``"image"``, ``"labels"``, ``"points"``, ``"shapes"`` ...).
    none : str, optional
        When given, ``(none, None)`` is offered first.
    exclude : callable, optional
        Called on every refresh; the layer it returns (if any) is left out (e.g. the widget's own output).
    """
    classes = _layer_classes(types)

    def choices(_widget=None):
        left_out = _unwrap(exclude()) if exclude is not None else None
        found = [
            (layer.name, layer)
            for layer in viewer.layers
            if isinstance(layer, classes) and (left_out is None or _unwrap(layer) is not left_out)
        ]
        return ([(none, None)] if none is not None else []) + found

    return choices


def follow_layer_list(viewer, callback: Callable, events: tuple[str, ...] = LAYER_LIST_EVENTS) -> None:
    """Call ``callback`` after each of the layer-list ``events`` (default: inserted, removed, reordered, renamed)."""
    for name in events:
        getattr(viewer.layers.events, name).connect(callback)


def refresh_choices(*containers) -> None:
    """``reset_choices()`` of each magicgui container; a no-op once the widget is deleted (viewer closing)."""
    try:
        for container in containers:
            container.reset_choices()
    except RuntimeError:  # widget deleted while the viewer closes
        pass


def placement(layer, ndim: int = 2) -> dict:
    """``scale`` and ``translate`` of the last ``ndim`` axes of ``layer``: keyword arguments that put an
    output layer over its input."""
    import numpy as np

    return {"scale": np.asarray(layer.scale)[-ndim:], "translate": np.asarray(layer.translate)[-ndim:]}


def chosen_layer(viewer, combo, missing: str):
    """The layer chosen in ``combo``; ``ValueError(missing)`` when there is none or it left the viewer."""
    layer = combo.value
    if layer is None or layer not in viewer.layers:
        raise ValueError(missing)
    return layer


def full_resolution(layer):
    """A layer's data at full resolution, not loaded: level 0 of a multiscale layer (``np.asarray``
    of multiscale data is the coarsest level), else the data itself (possibly lazy)."""
    return layer.data[0] if getattr(layer, "multiscale", False) else layer.data


def image_2d(layer, takes: str):
    """The data of ``layer`` as an array when it is one 2-D grayscale or RGB(A) image, else ``ValueError``.

    ``takes`` completes the message: ``"layer 'x' has shape (...); <takes>"``. A multiscale layer gives
    its full-resolution level (``np.asarray`` of its data is the coarsest one); lazy (dask) data is computed.
    """
    import numpy as np

    data = np.asarray(full_resolution(layer))
    rgb = bool(getattr(layer, "rgb", False))
    if data.ndim - (1 if rgb else 0) != 2:
        raise ValueError(f"layer {layer.name!r} has shape {data.shape}; {takes}")
    return data
