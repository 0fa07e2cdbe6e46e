"""GPU twin of :func:`napari_maliang.smlm.fit.fit_spots`: one CUDA thread per spot (paper section 2.2.3).

The paper assigns every extracted sub-region to a GPU thread that runs the maximum-likelihood
iterations (section 2.2.3); this module does the same with a CuPy ``RawKernel``. The kernel is
a line-by-line port of the numba kernel in :mod:`napari_maliang.smlm._fit_numba` (same initial
guess, Levenberg-Marquardt / Fisher-scoring steps, trapezoid acceptance, projection onto the
constraints of eq. 4, Fisher-metric early stop and CRLB), in double precision. The one
difference: the GPU evaluates ``erf`` natively, the CPU interpolates a table (|error| < 1e-9), so
the two agree to about 1e-7 px rather than to round-off.

Host side: spots go to the device in batches through pinned (page-locked) host buffers on two
CUDA streams, so the copy of one batch overlaps the fit of the previous one; results come back
the same way. CuPy is imported only when this module's functions run.

The kernel source is plain C++ apart from the ``__global__``/``__device__`` qualifiers and the
thread indices, so the tests also compile it with the host C++ compiler (``compile_on_host``)
and check it against the numba kernel on machines without a GPU.
"""

from __future__ import annotations

import numpy as np

from napari_maliang.smlm._lm import DEFAULT_TOLERANCE, cuda_defines

MAX_BOX = 32  # per-thread scratch arrays are sized for boxes up to this many pixels
DEFAULT_BATCH = 1 << 16  # spots per transfer batch (on an H200: 1e6 spots in 117 ms, 140 ms as one batch of 1 << 20)
THREADS_PER_BLOCK = 128

KERNEL_NAME = "maliang_fit_spots"

# the shared Levenberg-Marquardt rules (_lm.py) are generated into the source, not retyped
KERNEL_SOURCE = cuda_defines() + r"""
#define MAX_BOX 32
#define INV_SQRT2 0.70710678118654752440
#define INV_SQRT2PI 0.39894228040143267794

__device__ __forceinline__ double clampd(double v, double lo, double hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

/* Integrated 1-D Gaussian over the box pixels and its derivatives (centre, width). */
__device__ void axis_terms(double centre, double s, int box, double* e, double* de, double* ds, int need_s) {
    double inv = INV_SQRT2 / s;
    double norm = INV_SQRT2PI / s;
    double t0 = -0.5 - centre;
    double u = t0 * inv;
    double erf_prev = erf(u);
    double uend = u + box * inv;
    int direct = (u * u > 600.0) || (uend * uend > 600.0);
    double g_prev = exp(-u * u);
    double ratio = exp(-2.0 * u * inv - inv * inv);
    double shrink = exp(-2.0 * inv * inv);
    for (int k = 0; k < box; ++k) {
        double t1 = t0 + 1.0;
        double erf_next = erf(t1 * inv);
        double g_next;
        if (direct) {
            g_next = exp(-(t1 * inv) * (t1 * inv));
        } else {
            g_next = g_prev * ratio;
            ratio *= shrink;
        }
        e[k] = 0.5 * (erf_next - erf_prev);
        de[k] = norm * (g_prev - g_next);
        if (need_s) ds[k] = norm * (t0 * g_prev - t1 * g_next) / s;
        t0 = t1;
        erf_prev = erf_next;
        g_prev = g_next;
    }
}

/* Gradient of sum(mu - q log mu) and Fisher matrix sum(dmu dmu^T / mu) at th (5 x 5, row-major). */
__device__ void evaluate(const float* spot, int box, const double* th, int npar, double* ex, double* dex,
                         double* dsx, double* ey, double* dey, double* dsy, double* grad, double* fisher) {
    int need_s = npar == 5;
    axis_terms(th[0], th[4], box, ex, dex, dsx, need_s);
    axis_terms(th[1], th[4], box, ey, dey, dsy, need_s);
    double n = th[2], b = th[3];
    double g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0;
    double f00 = 0, f01 = 0, f02 = 0, f03 = 0, f04 = 0, f11 = 0, f12 = 0, f13 = 0, f14 = 0;
    double f22 = 0, f23 = 0, f24 = 0, f33 = 0, f34 = 0, f44 = 0;
    for (int i = 0; i < box; ++i) {
        double eyi = ey[i], nyi = n * ey[i], ndyi = n * dey[i], nsyi = n * dsy[i];
        for (int j = 0; j < box; ++j) {
            double exj = ex[j];
            double q = (double)spot[i * box + j];
            q = q > 0.0 ? q : 0.0;
            double psf = eyi * exj;
            double mu = b + n * psf;
            double w = 1.0 / mu;
            double fac = 1.0 - q * w;
            double j0 = nyi * dex[j];
            double j1 = ndyi * exj;
            double w0 = w * j0, w1 = w * j1, w2 = w * psf;
            g0 += fac * j0; g1 += fac * j1; g2 += fac * psf; g3 += fac;
            f00 += w0 * j0; f01 += w0 * j1; f02 += w0 * psf; f03 += w0;
            f11 += w1 * j1; f12 += w1 * psf; f13 += w1;
            f22 += w2 * psf; f23 += w2; f33 += w;
            if (need_s) {
                double j4 = nyi * dsx[j] + nsyi * exj;
                g4 += fac * j4;
                f04 += w0 * j4; f14 += w1 * j4; f24 += w2 * j4; f34 += w * j4; f44 += w * j4 * j4;
            }
        }
    }
    grad[0] = g0; grad[1] = g1; grad[2] = g2; grad[3] = g3; grad[4] = g4;
    fisher[0] = f00; fisher[1] = fisher[5] = f01; fisher[2] = fisher[10] = f02; fisher[3] = fisher[15] = f03;
    fisher[4] = fisher[20] = f04; fisher[6] = f11; fisher[7] = fisher[11] = f12; fisher[8] = fisher[16] = f13;
    fisher[9] = fisher[21] = f14; fisher[12] = f22; fisher[13] = fisher[17] = f23; fisher[14] = fisher[22] = f24;
    fisher[18] = f33; fisher[19] = fisher[23] = f34; fisher[24] = f44;
}

__device__ double neg_loglik(const float* spot, int box, const double* th, double* ex, double* dex, double* dsx,
                             double* ey, double* dey, double* dsy) {
    axis_terms(th[0], th[4], box, ex, dex, dsx, 0);
    axis_terms(th[1], th[4], box, ey, dey, dsy, 0);
    double nll = 0.0;
    for (int i = 0; i < box; ++i) {
        for (int j = 0; j < box; ++j) {
            double q = (double)spot[i * box + j];
            q = q > 0.0 ? q : 0.0;
            double mu = th[3] + th[2] * ey[i] * ex[j];
            nll += mu - q * log(mu);
        }
    }
    return nll;
}

/* Solve (a + lam diag(a)) out = rhs by Cholesky; 0 when not positive definite. */
__device__ int cholesky_solve(const double* a, const double* rhs, int npar, double lam, double* chol,
                              double* out) {
    for (int p = 0; p < npar; ++p) {
        for (int r = 0; r <= p; ++r) {
            double v = a[p * 5 + r];
            if (p == r) v += lam * a[p * 5 + p];
            for (int k = 0; k < r; ++k) v -= chol[p * 5 + k] * chol[r * 5 + k];
            if (p == r) {
                if (!(v > 0.0)) return 0;
                chol[p * 5 + p] = sqrt(v);
            } else {
                chol[p * 5 + r] = v / chol[r * 5 + r];
            }
        }
    }
    for (int p = 0; p < npar; ++p) {
        double v = rhs[p];
        for (int k = 0; k < p; ++k) v -= chol[p * 5 + k] * out[k];
        out[p] = v / chol[p * 5 + p];
    }
    for (int p = npar - 1; p >= 0; --p) {
        double v = out[p];
        for (int k = p + 1; k < npar; ++k) v -= chol[k * 5 + p] * out[k];
        out[p] = v / chol[p * 5 + p];
    }
    return 1;
}

/* Solve with the damping raised (x DAMP) until the matrix factorises; the damping used, or -1 past LAMBDA_MAX. */
__device__ double damped_solve(const double* a, const double* rhs, int npar, double lam, double* chol,
                               double* out) {
    while (!cholesky_solve(a, rhs, npar, lam, chol, out)) {
        lam *= DAMP;
        if (lam > LAMBDA_MAX) return -1.0;
    }
    return lam;
}

extern "C" __global__ void maliang_fit_spots(
        const float* spots, const double* sigmas, long long n, int box, int fit_sigma, double init_sigma,
        int max_iter, double tol, double* params, double* crlb, double* loglik, unsigned char* converged,
        int* iterations) {
    double ex[MAX_BOX], dex[MAX_BOX], dsx[MAX_BOX], ey[MAX_BOX], dey[MAX_BOX], dsy[MAX_BOX];
    double grad[5], fisher[25], grad_ok[5], fisher_ok[25], chol[25], delta[5], th[5], th_ok[5], col[5], rhs[5];
    int npar = fit_sigma ? 5 : 4;
    double centre = 0.5 * (box - 1);
    long long stride = (long long)gridDim.x * blockDim.x;
    for (long long s_idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; s_idx < n; s_idx += stride) {
        const float* spot = spots + s_idx * box * box;
        /* initial guess */
        double bmin = spot[0], edge = 0.0;
        for (int k = 0; k < box * box; ++k) bmin = spot[k] < bmin ? spot[k] : bmin;
        for (int k = 0; k < box; ++k) edge += (double)spot[k] + (double)spot[(box - 1) * box + k];
        for (int k = 1; k < box - 1; ++k) edge += (double)spot[k * box] + (double)spot[k * box + box - 1];
        edge /= 4 * box - 4;
        double b0 = 0.5 * (bmin + edge);
        if (b0 < 0.1) b0 = 0.1;
        double tot = 0.0, sx = 0.0, sy = 0.0;
        for (int i = 0; i < box; ++i) {
            for (int j = 0; j < box; ++j) {
                double v = (double)spot[i * box + j] - b0;
                if (v > 0.0) { tot += v; sx += v * j; sy += v * i; }
            }
        }
        th[0] = tot > 0.0 ? sx / tot : centre;
        th[1] = tot > 0.0 ? sy / tot : centre;
        th[2] = tot > 1.0 ? tot : 1.0;
        th[3] = b0;
        th[4] = fit_sigma ? init_sigma : sigmas[s_idx];
        /* Levenberg-Marquardt on the Poisson likelihood (paper eq. 4) */
        double lam = LAMBDA0;
        int done = 0, it = 0;
        double eval_n = 0.0, eval_b = 0.0;
        int eval_ok = 0;
        for (int evaluation = 0; evaluation <= max_iter; ++evaluation) {
            evaluate(spot, box, th, npar, ex, dex, dsx, ey, dey, dsy, grad, fisher);
            eval_n = th[2];
            eval_b = th[3];
            int accept = evaluation == 0;
            if (!accept) {
                double change = 0.0;
                for (int p = 0; p < npar; ++p) change += (grad_ok[p] + grad[p]) * (th[p] - th_ok[p]);
                accept = change <= 0.0;
            }
            eval_ok = accept;
            if (accept) {
                for (int p = 0; p < 5; ++p) th_ok[p] = th[p];
                for (int p = 0; p < npar; ++p) {
                    grad_ok[p] = grad[p];
                    for (int r = 0; r < npar; ++r) fisher_ok[p * 5 + r] = fisher[p * 5 + r];
                }
                lam /= DAMP;
                if (lam < LAMBDA_MIN) lam = LAMBDA_MIN;
            } else {
                for (int p = 0; p < 5; ++p) th[p] = th_ok[p];
                lam *= DAMP;
                if (lam > LAMBDA_MAX) break;
            }
            if (evaluation == max_iter) break;
            for (int p = 0; p < npar; ++p) rhs[p] = -grad_ok[p];
            lam = damped_solve(fisher_ok, rhs, npar, lam, chol, delta);
            if (lam < 0.0) break;
            th[0] = clampd(th_ok[0] + clampd(delta[0], -MAX_STEP_XY, MAX_STEP_XY), -1.0, (double)box);
            th[1] = clampd(th_ok[1] + clampd(delta[1], -MAX_STEP_XY, MAX_STEP_XY), -1.0, (double)box);
            double nn = th_ok[2] + delta[2];
            th[2] = nn > 0.0 ? nn : 0.5 * th_ok[2];
            double bb = th_ok[3] + delta[3];
            th[3] = bb > BACKGROUND_FLOOR * (1.0 + th_ok[2]) ? bb : 0.5 * th_ok[3];
            if (fit_sigma) {
                double ss = th_ok[4] + clampd(delta[4], -MAX_STEP_SIGMA, MAX_STEP_SIGMA);
                th[4] = ss > MIN_SIGMA ? ss : 0.5 * (th_ok[4] + MIN_SIGMA);
                if (th[4] > box) th[4] = box;
            }
            it += 1;
            double dist = 0.0;
            for (int p = 0; p < npar; ++p) {
                double acc = 0.0;
                for (int r = 0; r < npar; ++r) acc += fisher_ok[p * 5 + r] * (th[r] - th_ok[r]);
                dist += (th[p] - th_ok[p]) * acc;
            }
            if (dist < tol * tol) {
                done = 1;
                for (int p = 0; p < 5; ++p) th_ok[p] = th[p];
                break;
            }
        }
        for (int p = 0; p < 5; ++p) params[s_idx * 5 + p] = th_ok[p];
        /* CRLB: diagonal of the inverse Fisher matrix */
        for (int p = 0; p < 5; ++p) rhs[p] = 0.0;
        int ok = cholesky_solve(fisher_ok, rhs, npar, 0.0, chol, col);
        for (int p = 0; p < npar; ++p) {
            double var = nan("");
            if (ok) {
                for (int k = 0; k < npar; ++k) col[k] = 0.0;
                col[p] = 1.0;
                for (int k = p; k < npar; ++k) {
                    double v = col[k];
                    for (int m = p; m < k; ++m) v -= chol[k * 5 + m] * col[m];
                    col[k] = v / chol[k * 5 + k];
                }
                var = 0.0;
                for (int k = p; k < npar; ++k) var += col[k] * col[k];
            }
            crlb[s_idx * 5 + p] = var > 0.0 ? sqrt(var) : nan("");
        }
        if (npar == 4) crlb[s_idx * 5 + 4] = 0.0;
        double lf = 0.0;
        for (int k = 0; k < box * box; ++k) {
            double q = (double)spot[k];
            if (q > 0.0) lf += lgamma(q + 1.0);
        }
        double nll = 0.0;
        if (eval_ok) {  /* last accepted evaluation (see the numba kernel) */
            for (int i = 0; i < box; ++i) {
                for (int j = 0; j < box; ++j) {
                    double q = (double)spot[i * box + j];
                    q = q > 0.0 ? q : 0.0;
                    double mu = eval_b + eval_n * ey[i] * ex[j];
                    nll += mu - q * log(mu);
                }
            }
        } else {
            nll = neg_loglik(spot, box, th_ok, ex, dex, dsx, ey, dey, dsy);
        }
        loglik[s_idx] = -nll - lf;
        int inside = th_ok[0] >= -0.5 && th_ok[0] <= box - 0.5 && th_ok[1] >= -0.5 && th_ok[1] <= box - 0.5;
        converged[s_idx] = (unsigned char)(done && inside && isfinite(nll));
        iterations[s_idx] = it;
    }
}
"""

# Host-compiler shim: lets tests build KERNEL_SOURCE as a shared library without CUDA.
HOST_SHIM = r"""
#include <cmath>
using std::erf; using std::exp; using std::log; using std::sqrt; using std::lgamma; using std::isfinite; using std::nan;
#define __global__
#define __device__
#define __forceinline__ inline
struct maliang_dim3 { unsigned int x; };
static const maliang_dim3 blockIdx = {0}, threadIdx = {0}, blockDim = {1}, gridDim = {1};
"""


def compile_on_host(path, *, compiler: str = "g++"):
    """Build ``KERNEL_SOURCE`` with the host C++ compiler into a ctypes library (tests only).

    With the one-thread grid of ``HOST_SHIM`` the grid-stride loop visits every spot, so
    the result must equal the numba kernel's; this checks the CUDA code's arithmetic on
    machines without a GPU.
    """
    import ctypes
    import subprocess
    from pathlib import Path

    path = Path(path)
    src = path.with_suffix(".cpp")
    src.write_text(HOST_SHIM + KERNEL_SOURCE)
    subprocess.run([compiler, "-O2", "-shared", "-fPIC", "-o", str(path), str(src)], check=True,
                   capture_output=True, text=True)
    lib = ctypes.CDLL(str(path))
    fn = getattr(lib, KERNEL_NAME)
    p = ctypes.c_void_p
    fn.argtypes = [p, p, ctypes.c_longlong, ctypes.c_int, ctypes.c_int, ctypes.c_double, ctypes.c_int,
                   ctypes.c_double, p, p, p, p, p]
    fn.restype = None

    def run(spots, sigmas, fit_sigma, init_sigma, max_iter, tol):
        spots = np.ascontiguousarray(spots, dtype=np.float32)
        sigmas = np.ascontiguousarray(sigmas, dtype=np.float64)
        n, box = spots.shape[0], spots.shape[1]
        params = np.zeros((n, 5))
        crlb = np.zeros((n, 5))
        loglik = np.zeros(n)
        conv = np.zeros(n, np.uint8)
        iters = np.zeros(n, np.int32)
        fn(spots.ctypes.data, sigmas.ctypes.data, n, box, int(fit_sigma), float(init_sigma), int(max_iter),
           float(tol), params.ctypes.data, crlb.ctypes.data, loglik.ctypes.data, conv.ctypes.data,
           iters.ctypes.data)
        return params, crlb, loglik, conv.astype(bool), iters

    run.raw = fn  # the ctypes function itself (pointer arguments), for launch-level tests
    return run


_KERNEL_CACHE: dict = {}


def _kernel():
    """The compiled ``RawKernel`` (compiled once per process; CuPy also caches it on disk)."""
    import cupy

    dev = cupy.cuda.Device().id
    if dev not in _KERNEL_CACHE:
        module = cupy.RawModule(code=KERNEL_SOURCE, options=("-std=c++14",))
        _KERNEL_CACHE[dev] = module.get_function(KERNEL_NAME)
    return _KERNEL_CACHE[dev]


def fit_spots_gpu(
    spots,
    *,
    sigma=None,
    iterations: int = 10,
    tolerance: float = DEFAULT_TOLERANCE,
    excess_noise: float = 1.0,
    initial_sigma: float = 1.3,
    threads: int | None = None,
    batch: int = DEFAULT_BATCH,
):
    """Fit every spot on the GPU, one CUDA thread per spot; same contract as ``fit_spots``.

    ``spots`` may be a NumPy array (streamed to the device in ``batch``-sized pieces through
    pinned memory on two streams, copies overlapping the fits) or a CuPy array already on the
    device (fitted in place, no host transfers). ``threads`` is accepted for signature
    compatibility and ignored. Results are NumPy arrays in a :class:`FitResult`.
    """
    import cupy

    from napari_maliang.smlm._fit_common import check_fit_options, check_spots, fit_result, raise_not_finite

    on_device = type(spots).__module__.startswith("cupy")
    if on_device:
        arr = cupy.ascontiguousarray(spots, dtype=cupy.float32)
        if arr.ndim == 2:
            arr = arr[None]
        if arr.ndim != 3 or arr.shape[1] != arr.shape[2]:
            raise ValueError(f"spots must have shape (n, box, box) with square boxes, got {arr.shape}")
    else:
        arr = check_spots(spots, finite=False)  # scanned for NaN/inf on the device, batch by batch
    n, box = int(arr.shape[0]), int(arr.shape[1])
    if box > MAX_BOX:
        raise ValueError(f"the GPU fitter supports boxes up to {MAX_BOX} pixels, got {box}; use backend='cpu'")
    sigmas, fit_sigma, iterations, tolerance, excess_noise, initial_sigma = check_fit_options(
        n, sigma, iterations, tolerance, excess_noise, initial_sigma
    )
    batch = int(batch)
    if batch < 1:
        raise ValueError(f"batch must be >= 1, got {batch}")
    params = np.empty((n, 5))
    crlb = np.empty((n, 5))
    loglik = np.empty(n)
    conv = np.zeros(n, np.bool_)
    iters = np.zeros(n, np.int32)
    if n == 0:
        return fit_result(params, crlb, loglik, conv, iters, excess_noise)
    kernel = _kernel()
    d_sigmas = cupy.asarray(sigmas)
    cupy.cuda.get_current_stream().synchronize()  # d_sigmas is ready before the side streams use it

    def launch(d_spots, lo, m, out):
        """Launch on the current stream (callers enter ``with stream:``)."""
        blocks = (m + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
        kernel((blocks,), (THREADS_PER_BLOCK,),
               (d_spots, d_sigmas[lo:lo + m], np.int64(m), np.int32(box), np.int32(fit_sigma),
                np.float64(initial_sigma), np.int32(iterations), np.float64(tolerance), *out))

    def device_outputs(m):
        return (cupy.empty((m, 5)), cupy.empty((m, 5)), cupy.empty(m), cupy.empty(m, cupy.uint8),
                cupy.empty(m, cupy.int32))

    def not_finite(d_spots):
        """Device count of the spots with a NaN or infinite pixel (no host synchronisation)."""
        return cupy.count_nonzero(~cupy.isfinite(d_spots).all(axis=(1, 2)))

    if on_device:
        if arr.size and (bad := int(not_finite(arr))):
            raise_not_finite(bad)
        out = device_outputs(n)
        launch(arr, 0, n, out)
        p, c, ll, cv, it = (o.get() for o in out)
        return fit_result(p, c, ll, cv.astype(bool), it, excess_noise)

    # Streamed batches: pinned host staging buffers, two streams in ping-pong.
    batch = min(batch, n)
    streams = [cupy.cuda.Stream(non_blocking=True) for _ in range(2)]
    per_spot_in = box * box * 4
    pinned_in = [cupy.cuda.alloc_pinned_memory(batch * per_spot_in) for _ in range(2)]
    host_in = [np.frombuffer(buf, np.float32, batch * box * box).reshape(batch, box, box) for buf in pinned_in]
    dev_in = [cupy.empty((batch, box, box), cupy.float32) for _ in range(2)]
    dev_out = [device_outputs(batch) for _ in range(2)]
    pending = [None, None]  # (lo, m) fitted on that slot, to be copied back
    bad = [cupy.zeros((), cupy.int64) for _ in range(2)]  # per stream: spots with NaN/inf pixels so far

    def collect(slot):
        lo, m = pending[slot]
        streams[slot].synchronize()
        p, c, ll, cv, it = dev_out[slot]
        params[lo:lo + m] = p[:m].get(stream=streams[slot])
        crlb[lo:lo + m] = c[:m].get(stream=streams[slot])
        loglik[lo:lo + m] = ll[:m].get(stream=streams[slot])
        conv[lo:lo + m] = cv[:m].get(stream=streams[slot]).astype(bool)
        iters[lo:lo + m] = it[:m].get(stream=streams[slot])
        pending[slot] = None

    for k, lo in enumerate(range(0, n, batch)):
        slot = k % 2
        if pending[slot] is not None:
            collect(slot)  # the slot's previous batch is done before its buffers are reused
        m = min(batch, n - lo)
        host_in[slot][:m] = arr[lo:lo + m]
        with streams[slot]:
            dev_in[slot][:m].set(host_in[slot][:m], stream=streams[slot])
            bad[slot] += not_finite(dev_in[slot][:m])
            launch(dev_in[slot], lo, m, dev_out[slot])
        pending[slot] = (lo, m)
    for slot in (0, 1):
        if pending[slot] is not None:
            collect(slot)
    if n_bad := int(bad[0]) + int(bad[1]):
        raise_not_finite(n_bad)
    return fit_result(params, crlb, loglik, conv, iters, excess_noise)
