"""The localization table: its columns and dtypes (docs/architecture.md, "Conventions")."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["COLUMNS", "empty_table"]

COLUMNS = (
    "frame",
    "x",
    "y",
    "photons",
    "background",
    "sigma",
    "uncertainty_x",
    "uncertainty_y",
    "log_likelihood",
)
_DTYPES = {
    "frame": np.int64,
    "x": np.float64,
    "y": np.float64,
    "photons": np.float32,
    "background": np.float32,
    "sigma": np.float32,
    "uncertainty_x": np.float32,
    "uncertainty_y": np.float32,
    "log_likelihood": np.float32,
}


def empty_table(attrs: dict | None = None) -> pd.DataFrame:
    """An empty localization table with the standard columns and dtypes."""
    df = pd.DataFrame({c: np.zeros(0, _DTYPES[c]) for c in COLUMNS})
    if attrs:
        df.attrs.update(attrs)
    return df
