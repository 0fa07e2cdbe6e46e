#!/usr/bin/env bash
# The GPU twins' check on a machine with a CUDA device: the `gpu`-marked tests, benchmarks/smlm_gpu.py and the
# dequantization twin's speed and quick design table (benchmarks/dequantize.py --backend gpu).
# Runs from the repository root with the machine's own python3 (CuPy, numba, scipy, scikit-image, pandas,
# tifffile, pytest); napari, Qt and the other GUI packages are not needed. Logs go to $OUT (default /tmp/out).
# Wheels of packages the machine lacks (pyamg, for the codec's test) are installed from .whl/ when it is there.
#
#     bash benchmarks/gpu_check.sh
set -uo pipefail
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
export PYTHONPATH=$PWD/src PYTHONUNBUFFERED=1
PY=${PYTHON:-python3}
if compgen -G ".whl/*.whl" >/dev/null; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl && PYTHONPATH=/tmp/site:$PYTHONPATH
fi
nvidia-smi -L
"$PY" -c "import sys, cupy, numpy, numba, scipy, skimage, pandas; print(sys.version.split()[0], 'cupy', cupy.__version__,
'numpy', numpy.__version__, 'numba', numba.__version__, 'scipy', scipy.__version__, 'skimage', skimage.__version__,
'pandas', pandas.__version__, 'CUDA runtime', cupy.cuda.runtime.runtimeGetVersion())"
# every test module that holds a gpu-marked test, then test_fit_gpu.py's nvcc and host-compiler checks; no doctests
# and no filterwarnings of the GUI packages (not installed there)
PYTEST=("$PY" -m pytest -p no:cacheprovider -o addopts=--import-mode=importlib -o filterwarnings= -rfEs)
"$PY" -c "import pytest_timeout" 2>/dev/null && PYTEST+=(--timeout 150)  # names a test that hangs
timeout 300 "${PYTEST[@]}" -m gpu $(grep -rl "mark.gpu" tests | sort) 2>&1 | tee "$OUT/pytest_gpu.log"
timeout 60 "${PYTEST[@]}" -m "not gpu" tests/smlm/test_fit_gpu.py 2>&1 | tee "$OUT/pytest_kernel_source.log"
timeout 240 "$PY" benchmarks/smlm_gpu.py "$@" 2>&1 | tee "$OUT/smlm_gpu.log"
# the dequantization twin (not the default backend until it is judged): speed, then the quick design table
timeout 120 "$PY" benchmarks/dequantize.py --speed-only --backend gpu 2>&1 | tee "$OUT/dequantize_gpu_speed.log"
timeout 240 "$PY" benchmarks/dequantize.py --set design --quick --no-speed --backend gpu 2>&1 \
    | tee "$OUT/dequantize_gpu_design.log"
