"""Internet-video layouts built from real clips, for the geometry tests (not a test module)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation


def phone_in_landscape(frames: NDArray[np.uint8], width: int = 480, height: int = 270) -> NDArray[np.uint8]:
    """The middle 9:16 of each frame, centred in a 16:9 frame over a blurred (sigma 12 px),
    darkened (60%) copy of itself enlarged to the frame's width, as phone apps post them."""
    n, h, w, _ = frames.shape
    crop = round(h * 9 / 16)
    portrait = frames[:, :, (w - crop) // 2 : (w - crop) // 2 + crop]
    inner = round(crop * height / h) // 2 * 2
    out = np.zeros((n, height, width, 3), np.uint8)
    for i in range(n):
        big = cv2.resize(portrait[i], (width, round(h * width / crop)))
        top = (big.shape[0] - height) // 2
        out[i] = (cv2.GaussianBlur(big[top : top + height], (0, 0), 12) * 0.6).astype(np.uint8)
        x0 = (width - inner) // 2
        out[i, :, x0 : x0 + inner] = cv2.resize(portrait[i], (inner, height))
    return out


def landscape_in_portrait(frames: NDArray[np.uint8], width: int = 202, height: int = 360) -> NDArray[np.uint8]:
    """The whole frame, fitted to a portrait frame's width, over a blurred enlarged copy."""
    n, h, w, _ = frames.shape
    inner = round(h * width / w) // 2 * 2
    out = np.zeros((n, height, width, 3), np.uint8)
    for i in range(n):
        big = cv2.resize(frames[i], (round(w * height / h), height))
        left = (big.shape[1] - width) // 2
        out[i] = (cv2.GaussianBlur(big[:, left : left + width], (0, 0), 8) * 0.6).astype(np.uint8)
        y0 = (height - inner) // 2
        out[i, y0 : y0 + inner] = cv2.resize(frames[i], (width, inner))
    return out


def split_screen(frames_a: NDArray[np.uint8], frames_b: NDArray[np.uint8], stacked: bool = False) -> NDArray[np.uint8]:
    """Two clips in one frame, as reaction and comparison videos post them: the middle half of
    each clip's width side by side (``a`` left), or of its height one above the other (``a``
    on top); the shorter clip sets the length."""
    n = min(len(frames_a), len(frames_b))
    a, b = frames_a[:n], frames_b[:n]
    if a.shape[1:3] != b.shape[1:3]:
        b = np.stack([cv2.resize(f, (a.shape[2], a.shape[1]), interpolation=cv2.INTER_AREA) for f in b])
    h, w = a.shape[1:3]
    if stacked:
        top = h // 4
        return np.concatenate([a[:, top : top + h // 2], b[:, top : top + h // 2]], axis=1)
    left = w // 4
    return np.concatenate([a[:, :, left : left + w // 2], b[:, :, left : left + w // 2]], axis=2)


def texture_poor(frames: NDArray[np.uint8], contrast: float = 0.25) -> NDArray[np.uint8]:
    """Each frame's grey levels pulled towards its mean grey to ``contrast`` of their spread, as
    in grey, texture-poor footage (the visp clips of the real set: a grey cube on a grey table)."""
    mean = frames.reshape(len(frames), -1).mean(axis=1)[:, None, None, None]
    return np.clip(np.round(mean + (frames - mean) * contrast), 0, 255).astype(np.uint8)


def _smooth_texture(rng: np.random.Generator, shape: tuple[int, int], sigma: float, lo: float, hi: float) -> NDArray:
    noise = cv2.GaussianBlur(rng.uniform(0, 255, shape).astype(np.float32), (0, 0), sigma)
    return ((noise - noise.min()) / (noise.max() - noise.min()) * (hi - lo) + lo).astype(np.float32)


def seen_turning(pts: NDArray[np.float64], k: NDArray[np.float64], rotvec_deg: Sequence[float], zoom: float) -> NDArray:
    """Where a camera ``k`` turning ``rotvec_deg`` (degrees, camera axes) and zooming ``zoom`` sees
    the (M, 2) pixels ``pts`` of a still scene."""
    k_b = k.copy()
    k_b[:2, :2] *= zoom
    rays = np.c_[pts, np.ones(len(pts))] @ np.linalg.inv(k).T
    seen = rays @ Rotation.from_rotvec(np.deg2rad(rotvec_deg)).as_matrix().T @ k_b.T
    return seen[:, :2] / seen[:, 2:]


def _panned(texture: NDArray, k: NDArray[np.float64], pan_deg: float, size: tuple[int, int]) -> NDArray:
    """What a camera ``k`` turned ``pan_deg`` about its vertical axis sees of a flat ``texture``
    that starts half a frame left of the unturned view (borders reflected)."""
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    pixels = np.stack([xs, ys, np.ones_like(xs)], -1).reshape(-1, 3)
    turn = k @ Rotation.from_rotvec([0.0, np.deg2rad(pan_deg), 0.0]).as_matrix() @ np.linalg.inv(k)
    src = pixels @ np.linalg.inv(turn).T
    map_x = (src[:, 0] / src[:, 2] + width / 2).reshape(height, width).astype(np.float32)
    map_y = (src[:, 1] / src[:, 2]).reshape(height, width).astype(np.float32)
    return cv2.remap(texture, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _grey_rgb(img: NDArray, rng: np.random.Generator) -> NDArray[np.uint8]:
    """A grey picture with sensor grain (sigma 2 grey levels) as an (H, W, 3) uint8 RGB frame."""
    img = img + rng.normal(0.0, 2.0, img.shape)
    return np.repeat(np.clip(img, 0, 255).astype(np.uint8)[..., None], 3, 2)


def desk_with_pushed_blocks(
    offsets: Sequence[int],
    k: NDArray[np.float64],
    pan_deg: float = 0.4,
    seed: int = 0,
    size: tuple[int, int] = (320, 240),
    desk: tuple[float, float, float] = (6.0, 90.0, 170.0),
) -> NDArray[np.uint8]:
    """A camera panning ``pan_deg`` a frame over a weakly textured desk (smooth, low contrast: SIFT
    finds almost nothing on it) while two strongly textured blocks are pushed about in its lower
    right quarter, one right and one down, ``offsets[i]`` steps in frame i (as a hand pushes a cube
    on the real ViSP desk): (N, H, W, 3) grey RGB frames seen through ``k``. ``desk``: the desk
    texture's blur (sigma, px) and grey range."""
    width, height = size
    rng = np.random.default_rng(seed)
    texture = _smooth_texture(rng, (height, 2 * width), *desk)
    block = _smooth_texture(rng, (50, 50), 1.0, 20, 235)
    frames = []
    for i, step in enumerate(offsets):
        img = _panned(texture, k, pan_deg * i, size)
        for x0, y0, dx, dy in ((180, 120, 5, 0), (240, 60, -1, 6)):  # pushed right; pushed down
            x, y = x0 + dx * step, y0 + dy * step
            h, w = img[y : y + 50, x : x + 50].shape
            img[y : y + h, x : x + w] = block[:h, :w]
        frames.append(_grey_rgb(img, rng))
    return np.stack(frames)


def desk_with_turned_sheet(
    frames: int,
    k: NDArray[np.float64],
    pan_deg: float,
    turn_deg: float,
    seed: int = 0,
    size: tuple[int, int] = (320, 240),
    desk: tuple[float, float, float] = (6.0, 90.0, 170.0),
) -> NDArray[np.uint8]:
    """A camera panning ``pan_deg`` a frame over a weakly textured desk (smooth, low contrast: SIFT
    finds almost nothing on it, dense flow follows it) while a strongly textured sheet lying in its
    upper left quarter is turned by hand ``turn_deg`` a frame about its own centre (as the paper
    under the cube of the real ViSP desk): (N, H, W, 3) grey RGB frames seen through ``k``. The
    sheet moves with the desk as the camera pans and turns on it besides. ``desk``: the desk
    texture's blur (sigma, px) and grey range."""
    width, height = size
    rng = np.random.default_rng(seed)
    texture = _smooth_texture(rng, (height, 2 * width), *desk)
    sheet = _smooth_texture(rng, (70, 70), 1.0, 20, 235)
    centre = (width / 2 + 70.0, 65.0)  # on the desk texture (which starts width / 2 left of the frame)
    out = []
    for i in range(frames):
        scene = texture.copy()
        turn = cv2.getRotationMatrix2D((35.0, 35.0), turn_deg * i, 1.0)
        turned = cv2.warpAffine(sheet, turn, (70, 70), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        y0, x0 = int(centre[1] - 35), int(centre[0] - 35)
        scene[y0 : y0 + 70, x0 : x0 + 70] = turned
        out.append(_grey_rgb(_panned(scene, k, pan_deg * i, size), rng))
    return np.stack(out)


def desk_zooming_out_with_pushed_blocks(
    frames: int,
    zoom: float,
    pushed_from: int,
    push_px: float,
    seed: int = 0,
    size: tuple[int, int] = (320, 240),
    desk: tuple[float, float, float] = (11.0, 118.0, 142.0),
) -> NDArray[np.uint8]:
    """A camera held still that zooms out ``zoom`` a frame (a digital zoom: the picture is a centred
    window of a scene twice the frame's size, widening by ``1 / zoom`` a frame) over a weakly
    textured desk (smooth, low contrast) with two strongly textured blocks on it, still until frame
    ``pushed_from`` and pushed from there on, one right and one down, ``push_px`` scene pixels a
    frame (as a hand pushes the cube of the real ViSP desk while the picture zooms out):
    (N, H, W, 3) grey RGB frames. ``desk``: its texture's blur (sigma, frame px) and grey range."""
    width, height = size
    scale = 2  # the scene's pixels per frame pixel at the first frame
    rng = np.random.default_rng(seed)
    sigma, lo, hi = desk
    texture = _smooth_texture(rng, (height * scale, width * scale), sigma * scale, lo, hi)
    blocks = [_smooth_texture(rng, (50 * scale, 50 * scale), 1.0 * scale, 20, 235) for _ in range(2)]
    out = []
    for i in range(frames):
        scene = texture.copy()
        steps = max(0, i - pushed_from + 1)
        for block, (x0, y0, dx, dy) in zip(blocks, ((370, 290, 1, 0), (450, 200, 0, 1)), strict=True):
            x, y = int(x0 + dx * push_px * steps), int(y0 + dy * push_px * steps)
            h, w = scene[y : y + block.shape[0], x : x + block.shape[1]].shape
            scene[y : y + h, x : x + w] = block[:h, :w]
        # frame pixel p shows scene pixel centre + (p - frame centre) * scale / zoom**i
        shrink = zoom**i / scale
        to_frame = np.array(
            [[shrink, 0.0, width / 2 * (1 - shrink * scale)], [0.0, shrink, height / 2 * (1 - shrink * scale)]]
        )
        img = cv2.warpAffine(scene, to_frame, (width, height), flags=cv2.INTER_AREA)
        img = img + rng.normal(0.0, 2.0, img.shape)
        out.append(np.repeat(np.clip(img, 0, 255).astype(np.uint8)[..., None], 3, 2))
    return np.stack(out)


def consecutive_sift_pairs(
    frames: NDArray[np.uint8],
) -> tuple[dict[tuple[int, int], tuple[NDArray[np.float64], NDArray[np.float64]]], NDArray[np.uint8]]:
    """SIFT matches of consecutive (N, H, W, 3) RGB frames as ``fast`` finds them (standing in for
    COLMAP's verified matches in the rotation-only chain's tests), and the grey frames."""
    from camerabench.baselines.geometry import fast

    grays = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])
    feats = [fast._features(g, 1000) for g in grays]
    pairs = {}
    for i in range(len(frames) - 1):
        idx = fast._match(feats[i][1], feats[i + 1][1])
        pairs[(i, i + 1)] = (feats[i][0][idx[:, 0]].astype(float), feats[i + 1][0][idx[:, 1]].astype(float))
    return pairs, grays
