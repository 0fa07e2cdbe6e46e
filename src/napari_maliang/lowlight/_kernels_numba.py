"""Compiled kernels of the low-light tool: the GP prediction of a plane and the bilateral filter
(numba; imported lazily by :mod:`.gp` and :mod:`._image` when they run, so importing the package
does not import numba).

Both keep the pixel loop innermost over a row (``x``), so LLVM vectorises it (exp() included,
through :func:`_exp_parts`); all arithmetic is float32, as in the OpenCV filters they replace.
No ``prange``: the callers run the ``nogil`` kernels on plain threads where that pays (the GP's
planes, the bilateral filter's row bands), which is safe under any numba threading layer.
"""

from __future__ import annotations

import numba
import numpy as np

# Cephes' expf: exp(t) = 2^n exp(r), n = round(t / ln 2), r = t - n ln 2 (ln 2 split in a high part
# exact in float32 and a low part), exp(r) by a degree-7 polynomial on |r| <= ln(2)/2; relative
# error about 1 float32 ulp. Written out (not math.exp) so the loop vectorises.
_LOG2E = np.float32(1.44269504088896341)
_LN2_HI = np.float32(0.693359375)
_LN2_LO = np.float32(-2.12194440e-4)
_P0 = np.float32(1.9875691500e-4)
_P1 = np.float32(1.3981999507e-3)
_P2 = np.float32(8.3334519073e-3)
_P3 = np.float32(4.1665795894e-2)
_P4 = np.float32(1.6666665459e-1)
_P5 = np.float32(5.0000001201e-1)
#: Below this exponent exp() is set to 0 (it would be under 1.7e-38; np.exp gives denormals down to
#: about -103, which change no sum here but are slow).
_EXP_MIN = np.float32(-87.0)
_HALF = np.float32(0.5)
_ONE = np.float32(1.0)
_ZERO = np.float32(0.0)


@numba.njit(cache=True, nogil=True, inline="always")
def _exp_parts(t, bits, out):  # pragma: no cover - compiled
    """``exp(min(t, 0))`` in two factors, vectorisable: ``out`` gets the polynomial part and
    ``bits`` the float32 bit pattern of ``2^n`` (read it through ``bits.view(np.float32)``); the
    product of the two is the exponential (0 below ``_EXP_MIN``)."""
    for x in range(t.size):
        v = min(t[x], _ZERO)
        keep = v > _EXP_MIN
        v = max(v, _EXP_MIN)
        n = np.floor(v * _LOG2E + _HALF)
        r = v - n * _LN2_HI
        r = r - n * _LN2_LO
        y = ((((_P0 * r + _P1) * r + _P2) * r + _P3) * r + _P4) * r + _P5
        y = y * (r * r) + r + _ONE
        bits[x] = (np.int32(n) + np.int32(127)) << np.int32(23)
        out[x] = y if keep else _ZERO


@numba.njit(cache=True, nogil=True)
def _exp_nonpositive(t, bits, out):  # pragma: no cover - compiled
    """``out = exp(min(t, 0))`` elementwise for float32 ``t``; ``bits`` is int32 scratch of the same size."""
    _exp_parts(t, bits, out)
    two_n = bits.view(np.float32)
    for x in range(t.size):
        out[x] = out[x] * two_n[x]


@numba.njit(cache=True, nogil=True)
def gp_predict_rows(padded, r0, r1, p, q, centres, alpha, mean, scale, acc):  # pragma: no cover - compiled
    """Overlap-add the GP predictions of the patches whose top-left corner is on rows ``r0 .. r1 - 1``.

    ``padded`` is the plane padded by ``p - 1`` rows and ``q - 1`` columns, shape ``(h + p - 1,
    w + q - 1)``; the patch at ``(i, x)`` is ``padded[i : i + p, x : x + q]`` flattened (vector
    ``v``). For each centre ``c_j``: ``K_j = exp(min(scale |v - c_j|^2, 0))`` (``scale = -1 / 2
    l^2``) and the patch's prediction ``mean + sum_j K_j alpha_j`` (``alpha`` already times
    ``s_f^2``) is added into ``acc[i : i + p, x : x + q]`` (same shape as ``padded``).
    """
    w = padded.shape[1] - q + 1
    k = centres.shape[0]
    dist = np.empty(w, np.float32)
    kern = np.empty(w, np.float32)
    bits = np.empty(w, np.int32)
    for i in range(r0, r1):
        for j in range(k):
            dist[:] = _ZERO
            for a in range(p):
                row = padded[i + a]
                for b in range(q):
                    c = centres[j, a * q + b]
                    for x in range(w):
                        t = row[x + b] - c
                        dist[x] += t * t
            for x in range(w):
                dist[x] = dist[x] * scale
            _exp_nonpositive(dist, bits, kern)
            for a in range(p):
                out = acc[i + a]
                for b in range(q):
                    al = alpha[j, a * q + b]
                    for x in range(w):
                        out[x + b] += kern[x] * al
        for a in range(p):
            out = acc[i + a]
            for b in range(q):
                m = mean[a * q + b]
                for x in range(w):
                    out[x + b] += m


@numba.njit(cache=True, nogil=True)
def bilateral_gray(padded, radius, dy, dx, space_w, coeff, out, i0, i1):  # pragma: no cover - compiled
    """Bilateral filter of one float32 channel, rows ``i0 .. i1 - 1``, in the order of OpenCV's
    ``BilateralFilter_32f_Invoker``.

    ``padded`` is the image with ``radius`` border pixels; ``(dy, dx, space_w)`` the window's
    offsets (centre excluded) and spatial weights; ``coeff = -1 / (2 sigma_c^2)``. Per pixel:
    ``w_k = space_w_k exp(coeff (I_k - I_0)^2)`` and ``out = (sum_k w_k I_k + I_0) / (sum_k w_k + 1)``
    (the centre has weight 1), sums in float32 in the order of the offsets.
    """
    w = out.shape[1]
    m = dy.size
    sums = np.empty(w, np.float32)
    wsum = np.empty(w, np.float32)
    arg = np.empty(w, np.float32)
    poly = np.empty(w, np.float32)
    bits = np.empty(w, np.int32)
    two_n = bits.view(np.float32)
    for i in range(i0, i1):
        centre = padded[i + radius, radius : radius + w]
        sums[:] = _ZERO
        wsum[:] = _ZERO
        for k in range(m):
            row = padded[i + radius + dy[k], radius + dx[k] : radius + dx[k] + w]
            kw = space_w[k]
            for x in range(w):
                d = row[x] - centre[x]
                arg[x] = d * d * coeff
            _exp_parts(arg, bits, poly)
            for x in range(w):
                wt = kw * (poly[x] * two_n[x])
                wsum[x] += wt
                sums[x] += row[x] * wt
        for x in range(w):
            out[i, x] = (sums[x] + centre[x]) / (wsum[x] + _ONE)


@numba.njit(cache=True, nogil=True)
def bilateral_rgb(p0, p1, p2, radius, dy, dx, space_w, coeff, o0, o1, o2, i0, i1):  # pragma: no cover - compiled
    """:func:`bilateral_gray` for 3 channels given as planes (OpenCV's cn = 3 branch): the range
    distance is the L1 sum ``d = |dR| + |dG| + |dB|``, the weight ``space_w_k exp(coeff d^2)`` is
    shared by the channels."""
    w = o0.shape[1]
    m = dy.size
    s0 = np.empty(w, np.float32)
    s1 = np.empty(w, np.float32)
    s2 = np.empty(w, np.float32)
    wsum = np.empty(w, np.float32)
    arg = np.empty(w, np.float32)
    poly = np.empty(w, np.float32)
    bits = np.empty(w, np.int32)
    two_n = bits.view(np.float32)
    for i in range(i0, i1):
        c0 = p0[i + radius, radius : radius + w]
        c1 = p1[i + radius, radius : radius + w]
        c2 = p2[i + radius, radius : radius + w]
        s0[:] = _ZERO
        s1[:] = _ZERO
        s2[:] = _ZERO
        wsum[:] = _ZERO
        for k in range(m):
            r = i + radius + dy[k]
            a = radius + dx[k]
            r0 = p0[r, a : a + w]
            r1 = p1[r, a : a + w]
            r2 = p2[r, a : a + w]
            kw = space_w[k]
            for x in range(w):
                d = abs(r0[x] - c0[x]) + abs(r1[x] - c1[x]) + abs(r2[x] - c2[x])
                arg[x] = d * d * coeff
            _exp_parts(arg, bits, poly)
            for x in range(w):
                wt = kw * (poly[x] * two_n[x])
                wsum[x] += wt
                s0[x] += r0[x] * wt
                s1[x] += r1[x] * wt
                s2[x] += r2[x] * wt
        for x in range(w):
            inv = _ONE / (wsum[x] + _ONE)
            o0[i, x] = (s0[x] + c0[x]) * inv
            o1[i, x] = (s1[x] + c1[x]) * inv
            o2[i, x] = (s2[x] + c2[x]) * inv


@numba.njit(cache=True, nogil=True)
def nlm_rows(pad, r, f, inv_h2, bias, acc, wsum, wmax, i0, i1):  # pragma: no cover - compiled
    """Non-local means sums (Buades et al. 2005) of the pixel pairs whose first pixel is on rows
    ``i0 .. i1 - 1``, one pass per offset with running box sums as in Darbon et al. (2008), each
    pair's weight computed once for both of its pixels.

    ``pad`` is ``(C, H + 2 m, W + 2 m)`` with ``m = r + f`` (``r`` the search radius, ``f`` the patch
    radius; the padding only completes the patches at the border, candidates are image pixels). For
    each offset ``o`` of the half window (``dy > 0``, or ``dy = 0`` and ``dx > 0``) and each pixel ``x``
    with ``x + o`` in the image, with ``d^2 = sum_c sum_patch (P_c(x + t) - P_c(x + o + t))^2 / (C (2 f
    + 1)^2)``, the weight ``w = exp(-max(d^2 - bias, 0) inv_h2)`` is added to ``wsum`` at both pixels,
    ``w P_c(x + o)`` to ``acc[c]`` at ``x`` and ``w P_c(x)`` at ``x + o``, and ``wmax`` keeps the largest
    weight of each pixel (the centre's weight, Buades' convention). ``acc`` is ``(C, n, W)``, ``wsum``
    and ``wmax`` are ``(n, W)`` for the rows ``i0 .. i0 + n - 1`` (``n = i1 - i0 + r``: the pairs reach
    ``r`` rows below the band; the caller adds the bands' overlaps), float32, zeroed by the caller.
    """
    n_c = pad.shape[0]
    h = pad.shape[1] - 2 * (r + f)
    w = acc.shape[2]
    m = r + f
    side = 2 * f + 1
    norm = _ONE / np.float32(n_c * side * side)
    rows = i1 - i0 + 2 * f
    ww = w + 2 * f
    diff = np.empty((rows, ww), np.float32)
    col = np.empty(ww, np.float32)
    arg = np.empty(w, np.float32)
    kern = np.empty(w, np.float32)
    bits = np.empty(w, np.int32)
    for dy in range(0, r + 1):
        for dx in range(-r, r + 1):
            if dy == 0 and dx <= 0:
                continue
            # squared differences over the rows i0 - f .. i1 + f - 1 and columns -f .. w + f - 1
            for a in range(rows):
                y = i0 - f + a + m
                d = diff[a]
                d[:] = _ZERO
                for c in range(n_c):
                    row0 = pad[c, y, r:]
                    row1 = pad[c, y + dy, r + dx :]
                    for x in range(ww):
                        t = row0[x] - row1[x]
                        d[x] += t * t
            col[:] = _ZERO
            for a in range(side - 1):
                for x in range(ww):
                    col[x] += diff[a, x]
            x0 = max(0, -dx)  # the pixels x whose partner x + dx is in the image
            x1 = min(w, w - dx)
            for i in range(i1 - i0):
                for x in range(ww):
                    col[x] += diff[i + side - 1, x]
                yi = i0 + i
                if yi + dy < h:
                    s = _ZERO
                    for x in range(side - 1):
                        s += col[x]
                    for x in range(w):
                        s += col[x + side - 1]
                        arg[x] = min(bias - s * norm, _ZERO) * inv_h2
                        s -= col[x]
                    _exp_nonpositive(arg, bits, kern)
                    # one loop per destination row (the two are the same row when dy = 0), so each vectorises
                    ws0, wm0, ws1, wm1 = wsum[i], wmax[i], wsum[i + dy, x0 + dx :], wmax[i + dy, x0 + dx :]
                    k0 = kern[x0:x1]
                    for x in range(x1 - x0):
                        ws0[x0 + x] += k0[x]
                        wm0[x0 + x] = max(wm0[x0 + x], k0[x])
                    for x in range(x1 - x0):
                        ws1[x] += k0[x]
                        wm1[x] = max(wm1[x], k0[x])
                    for c in range(n_c):
                        src1, out0 = pad[c, yi + m + dy, m + x0 + dx :], acc[c, i, x0:]
                        for x in range(x1 - x0):
                            out0[x] += k0[x] * src1[x]
                        src0, out1 = pad[c, yi + m, m + x0 :], acc[c, i + dy, x0 + dx :]
                        for x in range(x1 - x0):
                            out1[x] += k0[x] * src0[x]
                for x in range(ww):
                    col[x] -= diff[i, x]
