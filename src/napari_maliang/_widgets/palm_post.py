"""Docked widget "PALM post-processing": filter, link, resolution and clustering of localizations.

Works on a Points layer of localizations (``features`` hold the table columns; ``data`` is
``(frame, y, x)`` or ``(y, x)`` in camera pixels, possibly shown with a ``scale`` in nm), read with
:func:`napari_maliang._widgets.palm_analysis.layer_to_table`. Four tabs:

- **Filter**: a column (any numeric feature), its histogram and a range slider. Ranges are kept per
  column, so several columns can be narrowed one after the other; a slider at an end of its column
  leaves that side open. Apply makes a Points layer ``"<input> filtered"`` holding the kept rows with
  all their features (:func:`napari_maliang.smlm.filtering.filter_localizations`).
  *Live preview* (on by default) shows, while the slider moves, which rows the ranges keep. It sets
  the ``shown`` mask of the output layer, which for that purpose holds every row of the input (and
  ``metadata["filter_preview"]``) until Apply writes the kept rows alone into it. The input layer is never touched, not even its ``shown``
  mask: other tools (rendering, saving, the other tabs) read every row of a layer whatever it shows,
  so hiding rows of the input would look like a filter that is not one. Nothing is lost either: the
  preview only hides rows of a copy, and Apply reads the input again.
- **Link**: localizations of one molecule in consecutive frames become one localization
  (:func:`napari_maliang.smlm.linking.link`) -> ``"<input> linked"``, shown at each molecule's first frame.
- **Resolution**: NeNA localization precision and FRC resolution
  (:mod:`napari_maliang.smlm.resolution`), each with its curve plotted in the tab and its value in
  camera pixels and nm (the widget's "camera pixel (nm)", filled from the layer's ``pixel_size_nm``).
- **Cluster**: DBSCAN, optionally with Gaussian-site members (:func:`napari_maliang.smlm.clustering.cluster`)
  -> ``"<input> clusters"`` coloured by cluster (noise small and grey), with the per-cluster statistics in a
  table (also in the layer's ``metadata["cluster_stats"]``, and saved as CSV by "Save table…").

Link, resolution and clustering run in a background job (progress bar, Cancel). Every output layer
keeps the input's ``scale``, ``translate``, ``units`` and ``metadata``; the input layer is never changed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from magicgui.widgets import CheckBox, ComboBox, Container
from qtpy.QtCore import Qt
from qtpy.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from napari_maliang._progress import Progress
from napari_maliang._widgets._common import (
    JobRunner,
    _unwrap,
    chosen_layer,
    follow_layer_list,
    layer_choices,
    output_layer,
    refresh_choices,
    show_error,
)
from napari_maliang._widgets._controls import OptionControls
from napari_maliang._widgets.palm_analysis import (
    _points_data,
    _units_kwargs,
    camera_pixel_box,
    fill_camera_pixel,
    layer_to_table,
    pixel_size_note,
)

__all__ = ["PalmPostWidget"]

#: rows of the cluster statistics shown in the table (all of them are in the layer's metadata)
MAX_TABLE_ROWS = 1000
#: colour of the localizations DBSCAN calls noise
NOISE_COLOUR = (0.6, 0.6, 0.6, 0.5)
#: frequency-domain threshold of the FRC resolution (Nieuwenhuizen et al. 2013)
FRC_THRESHOLD = 1.0 / 7.0


#: the Cancel tool tip of a job that is one call (see _one_call)
ONE_CALL_CANCEL = ("Stop the job: it stops once the running computation is over (that cannot be interrupted "
                   "midway) and gives no result.")


def _one_call(message: str, func, *args, **kwargs):
    """A progress generator around one call that reports no progress of its own: it says what runs,
    then returns the call's result (Cancel takes effect once the call is over)."""
    yield Progress(0.0, 1.0, message)
    return func(*args, **kwargs)


def _numeric_columns(table: pd.DataFrame) -> list[str]:
    """The columns of ``table`` a range can filter: numbers, not booleans."""
    return [
        str(c) for c in table.columns
        if pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])
    ]


def _plot_canvas(height: int):
    """An empty matplotlib canvas for a tab."""
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
    from matplotlib.figure import Figure

    canvas = FigureCanvasQTAgg(Figure(figsize=(4, height / 100), tight_layout=True))
    canvas.setMinimumHeight(height)
    return canvas


def _range_text(column: str, low, high) -> str:
    if low is None:
        return f"{column} ≤ {high:.6g}"
    if high is None:
        return f"{column} ≥ {low:.6g}"
    return f"{column} {low:.6g}–{high:.6g}"


class PalmPostWidget(QWidget):
    """PALM post-processing of a Points layer of localizations: filter, link, resolution, clustering.

    Parameters
    ----------
    napari_viewer : napari.Viewer
        The viewer whose Points layers are offered as input and which receives the output layers.
    """

    def __init__(self, napari_viewer):
        super().__init__()
        from superqt import QLabeledDoubleRangeSlider

        from napari_maliang.smlm.options import ClusterOptions, FrcOptions, LinkOptions, NenaOptions

        self.viewer = napari_viewer
        self.ranges: dict[str, tuple] = {}
        self.filtered_layer = None
        self.linked_layer = None
        self.cluster_layer = None
        self.stats = None
        self.nena_result = None
        self.frc_result = None
        self._cache = None  # (layer, its data, its features, table): the input table read once per input
        self._preview_of = None  # the input whose every row the output layer holds for the live preview
        self._hist_lines = ()
        self.points_combo = ComboBox(label="localizations", choices=layer_choices(napari_viewer, "points"),
                                     tooltip="The Points layer of localizations to post-process (e.g. from PALM "
                                             "localization); it is never modified.")
        self.camera_nm = camera_pixel_box("NeNA, FRC and the output layers")
        self.source = Container(widgets=[self.points_combo, self.camera_nm], labels=True)
        self.points_combo.changed.connect(self._on_points_changed)

        # --- filter tab
        self.column_combo = ComboBox(label="column", choices=self._column_choices,
                                     tooltip="The numeric column of the localization table whose range the slider "
                                             "sets; the ranges of all columns apply together.")
        self.live_preview = CheckBox(text="live preview", value=True,
                                     tooltip="Show the kept rows in the output layer while the slider moves")
        self.filter_options = Container(widgets=[self.column_combo, self.live_preview], labels=True)
        self.column_combo.changed.connect(self._on_column_changed)
        self.live_preview.changed.connect(self._on_live_preview)
        self.range_slider = QLabeledDoubleRangeSlider(Qt.Orientation.Horizontal)
        self.range_slider.setToolTip("The range of the column's values to keep, in the column's unit; a handle at "
                                     "an end leaves that side open.")
        self.range_slider.valueChanged.connect(self._on_range_moved)
        self.histogram = _plot_canvas(160)
        self.ranges_label = QLabel("")
        self.ranges_label.setWordWrap(True)
        self.apply_button = QPushButton("Apply")
        self.reset_button = QPushButton("Reset ranges")
        self.apply_button.setToolTip("Make a Points layer '<input> filtered' of the localizations in every "
                                     "column's range, with all their features.")
        self.reset_button.setToolTip("Forget the ranges of all columns: every localization is kept.")
        self.apply_button.clicked.connect(self.apply_filter)
        self.reset_button.clicked.connect(self.reset_ranges)
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.reset_button)

        # --- link tab
        self.link_controls = OptionControls(LinkOptions, ["radius", "max_dark"],
                                            radius={"start": 0.5, "max": 10.0}, max_dark={"max": 10_000})
        self.link_options = Container(widgets=list(self.link_controls), labels=True)
        self.link_runner = JobRunner(
            "Link", self._start_link, cancel_tip=ONE_CALL_CANCEL,
            run_tip="merge one molecule's localizations in consecutive frames into one, in a Points layer "
                    "'<input> linked'")
        self.link_label = QLabel("")

        # --- resolution tab
        self.nena_controls = OptionControls(NenaOptions, ["max_distance"], max_distance={"start": 1.0, "max": 100.0})
        self.nena_options = Container(widgets=list(self.nena_controls), labels=True)
        self.nena_runner = JobRunner(
            "NeNA precision", self._start_nena, cancel_tip=ONE_CALL_CANCEL,
            run_tip="estimate the mean localization precision from the nearest-neighbour distances of "
                    "localizations in successive frames (NeNA), in camera pixels and nm, with its curve")
        self.frc_controls = OptionControls(FrcOptions, ["pixel", "block_frames"],
                                           pixel={"max": 1.0}, block_frames={"max": 10_000_000})
        self.frc_options = Container(widgets=list(self.frc_controls), labels=True)
        self.frc_runner = JobRunner(
            "FRC resolution", self._start_frc, cancel_tip=ONE_CALL_CANCEL,
            run_tip="estimate the image resolution by Fourier ring correlation of two half data sets, at the "
                    "1/7 threshold, in camera pixels and nm, with its curve")
        self.nena_label = QLabel("NeNA: –")
        self.frc_label = QLabel("FRC: –")
        for label in (self.nena_label, self.frc_label):
            label.setWordWrap(True)
        self.resolution_canvas = _plot_canvas(360)
        self.nena_axes, self.frc_axes = self.resolution_canvas.figure.subplots(2, 1)

        # --- cluster tab
        self.cluster_controls = OptionControls(ClusterOptions, ["eps", "min_samples", "members"],
                                               eps={"start": 0.5, "max": 100.0}, min_samples={"max": 100_000})
        self.cluster_options = Container(widgets=list(self.cluster_controls), labels=True)
        self.cluster_runner = JobRunner(
            "Cluster", self._start_cluster, cancel_tip=ONE_CALL_CANCEL,
            run_tip="group the localizations by DBSCAN into a Points layer '<input> clusters' coloured by cluster "
                    "(noise small and grey), with per-cluster statistics in the table below")
        self.cluster_label = QLabel("")
        self.cluster_label.setWordWrap(True)
        self.stats_table = QTableWidget(0, 0)
        self.save_button = QPushButton("Save table…")
        self.save_button.setEnabled(False)
        self.save_button.setToolTip("Save the per-cluster statistics of the last clustering as a CSV file.")
        self.save_button.clicked.connect(self._on_save_clicked)

        self.tabs = QTabWidget()
        self._add_tab("Filter", self.filter_options.native, self.histogram, self.range_slider, self.ranges_label,
                      buttons)
        self._add_tab("Link", self.link_options.native, self.link_runner, self.link_label)
        self._add_tab("Resolution", self.nena_options.native, self.nena_runner, self.nena_label,
                      self.frc_options.native, self.frc_runner, self.frc_label, self.resolution_canvas)
        self._add_tab("Cluster", self.cluster_options.native, self.cluster_runner, self.cluster_label,
                      self.stats_table, self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.source.native)
        layout.addWidget(self.tabs)

        follow_layer_list(napari_viewer, self.reset_choices)
        self._on_points_changed(self.points_combo.value)

    def _add_tab(self, title: str, *parts) -> None:
        page = QWidget()
        lay = QVBoxLayout(page)
        for part in parts:
            (lay.addLayout if isinstance(part, QHBoxLayout) else lay.addWidget)(part)
        lay.addStretch()
        self.tabs.addTab(page, title)

    # ------------------------------------------------------------------------------------ input

    def reset_choices(self, *_args) -> None:
        """Refresh the layer chooser (called after every change of the layer list) and let go of a removed
        input's table."""
        refresh_choices(self.source)
        if self._cache is not None and self._cache[0] not in self.viewer.layers:
            self._cache = None
        if self._preview_of is not None and self._preview_of not in self.viewer.layers:
            self._preview_of = None

    def _input(self):
        """The chosen Points layer; ``ValueError`` when there is none."""
        self.reset_choices()
        return chosen_layer(
            self.viewer, self.points_combo,
            "no localizations: add a Points layer of localizations (run PALM localization first)",
        )

    def _table(self):
        """The chosen layer and its localization table (read once per layer and data);
        ``ValueError`` when it holds no localization."""
        layer = self._input()
        raw = _unwrap(layer)  # a plugin widget gets a new proxy of the layer at each access
        cache = self._cache
        if cache is None or cache[0] is not raw or cache[1] is not raw.data or cache[2] is not raw.features:
            table = layer_to_table(raw)
            self._cache = cache = (raw, raw.data, raw.features, table)
        table = cache[3].copy(deep=False)  # the data shared, the attrs this job's
        if len(table) == 0:
            raise ValueError(f"layer {layer.name!r} has no localizations")
        table.attrs["pixel_size_nm"] = float(self.camera_nm.value)
        return layer, table

    def _on_points_changed(self, layer=None) -> None:
        fill_camera_pixel(self.camera_nm, layer)
        self.ranges = {}
        self._preview_of = None
        refresh_choices(self.filter_options)
        self._on_column_changed()

    def _output(self, layer, table: pd.DataFrame, suffix: str, metadata: dict, **kwargs):
        """A Points layer ``"<input> <suffix>"`` of ``table`` laid out and placed like ``layer``, with its
        metadata (plus ``metadata``); made by :func:`output_layer`, so the input is never written."""
        size = np.asarray(layer.size, dtype=float)
        kwargs = {
            "features": table.reset_index(drop=True),
            "scale": np.asarray(layer.scale),
            "translate": np.asarray(layer.translate),
            "size": size.mean() if size.size else 1.0,
            "border_width": 0,
            "metadata": {**dict(layer.metadata or {}), "pixel_size_nm": table.attrs["pixel_size_nm"], **metadata},
            **_units_kwargs(layer),
            **kwargs,
        }
        return output_layer(self.viewer, _points_data(layer, table), name=f"{layer.name} {suffix}",
                            layer_type="points", protect=[layer], **kwargs)

    # ----------------------------------------------------------------------------------- filter

    def _column_choices(self, _widget=None) -> list[str]:
        try:
            _, table = self._table()
        except ValueError:
            return []
        return _numeric_columns(table)

    def _on_column_changed(self, _value=None) -> None:
        """Show the chosen column: its histogram, and the slider over its values at its kept range."""
        column = self.column_combo.value
        values = np.zeros(0)
        try:
            values = self._table()[1][column].to_numpy(float) if column is not None else values
        except (ValueError, KeyError):  # the layer left, or lost the column, before the chooser was refreshed
            column = None
        values = values[np.isfinite(values)]
        low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
        kept = self.ranges.get(column, (None, None))
        span = high - low
        self.range_slider.blockSignals(True)
        self.range_slider.setDecimals(max(0, 3 - int(np.floor(np.log10(span)))) if span > 0 else 3)
        self.range_slider.setRange(low, high)
        self.range_slider.setValue((low if kept[0] is None else kept[0], high if kept[1] is None else kept[1]))
        self.range_slider.blockSignals(False)
        self.range_slider.setEnabled(bool(values.size))
        self._plot_histogram(column, values)
        self._show_ranges()

    def _plot_histogram(self, column, values: np.ndarray) -> None:
        ax = self.histogram.figure.gca()
        ax.clear()
        self._hist_lines = ()
        if values.size:
            ax.hist(values, bins=int(np.clip(np.unique(values).size, 1, 100)), color="0.5")
            low, high = self.range_slider.value()
            self._hist_lines = (ax.axvline(low, color="tab:red"), ax.axvline(high, color="tab:red"))
            ax.set_xlabel(column)
            ax.set_ylabel("localizations")
        self.histogram.draw_idle()

    def _on_range_moved(self, value) -> None:
        column = self.column_combo.value
        if column is None:
            return
        low, high = (float(v) for v in value)
        kept = (None if low <= self.range_slider.minimum() else low,
                None if high >= self.range_slider.maximum() else high)
        if kept == (None, None):
            self.ranges.pop(column, None)
        else:
            self.ranges[column] = kept
        for line, x in zip(self._hist_lines, (low, high), strict=False):
            line.set_xdata([x, x])
        self.histogram.draw_idle()
        self._show_ranges()

    def _on_live_preview(self, on: bool) -> None:
        if on:
            self._show_ranges()
        elif self._preview_of is not None and self._preview_layer_present():
            self.filtered_layer.shown = np.ones(len(self.filtered_layer.data), dtype=bool)

    def reset_ranges(self) -> None:
        """Forget every column's range: all localizations are kept."""
        self.ranges = {}
        self._on_column_changed()

    def _kept(self, table: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the rows of ``table`` in every column's range, as
        :func:`~napari_maliang.smlm.filtering.filter_localizations` decides (it is called on the ranged
        columns and a row number)."""
        from napari_maliang.smlm.filtering import filter_localizations

        row = "row"
        while row in self.ranges:
            row += "_"
        probe = table[list(self.ranges)].assign(**{row: np.arange(len(table))})
        mask = np.zeros(len(table), dtype=bool)
        mask[filter_localizations(probe, **self.ranges)[row].to_numpy()] = True
        return mask

    def _show_ranges(self) -> None:
        """Say which ranges apply and how many rows they keep; update the live preview."""
        try:
            layer, table = self._table()
            kept = self._kept(table)
        except ValueError as exc:
            self.ranges_label.setText(str(exc))
            return
        ranges = "; ".join(_range_text(c, *r) for c, r in self.ranges.items()) or "no range: every row kept"
        self.ranges_label.setText(f"{ranges}\nkept {kept.sum()} of {len(table)} localizations")
        if self.live_preview.value and self.ranges:
            self._preview(layer, table, kept)

    def _preview_layer_present(self) -> bool:
        return self.filtered_layer is not None and self.filtered_layer in self.viewer.layers

    def _preview(self, layer, table: pd.DataFrame, kept: np.ndarray) -> None:
        """Show the kept rows: the output layer holds every row of the input, those outside the ranges hidden."""
        if self._preview_of is not _unwrap(layer) or not self._preview_layer_present():
            self.filtered_layer = self._output(layer, table, "filtered", {"filter_preview": True},
                                               face_color="cyan")
            self._preview_of = _unwrap(layer)
        self.filtered_layer.shown = kept

    def apply_filter(self) -> None:
        """Make ``"<input> filtered"``: the rows in every column's range, with all their features."""
        from napari_maliang.smlm.filtering import filter_localizations

        try:
            layer, table = self._table()
            kept = filter_localizations(table, **self.ranges)
            if len(kept) == 0:
                raise ValueError("no localization lies in the chosen ranges: widen them")
            self.filtered_layer = self._output(layer, kept, "filtered", {"filter_ranges": dict(self.ranges)},
                                               face_color="cyan")
        except ValueError as exc:
            self.ranges_label.setText(f"error: {exc}")
            show_error(str(exc))
            return
        self._preview_of = None
        self.ranges_label.setText(f"{self.ranges_label.text()}\n-> layer {self.filtered_layer.name!r}")

    # ------------------------------------------------------------------------------------- link

    def _start_link(self):
        from napari_maliang.smlm.linking import link

        layer, table = self._table()
        options = self.link_controls.options()
        gen = _one_call(f"linking {len(table)} localizations", link, table, options=options)

        def on_done(merged):
            self.linked_layer = self._output(
                layer, merged, "linked", {"link_radius": options.radius, "link_max_dark": options.max_dark},
                face_color="magenta",
            )
            self.link_label.setText(f"{len(table)} localizations -> {len(merged)} molecules")

        return gen, on_done

    # ------------------------------------------------------------------------------- resolution

    def _start_nena(self):
        from napari_maliang.smlm.resolution import nena

        layer, table = self._table()
        nm = table.attrs["pixel_size_nm"]
        gen = _one_call(f"NeNA of {len(table)} localizations", nena, table, options=self.nena_controls.options())

        def on_done(result):
            precision, curve = result
            self.nena_result = result
            self.nena_label.setText(f"NeNA precision: {precision:.4f} px = {precision * nm:.2f} nm"
                                    f"{pixel_size_note(layer, nm)}")
            ax = self.nena_axes
            ax.clear()
            ax.plot(curve["distance"] * nm, curve["density"], ".", ms=3, color="0.4", label="neighbours")
            ax.plot(curve["distance"] * nm, curve["fit"], color="tab:red", label="fit")
            ax.set_xlabel("next-frame neighbour distance (nm)")
            ax.set_ylabel("density")
            ax.set_title(f"NeNA {precision * nm:.1f} nm", fontsize=9)
            ax.legend(fontsize=7)
            self.resolution_canvas.draw_idle()

        return gen, on_done

    def _start_frc(self):
        from napari_maliang.smlm.resolution import frc

        layer, table = self._table()
        nm = table.attrs["pixel_size_nm"]
        options = self.frc_controls.options()
        gen = _one_call(f"FRC of {len(table)} localizations", frc, table, options=options)

        def on_done(result):
            resolution, curve = result
            self.frc_result = result
            self.frc_label.setText(f"FRC resolution: {resolution:.4f} px = {resolution * nm:.2f} nm"
                                   f"{pixel_size_note(layer, nm)}")
            ax = self.frc_axes
            ax.clear()
            freq = curve["spatial_frequency"] / nm
            ax.plot(freq, curve["frc"], ".", ms=3, color="0.4", label="FRC")
            ax.plot(freq, curve["frc_smooth"], color="tab:blue", label="smoothed")
            ax.axhline(FRC_THRESHOLD, color="tab:red", lw=0.8, ls="--", label="1/7")
            ax.axvline(1.0 / (resolution * nm), color="tab:red", lw=0.8)
            ax.set_xlabel("spatial frequency (1/nm)")
            ax.set_ylabel("FRC")
            ax.set_title(f"FRC {resolution * nm:.1f} nm", fontsize=9)
            ax.legend(fontsize=7)
            self.resolution_canvas.draw_idle()

        return gen, on_done

    # ---------------------------------------------------------------------------------- cluster

    def _start_cluster(self):
        from napari_maliang.smlm.clustering import cluster, cluster_stats

        layer, table = self._table()
        options = self.cluster_controls.options()

        def gen():
            what = "DBSCAN" + (" and Gaussian sites" if options.members == "gaussian" else "")
            labelled = yield from _one_call(f"{what} of {len(table)} localizations", cluster, table, options=options)
            yield Progress(0.9, 1.0, "cluster statistics")
            return labelled, cluster_stats(labelled)

        def on_done(result):
            labelled, stats = result
            self.stats = stats
            colours, sizes = self._cluster_colours(labelled["cluster"].to_numpy(), layer)
            self.cluster_layer = self._output(
                layer, labelled, "clusters",
                {"cluster_eps": options.eps, "cluster_min_samples": options.min_samples,
                 "cluster_members": options.members, "cluster_stats": stats},
                face_color=colours, size=sizes,
            )
            noise = int((labelled["cluster"] < 0).sum())
            self.cluster_label.setText(
                f"{len(stats)} clusters; {noise} of {len(labelled)} localizations are noise"
            )
            self._fill_stats_table(stats)

        return gen(), on_done

    @staticmethod
    def _cluster_colours(labels: np.ndarray, layer):
        """One colour per cluster (a 20-colour cycle), noise grey and half the size."""
        from matplotlib import colormaps

        palette = np.asarray(colormaps["tab20"].colors)
        colours = np.ones((labels.size, 4))
        colours[:, :3] = palette[np.maximum(labels, 0) % len(palette)]
        noise = labels < 0
        colours[noise] = NOISE_COLOUR
        size = np.asarray(layer.size, dtype=float)
        sizes = np.full(labels.size, size.mean() if size.size else 1.0)
        sizes[noise] *= 0.5
        return colours, sizes

    def _fill_stats_table(self, stats: pd.DataFrame) -> None:
        shown = stats.head(MAX_TABLE_ROWS)
        self.stats_table.clear()
        self.stats_table.setColumnCount(len(shown.columns))
        self.stats_table.setRowCount(len(shown))
        self.stats_table.setHorizontalHeaderLabels([str(c) for c in shown.columns])
        for r, row in enumerate(shown.itertuples(index=False)):
            for c, value in enumerate(row):
                text = f"{value:.4g}" if isinstance(value, float | np.floating) else str(value)
                self.stats_table.setItem(r, c, QTableWidgetItem(text))
        self.stats_table.resizeColumnsToContents()
        self.save_button.setEnabled(True)
        if len(stats) > MAX_TABLE_ROWS:
            self.cluster_label.setText(
                f"{self.cluster_label.text()} (table: first {MAX_TABLE_ROWS} of {len(stats)} clusters)"
            )

    def save_stats(self, path) -> None:
        """Write the last per-cluster statistics as CSV (positions, radii in camera pixels, areas in pixels²).

        Parameters
        ----------
        path : str or os.PathLike
            The CSV file to write.

        Raises
        ------
        ValueError
            When no clustering has run yet.
        """
        if self.stats is None:
            raise ValueError("no cluster statistics yet: run Cluster first")
        self.stats.to_csv(path, index=False)

    def _on_save_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save cluster statistics", "clusters.csv", "CSV (*.csv)")
        if not path:
            return
        try:
            self.save_stats(path)
        except (OSError, ValueError) as exc:
            show_error(f"could not save {path}: {exc}")
