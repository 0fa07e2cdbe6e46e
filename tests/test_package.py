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
        # the command line declares every tool's options: that must not load the tools (numba, SciPy, pandas)
        "from napari_maliang.cli import build_parser; build_parser()",
    ],
)
def test_import_is_light(statement):
    loaded = _modules_after(statement)
    assert not [m for m in HEAVY if m in loaded], f"{statement} imported heavy modules"
    if "build_parser" in statement:
        assert not {"scipy", "pandas"} & loaded, f"{statement} imported SciPy or pandas"


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


@pytest.mark.parametrize("package", ["smlm", "codec", "dequantize", "lowlight", "segment"])
def test_lazy_exports_are_the_objects_even_after_submodules_load(package):
    """A public function must not be shadowed by a submodule of the same name (e.g. smlm.render)."""
    import importlib
    import pkgutil
    import types

    pkg = importlib.import_module(f"napari_maliang.{package}")
    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{pkg.__name__}.{info.name}")
    for name in pkg.__all__:
        assert not isinstance(getattr(pkg, name), types.ModuleType), f"{package}.{name} is a module"


def test_every_public_function_cites_its_sources():
    """docs/architecture.md, "Habits": each public function of the algorithm packages names the paper (section,
    DOI where it has one) or the specification it implements in a numpydoc References section."""
    import importlib
    import inspect

    missing = []
    for package in ("segment", "smlm", "dequantize", "codec", "lowlight"):
        module = importlib.import_module(f"napari_maliang.{package}")
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj) and not inspect.isclass(obj) and "References\n" not in (obj.__doc__ or ""):
                missing.append(f"{package}.{name}")
    assert not missing, missing
