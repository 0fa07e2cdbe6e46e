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


def _imported_distributions() -> dict[str, set[str]]:
    """The distributions the package imports (third-party top-level modules of every ``import``), each with the
    modules that import it."""
    import ast
    import importlib.metadata
    import sys
    from pathlib import Path

    by_module = {m: dists for m, dists in importlib.metadata.packages_distributions().items()}
    not_installed_here = {"cupy": ["cupy-cuda12x"], "cupyx": ["cupy-cuda12x"]}  # the GPU extra
    found: dict[str, set[str]] = {}
    root = Path(napari_maliang.__file__).parent
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else [])
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "napari_maliang":
                    continue
                for dist in by_module.get(top) or not_installed_here.get(top) or [top]:
                    found.setdefault(_normalized(dist), set()).add(str(path.relative_to(root)))
    return found


def _normalized(name: str) -> str:
    import re

    return re.sub(r"[-_.]+", "-", name).lower()


def _declared():
    import re
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]

    def names(requirements):
        return {_normalized(re.match(r"[A-Za-z0-9_.-]+", r).group(0)) for r in requirements}

    extras = {k: names(v) for k, v in project["optional-dependencies"].items() if k != "testing"}
    return names(project["dependencies"]), extras


def test_declared_dependencies_are_the_imported_ones():
    """Every distribution the package imports is declared (core, or the extra that needs it), and every core
    dependency is imported somewhere: no undeclared import, no dead weight in `pip install napari-maliang`."""
    imported = _imported_distributions()
    core, extras = _declared()
    optional = set().union(*extras.values())
    undeclared = {d: sorted(where)[:3] for d, where in imported.items() if d not in core | optional}
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"
    unused = {d for d in core if d not in imported}
    assert not unused, f"declared in pyproject.toml but never imported: {sorted(unused)}"


def test_without_a_display_the_gui_tests_are_skipped_not_fatal(tmp_path):
    """No DISPLAY and no Xvfb on PATH (a headless machine without the system packages): the GUI tests are
    skipped with the reason, the run does not abort in Qt."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PATH"] = str(tmp_path)  # no Xvfb to be found
    root = Path(__file__).parents[1]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/widgets/test_demo.py", "-p", "no:xvfb", "-p", "no:cacheprovider",
         "-q", "-rs"], cwd=root, env=env, capture_output=True, text=True, timeout=600,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    assert "no display and no Xvfb: GUI tests skipped" in out and "passed" not in out.splitlines()[-1]
