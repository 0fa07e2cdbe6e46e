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
