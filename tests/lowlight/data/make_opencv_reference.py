"""Write ``opencv_reference.npz``: OpenCV's outputs that tests/lowlight/test_no_opencv.py checks our
OpenCV-free replacements against (issue #15, lean install).

Made once with opencv-python-headless 5.1 on x86-64 (``python tests/lowlight/data/make_opencv_reference.py``);
the package itself no longer uses OpenCV. Inputs are not stored: the test draws them again from the
same seeds (``inputs()``). The GP prediction is the one OpenCV computed before the numba kernel
replaced it (``_predict_plane_cv2`` of commit 1d301d5, copied below).
"""

from __future__ import annotations

import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

#: (name, input shape, output (rows, cols)) for the resize checks
AREA = [
    ("area_gray_frac", (13, 17), (5, 7)),  # non-integer factors
    ("area_gray_int3", (12, 18), (4, 6)),  # integer factor 3: block mean
    ("area_gray_int2", (8, 22), (4, 11)),  # factor 2 on one channel (OpenCV's SIMD branch)
    ("area_rgb_frac", (11, 9, 3), (4, 5)),
    ("area_rgb_int2", (10, 12, 3), (5, 6)),
    ("area_rgb_grow", (5, 4, 3), (9, 11)),  # enlarging: OpenCV's two-tap variant
    ("area_gray_mixed", (6, 10), (9, 4)),  # taller, narrower
    ("area_gray_row", (1, 9), (1, 4)),
]
LINEAR = [
    ("linear_gray_up", (7, 9), (12, 17)),
    ("linear_rgb_up", (6, 5, 3), (11, 13)),
    ("linear_gray_down", (15, 12), (6, 7)),
    ("linear_row", (1, 6), (3, 10)),  # a 1-row image: OpenCV's own loop (not IPP)
]
BILATERAL = [
    ("bilateral_gray_005", (10, 13), 0.05),
    ("bilateral_gray_02", (9, 7), 0.2),
    ("bilateral_gray_0005", (12, 12), 0.005),
    ("bilateral_rgb_01", (8, 9, 3), 0.1),
    ("bilateral_rgb_003", (7, 10, 3), 0.03),
]
GAUSS = [("gauss_1", (9, 11), 1.0), ("gauss_thin", (6, 1), 1.0), ("gauss_17", (12, 10), 1.7)]
NOISE = [("noise_rgb", (40, 30, 3))]  # estimate_noise: Immerkaer's operator by cv2.filter2D
GP = [("gp_3x3", (12, 13), (3, 3)), ("gp_2x3", (9, 14), (2, 3)), ("gp_1x1", (5, 6), (1, 1)), ("gp_row", (1, 8), (3, 3))]


def inputs():
    """The seeded inputs of every case, float32 on 0..1 (bilateral: in 0.1..0.8)."""
    out = {}
    for i, (name, shape, _) in enumerate(AREA + LINEAR + GAUSS):
        out[name] = np.random.default_rng(100 + i).random(shape).astype(np.float32)
    for i, (name, shape, _) in enumerate(BILATERAL):
        out[name] = (0.1 + 0.7 * np.random.default_rng(200 + i).random(shape)).astype(np.float32)
    for i, (name, shape, _) in enumerate(GP):
        out[name] = np.random.default_rng(300 + i).random(shape).astype(np.float32)
    for i, (name, shape) in enumerate(NOISE):
        rng = np.random.default_rng(400 + i)
        smooth = np.linspace(0.05, 0.6, shape[0] * shape[1] * shape[2]).reshape(shape)
        out[name] = np.clip(rng.poisson(smooth * 500) / 500, 0, 1).astype(np.float32)
    return out


def gp_model(patch, seed=7):
    """A fixed GP model (not fitted: random centres and weights of a sensible size)."""
    from napari_maliang.lowlight.gp import GPModel

    p, q = patch
    rng = np.random.default_rng(seed)
    k, d = 6, p * q
    return GPModel(
        x=rng.random((k, d)).astype(np.float32),
        alpha=(0.3 * rng.standard_normal((k, d))).astype(np.float32),
        y_mean=(0.5 + 0.1 * rng.standard_normal(d)).astype(np.float32),
        signal_std=0.8,
        lengthscale=0.6,
        noise_std=0.05,
        slope=0.4,
    )


def _predict_plane_cv2(model, plane, patch=(3, 3)):  # the removed OpenCV implementation (commit 1d301d5)
    import cv2

    from napari_maliang.lowlight.gp import _model_arrays

    p, q = patch
    plane = np.ascontiguousarray(plane, dtype=np.float32)
    h, w = plane.shape
    top, left = (p - 1) // 2, (q - 1) // 2
    reflect = cv2.BORDER_REFLECT_101 if min(h, w) > 1 else cv2.BORDER_REPLICATE
    c, alpha, mean, scale = _model_arrays(model, np)
    k = c.shape[0]
    ones = np.ones((p, q), np.float32)
    x2s = cv2.filter2D(plane * plane, cv2.CV_32F, ones * scale, anchor=(left, top), borderType=reflect)
    c2s = (c * c).sum(axis=1) * scale
    acc = np.zeros((h, w), np.float32)
    tmp = np.empty((h, w), np.float32)
    tmp2 = np.empty((h, w), np.float32)
    back = (q - 1 - left, p - 1 - top)
    for j in range(k):
        cj = c[j].reshape(p, q) * np.float32(-2.0 * scale)
        cv2.filter2D(plane, cv2.CV_32F, cj, dst=tmp, anchor=(left, top), delta=float(c2s[j]), borderType=reflect)
        tmp += x2s
        np.minimum(tmp, 0.0, out=tmp)
        np.exp(tmp, out=tmp)
        kern = alpha[j].reshape(p, q)[::-1, ::-1].copy()
        cv2.filter2D(tmp, cv2.CV_32F, kern, dst=tmp2, anchor=back, borderType=cv2.BORDER_CONSTANT)
        acc += tmp2
    acc += cv2.filter2D(
        np.ones((h, w), np.float32),
        cv2.CV_32F,
        mean.reshape(p, q)[::-1, ::-1].copy(),
        anchor=back,
        borderType=cv2.BORDER_CONSTANT,
    )
    count = cv2.filter2D(np.ones((h, w), np.float32), cv2.CV_32F, ones, anchor=back, borderType=cv2.BORDER_CONSTANT)
    out = acc / count
    if model.slope:
        out += np.float32(model.slope) * plane
    return out


def main():
    import cv2

    x = inputs()
    ref = {}
    for name, _, (h, w) in AREA:
        ref[name] = cv2.resize(x[name], (w, h), interpolation=cv2.INTER_AREA)
    for name, _, (h, w) in LINEAR:
        ref[name] = cv2.resize(x[name], (w, h), interpolation=cv2.INTER_LINEAR)
    for name, _, sigma in GAUSS:
        ref[name] = cv2.GaussianBlur(x[name], (0, 0), sigma)
    for name, _, sigma_c in BILATERAL:
        ref[name] = cv2.bilateralFilter(x[name], d=5, sigmaColor=sigma_c, sigmaSpace=1.5)
    for name, _, patch in GP:
        ref[name] = _predict_plane_cv2(gp_model(patch), x[name], patch)
    for name, _ in NOISE:  # the removed _plane_noise: median |Immerkaer response| over the interior, per channel
        from napari_maliang._shared.robust import MAD_TO_SIGMA

        kern = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32) / 6.0
        s = cv2.sqrt(x[name])
        per = [
            np.median(
                np.abs(
                    cv2.filter2D(np.ascontiguousarray(s[..., c]), -1, kern, borderType=cv2.BORDER_REFLECT)[1:-1, 1:-1]
                )
            )
            * MAD_TO_SIGMA
            for c in range(3)
        ]
        ref[name] = np.float64(np.median(per))
    ref = {k: v if k in dict(NOISE) else np.asarray(v, np.float32) for k, v in ref.items()}
    np.savez_compressed(os.path.join(HERE, "opencv_reference.npz"), opencv_version=cv2.__version__, **ref)


if __name__ == "__main__":
    main()
