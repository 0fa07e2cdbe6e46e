"""The codec's AMG-preconditioned conjugate gradients against pyamg's own solve, side by side (same hierarchy).

    python benchmarks/codec_amg.py [--repeats N]

The photo mode's homogeneous systems (512x512, the 5-point Laplacian of the pixels not stored, as
:class:`napari_maliang.codec.inpaint.HomogeneousFill` builds them) at 2, 5 and 10 % stored pixels, solved to the
relative residuals the encoder uses (1e-2 inside tonal optimisation, 1e-5 for the decoder's start) by
``inpaint.AMGConjugateGradients.solve`` and by pyamg's ``ml.solve(b, tol, accel="cg")`` on the same hierarchy,
alternating, BLAS on one thread as the codec runs them. Prints the best and median wall time of each, their ratio,
and whether the two solutions are the same to the last bit (they must be: the encoder's choices depend on them).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from napari_maliang.codec.inpaint import AMGConjugateGradients, _inside_operator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print("stored  tol    | ours best/median ms | pyamg best/median ms | pyamg / ours | same bits")
    for share in (0.02, 0.05, 0.10):
        mask = rng.random((512, 512)) < share
        A, B = _inside_operator(512, 512, np.flatnonzero(~mask.ravel()))
        b = B @ rng.uniform(0, 255, B.shape[1])
        cg = AMGConjugateGradients(A)
        for tol in (1e-2, 1e-5):
            times = {"ours": [], "pyamg": []}
            with threadpool_limits(limits=1, user_api="blas"):
                same = np.array_equal(cg.solve(b, tol), cg.ml.solve(b, tol=tol, accel="cg", maxiter=100))
                for _ in range(args.repeats):
                    for name, solve in (
                        ("ours", lambda: cg.solve(b, tol)),
                        ("pyamg", lambda: cg.ml.solve(b, tol=tol, accel="cg", maxiter=100)),
                    ):
                        t = time.perf_counter()
                        solve()
                        times[name].append(1e3 * (time.perf_counter() - t))
            ours, theirs = (np.array(times[k]) for k in ("ours", "pyamg"))
            print(
                f"{share:5.0%}  {tol:.0e} | {ours.min():7.1f} / {np.median(ours):6.1f}      | "
                f"{theirs.min():7.1f} / {np.median(theirs):6.1f}       | {np.median(theirs) / np.median(ours):5.2f}x       | "
                f"{'yes' if same else 'NO'}"
            )


if __name__ == "__main__":
    main()
