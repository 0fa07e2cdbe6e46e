"""Docked widget "PALM localization": an image stack in, a Points layer of localizations out.

Thin layer around :func:`napari_maliang.smlm.pipeline.localize_steps` (Quan et al. 2010,
MaLiang): choose the raw stack, the camera (a preset -- EMCCD, sCMOS, simulation -- or typed values,
persisted between sessions in a small JSON file in the user config folder; the pixel size and camera
settings a file gives, e.g. OME-XML or picasso YAML read by the plugin's movie reader, are taken from
the layer's metadata), PSF sigma (or estimate it from the data, in a background thread), threshold,
box, whether to separate overlapping pairs (multi-emitter fitting, on by default) and backend;
Run runs the chunked pipeline in a background thread with a progress bar (frames done,
frames/s, localizations/s) and Cancel. A lazy (dask) layer, as the plugin's movie reader opens a
movie of any size, is read chunk by chunk: memory is bounded by the chunk, not the movie. Outputs:

- Points layer ``"<stack> localizations"`` with data ``(frame, y, x)`` and every table column in
  ``features``, coloured by a chosen feature; with the stack's scale/translate it overlays the raw
  frames and shows each frame's localizations on that frame.
- Image layer ``"<stack> super-resolution"`` rendered by :func:`napari_maliang.smlm.render`
  (Gaussian or histogram) that overlays the stack.

Both take the stack's ``scale``, ``translate`` and ``units`` (nm for a movie whose pixel size is
known), so every layer of the analysis shares one physical world.

A cancelled run keeps what was done: the layers are named ``... (partial)`` and their
``metadata["partial"]`` is True. Input layers are never modified.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from qtpy.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from napari_maliang._widgets._common import (
    JobRunner,
    follow_layer_list,
    layer_choices,
    output_layer,
    show_info,
)
from napari_maliang._widgets._controls import OptionControls

__all__ = ["PalmWidget", "settings_path"]

CAMERA_KEYS = ("pixel_size_nm", "gain", "offset", "quantum_efficiency", "em_gain")
#: typical settings of the cameras of localization microscopy (electrons per ADU, baseline ADU, QE, EM gain);
#: a starting point that the user corrects to their own camera's calibration sheet
CAMERA_PRESETS = {
    "EMCCD (e.g. Andor iXon 897, 160 nm)": {"pixel_size_nm": 160.0, "gain": 4.6, "offset": 100.0,
                                             "quantum_efficiency": 0.95, "em_gain": 100.0},
    "sCMOS (e.g. Hamamatsu ORCA-Flash4.0, 108 nm)": {"pixel_size_nm": 108.0, "gain": 0.46, "offset": 100.0,
                                                      "quantum_efficiency": 0.82, "em_gain": None},
    "Simulation (counts are photons, 100 nm)": {"pixel_size_nm": 100.0, "gain": 1.0, "offset": 0.0,
                                                "quantum_efficiency": 1.0, "em_gain": None},
}
CUSTOM = "custom"
COLOUR_FEATURES = ("photons", "frame", "uncertainty_x", "sigma", "background", "log_likelihood")


def settings_path() -> Path:
    """JSON file holding the widget's camera settings between sessions.

    ``$NAPARI_MALIANG_CONFIG_DIR/palm.json`` when that variable is set, else in the user
    config folder (``platformdirs.user_config_dir("napari-maliang")``).
    """
    base = os.environ.get("NAPARI_MALIANG_CONFIG_DIR")
    if not base:
        from platformdirs import user_config_dir

        base = user_config_dir("napari-maliang")
    return Path(base) / "palm.json"


def _spin(lo, hi, value, step=1.0, decimals=2, suffix=""):
    box = QDoubleSpinBox()
    box.setRange(lo, hi)
    box.setDecimals(decimals)
    box.setSingleStep(step)
    box.setValue(value)
    if suffix:
        box.setSuffix(suffix)
    return box


class PalmWidget(QWidget):
    """Localize single molecules of an image stack layer (MaLiang pipeline)."""

    def __init__(self, napari_viewer, parent=None):
        super().__init__(parent)
        self.viewer = napari_viewer
        self._last_progress = None
        self._job = None

        # --- input
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("The raw movie to localize: an Image layer of frames (time, y, x), in camera "
                                    "counts (ADU); it is never modified.")
        form = QFormLayout()
        form.addRow("Image stack", self.layer_combo)

        # --- camera
        cam_box = QGroupBox("Camera (remembered)")
        cam_form = QFormLayout(cam_box)
        self.preset = QComboBox()
        self.preset.addItems([CUSTOM, *CAMERA_PRESETS])
        self.preset.setToolTip("Typical settings of a camera type; correct them to your camera's calibration")
        cam_form.addRow("Preset", self.preset)
        self.pixel_size = _spin(1, 10000, 100, 1, 1, " nm")
        self.gain = _spin(0.001, 1000, 1.0, 0.1, 3, " e-/ADU")
        self.offset = _spin(-1e6, 1e6, 0.0, 1, 1, " ADU")
        self.qe = _spin(0.01, 1.0, 1.0, 0.05, 2)
        self.use_em = QCheckBox("EMCCD")
        self.em_gain = _spin(1, 10000, 100, 10, 1)
        self.pixel_size.setToolTip("Size of one camera pixel in the sample plane, in nm (1 to 10000): the nm scale of "
                                   "the localizations and their uncertainties.")
        self.gain.setToolTip("Conversion gain, electrons per ADU (0.001 to 1000), from the camera's calibration "
                             "sheet: photons = (ADU − offset) × gain / EM gain / QE.")
        self.offset.setToolTip("Baseline (dark) level of the camera in ADU, subtracted before the conversion to "
                               "photons.")
        self.qe.setToolTip("Quantum efficiency QE at the emission wavelength, the fraction of photons detected "
                           "(0.01 to 1).")
        self.use_em.setToolTip("Ticked: an EMCCD with electron multiplying on; photon counts are divided by the EM "
                               "gain and the fit accounts for its excess noise (factor √2).")
        self.em_gain.setToolTip("Electron-multiplying gain of an EMCCD (1 to 10000); used only when EMCCD is ticked.")
        em_row = QHBoxLayout()
        em_row.addWidget(self.use_em)
        em_row.addWidget(self.em_gain)
        cam_form.addRow("Pixel size", self.pixel_size)
        cam_form.addRow("Gain", self.gain)
        cam_form.addRow("Offset", self.offset)
        cam_form.addRow("Quantum eff.", self.qe)
        cam_form.addRow("EM gain", em_row)

        # --- detection / fit
        from napari_maliang.smlm.options import LocalizeOptions

        self.controls = OptionControls(
            LocalizeOptions,
            ["psf_sigma", "threshold", "box", "multi_emitter", "chunk_frames", "backend"],
            psf_sigma={"min": 0.3, "max": 20.0, "decimals": 3},
            threshold={"max": 1000.0, "decimals": 1},
            box={"max": 31},
            chunk_frames={"max": 100_000},
        )
        self.psf_sigma, self.threshold, self.box, self.multi_emitter, self.chunk_frames, self.backend = self.controls
        self.estimate_runner = JobRunner(
            "Estimate from data", self._start_estimate,
            run_tip="fit the PSF width of clear spots in up to 20 frames and set PSF sigma to it",
            cancel_tip="Stop the estimate; PSF sigma keeps its value.")
        self.estimate_button = self.estimate_runner.run_button
        sigma_row = QHBoxLayout()
        sigma_row.addWidget(self.psf_sigma.native)
        sigma_row.addWidget(self.estimate_runner)
        self.device_label = QLabel("")
        form2 = QFormLayout()
        form2.addRow("PSF sigma (px)", sigma_row)
        form2.addRow("Threshold (× noise std)", self.threshold.native)
        form2.addRow("Box (px)", self.box.native)
        form2.addRow("Overlaps", self.multi_emitter.native)
        form2.addRow("Chunk frames", self.chunk_frames.native)
        form2.addRow("Backend", self.backend.native)
        form2.addRow("Device", self.device_label)

        # --- output
        self.colour_by = QComboBox()
        self.colour_by.addItems(list(COLOUR_FEATURES))
        self.colour_by.setToolTip("The column of the localization table that colours the points layer (photons, "
                                  "frame, x uncertainty in px, PSF sigma in px, background in photons, fit "
                                  "log-likelihood); changes the colours at once, without a re-run.")
        from napari_maliang.smlm.options import RenderOptions

        self.render_controls = OptionControls(RenderOptions, ["method", "pixel_size"], pixel_size={"min": 0.02,
                                                                                                 "max": 1.0})
        self.render_method, self.render_pixel = self.render_controls
        form3 = QFormLayout()
        form3.addRow("Colour points by", self.colour_by)
        form3.addRow("Render", self.render_method.native)
        form3.addRow("Render pixel (camera px)", self.render_pixel.native)

        self.runner = JobRunner(
            "Localize", self._start,
            run_tip="detect and fit the molecules of every frame into a Points layer of localizations and a "
                    "rendered super-resolution image",
            cancel_tip="Stop at the next chunk of frames; the localizations found so far are kept, in layers "
                       "marked (partial).")
        self.runner.finished.connect(self._on_finished)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(cam_box)
        layout.addLayout(form2)
        layout.addLayout(form3)
        layout.addWidget(self.runner)
        layout.addStretch(1)

        self._load_settings()
        for w in (self.pixel_size, self.gain, self.offset, self.qe, self.em_gain):
            w.valueChanged.connect(self._save_settings)
        self.use_em.toggled.connect(self._save_settings)
        self.use_em.toggled.connect(self.em_gain.setEnabled)
        self.em_gain.setEnabled(self.use_em.isChecked())
        self.preset.currentTextChanged.connect(self._apply_preset)
        for w in (self.pixel_size, self.gain, self.offset, self.qe, self.em_gain):
            w.valueChanged.connect(self._forget_preset)
        self.use_em.toggled.connect(self._forget_preset)
        self.layer_combo.currentTextChanged.connect(self._camera_from_layer)
        self.backend.changed.connect(self._show_device)
        self.colour_by.currentTextChanged.connect(self._recolour)
        follow_layer_list(self.viewer, self._refresh_layers, events=("inserted", "removed"))
        self._refresh_layers()
        self._camera_from_layer()
        self._show_device()

    # ------------------------------------------------------------------ helpers
    def _image_layers(self):
        return [layer for _name, layer in layer_choices(self.viewer, "image")()]

    def _refresh_layers(self, event=None):
        current = self.layer_combo.currentText()
        names = [layer.name for layer in self._image_layers()]
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        self.layer_combo.addItems(names)
        if current in names:
            self.layer_combo.setCurrentText(current)
        self.layer_combo.blockSignals(False)

    def _show_device(self, *args):
        from napari_maliang._backend import device_name

        try:
            self.device_label.setText(device_name(self.backend.value))
        except (RuntimeError, ValueError) as exc:
            self.device_label.setText(f"unavailable: {exc}".split(";")[0])

    def camera(self):
        from napari_maliang.smlm.camera import Camera

        return Camera(
            pixel_size_nm=self.pixel_size.value(),
            gain=self.gain.value(),
            offset=self.offset.value(),
            quantum_efficiency=self.qe.value(),
            em_gain=self.em_gain.value() if self.use_em.isChecked() else None,
        )

    def _set_camera(self, values: dict) -> None:
        """Put camera settings (keys of :data:`CAMERA_KEYS`; ``em_gain`` None = no EM gain) in the controls."""
        for key, widget in (("pixel_size_nm", self.pixel_size), ("gain", self.gain), ("offset", self.offset),
                            ("quantum_efficiency", self.qe)):
            if isinstance(values.get(key), (int, float)):
                widget.setValue(float(values[key]))
        if "em_gain" in values:
            self.use_em.setChecked(values["em_gain"] is not None)
            if values["em_gain"] is not None:
                self.em_gain.setValue(float(values["em_gain"]))

    def _apply_preset(self, name: str) -> None:
        if name in CAMERA_PRESETS:
            self._setting_preset = True
            try:
                self._set_camera(CAMERA_PRESETS[name])
            finally:
                self._setting_preset = False
            self._save_settings()

    def _forget_preset(self, *args) -> None:
        """A value typed by hand: the camera is no longer the preset's."""
        if not getattr(self, "_setting_preset", False) and self.preset.currentText() != CUSTOM:
            self.preset.blockSignals(True)
            self.preset.setCurrentText(CUSTOM)
            self.preset.blockSignals(False)
            self._save_settings()

    def _camera_from_layer(self, *args) -> None:
        """The camera settings the chosen layer's file gave (the movie reader's ``metadata``), when it gave any."""
        name = self.layer_combo.currentText()
        if not name or name not in self.viewer.layers:
            return
        meta = self.viewer.layers[name].metadata or {}
        values = dict(meta.get("camera") or {})
        if meta.get("pixel_size_source") == "file" and meta.get("pixel_size_nm"):
            values["pixel_size_nm"] = meta["pixel_size_nm"]
        values = {k: v for k, v in values.items() if k in CAMERA_KEYS}
        if values:
            self._set_camera(values)

    def _save_settings(self, *args):
        values = {
            "preset": self.preset.currentText(),
            "pixel_size_nm": self.pixel_size.value(),
            "gain": self.gain.value(),
            "offset": self.offset.value(),
            "quantum_efficiency": self.qe.value(),
            "em_gain": self.em_gain.value() if self.use_em.isChecked() else None,
            "em_gain_value": self.em_gain.value(),
        }
        path = settings_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".json.part")
            tmp.write_text(json.dumps(values, indent=1))
            os.replace(tmp, path)
        except OSError:  # read-only home: settings simply are not remembered
            pass

    def _load_settings(self):
        try:
            values = json.loads(settings_path().read_text())
        except (OSError, ValueError):
            return
        if not isinstance(values, dict):
            return
        for key, widget in (
            ("pixel_size_nm", self.pixel_size),
            ("gain", self.gain),
            ("offset", self.offset),
            ("quantum_efficiency", self.qe),
            ("em_gain_value", self.em_gain),
        ):
            if isinstance(values.get(key), (int, float)):
                widget.setValue(float(values[key]))
        self.use_em.setChecked(values.get("em_gain") is not None)
        if values.get("preset") in CAMERA_PRESETS:
            self.preset.blockSignals(True)
            self.preset.setCurrentText(values["preset"])
            self.preset.blockSignals(False)

    def _input(self):
        name = self.layer_combo.currentText()
        if not name or name not in self.viewer.layers:
            raise ValueError("choose an image stack layer (frames, H, W) first")
        layer = self.viewer.layers[name]
        if getattr(layer, "rgb", False):
            raise ValueError(f"layer {name!r} is RGB; PALM needs a grayscale stack (frames, H, W)")
        if getattr(layer, "multiscale", False):
            raise ValueError(f"layer {name!r} is multiscale; open the full-resolution stack instead")
        data = layer.data
        if data.ndim not in (2, 3):
            raise ValueError(f"layer {name!r} has shape {tuple(data.shape)}; expected (frames, H, W) or (H, W)")
        return layer, data

    def _options(self):
        """The localization options the controls describe (``ValueError`` for a value not allowed)."""
        return self.controls.options()

    # ------------------------------------------------------------------ actions
    def _start_estimate(self):
        """Estimate the PSF sigma from up to 20 frames of the chosen stack (a background job); the result goes in
        the PSF sigma box."""
        from napari_maliang._progress import Progress
        from napari_maliang.smlm.pipeline import estimate_psf_sigma

        _, data = self._input()
        opts = self._options()
        camera = self.camera()

        def estimate():
            yield Progress(0.0, 1.0, "estimating the PSF width from up to 20 frames…")
            return estimate_psf_sigma(data, psf_sigma=opts.psf_sigma, box=opts.box, camera=camera,
                                      backend=opts.backend, max_frames=20)

        def on_done(sigma):
            self.psf_sigma.value = sigma
            show_info(f"PSF sigma estimated: {sigma:.3f} px")

        return estimate(), on_done

    def _start(self):
        from napari_maliang.smlm.pipeline import localize_steps

        layer, data = self._input()
        opts = self._options()
        self._save_settings()
        generator = localize_steps(data, camera=self.camera(), options=opts)
        # validation happens at the first next(); do it here so errors show before the thread starts
        first = next(generator)
        self._last_progress = first
        self._job = (layer, data.ndim)

        def run():
            try:
                while True:
                    item = generator.send(None)
                    self._last_progress = item
                    yield item
            except StopIteration as stop:
                return stop.value
            finally:
                generator.close()

        def chain():
            yield first
            return (yield from run())

        return chain(), self._on_done

    def _on_done(self, table):
        layer, ndim = self._job
        self._publish(layer, ndim, table)

    def _on_finished(self):
        if self.runner.was_cancelled and self._last_progress is not None and self._job is not None:
            partial = self._last_progress.partial() if self._last_progress.partial else None
            if partial is not None:
                layer, ndim = self._job
                self._publish(layer, ndim, partial)
                show_info(
                    f"cancelled: kept {len(partial)} localizations from {partial.attrs.get('frames_done', 0)} frames "
                    "(layers marked partial)"
                )
        self._job = None

    def _publish(self, layer, ndim, table):
        """Points layer (+ rendered image) from a localization table."""
        from napari_maliang._io import localization_layer_data

        partial = bool(table.attrs.get("partial", False))
        suffix = " (partial)" if partial else ""
        metadata = {
            "shape": tuple(table.attrs.get("frame_shape", layer.data.shape[-2:])),
            "partial": partial,
            "source": layer.name,
        }
        coords, kwargs, _ = localization_layer_data(
            table, f"{layer.name} localizations{suffix}", colour=self.colour_by.currentText() or "photons",
            frames=ndim == 3, metadata=metadata,
        )
        metadata = kwargs["metadata"]
        kwargs.update(scale=tuple(layer.scale[-ndim:]), translate=tuple(layer.translate[-ndim:]),
                      **_units(layer, ndim))
        points = output_layer(self.viewer, coords, layer_type="points", protect=[layer], **kwargs)
        self.points_layer = points
        self._render(layer, table, suffix, metadata)
        return points

    def _render(self, layer, table, suffix, metadata):
        from napari_maliang.smlm.rendering import render, render_layer_kwargs

        options = self.render_controls.options()
        pixel = options.pixel_size
        shape = tuple(int(s) for s in layer.data.shape[-2:])
        image = render(table, shape=shape, options=options)
        kwargs = render_layer_kwargs(
            pixel, image, stack_scale=tuple(layer.scale[-2:]), stack_translate=tuple(layer.translate[-2:])
        )
        kwargs.update(_units(layer, 2))
        if kwargs.get("contrast_limits") is not None:
            lo, hi = kwargs["contrast_limits"]
            if not hi > lo:
                kwargs["contrast_limits"] = (float(lo), float(lo) + 1.0)
        self.render_layer = output_layer(
            self.viewer,
            image,
            name=f"{layer.name} super-resolution{suffix}",
            layer_type="image",
            protect=[layer],
            colormap="inferno",
            blending="additive",
            metadata={**metadata, "render_pixel_size": pixel, "nm_per_pixel": pixel * metadata["pixel_size_nm"]},
            **kwargs,
        )

    def _recolour(self, name: str):
        layer = getattr(self, "points_layer", None)
        if layer is None or layer not in self.viewer.layers or not len(layer.data):
            return
        if name in layer.features.columns:
            layer.face_color = name
            layer.face_colormap = "viridis"
            layer.refresh_colors(update_color_mapping=True)  # contrast limits of the new feature


def _units(layer, ndim: int) -> dict:
    """The last ``ndim`` world ``units`` of ``layer`` for an output layer (napari >= 0.6 has layer units): layers
    in one world share their units, or napari warns "Inconsistent units across layers"."""
    units = getattr(layer, "units", None)
    return {} if units is None else {"units": tuple(str(u) for u in units)[-ndim:]}
