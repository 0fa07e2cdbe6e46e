"""The speed-ups of the rate control give the same answers as the plain computations."""

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import sparse

from napari_maliang.codec.core import _search_thresholds
from napari_maliang.codec.edges import perona_malik
from napari_maliang.codec.inpaint import _EPS, _grid_edges, _inside_system, _laplacian_rows


def _bisect(sizes, budget):
    lo, hi = 0, len(sizes) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sizes[mid] <= budget:
            lo = mid
        else:
            hi = mid - 1
    return lo


@pytest.mark.parametrize("seed", range(8))
def test_threshold_search_matches_bisection(seed):
    rng = np.random.default_rng(seed)
    mag = rng.gamma(1.5, 10.0, size=(64, 64))
    hi = mag.max() * 0.9
    thresholds = [np.inf] + [hi * 0.7**i for i in range(20) if hi * 0.7**i >= 0.5]
    srt = np.sort(mag, axis=None)
    band = np.array([0 if np.isinf(t) else srt.size - np.searchsorted(srt, t, side="right") for t in thresholds])
    size0 = 50
    # a monotone size that is not the model's power law
    sizes = size0 + (rng.uniform(0.5, 3.0) * band ** rng.uniform(0.4, 1.0)).astype(int) + np.arange(len(band))
    probes = []

    def fits(i):
        probes.append(i)
        return sizes[i] <= budget, SimpleNamespace(nbytes=int(sizes[i]))

    for budget in (size0, int(np.median(sizes)), int(sizes[-1]) + 1, int(rng.uniform(size0, sizes[-1]))):
        probes.clear()
        assert _search_thresholds(thresholds, mag, budget, size0, fits) == _bisect(sizes, budget)
        assert len(set(probes)) == len(probes) <= len(thresholds)


def test_inside_system_equals_sliced_laplacian():
    rng = np.random.default_rng(3)
    H, W = 23, 31
    fixed = rng.random(H * W) < 0.3
    unk = np.flatnonzero(~fixed)
    u = rng.normal(size=(H * W, 2))
    A, rhs = _inside_system(H, W, unk, fixed, u)
    gi, gj = _grid_edges(H, W)
    L = _laplacian_rows(H * W, gi, gj, np.ones(gi.size)).tocsr()
    rows = L[unk]
    ref = rows[:, unk] + _EPS * sparse.identity(unk.size)
    assert abs(A - ref).max() < 1e-12
    fx = np.flatnonzero(fixed)
    np.testing.assert_allclose(rhs, -(rows[:, fx] @ u[fx]), atol=1e-12)


def _perona_malik_reference(u, iterations, kappa, dt=0.2):
    u = u.astype(np.float64).copy()
    for _ in range(iterations):
        flux = np.zeros_like(u)
        for axis in (0, 1):
            for shift in (1, -1):
                nb = np.roll(u, shift, axis=axis)
                d = nb - u
                # no flux across the image border
                sl = [slice(None)] * u.ndim
                sl[axis] = 0 if shift == 1 else -1
                d[tuple(sl)] = 0
                flux += np.exp(-(d * d).sum(-1, keepdims=True) / kappa**2) * d
        u += dt * flux
    return u


def test_perona_malik_matches_reference():
    rng = np.random.default_rng(5)
    img = rng.uniform(0, 255, size=(20, 17, 3))
    got = perona_malik(img, iterations=5, kappa=30.0)
    np.testing.assert_allclose(got, _perona_malik_reference(img, 5, 30.0), atol=1e-2)
    gray = perona_malik(img[..., 0], iterations=5, kappa=30.0)
    np.testing.assert_allclose(gray, _perona_malik_reference(img[..., :1], 5, 30.0)[..., 0], atol=1e-2)


@pytest.mark.parametrize("seed", range(4))
def test_thinning_matches_skimage(seed):
    from skimage.morphology import thin

    from napari_maliang.codec.edges import _thin

    rng = np.random.default_rng(seed)
    for density in (0.2, 0.5, 0.8):
        m = rng.random((37, 45)) < density
        np.testing.assert_array_equal(_thin(m), thin(m))
    # thick bands, as thresholded Sobel magnitudes give
    yy, xx = np.mgrid[0:60, 0:70]
    band = (np.abs(np.hypot(yy - 30, xx - 35) - 20) < 3 + seed) | (np.abs(yy - xx) < 2 + seed)
    np.testing.assert_array_equal(_thin(band), thin(band))


def test_header_profile_round_trips_every_profile():
    """The pruned "coarsest profile" candidate is recognised from its header alone."""
    from napari_maliang.codec.core import _PROFILES, _header_profile
    from napari_maliang.codec.format import FLAG_BORDER, FLAG_EDGE_VALUES, Header

    for prof in _PROFILES:
        spacing, q, grid, ev = prof
        flags = (FLAG_EDGE_VALUES if ev else 0) | FLAG_BORDER
        h = Header(64, 48, 3, flags, spacing, grid, q, min(255, 2 * q))
        assert _header_profile(h) == prof
    assert sum(_header_profile(Header(8, 8, 1, f, 16, 0, 16, 32)) == _PROFILES[0] for f in (0, FLAG_BORDER)) == 2


def test_rate_distortion_compares_the_codec_with_jpeg_at_the_same_sizes():
    from napari_maliang.codec import rate_distortion
    from napari_maliang.codec.compare import psnr

    image = (np.add.outer(np.arange(48), np.arange(64)) * 2).astype(np.uint8)
    image[10:30, 20:40] = 200
    seen = []
    curves = rate_distortion(image, [0.3, 1.0], progress=seen.append)
    assert set(curves) == {"inpainting", "JPEG", "JPEG 2000"}
    assert len(curves["inpainting"]) >= 1 and len(curves["JPEG"]) == len(curves["inpainting"])
    for bpp, quality, similarity in curves["inpainting"]:
        assert 0 < bpp <= 1.0 + 1e-9 and quality > 20 and 0 < similarity <= 1
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] <= 1.0
    assert psnr(image, image) == float("inf")
