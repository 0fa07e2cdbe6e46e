"""Declare a tool's options once (docs/architecture.md, "One declaration per tool").

A tool's options are one frozen dataclass whose fields are made with :func:`option`: the default, the paper's
symbol and unit, the bounds and a one-line meaning live there and nowhere else. From it come

- the function's keyword arguments (:func:`takes_options` writes them into the function's signature and
  docstring and builds the options object from them, validated),
- the plain function of a ``*_steps`` generator (:func:`run_steps`: same signature, same docstring),
- the CLI's arguments (:func:`add_arguments`, :func:`from_args`),
- the widget's controls (:class:`napari_maliang._widgets._controls.OptionControls`),

so a default cannot differ between a script, the command line and napari
(``tests/test_options.py`` checks every tool).

No napari, Qt or heavy imports here: algorithm packages import this module.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import inspect
import math
import re
import types
import typing
from collections.abc import Callable
from typing import Any, ClassVar

from napari_maliang._progress import run_to_end

__all__ = ["REQUIRED", "Option", "Options", "add_arguments", "from_args", "option", "run_steps", "takes_options"]


@dataclasses.dataclass(frozen=True)
class Option:
    """What one option means: the facts every front end shows and every caller is checked against.

    ``low``/``high`` are inclusive bounds (``low_open``: ``value > low``); ``choices`` lists the allowed values;
    ``none`` says what ``None`` means for an optional field (``"automatic"``) and ``none_names`` which strings
    also mean it (``("auto",)``); ``flag`` is the CLI flag(s) when not ``--field-name``; ``step`` is a sensible
    increment for a spin box.
    """

    doc: str
    symbol: str = ""
    unit: str = ""
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple = ()
    none: str = ""
    none_names: tuple = ()
    flag: str = ""
    label: str = ""
    step: float | None = None
    # filled in by Options.fields_of from the dataclass
    name: str = ""
    default: Any = None
    kind: type = object
    optional: bool = False

    @property
    def required(self) -> bool:
        """True for a field without a default: the caller must give it."""
        return self.default is dataclasses.MISSING

    @property
    def title(self) -> str:
        """A short label: the given one, else the field name in words (with the symbol)."""
        text = self.label or self.name.replace("_", " ")
        return f"{text} ({self.symbol})" if self.symbol and self.symbol not in text else text

    @property
    def help(self) -> str:
        """The one-line meaning with unit, range and default, for tool tips and ``--help``."""
        parts = [(f"{self.symbol}: " if self.symbol else "") + self.doc.rstrip(".")]
        if self.unit:
            parts.append(f"unit: {self.unit}")
        if self.choices:
            parts.append("one of " + ", ".join(map(str, self.choices)))
        bounds = self._bounds_text()
        if bounds:
            parts.append(bounds)
        if self.optional and self.default is not None:
            parts.append(f"'none'{''.join(f' or {n!r}' for n in self.none_names)}: {self.none or 'None'}")
        if not self.required:
            parts.append(f"default: {self._default_text()}")
        return "; ".join(parts)

    def _default_text(self) -> str:
        return self.none if self.default is None and self.none else repr(self.default)

    def _bounds_text(self) -> str:
        low = None if self.low is None else f"{'>' if self.low_open else '>='} {self.low:g}"
        high = None if self.high is None else f"<= {self.high:g}"
        return " and ".join(b for b in (low, high) if b)

    def check(self, value):
        """``value`` converted to the field's kind, or ``ValueError``/``TypeError`` naming the option."""
        if value is None or (isinstance(value, str) and value in self.none_names):
            if self.optional:
                return None
            raise TypeError(f"{self.name} must be given (a {self.kind.__name__}), got None")
        if self.kind is bool:
            if not isinstance(value, bool) and type(value).__name__ != "bool_":
                raise TypeError(f"{self.name} must be True or False, got {value!r}")
            return bool(value)
        if self.kind in (int, float):
            return self._check_number(value)
        if self.kind is str and not isinstance(value, str):
            raise TypeError(f"{self.name} must be a string, got {value!r}")
        if self.choices and value not in self.choices:
            raise ValueError(f"{self.name} must be {_either(self.choices)}, got {value!r}")
        return value

    def _check_number(self, value):
        integer = self.kind is int
        wanted = ("an integer" if integer else "a finite number") + (f" {self._bounds_text()}" if self._bounds_text() else "")
        if isinstance(value, (bool, str, bytes)) or (integer and not _is_integral(value)):
            raise TypeError(f"{self.name} must be {wanted}, got {value!r}")
        try:
            value = int(value) if integer else float(value)
        except (TypeError, ValueError):
            raise TypeError(f"{self.name} must be {wanted}, got {value!r}") from None
        if self.choices:
            if value not in self.choices:
                raise ValueError(f"{self.name} must be {_either(self.choices)}, got {value!r}")
            return value
        too_low = self.low is not None and (value <= self.low if self.low_open else value < self.low)
        too_high = self.high is not None and value > self.high
        if too_low or too_high or not math.isfinite(value):
            raise ValueError(f"{self.name} must be {wanted}, got {value!r}")
        return value


def _either(choices) -> str:
    """``4 or 8``; ``'a', 'b' or 'c'``."""
    names = [repr(c) for c in choices]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _is_integral(value) -> bool:
    try:
        return float(value) == int(value)
    except (TypeError, ValueError, OverflowError):
        return False


REQUIRED = dataclasses.MISSING  #: the ``default`` of an option the caller must always give


def option(default, doc: str, **meaning):
    """A dataclass field of an :class:`Options` class: its default (or :data:`REQUIRED`) and its
    :class:`Option` meaning.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Blur(Options):
    ...     sigma: float = option(1.0, "Gaussian width.", symbol="σ", unit="px", low=0)
    >>> Blur(sigma=2).sigma
    2.0
    >>> Blur(sigma=-1)
    Traceback (most recent call last):
    ...
    ValueError: sigma must be a finite number >= 0, got -1.0
    """
    if default is REQUIRED:
        return dataclasses.field(metadata={"option": Option(doc, **meaning)})
    return dataclasses.field(default=default, metadata={"option": Option(doc, **meaning)})


class Options:
    """Base of every tool's options dataclass (``@dataclass(frozen=True)`` subclasses).

    Each field is checked against its :class:`Option` when the object is made; :meth:`check` adds the
    rules that tie several fields together.
    """

    #: every options class defined, for the test that walks all tools
    registry: ClassVar[list[type[Options]]] = []
    #: the tool's sources (paper, section, DOI): the References section of every function declared with it
    references: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        Options.registry.append(cls)

    def __post_init__(self):
        for opt in self.fields_of():
            object.__setattr__(self, opt.name, opt.check(getattr(self, opt.name)))
        self.check()

    def check(self) -> None:
        """Rules between fields; raise ``ValueError`` with a message for the user."""

    def replace(self, **changes):
        """A copy with ``changes`` (checked like a new object)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def build(cls, options: Options | None = None, **changes) -> Options:
        """``options`` (default: the defaults) changed by ``changes``; what a function declared with this class
        receives. ``TypeError`` for an object of another class or a missing required field."""
        if options is None:
            missing = [o.name for o in cls.fields_of() if o.required and o.name not in changes]
            if missing:
                raise TypeError(f"missing required argument(s): {', '.join(missing)}")
            return cls(**changes)
        if not isinstance(options, cls):
            raise TypeError(f"options must be a {cls.__name__}, got {type(options).__name__}")
        return options.replace(**changes) if changes else options

    @classmethod
    @functools.cache
    def fields_of(cls) -> tuple[Option, ...]:
        """The :class:`Option` of every field, in declaration order, with name, default and kind filled in."""
        hints = typing.get_type_hints(cls)
        out = []
        for f in dataclasses.fields(cls):
            meaning = f.metadata.get("option")
            if meaning is None:
                raise TypeError(f"{cls.__name__}.{f.name} is not declared with option()")
            kind, optional = _kind(hints[f.name])
            out.append(dataclasses.replace(meaning, name=f.name, default=f.default, kind=kind, optional=optional))
        return tuple(out)

    @classmethod
    def field(cls, name: str) -> Option:
        """The :class:`Option` of field ``name``."""
        for opt in cls.fields_of():
            if opt.name == name:
                return opt
        raise KeyError(f"{cls.__name__} has no option {name!r}")

    @classmethod
    def parameters_doc(cls, names=None) -> str:
        """Numpydoc ``Parameters`` entries for the fields (all, or ``names``)."""
        lines = []
        for opt in cls.fields_of():
            if names is not None and opt.name not in names:
                continue
            kind = opt.kind.__name__ + (" or None" if opt.optional else "")
            lines.append(f"{opt.name} : {kind}" + ("" if opt.required else f", default {opt._default_text()}"))
            detail = opt.doc
            extra = [x for x in (f"Symbol {opt.symbol}." if opt.symbol else "", f"Unit: {opt.unit}." if opt.unit else "") if x]
            if opt.choices:
                extra.append("One of " + ", ".join(map(repr, opt.choices)) + ".")
            if opt._bounds_text():
                extra.append(f"Must be {opt._bounds_text()}.")
            lines.append("    " + " ".join([detail, *extra]))
        return "\n".join(lines)


def _kind(hint) -> tuple[type, bool]:
    """``(kind, optional)`` of a field's annotation: ``int | None`` -> ``(int, True)``."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1:
            raise TypeError(f"an option's type must be one type, optionally with None; got {hint}")
        return _kind(rest[0])[0], len(rest) < len(args)
    if typing.get_origin(hint) is typing.Literal:
        return type(args[0]), False
    return hint, False


# --------------------------------------------------------------------------- functions


_OPTIONS_LINE = re.compile(r"^(?P<indent>[ \t]*)\{options\}[ \t]*$", re.MULTILINE)


def takes_options(options_class: type[Options], *, name: str = "opts", positional: tuple[str, ...] = ()):
    """Give a function the options' fields as keyword arguments.

    The decorated function takes a keyword argument ``name`` (default ``opts``) holding the options object.
    The returned function instead takes each field as a keyword-only argument with the field's default
    (the fields named in ``positional`` may also be given by position, after the function's own positional
    arguments), plus ``options=``, a whole options object that the keywords then change. It checks them by
    building the options object and calls the function with it. Its signature shows the fields, and a line
    ``{options}`` in its docstring becomes their numpydoc entries.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Scale(Options):
    ...     factor: float = option(2.0, "Multiplier.", symbol="a")
    >>> @takes_options(Scale)
    ... def scale(x, *, opts):
    ...     return x * opts.factor
    >>> scale(3), scale(3, factor=0.5)
    (6.0, 1.5)
    >>> import inspect; [(p.name, p.default) for p in inspect.signature(scale).parameters.values()][1:]
    [('factor', 2.0), ('options', None)]
    """

    def decorate(func):
        signature = inspect.signature(func)
        if name not in signature.parameters:
            raise TypeError(f"{func.__name__} must take the options as a keyword argument {name!r}")
        fields = options_class.fields_of()
        field_names = {opt.name for opt in fields}
        kept = [p for p in signature.parameters.values() if p.name != name]
        own = [p for p in kept if p.kind not in (p.KEYWORD_ONLY, p.VAR_KEYWORD)]
        keyword = [p for p in kept if p.kind is p.KEYWORD_ONLY]
        n_own = len(own)

        def parameter(opt, kind):
            return inspect.Parameter(
                opt.name,
                kind,
                default=inspect.Parameter.empty if opt.required else opt.default,
                annotation=opt.kind | None if opt.optional else opt.kind,
            )

        by_position = [parameter(options_class.field(n), inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in positional]
        derived = [parameter(opt, inspect.Parameter.KEYWORD_ONLY) for opt in fields if opt.name not in positional]
        whole = inspect.Parameter(
            "options", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=options_class | None
        )

        @functools.wraps(func)
        def wrapper(*args, options: Options | None = None, **kwargs):
            if len(args) > n_own + len(positional):
                raise TypeError(f"{func.__name__}() takes {n_own + len(positional)} positional arguments")
            for key, value in zip(positional, args[n_own:], strict=False):
                if key in kwargs:
                    raise TypeError(f"{func.__name__}() got multiple values for argument {key!r}")
                kwargs[key] = value
            changes = {key: kwargs.pop(key) for key in list(kwargs) if key in field_names}
            try:
                opts = options_class.build(options, **changes)
            except TypeError as exc:
                raise TypeError(f"{func.__name__}(): {exc}") from None
            return func(*args[:n_own], **{name: opts}, **kwargs)

        wrapper.__signature__ = signature.replace(parameters=[*own, *by_position, *derived, *keyword, whole])
        wrapper.__doc__ = _fill_options_doc(func.__doc__, options_class)
        wrapper.options_class = options_class
        del wrapper.__wrapped__  # help() and inspect show the derived signature, not the inner one
        return wrapper

    return decorate


def _fill_options_doc(doc: str | None, options_class: type[Options]) -> str | None:
    doc = _with_references(doc, options_class.references)
    if not doc or "{options}" not in doc:
        return doc
    match = _OPTIONS_LINE.search(doc)
    if match is None:
        raise ValueError("'{options}' must stand alone on its docstring line")
    indent = match.group("indent")
    text = "\n".join(indent + line for line in options_class.parameters_doc().splitlines())
    return doc[: match.start()] + text + doc[match.end() :]


_GENERATOR = re.compile(r"^(?:\w+\.)*Generator\[[^,]+,\s*None,\s*(.+)\]$")
_SECTION = re.compile(r"^[ \t]*(\w[\w ]*)\n[ \t]*-{3,}[ \t]*$", re.MULTILINE)


def _with_references(doc: str | None, references: str) -> str | None:
    """``doc`` with a numpydoc ``References`` section holding ``references`` (before ``Examples``, if any)."""
    if not doc or not references or any(m.group(1).strip() == "References" for m in _SECTION.finditer(doc)):
        return doc
    lines = doc.splitlines()
    indent = next((line[: len(line) - len(line.lstrip())] for line in lines[1:] if line.strip()), "")
    block = "\n".join([f"{indent}References", f"{indent}----------"] + [f"{indent}{r}" for r in references.splitlines()])
    examples = [m for m in _SECTION.finditer(doc) if m.group(1).strip() == "Examples"]
    if examples:
        at = examples[0].start()
        return doc[:at] + block + "\n\n" + doc[at:]
    return doc.rstrip() + "\n\n" + block + "\n" + indent


def _with_progress_parameter(doc: str) -> str:
    """``doc`` with a ``progress`` entry at the end of its numpydoc ``Parameters`` section (if it has one)."""
    sections = list(_SECTION.finditer(doc))
    for i, match in enumerate(sections):
        if match.group(1).strip() == "Parameters":
            indent = match.group(0)[: len(match.group(0)) - len(match.group(0).lstrip())]
            end = sections[i + 1].start() if i + 1 < len(sections) else len(doc.rstrip())
            body = doc[:end].rstrip()
            entry = f"\n{indent}progress : callable, optional\n{indent}    Called with every Progress the computation reports.\n"
            return body + entry + ("\n" + doc[end:] if end < len(doc) else "")
    return doc


def _without_section(doc: str, title: str) -> str:
    """``doc`` less its numpydoc section ``title`` (up to the next section or the end)."""
    sections = list(_SECTION.finditer(doc))
    for i, match in enumerate(sections):
        if match.group(1).strip() == title:
            end = sections[i + 1].start() if i + 1 < len(sections) else len(doc.rstrip())
            return doc[: match.start()] + doc[end:]
    return doc


def run_steps(steps: Callable) -> Callable:
    """The plain function of a ``*_steps`` progress generator: same signature and docstring (less its
    ``Yields`` section), runs the generator to the end and returns its result. It also takes ``progress``,
    a callable called with every :class:`~napari_maliang._progress.Progress` (a command line's progress bar).

    The generator is the implementation; this is how every tool derives its plain function, so no tool
    writes its signature twice. The generator stays reachable as ``function.steps``.

    Examples
    --------
    >>> from napari_maliang._progress import Progress
    >>> def count_steps(n):
    ...     '''Count to n.'''
    ...     for i in range(n):
    ...         yield Progress(i, n)
    ...     return n
    >>> count = run_steps(count_steps)
    >>> count.__name__, count(3)
    ('count', 3)
    """
    base = steps.__name__.removesuffix("_steps")
    if base == steps.__name__:
        raise ValueError(f"{steps.__name__}: a progress generator's name ends in '_steps'")

    @functools.wraps(steps)
    def plain(*args, progress: Callable | None = None, **kwargs):
        return run_to_end(steps(*args, **kwargs), progress)

    plain.__name__ = base
    plain.__qualname__ = steps.__qualname__.removesuffix("_steps")
    signature = inspect.signature(steps)
    returned = _GENERATOR.match(str(signature.return_annotation))
    callback = inspect.Parameter("progress", inspect.Parameter.KEYWORD_ONLY, default=None,
                                 annotation=Callable | None)
    params = list(signature.parameters.values())
    at = len(params) - (1 if params and params[-1].kind is inspect.Parameter.VAR_KEYWORD else 0)
    plain.__signature__ = signature.replace(
        parameters=[*params[:at], callback, *params[at:]],
        return_annotation=returned.group(1) if returned else inspect.Signature.empty,
    )
    plain.__doc__ = _with_progress_parameter(_without_section(steps.__doc__, "Yields")) if steps.__doc__ else None
    plain.steps = steps
    del plain.__wrapped__
    return plain


# --------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser, options_class: type[Options], names=None) -> None:
    """Add a ``--flag`` for each field (all, or ``names``), with the field's default, kind, choices and help.

    Booleans get ``--flag/--no-flag``. The subparser remembers the class, so :func:`from_args` and the
    defaults test find it.
    """
    declared = parser.get_default("options_classes") or ()
    parser.set_defaults(options_classes=(*declared, options_class))
    for opt in options_class.fields_of():
        if names is not None and opt.name not in names:
            continue
        flags = opt.flag.split() if opt.flag else ["--" + opt.name.replace("_", "-")]
        common = {"dest": opt.name, "help": opt.help.replace("%", "%%")}
        common.update({"required": True} if opt.required else {"default": opt.default})
        if opt.kind is bool:
            parser.add_argument(*flags, action=argparse.BooleanOptionalAction, **common)
        else:
            parser.add_argument(*flags, type=_parse_text(opt), choices=opt.choices or None, **common)


def _parse_text(opt: Option) -> Callable[[str], Any]:
    """The argparse ``type`` of an option: its kind, and for an optional one also ``none`` (and its
    ``none_names``) for ``None``."""
    if not opt.optional:
        return opt.kind

    def parse(text: str):
        return None if text.lower() in ("none", *opt.none_names) else opt.kind(text)

    parse.__name__ = opt.kind.__name__  # argparse names the kind in its error message
    return parse


def from_args(options_class: type[Options], args: argparse.Namespace, **fixed) -> Options:
    """The options object from parsed arguments (fields without an argument keep their default)."""
    values = {opt.name: getattr(args, opt.name) for opt in options_class.fields_of() if hasattr(args, opt.name)}
    values.update(fixed)
    return options_class(**values)
