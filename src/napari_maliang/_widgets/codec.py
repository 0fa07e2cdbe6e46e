"""Docked widget "Inpainting codec": the edge + source-point codec of :mod:`napari_maliang.codec`.

Image layer in -> :func:`napari_maliang.codec.encode_steps` at a target rate (or a fixed edge
threshold) in a background thread (progress bar, Cancel) -> decode -> new layers
``"<input> decoded"`` (image), ``"<input> edges"`` (labels) and ``"<input> source points"``
(points). Optionally a rate-distortion plot (PSNR and SSIM against bits per pixel) compares the
codec with JPEG and JPEG 2000 at the same file sizes. The input layer is never touched.
"""

from __future__ import annotations

import numpy as np
from magicgui.widgets import CheckBox, ComboBox, Container, PushButton
from qtpy.QtWidgets import QFileDialog, QVBoxLayout, QWidget

from napari_maliang._progress import Progress
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
from napari_maliang._widgets._controls import OptionControls
from napari_maliang.codec.compare import JPEG2000_EXTRA, has_jpeg2000

__all__ = ["CodecWidget"]


class RDPlot(QWidget):
    """PSNR and SSIM against bits per pixel (matplotlib canvas)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=(4, 4.5), tight_layout=True)
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setMinimumHeight(320)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        self.curves = {}
        self.show_curves({})

    def show_curves(self, curves: dict) -> None:
        self.curves = curves
        self.figure.clear()
        ax1 = self.figure.add_subplot(211)
        ax2 = self.figure.add_subplot(212, sharex=ax1)
        styles = {"inpainting": "o-", "photo mode": "D-", "JPEG": "s--", "JPEG 2000": "^:"}
        for name, pts in curves.items():
            if not pts:
                continue
            pts = sorted(pts)
            x = [p[0] for p in pts]
            ax1.plot(x, [p[1] for p in pts], styles.get(name, "o-"), label=name)
            ax2.plot(x, [p[2] for p in pts], styles.get(name, "o-"), label=name)
        ax1.set_ylabel("PSNR (dB)")
        ax2.set_ylabel("SSIM")
        ax2.set_xlabel("bits per pixel")
        if curves:
            ax1.legend(fontsize=7)
        ax1.grid(alpha=0.3)
        ax2.grid(alpha=0.3)
        self.canvas.draw_idle()


class CodecWidget(QWidget):
    """Compress an image layer with the inpainting codec and show what the decoder uses."""

    def __init__(self, napari_viewer):
        super().__init__()
        self.viewer = napari_viewer
        self.layer_combo = ComboBox(label="image", choices=layer_choices(napari_viewer, "image"),
                                    tooltip="The image to compress (one 2-D grayscale or RGB image); it is never "
                                            "modified.")
        from napari_maliang.codec.options import EncodeOptions

        # unticked, the rate box starts at 0.2 bpp and the threshold box at 10 grey levels per pixel step
        self.controls = OptionControls(
            EncodeOptions, ["bpp", "edge_threshold", "mode", "tonal_iterations"], bpp={"start": 0.2, "max": 8.0},
            edge_threshold={"start": 10.0, "max": 255.0},
        )
        self.bpp_spin, self.threshold_spin, self.mode_combo, self.tonal_spin = self.controls
        if has_jpeg2000():
            references, missing = "JPEG and JPEG 2000", ""
        else:
            references, missing = "JPEG", f" JPEG 2000 needs the codecs extra: {JPEG2000_EXTRA}."
        self.rd_check = CheckBox(label=f"rate-distortion plot ({references.replace(' and ', ', ')})", value=True,
                                 tooltip="Also plot PSNR and SSIM against bits per pixel, comparing the codec with "
                                         f"{references} at the same file sizes (takes longer).{missing}")
        self.save_button = PushButton(text="Save .mlg…", enabled=False,
                                      tooltip="Save the last encoded stream as a .mlg file (after Encode + decode).")
        self.options = Container(
            widgets=[self.layer_combo, *self.controls, self.rd_check],
            labels=True,
        )
        self.save_button.changed.connect(self._save)
        self.runner = JobRunner(
            "Encode + decode", self._start,
            run_tip="encode the image (edges and source points) and decode it again, into layers '<input> "
                    "decoded', '<input> edges' and '<input> source points'")
        self.plot = RDPlot()
        layout = QVBoxLayout(self)
        layout.addWidget(self.options.native)
        layout.addWidget(self.runner)
        layout.addWidget(self.save_button.native)
        layout.addWidget(self.plot)
        layout.addStretch()
        self.last_data: bytes | None = None
        self.last_info: dict = {}
        follow_layer_list(napari_viewer, self.reset_choices)

    def reset_choices(self, *_args) -> None:
        refresh_choices(self.options)

    def _start(self):
        from napari_maliang.codec.core import prepare_image

        self.reset_choices()
        layer = chosen_layer(self.viewer, self.layer_combo, "no input: add an Image layer first (File > Open Sample)")
        data = image_2d(layer, "the codec takes one 2-D grayscale or RGB image")
        prepare_image(data)  # shape / dtype problems are reported before the thread starts
        options = self.controls.options()
        want_rd = bool(self.rd_check.value)

        def job():
            from napari_maliang.codec import decode_details, encode_steps, rate_distortion_steps

            stream = yield from encode_steps(data, options=options)
            yield Progress(0.9, 1.0, "decoding")
            result = decode_details(stream)
            curves = None
            if want_rd:
                npix = data.shape[0] * data.shape[1]
                rate = 8 * len(stream) / npix
                rates = sorted({round(r, 4) for r in (rate * 0.5, rate, rate * 2.0)})
                modes = ("edge",) if options.mode == "edge" else ("edge", "photo")  # both curves unless edge only
                curves = yield from rate_distortion_steps(data, rates, modes=modes)
            return stream, result, curves

        def on_done(out):
            self._publish(layer, data, *out)

        return job(), on_done

    def _publish(self, layer, data, stream, result, curves) -> None:
        from napari_maliang.codec.compare import psnr, ssim
        from napari_maliang.codec.core import prepare_image

        self.last_data = stream
        self.save_button.enabled = True
        kwargs = placement(layer)
        image = result.image
        f = prepare_image(data)  # the image that was encoded (full resolution)
        ref = np.clip(np.rint(f[..., 0] if f.shape[2] == 1 else f), 0, 255).astype(np.uint8)
        npix = image.shape[0] * image.shape[1]
        info = {
            "bytes": len(stream),
            "bpp": 8 * len(stream) / npix,
            "psnr": psnr(ref, image),
            "ssim": ssim(ref, image),
            "n_sources": int(result.source_yx.shape[0]),
            "n_edge_pixels": int(result.edges.sum()),
            "spacing": result.header.spacing,
            "quant": result.header.q_luma,
            "grid": result.header.grid,
            "mode": result.info.get("mode", "edge"),
        }
        self.last_info = info
        extra = {} if image.ndim == 3 else {"colormap": "gray"}
        output_layer(
            self.viewer, image, name=f"{layer.name} decoded", layer_type="image", protect=[layer],
            contrast_limits=(0, 255), metadata={"codec": info}, **extra, **kwargs,
        )
        output_layer(
            self.viewer, result.edges.astype(np.uint8), name=f"{layer.name} edges", layer_type="labels",
            protect=[layer], **kwargs,
        )
        pts = result.source_yx.astype(float)
        # output_layer replaces its own points layer (napari cannot restyle one whose point count changed)
        # and leaves a user's layer of that name alone
        output_layer(
            self.viewer, pts, name=f"{layer.name} source points", layer_type="points", protect=[layer],
            size=2, face_color="yellow", border_width=0, **kwargs,
        )
        if curves is not None:
            self.plot.show_curves(curves)
        show_info(
            f"{layer.name}: {info['mode']} mode, {info['bytes']} bytes ({info['bpp']:.3f} bpp), "
            f"PSNR {info['psnr']:.2f} dB, SSIM {info['ssim']:.3f}"
        )

    def _save(self, *_args) -> None:
        if not self.last_data:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save .mlg", "image.mlg", "Inpainting codec (*.mlg)")
        if path:
            with open(path, "wb") as fh:
                fh.write(self.last_data)
