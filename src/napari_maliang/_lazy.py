"""Lazy attribute loading for sub-packages (PEP 562), so ``import napari_maliang.smlm`` stays cheap."""

from __future__ import annotations

import importlib
from collections.abc import Mapping


def lazy_exports(package: str, exports: Mapping[str, str]):
    """Return ``(__getattr__, __dir__, __all__)`` resolving ``name`` from ``package.<exports[name]>``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : mapping
        Public name -> submodule (relative to ``package``) that defines it.
    """

    def __getattr__(name: str):
        try:
            module = exports[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        return value

    def __dir__():
        return sorted(exports)

    return __getattr__, __dir__, sorted(exports)
