"""The low-light tool without OpenCV (issue #15, lean install).

Our replacements of ``cv2.resize`` (``INTER_AREA``, ``INTER_LINEAR``), ``cv2.GaussianBlur``,
``cv2.bilateralFilter`` and the OpenCV GP prediction are checked against the outputs OpenCV gave on
the same seeded inputs, stored in ``data/opencv_reference.npz`` by ``data/make_opencv_reference.py``;
then ``enhance`` runs with OpenCV made unimportable. No test here imports OpenCV.
"""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

from napari_maliang._progress import Progress, run_to_end
from napari_maliang._shared.resample import resize_area, resize_linear
from napari_maliang.lowlight import gp as G
from napari_maliang.lowlight._image import bilateral
from napari_maliang.lowlight.reference import _gaussian_blur

DATA = os.path.join(os.path.dirname(__file__), "data")
_spec = importlib.util.spec_from_file_location("make_opencv_reference", os.path.join(DATA, "make_opencv_reference.py"))
REF = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(REF)  # the case lists, the seeded inputs and the GP model (no OpenCV at import)
ULP1 = np.finfo(np.float32).eps  # one float32 ulp at 1.0


@pytest.fixture(scope="module")
def opencv():
    with np.load(os.path.join(DATA, "opencv_reference.npz")) as f:
        return {k: f[k] for k in f.files}


@pytest.fixture(scope="module")
def inputs():
    return REF.inputs()


@pytest.mark.parametrize(("name", "shape", "out_shape"), REF.AREA, ids=[c[0] for c in REF.AREA])
def test_resize_area_is_opencv_bit_for_bit(opencv, inputs, name, shape, out_shape):
    got = resize_area(inputs[name], out_shape)
    assert got.dtype == np.float32 and got.shape == opencv[name].shape
    # bit for bit: a resized photo gets seeded Poisson noise in the benchmark and the samples
    np.testing.assert_array_equal(got, opencv[name])


@pytest.mark.parametrize(("name", "shape", "out_shape"), REF.LINEAR, ids=[c[0] for c in REF.LINEAR])
def test_resize_linear_matches_opencv(opencv, inputs, name, shape, out_shape):
    got = resize_linear(inputs[name], out_shape)
    assert got.dtype == np.float32 and got.shape == opencv[name].shape
    np.testing.assert_allclose(got, opencv[name], rtol=0, atol=2 * ULP1)


@pytest.mark.parametrize(("name", "shape", "sigma"), REF.GAUSS, ids=[c[0] for c in REF.GAUSS])
def test_gaussian_blur_matches_opencv(opencv, inputs, name, shape, sigma):
    np.testing.assert_allclose(_gaussian_blur(inputs[name], sigma), opencv[name], rtol=0, atol=2 * ULP1)


@pytest.mark.parametrize(("name", "shape", "sigma_color"), REF.BILATERAL, ids=[c[0] for c in REF.BILATERAL])
def test_bilateral_matches_opencv(opencv, inputs, name, shape, sigma_color):
    got = bilateral(inputs[name], sigma_color)
    assert got.dtype == np.float32 and got.shape == inputs[name].shape
    # OpenCV reads the range weight from a 4096-bin table, we compute it: measured <= 1.2e-7 here,
    # <= 6e-7 on megapixel photos
    np.testing.assert_allclose(got, opencv[name], rtol=0, atol=1e-6)


@pytest.mark.parametrize(("name", "shape"), REF.NOISE, ids=[c[0] for c in REF.NOISE])
def test_noise_estimate_matches_opencv(opencv, inputs, name, shape):
    from napari_maliang.lowlight.noise import estimate_noise

    assert estimate_noise(inputs[name]) == pytest.approx(float(opencv[name]), rel=1e-6)


def test_bilateral_edge_cases(rng):
    flat = np.full((6, 7), 0.3, np.float32)
    np.testing.assert_array_equal(bilateral(flat, 0.1), flat)  # a constant image is returned as it is
    img = rng.random((6, 7, 3)).astype(np.float32)
    np.testing.assert_array_equal(bilateral(img, 1e-7), img)  # sigma <= 1e-6: a copy
    tiny = rng.random((2, 1)).astype(np.float32)
    assert bilateral(tiny, 0.2).shape == (2, 1)
    with pytest.raises(ValueError, match=r"\(H, W\) or \(H, W, 3\)"):
        bilateral(np.zeros((4, 4, 2), np.float32), 0.1)


@pytest.mark.parametrize(("name", "shape", "patch"), REF.GP, ids=[c[0] for c in REF.GP])
def test_gp_prediction_matches_opencv_and_the_reference(opencv, inputs, name, shape, patch):
    model = REF.gp_model(patch)
    plane = inputs[name]
    fused = run_to_end(G.predict_plane_cpu(model, plane, patch=patch))
    assert fused.dtype == np.float32 and fused.shape == plane.shape
    np.testing.assert_allclose(fused, opencv[name], rtol=0, atol=1e-6)  # measured <= 1.5e-7
    ref = run_to_end(G.predict_plane_reference(model, plane, patch=patch))
    np.testing.assert_allclose(fused, ref, rtol=0, atol=1e-6)


def test_gp_prediction_reports_progress_by_rows(inputs):
    model = REF.gp_model((3, 3))
    plane = inputs["gp_3x3"]  # 12 x 13
    gen = G.predict_plane_cpu(model, plane, chunk=2 * plane.shape[1])  # 2 rows per step
    steps = []
    while True:
        try:
            steps.append(next(gen))
        except StopIteration as stop:
            out = stop.value
            break
    assert all(isinstance(s, Progress) for s in steps)
    assert [s.fraction for s in steps] == pytest.approx([r / 12 for r in range(2, 13, 2)])
    np.testing.assert_array_equal(out, run_to_end(G.predict_plane_cpu(model, plane)))


def test_resize_shapes_and_errors(rng):
    img = rng.random((5, 6, 1)).astype(np.float32)
    assert resize_area(img, (3, 2)).shape == (3, 2, 1)
    assert resize_linear(img, (9, 11)).shape == (9, 11, 1)
    same = resize_area(img[..., 0], (5, 6))
    np.testing.assert_array_equal(same, img[..., 0])
    assert same is not img
    with pytest.raises(ValueError, match="at least 1 x 1"):
        resize_area(img, (0, 3))
    with pytest.raises(TypeError, match="rows, columns"):
        resize_linear(img, 4)
    with pytest.raises(ValueError, match=r"\(H, W\) or \(H, W, C\)"):
        resize_area(np.zeros(4), (2, 2))


def test_area_mean_is_the_area_weighted_mean(rng):
    # the equation of the docstring, independently of OpenCV: 5 -> 2 along both axes
    img = rng.random((5, 5)).astype(np.float64)
    w = np.array([[1, 1, 0.5, 0, 0], [0, 0, 0.5, 1, 1]]) / 2.5
    np.testing.assert_allclose(resize_area(img, (2, 2)), w @ img @ w.T, rtol=1e-6)


def test_enhance_runs_without_opencv(monkeypatch, dark_pair):
    """OpenCV unimportable: every low-light path still runs (the photon filter, the reference with
    its illumination map, the GP on the CPU, the output bilateral, the sample photos)."""
    from napari_maliang.lowlight import enhance, estimate_stack_gamma, lime_enhance
    from napari_maliang.lowlight.samples import darken, photo

    monkeypatch.setitem(sys.modules, "cv2", None)  # `import cv2` would now raise ImportError
    dark = dark_pair[0][:48, :40]
    out = enhance(dark, k=8, backend="cpu", denoise=0.05)
    assert out.shape == dark.shape and out.dtype == np.float32 and np.isfinite(out).all()
    gray = enhance(dark.mean(axis=2), k=8, backend="cpu", model="luminance", reference="lime")
    assert gray.shape == dark.shape[:2]
    assert lime_enhance(dark).shape == dark.shape
    assert np.isfinite(estimate_stack_gamma(np.stack([dark, dark]))[0])
    assert photo("coffee", size=37).shape[1] == 37 and darken(photo("rocket", size=20)).max() <= 1


def test_importing_the_low_light_tool_imports_neither_opencv_nor_numba():
    code = (
        "import sys\n"
        "import napari_maliang.lowlight as L\n"
        "from napari_maliang.lowlight import enhancement, gp, noise, reference, samples, training, _image\n"
        "from napari_maliang._shared import resample\n"
        "L.enhance\n"
        "print(sorted(m for m in ('cv2', 'numba') if m in sys.modules))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "[]"


def test_vectorised_exp_is_float32_accurate():
    from napari_maliang.lowlight._kernels_numba import _exp_nonpositive

    t = np.concatenate([-np.geomspace(1e-8, 87, 20001), [0.0, -86.99, -87.5, -200.0, 3.0]]).astype(np.float32)
    out = np.empty_like(t)
    _exp_nonpositive(t, np.empty(t.size, np.int32), out)
    exact = np.exp(np.minimum(t.astype(np.float64), 0.0))
    ok = t > -87
    np.testing.assert_allclose(out[ok], exact[ok], rtol=2 * ULP1, atol=0)
    assert out[-5] == 1.0 and out[-1] == 1.0  # exp(0); positive arguments are clipped to 0
    assert (out[~ok] == 0).all()  # below e^-87 (1.6e-38): 0, not a denormal
