import math

import numpy as np
import pytest
import tifffile

from napari_maliang.smlm.camera import Camera


def test_defaults_are_identity():
    cam = Camera()
    assert cam.pixel_size_nm == 100 and cam.gain == 1 and cam.offset == 0 and cam.em_gain is None
    x = np.array([[0, 5, 1000]], np.uint16)
    out = cam.to_photons(x)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, x)
    assert cam.excess_noise == 1.0


def test_conversion_known_answer():
    cam = Camera(gain=4.0, offset=100.0, quantum_efficiency=0.8, em_gain=50.0)
    # (ADU - offset) * gain / em_gain / QE
    np.testing.assert_allclose(cam.to_photons(np.array([100, 600])), [0.0, 500 * 4 / 50 / 0.8], rtol=1e-6)
    assert cam.excess_noise == pytest.approx(math.sqrt(2))
    np.testing.assert_allclose(cam.to_photons(cam.to_adu([3.0, 70.0])), [3.0, 70.0], rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"gain": -1.0},
        {"gain": 0.0},
        {"pixel_size_nm": -5},
        {"quantum_efficiency": 1.5},
        {"em_gain": -3},
        {"offset": float("nan")},
    ],
)
def test_bad_values_raise(kwargs):
    with pytest.raises(ValueError):
        Camera(**kwargs)


def test_bad_types_raise():
    with pytest.raises(TypeError):
        Camera(gain="high")
    with pytest.raises(TypeError):
        Camera().to_photons(np.array(["a"]))


def test_dict_round_trip():
    cam = Camera(pixel_size_nm=160, gain=2.5, offset=99, quantum_efficiency=0.9, em_gain=300)
    assert Camera.from_dict(cam.to_dict()) == cam


OME = """<?xml version="1.0" encoding="UTF-8"?>
<OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06">
 <Instrument ID="Instrument:0"><Detector ID="Detector:0" Type="EMCCD" AmplificationGain="200"/></Instrument>
 <Image ID="Image:0"><Pixels ID="Pixels:0" DimensionOrder="XYCZT" Type="uint16" SizeX="8" SizeY="8" SizeC="1"
   SizeZ="1" SizeT="3" PhysicalSizeX="0.16" PhysicalSizeXUnit="µm" PhysicalSizeY="0.16">
   <Channel ID="Channel:0:0"><DetectorSettings ID="Detector:0" Gain="3.5" Offset="100"/></Channel>
 </Pixels></Image></OME>"""


def test_from_metadata():
    cam = Camera.from_metadata(OME)
    assert cam.pixel_size_nm == pytest.approx(160)
    assert cam.gain == pytest.approx(3.5)
    assert cam.offset == pytest.approx(100)
    assert cam.em_gain == pytest.approx(200)
    assert cam.excess_noise == pytest.approx(math.sqrt(2))
    with pytest.raises(ValueError, match="OME-XML"):
        Camera.from_metadata("<not xml")
    # micro spelled with the micro sign or with the Greek letter mu, or in nanometres
    for unit, size in (("\u00b5m", "0.16"), ("\u03bcm", "0.16"), ("nm", "160")):
        xml = OME.replace('PhysicalSizeXUnit="µm"', f'PhysicalSizeXUnit="{unit}"').replace('PhysicalSizeX="0.16"', f'PhysicalSizeX="{size}"')
        assert Camera.from_metadata(xml).pixel_size_nm == pytest.approx(160), unit


def test_from_ome_tiff(tmp_path):
    path = tmp_path / "stack.ome.tif"
    data = np.zeros((3, 8, 8), np.uint16)
    tifffile.imwrite(path, data, ome=True, photometric="minisblack", metadata={"axes": "TYX", "PhysicalSizeX": 0.13, "PhysicalSizeY": 0.13})
    cam = Camera.from_ome_tiff(path)
    assert cam.pixel_size_nm == pytest.approx(130)
    plain = tmp_path / "plain.tif"
    tifffile.imwrite(plain, data, photometric="minisblack")
    assert Camera.from_ome_tiff(plain, gain=2.0).gain == 2.0
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"not a tiff")
    with pytest.raises(ValueError, match="cannot read"):
        Camera.from_ome_tiff(bad)
