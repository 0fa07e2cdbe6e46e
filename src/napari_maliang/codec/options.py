"""The options of the inpainting codec's encoder (:mod:`napari_maliang._shared.options`): only declarations, so the
command line and the widget can build their controls without loading the codec (SciPy, pyamg)."""

from __future__ import annotations

from dataclasses import dataclass

from napari_maliang._shared.options import Options, option

__all__ = ["EncodeOptions"]


@dataclass(frozen=True)
class EncodeOptions(Options):
    """Options of :func:`encode` (Bastani et al.: edges, source points, PDE inpainting)."""

    references = (
        '.. [1] Bastani et al., image compression by PDE inpainting from edges and source points, J. Zhejiang Univ.-Sci. C (Comput. & Electron.) 11(2), 92-100 (2010).'
    )

    bpp: float | None = option(
        None, "Target rate in bits per pixel: the encoder searches the edge threshold, the sampling along edges, the "
        "interior grid and the quantization step for the best PSNR whose file is at most bpp H W / 8 bytes (a "
        "ValueError names the smallest feasible rate).", low=0, low_open=True, step=0.05,
        none="no rate control: one pass at the edge threshold", label="target bpp",
    )
    edge_threshold: float | None = option(
        None, "Sobel threshold (grey levels per pixel step) without rate control, or pinned during rate control.",
        low=0, step=1.0, none="automatic: max(8, 10 % of the largest gradient)", flag="--threshold",
        label="edge threshold",
    )
    spacing: int | None = option(
        None, "Distance between source points along edges.", unit="px", low=1, high=255,
        none="searched (rate control) or 12",
    )
    quant: int | None = option(
        None, "Quantization step of grey/luma values (chroma uses twice that).", low=1, high=127,
        none="searched (rate control) or 8",
    )
    grid: int | None = option(
        None, "Interior source grid step (0 = none).", unit="px", low=0, high=255, none="searched (rate control) or 0"
    )
    edge_values: bool | None = option(
        None, "Whether edge pixels carry their own samples.", none="searched (rate control) or yes"
    )
    mode: str = option(
        "edge", "Coding mode: edges and source points (cartoon-like images), photo (adaptive subdivision and "
        "edge-enhancing diffusion, R-EED; needs bpp) or auto (both at the rate, the better PSNR kept).",
        choices=("edge", "photo", "auto"),
    )
    tonal_iterations: int = option(
        0, "Photo mode: conjugate-gradient iterations optimising the stored values for the decoder (the luma's; "
        "each chroma plane gets a quarter): 0 is the fast setting, 12 the best (tens of seconds at 512x512).",
        low=0, high=50, label="tonal iterations",
    )
    denoise_iterations: int = option(10, "Perona-Malik iterations before edge detection (eq. 11).", low=0)
    min_length: int = option(4, "Shortest edge fragment kept.", unit="px", low=1)
