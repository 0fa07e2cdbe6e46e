"""Widget controls derived from a tool's options (:mod:`napari_maliang._shared.options`).

Each control starts at the field's default and carries its bounds, choices and meaning (as tool tip), so a
docked widget cannot disagree with the function or the CLI.
"""

from __future__ import annotations

import html
import math

from magicgui.widgets import CheckBox, ComboBox, Container, FloatSlider, FloatSpinBox, LineEdit, Slider, SpinBox

from napari_maliang._shared.options import REQUIRED, Option, Options

__all__ = ["OptionControls", "OptionalControl", "set_tooltip"]

_INT_RANGE = 2**31 - 1


class OptionalControl(Container):
    """A field that may be ``None``: a check box saying what ``None`` means (ticked: ``None``) beside the
    control for a value."""

    def __init__(self, opt: Option, inner, **kwargs):
        self.automatic = CheckBox(text=opt.none or "none", value=opt.default is None,
                                  tooltip=f"{opt.title} — ticked: {opt.none or 'none'}; untick to set a value in the "
                                          "box below.")
        self.inner = inner
        # stacked, not side by side: the check box's words (what None means) would widen the dock
        super().__init__(widgets=[self.automatic, inner], layout="vertical", labels=False, **kwargs)
        self.margins = (0, 0, 0, 0)
        self.automatic.changed.connect(self._enable)
        self._enable()

    def _enable(self, *_):
        self.inner.enabled = not self.automatic.value

    @property
    def value(self):
        return None if self.automatic.value else self.inner.value

    @value.setter
    def value(self, value):
        self.automatic.value = value is None
        if value is not None:
            self.inner.value = value


def set_tooltip(widget, text: str):
    """Give a magicgui value widget the tool tip ``text``, also on the Qt parts magicgui leaves without one
    (the value read-out beside a slider); returns the widget."""
    from qtpy.QtWidgets import QWidget

    widget.tooltip = text
    for part in widget.native.findChildren(QWidget):
        if not part.toolTip():
            part.setToolTip(text)
    return widget


def _tooltip(opt: Option, ranges: dict) -> str:
    """The tool tip of an option's control: its meaning with the paper's symbol, unit, range and default
    (:attr:`Option.help`), plus the narrower range this control allows when the widget sets one (a cap of a
    million or more is left out: it only bounds the box); rich text, so that Qt wraps a long one instead of
    showing one line as wide as the screen."""
    text = opt.help
    shown = [f"{k} {ranges[k]:g}" for k in ("min", "max")
             if isinstance(ranges.get(k), (int, float)) and abs(ranges[k]) < 1e6]
    if shown:
        text += f"; this control: {' and '.join(shown)}"
    return f"<qt>{html.escape(text, quote=False)}</qt>"


def _control(opt: Option, **overrides):
    """The magicgui widget for one option, starting at its default.

    ``overrides`` change only the presentation: ``label``, ``tooltip``, ``min``, ``max``, ``step``,
    ``decimals``, ``slider`` (a slider instead of a spin box), ``choices`` (words for some or all of the
    allowed values: ``[(text, value)]``) and ``start``: the value a required option (one without a default)
    starts at, or what the value box of an optional one whose default is ``None`` shows when it is unticked.
    """
    outer = {"label": opt.title}
    outer.update({k: overrides.pop(k) for k in ("label", "tooltip") if k in overrides})
    ranges = {k: overrides.pop(k) for k in ("min", "max", "step") if k in overrides}
    outer.setdefault("tooltip", _tooltip(opt, ranges))
    labelled = overrides.pop("choices", None)
    if labelled is not None and not {repr(v) for _, v in labelled} <= {repr(c) for c in opt.choices}:
        raise ValueError(f"{opt.name}: the labelled choices must be among {opt.choices}")
    decimals = overrides.pop("decimals", None)
    slider = overrides.pop("slider", False)
    start = overrides.pop("start", opt.default)
    may_start = opt.required or (opt.optional and opt.default is None)
    if (start is REQUIRED) if opt.required else (start is not opt.default and not may_start):
        raise TypeError(f"{opt.name}: a start value is for a required option or an optional one without default")
    if overrides:
        raise TypeError(f"{opt.name}: a control changes only its presentation, not {sorted(overrides)}")
    if opt.kind is bool:
        return CheckBox(text=outer.pop("label"), value=start, **outer)
    if opt.choices:
        return ComboBox(choices=labelled or list(opt.choices), value=start, **outer)
    if opt.kind is int:
        low = -_INT_RANGE if opt.low is None else int(opt.low) + (1 if opt.low_open else 0)
        high = _INT_RANGE if opt.high is None else int(opt.high)
        inner_kwargs = {"min": low, "max": high, "step": int(opt.step or 1)}
        cls = Slider if slider else SpinBox
    elif opt.kind is float:
        step = opt.step or 0.1
        low = -1e12 if opt.low is None else float(opt.low) + (step * 1e-3 if opt.low_open else 0.0)
        high = 1e12 if opt.high is None else float(opt.high)
        inner_kwargs = {"min": low, "max": high, "step": step}
        cls = FloatSlider if slider else FloatSpinBox
    else:
        inner_kwargs = {}
        cls = LineEdit
    inner_kwargs.update(ranges)
    # the value box of an optional field has no label of its own (its container has), but the same tool tip
    inner = cls(**inner_kwargs, **({"tooltip": outer["tooltip"]} if opt.optional else outer))
    if cls is FloatSpinBox:  # enough decimals for the step, set before the value so that it is not rounded
        inner.native.setDecimals(decimals or max(2, 1 - math.floor(math.log10(inner_kwargs["step"]))))
    if start is not None:
        inner.value = start
    if slider:  # the read-out beside the slider too
        set_tooltip(inner, outer["tooltip"])
    if not opt.optional:
        return inner
    return OptionalControl(opt, inner, **outer)


class OptionControls:
    """magicgui controls for fields of an options class, each starting at the field's default.

    Parameters
    ----------
    options_class : type of Options
    names : sequence of str, optional
        The fields to show, in this order (default: all).
    **overrides
        Per field, a dict of presentation keywords (``label``, ``max``, ``step`` ...); never a default.

    Examples
    --------
    ``controls = OptionControls(AdaptiveThreshold, ["window", "step"])``; ``container.extend(controls)``;
    ``controls.options()`` is the :class:`Options` object the widget's current values describe.
    """

    def __init__(self, options_class: type[Options], names=None, **overrides):
        self.options_class = options_class
        opts = options_class.fields_of()
        chosen = [o.name for o in opts] if names is None else list(names)
        unknown = set(overrides) - set(chosen)
        if unknown:
            raise KeyError(f"overrides for options not shown: {sorted(unknown)}")
        self.widgets = {name: _control(options_class.field(name), **dict(overrides.get(name, {}))) for name in chosen}

    def __getitem__(self, name: str):
        return self.widgets[name]

    def __iter__(self):
        return iter(self.widgets.values())

    def values(self) -> dict:
        """The controls' current values by field name."""
        return {name: widget.value for name, widget in self.widgets.items()}

    def options(self, **fixed) -> Options:
        """The options object of the current values (``fixed`` sets fields that have no control);
        ``ValueError``/``TypeError`` with the option's name when a value is not allowed."""
        return self.options_class(**{**self.values(), **fixed})
