"""The Levenberg-Marquardt rules every spot fitter shares: the one-emitter numba kernel (:mod:`._fit_numba`), the
k-emitter numba kernel (:mod:`._multifit_numba`) and the CUDA kernel (:mod:`.fit_gpu`, whose ``#define``\\ s are
generated from these values by :func:`cuda_defines`), so that CPU and GPU, one emitter and two, cannot drift apart.

The rules (Quan et al. 2010, eq. 4: Poisson likelihood, constraints ``N, b, s > 0``):

- damping ``lambda`` starts at :data:`LAMBDA0`; an accepted step divides it by :data:`DAMP`, down to
  :data:`LAMBDA_MIN`; a rejected step, or a Fisher matrix that does not factorise, multiplies it by :data:`DAMP`;
  the fit stops when it passes :data:`LAMBDA_MAX`;
- a step is accepted when the trapezoid estimate of the objective change along it, ``0.5 (g_old + g_new) . step``,
  is not positive;
- steps are projected onto the feasible set: positions move at most :data:`MAX_STEP_XY` and stay within one
  pixel of the box, the width at most :data:`MAX_STEP_SIGMA` and above :data:`MIN_SIGMA`, photons that would
  cross zero are halved, the background stays above :data:`BACKGROUND_FLOOR` ``* (1 + total photons)``;
- the fit has converged when a step is shorter than ``tolerance`` standard errors (its length in the Fisher
  metric; default :data:`DEFAULT_TOLERANCE`), the log-likelihood is finite and every emitter sits inside the box.
"""

from __future__ import annotations

__all__ = [
    "BACKGROUND_FLOOR",
    "DAMP",
    "DEFAULT_TOLERANCE",
    "LAMBDA0",
    "LAMBDA_MAX",
    "LAMBDA_MIN",
    "MAX_STEP_SIGMA",
    "MAX_STEP_XY",
    "MIN_SIGMA",
    "cuda_defines",
]

LAMBDA0 = 1e-3
LAMBDA_MIN = 1e-7
LAMBDA_MAX = 1e6
DAMP = 10.0
MIN_SIGMA = 0.3
MAX_STEP_XY = 1.0
MAX_STEP_SIGMA = 0.3
BACKGROUND_FLOOR = 1e-6
#: stop when a step is shorter than this many standard errors: 0.1 gives the same RMSE as 0.01 to 0.3 %
DEFAULT_TOLERANCE = 0.1


def cuda_defines() -> str:
    """The rules as C ``#define`` lines for the CUDA source (exact decimal forms of the Python floats)."""
    names = ("LAMBDA0", "LAMBDA_MIN", "LAMBDA_MAX", "DAMP", "MIN_SIGMA", "MAX_STEP_XY", "MAX_STEP_SIGMA",
             "BACKGROUND_FLOOR")
    return "".join(f"#define {name} {float(globals()[name])!r}\n" for name in names)
