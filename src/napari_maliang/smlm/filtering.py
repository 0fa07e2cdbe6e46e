"""Filtering of localization tables by ranges of their columns (photons, PSF width, uncertainty, frame ...)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["filter_localizations", "parse_range"]


def filter_localizations(locs: pd.DataFrame, **ranges) -> pd.DataFrame:
    """The localizations whose columns lie in the given ranges.

    Parameters
    ----------
    locs : pandas.DataFrame
        A localization table (any columns). Not modified.
    **ranges : tuple (low, high)
        One inclusive range per column, ``low <= value <= high``; ``None`` leaves that end open, so
        ``photons=(500, None)`` keeps at least 500 photons. A value that is NaN fails every range with a bound.

    Returns
    -------
    pandas.DataFrame
        The rows in every range, in their order, with every column and the ``attrs`` of ``locs`` and a fresh
        index ``0..n-1``. A filter that keeps nothing gives an empty table with the same columns.

    Raises
    ------
    ValueError
        For a column the table does not have (the message lists those it has) or that is not numeric, or a
        range that is not ``(low, high)`` with ``low <= high``.

    References
    ----------
    .. [1] M. Ovesny, P. Krizek, J. Borkovec, Z. Svindrych, G. M. Hagen, "ThunderSTORM: a comprehensive ImageJ
       plug-in for PALM and STORM data analysis", Bioinformatics 30(16), 2389-2390 (2014),
       doi:10.1093/bioinformatics/btu202 (post-processing: filtering by a formula of the columns).

    Examples
    --------
    >>> import pandas as pd
    >>> locs = pd.DataFrame({"frame": [0, 1, 2], "x": [1.0, 2.0, 3.0], "photons": [200.0, 800.0, 1500.0]})
    >>> filter_localizations(locs, photons=(500, None)).photons.tolist()
    [800.0, 1500.0]
    >>> filter_localizations(locs, photons=(500, None), frame=(None, 1)).x.tolist()
    [2.0]
    """
    if not isinstance(locs, pd.DataFrame):
        raise TypeError(f"localizations must be a pandas DataFrame, got {type(locs).__name__}")
    unknown = [name for name in ranges if name not in locs.columns]
    if unknown:
        raise ValueError(f"no column(s) {unknown} to filter; the table has {list(locs.columns)}")
    keep = np.ones(len(locs), bool)
    for name, bounds in ranges.items():
        low, high = _check_range(name, bounds)
        values = locs[name].to_numpy()
        if values.dtype.kind not in "iufb":
            raise ValueError(f"column {name!r} is not numeric (dtype {values.dtype}); it cannot be filtered by a range")
        if low is not None:
            keep &= values >= low
        if high is not None:
            keep &= values <= high
    out = locs.loc[keep].reset_index(drop=True)
    out.attrs.update(locs.attrs)
    return out


def _check_range(name: str, bounds) -> tuple:
    try:
        low, high = bounds
    except (TypeError, ValueError):
        raise ValueError(f"the range of {name} must be (low, high) with None for an open end, got {bounds!r}") from None
    for value in (low, high):
        if value is not None and (isinstance(value, (bool, str)) or not math.isfinite(float(value))):
            raise ValueError(f"the bounds of {name} must be finite numbers or None, got {bounds!r}")
    if low is not None and high is not None and low > high:
        raise ValueError(f"the range of {name} is empty: low {low} > high {high}")
    return low, high


def parse_range(text: str) -> tuple[str, tuple[float | None, float | None]]:
    """``"photons=500:"`` -> ``("photons", (500.0, None))``: a command-line range ``COLUMN=LOW:HIGH``.

    Either bound may be left out (``"sigma=:1.6"``, ``"photons=500:"``); both are inclusive.

    References
    ----------
    .. [1] Python Software Foundation, *The Python Language Reference*, section 6.3.3 "Slicings" (the
       ``low:high`` notation with optional ends).

    Examples
    --------
    >>> parse_range("sigma=0.8:1.6")
    ('sigma', (0.8, 1.6))
    >>> parse_range("frame=:999")
    ('frame', (None, 999.0))
    """
    name, sep, span = text.partition("=")
    low, colon, high = span.partition(":")
    name = name.strip()
    if not (sep and colon and name) or ":" in high:
        raise ValueError(f"a range is COLUMN=LOW:HIGH with either bound optional (e.g. photons=500:), got {text!r}")
    try:
        bounds = tuple(float(v) if v.strip() else None for v in (low, high))
    except ValueError:
        raise ValueError(f"the bounds of {text!r} must be numbers (e.g. photons=500:)") from None
    return name, bounds
