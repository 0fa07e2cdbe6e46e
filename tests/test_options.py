"""Options declared once (napari_maliang._shared.options): the mechanism, and that every function and every CLI
argument derived from a tool's options has the options' defaults (the widgets: tests/widgets/test_option_defaults.py)."""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
from dataclasses import dataclass

import pytest

import napari_maliang
from napari_maliang._progress import Progress
from napari_maliang._shared.options import REQUIRED, Options, add_arguments, from_args, option, run_steps, takes_options
from napari_maliang.cli import build_parser


@dataclass(frozen=True)
class Demo(Options):
    size: float = option(REQUIRED, "A size.", unit="px", low=0, low_open=True)
    count: int = option(3, "How many.", symbol="n", low=1, high=10, flag="-n")
    mode: str = option("fast", "How.", choices=("fast", "exact"))
    smooth: bool = option(False, "Smooth first.")
    limit: float | None = option(None, "An optional cap.", low=0, none="no cap")

    def check(self):
        if self.limit is not None and self.limit < self.size:
            raise ValueError(f"limit ({self.limit}) must not be below size ({self.size})")


@takes_options(Demo, positional=("size",))
def demo_steps(data, *, opts: Demo, verbose: bool = False):
    """Repeat data.

    Parameters
    ----------
    data : list
    {options}
    verbose : bool

    Yields
    ------
    Progress

    Returns
    -------
    tuple
    """
    for i in range(opts.count):
        yield Progress(i, opts.count)
    return data, opts, verbose


demo = run_steps(demo_steps)


def test_fields_are_checked_and_converted():
    assert Demo(size=2).size == 2.0 and isinstance(Demo(size=2).size, float)
    assert Demo(size=1, count=4.0).count == 4
    with pytest.raises(ValueError, match="size must be a finite number > 0, got 0.0"):
        Demo(size=0)
    with pytest.raises(ValueError, match="count must be an integer >= 1 and <= 10, got 11"):
        Demo(size=1, count=11)
    with pytest.raises(TypeError, match="count must be an integer >= 1 and <= 10, got 2.5"):
        Demo(size=1, count=2.5)
    with pytest.raises(ValueError, match="mode must be 'fast' or 'exact', got 'slow'"):
        Demo(size=1, mode="slow")
    with pytest.raises(TypeError, match="smooth must be True or False"):
        Demo(size=1, smooth="yes")
    with pytest.raises(ValueError, match="size must be a finite number > 0, got nan"):
        Demo(size=float("nan"))
    with pytest.raises(ValueError, match=r"limit \(1.0\) must not be below size \(2.0\)"):
        Demo(size=2, limit=1)
    with pytest.raises(ValueError, match="count must be"):
        Demo(size=1).replace(count=0)


def test_function_signature_and_docstring_come_from_the_options():
    sig = inspect.signature(demo)
    assert list(sig.parameters) == ["data", "size", "count", "mode", "smooth", "limit", "verbose", "options", "progress"]
    assert sig.parameters["size"].default is inspect.Parameter.empty
    assert sig.parameters["count"].default == 3
    assert sig.parameters["count"].kind is inspect.Parameter.KEYWORD_ONLY
    assert "count : int, default 3\n        How many. Symbol n. Must be >= 1 and <= 10." in demo.__doc__
    assert "limit : float or None, default no cap" in demo.__doc__
    assert "Yields" in demo_steps.__doc__ and "Yields" not in demo.__doc__ and "Returns" in demo.__doc__
    assert demo.__name__ == "demo" and demo.steps is demo_steps and demo.options_class is Demo


def test_function_calls():
    seen = []
    data, opts, verbose = demo([1], 2.0, count=2, verbose=True, progress=seen.append)
    assert [p.done for p in seen] == [0, 1]
    assert opts == Demo(size=2.0, count=2) and verbose and data == [1]
    assert demo([1], size=2.0)[1].count == 3
    base = Demo(size=5, mode="exact")
    assert demo([1], options=base, count=4)[1] == Demo(size=5, mode="exact", count=4)
    with pytest.raises(TypeError, match="missing required argument.*size"):
        demo([1])
    with pytest.raises(TypeError, match="multiple values for argument 'size'"):
        demo([1], 2.0, size=3.0)
    with pytest.raises(TypeError, match="options must be a Demo"):
        demo([1], options={"size": 1})
    with pytest.raises(TypeError, match="unexpected keyword"):
        demo([1], 2.0, colour="red")


def test_command_line_arguments_come_from_the_options():
    parser = argparse.ArgumentParser()
    add_arguments(parser, Demo)
    args = parser.parse_args(["--size", "2", "-n", "5", "--smooth", "--limit", "4"])
    assert from_args(Demo, args) == Demo(size=2, count=5, smooth=True, limit=4)
    assert from_args(Demo, parser.parse_args(["--size", "1"])) == Demo(size=1)
    with pytest.raises(SystemExit):
        parser.parse_args(["--size", "1", "--mode", "slow"])
    with pytest.raises(SystemExit):
        parser.parse_args([])  # size is required
    assert "How many; >= 1 and <= 10; default: 3" in parser.format_help()


# --------------------------------------------------------------------------- every tool


def _algorithm_modules():
    for info in pkgutil.walk_packages(napari_maliang.__path__, napari_maliang.__name__ + "."):
        if "._widgets" in info.name or info.name.endswith(("_gpu", "__main__")):
            continue
        yield importlib.import_module(info.name)


def _declared_functions():
    seen = {}
    for module in _algorithm_modules():
        for value in vars(module).values():
            if callable(value) and isinstance(getattr(value, "options_class", None), type):
                seen[f"{value.__module__}.{value.__qualname__}"] = value
    return seen


def test_every_declared_function_has_its_options_defaults():
    functions = _declared_functions()
    assert len(functions) >= 7  # otsu, iterative, adaptive (+ steps), k-means (+ steps), region growing
    for name, func in functions.items():
        params = inspect.signature(func).parameters
        for opt in func.options_class.fields_of():
            expected = inspect.Parameter.empty if opt.required else opt.default
            assert params[opt.name].default == expected, f"{name}({opt.name}=...) differs from its options"


def _subcommands(parser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def test_every_cli_argument_has_its_options_default():
    checked = 0
    for command, sub in _subcommands(build_parser()):
        classes = sub.get_default("options_classes") or ()
        fields = {opt.name: opt for cls in classes for opt in cls.fields_of()}
        for action in sub._actions:
            opt = fields.get(action.dest)
            if opt is None or action.default is argparse.SUPPRESS:  # an alias flag sets no default of its own
                continue
            checked += 1
            if opt.required:
                assert action.required, f"maliang {command} {action.option_strings}: must be required"
            else:
                assert action.default == opt.default, f"maliang {command} {action.option_strings}: default differs"
    assert checked >= 10


def test_options_classes_document_every_field():
    for module in _algorithm_modules():
        del module
    for cls in Options.registry:
        for opt in cls.fields_of():
            assert opt.doc.strip().endswith("."), f"{cls.__name__}.{opt.name}: a one-sentence meaning"


def test_optional_options_take_none_on_the_command_line():
    parser = argparse.ArgumentParser()
    add_arguments(parser, Demo)
    assert from_args(Demo, parser.parse_args(["--size", "1", "--limit", "none"])).limit is None
    assert "default: no cap" in parser.format_help()


def test_every_declared_function_cites_its_sources():
    for name, func in _declared_functions().items():
        assert func.options_class.references, f"{func.options_class.__name__} has no references"
        assert "\n    References\n    ----------\n    .. [1] " in func.__doc__, f"{name}: no References section"
