"""Camera model: analog-digital units (ADU) to detected photons.

The MaLiang likelihood (Quan et al. 2010, eqs. 2-4) is a Poisson model of *photon* counts, so
raw camera frames are first converted: ``photons = (ADU - offset) * gain / em_gain / QE``.
``gain`` is the conversion factor in electrons per ADU, ``em_gain`` the electron-multiplying
gain of an EMCCD (``None`` for sCMOS/CCD) and ``quantum_efficiency`` the fraction of photons
that become photo-electrons. With EM gain the stochastic multiplication doubles the variance
(excess-noise factor ``F = sqrt(2)``), which the fitter takes into account for its
Cramer-Rao precision estimates.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = ["Camera"]

# OME length units -> nanometres
_UNIT_TO_NM = {
    "nm": 1.0,
    "µm": 1000.0,
    "um": 1000.0,
    "\u03bcm": 1000.0,  # Greek mu, as some writers spell micro
    "mm": 1.0e6,
    "cm": 1.0e7,
    "m": 1.0e9,
    "pm": 1.0e-3,
    "Å": 0.1,
}


def _positive(name: str, value, *, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"Camera {name} must be a number, got {value!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"Camera {name} must be a positive finite number, got {value!r}")
    return value


@dataclass(frozen=True)
class Camera:
    """Camera parameters converting raw frames (ADU) to photons.

    Parameters
    ----------
    pixel_size_nm : float
        Size of a camera pixel projected into the sample, in nm (default 100).
    gain : float
        Conversion gain in photo-electrons per ADU (default 1). Must be positive.
    offset : float
        Dark level (baseline) in ADU subtracted first (default 0).
    quantum_efficiency : float
        Fraction of photons detected, in (0, 1] (default 1).
    em_gain : float or None
        Electron-multiplying gain of an EMCCD, or ``None`` for a camera without one.

    Notes
    -----
    ``photons = (adu - offset) * gain / (em_gain or 1) / quantum_efficiency``.
    The excess-noise factor is ``sqrt(2)`` with EM gain and 1 otherwise; the Poisson
    maximum-likelihood fit (paper eqs. 2-4) then sees a variance inflated by ``F**2`` and
    the reported uncertainties are scaled by ``F``.
    """

    pixel_size_nm: float = 100.0
    gain: float = 1.0
    offset: float = 0.0
    quantum_efficiency: float = 1.0
    em_gain: float | None = None
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "pixel_size_nm", _positive("pixel_size_nm", self.pixel_size_nm))
        object.__setattr__(self, "gain", _positive("gain (electrons per ADU)", self.gain))
        try:
            offset = float(self.offset)
        except (TypeError, ValueError):
            raise TypeError(f"Camera offset must be a number, got {self.offset!r}") from None
        if not math.isfinite(offset):
            raise ValueError(f"Camera offset must be finite, got {self.offset!r}")
        object.__setattr__(self, "offset", offset)
        qe = _positive("quantum_efficiency", self.quantum_efficiency)
        if qe > 1:
            raise ValueError(f"Camera quantum_efficiency must be in (0, 1], got {qe}")
        object.__setattr__(self, "quantum_efficiency", qe)
        em = _positive("em_gain", self.em_gain, allow_none=True)
        object.__setattr__(self, "em_gain", em)

    # ------------------------------------------------------------------ conversion
    @property
    def photons_per_adu(self) -> float:
        """Multiplicative factor from offset-corrected ADU to photons."""
        return self.gain / (self.em_gain or 1.0) / self.quantum_efficiency

    @property
    def excess_noise(self) -> float:
        """EMCCD excess-noise factor ``F``: ``sqrt(2)`` with EM gain (> 1), else 1."""
        return math.sqrt(2.0) if self.em_gain is not None and self.em_gain > 1 else 1.0

    @property
    def is_identity(self) -> bool:
        """True when :meth:`to_photons` only casts to float32."""
        return self.offset == 0.0 and self.photons_per_adu == 1.0

    def to_photons(self, adu, *, xp=None):
        """Convert raw frames in ADU to photons (float32), on the input's array module.

        Parameters
        ----------
        adu : array_like
            Raw camera counts of any real dtype (NumPy or CuPy array).
        """
        if xp is None:
            xp = np
            if type(adu).__module__.startswith("cupy"):
                import cupy as xp  # noqa: N813
        arr = xp.asarray(adu)
        if arr.dtype.kind not in "uif":
            raise TypeError(f"camera frames must be integer or float, got dtype {arr.dtype}")
        out = arr.astype(xp.float32, copy=True)
        if self.offset:
            out -= np.float32(self.offset)
        factor = self.photons_per_adu
        if factor != 1.0:
            out *= np.float32(factor)
        return out

    def to_adu(self, photons):
        """Inverse of :meth:`to_photons` (float64 ADU), for simulations."""
        return np.asarray(photons, dtype=np.float64) / self.photons_per_adu + self.offset

    # ------------------------------------------------------------------ persistence
    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("extra", None)
        return d

    @classmethod
    def from_dict(cls, values: dict) -> Camera:
        keys = {"pixel_size_nm", "gain", "offset", "quantum_efficiency", "em_gain"}
        return cls(**{k: v for k, v in dict(values).items() if k in keys})

    # ------------------------------------------------------------------ metadata
    @classmethod
    def from_metadata(cls, ome_xml: str, **defaults) -> Camera:
        """Camera from an OME-XML string where the values are present.

        Reads ``Pixels/@PhysicalSizeX`` (+ unit), and from ``Detector``/``DetectorSettings``
        the ``Gain`` (electrons per ADU), ``Offset`` (ADU) and ``AmplificationGain`` (EM gain).
        Values found in the metadata win; missing ones fall back to ``defaults`` and then to
        the class defaults.
        """
        values = dict(defaults)
        try:
            root = ET.fromstring(ome_xml)
        except ET.ParseError as exc:
            raise ValueError(f"camera metadata is not valid OME-XML: {exc}") from None

        def strip(tag: str) -> str:
            return re.sub(r"^\{.*\}", "", tag)

        detector_type = None
        for elem in root.iter():
            tag = strip(elem.tag)
            if tag == "Pixels" and "PhysicalSizeX" in elem.attrib:
                unit = elem.attrib.get("PhysicalSizeXUnit", "µm")
                scale = _UNIT_TO_NM.get(unit)
                if scale is not None:
                    values["pixel_size_nm"] = float(elem.attrib["PhysicalSizeX"]) * scale
            elif tag in ("Detector", "DetectorSettings"):
                a = elem.attrib
                if "Gain" in a:
                    values["gain"] = float(a["Gain"])
                if "Offset" in a:
                    values["offset"] = float(a["Offset"])
                if "AmplificationGain" in a:
                    values["em_gain"] = float(a["AmplificationGain"])
                if "Type" in a:
                    detector_type = a["Type"]
        if detector_type == "EMCCD" and "em_gain" not in values:
            values["em_gain"] = None
        return cls.from_dict(values)

    @classmethod
    def from_ome_tiff(cls, path, **defaults) -> Camera:
        """Camera from an OME-TIFF file's metadata (see :meth:`from_metadata`).

        Files without OME-XML give a camera built from ``defaults`` (class defaults otherwise).
        """
        import tifffile

        try:
            with tifffile.TiffFile(path) as tif:
                xml = tif.ome_metadata
        except (tifffile.TiffFileError, OSError, ValueError) as exc:
            raise ValueError(f"cannot read camera metadata from {path!s}: {exc}") from None
        if not xml:
            return cls.from_dict(defaults)
        return cls.from_metadata(xml, **defaults)
