"""Docked widget "Dequantization": restore smooth colour in a colour-quantized image, with constraint brushes.

Image layer in -> :class:`napari_maliang.dequantize.Dequantizer` in a background thread -> an Image
layer ``"<input> dequantized"`` (re-runs update it; the input is never touched).

"Add brushes" creates a Labels layer ``"<input> brushes"`` over the image, in paint mode, with the four
constraint brushes of the paper (section 2.4) named and coloured as there: 1 magenta (colours not
adjacent), 2 blue (colours adjacent), 3 green (hard edge here), 4 red (soft edge here). After every
stroke -- and after undo/redo, because the result is recomputed from the current labels -- the result
is updated (debounced, in a worker thread). The regions, Poisson distance and last solution are kept
between updates, so only the right-hand side and a warm-started solve are redone.
"""

from __future__ import annotations

import math

import numpy as np
from magicgui.widgets import CheckBox, ComboBox, Container, FloatSlider, Label, PushButton
from qtpy.QtCore import QTimer
from qtpy.QtWidgets import QVBoxLayout, QWidget

from napari_maliang._widgets._common import (
    JobRunner,
    _unwrap,
    chosen_layer,
    follow_layer_list,
    image_2d,
    layer_choices,
    output_layer,
    placement,
    refresh_choices,
    show_error,
    show_info,
)
from napari_maliang._widgets._controls import OptionControls, set_tooltip
from napari_maliang.dequantize.options import SOLVE_OPTIONS, DequantizeOptions
from napari_maliang.dequantize.selfcheck import SELF_CHECK_MIN_GAIN

__all__ = ["DequantizeWidget", "brush_colormap", "edge_colormap"]

# Widget defaults are the function's: the paper's omega = 0.01, smoothing in RGB, the quantizer recognised
QUANTIZER_CHOICES = [
    ("auto: recognise from the palette", "auto"),
    ("nearest palette colour (k-means, median cut, GIF)", "nearest"),
    ("floor truncation (v // s) * s", "floor"),
    ("bin centre (v // s) * s + s // 2", "center"),
    ("rounding to levels (posterize)", "round"),
    ("bit replication (RGB565)", "replicate"),
]
DITHER_CHOICES = [("stop and say so", "raise"), ("go on as it is", "continue"), ("blur the dither away", "smooth")]
EDGE_COLORS = {1: (0.2, 0.9, 1.0, 0.9), 2: (1.0, 0.75, 0.0, 0.9)}  # soft: cyan, hard: amber


def _same(a, b) -> bool:
    return a is not None and b is not None and _unwrap(a) is _unwrap(b)


def _direct_colormap(colors):
    from napari.utils.colormaps import DirectLabelColormap

    color_dict = {None: np.zeros(4), 0: np.zeros(4)}
    color_dict.update({k: np.asarray(v, float) for k, v in colors.items()})
    return DirectLabelColormap(color_dict=color_dict)


def brush_colormap():
    """napari label colormap of the four brushes (magenta, blue, green, red), background transparent."""
    from napari_maliang.dequantize.brushes import BRUSH_COLORS

    return _direct_colormap(BRUSH_COLORS)


def edge_colormap():
    """Label colormap of the edge classification: 1 soft (cyan), 2 hard (amber)."""
    return _direct_colormap(EDGE_COLORS)


def _guessed(dq) -> str:
    """What the end guesses change or would, for the 'recognised' line: nothing in the image decides them, the
    user may know."""
    share = dq.end_guess_share
    if share < 0.005:
        return ""
    if dq.options.end_guess:
        return f" · ends guessed (white, black) for {share:.0%} of pixels: untick 'guess ends' if they were grey"
    return f" · {share:.0%} of pixels may be white or black: tick 'guess ends' to take them so"


class DequantizeWidget(QWidget):
    """Image dequantization with interactive constraint brushes (Kim, Ahn & Choi)."""

    DEBOUNCE_MS = 300

    def __init__(self, napari_viewer):
        super().__init__()
        from napari_maliang.dequantize.brushes import BRUSHES

        self.viewer = napari_viewer
        self.output = None
        self.brushes = None
        self.edges_layer = None
        self.layer_combo = ComboBox(label="image", choices=layer_choices(napari_viewer, "image", exclude=lambda: getattr(self, "output", None)),
                                    tooltip="The colour-quantized image to restore (one 2-D grayscale or RGB "
                                            "image); it is never modified.")
        self.add_brushes_button = PushButton(text="Add brushes",
                                             tooltip="Add a Labels layer '<input> brushes' over the image, in paint "
                                                     "mode, to paint the paper's constraint brushes (section 2.4).")
        self.brush_combo = ComboBox(label="brush", choices=[(name, k) for k, (name, _) in BRUSHES.items()], value=3,
                                    tooltip="The constraint brush to paint with: 1 colours not adjacent, 2 colours "
                                            "adjacent, 3 hard edge here, 4 soft edge here (paper section 2.4).")
        self.show_edges = CheckBox(label="show soft/hard edges", value=False,
                                   tooltip="Show a layer of the edges between colour regions as classified: soft "
                                           "(smoothed over) cyan, hard (kept) amber.")
        # ω on a log scale: the slider holds log10(ω) (magicgui's LogSlider reads out its linear position)
        omega, continuity = (DequantizeOptions.field(n) for n in ("omega", "continuity"))
        self.omega_slider = set_tooltip(
            FloatSlider(label="log10 ω (data weight)", value=round(math.log10(omega.default), 2), min=-3.0, max=1.0,
                        step=0.05), f"log10 of ω, from -3 to 1 (ω from 0.001 to 10). {omega.help}")
        self.omega_label = Label(label="ω =", value=f"{self.omega:.3g}")
        self.continuity_slider = set_tooltip(
            FloatSlider(label="w_c (continuity)", value=continuity.default, min=0.0, max=5.0, step=0.05),
            f"Slider from 0 to 5. {continuity.help}")
        self.controls = OptionControls(
            DequantizeOptions,
            ["quantizer", "quantizer_space", "color_space", "dither", "quantize", "end_guess", "self_check"],
            quantizer={"choices": QUANTIZER_CHOICES}, dither={"choices": DITHER_CHOICES}, quantize={"max": 256},
        )
        (self.quantizer, self.quantizer_space, self.color_space, self.dither, self.quantize_spin,
         self.end_guess, self.self_check) = self.controls
        self.recognised = Label(label="recognised", value="(run to see)")
        self.auto_update = CheckBox(label="update after each stroke", value=True,
                                    tooltip="Ticked: recompute the result shortly after each brush stroke, undo or "
                                            "change of a setting; unticked: only when Dequantize is pressed.")
        self.legend = Label(value="edges: cyan soft, amber hard")
        self.options = Container(
            widgets=[
                self.layer_combo, self.add_brushes_button, self.brush_combo, self.show_edges, self.legend,
                self.omega_slider, self.omega_label, self.continuity_slider, self.quantizer, self.recognised,
                self.quantizer_space, self.color_space, self.dither, self.quantize_spin, self.end_guess,
                self.self_check, self.auto_update,
            ],
            labels=True,
        )
        self.runner = JobRunner(
            "Dequantize", self._start,
            run_tip="restore smooth colour in the image, under the painted brushes, into an Image layer "
                    "'<input> dequantized' which a re-run updates")
        layout = QVBoxLayout(self)
        layout.addWidget(self.options.native)
        layout.addWidget(self.runner)
        layout.addStretch()

        self.output = None
        self.brushes = None
        self._brush_image = None  # the image layer the brushes were made for
        self.edges_layer = None
        self._dq = None
        self._dq_key = None
        self._pending = False
        self._last_request = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.DEBOUNCE_MS)
        self._timer.timeout.connect(self._on_debounced)
        self.runner.finished.connect(self._on_job_finished)

        self.omega_slider.changed.connect(lambda _v: setattr(self.omega_label, "value", f"{self.omega:.3g}"))
        self.add_brushes_button.changed.connect(self.add_brushes)
        self.brush_combo.changed.connect(self._on_brush)
        self.show_edges.changed.connect(self._on_show_edges)
        for w in (self.omega_slider, self.continuity_slider, self.color_space, self.quantize_spin, self.quantizer,
                  self.quantizer_space, self.dither, self.end_guess, self.self_check):
            w.changed.connect(self.schedule_update)
        follow_layer_list(napari_viewer, self.reset_choices)
        napari_viewer.layers.events.removed.connect(self._on_layer_removed)

    @property
    def omega(self) -> float:
        """The data-term weight ω of eq. (3) set by the slider."""
        return float(10.0 ** self.omega_slider.value)

    # ------------------------------------------------------------------ layers
    def reset_choices(self, *_args) -> None:
        refresh_choices(self.options)

    def _on_layer_removed(self, event) -> None:
        layer = getattr(event, "value", None)
        if _same(layer, self.brushes):
            self.brushes = None
        if _same(layer, self.edges_layer):
            self.edges_layer = None
        if _same(layer, self.output):
            self.output = None
        if layer is not None and self._dq_key is not None and self._dq_key[0] == id(_unwrap(layer)):
            # the cached solver belongs to a deleted image: free it, and never let a later layer that Python
            # places at the same address (same id) be mistaken for it
            self._dq = self._dq_key = None

    def _input(self):
        self.reset_choices()
        layer = chosen_layer(
            self.viewer, self.layer_combo,
            "no input: add an Image layer first (File > Open Sample > Ma Liang > Quantized photo)",
        )
        data = image_2d(layer, "dequantization takes one 2-D grayscale or RGB(A) image (pick a single plane first)")
        return layer, data

    def add_brushes(self, *_args):
        """Create (or select) the brush Labels layer over the chosen image, in paint mode."""
        from napari_maliang.dequantize.brushes import BRUSHES

        try:
            layer, data = self._input()
        except ValueError as exc:
            show_error(str(exc))
            return None
        shape = data.shape[:2]
        if self.brushes is None or self.brushes not in self.viewer.layers or self.brushes.data.shape != shape:
            import pandas as pd

            features = pd.DataFrame(
                {"brush": ["none"] + [name for name, _ in BRUSHES.values()]}, index=range(len(BRUSHES) + 1)
            )
            self.brushes = self.viewer.add_labels(
                np.zeros(shape, np.uint8),
                name=f"{layer.name} brushes",
                colormap=brush_colormap(),
                **placement(layer),
                opacity=0.8,
                features=features,
            )
            self.brushes.events.paint.connect(self.schedule_update)
            self.brushes.events.set_data.connect(self.schedule_update)
            self.brushes.events.data.connect(self.schedule_update)
        self._brush_image = layer
        self.brushes.brush_size = int(max(3, min(shape) // 60))
        self.brushes.selected_label = int(self.brush_combo.value)
        self._raise_brushes()
        self.brushes.mode = "paint"
        return self.brushes

    def _raise_brushes(self):
        if self.brushes is not None and self.brushes in self.viewer.layers:
            layers = self.viewer.layers
            idx = [i for i, x in enumerate(layers) if _same(x, self.brushes)][0]
            if idx != len(layers) - 1:
                layers.move(idx, len(layers))
            layers.selection.active = self.brushes

    def _on_brush(self, value) -> None:
        if self.brushes is not None:
            self.brushes.selected_label = int(value)

    def _on_show_edges(self, value) -> None:
        if self.edges_layer is not None and self.edges_layer in self.viewer.layers:
            self.edges_layer.visible = bool(value)
        if value:
            self.schedule_update()

    # ------------------------------------------------------------------ updates
    def schedule_update(self, *_args) -> None:
        """Debounced re-computation (after strokes, undo, slider moves)."""
        if not self.auto_update.value:
            return
        self._timer.start()

    def _on_debounced(self) -> None:
        if self.runner.running:
            self._pending = True
            return
        if self.brushes is not None and not self._brushes_match_input():
            # the strokes were drawn for another image (e.g. theirs was deleted and the chooser moved on):
            # an automatic update must not dequantize a different layer with them
            self.runner.status.setText(
                "not updated: the brushes belong to another image; choose it, or press 'Add brushes' for this one"
            )
            return
        self.runner.run()

    def _brushes_match_input(self) -> bool:
        """True when the brush layer was made for the image now chosen, and that image is in the viewer."""
        self.reset_choices()
        image = self._brush_image
        return (
            _same(image, self.layer_combo.value)
            and any(_same(x, image) for x in self.viewer.layers)
        )

    def _on_job_finished(self) -> None:
        if self._pending:
            self._pending = False
            self._timer.start()

    def _annotations(self, shape):
        if self.brushes is None or self.brushes not in self.viewer.layers:
            return None
        ann = np.asarray(self.brushes.data)
        if ann.shape != shape:
            raise ValueError(
                f"the brush layer has shape {ann.shape} but the image is {shape}; press 'Add brushes' again"
            )
        return ann.copy() if ann.any() else None

    def _dequantizer(self, layer, data, options):
        fixed = {k: v for k, v in vars(options).items() if k not in SOLVE_OPTIONS}
        key = (id(_unwrap(layer)), id(_unwrap(layer).data), data.shape, *sorted(fixed.items()))
        if self._dq is None or self._dq_key != key:
            self._dq = None
            self._dq_key = key
            return key, None
        return key, self._dq

    def _start(self):
        layer, data = self._input()
        options = self.controls.options(omega=self.omega, continuity=float(self.continuity_slider.value))
        key, dq = self._dequantizer(layer, data, options)
        fresh = dq is None  # a new image: say once what kind of palette it has
        ann = self._annotations(data.shape[:2])
        want_edges = bool(self.show_edges.value)

        def job():
            nonlocal dq
            import warnings

            from napari_maliang.dequantize import Dequantizer

            said = []
            if dq is None:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    dq = Dequantizer(data, options=options)
                said = [str(w.message) for w in caught]  # RGBA, a contradicted quantizer, dithering: told below
            result = yield from dq.steps(ann, **options.solve_options())
            edges = dq.edge_image(ann) if want_edges else None
            return dq, result, edges, said

        def on_done(out):
            dq_done, result, edges, said = out
            if self._dq_key == key:
                self._dq = dq_done
            graphic = " · flat graphic (flat areas and text kept)" if dq_done.flat_graphic else ""
            kept = ""
            if (ann is None or not ann.any()) and dq_done.kept_as_is:  # after a stroke: no self-check on this thread
                kept = (f" · left unchanged: the self-check gained {dq_done.self_check_gain:+.2f} dB, under "
                        f"{SELF_CHECK_MIN_GAIN:+.2f} (paint, or untick 'self-check first')")
            self.recognised.value = (f"{dq_done.describe()} · {dq_done.n_colors} colours{graphic}{_guessed(dq_done)}"
                                     f"{kept}")
            self._publish(layer, result, edges, dq_done)
            if fresh:
                for message in said:
                    show_info(message)

        return job(), on_done

    def _publish(self, layer, result, edges, dq) -> None:
        rgb = result.ndim == 3
        kwargs = {**placement(layer), "contrast_limits": (0.0, float(dq.scale)), "metadata": {"dequantize": dq.info}}
        if rgb:
            kwargs["rgb"] = True
        else:
            kwargs["colormap"] = "gray"
        # output_layer compares layers by identity and reads private attributes: give it the real viewer and
        # layers, not the PublicOnlyProxy wrappers npe2 hands to plugin widgets
        viewer = _unwrap(self.viewer)
        protect = [_unwrap(x) for x in (layer, self.brushes, self.edges_layer) if x is not None]
        self.output = output_layer(
            viewer, result, name=f"{layer.name} dequantized", layer_type="image", protect=protect, **kwargs
        )
        if edges is not None:
            self.edges_layer = output_layer(
                viewer, edges, name=f"{layer.name} soft/hard edges", layer_type="labels",
                protect=protect + [_unwrap(self.output)],
                colormap=edge_colormap(), scale=kwargs["scale"], translate=kwargs["translate"],
                visible=bool(self.show_edges.value),
            )
        self._raise_brushes()
