"""EED inpainting (codec/eed.py): known answers against homogeneous diffusion, invariants, bad input."""

import numpy as np
import pytest

from napari_maliang.codec.eed import diffusion_tensor, eed_inpaint, fed_steps, fed_taus, stencil_weights
from napari_maliang.codec.inpaint import homogeneous


@pytest.fixture(scope="module")
def edge_case():
    """A straight step edge (50 | 200, oblique) and 3 % random known pixels."""
    H = W = 96
    yy, xx = np.mgrid[:H, :W]
    f = np.where(0.8 * xx + 0.3 * yy > 55, 200.0, 50.0)
    mask = np.random.default_rng(0).random((H, W)) < 0.03
    return f, mask


def rmse(a, b):
    return float(np.sqrt(np.mean((a - b) ** 2)))


def test_fed_cycle_time():
    # sum of the step sizes = tau_max (n^2 + n) / 3 (Grewenig et al. 2010); n reaches the asked time
    for n in (1, 5, 20):
        assert fed_taus(n, 0.25).sum() == pytest.approx(0.25 * (n * n + n) / 3)
    n = fed_steps(100.0, 0.25)
    assert 0.25 * (n * n + n) / 3 >= 100.0 > 0.25 * ((n - 1) ** 2 + n - 1) / 3


def test_tensor_eigenvalues():
    # vertical step edge: across it (x) the diffusivity g < 1, along it (y) 1, no mixed term
    u = np.zeros((1, 16, 16))
    u[:, :, 8:] = 100.0
    a, b, c = diffusion_tensor(u, lam=2.0, sigma=1.0)
    assert a[8, 7] < 0.1 and c[8, 7] == pytest.approx(1.0) and b[8, 7] == pytest.approx(0.0, abs=1e-12)
    # the stencil of a constant isotropic tensor is the 5-point Laplacian inside the image
    ones = np.ones((6, 6))
    w_e, w_s, w_se, w_sw = stencil_weights(ones, 0 * ones, ones)
    assert w_e[2, 2] == 1.0 and w_s[2, 2] == 1.0 and w_se[2, 2] == 0.0 and w_sw[2, 2] == 0.0
    assert w_e[:, -1].max() == 0.0 and w_s[-1].max() == 0.0  # no pair leaves the image


def test_eed_beats_homogeneous_on_an_edge(edge_case):
    f, mask = edge_case
    h = homogeneous(f, mask)
    e = eed_inpaint(f, mask)
    # EED keeps the edge sharp: lower error, and at most 60 % as many pixels more than 20 grey levels off
    assert rmse(e, f) < 0.9 * rmse(h, f)
    assert np.mean(np.abs(e - f) > 20) < 0.6 * np.mean(np.abs(h - f) > 20)


def test_known_pixels_fixed_and_range(edge_case):
    f, mask = edge_case
    e = eed_inpaint(f, mask)
    np.testing.assert_array_equal(e[mask], f[mask])
    # max-min principle (default contrast: the nonnegative stencil applies everywhere here)
    assert e.min() >= f[mask].min() - 1e-9 and e.max() <= f[mask].max() + 1e-9
    # stronger anisotropy: the standard stencil's negative weights allow overshoots, small ones
    e1 = eed_inpaint(f, mask, lam=1.0)
    assert e1.min() >= 50 - 0.02 * 150 and e1.max() <= 200 + 0.02 * 150


def test_constant_stays_constant():
    f = np.full((40, 50, 3), 77.0)
    mask = np.zeros((40, 50), bool)
    mask[::7, ::5] = True
    e = eed_inpaint(f, mask, diffusivity="perona-malik")
    np.testing.assert_allclose(e, 77.0, atol=1e-6)


def test_colour_shares_one_tensor(edge_case):
    # the same edge in three channels of different contrast: every channel gains like the gray image
    f, mask = edge_case
    rgb = np.stack([f, 0.5 * f, 255 - f], axis=-1)
    e = eed_inpaint(rgb, mask)
    h = homogeneous(rgb, mask)
    assert e.shape == rgb.shape
    for k in range(3):
        assert rmse(e[..., k], rgb[..., k]) < 0.9 * rmse(h[..., k], rgb[..., k])


def test_guide_keeps_a_colour_edge_where_the_luma_has_it():
    # two colours split by an oblique edge; the luma known everywhere (as the decoded luma is), one chroma
    # plane at sparse pixels: diffusing it with the luma's frozen tensor keeps the edge that the sparse
    # chroma's own tensor cannot see (R-EED, Schmaltz et al. 2014, section 5.1)
    H = W = 64
    yy, xx = np.mgrid[:H, :W]
    inside = 0.8 * xx + 0.45 * yy > 40
    luma = np.where(inside, 180.0, 60.0)
    chroma = np.where(inside, 100.0, 160.0)
    mask = np.zeros((H, W), bool)
    mask[3::9, 4::9] = True
    own = eed_inpaint(chroma, mask)
    guided = eed_inpaint(chroma, mask, guide=luma, cycles=1, init=homogeneous(chroma, mask))
    np.testing.assert_array_equal(guided[mask], chroma[mask])
    # max-min principle, up to the small overshoots that the sharp edge's standard-stencil cells allow (eed.py)
    assert guided.min() >= 100.0 - 0.5 and guided.max() <= 160.0 + 0.5
    assert rmse(guided, chroma) < 0.7 * rmse(own, chroma)
    assert np.mean(np.abs(guided - chroma) > 15) < 0.5 * np.mean(np.abs(own - chroma) > 15)
    # the guide's tensor is frozen: the diffusion is linear in the known values
    twice = eed_inpaint(2 * chroma, mask, guide=luma, cycles=1, init=homogeneous(2 * chroma, mask))
    np.testing.assert_allclose(twice, 2 * guided, atol=1e-6)


def test_full_mask_and_single_pixel():
    f = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(eed_inpaint(f, np.ones((3, 4), bool)), f)
    one = np.zeros((3, 4), bool)
    one[1, 2] = True
    np.testing.assert_allclose(eed_inpaint(f, one), 6.0, atol=1e-6)


@pytest.mark.parametrize(
    "image, mask, kwargs, match",
    [
        (np.zeros((8, 8)), np.zeros((8, 8), bool), {}, "empty"),
        (np.zeros((8, 8)), np.ones((8, 9), bool), {}, "shape"),
        (np.zeros((8,)), np.ones((8,), bool), {}, "shape"),
        (np.zeros((8, 8)), np.ones((8, 8)), {}, "boolean"),
        (np.full((8, 8), np.nan), np.ones((8, 8), bool), {}, "finite"),
        (np.zeros((8, 8)), np.ones((8, 8), bool), {"lam": 0.0}, "lam"),
        (np.zeros((8, 8)), np.ones((8, 8), bool), {"diffusivity": "tv"}, "diffusivity"),
        (np.zeros((8, 8)), np.ones((8, 8), bool), {"init": np.zeros((4, 4))}, "init"),
        (np.zeros((8, 8)), np.ones((8, 8), bool), {"guide": np.zeros((8, 9))}, "guide"),
        (np.zeros((8, 8)), np.ones((8, 8), bool), {"guide": np.full((8, 8), np.inf)}, "guide"),
    ],
)
def test_bad_input(image, mask, kwargs, match):
    with pytest.raises(ValueError, match=match):
        eed_inpaint(image, mask, **kwargs)


def test_array_twin_matches_the_numba_kernel(edge_case):
    # the CuPy twin's code, run with NumPy, gives the numba kernel's result
    from napari_maliang.codec._eed_numba import fed_cycle
    from napari_maliang.codec._eed_xp import fed_cycle_xp

    f, mask = edge_case
    u = np.stack([homogeneous(f, mask), 255 - homogeneous(f, mask)])
    w = stencil_weights(*diffusion_tensor(u, lam=2.0, sigma=1.0))
    taus = fed_taus(12, 0.2)
    unknown = (~mask).astype(np.uint8)
    np.testing.assert_allclose(fed_cycle_xp(np, u, *w, unknown, taus), fed_cycle(u, *w, unknown, taus), atol=1e-9)


@pytest.mark.gpu
def test_gpu_twin_matches_cpu(edge_case):
    from napari_maliang._backend import has_gpu

    if not has_gpu():
        pytest.skip("needs a CUDA device and cupy")
    f, mask = edge_case
    np.testing.assert_allclose(eed_inpaint(f, mask, backend="gpu"), eed_inpaint(f, mask), atol=1e-6)
