"""Numba kernel of :func:`napari_maliang.smlm.simulate.simulate_movie` (imported lazily).

Every frame is rendered and noised by one thread with its own seed, so the movie does not depend
on the thread count. Photon noise uses the additivity of the Poisson law: each pixel draws
``Poisson(background) + Poisson(signal)``. With a uniform background the first term comes from a
guide-table inversion of the Poisson CDF driven by a splitmix64 stream (a few ns per pixel), and
the signal term is drawn only in the small windows around the emitters, where it is not zero.
"""

from __future__ import annotations

import math

import numba
import numpy as np

GUIDE = 1024
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0


def poisson_table(lam: float):
    """CDF of Poisson(lam) up to where its tail is below 1e-18, and a guide table into it."""
    if lam <= 0:
        return np.ones(1), np.zeros(GUIDE, np.int64)
    kmax = int(lam + 20.0 * math.sqrt(lam) + 40.0)
    k = np.arange(kmax + 1, dtype=np.float64)
    from scipy.special import gammaln

    pmf = np.exp(k * math.log(lam) - lam - gammaln(k + 1.0))
    cdf = np.cumsum(pmf)
    cdf /= cdf[-1]
    guide = np.searchsorted(cdf, np.arange(GUIDE) / GUIDE, side="right").astype(np.int64)
    return cdf, guide


@numba.njit(cache=True, inline="always")
def _splitmix(state):
    state = state + _GOLDEN
    z = state
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    z = z ^ (z >> _S31)
    return state, float(z >> _S11) * _INV53


@numba.njit(parallel=True, cache=True, nogil=True)
def render_movie(movie, bg_img, uniform_bg, cdf, guide, starts, xs, ys, photons, sigmas, radius, seeds, noise,
                 em_gain, qe, read_noise, gain, offset):
    """Render emitters (pixel-integrated Gaussians) on the background and add camera noise.

    noise: 0 Poisson, 1 EMCCD (Poisson + gamma gain register), 2 none (expected values).
    """
    frames, h, w = movie.shape
    kk = 2 * radius + 1
    ng = guide.shape[0]
    last = cdf.shape[0] - 1
    for f in numba.prange(frames):
        np.random.seed(np.int64(seeds[f] & np.uint64(0x7FFFFFFF)))
        state = seeds[f]
        sig = np.zeros((h, w))
        ex = np.empty(kk)
        ey = np.empty(kk)
        for e in range(starts[f], starts[f + 1]):
            x = xs[e]
            y = ys[e]
            s = math.sqrt(2.0) * sigmas[e]
            cx = int(math.floor(x + 0.5)) - radius
            cy = int(math.floor(y + 0.5)) - radius
            prev_x = math.erf((cx - x - 0.5) / s)
            prev_y = math.erf((cy - y - 0.5) / s)
            for k in range(kk):
                nx = math.erf((cx + k - x + 0.5) / s)
                ny = math.erf((cy + k - y + 0.5) / s)
                ex[k] = 0.5 * (nx - prev_x)
                ey[k] = 0.5 * (ny - prev_y)
                prev_x = nx
                prev_y = ny
            for i in range(kk):
                r = cy + i
                if r < 0 or r >= h:
                    continue
                a = photons[e] * ey[i]
                for j in range(kk):
                    c = cx + j
                    if c >= 0 and c < w:
                        sig[r, c] += a * ex[j]
        for r in range(h):
            for c in range(w):
                m = sig[r, c] * qe
                if noise == 2:
                    v = m + bg_img[r, c] * qe
                else:
                    if uniform_bg:
                        state, u = _splitmix(state)
                        k = guide[int(u * ng)]
                        while k < last and cdf[k] <= u:
                            k += 1
                        v = float(k)
                    else:
                        lb = bg_img[r, c] * qe
                        v = float(np.random.poisson(lb)) if lb > 0 else 0.0
                    if m > 0:
                        v += float(np.random.poisson(m))
                    if noise == 1 and v > 0:  # EMCCD gain register
                        v = np.random.gamma(v, em_gain)
                if read_noise > 0:
                    v += np.random.normal(0.0, read_noise)
                v = math.floor(v / gain + offset + 0.5)
                if v < 0:
                    v = 0.0
                elif v > 65535:
                    v = 65535.0
                movie[f, r, c] = np.uint16(v)
