"""Files written by picasso itself (tests/data/picasso), read as picasso wrote them, and its localizations matched."""

import os

import numpy as np
import pytest

from napari_maliang.smlm import localize
from napari_maliang.smlm.acquisition import open_acquisition
from napari_maliang.smlm.io import read_localizations, write_localizations

PICASSO = os.path.join(os.path.dirname(__file__), os.pardir, "data", "picasso")


@pytest.fixture(scope="module")
def picasso_locs():
    return read_localizations(os.path.join(PICASSO, "testdata_locs.hdf5"))


def test_picasso_localize_output_keeps_every_column_and_its_pixel_size(picasso_locs, tmp_path):
    locs = picasso_locs
    assert len(locs) == 564 and locs["frame"].between(0, 999).all()
    # picasso's names (lpx, lpy, bg, ...) renamed to ours, its other columns kept under their own names
    assert list(locs.columns) == ["frame", "x", "y", "photons", "background", "sigma", "uncertainty_x",
                                  "uncertainty_y", "log_likelihood", "sigma_x", "sigma_y", "net_gradient",
                                  "likelihood", "iterations"]
    # "Pixelsize: 130" of the Localize document, as picasso's lib.get_from_metadata finds it (last document first)
    assert locs.attrs["pixel_size_nm"] == 130 and locs.attrs["pixel_size_source"] == "file"
    assert locs.attrs["frame_shape"] == (32, 32) and locs.attrs["n_frames"] == 1000
    assert locs["net_gradient"].min() >= 5000  # picasso's own threshold, carried through
    write_localizations(locs, tmp_path / "again.hdf5")
    back = read_localizations(tmp_path / "again.hdf5")
    assert list(back.columns) == list(locs.columns) and back.attrs["pixel_size_nm"] == 130
    np.testing.assert_array_equal(back.to_numpy(), locs.to_numpy())


def test_picasso_simulated_movie_localizes_as_picasso_does(picasso_locs):
    """Our pipeline on picasso's movie against picasso's own MLE localizations of its first 100 frames."""
    movie = open_acquisition(os.path.join(PICASSO, "testdata.raw"))
    assert movie.frames.shape == (100, 32, 32) and movie.frames.dtype == np.uint16
    # the movie's YAML has "Camera.Pixelsize" (picasso simulate), not "Pixelsize": picasso localize does not read
    # it either (it takes info[0]["Pixelsize"] only), so the pixel size stays unknown
    assert movie.pixel_size_nm is None
    ours = localize(np.asarray(movie.frames))
    theirs = picasso_locs[picasso_locs["frame"] < 100]
    assert len(theirs) == 30
    gaps = []
    for frame, x, y in theirs[["frame", "x", "y"]].itertuples(index=False):
        same = ours[ours["frame"] == frame]
        gaps.append(np.hypot(same["x"] - x, same["y"] - y).min() if len(same) else np.inf)
    # every picasso localization found, at the same place to well under its precision (about 0.011 px)
    assert max(gaps) < 0.01
    # ours may add dim molecules picasso's net-gradient threshold (5000) drops; not more than a few
    assert len(theirs) <= len(ours) <= len(theirs) + 2
    assert np.median(ours["uncertainty_x"]) == pytest.approx(np.median(theirs["uncertainty_x"]), rel=0.05)
