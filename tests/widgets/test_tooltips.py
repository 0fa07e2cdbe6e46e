"""Every control of every docked widget explains itself in a tool tip (issue #15, "Controls without
explanations"): what it changes, with its unit, range and the paper's symbol where it has them.

Which widgets count as controls: the input widgets a user clicks, types into or drags -- ``QAbstractButton``
(push, check, radio and tool buttons), ``QAbstractSpinBox``, ``QComboBox``, ``QAbstractSlider`` and
``QLineEdit`` -- hidden or not (a control hidden in one mode is shown in another).

The rule for composites: a control that has another control, or a scroll area or tab bar, among its
ancestors inside the docked widget is an internal part of that composite (the line edit inside a spin box
or an editable combo box, the slider and value box inside a labelled slider, the scroll bars of a table, the
scroll arrows of a tab bar) and is not checked itself: Qt shows the composite's tool tip over its parts, and
the composite is checked instead. Every other control must have its own non-empty ``toolTip()``. A magicgui
slider is not one composite: its native widget is a plain ``QWidget`` holding the slider and a value read-out
the user can type into, so both are checked (``_controls.set_tooltip`` gives both the tool tip).
"""

import pytest
from npe2 import PluginManifest
from qtpy.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QTabBar,
    QWidget,
)

from napari_maliang.cli import PLUGIN

WIDGETS = [w.display_name for w in PluginManifest.from_distribution(PLUGIN).contributions.widgets]

#: the input controls a user works with
CONTROLS = (QAbstractButton, QAbstractSpinBox, QComboBox, QAbstractSlider, QLineEdit)
#: widgets whose child controls are their own internal parts (see the module docstring)
COMPOSITES = (*CONTROLS, QAbstractScrollArea, QTabBar)


def _is_internal(control: QWidget, root: QWidget) -> bool:
    """True when an ancestor of ``control`` below ``root`` is a composite: the control is part of it."""
    parent = control.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, COMPOSITES):
            return True
        parent = parent.parentWidget()
    return False


def _describe(control: QWidget) -> str:
    text = control.text() if isinstance(control, (QAbstractButton, QLineEdit)) else ""
    if isinstance(control, QComboBox):
        text = control.currentText()
    parts = [type(control).__name__]
    if text:
        parts.append(f"text {text!r}")
    if control.objectName():
        parts.append(f"objectName {control.objectName()!r}")
    label = _label_for(control)
    if label:
        parts.append(f"label {label!r}")
    return ", ".join(parts)


def _label_for(control: QWidget) -> str:
    """The text of the label in front of ``control``: a ``QFormLayout`` row's, or the one label beside it
    (magicgui puts a control and its label in a small widget of their own), looked for up to three levels up."""
    from qtpy.QtCore import Qt
    from qtpy.QtWidgets import QFormLayout, QLabel

    child, parent = control, control.parentWidget()
    for _ in range(3):
        if parent is None:
            break
        layout = parent.layout()
        if isinstance(layout, QFormLayout):
            label = layout.labelForField(child)
            if isinstance(label, QLabel) and label.text():
                return label.text()
        siblings = parent.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
        labels = [w for w in siblings if isinstance(w, QLabel) and w.text()]
        if len(labels) == 1 and len(siblings) == 2:  # just the label and the control (or its container)
            return labels[0].text()
        child, parent = parent, parent.parentWidget()
    return ""


def untipped(widget) -> list[str]:
    """A description of each control of ``widget`` (a QWidget or magicgui widget) without a tool tip."""
    root = getattr(widget, "native", widget)
    missing = []
    for control in root.findChildren(QWidget):
        if not isinstance(control, CONTROLS) or _is_internal(control, root):
            continue
        if not control.toolTip().strip():
            missing.append(_describe(control))
    return missing


@pytest.mark.parametrize("display_name", WIDGETS)
def test_every_control_has_a_tooltip(make_napari_viewer, display_name):
    viewer = make_napari_viewer()
    _, widget = viewer.window.add_plugin_dock_widget(PLUGIN, display_name)
    missing = untipped(widget)
    assert not missing, f"{display_name}: {len(missing)} control(s) without a tool tip:\n  " + "\n  ".join(missing)


def test_the_rule_skips_the_parts_of_composites(qtbot):
    """A spin box's line edit is skipped (the spin box is checked); a lone button is checked."""
    from qtpy.QtWidgets import QPushButton, QSpinBox, QVBoxLayout

    root = QWidget()
    qtbot.addWidget(root)
    layout = QVBoxLayout(root)
    spin, button = QSpinBox(), QPushButton("Go")
    layout.addWidget(spin)
    layout.addWidget(button)
    assert untipped(root) == ["QSpinBox", "QPushButton, text 'Go'"]
    spin.setToolTip("a number")
    button.setToolTip("does it")
    assert untipped(root) == []
