"""The package itself: cheap import, lazy sub-packages, version."""

import subprocess
import sys

import pytest

import napari_maliang

HEAVY = ("numba", "cupy", "dask", "napari", "torch", "pyamg", "scipy.sparse.linalg")


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize(
    "statement",
    [
        "import napari_maliang",
        "import napari_maliang.smlm",
        "import napari_maliang.segment",
        "import napari_maliang.dequantize",
        "import napari_maliang.codec",
        "import napari_maliang.lowlight",
        "import napari_maliang.cli",
    ],
)
def test_import_is_light(statement):
    loaded = _modules_after(statement)
    assert not [m for m in HEAVY if m in loaded], f"{statement} imported heavy modules"


def test_version_and_lazy_subpackages():
    assert napari_maliang.__version__.count(".") == 2
    assert napari_maliang.smlm.__name__ == "napari_maliang.smlm"
    with pytest.raises(AttributeError, match="no attribute"):
        napari_maliang.not_a_tool  # noqa: B018


def test_lazy_exports_resolve_and_reject_unknown():
    from napari_maliang._lazy import lazy_exports

    getattr_, dir_, all_ = lazy_exports("os", {"sep": "path"})
    import os

    assert getattr_("sep") == os.path.sep
    assert dir_() == all_ == ["sep"]
    with pytest.raises(AttributeError, match="'os' has no attribute 'nope'"):
        getattr_("nope")
