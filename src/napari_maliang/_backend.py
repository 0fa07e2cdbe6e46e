"""Array-module choice shared by every CPU/GPU twin.

``backend="auto"`` uses CuPy when a CUDA device is usable, otherwise NumPy.
CuPy is imported lazily, only when a GPU backend is asked for or probed.
"""

from __future__ import annotations

import functools
from types import ModuleType

import numpy as np

BACKENDS = ("auto", "cpu", "gpu")


@functools.cache
def has_gpu() -> bool:
    """True when CuPy imports and at least one CUDA device answers."""
    try:
        import cupy

        return bool(cupy.cuda.is_available()) and cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # ImportError, CUDA driver errors: no usable GPU
        return False


def resolve_backend(backend: str = "auto") -> str:
    """Map ``"auto" | "cpu" | "gpu"`` to ``"cpu"`` or ``"gpu"``.

    Raises
    ------
    ValueError
        For an unknown name.
    RuntimeError
        When ``"gpu"`` is asked for and no CUDA device with CuPy is available.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "auto":
        return "gpu" if has_gpu() else "cpu"
    if backend == "gpu" and not has_gpu():
        raise RuntimeError(
            "backend='gpu' needs CuPy and a CUDA device; install with "
            "`pip install napari-maliang[gpu]` or use backend='cpu'"
        )
    return backend


def get_xp(backend: str = "auto") -> ModuleType:
    """Return the array module (``numpy`` or ``cupy``) for ``backend``."""
    if resolve_backend(backend) == "gpu":
        import cupy

        return cupy
    return np


def to_numpy(array) -> np.ndarray:
    """Return ``array`` as a NumPy array, copying from the GPU when needed."""
    if hasattr(array, "get") and type(array).__module__.startswith("cupy"):
        return array.get()
    return np.asarray(array)


def device_name(backend: str = "auto") -> str:
    """Human-readable name of the device ``backend`` resolves to (for widgets and benchmarks)."""
    if resolve_backend(backend) == "gpu":
        import cupy

        props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
        name = props["name"]
        return "GPU: " + (name.decode() if isinstance(name, bytes) else str(name))
    import os

    return f"CPU: {os.cpu_count()} cores"
