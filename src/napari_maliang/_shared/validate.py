"""Input checks of images shared by the tools (messages a user can act on)."""

from __future__ import annotations

import numpy as np

# ITU-R BT.709 luma weights (the same as skimage.color.rgb2gray), applied on the input's scale.
_LUMA = np.array([0.2125, 0.7154, 0.0721])


def to_gray(image, *, name: str = "image") -> tuple[np.ndarray, str | None]:
    """Return ``(gray, note)``: a 2-D grayscale image and a note saying what was converted.

    RGB ``(H, W, 3)`` and RGBA ``(H, W, 4)`` images are turned into luminance
    ``0.2125 R + 0.7154 G + 0.0721 B`` on the input's scale (alpha dropped); ``note``
    then says so, otherwise it is ``None``. Anything that is not 2-D or colour raises.

    Raises
    ------
    TypeError
        For non-numeric data.
    ValueError
        For empty images, 3-D stacks and other shapes (apply per plane instead).

    References
    ----------
    .. [1] ITU-R Recommendation BT.709 (luma weights 0.2126, 0.7152, 0.0722; scikit-image rounds them as here).
    """
    image = np.asarray(image)
    _check_numeric(image, name)
    if image.ndim == 3 and image.shape[-1] in (3, 4):
        note = (
            f"{name}: converted the {'RGBA' if image.shape[-1] == 4 else 'RGB'} image to grayscale "
            "(luminance 0.2125 R + 0.7154 G + 0.0721 B)"
        )
        _check_not_empty(image, name)
        gray = image[..., :3].astype(np.float64) @ _LUMA
        return gray, note
    check_2d(image, name=name)
    return image, None


def check_2d(image: np.ndarray, *, name: str = "image") -> None:
    """Raise unless ``image`` is a non-empty 2-D array."""
    if image.ndim != 2:
        if image.ndim == 3:
            raise ValueError(
                f"{name}: expected a 2-D image (H, W) or a colour image (H, W, 3); got a stack of shape "
                f"{image.shape}. Apply the function per plane, e.g. [f(plane) for plane in stack] "
                "(the widgets do this for you)."
            )
        raise ValueError(f"{name}: expected a 2-D image (H, W) or a colour image (H, W, 3); got shape {image.shape}")
    _check_not_empty(image, name)


def check_finite(image: np.ndarray, *, name: str = "image") -> None:
    """Raise ``ValueError`` when a float image holds NaN or infinite pixels (saying how many and where).

    Examples
    --------
    >>> check_finite(np.array([[0.0, np.nan]]))
    Traceback (most recent call last):
    ...
    ValueError: image has 1 NaN/inf pixel (first at (row, col) = (0, 1)); replace them first, e.g. np.nan_to_num(image, nan=0.0, posinf=image_max, neginf=image_min)
    """
    if image.dtype.kind in "fc":
        bad = ~np.isfinite(image)
        if bad.any():
            count = int(bad.sum())
            first = tuple(int(i) for i in np.argwhere(bad)[0][:2])
            raise ValueError(
                f"{name} has {count} NaN/inf pixel{'s' if count > 1 else ''} (first at (row, col) = {first}); "
                "replace them first, e.g. np.nan_to_num(image, nan=0.0, posinf=image_max, neginf=image_min)"
            )


def gray_float(image, *, name: str = "image") -> tuple[np.ndarray, str | None]:
    """``to_gray`` + finiteness check; the returned array keeps integer dtypes (for exact histograms)."""
    gray, note = to_gray(image, name=name)
    check_finite(gray, name=name)
    return gray, note


def _check_numeric(image: np.ndarray, name: str) -> None:
    if image.dtype == bool:
        return
    if image.dtype.kind not in "uif":
        raise TypeError(f"{name}: expected a numeric image (uint8, uint16, int or float); got dtype {image.dtype}")


def _check_not_empty(image: np.ndarray, name: str) -> None:
    if image.size == 0:
        raise ValueError(f"{name} is empty (shape {image.shape}); give an image with at least one pixel")
