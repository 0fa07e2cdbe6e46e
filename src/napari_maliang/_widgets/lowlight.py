"""Docked widget "Low-light enhancement": the approximated-GP enhancer of :mod:`napari_maliang.lowlight`.

Image layer in -> :func:`napari_maliang.lowlight.enhance_steps` in a background thread (progress
bar, Cancel) -> a new Image layer ``"<input> enhanced"`` (re-runs update it; the input is never
touched). Optionally the k training patches (k-means centres: I_L patch | I_R patch) are shown as
a montage layer ``"<input> training patches"``.

Live exposure (issue #16): when an input is chosen (while the dock is shown), an
:class:`~napari_maliang.lowlight.preview.ExposurePreview` is prepared in a background thread; the
exposure slider moves to the blind decision, a label gives its 10-90 % interval and the noise level,
and a downsampled layer ``"<input> exposure preview"`` shows the built-in reference at the slider's
exponent. Dragging the slider updates only that layer (milliseconds); releasing it (or a pause after
keys, wheel or typing) sets the exposure and enhances at full resolution, restarting a run in progress.
"""

from __future__ import annotations

import inspect

import numpy as np
from magicgui.widgets import CheckBox, ComboBox, Container, FileEdit, Label, SpinBox
from qtpy.QtCore import QTimer
from qtpy.QtWidgets import QSlider, QVBoxLayout, QWidget

from napari_maliang._widgets._common import (
    JobRunner,
    Progress,
    _unwrap,
    chosen_layer,
    follow_layer_list,
    image_2d,
    layer_choices,
    output_layer,
    placement,
    refresh_choices,
    show_info,
)
from napari_maliang._widgets._controls import OptionControls, set_tooltip

__all__ = ["LowlightWidget", "patch_montage"]

REFERENCES = {
    "built-in (classical)": "auto",
    "LIME (fixed exponent 0.8)": "lime",
    "ONNX model file": "onnx",
}
MODELS = [("colour (RGB)", "rgb"), ("luminance (Y)", "luminance")]


def patch_montage(patches: np.ndarray, *, columns: int | None = None, gap: int = 1) -> np.ndarray:
    """Tile ``(k, h, w)`` patches (NaN = background) into one 2-D image with ``gap`` pixels between."""
    k, h, w = patches.shape
    columns = columns or int(np.ceil(np.sqrt(k)))
    rows = int(np.ceil(k / columns))
    out = np.zeros((rows * (h + gap) + gap, columns * (w + gap) + gap), np.float32)
    for i, tile in enumerate(np.nan_to_num(patches, nan=0.0)):
        r, c = divmod(i, columns)
        out[gap + r * (h + gap) : gap + r * (h + gap) + h, gap + c * (w + gap) : gap + c * (w + gap) + w] = tile
    return out


class _RunLatest:
    """Runs a :class:`JobRunner`'s job for the latest request: a request while it runs cancels that run
    (its inputs are stale) and starts the job again once it has stopped."""

    def __init__(self, runner: JobRunner):
        self.runner = runner
        self.pending = False
        runner.finished.connect(self._on_finished)

    def request(self) -> None:
        if self.runner.running:
            self.pending = True
            self.runner.cancel()
        else:
            self.runner.run()

    def _on_finished(self) -> None:
        if self.pending:
            self.pending = False
            self.runner.run()


def _unchanged(layer, key: str, value) -> bool:
    """Whether ``layer``'s setting ``key`` already is ``value`` (a colormap by name)."""
    current = getattr(layer, key)
    if key == "colormap":
        return current.name == value
    return np.shape(current) == np.shape(value) and bool(np.allclose(current, value))


def _timer(parent, ms: int, slot) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(ms)
    timer.timeout.connect(slot)
    return timer


class LowlightWidget(QWidget):
    """Low-light enhancement with an approximated Gaussian process (Loh)."""

    #: quiet time (ms) after an exposure change by keys, wheel or the value box before the full run starts
    COMMIT_MS = 400
    #: quiet time (ms) after a change of the input or the noise filter before the preview is prepared again
    PREPARE_MS = 150

    def __init__(self, napari_viewer):
        super().__init__()
        self.viewer = napari_viewer
        self.layer_combo = ComboBox(label="image", choices=layer_choices(napari_viewer, "image"),
                                    tooltip="The dark image to enhance, I_L (one 2-D grayscale or RGB image); it "
                                            "is never modified.")
        from napari_maliang.lowlight.enhancement import EnhanceOptions, enhance_steps

        patch = inspect.signature(enhance_steps).parameters["patch"].default  # given apart from the options
        self.controls = OptionControls(
            EnhanceOptions, ["gp_target", "k", "model", "noise_filter", "gamma", "denoise"],
            k={"slider": True, "max": 300}, model={"choices": MODELS}, noise_filter={"max": 4.0},
            gamma={"slider": True, "start": 2.2, "max": 8.0, "label": "exposure (darkening gamma)"},
        )
        (self.target_combo, self.k_slider, self.model_combo, self.noise_spin, self.gamma_control,
         self.denoise_spin) = self.controls
        # one source of truth: the option's control is the exposure slider (its box ticked: decided blindly)
        self.blind_exposure, self.exposure_slider = self.gamma_control.automatic, self.gamma_control.inner
        self._slider = self.exposure_slider.native.findChild(QSlider)
        tip = (f"{self.exposure_slider.tooltip.removesuffix('</qt>')} Drag it: the layer '… exposure preview' "
               "follows at once; release it: the exposure is set (the blind box unticked) and the image is "
               "enhanced at full resolution.</qt>")
        for part in (self.exposure_slider.native, *self.exposure_slider.native.findChildren(QWidget)):
            part.setToolTip(tip)
        self.blind_exposure.tooltip = ("Ticked: the exposure (darkening gamma) is decided blindly from the image, "
                                       "and the slider shows the decision. Moving the slider unticks it; ticking "
                                       "it puts the slider back at the blind decision.")
        self.exposure_label = Label(
            label="blind decision", value="",
            tooltip="The blind exposure decision for the chosen image, its 10-90 % interval (the likely range of "
                    "the darkening exponent) and the photon noise: the photons for full scale estimated from the "
                    "image, which the photon-noise filter works with (fewer photons, more noise).")
        self.exposure_label.native.setWordWrap(True)
        self.patch_spin = SpinBox(label="patch size", value=patch, min=1, max=9,
                                  tooltip="Side p of the square p × p patches the Gaussian process maps from I_L to "
                                          "I_R, in pixels (1 to 9).")
        self.reference_combo = ComboBox(label="reference", choices=list(REFERENCES), value="built-in (classical)",
                                        tooltip="The enhancement I_R that the Gaussian process learns from the "
                                                "image: a built-in classical one, LIME, or an ONNX model's output.")
        self.onnx_file = set_tooltip(
            FileEdit(label="ONNX model", mode="r", filter="*.onnx", visible=False),
            "The .onnx model file that makes the reference I_R from the image (reference 'ONNX model file').")
        self.show_patches = CheckBox(label="show training patches", value=False,
                                     tooltip="Also add the k training patch pairs (I_L patch | I_R patch, the "
                                             "k-means centres) as a montage layer '<input> training patches'.")
        self.options = Container(
            widgets=[
                self.layer_combo,
                self.target_combo,
                self.k_slider,
                self.patch_spin,
                self.model_combo,
                self.reference_combo,
                self.onnx_file,
                self.noise_spin,
                self.gamma_control,
                self.exposure_label,
                self.denoise_spin,
                self.show_patches,
            ],
            labels=True,
        )
        self.reference_combo.changed.connect(self._on_reference)
        self.target_combo.changed.connect(self._on_target)
        self._on_target()
        self.runner = JobRunner(
            "Enhance", self._start,
            run_tip="brighten the image with the approximated Gaussian process into an Image layer "
                    "'<input> enhanced', which a re-run updates")
        self.preview_runner = JobRunner(
            "Preview exposure", self._start_preview,
            run_tip="prepare the exposure slider for the chosen image (the blind decision, its interval, the noise "
                    "level) and a downsampled layer '<input> exposure preview' that follows the slider; done "
                    "by itself when the input or the noise filter changes")
        layout = QVBoxLayout(self)
        layout.addWidget(self.options.native)
        layout.addWidget(self.preview_runner)
        layout.addWidget(self.runner)
        layout.addStretch()
        self.output = None
        self._output_source = None
        self.patches_layer = None
        self.preview = None  # the ExposurePreview of preview_source
        self.preview_source = None
        self.preview_layer = None
        self._setting = False  # the slider is being set by the widget, not by the user
        self._stale = True  # the preview does not match the chosen input and noise filter
        self._enhance_latest = _RunLatest(self.runner)
        self._preview_latest = _RunLatest(self.preview_runner)
        self._commit_timer = _timer(self, self.COMMIT_MS, self._commit)
        self._prepare_timer = _timer(self, self.PREPARE_MS, self._prepare)
        self.exposure_slider.enabled = True
        self.blind_exposure.changed.connect(self._on_blind)
        self.exposure_slider.changed.connect(self._on_exposure)
        self._slider.sliderReleased.connect(self._commit)
        self.layer_combo.changed.connect(self._request_preview)
        self.noise_spin.changed.connect(self._request_preview)
        follow_layer_list(napari_viewer, self.reset_choices)

    def reset_choices(self, *_args) -> None:
        refresh_choices(self.options)

    def _on_target(self, *_) -> None:
        """k, the patch, the colour model and the training patches belong to the paper's GP only."""
        paper = self.target_combo.value == "reference" or REFERENCES[self.reference_combo.value] != "auto"
        for control in (self.k_slider, self.patch_spin, self.model_combo, self.show_patches):
            control.enabled = paper

    def _on_reference(self, value) -> None:
        self.onnx_file.visible = REFERENCES[value] == "onnx"
        builtin = REFERENCES[value] == "auto"  # the exposure controls belong to the built-in reference
        self.gamma_control.visible = self.exposure_label.visible = builtin
        self.preview_runner.setVisible(builtin)
        self._on_target()
        if not builtin and self._layer_alive(self.preview_layer):
            self.preview_layer.visible = False
        if builtin:
            self._request_preview()

    # ------------------------------------------------------------------ live exposure (issue #16)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._stale:
            self._request_preview()

    def _builtin(self) -> bool:
        return REFERENCES[self.reference_combo.value] == "auto"

    def _request_preview(self, *_args) -> None:
        """Prepare the preview again soon (debounced), unless the dock is hidden: then when it is shown."""
        self._stale = True
        if self.isVisible() and self._builtin():
            self._prepare_timer.start()

    def _prepare(self) -> None:
        layer = self.layer_combo.value
        if not (self.isVisible() and self._builtin() and layer is not None):
            return
        if layer.ndim != 2:  # a stack: no error for a job the user did not ask for, only this line
            self.preview = self.preview_source = None
            self.exposure_label.value = f"no preview: {layer.name!r} is not one 2-D image (pick a single plane)"
            return
        self._preview_latest.request()

    def _start_preview(self):
        from napari_maliang.lowlight.preview import ExposurePreview

        self.reset_choices()
        layer = chosen_layer(
            self.viewer, self.layer_combo, "no input: add an Image layer first (File > Open Sample > Ma Liang > Dark photo)"
        )
        data = image_2d(layer, "the exposure preview takes one 2-D grayscale or RGB image (pick a single plane first)")
        noise_filter = float(self.noise_spin.value)
        self._stale = False

        def job():
            yield Progress(0, 1, "exposure preview: noise filter, blind decision, downsampled restorations")
            return ExposurePreview(data, noise_filter=noise_filter)

        def on_done(preview):
            if _unwrap(layer) is not _unwrap(self.layer_combo.value) or not self._layer_alive(layer):
                return  # the input changed meanwhile: a new preparation follows
            self.preview, self.preview_source = preview, layer
            self.exposure_label.value = preview.text
            if self.blind_exposure.value:
                self._set_slider(preview.gamma)  # the slider starts at the blind decision
            self._show_preview(self.exposure_slider.value)

        return job(), on_done

    def _layer_alive(self, layer) -> bool:
        return layer is not None and layer in self.viewer.layers

    def _set_slider(self, gamma: float) -> None:
        """Move the slider without it counting as the user's choice (no full run, the blind box kept)."""
        self._setting = True
        try:
            self.exposure_slider.value = float(np.clip(gamma, self.exposure_slider.min, self.exposure_slider.max))
        finally:
            self._setting = False

    def _on_blind(self, blind: bool) -> None:
        # the slider stays live while the box is ticked: moving it is how a user disagrees (it unticks the box)
        self.exposure_slider.enabled = True
        if blind and self.preview is not None:
            self._set_slider(self.preview.gamma)

    def _on_exposure(self, value: float) -> None:
        if self._setting:
            self._show_preview(value)
            return
        self.blind_exposure.value = False  # the user sets the exposure
        self._show_preview(value, reveal=True)
        if not self._slider.isSliderDown():  # keys, wheel, the value box: run once the changes pause
            self._commit_timer.start()

    def _show_preview(self, gamma: float, *, reveal: bool = False) -> None:
        """The preview layer at ``gamma``; ``reveal`` (a user's move) shows it and hides the full-resolution
        result of the same input, which is of another exposure now."""
        source = self.preview_source
        if self.preview is None or not self._layer_alive(source) or not self._builtin():
            return
        factor = np.asarray(self.preview.factor)
        scale = np.asarray(source.scale)[-2:]
        image = self.preview(float(gamma))
        look = {
            "scale": scale * factor,  # a preview pixel covers factor input pixels, centred on them
            "translate": np.asarray(source.translate)[-2:] + scale * (factor - 1) / 2,
            "contrast_limits": (0.0, 1.0),
        }
        if image.ndim == 2:
            look["colormap"] = "gray"
        if reveal:
            look["visible"] = True
        name = f"{source.name} exposure preview"
        shown = self.preview_layer
        changed = look
        if self._layer_alive(shown) and shown.name == name:
            # napari refreshes a layer for each setting, even an unchanged one (about 10 ms each): a slider
            # move passes only what changed (once placed, the data: 11 ms instead of 45 ms per move)
            changed = {key: value for key, value in look.items() if not _unchanged(shown, key, value)}
        metadata = {"exposure_preview": {"gamma": float(gamma), "factor": tuple(self.preview.factor)}}
        self.preview_layer = output_layer(
            self.viewer, image, name=name, layer_type="image", protect=[source], metadata=metadata, **changed
        )
        if self.preview_layer is not shown and len(changed) < len(look):  # a fresh layer: the user took the old
            self._show_preview(gamma, reveal=reveal)
            return
        if reveal and self._layer_alive(self.output) and _unwrap(self._output_source) is _unwrap(source):
            self.output.visible = False

    def _commit(self) -> None:
        """The slider was released (or its changes paused): enhance at full resolution with its exposure."""
        self._commit_timer.stop()
        if not self.blind_exposure.value:
            self._enhance_latest.request()

    def _reference(self):
        choice = REFERENCES[self.reference_combo.value]
        if choice != "onnx":
            return choice
        path = str(self.onnx_file.value or "")
        if not path or path in (".",) or not path.lower().endswith(".onnx"):
            raise ValueError("choose an .onnx model file for the ONNX reference")
        from napari_maliang.lowlight.reference import OnnxReference

        try:
            return OnnxReference(path)
        except ImportError as exc:
            raise ValueError(str(exc)) from None

    def _start(self):
        from napari_maliang.lowlight.enhancement import enhance_steps

        self.reset_choices()
        layer = chosen_layer(
            self.viewer, self.layer_combo, "no input: add an Image layer first (File > Open Sample > Ma Liang > Dark photo)"
        )
        data = image_2d(
            layer, "low-light enhancement takes one 2-D grayscale or RGB image (pick a single plane first)"
        )
        reference = self._reference()
        options = self.controls.options()
        if reference != "auto":  # the exposure belongs to the built-in reference
            options = options.replace(gamma=None)
        want_patches = bool(self.show_patches.value)
        gen = enhance_steps(data, patch=int(self.patch_spin.value), reference=reference, options=options,
                            details=True)

        def on_done(result):
            self._publish(layer, result, want_patches)

        return gen, on_done

    def _publish(self, layer, result, want_patches: bool) -> None:
        image = result.image
        kwargs = {**placement(layer), "metadata": {"lowlight": dict(result.info)}}
        if image.ndim == 2:
            kwargs["colormap"] = "gray"
        self.output = output_layer(
            self.viewer,
            image,
            name=f"{layer.name} enhanced",
            layer_type="image",
            protect=[layer],
            contrast_limits=(0.0, 1.0),
            visible=True,
            **kwargs,
        )
        self._output_source = layer
        if want_patches and len(result.centres):  # the paper's GP has training patches; re-corruption has none
            montage = patch_montage(result.training_patches())
            height = image.shape[0]
            s = max(1.0, height / montage.shape[0]) * np.asarray(layer.scale)[-2:]
            translate = np.asarray(layer.translate)[-2:] + np.array([0.0, (image.shape[1] + 8) * layer.scale[-1]])
            self.patches_layer = output_layer(
                self.viewer,
                montage,
                name=f"{layer.name} training patches",
                layer_type="image",
                protect=[layer],
                colormap="gray",
                contrast_limits=(0.0, 1.0),
                scale=s,
                translate=translate,
            )
        info = result.info
        exposure = ""
        if "gamma" in info:
            exposure = f", darkening gamma {info['gamma']:.2f} ({info['gamma_source']})"
            if "exposure_text" in info:  # the blind decision and its 10-90 % interval
                exposure += f": {info['exposure_text']}"
            if info["gamma_source"] == "estimated":
                self._set_slider(info["gamma"])  # a starting point for setting it by hand
        if self._layer_alive(self.preview_layer) and _unwrap(self.preview_source) is _unwrap(layer):
            self.preview_layer.visible = False  # the full-resolution result replaces the preview
        if info.get("gp_target") == "recorruption":
            learned = "GP on its re-corrupted copy" if info["recorrupted"] else "no photon noise: the reference"
        elif info["gp"]:
            learned = f"k={info['k']}, patch {info['patch'][0]}x{info['patch'][1]}, model {info['model']}"
        else:
            learned = "the reference (GP off)"
        show_info(f"enhanced {layer.name!r}: {learned}{exposure}")
