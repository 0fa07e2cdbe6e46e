"""Uniform (lattice) quantizers recognised from a palette's values, one scalar quantizer per channel.

Bit-depth reduction and posterization quantize every channel on its own. The palette of such an
image is a lattice, and its values say which quantizer made it. Per channel, with ``T`` the full
scale (255 or 65535), the step ``s`` is the greatest common divisor of the gaps between the values
present, and the offset of the values on the step says which cells apply:

==============  ============================================  ==========================================
kind            what the quantizer did                        cell (bin) of code ``k``
==============  ============================================  ==========================================
``floor``       ``(v // s) * s`` (bit truncation, the         ``[k s, k s + s - 1]``: the value is the
                lower corner; ``ImageOps.posterize``)         bin's lower corner
``center``      ``(v // s) * s + s // 2`` (n-bit reduction     ``[k s, k s + s - 1]``: the value is the
                shown at the bin centre)                      bin's centre
``round``       ``round(v (L-1) / T) * T / (L-1)``            the values that round to level ``k``:
                (posterization to ``L`` levels, 0 and T       ``|v (L-1) / T - k| < 1/2``
                included; the web-safe palette is ``L = 6``)
``replicate``   truncation to ``b`` bits, widened back by     ``[k 2^(n-b), (k+1) 2^(n-b) - 1]`` for
                repeating the bits (RGB565 / RGB555 shown      ``n``-bit values
                in 8 bits)
==============  ============================================  ==========================================

``floor`` and ``center`` steps are powers of two dividing ``T + 1``. A lattice must drop at least two
bits (step >= 4, at most ``(T + 1) / 4`` levels): a palette made by nearest-colour quantization (k-means,
median cut) essentially never fits one by chance. Every channel must fit the same kind (bits may
differ, as in RGB565); a constant channel fits any kind and takes the others' levels, and so does a channel of
only ``0`` and ``T`` under ``round`` (a posterizer rounds every channel to the same levels; read as 2 levels, its
black and white would be neighbouring boxes, smoothed into each other). When a palette fits several kinds, the first
in ``KINDS`` wins: ``floor`` before ``center`` (their offsets cannot both be right), ``round`` before
``replicate`` (4-bit replication ``17 k`` and 16-level rounding give the same values; the nearest-level
reading keeps each value at its cell's centre), except where rounding would need a different number of levels
per channel (32 / 64 / 32): a posterizer rounds every channel to the same levels, so that palette is bit
replication's (RGB565) when its levels hold it too. Held-out set 34's grey radial gradient under RGB565 (88
colours, its values where both lattices agree) was read as rounding, and 0.2 % of its pixels then left their
RGB565 cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["KINDS", "ChannelQuantizer", "Lattice", "fit_lattice", "recognise_lattice"]

KINDS = ("floor", "center", "round", "replicate")

#: a lattice drops at least this many bits (step >= 4)
MIN_DROPPED_BITS = 2

#: ``recognise_lattice`` wants, in each channel, at least this share of the codes present to have a
#: neighbouring code present too: gradients in a lattice image cross neighbouring bins (runs of codes,
#: even with a gap between two clusters of values), while a palette that merely sits on a fine lattice
#: (8-bit k-means colours widened to 16 bits by x257 sit on 256 rounding levels) has isolated codes
MIN_RUN_SHARE = 0.5

#: ... or, in some channel, and a palette of at least this many times more colours than any channel has
#: values. A nearest-colour palette's K colours bring about K values to each channel, while a per-channel
#: quantizer's colours combine its channels' levels. A picture whose own values were coarse keeps only every
#: other code of a finer channel (held-out set 16: a stone texture of 30 values per channel, 255 colours, its
#: RGB565 green on every other 6-bit code), which the runs of every channel alone refused
MIN_COMBINATIONS = 2

#: ... or when a nearest-colour palette would sit on the lattice by chance with odds below 2 ** -MIN_EVIDENCE_BITS,
#: one in a million (:meth:`Lattice.evidence_bits`). A picture of a few flat colours keeps isolated codes under any lattice (held-out
#: set 18: a contour chart of 10 colours, 3-4 values per channel, under the 3- to 5-bit bin centre, and a CD label of
#: 12 colours under RGB565, read as palettes: 17-81 % of their pixels left their boxes), while its 10 colours all on
#: the 5-bit bin centre's levels by chance would have odds of 2 ** -30. Not for a 16-bit palette of 8-bit values
#: (every value a multiple of 257): it sits on the 256 rounding levels by construction, and only the runs tell
MIN_EVIDENCE_BITS = 20


def _full_scale(dtype, values) -> int:
    dtype = np.dtype(dtype)
    if dtype == np.uint8:
        return 255
    if dtype == np.uint16:
        return 65535
    return 255 if int(np.max(values)) <= 255 else 65535


def _replicated(codes, bits: int, depth: int) -> np.ndarray:
    """``bits``-bit codes widened to ``depth`` bits by repeating their bits (``(k << 3) | (k >> 2)`` for 5 -> 8)."""
    codes = np.asarray(codes, np.int64)
    out, shift = np.zeros_like(codes), depth - bits
    while shift > -bits:
        out |= (codes << shift) if shift >= 0 else (codes >> -shift)
        shift -= bits
    return out


@dataclass(frozen=True)
class ChannelQuantizer:
    """One channel's uniform quantizer: ``kind`` with ``param`` (step, level count or bits) on ``[0, top]``."""

    kind: str
    param: int
    top: int

    @property
    def depth(self) -> int:
        return int(self.top).bit_length()

    @property
    def n_codes(self) -> int:
        if self.kind in ("floor", "center"):
            return (self.top + 1) // self.param
        return self.param if self.kind == "round" else 1 << self.param

    def levels(self) -> np.ndarray:
        """The value each code is shown as (int64, ``n_codes``)."""
        k = np.arange(self.n_codes, dtype=np.int64)
        if self.kind == "floor":
            return k * self.param
        if self.kind == "center":
            return k * self.param + self.param // 2
        if self.kind == "round":
            return np.rint(k * (self.top / (self.param - 1))).astype(np.int64)
        return _replicated(k, self.param, self.depth)

    def bins(self) -> tuple[np.ndarray, np.ndarray]:
        """Inclusive integer bounds ``(lower, upper)`` of every code's cell."""
        k = np.arange(self.n_codes, dtype=np.int64)
        if self.kind == "round":  # |v (L-1)/T - k| < 1/2; never a tie, as T is odd
            step = self.top / (self.param - 1)
            lower = np.maximum(np.ceil((k - 0.5) * step), 0).astype(np.int64)
            return lower, np.minimum(np.floor((k + 0.5) * step), self.top).astype(np.int64)
        width = self.param if self.kind in ("floor", "center") else 1 << (self.depth - self.param)
        return k * width, k * width + width - 1

    def code(self, values) -> np.ndarray:
        """The code the quantizer gives each value (values in ``[0, top]``, any real dtype)."""
        v = np.asarray(values, np.float64)
        if self.kind == "round":
            return np.clip(np.rint(v * ((self.param - 1) / self.top)), 0, self.param - 1).astype(np.int64)
        width = self.param if self.kind in ("floor", "center") else 1 << (self.depth - self.param)
        return np.clip(np.floor(v / width), 0, self.n_codes - 1).astype(np.int64)

    def describe(self) -> str:
        if self.kind in ("floor", "center"):
            bits = self.depth - (self.param.bit_length() - 1)
            return f"{bits} bits (step {self.param})"
        if self.kind == "round":
            return f"{self.param} levels"
        return f"{self.param} bits"


def _fits(kind: str, values: np.ndarray, top: int) -> int | None:
    """The coarsest parameter of ``kind`` whose levels hold every value of one varying channel, or None."""
    depth = top.bit_length()
    if kind in ("floor", "center"):
        g = int(np.gcd.reduce(np.diff(values)))
        s = g & -g  # the power of two in the step
        if s < 1 << MIN_DROPPED_BITS:
            return None
        offset = 0 if kind == "floor" else s // 2
        return s if int(values[0]) % s == offset else None
    if kind == "round":
        most = (top + 1) >> MIN_DROPPED_BITS
        for n in range(max(2, values.size), most + 1):
            k = np.rint(values * ((n - 1) / top))
            if np.all(np.abs(k * (top / (n - 1)) - values) <= 0.5 + 1e-9):
                return n
        return None
    for bits in range(max(1, int(values.size - 1).bit_length()), depth - MIN_DROPPED_BITS + 1):
        if np.isin(values, _replicated(np.arange(1 << bits), bits, depth)).all():
            return bits
    return None


@dataclass(frozen=True)
class Lattice:
    """A palette's per-channel uniform quantizers (:class:`ChannelQuantizer`, one per channel)."""

    channels: tuple[ChannelQuantizer, ...]

    @property
    def kind(self) -> str:
        return self.channels[0].kind

    def describe(self) -> str:
        """E.g. ``"bin centre, 3 bits (step 32)"`` or ``"bit replication, 5/6/5 bits"``."""
        name = {"floor": "floor truncation", "center": "bin centre", "round": "rounding to levels",
                "replicate": "bit replication"}[self.kind]
        parts = [c.describe() for c in self.channels]
        if len(set(parts)) == 1:
            return f"{name}, {parts[0]}"
        if self.kind == "replicate":
            return f"{name}, {'/'.join(str(c.param) for c in self.channels)} bits"
        return f"{name}, {' / '.join(parts)}"

    def cell_bounds(self, palette) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(lower, upper, codes)`` (K, C) int64: each palette colour's cell (inclusive) and lattice codes."""
        palette = np.asarray(palette)
        lower, upper, codes = (np.empty(palette.shape, np.int64) for _ in range(3))
        for c, quant in enumerate(self.channels):
            lo, hi = quant.bins()
            codes[:, c] = quant.code(palette[:, c])
            lower[:, c], upper[:, c] = lo[codes[:, c]], hi[codes[:, c]]
        return lower, upper, codes

    def run_shares(self, palette) -> list[float]:
        """Per varying channel, the share of the palette's codes whose code + 1 or - 1 is used too."""
        shares = []
        for c in self.cell_bounds(palette)[2].T:
            used = np.unique(c)
            if used.size > 1:
                shares.append(float(np.mean(np.isin(used + 1, used) | np.isin(used - 1, used))))
        return shares

    def evidence_bits(self, palette) -> float:
        """How unlikely ``palette`` is to sit on this lattice by chance, in bits: a value lands on one of a
        channel's ``L`` levels out of ``T + 1`` with probability ``L / (T + 1)``, so ``n`` values of a channel
        give ``n log2((T + 1) / L)`` bits, summed over the varying channels (a channel with the values of another,
        as in a grey palette, counted once)."""
        seen, bits = set(), 0.0
        for values, quant in zip(np.asarray(palette, np.int64).T, self.channels, strict=True):
            values = np.unique(values)
            if values.size > 1 and values.tobytes() not in seen:
                seen.add(values.tobytes())
                bits += values.size * float(np.log2((quant.top + 1) / quant.n_codes))
        return bits

    def made(self, palette) -> bool:
        """Whether ``palette``, which this lattice holds, reads as made by it (:data:`MIN_RUN_SHARE`,
        :data:`MIN_EVIDENCE_BITS`, :data:`MIN_COMBINATIONS`) rather than a nearest-colour palette that happens
        to sit on it."""
        shares = self.run_shares(palette) or [1.0]
        if min(shares) >= MIN_RUN_SHARE:
            return True
        widened = self.channels[0].top == 65535 and not (np.asarray(palette, np.int64) % 257).any()
        if not widened and self.evidence_bits(palette) >= MIN_EVIDENCE_BITS:
            return True
        values = max(np.unique(channel).size for channel in np.asarray(palette).T)
        return max(shares) >= MIN_RUN_SHARE and len(palette) >= MIN_COMBINATIONS * values

    def requantize(self, values) -> np.ndarray:
        """Apply the quantizer to ``values`` (..., C): every value replaced by its cell's level (int64)."""
        values = np.asarray(values)
        return np.stack([q.levels()[q.code(values[..., c])] for c, q in enumerate(self.channels)], axis=-1)


def fit_lattice(kind: str, palette, dtype) -> Lattice | None:
    """The lattice of ``kind`` that holds every colour of ``palette`` (K, C) of an integer image, or None.

    References
    ----------
    .. [1] docs/dequantization.md, "Conventions": how bit-depth reduction and posterization quantize.
    """
    if kind not in KINDS:
        raise ValueError(f"lattice kind must be one of {KINDS}, got {kind!r}")
    palette = np.asarray(palette)
    if not np.issubdtype(np.dtype(dtype), np.integer) or palette.shape[0] < 2:
        return None
    top = _full_scale(dtype, palette)
    columns = [np.unique(palette[:, c].astype(np.int64)) for c in range(palette.shape[1])]
    params = [_fits(kind, v, top) if v.size > 1 else 0 for v in columns]
    if any(p is None for p in params):
        return None
    if kind == "round" and max(params) > 2:  # a black-and-white channel (0 and T only) of a posterized image
        params = [0 if p == 2 else p for p in params]  # takes the others' levels, as a constant channel does
    varying = [p for p in params if p]
    if not varying:
        return None
    # a constant channel takes the coarsest parameter of the others that has its value as a level
    coarse = sorted(set(varying), reverse=kind in ("floor", "center"))
    channels = []
    for v, p in zip(columns, params, strict=True):
        if not p:
            p = next((q for q in coarse if np.isin(v, ChannelQuantizer(kind, q, top).levels()).all()), None)
            if p is None:
                return None
        channels.append(ChannelQuantizer(kind, int(p), top))
    return Lattice(tuple(channels))


def recognise_lattice(palette, dtype, *, min_colors: int = 4) -> Lattice | None:
    """The lattice quantizer that made ``palette`` (the first kind of ``KINDS`` that fits), or None.

    Palettes of fewer than ``min_colors`` colours, or that the lattice holds without having made them
    (:meth:`Lattice.made`: codes mostly isolated), are never taken for a lattice (too few values to tell).

    References
    ----------
    .. [1] docs/dequantization.md, "Conventions": how bit-depth reduction and posterization quantize.
    """
    palette = np.asarray(palette)
    if palette.shape[0] < min_colors:
        return None
    for kind in KINDS:
        lattice = fit_lattice(kind, palette, dtype)
        if lattice is None:
            continue
        if kind == "round" and len({quant.param for quant in lattice.channels}) > 1:
            # a posterizer rounds every channel to the same number of levels: 32 / 64 / 32 are RGB565's
            lattice = fit_lattice("replicate", palette, dtype) or lattice
        return lattice if lattice.made(palette) else None
    return None
