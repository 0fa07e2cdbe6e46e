"""Encoder, decoder and rate control of the inpainting codec (Bastani et al. 2010).

Encoder (paper section 3.1, Fig. 6): Perona-Malik denoising (eq. 11) -> Sobel edges with a
threshold -> thinning -> edge map coded losslessly -> source points on both sides of every edge
(endpoints and samples along it) -> values quantized, predicted and entropy coded.
Decoder (section 3.2): decode the edge map, locate the source points exactly as the encoder did,
place their values and solve the inpainting system of eq. 7-10 (:mod:`.inpaint`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from napari_maliang._progress import Progress
from napari_maliang._shared.metrics import psnr
from napari_maliang._shared.options import run_steps, takes_options
from napari_maliang._shared.validate import check_finite
from napari_maliang.codec.options import EncodeOptions

from . import edgecode, values
from .edges import detect_edges, perona_malik, sobel_magnitude
from .format import (
    FLAG_BORDER,
    FLAG_EDGE_VALUES,
    MIN_SIDE,
    MODE_PHOTO,
    SECTION_EDGES,
    SECTION_VALUES,
    CodecError,
    Container,
    Header,
    pack,
    unpack,
)
from .geometry import build_chains, build_geometry, chain_averaged
from .inpaint import inpaint

__all__ = [
    "CodecError",
    "DecodeResult",
    "decode",
    "decode_details",
    "EncodeOptions",
    "encode",
    "encode_iter",
    "encode_steps",
    "prepare_image",
    "read_mlg",
    "write_mlg",
]

# (spacing, q_luma, grid, edge_values) profiles tried by the rate control, cheapest first
_PHOTO = (8, 12, 10, True)

_PROFILES = (
    (16, 16, 0, False),
    (12, 12, 0, True),
    (12, 12, 12, False),
    (8, 8, 0, True),
    (8, 12, 10, True),
    (6, 6, 0, True),
    (8, 10, 8, False),
    (6, 8, 16, True),
    (4, 4, 0, True),
    (4, 6, 10, True),
    (4, 3, 12, True),
    (3, 2, 8, True),
    (2, 2, 6, True),
    (1, 2, 8, True),
    (2, 2, 4, True),
    (1, 2, 4, True),
    (1, 1, 2, True),
)


def prepare_image(image) -> np.ndarray:
    """Check and convert an image to float ``(H, W, C)`` on the 0..255 scale, ``C`` in (1, 3).

    Conversions (documented in docs/codec.md): ``uint8`` as is; ``bool`` -> 0/255; other
    unsigned/signed integers with values up to 255 as is, larger ones (e.g. ``uint16``)
    scaled by ``255 / 65535`` for ``uint16`` or by ``255 / max`` otherwise; floats in
    ``[0, 1]`` scaled by 255, other floats linearly mapped from ``[min, max]`` to ``[0, 255]``.
    ``(H, W, 1)`` is grayscale; an alpha channel ``(H, W, 4)`` is dropped.

    References
    ----------
    .. [1] Bastani et al., image compression by PDE inpainting, J. Zhejiang Univ.-Sci. C (Comput. & Electron.) 11(2), 92-100 (2010).
    """
    a = np.asarray(image)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise TypeError(f"expected a numeric image array, got dtype {a.dtype}")
    if not a.dtype.isnative:  # big-endian data (e.g. from a TIFF) must scale like native uint16
        a = a.astype(a.dtype.newbyteorder("="))
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim == 3 and a.shape[2] == 4:
        a = a[..., :3]
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] == 3)):
        raise ValueError(f"expected a grayscale (H, W) or RGB (H, W, 3) image, got shape {a.shape}")
    H, W = a.shape[:2]
    if H < MIN_SIDE or W < MIN_SIDE:
        raise ValueError(f"image of {H}x{W} pixels is too small: both sides must be at least {MIN_SIDE}")
    from .format import MAX_PIXELS, MAX_SIDE

    if H > MAX_SIDE or W > MAX_SIDE or H * W > MAX_PIXELS:
        raise ValueError(f"image of {H}x{W} pixels is too large (max side {MAX_SIDE}, max {MAX_PIXELS} pixels)")
    if a.dtype == bool:
        f = a.astype(np.float64) * 255.0
    elif np.issubdtype(a.dtype, np.integer):
        f = a.astype(np.float64)
        mx = float(f.max())
        if f.min() < 0:
            raise ValueError("integer images must be non-negative")
        if mx > 255:
            f *= 255.0 / (65535.0 if a.dtype == np.uint16 else mx)
    else:
        f = a.astype(np.float64)
        check_finite(f)
        lo, hi = float(f.min()), float(f.max())
        if lo >= 0.0 and hi <= 1.0:
            f = f * 255.0
        elif hi > lo:
            f = (f - lo) * (255.0 / (hi - lo))
        else:
            f = np.full_like(f, 128.0)
    if f.ndim == 2:
        f = f[..., None]
    return f


@dataclass
class DecodeResult:
    """Decoded image plus what it was rebuilt from (for display)."""

    image: np.ndarray  # uint8 (H, W) or (H, W, 3)
    edges: np.ndarray  # bool (H, W)
    source_yx: np.ndarray  # (n, 2) int rows/cols of the source points
    header: Header
    info: dict = field(default_factory=dict)


class _Candidate:
    def __init__(self, header, edges, geo, k, steps, edge_payload, value_payload):
        self.header = header
        self.edges = edges
        self.geo = geo
        self.k = k
        self.steps = steps
        self.edge_payload = edge_payload
        self.value_payload = value_payload

    def to_bytes(self) -> bytes:
        return pack(
            Container(self.header, {SECTION_EDGES: self.edge_payload, SECTION_VALUES: self.value_payload})
        )

    @property
    def nbytes(self) -> int:
        # pack() overhead is small and fixed; compute exactly
        return len(self.to_bytes())


def _average_hops(spacing: int) -> int:
    """Chain-neighbour averaging of the source values (encoder only): 1 hop for spacings 2-7,
    spacing // 4 above, none when every chain pixel is a source."""
    return 0 if spacing <= 1 else max(1, spacing // 4)


def _steps(header: Header) -> np.ndarray:
    if header.channels == 1:
        return np.array([header.q_luma], float)
    return np.array([header.q_luma, header.q_chroma, header.q_chroma], float)


def _to_working(f: np.ndarray) -> np.ndarray:
    return values.rgb_to_ycc(f) if f.shape[2] == 3 else f


def _from_working(u: np.ndarray, channels: int) -> np.ndarray:
    if channels == 3:
        u = values.ycc_to_rgb(u)
        return np.clip(np.rint(u), 0, 255).astype(np.uint8)
    return np.clip(np.rint(u[..., 0]), 0, 255).astype(np.uint8)


class _Encoder:
    """Caches edge maps and their codes across the rate-control search."""

    def __init__(self, f, *, denoise_iterations, min_length):
        self.f = f
        self.work = _to_working(f)
        self.channels = f.shape[2]
        self.H, self.W = f.shape[:2]
        den = perona_malik(f[..., 0] if self.channels == 1 else f, iterations=denoise_iterations)
        self.mag = sobel_magnitude(den)
        self.min_length = min_length
        self._edges = {}
        self._edge_code = {}
        self._chains = {}
        self._averaged = {}
        self.average = None

    def edges(self, t: float) -> np.ndarray:
        key = round(float(t), 4)
        if key not in self._edges:
            if np.isinf(key):
                self._edges[key] = np.zeros((self.H, self.W), bool)
            else:
                self._edges[key] = detect_edges(self.mag, key, min_length=self.min_length)
        return self._edges[key]

    def edge_code(self, t: float, final: bool = False) -> bytes:
        key = (round(float(t), 4), final)
        if key not in self._edge_code:
            self._edge_code[key] = edgecode.encode_edges(self.edges(t), compare=final)
        return self._edge_code[key]

    def candidate(self, t, spacing, q, grid, edge_values, border=True, final=False) -> _Candidate:
        e = self.edges(t)
        flags = (FLAG_EDGE_VALUES if edge_values else 0) | (FLAG_BORDER if border else 0)
        qc = int(min(255, 2 * q))
        header = Header(self.H, self.W, self.channels, flags, int(spacing), int(grid), int(q), qc)
        ckey = (round(float(t), 4), header.edge_values, header.border)
        if ckey not in self._chains:
            self._chains[ckey] = build_chains(e, edge_values=header.edge_values, border=header.border)
        geo = build_geometry(
            e, spacing=header.spacing, grid=header.grid, edge_values=header.edge_values, border=header.border,
            chains=self._chains[ckey],
        )
        steps = _steps(header)
        avg = self.average if self.average is not None else _average_hops(spacing)
        akey = (ckey, avg)
        if akey not in self._averaged:
            ch = self._chains[ckey]
            self._averaged[akey] = chain_averaged((self.H, self.W), ch["ci"], ch["cj"], self.work, average=avg)
        vals = self._averaged[akey][geo.sources]
        k = values.quantize(vals, steps)
        kmax = np.ceil(255.0 / steps).astype(np.int64)
        vp = values.encode_values(k, geo.ref, geo.new, kmax)
        return _Candidate(header, e, geo, k, steps, self.edge_code(t, final), vp)


def _header_profile(h: Header) -> tuple:
    """The ``(spacing, q_luma, grid, edge_values)`` profile a candidate header was built from."""
    return (h.spacing, h.q_luma, h.grid, bool(h.edge_values))


def _reconstruct(cand: _Candidate, tol: float = 1e-5) -> np.ndarray:
    u = inpaint(cand.geo, values.dequantize(cand.k, cand.steps), tol=tol)
    return _from_working(u, cand.header.channels)


@takes_options(EncodeOptions)
def encode_steps(image, *, opts: EncodeOptions):
    """Compress an image with the inpainting codec; returns the ``.mlg`` bytes.

    ``mode="edge"`` (default): edges and source points, homogeneous diffusion (Bastani et al.);
    ``mode="photo"``: adaptive subdivision and EED inpainting (:mod:`.photo`, needs ``bpp``);
    ``mode="auto"``: both at the rate, the one with the higher PSNR kept.

    Parameters
    ----------
    image : array_like
        Grayscale ``(H, W)`` or RGB ``(H, W, 3)``; uint8, uint16, bool or float (see
        :func:`prepare_image` for the conversion to 8 bits).
    {options}

    Yields
    ------
    Progress

    Returns
    -------
    bytes
        The ``.mlg`` stream (see :mod:`napari_maliang.codec.format`).
    """
    if opts.mode == "edge":
        return (yield from _edge_steps(image, opts))
    from napari_maliang._progress import nested

    from . import photo

    f = prepare_image(image)
    if opts.bpp is None:
        raise ValueError(f"mode={opts.mode!r} needs a target rate (bpp)")
    if opts.mode == "photo":
        yield Progress(0, 1, "photo mode: subdivision, coding, EED")
        data, _ = photo.encode(f, opts.bpp, tonal_iterations=opts.tonal_iterations)
        yield Progress(1, 1, "done")
        return data
    edge = yield from nested(_edge_steps(image, opts), 0, 2)
    yield Progress(1, 2, "photo mode: subdivision, coding, EED")
    try:
        data, rec = photo.encode(f, opts.bpp, tonal_iterations=opts.tonal_iterations)
    except ValueError:  # the rate is below the photo mode's smallest file
        return edge
    ref = _to_uint8(f)
    yield Progress(2, 2, "done")
    return data if psnr(ref, _to_uint8(rec), data_range=255.0) > psnr(ref, decode(edge), data_range=255.0) else edge


def _to_uint8(f: np.ndarray) -> np.ndarray:
    """A float ``(H, W, C)`` image as the decoder returns it: uint8, ``(H, W)`` for one channel."""
    u = np.clip(np.rint(f), 0, 255).astype(np.uint8)
    return u[..., 0] if u.shape[2] == 1 else u


def _edge_steps(image, opts: EncodeOptions):
    """The edge mode's encoder (Bastani et al., section 3.1) with its rate control."""
    bpp, edge_threshold, spacing, quant, grid, edge_values = (
        opts.bpp, opts.edge_threshold, opts.spacing, opts.quant, opts.grid, opts.edge_values
    )
    denoise_iterations, min_length = opts.denoise_iterations, opts.min_length
    f = prepare_image(image)
    H, W, C = f.shape
    yield Progress(0, 1, "denoising and edge detection")
    enc = _Encoder(f, denoise_iterations=denoise_iterations, min_length=min_length)
    mag = enc.mag
    mmax = float(mag.max())

    def profile_list():
        if spacing is None and quant is None and grid is None and edge_values is None:
            return list(_PROFILES)
        base = (12, 8, 0, True)
        return [
            (
                spacing if spacing is not None else base[0],
                quant if quant is not None else base[1],
                grid if grid is not None else base[2],
                edge_values if edge_values is not None else base[3],
            )
        ]

    if bpp is None:
        t = edge_threshold if edge_threshold is not None else max(8.0, 0.1 * mmax)
        prof = profile_list()[0] if len(profile_list()) == 1 else (12, 8, 0, True)
        cand = enc.candidate(t, *prof, final=True)
        yield Progress(1, 1, "done")
        return cand.to_bytes()

    budget = int(np.floor(bpp * H * W / 8))
    profiles = profile_list()
    if edge_threshold is not None:
        thresholds = [float(edge_threshold)]
    else:
        # from "only the strongest edges" down to "many weak edges" (geometric ladder)
        hi = max(mmax * 0.9, 1.0)
        # (infinity first: no edges at all, the smallest file there is)
        thresholds = [np.inf] + [hi * 0.7**i for i in range(30) if hi * 0.7**i >= 1.5]
    n_steps = 6
    fits = {}

    def size_ok(ti, pi):
        key = (ti, pi)
        if key not in fits:
            cand = enc.candidate(thresholds[ti], *profiles[pi])
            fits[key] = (cand.nbytes <= budget, cand)
        return fits[key]

    # 1. the most edges the coarsest sampling can afford (binary search on the threshold ladder)
    yield Progress(0, n_steps, "rate search: edges")
    ok, first = size_ok(0, 0)
    if not ok:
        min_bpp = 8.0 * first.nbytes / (H * W)
        raise ValueError(
            f"bpp={bpp:g} is too small for this image: even the coarsest setting needs "
            f"{first.nbytes} bytes, i.e. {min_bpp:.4f} bpp; ask for at least that"
        )
    i_max = _search_thresholds(thresholds, mag, budget, first.nbytes, lambda i: size_ok(i, 0))
    # 2. the rate frontier: for a few edge thresholds, the finest sampling profile that fits
    #    (profiles are ordered by cost, so a binary search over them)
    frontier = []
    levels = sorted({i_max, max(0, i_max - 3)}, reverse=True)
    for li, ti in enumerate(levels):
        yield Progress(1 + li, n_steps, f"rate search: sampling at threshold {thresholds[ti]:.3g}")
        lo_p, hi_p = 0, len(profiles) - 1
        if not size_ok(ti, 0)[0]:
            continue
        while lo_p < hi_p:
            mid = (lo_p + hi_p + 1) // 2
            if size_ok(ti, mid)[0]:
                lo_p = mid
            else:
                hi_p = mid - 1
        frontier.append(size_ok(ti, lo_p)[1])
    # Each candidate decode below costs a multigrid setup and solve (0.2-0.5 s), so only the
    # candidates that can win are decoded. The photo candidate is skipped when the threshold
    # ladder is exhausted (every edge the detector finds fits the budget even at the coarsest
    # sampling): the edges are few and cheap (cartoon-like image), and there the photo profile
    # (strong edges only, spacing 8, coarse values) lost by 2.5-23 dB in every benchmark case.
    edges_limited = i_max < len(thresholds) - 1
    if _PHOTO in profiles and i_max >= 1 and (edges_limited or not frontier):
        # photos: only the strong edges, coarse values on a dense interior grid, then spend the
        # rest of the budget on the grid and the quantization
        ok, cand = size_ok(max(1, i_max - 6), profiles.index(_PHOTO))
        if ok and all(cand is not c for c in frontier):
            frontier.append(_fill_budget(enc, cand, budget))
            # With the photo candidate in the comparison, the candidate with the most edges
            # that only affords the coarsest sampling spends nearly all its bytes on the edge
            # map; it lost by 2.2-3.8 dB in every photo benchmark case (astronaut and camera at
            # 0.1 and 0.2 bpp), so it is not decoded: one multigrid setup and solve fewer
            # (0.5 s of the 2.4 s an RGB photo took).
            if len(frontier) >= 3 and _header_profile(frontier[0].header) == profiles[0]:
                frontier.pop(0)
    # 3. decode the frontier and keep the best PSNR (nothing to compare with one candidate)
    ref = _from_working(enc.work, C)
    best = frontier[0]
    if len(frontier) > 1:
        scored = []
        for cand in frontier:
            scored.append((psnr(_reconstruct(cand, tol=1e-3), ref, data_range=255), cand))
            yield Progress(4, n_steps, "comparing candidates")
        best = max(scored, key=lambda s: s[0])[1]
    # 4. final edge coder (the smaller of context coding and zlib), then spend the
    #    bytes left on denser / finer source values
    yield Progress(n_steps - 1, n_steps, "final coding")
    h = best.header
    t_best = _threshold_of(enc, best.edges)
    final = enc.candidate(t_best, h.spacing, h.q_luma, h.grid, h.edge_values, h.border, final=True)
    if final.nbytes <= best.nbytes:
        best = final
    #    (the fill only adds data at the same edges: finer quantization or a denser interior
    #    grid; it raised the decoded PSNR in every benchmark case, so it is not decoded again)
    best = _fill_budget(enc, best, budget, final=True)
    out = best.to_bytes()
    if len(out) > budget:  # cannot happen: every candidate was checked against the budget
        raise RuntimeError("rate control overshot the budget")
    yield Progress(n_steps, n_steps, "done")
    return out


def _search_thresholds(thresholds, mag, budget, size0, fits, *, max_guided=4) -> int:
    """Largest ladder index ``i`` whose candidate fits the budget (``fits(i) -> (ok, cand)``,
    ``fits(0)`` known to be true), assuming the size grows with ``i``.

    Same answer as a bisection, in fewer exact evaluations (each one thins an edge map and
    codes it): the next probe is predicted from a power-law model
    ``size = size0 + a * band(t) ** b`` where ``band(t)`` is the number of pixels over the
    threshold (free, from the sorted magnitudes); ``a`` and ``b`` are fitted to the exact
    evaluations closest to the answer (prior ``b = 0.65``: thinned edges grow slower than the
    band). The bracket shrinks at every probe; after ``max_guided`` predicted probes it falls
    back to bisection. Typically two probes: the answer and the one above it.
    """
    srt = np.sort(mag, axis=None)
    n = srt.size

    def band(i):
        t = thresholds[i]
        return 0 if np.isinf(t) else int(n - np.searchsorted(srt, t, side="right"))

    bands = np.array([band(i) for i in range(len(thresholds))], float)
    seen = {}  # index -> size above size0
    a, b = 4.0, 0.65
    lo, hi = 0, len(thresholds) - 1
    guided = 0
    while lo < hi:
        if guided < max_guided:
            guided += 1
            pred = np.flatnonzero(size0 + a * bands[lo + 1 : hi + 1] ** b <= budget)
            mid = lo + 1 + (int(pred[-1]) if pred.size else 0)
        else:
            mid = (lo + hi + 1) // 2
        ok, cand = fits(mid)
        if bands[mid] > 0:
            seen[mid] = max(cand.nbytes - size0, 1)
        if ok:
            lo = mid
        else:
            hi = mid - 1
        # refit on the (up to) two evaluations nearest the bracket
        near = sorted(seen, key=lambda k: min(abs(k - lo), abs(k - hi - 1)))[:2]
        if len(near) == 2 and bands[near[0]] != bands[near[1]]:
            (i1, i2) = near
            b = float(np.clip(np.log(seen[i1] / seen[i2]) / np.log(bands[i1] / bands[i2]), 0.3, 1.2))
        if near:
            a = seen[near[0]] / bands[near[0]] ** b
    return lo


def _fill_budget(enc: _Encoder, best: _Candidate, budget: int, max_steps: int = 8, final: bool = False) -> _Candidate:
    """Spend left-over bytes greedily: finer quantization, then a denser interior grid."""
    t = _threshold_of(enc, best.edges)
    h = best.header
    params = [h.spacing, h.q_luma, h.grid, h.edge_values]
    for _ in range(max_steps):
        s_, q, g, ev = params
        variants = []
        if q > 8:
            variants.append([s_, q - 2, g, ev])
        if g == 0:
            variants.append([s_, q, 24, ev])
        elif g > 2:
            variants.append([s_, q, g - max(1, g // 6), ev])
        if 1 < q <= 8:
            variants.append([s_, q - 1, g, ev])
        for v in variants:
            cand = enc.candidate(t, *v, border=h.border, final=final)
            if cand.nbytes <= budget:
                best, params = cand, v
                break
        else:
            break
    return best


def _threshold_of(enc: _Encoder, edges) -> float:
    for key, e in enc._edges.items():
        if e is edges:
            return key
    raise RuntimeError("edge map not from this encoder")


encode = run_steps(encode_steps)


def encode_iter(image, **options):
    """Deprecated name of :func:`encode_steps` (every tool's generator form is now ``*_steps``).

    References
    ----------
    .. [1] Bastani et al., image compression by PDE inpainting, J. Zhejiang Univ.-Sci. C (Comput. & Electron.) 11(2), 92-100 (2010).
    """
    import warnings

    warnings.warn("encode_iter is deprecated; use encode_steps", DeprecationWarning, stacklevel=2)
    return encode_steps(image, **options)


def decode_details(data) -> DecodeResult:
    """Decode ``.mlg`` bytes and return the image with its edge map and source points.

    References
    ----------
    .. [1] Bastani et al., image compression by PDE inpainting, J. Zhejiang Univ.-Sci. C (Comput. & Electron.) 11(2), 92-100 (2010); the .mlg format: docs/codec.md.
    """
    cont = unpack(data)
    h = cont.header
    if h.mode == MODE_PHOTO:
        from . import photo

        img, mask = photo.decode(cont)
        edges = np.zeros((h.height, h.width), bool)
        yx = np.argwhere(mask)
        return DecodeResult(_to_uint8(img), edges, yx, h, {"mode": "photo", "n_sources": len(yx)})
    for tag in (SECTION_EDGES, SECTION_VALUES):
        if tag not in cont.sections:
            raise CodecError(f"missing section {tag}")
    edges = edgecode.decode_edges(cont.sections[SECTION_EDGES], (h.height, h.width))
    geo = build_geometry(edges, spacing=h.spacing, grid=h.grid, edge_values=h.edge_values, border=h.border)
    steps = _steps(h)
    kmax = np.ceil(255.0 / steps).astype(np.int64)
    k = values.decode_values(cont.sections[SECTION_VALUES], geo.ref, geo.new, kmax)
    u = inpaint(geo, values.dequantize(k, steps))
    img = _from_working(u, h.channels)
    sy, sx = np.divmod(geo.sources, h.width)
    return DecodeResult(img, edges, np.stack([sy, sx], axis=1), h, {"n_sources": geo.n_sources})


def decode(data) -> np.ndarray:
    """Decode ``.mlg`` bytes to a uint8 image ``(H, W)`` or ``(H, W, 3)``.

    Raises
    ------
    CodecError
        For truncated, corrupt or non-``.mlg`` data (checked by magic number, version,
        CRC32 and sizes before anything large is allocated).

    References
    ----------
    .. [1] Bastani et al., image compression by PDE inpainting, J. Zhejiang Univ.-Sci. C (Comput. & Electron.) 11(2), 92-100 (2010); the .mlg format: docs/codec.md.
    """
    return decode_details(data).image


def read_mlg(path) -> np.ndarray:
    """Read and decode an ``.mlg`` file (for the napari reader).

    References
    ----------
    .. [1] Bastani et al., image compression by PDE inpainting, J. Zhejiang Univ.-Sci. C (Comput. & Electron.) 11(2), 92-100 (2010); the .mlg format: docs/codec.md.
    """
    path = os.fspath(path)
    with open(path, "rb") as fh:
        head = fh.read(4)
        from .format import MAGIC

        if head != MAGIC:
            raise CodecError(f"{path!r} is not an .mlg file (bad magic number)")
        data = head + fh.read()
    return decode(data)


def write_mlg(path, image, **encode_options) -> str:
    """Encode ``image`` and write it to ``path`` (``.mlg``); returns the path.

    References
    ----------
    .. [1] Bastani et al., image compression by PDE inpainting, J. Zhejiang Univ.-Sci. C (Comput. & Electron.) 11(2), 92-100 (2010); the .mlg format: docs/codec.md.
    """
    path = os.fspath(path)
    data = encode(image, **encode_options)
    with open(path, "wb") as fh:
        fh.write(data)
    return path
