"""GPU twin of the spot fitter.

Without a device, the CUDA kernel source is still checked: compiled by nvcc to PTX (when nvcc
is installed) and built with the host C++ compiler through ``fit_gpu.HOST_SHIM``, where it must
reproduce the numba kernel to round-off. The ``gpu``-marked tests run the real thing.
"""

import shutil

import numpy as np
import pytest

from napari_maliang._backend import has_gpu
from napari_maliang.smlm import fit_gpu
from napari_maliang.smlm.fit import fit_spots
from napari_maliang.smlm.simulate import simulate_spots

gpu = pytest.mark.gpu
needs_gpu = pytest.mark.skipif(not has_gpu(), reason="needs cupy and a CUDA device")


@pytest.fixture(scope="module")
def host_kernel(tmp_path_factory):
    if shutil.which("g++") is None:
        pytest.skip("no host C++ compiler")
    return fit_gpu.compile_on_host(tmp_path_factory.mktemp("kernel") / "libfit.so")


@pytest.mark.parametrize("sigma", [None, 1.3])
def test_cuda_source_matches_numba_kernel_on_host(host_kernel, sigma):
    spots, _ = simulate_spots(2000, photons=(100, 5000), background=(2, 30), seed=6)
    spots[:5] = 0  # degenerate spots take the same path too
    cpu = fit_spots(spots, sigma=sigma, threads=1, backend="cpu")
    params, crlb, loglik, conv, iters = host_kernel(spots, np.full(len(spots), 1.3), sigma is None, 1.3, 10, 0.1)
    # the CUDA kernel uses the native erf, the numba kernel a table (|error| < 1e-9)
    for k, name in enumerate(("x", "y", "photons", "background", "sigma")):
        np.testing.assert_allclose(params[:, k], getattr(cpu, name), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(crlb[:, 0], cpu.crlb_x, rtol=1e-5, equal_nan=True)
    np.testing.assert_allclose(loglik, cpu.log_likelihood, rtol=1e-7, atol=1e-3)
    assert np.mean(conv == cpu.converged) > 0.995
    assert np.mean(iters == cpu.iterations) > 0.99


def test_cuda_source_compiles_with_nvcc(tmp_path):
    import subprocess

    if shutil.which("nvcc") is None:
        pytest.skip("nvcc not installed")
    src = tmp_path / "k.cu"
    src.write_text(fit_gpu.KERNEL_SOURCE)
    out = subprocess.run(["nvcc", "-ptx", "-std=c++14", "-arch=sm_80", str(src), "-o", str(tmp_path / "k.ptx")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert fit_gpu.KERNEL_NAME in (tmp_path / "k.ptx").read_text()


def test_gpu_backend_without_device_is_a_clear_error():
    if has_gpu():
        pytest.skip("a GPU is present")
    with pytest.raises(RuntimeError, match="backend='cpu'"):
        fit_spots(np.zeros((2, 7, 7)), backend="gpu")


@gpu
@needs_gpu
@pytest.mark.parametrize("sigma", [None, 1.3])
def test_gpu_matches_cpu(sigma):
    spots, _ = simulate_spots(20000, photons=(200, 5000), seed=3)
    cpu = fit_spots(spots, sigma=sigma, backend="cpu")
    dev = fit_spots(spots, sigma=sigma, backend="gpu")
    np.testing.assert_allclose(dev.x, cpu.x, atol=1e-6)
    np.testing.assert_allclose(dev.y, cpu.y, atol=1e-6)
    np.testing.assert_allclose(dev.photons, cpu.photons, rtol=1e-6)
    np.testing.assert_allclose(dev.crlb_x, cpu.crlb_x, rtol=1e-6)
    assert (dev.converged == cpu.converged).mean() > 0.999


@gpu
@needs_gpu
def test_gpu_batches_streams_and_device_input():
    import cupy

    spots, _ = simulate_spots(5001, seed=4)
    whole = fit_gpu.fit_spots_gpu(spots)
    batched = fit_gpu.fit_spots_gpu(spots, batch=1000)  # 6 batches through both streams
    np.testing.assert_array_equal(whole.x, batched.x)
    on_device = fit_gpu.fit_spots_gpu(cupy.asarray(spots))
    np.testing.assert_array_equal(whole.x, on_device.x)
    with pytest.raises(ValueError, match="up to"):
        fit_gpu.fit_spots_gpu(np.zeros((2, 33, 33), np.float32))


# --------------------------------------------------------------------------------------------
# The host side of fit_spots_gpu (batching, pinned staging buffers, two streams, device input)
# against a minimal stand-in for CuPy whose "kernel" is the host-compiled CUDA source.


class _FakeDeviceArray(np.ndarray):
    def set(self, arr, stream=None):
        self[...] = arr

    def get(self, stream=None):
        return np.array(self)


_FakeDeviceArray.__module__ = "cupy_standin"


def _fake_cupy(raw_kernel):
    import types

    def wrap(a):
        return np.asarray(a).view(_FakeDeviceArray)

    class Stream:
        def __init__(self, non_blocking=False):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def synchronize(self):
            pass

    class Function:
        launches = 0

        def __call__(self, grid, block, args):
            Function.launches += 1
            assert block == (fit_gpu.THREADS_PER_BLOCK,) and grid[0] * block[0] >= int(args[2])
            ptrs = [a.ctypes.data if isinstance(a, np.ndarray) else a for a in args]
            raw_kernel(*[int(p) if isinstance(p, (np.integer,)) else p for p in ptrs])

    class RawModule:
        def __init__(self, code, options=()):
            assert fit_gpu.KERNEL_NAME in code

        def get_function(self, name):
            return Function()

    cuda = types.SimpleNamespace(
        Device=lambda: types.SimpleNamespace(id=0, mem_info=(2**30, 2**31)),  # 1 GiB free
        Stream=Stream,
        get_current_stream=lambda: Stream(),
        alloc_pinned_memory=lambda nbytes: bytearray(nbytes),
    )
    mod = types.SimpleNamespace(
        cuda=cuda, RawModule=RawModule, float32=np.float32, uint8=np.uint8, int32=np.int32,
        asarray=wrap, ascontiguousarray=lambda a, dtype=None: wrap(np.ascontiguousarray(a, dtype=dtype)),
        empty=lambda shape, dtype=np.float64: wrap(np.empty(shape, dtype)),
        zeros=lambda shape, dtype=np.float64: wrap(np.zeros(shape, dtype)), int64=np.int64,
        isfinite=np.isfinite, count_nonzero=np.count_nonzero,
    )
    return mod, Function


def test_host_side_batching_and_device_input_with_a_cupy_standin(host_kernel, monkeypatch):
    import sys

    fake, function = _fake_cupy(host_kernel.raw)
    monkeypatch.setitem(sys.modules, "cupy", fake)
    monkeypatch.setattr(fit_gpu, "_KERNEL_CACHE", {})
    spots, _ = simulate_spots(2500, photons=(200, 3000), seed=9)
    cpu = fit_spots(spots, sigma=1.3, threads=1, backend="cpu")
    whole = fit_gpu.fit_spots_gpu(spots, sigma=1.3)
    batched = fit_gpu.fit_spots_gpu(spots, sigma=1.3, batch=600)  # 5 batches, both slots reused
    assert function.launches == 1 + 5
    on_device = fit_gpu.fit_spots_gpu(fake.asarray(spots), sigma=1.3, excess_noise=2.0)
    for res in (whole, batched):
        np.testing.assert_array_equal(res.x, whole.x)
        np.testing.assert_allclose(res.x, cpu.x, atol=1e-5)
        np.testing.assert_allclose(res.crlb_y, cpu.crlb_y, rtol=1e-5)
        assert res.converged.dtype == bool and res.iterations.dtype == np.int32
    np.testing.assert_array_equal(on_device.x, whole.x)
    np.testing.assert_allclose(on_device.crlb_x, 2 * whole.crlb_x)
    with pytest.raises(ValueError, match="up to"):
        fit_gpu.fit_spots_gpu(np.zeros((2, 33, 33), np.float32))
    with pytest.raises(ValueError, match="^2 spot.s. contain NaN"):
        fit_gpu.fit_spots_gpu(fake.asarray(np.full((2, 7, 7), np.nan, np.float32)))
    bad = spots.copy()
    bad[[5, 1300, 2499], 3, 2] = [np.nan, np.inf, -np.inf]  # in batches 1, 3 and 5, on both streams
    with pytest.raises(ValueError, match="^3 spot.s. contain NaN"):  # scanned on the device, counted over batches
        fit_gpu.fit_spots_gpu(bad, sigma=1.3, batch=600)
    assert len(fit_gpu.fit_spots_gpu(np.zeros((0, 7, 7)))) == 0


def test_gpu_chunks_with_a_cupy_standin(monkeypatch):
    import sys

    from napari_maliang.smlm.pipeline import _chunk_frames

    fake, _ = _fake_cupy(None)
    monkeypatch.setitem(sys.modules, "cupy", fake)
    assert _chunk_frames(None, (100, 512, 512), "cpu") == 32
    assert _chunk_frames(None, (100, 512, 512), "gpu") == 64  # a sixteenth of the 1 GiB free: 64 MiB of float32
    assert _chunk_frames(7, (100, 512, 512), "gpu") == 7


def test_cuda_rules_are_generated_from_the_shared_lm_constants():
    """The CUDA kernel's damping, step limits and background floor are the numba kernels' (smlm/_lm.py), not
    retyped: every rule constant is #defined from Python and no rule literal remains in the kernel body."""
    import re

    from napari_maliang.smlm import _lm

    defines = dict(re.findall(r"^#define (\w+) (\S+)$", fit_gpu.KERNEL_SOURCE, flags=re.MULTILINE))
    for name in ("LAMBDA0", "LAMBDA_MIN", "LAMBDA_MAX", "DAMP", "MIN_SIGMA", "MAX_STEP_XY", "MAX_STEP_SIGMA",
                 "BACKGROUND_FLOOR"):
        assert float(defines[name]) == getattr(_lm, name)
    body = fit_gpu.KERNEL_SOURCE.split("maliang_fit_spots(", 1)[1]
    for literal in ("1e-7", "1e-6", "1e6", "lam *= 10", "lam *= 0.1"):
        assert literal not in body
    assert "damped_solve" in body
    import inspect

    assert inspect.signature(fit_gpu.fit_spots_gpu).parameters["tolerance"].default == _lm.DEFAULT_TOLERANCE
