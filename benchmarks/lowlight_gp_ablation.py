"""What a GP on top of the reference could add: self-supervised re-corruption residuals (issue #16, third bullet).

The default GP learns patches of the filtered dark image D -> patches of its reference D ** (1/g), a pointwise
map of D, so it can only reproduce the reference. This script measures redesigns that regress something the
reference does not have: what the photon-noise filter and the brightening lose. From D and the estimated
photons at white N it simulates a new dark image d2 = poisson(N D) / N (clipped to 0..1, seeded), filters it as
enhance() does (noise.photon_denoise at the same level) -> D2, and fits a map from patches of
brighten(D2) [and of brighten(d2), the noisy input] to the pixel of brighten(D); applied to the patches of
brighten(D) [and brighten(dark)], the map D2 -> D stands in for D -> truth (re-corruption, as in
Noisier2Noise / Recorrupted-to-Recorrupted, here for Poisson noise). brighten(x) = x ** (1/g) (reference.classical_reference at the
exponent of the reference (the blind decision, or the true exponent as a diagnostic)). Maps tried: linear
least squares on 3x3, 5x5, 7x7 patches (20000 seeded training pixels of all three channels); the 5x5 linear
map plus the project's k-means + GP (training.kmeans, gp.fit_gp with mean "constant", k = 30) on its
residual; 8 k-means clusters of the filtered patch, one linear map each (anchored regression); a quadratic
map (the patch times its centre pixel).
Diagnostics, not methods: "oracle" is the 5x5 filtered + noisy linear map fitted on the truth (the best
such a map can do); "bound" the noise-free photo at the reference's exposure, (photo ** g) ** (1/g_ref):
no map that keeps the exposure can beat it, so it bounds every detail-only gain.

Photos and draws: those of benchmarks/lowlight_denoise_pipeline.py (every third photograph already used by
this project, 512 px, seeds 95000 + i: g ~ U(1.5, 4), N ~ logU(50, 500)); never held-out set 4. Scored by
PSNR and SSIM (benchmarks/lowlight_heldout.score) against the photo; "gain" is against the reference of the
same exposure; "worst" the least per-photo gain.

Usage: python benchmarks/lowlight_gp_ablation.py [--every 3] [--limit N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
from scipy.ndimage import correlate

sys.path.insert(0, os.path.dirname(__file__))
from lowlight_denoise_pipeline import SEED0  # noqa: E402
from lowlight_exposure_prior import GAMMA_RANGE, PHOTON_RANGE, training_photos  # noqa: E402
from lowlight_heldout import score  # noqa: E402

from napari_maliang.lowlight import enhance  # noqa: E402
from napari_maliang.lowlight.gp import fit_gp, predict_patches  # noqa: E402
from napari_maliang.lowlight.noise import photon_denoise  # noqa: E402
from napari_maliang.lowlight.reference import classical_reference  # noqa: E402
from napari_maliang.lowlight.samples import darken  # noqa: E402
from napari_maliang.lowlight.training import kmeans  # noqa: E402

TRAIN = 20000  # training pixels (all channels pooled) for the least-squares maps
CHUNK = 200000


def patches(planes, r, idx):
    """Rows of the (2r+1)^2 reflect-padded neighbourhoods of each image in ``planes`` at ``idx`` (y, x, c)."""
    y, x, c = idx.T
    out = []
    for img in planes:
        pad = np.pad(img, ((r, r), (r, r), (0, 0)), mode="reflect")
        out += [pad[y + a, x + b, c] for a in range(2 * r + 1) for b in range(2 * r + 1)]
    return np.stack(out, -1).astype(np.float64)


def every_pixel(shape):
    return np.stack(np.meshgrid(*(np.arange(s) for s in shape), indexing="ij"), -1).reshape(-1, 3)


def least_squares(x, y, ridge=1e-6):
    """w of ``y ~ x @ w[:-1] + w[-1]`` (ridge ``ridge * n`` keeps flat images solvable)."""
    a = np.hstack([x, np.ones((len(x), 1))])
    return np.linalg.solve(a.T @ a + ridge * len(x) * np.eye(a.shape[1]), a.T @ y)


def apply_linear(w, planes, r):
    """The linear map ``w`` of :func:`least_squares` on the patches of ``planes`` (correlation per channel)."""
    s = 2 * r + 1
    out = np.full(planes[0].shape, w[-1])
    for j, img in enumerate(planes):
        kernel = w[j * s * s : (j + 1) * s * s].reshape(s, s)
        for c in range(img.shape[2]):
            out[..., c] += correlate(img[..., c].astype(np.float64), kernel, mode="mirror")
    return out


def quadratic(x, r):
    c = x[:, (2 * r + 1) ** 2 // 2][:, None]  # the centre pixel of the filtered patch
    return np.hstack([x, x[:, : (2 * r + 1) ** 2] * c, c * c])


def in_chunks(func, x):
    return np.concatenate([func(x[i : i + CHUNK]) for i in range(0, len(x), CHUNK)])


def residual_maps(ref, fil2, noisy, noisy2, truth, seed):
    """{name: image} of every map above for one exposure: ``ref`` = brighten(D), ``fil2`` = brighten(D2),
    ``noisy`` / ``noisy2`` = brighten(dark) / brighten(d2)."""
    shape = ref.shape
    idx = np.stack([np.random.default_rng(seed + j).integers(0, s, TRAIN) for j, s in enumerate(shape)], -1)
    target = ref[tuple(idx.T)]
    out = {}
    w = least_squares(patches([fil2], 1, idx), target)
    out["re-corruption, linear 3x3, filtered"] = apply_linear(w, [ref], 1)
    for r in (1, 2, 3):
        w = least_squares(patches([fil2, noisy2], r, idx), target)
        out[f"re-corruption, linear {2 * r + 1}x{2 * r + 1}, filtered + noisy"] = apply_linear(w, [ref, noisy], r)
    r = 2
    x_train = patches([fil2, noisy2], r, idx)
    w = least_squares(x_train, target)
    lin = out["re-corruption, linear 5x5, filtered + noisy"]
    x_all = patches([ref, noisy], r, every_pixel(shape))
    resid = target - (x_train @ w[:-1] + w[-1])
    centres, _ = kmeans(np.hstack([x_train, resid[:, None]]).astype(np.float32), 30, seed=seed, max_points=4096)
    model = fit_gp(centres[:, :-1], centres[:, -1:], mean="constant")
    out["re-corruption, 5x5 linear + GP k=30 on its residual"] = lin + in_chunks(
        lambda x: predict_patches(model, x)[:, 0], x_all
    ).reshape(shape)
    wq = least_squares(quadratic(x_train, r), target)
    out["re-corruption, quadratic 5x5"] = in_chunks(lambda x: quadratic(x, r) @ wq[:-1] + wq[-1], x_all).reshape(shape)
    k, n_in = 8, (2 * r + 1) ** 2
    centres, labels = kmeans(x_train[:, :n_in].astype(np.float32), k, seed=seed, max_points=None)
    maps = [least_squares(x_train[labels == j], target[labels == j], 1e-4) for j in range(len(centres))]
    near = in_chunks(lambda x: np.argmin(((x[:, None, :n_in] - centres[None]) ** 2).sum(-1), 1), x_all)
    anchored = np.empty(len(x_all))
    for j, m in enumerate(maps):
        sel = near == j
        anchored[sel] = x_all[sel] @ m[:-1] + m[-1]
    out["re-corruption, anchored: 8 clusters x linear 5x5"] = anchored.reshape(shape)
    w = least_squares(x_train, truth[tuple(idx.T)])
    out["oracle: linear 5x5 filtered + noisy fitted on the photo"] = apply_linear(w, [ref, noisy], r)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--every", type=int, default=3)
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args(argv)
    photos = training_photos()[:: args.every]
    photos = photos[: args.limit] if args.limit else photos
    warm = np.random.default_rng(0).uniform(0, 1, (96, 128, 3)).astype(np.float32)
    enhance(darken(warm, gamma=2.5, peak=100, seed=1))
    rows, extra = [], []
    for i, (src, name, img) in enumerate(photos):
        img = np.repeat(img[..., None], 3, axis=-1) if img.ndim == 2 else img
        rng = np.random.default_rng(SEED0 + i)
        g = float(rng.uniform(*GAMMA_RANGE))
        n = float(np.exp(rng.uniform(*np.log(PHOTON_RANGE))))
        dark = darken(img, gamma=g, peak=n, seed=int(rng.integers(2**31)))
        res = enhance(dark, details=True)
        sigma, photons, g_blind = res.info["noise_sigma"], res.info["photons_at_white"], res.info["gamma"]
        fil = photon_denoise(dark, sigma=sigma)  # the filtered image D of enhance()
        if not np.allclose(res.reference, classical_reference(fil, gamma=g_blind, noise_filter=0), atol=1e-6):
            raise RuntimeError("the reference is no longer the built-in reference of the filtered image")
        t = time.perf_counter()
        draw = np.random.default_rng(SEED0 + i + 1)
        noisy2 = np.clip(draw.poisson(fil.astype(np.float64) * photons) / photons, 0, 1).astype(np.float32)
        fil2 = photon_denoise(noisy2, sigma=sigma)
        t_recorrupt = time.perf_counter() - t
        told = enhance(dark, gamma=g, details=True)
        r = {}
        for tag, gg, run in (("blind", g_blind, res), ("true g", g, told)):
            bright = [classical_reference(x, gamma=gg, noise_filter=0) for x in (fil, fil2, dark, noisy2)]
            r[f"reference ({tag})"] = score(bright[0], img)
            r[f"default GP ({tag})"] = score(run.image, img)
            maps = residual_maps(*bright, img, SEED0 + i)
            r.update({f"{k} ({tag})": score(v, img) for k, v in maps.items()})
        r["bound: noise-free photo at the blind exposure (blind)"] = score(np.clip(img, 0, 1) ** (g / g_blind), img)
        rows.append(r)
        extra.append(t_recorrupt)
        gain = r["re-corruption, linear 5x5, filtered + noisy (blind)"][0] - r["reference (blind)"][0]
        print(f"  {i + 1:2d} {src}:{name[:28]:28s} g {g:.2f} blind {g_blind:.2f} N {n:4.0f}  reference "
              f"{r['reference (blind)'][0]:6.2f}  re-corruption 5x5 {gain:+.2f} dB", flush=True)  # fmt: skip
    print(
        f"\n{len(rows)} design photos; load {os.getloadavg()[0]:.1f}; re-corruption (one more photon_denoise) "
        f"{np.mean(extra):.3f} s/image ({np.mean(extra) / (img.size / 3e6):.2f} s/MP, last photo's size)"
    )
    print(f"{'method (exposure)':72s}  PSNR     SSIM   gain dB  gain SSIM  worst dB")
    for key in rows[0]:
        base = "reference (blind)" if key.endswith("(blind)") else "reference (true g)"
        p = np.array([x[key][0] for x in rows])
        s = np.array([x[key][1] for x in rows])
        d = p - np.array([x[base][0] for x in rows])
        ds = s - np.array([x[base][1] for x in rows])
        print(f"{key:72s} {p.mean():6.2f}  {s.mean():.4f}  {d.mean():+6.3f}  {ds.mean():+.4f}  {d.min():+6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
