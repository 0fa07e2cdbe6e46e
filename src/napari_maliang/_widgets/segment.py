"""Docked widgets of the segmentation toolbox: Threshold, Pixel clustering (k-means), Region grow, Morphology.

Thin layer-to-layer wrappers around :mod:`napari_maliang.segment`: pick an input layer, set the
options, press Run; the result goes into a Labels layer named ``"<input> <operation>"`` which a
re-run updates (the input layer is never modified). Work runs in a background thread through
:class:`~napari_maliang._widgets._common.JobRunner` (progress bar and Cancel). 3-D stacks are
processed plane by plane; colour images are converted to grayscale where the method needs it,
and the widget says so.
"""

from __future__ import annotations

import warnings

import numpy as np
from magicgui.widgets import ComboBox, Container, Label
from qtpy.QtWidgets import QVBoxLayout, QWidget

from napari_maliang._progress import Progress
from napari_maliang._widgets._common import (
    JobRunner,
    _layer_classes,
    _unwrap,
    chosen_layer,
    follow_layer_list,
    full_resolution,
    layer_choices,
    output_layer,
    placement,
    refresh_choices,
    show_info,
)
from napari_maliang._widgets._controls import OptionControls

__all__ = ["ClusterWidget", "MorphologyWidget", "RegionGrowWidget", "ThresholdWidget"]


# --------------------------------------------------------------------------- shared plumbing


def _planes(layer, *, need_gray: bool) -> tuple[list[np.ndarray], bool, list[str]]:
    """Split a layer's data into 2-D (or colour) planes: ``(planes, is_stack, notes)``."""
    data = np.asarray(full_resolution(layer))
    rgb = bool(getattr(layer, "rgb", False))
    notes: list[str] = []
    spatial = data.ndim - (1 if rgb else 0)
    if data.size == 0:
        raise ValueError(f"layer {layer.name!r} is empty (shape {data.shape})")
    if spatial == 2:
        planes, stack = [data], False
    elif spatial == 3:
        planes, stack = list(data), True
        notes.append(f"applied per plane to the {len(planes)} planes of {layer.name!r}")
    else:
        raise ValueError(
            f"layer {layer.name!r} has {spatial} spatial dimensions (shape {data.shape}); "
            "this tool works on 2-D images and 3-D stacks (per plane)"
        )
    if rgb and need_gray:
        from napari_maliang.segment import to_gray

        converted = []
        for plane in planes:
            gray, note = to_gray(plane, name=layer.name)
            converted.append(gray)
        planes = converted
        notes.append(note)
    return planes, stack, notes


class _SegmentWidget(QWidget):
    """Base: an input-layer chooser, an options container, a JobRunner; output Labels layer."""

    input_kinds: tuple[str, ...] = ("image",)
    run_label = "Run"
    #: tool tips of the input chooser and the Run button (what the widget does)
    input_tip = "The image to segment (2-D, or a 3-D stack processed plane by plane); it is never modified."
    run_tip = "segment the input into a Labels layer '<input> <operation>', which a re-run updates"

    def __init__(self, napari_viewer):
        super().__init__()
        self.viewer = napari_viewer
        self.layer_combo = ComboBox(label="input", choices=layer_choices(napari_viewer, *self.input_kinds),
                                    tooltip=self.input_tip)
        self.options = Container(widgets=[self.layer_combo], labels=True)
        self.runner = JobRunner(self.run_label, self._start, run_tip=self.run_tip)
        self._layout = QVBoxLayout(self)
        self._layout.addWidget(self.options.native)
        self._layout.addWidget(self.runner)
        self.output = None  # the last output layer
        follow_layer_list(napari_viewer, self.reset_choices)

    def reset_choices(self, *_args) -> None:
        """Refresh the layer choosers (napari also calls this on layer changes)."""
        refresh_choices(self.options)

    def input_layer(self, combo: ComboBox | None = None, what: str = "an Image layer"):
        combo = self.layer_combo if combo is None else combo
        self.reset_choices()
        hint = " (e.g. File > Open Sample > Ma Liang > Coins)" if "Image" in what else ""
        return chosen_layer(self.viewer, combo, f"no input: add or open {what} first{hint}")

    # subclasses: return (generator, on_done)
    def _start(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def _publish(self, layer, data, operation: str, notes, **kwargs):
        name = f"{layer.name} {operation}"
        for key, value in placement(layer, data.ndim).items():
            kwargs.setdefault(key, value)
        # npe2 hands plugin widgets a PublicOnlyProxy of the viewer, whose layers are new proxy
        # objects on every access (type() and id() differ); output_layer matches the existing
        # output and the protected input by class and identity, so give it the real objects.
        self.output = output_layer(
            _unwrap(self.viewer), data, name=name, layer_type="labels", protect=[_unwrap(layer)], **kwargs
        )
        for note in notes:
            if note:
                show_info(note)
        return self.output


def _per_plane(planes, stack: bool, func, message: str):
    """Generator applying ``func(plane)`` (a plain function or a progress generator) to each plane."""
    outputs = []
    n = len(planes)
    for i, plane in enumerate(planes):
        yield Progress(i, n, f"{message}: plane {i + 1}/{n}" if stack else message)
        result = func(plane)
        if hasattr(result, "send"):  # a progress generator: forward its progress, scaled
            while True:
                try:
                    p = next(result)
                except StopIteration as stop:
                    result = stop.value
                    break
                if isinstance(p, Progress):
                    yield Progress(i + p.fraction, n, p.message + (f" (plane {i + 1}/{n})" if stack else ""))
        outputs.append(np.asarray(result))
    yield Progress(n, n, message)
    return np.stack(outputs) if stack else outputs[0]


# --------------------------------------------------------------------------- Threshold


class ThresholdWidget(_SegmentWidget):
    """Global (iterative, Otsu) and locally adaptive thresholding with a live histogram preview."""

    METHODS = ("Otsu", "iterative", "adaptive")
    run_tip = "threshold the input into a binary Labels layer '<input> <method>', which a re-run updates"

    def __init__(self, napari_viewer):
        super().__init__(napari_viewer)
        from napari_maliang.segment.threshold import AdaptiveOptions, IterativeOptions

        self.method = ComboBox(label="method", choices=list(self.METHODS), value="Otsu",
                               tooltip="Otsu: one global threshold maximizing the between-class variance; iterative: "
                                       "the mean of the two class means, repeated until it moves less than tol; "
                                       "adaptive: a threshold per window (tile).")
        self.iterative = OptionControls(IterativeOptions, ["tol"], tol={"min": 1e-6, "decimals": 6})
        self.adaptive = OptionControls(AdaptiveOptions, ["window", "step", "min_std"], min_std={"decimals": 6})
        self.tol = self.iterative["tol"]
        self.window, self.step, self.min_std = (self.adaptive[n] for n in ("window", "step", "min_std"))
        self.options.extend([self.method, *self.iterative, *self.adaptive])
        self.preview_label = Label(value="")
        self.options.append(self.preview_label)

        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=(3.2, 2.0), tight_layout=True)
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setMinimumHeight(160)
        self.axes = self.figure.add_subplot(111)
        self._layout.insertWidget(1, self.canvas)
        self.preview_threshold: float | None = None

        self.layer_combo.changed.connect(self._suggest_tolerance)
        for w in (self.layer_combo, self.method, self.tol, self.window, self.step, self.min_std):
            w.changed.connect(self.update_preview)
        self.method.changed.connect(self._show_relevant)
        napari_viewer.dims.events.current_step.connect(self.update_preview)
        self._show_relevant()
        self._suggest_tolerance()
        self.update_preview()

    def _show_relevant(self, *_):
        method = self.method.value
        self.tol.visible = method == "iterative"
        for w in self.adaptive:
            w.visible = method == "adaptive"

    def _suggest_tolerance(self, *_):
        """0.5 grey levels for integer images; 1/512 of the value range for float images."""
        layer = self.layer_combo.value
        if layer is None:
            return
        data = full_resolution(layer)
        if np.dtype(data.dtype).kind == "f" and np.prod(data.shape):
            # a strided sample of at most ~64 values per axis: a dask or huge stack is not loaded
            sample = np.asarray(data[tuple(slice(None, None, max(1, n // 64)) for n in data.shape)])
            finite = sample[np.isfinite(sample)]
            span = float(finite.max() - finite.min()) if finite.size else 0.0
            self.tol.value = max(span / 512, 1e-6) if span > 0 else 0.5
        else:
            self.tol.value = 0.5

    def _current_plane(self, layer) -> np.ndarray:
        """The displayed plane of the layer (grayscale), without converting the whole stack."""
        from napari_maliang.segment import to_gray

        data = full_resolution(layer)
        rgb = bool(getattr(layer, "rgb", False))
        if data.ndim - rgb == 3:
            step = self.viewer.dims.current_step
            axis = self.viewer.dims.ndim - (data.ndim - rgb)  # the stack axis in the viewer's dims
            index = int(step[axis]) if 0 <= axis < len(step) else 0
            data = data[int(np.clip(index, 0, data.shape[0] - 1))]
        data = np.asarray(data)
        if data.ndim - rgb != 2 or data.size == 0:
            _planes(layer, need_gray=True)  # raises the usual message
        return to_gray(data, name=layer.name)[0]

    def update_preview(self, *_args) -> None:
        """Recompute the global threshold of the current plane and draw it on the histogram."""
        try:
            self._show_relevant()
            self.axes.clear()
            self.preview_threshold = None
            layer = self.layer_combo.value
            if layer is None or layer not in self.viewer.layers:
                self.preview_label.value = "no image layer"
                self.canvas.draw_idle()
                return
            plane = self._current_plane(layer)
            from napari_maliang.segment import iterative_threshold, otsu_threshold

            shown = plane.ravel()[:: max(1, plane.size // 1_000_000)]  # a sample is enough for the plot
            finite = shown[np.isfinite(shown)] if shown.dtype.kind == "f" else shown
            if finite.size:
                self.axes.hist(finite, bins=128, color="0.45")
            method = self.method.value
            if method == "iterative":
                t = iterative_threshold(plane, options=self.iterative.options())
                text = f"iterative T = {t:.4g}"
            else:
                t = otsu_threshold(plane)
                text = f"Otsu T = {t:.4g}" if method == "Otsu" else f"uniform windows vs global Otsu T = {t:.4g}"
            self.preview_threshold = float(t)
            self.axes.axvline(t, color="tab:red", lw=2)
            self.axes.set_title(text, fontsize=8)
            self.preview_label.value = text
        except (ValueError, TypeError) as exc:
            self.preview_label.value = f"no threshold: {exc}"
            self.axes.set_title("no threshold (see message)", fontsize=8)
        self.axes.tick_params(labelsize=7)
        self.canvas.draw_idle()

    def _start(self):
        from napari_maliang.segment import adaptive_threshold_steps, iterative_threshold, otsu_threshold

        layer = self.input_layer()
        planes, stack, notes = _planes(layer, need_gray=True)
        method = self.method.value
        if method == "Otsu":

            def func(plane):
                return plane >= otsu_threshold(plane)

        elif method == "iterative":
            iterative = self.iterative.options()  # checked here, so that a bad value fails before the thread

            def func(plane):
                return plane >= iterative_threshold(plane, options=iterative)

        else:
            adaptive = self.adaptive.options()

            def func(plane):
                return adaptive_threshold_steps(plane, options=adaptive)

        job = _per_plane(planes, stack, lambda p: func(p), f"{method} threshold")
        operation = method.lower()

        def on_done(mask):
            self._publish(layer, mask.astype(np.uint8), operation, notes)

        return job, on_done


# --------------------------------------------------------------------------- Cluster


class ClusterWidget(_SegmentWidget):
    """k-means segmentation on colour or colour + position features (k-means++, seeded)."""

    input_tip = ("The grayscale or colour image to cluster (2-D, or a 3-D stack plane by plane); it is never "
                 "modified.")
    run_tip = "cluster the pixels into k labels, in a Labels layer '<input> kmeans' which a re-run updates"

    def __init__(self, napari_viewer):
        super().__init__(napari_viewer)
        from napari_maliang.segment.cluster import KMeansOptions

        self.controls = OptionControls(
            KMeansOptions, ["k", "use_position", "position_weight", "seed"], k={"max": 64}, seed={"max": 2**31 - 1}
        )
        self.k, self.use_position, self.position_weight, self.seed = self.controls
        self.options.extend(self.controls)
        self.use_position.changed.connect(self._show_relevant)
        self._show_relevant()

    def _show_relevant(self, *_):
        self.position_weight.visible = self.use_position.value

    def _start(self):
        from napari_maliang.segment import kmeans_segment_steps

        layer = self.input_layer()
        planes, stack, notes = _planes(layer, need_gray=False)
        options = self.controls.options()
        if not stack:  # check k against the colours now, so the message comes before any thread
            gen = kmeans_segment_steps(planes[0], options=options)
            first = next(gen)
            job = _chain_first(first, gen)
        else:
            job = _per_plane(planes, stack, lambda p: kmeans_segment_steps(p, options=options), "k-means")

        def on_done(labels):
            self._publish(layer, labels.astype(np.int32), "kmeans", notes)

        return job, on_done


def _chain_first(first, gen):
    yield first
    return (yield from gen)


# --------------------------------------------------------------------------- Region grow


class RegionGrowWidget(_SegmentWidget):
    """Seeded region growing from the points of a Points layer (one label per seed)."""

    run_tip = "grow a region from each seed, in a Labels layer '<input> region grow' which a re-run updates"

    def __init__(self, napari_viewer):
        super().__init__(napari_viewer)
        from napari_maliang.segment.region import RegionGrowOptions

        self.points_combo = ComboBox(label="seeds", choices=layer_choices(napari_viewer, "points"),
                                     tooltip="A Points layer of seeds: each point grows one region (one label).")
        # tolerance has no default (it is in the image's units); 20 grey levels is where the control starts
        self.controls = OptionControls(
            RegionGrowOptions, ["connectivity", "tolerance"], tolerance={"start": 20.0, "max": 1e9, "decimals": 6}
        )
        self.connectivity, self.tolerance = self.controls
        self.options.extend([self.points_combo, *self.controls])

    def _start(self):
        from napari_maliang.segment import region_grow

        layer = self.input_layer()
        points = self.input_layer(self.points_combo, "a Points layer with seed points (click them on the image)")
        planes, stack, notes = _planes(layer, need_gray=True)
        if len(points.data) == 0:
            raise ValueError(f"the Points layer {points.name!r} has no points: add seed points on the image")
        # points -> world -> the image layer's data coordinates
        world = np.array([points.data_to_world(p) for p in np.asarray(points.data)])
        coords = np.array([layer.world_to_data(w) for w in world])
        coords = coords[:, -(3 if stack else 2) :] if coords.shape[1] >= (3 if stack else 2) else coords
        options = self.controls.options()
        if options.tolerance == 0:
            notes.append("tolerance 0: regions grow only over pixels exactly equal to their seed's value")
        if stack:
            if coords.shape[1] < 3:
                raise ValueError("for a 3-D stack the seed points need a plane coordinate (add them in 3-D)")
            plane_of = np.rint(coords[:, 0]).astype(int)
            for p, c in zip(plane_of, coords, strict=True):
                if not 0 <= p < len(planes):
                    raise ValueError(f"seed at {tuple(np.round(c, 1))} lies outside the stack's {len(planes)} planes")
        else:
            plane_of = np.zeros(len(coords), dtype=int)
        # validate now (seeds outside, bad tolerance) so the error is shown before the thread starts
        for i, plane in enumerate(planes):
            sel = coords[plane_of == i][:, -2:]
            if len(sel):
                _check_seeds(sel, plane.shape)
        # seed i -> label i + 1 across planes
        labels_of = np.arange(1, len(coords) + 1)

        def grow(i_plane):
            plane = planes[i_plane]
            sel = plane_of == i_plane
            out = np.zeros(plane.shape[:2], dtype=np.int32)
            if not sel.any():
                return out
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                lab = region_grow(plane, coords[sel][:, -2:], options=options)
            ids = labels_of[sel]
            out[lab > 0] = ids[lab[lab > 0] - 1]
            return out

        job = _per_plane(list(range(len(planes))), stack, grow, "region growing")

        def on_done(labels):
            self._publish(layer, labels, "region grow", notes)

        return job, on_done


def _check_seeds(rc, shape):
    H, W = shape[:2]
    r = np.rint(rc)
    outside = (r[:, 0] < 0) | (r[:, 0] >= H) | (r[:, 1] < 0) | (r[:, 1] >= W)
    if outside.any():
        first = rc[np.flatnonzero(outside)[0]]
        raise ValueError(
            f"{int(outside.sum())} seed point(s) lie outside the image of shape ({H}, {W}), "
            f"e.g. at (row, col) = ({first[0]:.1f}, {first[1]:.1f}); move or delete them"
        )


# --------------------------------------------------------------------------- Morphology


class MorphologyWidget(_SegmentWidget):
    """Erosion, dilation, opening, closing, hit-and-miss, thinning and thickening of a binary layer."""

    input_kinds = ("image", "labels")
    input_tip = ("The binary image or Labels layer to transform (non-zero is foreground; 2-D, or a 3-D stack "
                 "plane by plane); it is never modified.")
    run_tip = "apply the operation, in a Labels layer '<input> <operation>' which a re-run updates"

    def __init__(self, napari_viewer):
        super().__init__(napari_viewer)
        from napari_maliang.segment.morphology import MorphologyOptions

        self.controls = OptionControls(MorphologyOptions, radius={"max": 100}, passes={"max": 10000})
        self.operation, self.shape, self.size, self.custom, self.fg, self.bg, self.iterations = self.controls
        self.options.extend(self.controls)
        for control in (self.operation, self.custom):
            control.changed.connect(self._show_relevant)
        self._show_relevant()

    def _show_relevant(self, *_):
        op = self.operation.value
        basic = op in ("erosion", "dilation", "opening", "closing")
        self.custom.visible = basic
        self.shape.visible = self.size.visible = basic and self.custom.value is None
        self.fg.visible = self.bg.visible = op == "hit-and-miss"
        self.iterations.visible = op in ("thinning", "thickening")

    def _start(self):
        from napari_maliang.segment import apply_morphology, otsu_threshold

        layer = self.input_layer(what="an Image or Labels layer")
        planes, stack, notes = _planes(layer, need_gray=True)
        masks = []
        for plane in planes:
            if isinstance(layer, _layer_classes(("labels",))):
                masks.append(plane != 0)
                continue
            if plane.dtype.kind == "f" and not np.isfinite(plane).all():
                raise ValueError(f"layer {layer.name!r} has NaN/inf pixels; replace them first")
            values = np.unique(plane) if plane.size <= 4_000_000 else np.unique(plane[::7, ::7])
            if values.size <= 2:
                masks.append(plane > values.min() if values.size == 2 else plane != 0)
            else:
                t = otsu_threshold(plane)
                masks.append(plane >= t)
                notes.append(f"{layer.name!r} is not binary: thresholded with Otsu (T = {t:g}) first")
        options = self.controls.options()  # checks the elements before the thread starts
        op = options.operation

        def apply(m):
            return apply_morphology(m, options=options)

        job = _per_plane(masks, stack, apply, op)

        def on_done(mask):
            self._publish(layer, np.asarray(mask).astype(np.uint8), op, list(dict.fromkeys(notes)))

        return job, on_done
