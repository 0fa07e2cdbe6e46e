"""Tonal optimisation (codec/tonal.py): the linear inpainting operator, its adjoint, the least-squares values."""

import numpy as np
import pytest

from napari_maliang.codec.eed import diffusion_tensor, stencil_weights
from napari_maliang.codec.tonal import LinearInpainting, laplacian, optimise_values


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(4)
    H, W = 48, 56
    yy, xx = np.mgrid[:H, :W]
    f = np.where(xx + 0.5 * yy > 40, 180.0, 60.0) + 10 * np.sin(yy / 5.0)
    mask = rng.random((H, W)) < 0.06
    w = stencil_weights(*diffusion_tensor(f[None], lam=2.0, sigma=1.0))
    return f, mask, w


def test_laplacian_is_symmetric_with_zero_row_sums(setup):
    _, _, w = setup
    L = laplacian(*w)
    assert abs(L - L.T).max() < 1e-12
    np.testing.assert_allclose(np.asarray(L.sum(axis=1)).ravel(), 0, atol=1e-12)
    one = np.ones((5, 6))
    L5 = laplacian(*stencil_weights(one, 0 * one, one)).toarray()
    assert L5[2 * 6 + 2, 2 * 6 + 2] == 4.0  # interior pixel: the 5-point Laplacian
    assert sorted(L5[2 * 6 + 2][L5[2 * 6 + 2] < 0]) == [-1.0] * 4


def test_forward_and_adjoint(setup):
    f, mask, w = setup
    op = LinearInpainting(w, mask, tol=1e-10)
    c = np.random.default_rng(5).random(mask.sum()) * 255
    u = op.forward(c)
    np.testing.assert_allclose(u[mask], c)
    np.testing.assert_allclose(op.forward(np.full(mask.sum(), 42.0)), 42.0, rtol=1e-6)
    r = np.random.default_rng(6).standard_normal(f.shape)
    assert np.sum(u * r) == pytest.approx(np.sum(c * op.adjoint(r)), rel=1e-6)


def test_optimised_values(setup):
    f, mask, w = setup
    op = LinearInpainting(w, mask, tol=1e-10)
    c0 = f[mask]
    err0 = np.linalg.norm(op.forward(c0) - f)
    c = optimise_values(f, op, c0, iterations=10)
    assert np.linalg.norm(op.forward(c) - f) < 0.9 * err0
    # an image the operator can represent exactly is recovered from wrong starting values
    target = op.forward(c0)
    c_star = optimise_values(target, op, c0 + 20.0, iterations=40)
    np.testing.assert_allclose(op.forward(c_star), target, atol=0.05)


def test_decoder_operator_is_the_decoder_and_its_adjoint(setup):
    # u = E_n ... E_1 H c with the tensors the decoder computed: the same image as eed_inpaint, and M^T by the
    # dot-product test <M c, r> = <c, M^T r>
    from napari_maliang.codec.eed import eed_inpaint
    from napari_maliang.codec.tonal import DecoderInpainting

    f, mask, _ = setup
    trace = []
    u = eed_inpaint(np.where(mask, f, 0.0), mask, trace=trace)
    assert len(trace) >= 4  # one entry per FED cycle piece
    op = DecoderInpainting(mask, trace, tol=1e-12)
    np.testing.assert_allclose(op.forward(f[mask]), u, atol=1e-5)
    rng = np.random.default_rng(7)
    c = rng.random(mask.sum()) * 255
    r = rng.standard_normal(f.shape)
    assert np.sum(op.forward(c) * r) == pytest.approx(np.sum(c * op.adjoint(r)), rel=1e-8)
    # guided (linear) decoding: the trace is the frozen guide tensor's, the map exactly linear
    trace = []
    eed_inpaint(np.where(mask, f, 0.0), mask, guide=f, cycles=1, trace=trace)
    op = DecoderInpainting(mask, trace, tol=1e-12)
    np.testing.assert_allclose(op.forward(2 * c), 2 * op.forward(c), rtol=1e-9, atol=1e-9)


def test_optimised_for_the_decoder(setup):
    # optimising for the decoder's own steps lowers the error of what the decoder really produces
    from napari_maliang.codec.eed import eed_inpaint
    from napari_maliang.codec.tonal import DecoderInpainting

    f, mask, _ = setup
    trace = []
    u0 = eed_inpaint(np.where(mask, f, 0.0), mask, trace=trace)
    c = optimise_values(f, DecoderInpainting(mask, trace, tol=1e-8), f[mask], iterations=10)
    known = np.zeros(f.shape)
    known[mask] = c
    u1 = eed_inpaint(known, mask)  # the real (nonlinear) decoder, tensors recomputed
    assert np.linalg.norm(u1 - f) < 0.9 * np.linalg.norm(u0 - f)


@pytest.mark.parametrize("size", [(30, 40), (90, 110)])  # SuperLU below 4000 unknowns, AMG above
def test_homogeneous_fill_is_the_laplace_map_and_its_adjoint(size):
    from napari_maliang.codec.inpaint import HomogeneousFill

    rng = np.random.default_rng(11)
    mask = rng.random(size) < 0.05
    fill = HomogeneousFill(mask)
    c = rng.random(mask.sum()) * 255
    east, south, zero = np.ones(size), np.ones(size), np.zeros(size)
    east[:, -1] = south[-1] = 0  # the 5-point Laplacian's pairs, none across the border
    ref = LinearInpainting((east, south, zero, zero), mask, tol=1e-12).forward(c)
    np.testing.assert_allclose(fill.forward(c, tol=1e-12), ref, atol=1e-5)
    np.testing.assert_allclose(fill.forward(np.stack([c, 2 * c], axis=1), tol=1e-12)[..., 1], 2 * ref, atol=1e-5)
    r = rng.standard_normal(size)
    assert np.sum(fill.forward(c, tol=1e-12) * r) == pytest.approx(np.sum(c * fill.adjoint(r, tol=1e-12)), rel=1e-8)


@pytest.mark.parametrize("gamma", [1.0, 2.0])
def test_levels_descent_beats_rounding_one_by_one(setup, gamma):
    # the least-squares values rounded one by one to 8 levels lose part of the optimisation's gain; the descent
    # over the levels wins some of it back, never loses, moves each value by few levels, and stops before a
    # round whose levels do not fit; with uniform levels and with levels companded towards lo (gamma 2: each
    # move's step is its own level gap)
    from napari_maliang.codec.subdivision import dequantise, quantise
    from napari_maliang.codec.tonal import descend_levels

    f, mask, w = setup
    op = LinearInpainting(w, mask, tol=1e-10)
    c = optimise_values(f, op, f[mask], iterations=20)
    q, lo, hi = 8, float(c.min()), float(c.max())
    rounded = quantise(c, q, lo, hi, gamma)

    def err(levels):
        return np.sum((op.forward(dequantise(levels, q, lo, hi, gamma)) - f) ** 2)

    best, exact = err(rounded), np.sum((op.forward(c) - f) ** 2)
    levels = descend_levels(f, op, rounded, q, lo, hi, gamma=gamma)
    assert err(levels) < best - 0.2 * (best - exact)  # a fifth of the rounding's loss back at least
    assert levels.min() >= 0 and levels.max() < q and np.abs(levels - rounded).max() <= 8
    assert 0 < np.sum(levels != rounded) < mask.sum()
    np.testing.assert_array_equal(descend_levels(f, op, rounded, q, lo, hi, gamma=gamma, fits=lambda k: False), rounded)
    one = descend_levels(f, op, rounded, q, lo, hi, gamma=gamma, rounds=1)
    assert err(levels) <= err(one) < best


def test_rate_aware_descent_prices_moves_only_once_the_limit_binds(setup):
    # with move_bits, the descent is the one without it while its sets fit: no limit, or one that never binds,
    # and the bits are never priced (move_bits is not even asked); once a set does not fit, the moves are ranked
    # with their bits priced: with a toy code length (one bit per level step down) and the limit of the rounded
    # levels, the priced descent stays within the limit and lowers the error more than the descent that takes
    # the fitting head of each set
    from napari_maliang.codec.subdivision import dequantise, quantise
    from napari_maliang.codec.tonal import descend_levels

    f, mask, w = setup
    op = LinearInpainting(w, mask, tol=1e-10)
    c = optimise_values(f, op, f[mask], iterations=20)
    q, lo, hi = 8, float(c.min()), float(c.max())
    rounded = quantise(c, q, lo, hi)
    asked = []

    def down_costs(k, s):
        asked.append(k)
        return -s.astype(float)

    def err(levels):
        return np.sum((op.forward(dequantise(levels, q, lo, hi)) - f) ** 2)

    plain = descend_levels(f, op, rounded, q, lo, hi)
    for fits in (None, lambda k: True):
        same = descend_levels(f, op, rounded, q, lo, hi, fits=fits, move_bits=down_costs, bit_price=1e3)
        np.testing.assert_array_equal(same, plain)
    assert not asked
    limit = -rounded.sum()
    assert -plain.sum() > limit  # the unconstrained descent would lengthen the toy code

    def fits(k):
        return -k.sum() <= limit

    head = descend_levels(f, op, rounded, q, lo, hi, fits=fits)
    priced = descend_levels(f, op, rounded, q, lo, hi, fits=fits, move_bits=down_costs, bit_price=1e3)
    assert asked and -priced.sum() <= limit
    assert err(priced) < err(head) <= err(rounded)  # measured 247821 < 260099 (the head moves nothing)
