import numpy as np
import pytest

from napari_maliang._backend import has_gpu
from napari_maliang.smlm.detect import check_box, detect, extract_spots, noise_std, reject_wide
from napari_maliang.smlm.simulate import simulate_movie


@pytest.fixture(scope="module")
def movie():
    return simulate_movie(frames=6, shape=(96, 96), n_emitters=12, photons=(800, 3000), background=20,
                          min_distance=9, seed=3)


def test_finds_every_isolated_emitter(movie):
    frames, truth = movie
    det = detect(frames, backend="cpu")
    for f in range(frames.shape[0]):
        t = truth[truth.frame == f][["y", "x"]].to_numpy()
        d = np.column_stack([det.y[det.frame == f], det.x[det.frame == f]])
        dist = np.hypot(t[:, None, 0] - d[None, :, 0], t[:, None, 1] - d[None, :, 1])
        assert (dist.min(axis=1) <= 1.5).all()  # recall 1
        assert (dist.min(axis=0) <= 1.5).all()  # no false detections
    assert len(det) == len(truth)


def test_noise_estimate_is_robust():
    rng = np.random.default_rng(0)
    frames = rng.poisson(20, (3, 128, 128)).astype(np.float32)
    sd = noise_std(frames)
    # std of (3x3 mean - 16-pixel ring mean) of Poisson(20): sqrt(20/9 + 20/16)
    np.testing.assert_allclose(sd, np.sqrt(20 / 9 + 20 / 16), rtol=0.05)
    frames[:, 10:40, 10:40] += 500  # a bright object barely moves the MAD
    np.testing.assert_allclose(noise_std(frames), sd, rtol=0.1)


def test_border_spots_get_boxes_inside_frame():
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:40, 0:50]
    spots_at = [(0, 0), (39, 49), (20, 1), (2, 48)]
    frame = np.full((40, 50), 10.0)
    for y, x in spots_at:
        frame += 300 * np.exp(-((yy - y) ** 2 + (xx - x) ** 2) / (2 * 1.3**2))
    frame = rng.poisson(frame).astype(np.float32)
    det = detect(frame, box=7, backend="cpu")
    assert len(det) == 4
    assert (det.y0 >= 0).all() and (det.x0 >= 0).all()
    assert (det.y0 + 7 <= 40).all() and (det.x0 + 7 <= 50).all()
    found = sorted(zip(det.y.tolist(), det.x.tolist(), strict=True))
    for (y, x), (dy, dx) in zip(sorted(spots_at), found, strict=True):
        assert abs(y - dy) <= 1 and abs(x - dx) <= 1
    spots = extract_spots(frame, det)
    assert spots.shape == (4, 7, 7)
    for k in range(4):  # the box holds the maximum pixel
        assert spots[k, det.y[k] - det.y0[k], det.x[k] - det.x0[k]] == frame[det.y[k], det.x[k]]


def test_plateau_gives_one_detection():
    frame = np.zeros((30, 30), np.float32)
    frame[10:12, 10:12] = 1000.0  # flat 2x2 top
    frame += np.random.default_rng(0).poisson(1, frame.shape)
    frame[10:12, 10:12] = 1000.0
    assert len(detect(frame, backend="cpu")) == 1


def test_empty_constant_and_saturated_frames():
    assert len(detect(np.zeros((2, 32, 32), np.uint16), backend="cpu")) == 0
    assert len(detect(np.full((32, 32), 65535, np.uint16), backend="cpu")) == 0


def test_integer_and_float_input_agree(movie):
    frames, _ = movie
    a = detect(frames, backend="cpu")
    b = detect(frames.astype(np.float32) * 2.5 + 100, backend="cpu")  # gain + offset: same maxima
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)


@pytest.mark.parametrize("box", [6, 1, 101])
def test_bad_box(box):
    with pytest.raises(ValueError, match="box"):
        detect(np.zeros((50, 50)), box=box)


def test_bad_arguments():
    with pytest.raises(TypeError):
        check_box(7.0)
    with pytest.raises(ValueError, match="threshold"):
        detect(np.zeros((20, 20)), threshold=-1)


def test_reject_wide():
    sigma = np.r_[np.random.default_rng(0).normal(1.3, 0.03, 200), 2.5]
    keep = reject_wide(sigma)
    assert not keep[-1] and keep[:-1].mean() > 0.99
    # a dim spot with a large width uncertainty is kept with the per-spot rule
    sd = np.r_[np.full(200, 0.03), 0.5]
    assert reject_wide(sigma, sigma_std=sd)[-1]


@pytest.mark.gpu
@pytest.mark.skipif(not has_gpu(), reason="needs a CUDA device")
def test_gpu_twin_same_detections(movie):
    import cupy as cp

    frames, _ = movie
    a = detect(frames, backend="cpu")
    b = detect(cp.asarray(frames), backend="gpu")
    np.testing.assert_array_equal(a.frame, b.frame)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)


def test_array_twin_matches_numba_kernel(movie):
    """The GPU twin's code path, run with numpy + scipy.ndimage, finds the same maxima."""
    from scipy import ndimage

    from napari_maliang.smlm.detect import _detect_array

    frames, _ = movie
    stack = frames.astype(np.float32)
    ref = detect(stack, backend="cpu")
    f, y, x, s, sd = _detect_array(stack, 3, 5, 5.0, 2, np, ndimage)
    np.testing.assert_allclose(sd, ref.noise, rtol=1e-3)
    np.testing.assert_array_equal(f, ref.frame)
    np.testing.assert_array_equal(y, ref.y)
    np.testing.assert_array_equal(x, ref.x)
    np.testing.assert_allclose(s, ref.score, rtol=1e-4)
