"""Docked widget "PALM analysis": drift correction, super-resolution rendering and motion Z-statistics.

Works on a Points layer of localizations (``features`` hold the table columns; ``data`` is
``(frame, y, x)`` or ``(y, x)`` in camera pixels, possibly shown with a ``scale`` in nm).
Three tabs, each with its own background job (progress bar, Cancel):

- **Drift**: fiducial beads (found automatically, or the points of a Points layer the user
  clicks on the beads) or RCC -> a new Points layer ``"<input> drift-corrected"`` and a docked
  matplotlib plot of the drift against frame, in nm (for beads: the measured trajectory before
  and the residual after correction).
- **Render**: histogram / Gaussian / ASH -> an Image layer ``"<input> render"`` that overlays
  the raw stack (scale and translate from :func:`napari_maliang.smlm.rendering.render_layer_kwargs`),
  with napari's scale bar in nm.
- **Motion**: a line or path in a Shapes layer, band, frames per data set -> a table, a docked
  plot of Z per successive pair and the per-set profiles, and optionally one coloured Points
  layer per cleaned data set.

The widget only converts layers to tables and back; the algorithms live in
:mod:`napari_maliang.smlm` (drift, render, motion). Input layers are never changed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from magicgui.widgets import CheckBox, ComboBox, Container, FloatSpinBox
from qtpy.QtWidgets import QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget

from napari_maliang._progress import Progress
from napari_maliang._widgets._common import (
    JobRunner,
    chosen_layer,
    follow_layer_list,
    layer_choices,
    output_layer,
    refresh_choices,
)
from napari_maliang._widgets._controls import OptionControls

__all__ = ["PalmAnalysisWidget", "layer_to_table"]

SET_COLOURS = ["#1f77b4", "#2ca02c", "#d62728", "#000000", "#9467bd", "#ff7f0e", "#17becf", "#8c564b"]


#: the range of the "camera pixel (nm)" box: every pixel size a file may record (0.01 nm to 1 mm)
CAMERA_PIXEL_RANGE = (0.01, 1e6)


def camera_pixel_box(sets: str) -> FloatSpinBox:
    """The widgets' "camera pixel (nm)" box: filled from the chosen layer when it records a pixel size
    (:func:`fill_camera_pixel`), typed otherwise or to correct it; its value is the one used (``sets``: what the
    nm scale applies to, for the tooltip)."""
    return FloatSpinBox(label="camera pixel (nm)", value=100.0, min=CAMERA_PIXEL_RANGE[0],
                        max=CAMERA_PIXEL_RANGE[1], step=1.0,
                        tooltip="Size of one camera pixel in the sample plane, in nm; filled from the layer when "
                                "it records it, else type it here (or correct the layer's). Sets the nm scale of "
                                f"{sets}.")


def recorded_pixel_size(layer) -> float | None:
    """The camera pixel size in nm that a Points layer records (its metadata's, else its features' table's
    ``pixel_size_nm``), or None when it records none that a camera could have (finite, in
    :data:`CAMERA_PIXEL_RANGE`)."""
    if layer is None:
        return None
    for source in (getattr(layer, "metadata", None) or {}, getattr(layer.features, "attrs", {})):
        if "pixel_size_nm" in source:
            nm = float(source["pixel_size_nm"])
            return nm if CAMERA_PIXEL_RANGE[0] <= nm <= CAMERA_PIXEL_RANGE[1] else None
    return None


def fill_camera_pixel(box: FloatSpinBox, layer) -> None:
    """Show the pixel size that ``layer`` records in ``box`` (left as it is when the layer records none)."""
    nm = recorded_pixel_size(layer)
    if nm is not None:
        box.value = nm


def pixel_size_note(layer, nm: float) -> str:
    """Words saying where the pixel size ``nm`` used for ``layer`` came from, when not from the layer itself."""
    recorded = recorded_pixel_size(layer)
    if recorded is None:
        return f" (the layer records no pixel size: {nm:g} nm, the widget's camera pixel)"
    if not np.isclose(recorded, nm):
        return f" ({nm:g} nm, the widget's camera pixel; the layer records {recorded:g} nm)"
    return ""


def layer_to_table(layer) -> pd.DataFrame:
    """Localization table (camera pixels) of a Points layer: its ``features``, or its coordinates.

    ``x, y, frame`` come from the features when present, else from ``data`` (``(frame, y, x)``
    or ``(y, x)``, in the layer's data coordinates = camera pixels). ``attrs["pixel_size_nm"]``
    comes from ``layer.metadata`` (default 100).
    """
    data = np.asarray(layer.data, dtype=float)
    features = layer.features
    table = features.copy() if isinstance(features, pd.DataFrame) and len(features) == len(data) else pd.DataFrame()
    table = table.reset_index(drop=True)
    if "x" not in table.columns or "y" not in table.columns:
        if data.ndim != 2 or data.shape[1] < 2:
            raise ValueError(f"layer {layer.name!r} holds no localizations")
        table["y"] = data[:, -2]
        table["x"] = data[:, -1]
    if "frame" not in table.columns:
        table["frame"] = data[:, 0].astype(np.int64) if data.ndim == 2 and data.shape[1] >= 3 else 0
    table["frame"] = np.asarray(table["frame"]).astype(np.int64)
    meta = getattr(layer, "metadata", {}) or {}
    recorded = recorded_pixel_size(layer)
    table.attrs["pixel_size_nm"] = 100.0 if recorded is None else recorded
    for key in ("n_frames", "shape"):
        if key in meta:
            table.attrs[key] = meta[key]
    return table


def _points_data(layer, table: pd.DataFrame) -> np.ndarray:
    """Coordinates for a Points layer laid out like ``layer`` (``(frame, y, x)`` or ``(y, x)``)."""
    if np.asarray(layer.data).ndim == 2 and np.asarray(layer.data).shape[1] >= 3:
        return np.stack([table["frame"].to_numpy(float), table["y"].to_numpy(), table["x"].to_numpy()], axis=1)
    return np.stack([table["y"].to_numpy(), table["x"].to_numpy()], axis=1)


def _yx_transform(layer):
    scale = np.asarray(layer.scale, dtype=float)[-2:]
    translate = np.asarray(layer.translate, dtype=float)[-2:]
    return scale, translate


def _units_kwargs(layer) -> dict:
    """``units`` of ``layer`` for an output layer of the same dimensionality (napari >= 0.6)."""
    units = getattr(layer, "units", None)
    return {} if units is None else {"units": tuple(str(u) for u in units)}


def _show_scale_bar(viewer) -> None:
    """Turn napari's scale bar on (napari >= 0.9 reads its unit from the layers' ``units``)."""
    canvas = getattr(viewer, "canvas", None)
    overlays = getattr(canvas, "overlays", None)
    bar = getattr(overlays, "scale_bar", None)
    if bar is None:  # older napari
        bar = viewer.scale_bar
        bar.unit = "nm"
    bar.visible = True


def _dock_canvas(viewer, canvas, name):
    try:
        viewer.window.add_dock_widget(canvas, name=name, area="bottom")
    except Exception:  # a headless viewer without a window: keep the figure only
        pass


def _docked(canvas) -> bool:
    """True while ``canvas`` sits in a dock (its x button undocks it, and may delete it)."""
    try:
        return canvas is not None and canvas.parent() is not None
    except RuntimeError:  # deleted by Qt
        return False


class PalmAnalysisWidget(QWidget):
    """PALM analysis: drift correction (fiducial / RCC), rendering and motion Z-statistics."""

    def __init__(self, napari_viewer):
        super().__init__()
        self.viewer = napari_viewer
        self.points_combo = ComboBox(label="localizations", choices=layer_choices(napari_viewer, "points"),
                                     tooltip="The Points layer of localizations to analyse (e.g. from PALM "
                                             "localization); it is never modified.")
        self.camera_nm = camera_pixel_box("drifts, renderings and shifts")
        self.source = Container(widgets=[self.points_combo, self.camera_nm], labels=True)
        self.points_combo.changed.connect(self._on_points_changed)

        # --- drift tab
        from napari_maliang.smlm.options import (
            DRIFT_METHODS,
            FiducialDriftOptions,
            MotionOptions,
            RccDriftOptions,
            RenderOptions,
        )

        self.drift_method = ComboBox(label="method", choices=list(DRIFT_METHODS), value="fiducial",
                                     tooltip="fiducial: follow bright beads present in every frame; rcc: "
                                             "redundant cross-correlation of images rendered from segments of "
                                             "frames (no beads needed).")
        self.fiducial_combo = ComboBox(label="fiducials", choices=self._fiducial_choices,
                                       tooltip="Where the beads are: found automatically, or the points of a "
                                               "Points layer you clicked on the beads (fiducial method only).")
        self.fiducial_controls = OptionControls(FiducialDriftOptions, ["radius"], radius={"max": 50.0})
        self.rcc_controls = OptionControls(RccDriftOptions, ["segment_frames", "bin_size"],
                                           segment_frames={"max": 1_000_000}, bin_size={"max": 2.0})
        (self.radius_spin,) = self.fiducial_controls
        self.segment_spin, self.bin_spin = self.rcc_controls
        self.drift_options = Container(
            widgets=[self.drift_method, self.fiducial_combo, *self.fiducial_controls, *self.rcc_controls],
            labels=True,
        )
        self.drift_runner = JobRunner(
            "Correct drift", self._start_drift,
            run_tip="estimate the drift against frame, subtract it into a Points layer '<input> drift-corrected' "
                    "and plot it in nm")

        # --- render tab
        self.render_controls = OptionControls(RenderOptions, ["method", "pixel_size"], pixel_size={"max": 1.0})
        self.render_method, self.render_pixel = self.render_controls
        self.stack_combo = ComboBox(label="overlay on", choices=layer_choices(napari_viewer, "image", none="none"),
                                    tooltip="An Image layer (the raw stack) to place the rendering over, with its "
                                            "scale and offset; none: over the localizations.")
        self.render_options = Container(
            widgets=[self.render_method, self.render_pixel, self.stack_combo], labels=True
        )
        self.render_runner = JobRunner(
            "Render", self._start_render,
            run_tip="render the localizations into a super-resolution Image layer '<input> render', with a scale "
                    "bar in nm")

        # --- motion tab
        self.shapes_combo = ComboBox(label="line (Shapes)", choices=layer_choices(napari_viewer, "shapes"),
                                     tooltip="A Shapes layer with the line or path along which the motion is "
                                             "measured.")
        self.motion_controls = OptionControls(MotionOptions, ["band", "block_frames", "reject_sd"],
                                              band={"max": 100.0}, block_frames={"max": 10_000_000},
                                              reject_sd={"max": 20.0})
        self.band_spin, self.block_spin, self.reject_spin = self.motion_controls
        self.set_layers = CheckBox(label="add per-set layers", value=False,
                                   tooltip="Also add one coloured Points layer per cleaned data set "
                                           "('<input> set k').")
        self.motion_options = Container(
            widgets=[self.shapes_combo, self.band_spin, self.block_spin, self.reject_spin, self.set_layers],
            labels=True,
        )
        self.motion_runner = JobRunner(
            "Compute Z", self._start_motion,
            run_tip="split the localizations within the band around the line into data sets of successive frames "
                    "and compare each successive pair: shift along the normal, Z = shift / √(se_a² + se_b²) and "
                    "its p-value, in the table below and a plot")
        self.motion_table = QTableWidget(0, 5)
        self.motion_table.setHorizontalHeaderLabels(["sets", "shift (nm)", "Z", "p", "n"])

        self.tabs = QTabWidget()
        for title, options, runner, extra in (
            ("Drift", self.drift_options, self.drift_runner, None),
            ("Render", self.render_options, self.render_runner, None),
            ("Motion", self.motion_options, self.motion_runner, self.motion_table),
        ):
            page = QWidget()
            lay = QVBoxLayout(page)
            lay.addWidget(options.native)
            lay.addWidget(runner)
            if extra is not None:
                lay.addWidget(extra)
            lay.addStretch()
            self.tabs.addTab(page, title)
        layout = QVBoxLayout(self)
        layout.addWidget(self.source.native)
        layout.addWidget(self.tabs)

        self.drift_canvas = None
        self.motion_canvas = None
        self.drift_table = None
        self.motion_result = None
        self.corrected_layer = None
        self.render_layer = None
        self.set_layers_out: list = []
        follow_layer_list(napari_viewer, self.reset_choices)
        self._on_points_changed(self.points_combo.value)

    # ------------------------------------------------------------------------------------ choices

    @property
    def runner(self) -> JobRunner:
        """The job runner of the visible tab."""
        return (self.drift_runner, self.render_runner, self.motion_runner)[self.tabs.currentIndex()]

    def _fiducial_choices(self, _widget=None):
        return [("auto (find beads)", None)] + [
            (f"picked in {name}", layer) for name, layer in layer_choices(self.viewer, "points")() if layer is not self._input()
        ]

    def _input(self):
        try:
            return self.points_combo.value
        except Exception:
            return None

    def reset_choices(self, *_args) -> None:
        refresh_choices(self.source, self.drift_options, self.render_options, self.motion_options)

    def _on_points_changed(self, layer) -> None:
        fill_camera_pixel(self.camera_nm, layer)
        refresh_choices(self.drift_options)

    def _table(self):
        self.reset_choices()
        layer = chosen_layer(
            self.viewer, self.points_combo,
            "no localizations: add a Points layer of localizations (run PALM localization first)",
        )
        table = layer_to_table(layer)
        if len(table) == 0:
            raise ValueError(f"layer {layer.name!r} has no localizations")
        table.attrs["pixel_size_nm"] = float(self.camera_nm.value)
        return layer, table

    # ---------------------------------------------------------------------------------------- drift

    def _start_drift(self):
        from napari_maliang.smlm.drift import correct_drift_steps

        layer, table = self._table()
        method = self.drift_method.value
        fiducials = None
        if method == "fiducial":
            options = self.fiducial_controls.options()
            picked = self.fiducial_combo.value
            if picked is not None:
                pts = np.asarray(picked.data, dtype=float)
                if pts.size == 0:
                    raise ValueError(f"no fiducial picked: click on the beads in layer {picked.name!r} first")
                # picked layer data -> world -> the localizations' camera pixels
                s, t = _yx_transform(picked)
                ls, lt = _yx_transform(layer)
                fiducials = ((pts[:, -2:] * s + t) - lt) / ls
        else:
            options = self.rcc_controls.options()
        gen = correct_drift_steps(table, method=method, fiducials=fiducials, options=options)

        def on_done(result):
            corrected, drift = result
            self.drift_table = drift
            kwargs = {
                "features": corrected.reset_index(drop=True),
                "scale": np.asarray(layer.scale),
                "translate": np.asarray(layer.translate),
                "size": layer.size.mean() if np.size(layer.size) else 1.0,
                "face_color": "yellow",
                "border_width": 0,
                "metadata": {"pixel_size_nm": table.attrs["pixel_size_nm"], "drift_method": method},
                **_units_kwargs(layer),
            }
            self.corrected_layer = output_layer(
                self.viewer, _points_data(layer, corrected), name=f"{layer.name} drift-corrected",
                layer_type="points", protect=[layer], **kwargs,
            )
            self._plot_drift(drift, table.attrs["pixel_size_nm"])

        return gen, on_done

    def _cleared_figure(self, attr: str, title: str):
        """The cleared figure of the plot canvas ``self.<attr>``, created and docked as ``title`` on first use
        and again after the user closed its dock."""
        if not _docked(getattr(self, attr)):
            from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
            from matplotlib.figure import Figure

            canvas = FigureCanvasQTAgg(Figure(figsize=(6, 3), tight_layout=True))
            canvas.setMinimumHeight(220)
            setattr(self, attr, canvas)
            _dock_canvas(self.viewer, canvas, title)
        fig = getattr(self, attr).figure
        fig.clear()
        return fig

    def _plot_drift(self, drift: pd.DataFrame, nm: float) -> None:
        fig = self._cleared_figure("drift_canvas", "Drift plot")
        frames = drift["frame"].to_numpy()
        fiducial = "dx_fiducial" in drift.columns
        axes = fig.subplots(1, 2, sharex=True)
        for ax, axis in zip(axes, ("x", "y"), strict=True):
            est = drift[f"d{axis}"].to_numpy() * nm
            if fiducial:
                raw = drift[f"d{axis}_fiducial"].to_numpy() * nm
                ax.plot(frames, raw, ",", color="0.6", label="bead, before")
                ax.plot(frames, raw - est, ",", color="tab:green", label="bead, after")
            ax.plot(frames, est, color="tab:red", lw=1.5, label="drift (smooth)" if fiducial else "drift (RCC)")
            if "segments" in drift.attrs:
                seg = drift.attrs["segments"]
                ax.plot(seg["centre_frame"], np.asarray(seg[f"d{axis}"]) * nm, "o", ms=3, color="tab:blue",
                        label="segments")
            ax.set_xlabel("frame")
            ax.set_ylabel(f"d{axis} (nm)")
        axes[0].legend(fontsize=7, markerscale=8, loc="best")
        if fiducial:
            after = (drift[["dx_fiducial", "dy_fiducial"]].to_numpy() - drift[["dx", "dy"]].to_numpy()) * nm
            sd = np.nanstd(after, axis=0)
            fig.suptitle(f"bead SD after correction: x {sd[0]:.1f} nm, y {sd[1]:.1f} nm", fontsize=9)
        self.drift_canvas.draw_idle()

    # --------------------------------------------------------------------------------------- render

    def _start_render(self):
        from napari_maliang.smlm.rendering import render, render_layer_kwargs

        layer, table = self._table()
        options = self.render_controls.options()
        method, pixel = options.method, options.pixel_size
        stack = self.stack_combo.value
        nm = table.attrs["pixel_size_nm"]
        shape = table.attrs.get("shape")
        if stack is not None and stack in self.viewer.layers:
            stack_scale, stack_translate = _yx_transform(stack)
            shape = tuple(np.asarray(stack.data.shape)[-2:]) if not getattr(stack, "rgb", False) else None
        else:
            stack_scale, stack_translate = _yx_transform(layer)
        world = stack if stack is not None and stack in self.viewer.layers else layer

        def gen():
            yield Progress(0.0, 1.0, f"rendering {len(table)} localizations ({method})")
            image = render(table, shape=shape, options=options)
            yield Progress(1.0, 1.0, "rendered")
            return image

        def on_done(image):
            kwargs = render_layer_kwargs(pixel, image, stack_scale=stack_scale, stack_translate=stack_translate)
            kwargs.update(colormap="magma", blending="additive",
                          metadata={"pixel_size_nm": nm * pixel, "render_method": method})
            # the rendering lives in the world of the layer it overlays (nm when that layer is in nm): one set of
            # units for every layer, or napari warns "Inconsistent units across layers"
            units = _units_kwargs(world).get("units")
            if units is not None:
                kwargs["units"] = units[-2:]
            self.render_layer = output_layer(
                self.viewer, image, name=f"{layer.name} render", layer_type="image", protect=[layer], **kwargs
            )
            _show_scale_bar(self.viewer)
            self.viewer.reset_view()

        return gen(), on_done

    # --------------------------------------------------------------------------------------- motion

    def _line(self, layer):
        shapes = self.shapes_combo.value
        if shapes is None or shapes not in self.viewer.layers:
            raise ValueError("no line: add a Shapes layer and draw a line or path along the structure")
        kinds = list(shapes.shape_type)
        candidates = [i for i, k in enumerate(kinds) if k in ("line", "path")]
        if not candidates:
            raise ValueError(f"Shapes layer {shapes.name!r} has no line or path; draw one along the structure")
        selected = [i for i in shapes.selected_data if i in candidates]
        index = selected[0] if selected else candidates[-1]
        vertices = np.asarray(shapes.data[index], dtype=float)[:, -2:]
        s, t = _yx_transform(shapes)
        ls, lt = _yx_transform(layer)
        return ((vertices * s + t) - lt) / ls

    def _start_motion(self):
        from napari_maliang.smlm.motion import motion_analysis_steps

        layer, table = self._table()
        line = self._line(layer)
        gen = motion_analysis_steps(table, line, options=self.motion_controls.options())
        nm = table.attrs["pixel_size_nm"]
        want_layers = bool(self.set_layers.value)

        def on_done(result):
            self.motion_result = result
            self._fill_motion_table(result.table, nm)
            self._plot_motion(result, nm)
            if want_layers:
                self.set_layers_out = []
                for k, cleaned in enumerate(result.sets):
                    self.set_layers_out.append(
                        output_layer(
                            self.viewer, _points_data(layer, cleaned), name=f"{layer.name} set {k}",
                            layer_type="points", protect=[layer],
                            features=cleaned.reset_index(drop=True), scale=np.asarray(layer.scale),
                            translate=np.asarray(layer.translate), face_color=SET_COLOURS[k % len(SET_COLOURS)],
                            size=layer.size.mean() if np.size(layer.size) else 1.0, border_width=0,
                            **_units_kwargs(layer),
                        )
                    )

        return gen, on_done

    def _fill_motion_table(self, table: pd.DataFrame, nm: float) -> None:
        self.motion_table.setRowCount(len(table))
        for r, row in enumerate(table.itertuples(index=False)):
            values = [f"{row.set_a}->{row.set_b}", f"{row.shift * nm:.1f}", f"{row.z:.2f}", f"{row.p_value:.3g}",
                      f"{row.n_a}/{row.n_b}"]
            for c, text in enumerate(values):
                self.motion_table.setItem(r, c, QTableWidgetItem(text))
        self.motion_table.resizeColumnsToContents()

    def _plot_motion(self, result, nm: float) -> None:
        fig = self._cleared_figure("motion_canvas", "Motion Z plot")
        ax_z, ax_p = fig.subplots(1, 2)
        table = result.table
        labels = [f"{a}->{b}" for a, b in zip(table["set_a"], table["set_b"], strict=True)]
        ax_z.bar(labels, table["z"], color=["tab:red" if abs(z) > 3 else "tab:gray" for z in table["z"]])
        for level in (-3, 3):
            ax_z.axhline(level, color="k", lw=0.8, ls="--")
        ax_z.set_ylabel("Z")
        ax_z.set_xlabel("successive data sets")
        for k, proj in enumerate(result.profiles):
            ax_p.hist(proj * nm, bins=40, histtype="step", color=SET_COLOURS[k % len(SET_COLOURS)], label=f"set {k}")
        ax_p.set_xlabel("position along the normal (nm)")
        ax_p.set_ylabel("localizations")
        ax_p.legend(fontsize=7)
        self.motion_canvas.draw_idle()
