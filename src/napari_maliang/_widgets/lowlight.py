"""Docked widget "Low-light enhancement": the approximated-GP enhancer of :mod:`napari_maliang.lowlight`.

Image layer in -> :func:`napari_maliang.lowlight.enhance_steps` in a background thread (progress
bar, Cancel) -> a new Image layer ``"<input> enhanced"`` (re-runs update it; the input is never
touched). Optionally the k training patches (k-means centres: I_L patch | I_R patch) are shown as
a montage layer ``"<input> training patches"``.
"""

from __future__ import annotations

import inspect

import numpy as np
from magicgui.widgets import CheckBox, ComboBox, Container, FileEdit, SpinBox
from qtpy.QtWidgets import QVBoxLayout, QWidget

from napari_maliang._widgets._common import (
    JobRunner,
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


class LowlightWidget(QWidget):
    """Low-light enhancement with an approximated Gaussian process (Loh)."""

    def __init__(self, napari_viewer):
        super().__init__()
        self.viewer = napari_viewer
        self.layer_combo = ComboBox(label="image", choices=layer_choices(napari_viewer, "image"),
                                    tooltip="The dark image to enhance, I_L (one 2-D grayscale or RGB image); it "
                                            "is never modified.")
        from napari_maliang.lowlight.enhancement import EnhanceOptions, enhance_steps

        patch = inspect.signature(enhance_steps).parameters["patch"].default  # given apart from the options
        self.controls = OptionControls(
            EnhanceOptions, ["k", "model", "noise_filter", "gamma", "denoise"],
            k={"slider": True, "max": 300}, model={"choices": MODELS}, noise_filter={"max": 4.0},
            gamma={"start": 2.2},
        )
        self.k_slider, self.model_combo, self.noise_spin, self.gamma_control, self.denoise_spin = self.controls
        self.blind_exposure, self.gamma_spin = self.gamma_control.automatic, self.gamma_control.inner
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
                self.k_slider,
                self.patch_spin,
                self.model_combo,
                self.reference_combo,
                self.onnx_file,
                self.noise_spin,
                self.gamma_control,
                self.denoise_spin,
                self.show_patches,
            ],
            labels=True,
        )
        self.reference_combo.changed.connect(self._on_reference)
        self.runner = JobRunner(
            "Enhance", self._start,
            run_tip="brighten the image with the approximated Gaussian process into an Image layer "
                    "'<input> enhanced', which a re-run updates")
        layout = QVBoxLayout(self)
        layout.addWidget(self.options.native)
        layout.addWidget(self.runner)
        layout.addStretch()
        self.output = None
        self.patches_layer = None
        follow_layer_list(napari_viewer, self.reset_choices)

    def reset_choices(self, *_args) -> None:
        refresh_choices(self.options)

    def _on_reference(self, value) -> None:
        self.onnx_file.visible = REFERENCES[value] == "onnx"
        builtin = REFERENCES[value] == "auto"  # the exposure controls belong to the built-in reference
        self.gamma_control.visible = builtin

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
            **kwargs,
        )
        if want_patches:
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
                self.gamma_spin.value = round(info["gamma"], 2)  # a starting point for setting it by hand
        show_info(
            f"enhanced {layer.name!r}: k={info['k']}, patch {info['patch'][0]}x{info['patch'][1]}, "
            f"model {info['model']}{exposure}"
        )
