import numpy as np
import scipy.sparse.linalg as spl

from napari_maliang.dequantize.adjacency import palette_adjacency
from napari_maliang.dequantize.brushes import classify_edges
from napari_maliang.dequantize.regions import label_regions
from napari_maliang.dequantize.solve import MultigridPCG, Stencil, to_csr
from napari_maliang.dequantize.system import build_matrix, build_rhs
from napari_maliang.dequantize.weights import bell_weights, laplacian_stencil, poisson_distance


def test_multigrid_pcg_matches_direct_solve():
    rng = np.random.default_rng(0)
    ind = rng.integers(0, 3, (37, 53))
    st = laplacian_stencil(ind)
    st = Stencil(st.diag + rng.uniform(0, 0.05, st.diag.shape), st.east, st.south)
    b = rng.normal(size=st.shape + (3,))
    x, it = MultigridPCG(st, dtype=np.float64).solve(b, rtol=1e-10, maxiter=300)
    a = to_csr(st)
    assert abs(a - a.T).max() == 0
    for c in range(3):
        ref = spl.spsolve(a.tocsc(), b[..., c].ravel())
        np.testing.assert_allclose(x[..., c].ravel(), ref, atol=1e-7)


def test_channels_solved_on_two_threads_equal_one_thread(monkeypatch):
    """The channel parts run their own CG and V-cycles: bit-identical to the whole, in both stopping rules."""
    import napari_maliang.dequantize.solve as S

    channel_parts = S._channel_parts
    rng = np.random.default_rng(3)
    st = laplacian_stencil(rng.integers(0, 4, (70, 90)))
    st = Stencil(st.diag + rng.uniform(0, 0.01, st.diag.shape), st.east, st.south)
    b = rng.normal(size=st.shape + (3,)).astype(np.float32)
    x0 = rng.normal(size=b.shape).astype(np.float32)
    runs = {}
    for parts in ([(0, 3)], [(0, 2), (2, 3)], [(0, 1), (1, 2), (2, 3)]):
        monkeypatch.setattr(S, "_channel_parts", lambda nc, pixels, parts=parts: parts)
        runs[len(parts)] = (MultigridPCG(st).solve(b, x0, rtol=1e-6), MultigridPCG(st).solve(b, atol=1e-3))
    for n in (2, 3):
        for (x, it), (x1, it1) in zip(runs[n], runs[1], strict=True):
            assert it == it1 > 1
            np.testing.assert_array_equal(x, x1)
    assert channel_parts(3, 1 << 20) in ([(0, 3)], [(0, 2), (2, 3)])  # split only where there are two cores
    assert channel_parts(3, 100) == [(0, 3)] and channel_parts(1, 1 << 20) == [(0, 1)]


def test_poisson_distance_known_values():
    # one pixel surrounded by another colour: 4 d = 1
    ind = np.zeros((3, 3), int)
    ind[1, 1] = 1
    d = poisson_distance(ind)
    assert abs(d[1, 1] - 0.25) < 1e-6
    # a 1-D strip of n pixels between two other colours (rows are periodic-free: image border is free)
    n = 9
    ind = np.zeros((1, n + 2), int)
    ind[0, 1:-1] = 1
    d = poisson_distance(ind, rtol=1e-6)[0, 1:-1]
    # -d'' = 1 with d = 0 at the virtual pixels one step outside: d_k = k (n + 1 - k) / 2
    k = np.arange(1, n + 1)
    np.testing.assert_allclose(d, k * (n + 1 - k) / 2, rtol=1e-3)


def test_bell_weights_eq3():
    ind = np.zeros((1, 11), int)
    ind[0, 1:-1] = 1
    labels, n = label_regions(ind)
    d = poisson_distance(ind)
    w = bell_weights(d, labels, n, 0.3)
    assert abs(w[0, 5] - 0.3) < 1e-6  # region centre: d = d_max -> omega
    assert np.all(w >= 0) and np.all(w <= 0.3 + 1e-12)
    assert w[0, 1] < w[0, 3] < w[0, 5]


def _objective_lstsq(ind, pal, w, soft_h, soft_v, wc):
    """Minimise J'(phi) of eq. (1)+(6) by dense least squares, term by term as written in the paper."""
    h, wd = ind.shape
    n = h * wd
    rows, rhs = [], []
    phibar = pal[ind][..., 0]

    def add(coef, value):
        r = np.zeros(n)
        for k, v in coef:
            r[k] += v
        rows.append(r)
        rhs.append(value)

    ids = np.arange(n).reshape(h, wd)
    for (p, q, soft) in [((i, j), (i, j + 1), soft_h[i, j]) for i in range(h) for j in range(wd - 1)] + [
        ((i, j), (i + 1, j), soft_v[i, j]) for i in range(h - 1) for j in range(wd)
    ]:
        if ind[p] == ind[q]:
            add([(ids[p], 1), (ids[q], -1)], 0.0)
        else:
            for a, b in ((p, q), (q, p)):
                star = 0.5 * (phibar[a] + phibar[b]) if soft else phibar[a]
                add([(ids[a], 1)], star)
            if soft and wc > 0:
                star = 0.5 * (phibar[p] + phibar[q])
                s = np.sqrt(wc)
                add([(ids[p], s), (ids[q], s)], 2 * s * star)
    for i in range(h):
        for j in range(wd):
            s = np.sqrt(w[i, j])
            add([(ids[i, j], s)], s * phibar[i, j])
    x, *_ = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)
    return x.reshape(h, wd)


def test_system_minimises_paper_objective():
    rng = np.random.default_rng(3)
    ind = rng.integers(0, 4, (6, 7))
    ind[2:5, 2:6] = 1
    pal = np.array([[0.0], [10.0], [30.0], [45.0]])
    adj = palette_adjacency(pal)
    soft_h, soft_v = classify_edges(ind, adj)
    assert soft_h.any() and (~soft_h & (ind[:, 1:] != ind[:, :-1])).any()  # both kinds present
    w = rng.uniform(0, 0.5, ind.shape)
    for wc in (0.0, 0.7):
        st = build_matrix(ind, w, soft_h, soft_v, wc)
        b = build_rhs(ind, pal, w, soft_h, soft_v, wc)
        x, _ = MultigridPCG(st, dtype=np.float64).solve(b, rtol=1e-12, maxiter=500)
        ref = _objective_lstsq(ind, pal, w, soft_h, soft_v, wc)
        np.testing.assert_allclose(x[..., 0], ref, atol=1e-6)


def test_rhs_kernel_matches_numpy_reference():
    from napari_maliang.dequantize.system import build_rhs_numpy

    rng = np.random.default_rng(7)
    ind = rng.integers(0, 5, (23, 31))
    pal = rng.normal(size=(5, 3)) * 30
    soft_h = rng.random((23, 30)) < 0.5
    soft_v = rng.random((22, 31)) < 0.5
    soft_h &= ind[:, 1:] != ind[:, :-1]
    soft_v &= ind[1:, :] != ind[:-1, :]
    w = rng.random((23, 31))
    for wc in (0.0, 0.8):
        np.testing.assert_allclose(build_rhs(ind, pal, w, soft_h, soft_v, wc),
                                   build_rhs_numpy(ind, pal, w, soft_h, soft_v, wc), atol=1e-10)


def test_bell_weights_small_region_term():
    # a 1-pixel region (d_max = 1/4) and a 9-pixel-wide one: the added weight is small_region / d_max
    ind = np.zeros((1, 13), int)
    ind[0, 1] = 1
    ind[0, 3:12] = 2
    labels, n = label_regions(ind)
    d = poisson_distance(ind)
    w0 = bell_weights(d, labels, n, 0.3)
    w1 = bell_weights(d, labels, n, 0.3, small_region=0.5)
    extra = w1 - w0
    assert abs(extra[0, 1] - 0.5 / d[0, 1]) < 1e-6
    assert extra[0, 1] > 10 * extra[0, 7] > 0  # the speck is held far more than the long region
    assert np.allclose(extra[0, 3:12], extra[0, 7])  # constant within a region


def _neighbours(st, x):
    """Couplings (east, west, south, north; 0 across the image border) and the clamped neighbours' values."""
    h, w = st.shape
    cr = np.zeros((h, w, 1), st.diag.dtype)
    cl, cd, cu = cr.copy(), cr.copy(), cr.copy()
    cr[:, :-1, 0], cl[:, 1:, 0], cd[:-1, :, 0], cu[1:, :, 0] = st.east, st.east, st.south, st.south
    xr = np.concatenate([x[:, 1:], x[:, -1:]], axis=1)
    xl = np.concatenate([x[:, :1], x[:, :-1]], axis=1)
    xd = np.concatenate([x[1:], x[-1:]], axis=0)
    xu = np.concatenate([x[:1], x[:-1]], axis=0)
    return cr * xr, cl * xl, cd * xd, cu * xu


def _plain_sweep(st, b, x, colour):
    """One red (0) or black (1) Gauss-Seidel sweep on (H, W, C) arrays, written plainly with NumPy."""
    h, w = st.shape
    r, lf, dn, up = _neighbours(st, x)
    value = (b - r - lf - dn - up) * (1.0 / st.diag.astype(np.float64))[..., None]
    mask = (np.add.outer(np.arange(h), np.arange(w)) % 2 == colour)[..., None]
    return np.where(mask, value.astype(x.dtype), x)


def test_fused_vcycle_passes_match_plain_sweeps():
    # the fused passes (planar layout) give bit for bit the plain sweeps: down, red from 0, black, the
    # residual summed over 2x2 aggregates in row-major order; up, x += 1.5 P xc, black, red
    from napari_maliang.dequantize.solve import (
        _interleaved,
        _Level,
        _matvec,
        _max_abs_dot,
        _planar,
        _presmooth_restrict,
        _prolong_postsmooth,
        _update_p_matvec,
    )

    rng = np.random.default_rng(3)
    for (h, w), dtype in (((7, 10), np.float32), ((8, 9), np.float32), ((1, 5), np.float32), ((6, 1), np.float64)):
        ist = laplacian_stencil(rng.integers(0, 3, (h, w)))
        st = Stencil(*(a.astype(dtype) for a in (ist.diag + rng.uniform(0.1, 1, (h, w)), ist.east, ist.south)))
        g = _Level.of(st)
        b = rng.normal(size=(h, w, 3)).astype(dtype)
        bp = np.empty((3, h, w), dtype)
        _planar(b, bp)
        hc, wc = (h + 1) // 2, (w + 1) // 2
        xp, rcp, tmp = np.full_like(bp, np.nan), np.empty((3, hc, wc), dtype), np.empty(w, dtype)
        _presmooth_restrict(g.d, g.inv, g.ep, g.sp, bp, xp, rcp, tmp)
        x = _plain_sweep(st, b, _plain_sweep(st, b, np.zeros_like(b), 0), 1)
        r_, lf, dn, up = _neighbours(st, x)
        r = b - st.diag[..., None] * x - r_ - lf - dn - up
        rc = np.zeros((hc, wc, 3), dtype)
        for di, dj in ((0, 0), (0, 1), (1, 0), (1, 1)):
            part = r[di::2, dj::2]
            rc[: part.shape[0], : part.shape[1]] += part
        out = np.empty_like(b)
        _interleaved(xp, out)
        np.testing.assert_array_equal(out, x)
        out = np.empty_like(rc)
        _interleaved(rcp, out)
        np.testing.assert_array_equal(out, rc)
        xc = rng.normal(size=(hc, wc, 3)).astype(dtype)
        xcp = np.empty((3, hc, wc), dtype)
        _planar(xc, xcp)
        _prolong_postsmooth(g.d, g.inv, g.ep, g.sp, bp, xp, xcp, 1.5, tmp, np.empty(w + 1))
        x = (x + 1.5 * xc.astype(np.float64).repeat(2, 0).repeat(2, 1)[:h, :w]).astype(dtype)
        x = _plain_sweep(st, b, _plain_sweep(st, b, x, 1), 0)
        out = np.empty_like(b)
        _interleaved(xp, out)
        np.testing.assert_array_equal(out, x)
        yp = np.empty_like(bp)
        by = _matvec(g.d, g.ep, g.sp, bp, yp)
        _interleaved(yp, out)
        ref = (to_csr(st) @ b.reshape(h * w, 3).astype(np.float64)).reshape(h, w, 3)
        np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(by, (b.astype(np.float64) * out).sum(axis=(0, 1)), rtol=1e-6)
        top, dot = _max_abs_dot(bp, yp)
        np.testing.assert_array_equal(top, np.abs(b).max(axis=(0, 1)))
        np.testing.assert_allclose(dot, by, rtol=1e-12)
        # CG's p = z + beta p fused with the next q = A p
        beta = rng.uniform(0, 1, 3).astype(dtype)
        p, zp, q = xp.copy(), yp.copy(), np.empty_like(bp)
        pq = _update_p_matvec(g.d, g.ep, g.sp, p, zp, beta, q)
        p_ref = zp + beta[:, None, None] * xp
        q_ref = np.empty_like(bp)
        np.testing.assert_array_equal(p, p_ref)
        np.testing.assert_array_equal(pq, _matvec(g.d, g.ep, g.sp, p_ref, q_ref))
        np.testing.assert_array_equal(q, q_ref)


def test_error_tolerance_bounds_true_error():
    # the atol stop (multigrid error estimate, core.ERROR_TOL) against a direct solve of a weakly
    # anchored system (eq. 3 weight only: the ill-conditioned case), from a far-off warm start
    rng = np.random.default_rng(5)
    ind = np.zeros((40, 60), int)
    ind[:, 30:] = 1
    st = laplacian_stencil(ind)
    st = Stencil(st.diag + 1e-3, st.east, st.south)
    b = 1e-3 * rng.uniform(0, 255, (40, 60, 3))
    a = to_csr(st).tocsc()
    ref = np.stack([spl.spsolve(a, b[..., c].ravel()).reshape(40, 60) for c in range(3)], axis=-1)
    x, it = MultigridPCG(st).solve(b, np.zeros_like(b), atol=0.1)
    assert it > 0
    assert np.abs(x - ref).max() <= 0.25  # measured 0.12 (the estimate is within a factor 2.5)


def test_gpu_twin_algorithm_on_scipy_matches_the_cpu_solver():
    """The GPU twin's Jacobi-CG, run by SciPy (the same code path with NumPy for CuPy), is within the CPU
    solver's error bound of the exact solution at the twin's default tolerance, from a cold and a warm start."""
    import scipy.sparse

    from napari_maliang.dequantize.core import ERROR_TOL, GPU_RTOL
    from napari_maliang.dequantize.solve import jacobi_cg

    rng = np.random.default_rng(5)
    st = laplacian_stencil(rng.integers(0, 3, (40, 60)))
    st = Stencil((st.diag + rng.uniform(0.001, 0.05, st.diag.shape)).astype(np.float32),
                 st.east.astype(np.float32), st.south.astype(np.float32))
    truth = rng.uniform(0, 255, st.shape + (3,))  # colours in 8-bit levels
    a = to_csr(st).astype(np.float64)
    b = np.stack([(a @ truth[..., c].ravel()).reshape(st.shape) for c in range(3)], axis=-1).astype(np.float32)
    for x0 in (None, truth + rng.normal(0, 5, truth.shape)):
        x, _ = jacobi_cg(st, b, x0, GPU_RTOL, 200, xp=np, sparse=scipy.sparse, linalg=spl)
        assert x.dtype == b.dtype and x.shape == b.shape
        np.testing.assert_allclose(x, truth, atol=ERROR_TOL)  # the CPU solver's own error bound, in levels
