"""Textures: real photographs bundled with scikit-image, and procedural patterns.

The photographs ship inside the scikit-image wheel (``skimage.data``), so nothing is
downloaded. Every texture is square, :data:`~camerabench.synth.render.TEXTURE_SIZE` texels a
side, float32 RGB in [0, 1]; procedural ones come from fixed seeds, so the bank is identical
in every process. Each texture also has a *low-texture* variant (blurred, contrast reduced to
15 %) for the hard preset's low-texture knob.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from camerabench.synth.render import TEXTURE_SIZE, TextureBank

__all__ = ["GROUND", "PHOTOS", "SKY", "TEXTURE_NAMES", "WALL", "texture_bank", "texture_index"]

#: skimage.data photographs used as textures (all bundled with the package, no download).
PHOTOS = (
    "astronaut",
    "coffee",
    "chelsea",
    "rocket",
    "camera",
    "hubble_deep_field",
    "immunohistochemistry",
    "coins",
    "moon",
    "clock",
)
_SURFACES = ("brick", "grass", "gravel")
_PROCEDURAL = ("noise", "checker", "stripes", "tiles", "clouds")
TEXTURE_NAMES: tuple[str, ...] = PHOTOS + _SURFACES + _PROCEDURAL
#: textures suited to each role
GROUND = ("gravel", "grass", "brick", "tiles", "noise")
WALL = ("brick", "tiles", "noise", "checker", "stripes", "coffee", "rocket", "camera")
SKY = ("clouds", "hubble_deep_field", "moon", "noise")

_LOW_CONTRAST = 0.15


def texture_index(name: str, low_texture: bool = False) -> int:
    """Index of a texture in :func:`texture_bank` (its low-texture variant if asked).

    Raises:
        ValueError: ``name`` is not one of :data:`TEXTURE_NAMES` (named, with the known ones).
    """
    if name not in TEXTURE_NAMES:  # (tuple.index's message named neither the texture nor the choices)
        raise ValueError(f"unknown texture {name!r}; known: {', '.join(TEXTURE_NAMES)}")
    i = TEXTURE_NAMES.index(name)
    return i + len(TEXTURE_NAMES) if low_texture else i


def _square(img: NDArray[np.generic]) -> NDArray[np.float32]:
    import cv2  # OpenCV: area-filtered resampling

    arr = np.asarray(img)
    if arr.dtype == bool:
        arr = arr.astype(np.uint8) * 255
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    arr = arr[:, :, :3]
    h, w = arr.shape[:2]
    side = min(h, w)
    y0, x0 = (h - side) // 2, (w - side) // 2
    crop = np.ascontiguousarray(arr[y0 : y0 + side, x0 : x0 + side])
    out = cv2.resize(crop, (TEXTURE_SIZE, TEXTURE_SIZE), interpolation=cv2.INTER_AREA)
    return out.astype(np.float32) / 255.0


def _smooth_noise(rng: np.random.Generator, octaves: int = 5) -> NDArray[np.float32]:
    """Tileable multi-octave value noise in [0, 1] (random Fourier phases on a periodic grid)."""
    n = TEXTURE_SIZE
    fx = np.fft.fftfreq(n)[None, :]
    fy = np.fft.fftfreq(n)[:, None]
    radius = np.sqrt(fx * fx + fy * fy)
    amp = np.where(radius > 0, 1.0 / np.maximum(radius, 1.0 / n) ** (1.0 + 0.15 * octaves), 0.0)
    spectrum = amp * np.exp(2j * np.pi * rng.random((n, n)))
    field = np.real(np.fft.ifft2(spectrum))
    field = (field - field.min()) / (field.max() - field.min())
    return field.astype(np.float32)


def _procedural(name: str) -> NDArray[np.float32]:
    n = TEXTURE_SIZE
    rng = np.random.default_rng(TEXTURE_NAMES.index(name) + 1000)
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32) / n
    tint = rng.uniform(0.35, 1.0, size=3).astype(np.float32)
    if name == "noise":
        g = _smooth_noise(rng, 3)
        return np.stack([g * tint[0] + 0.1, g * tint[1] + 0.1, g * tint[2] + 0.1], axis=-1).clip(0, 1)
    if name == "checker":
        cells = ((np.floor(xx * 8) + np.floor(yy * 8)) % 2).astype(np.float32)
        g = 0.2 + 0.6 * cells + 0.15 * _smooth_noise(rng, 4)
        return (g[..., None] * tint).clip(0, 1)
    if name == "stripes":
        g = 0.5 + 0.4 * np.sin(2 * np.pi * (6 * xx + 2 * yy)) + 0.1 * _smooth_noise(rng, 4)
        return (g[..., None] * tint).clip(0, 1)
    if name == "tiles":
        mortar = (np.minimum((xx * 4) % 1, (yy * 4) % 1) < 0.06).astype(np.float32)
        cell = rng.uniform(0.4, 0.9, size=(4, 4)).astype(np.float32)
        g = cell[(yy * 4).astype(int) % 4, (xx * 4).astype(int) % 4] * (1 - mortar) + 0.15 * mortar
        g = g + 0.15 * (_smooth_noise(rng, 5) - 0.5)
        return (g[..., None] * tint).clip(0, 1)
    if name == "clouds":
        g = _smooth_noise(rng, 2)
        sky = np.array([0.45, 0.62, 0.9], dtype=np.float32)
        return (sky * (1 - 0.6 * g[..., None]) + 0.6 * g[..., None]).clip(0, 1)
    raise KeyError(name)


def _load(name: str) -> NDArray[np.float32]:
    if name in _PROCEDURAL:
        return _procedural(name)
    import skimage.data

    loader: Callable[[], NDArray[np.generic]] = getattr(skimage.data, name)
    return _square(loader())


def _low_texture(tex: NDArray[np.float32]) -> NDArray[np.float32]:
    import cv2

    pad = 24  # wrap-pad so the blurred texture still tiles seamlessly
    padded = np.pad(tex, ((pad, pad), (pad, pad), (0, 0)), mode="wrap")
    blurred = cv2.GaussianBlur(padded, (0, 0), 6.0)[pad:-pad, pad:-pad]
    mean = blurred.mean(axis=(0, 1), keepdims=True)
    return (mean + _LOW_CONTRAST * (blurred - mean)).astype(np.float32)


@functools.lru_cache(maxsize=1)
def texture_bank() -> TextureBank:
    """All textures (normal variants first, then the low-texture variants), cached per process."""
    normal = [_load(n) for n in TEXTURE_NAMES]
    low = [_low_texture(t) for t in normal]
    return TextureBank(np.stack(normal + low))
