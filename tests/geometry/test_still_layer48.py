"""A still camera behind a large subject on a dark, defocused background (red team R41).

A film close-up (``Megamind.avi`` of opencv-doc, frames 226-269: a face filling 40-80 % of the
frame leans back, shrinking 18 %, over a dark blurred background) read Static -0.126 with
``fast``: the face held the SIFT matches, and per consecutive pair the background's zero flow could
not be told from a slow drift. Over the whole shot it can: the first frame shares a still layer
with the middle and the last (``fast.still_layer``), and such a shot is now still.
"""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.fast import (
    STILL_LAYER_MAX_SPREAD_PX,
    STILL_LAYER_MIN_SHARE,
    FastOptions,
    FastPredictor,
    held_still,
    still_layer,
)
from camerabench.baselines.geometry.scoring import trajectory_scores
from camerabench.taxonomy import Primitive
from camerabench.video import read_video

REAL = Path(__file__).resolve().parents[2] / "tests" / "data" / "real" / "videos"
W, H, N, FPS = 480, 352, 24, 12


def _close_up(pan_px: float = 0.0, seed: int = 0) -> NDArray[np.uint8]:
    """A dark, blurred room (a candle flame, a table edge) and a textured face filling the frame's
    middle that leans back (x0.82) and rises 40 px with a changing shear (not one rigid motion);
    with ``pan_px`` the camera pans that many pixels a frame (the whole picture slides left)."""
    rng = np.random.default_rng(seed)
    wide = W + int(np.ceil(pan_px * N)) + 1
    blobs = cv2.GaussianBlur(rng.uniform(0, 1, (H, wide)).astype(np.float32), (0, 0), 9)
    blobs = (blobs - blobs.min()) / np.ptp(blobs)
    room = np.full((H, wide, 3), (28, 14, 10), np.float32) + np.stack([60 * blobs, 30 * blobs, 20 * blobs], -1)
    cv2.circle(room, (40, 300), 10, (255, 220, 150), -1)
    cv2.rectangle(room, (0, 318), (150, H), (120, 110, 100), -1)
    room = cv2.GaussianBlur(room, (0, 0), 2.5)
    size = 300
    skin = cv2.GaussianBlur(rng.uniform(0, 1, (size, size)).astype(np.float32), (0, 0), 2)
    skin = (skin - skin.min()) / np.ptp(skin)
    face = np.stack([200 * skin + 40, 150 * skin + 40, 120 * skin + 30], -1)
    yy, xx = np.mgrid[:size, :size]
    inside = ((xx - size / 2) / (size * 0.42)) ** 2 + ((yy - size / 2) / (size * 0.5)) ** 2 <= 1
    frames = []
    for i in range(N):
        t = i / (N - 1)
        scale = 1.0 - 0.18 * t
        lean = np.array([[scale, 0.05 * np.sin(5 * t), 0], [0.03 * np.cos(4 * t), scale, 0]], np.float32)
        lean[:, 2] = [W / 2 + 10 * np.sin(3 * t), H / 2 + 20 - 40 * t] - lean[:, :2] @ [size / 2, size / 2]
        x0 = round(pan_px * i)
        lean[0, 2] += x0  # the face in room coordinates: it stays in the frame's middle
        on = cv2.warpAffine(inside.astype(np.float32), lean, (wide, H))[..., None]
        picture = room * (1 - on) + cv2.warpAffine(face, lean, (wide, H)) * on
        frames.append(np.clip(picture[:, x0 : x0 + W], 0, 255).astype(np.uint8))
    return np.stack(frames)


def _write(path: Path, frames: NDArray[np.uint8]) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def _grey(frames: NDArray[np.uint8]) -> list[NDArray[np.uint8]]:
    return [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]


def test_the_close_up_shares_a_still_layer_from_first_to_last_frame() -> None:
    grays = _grey(_close_up())
    layer = still_layer(grays[0], grays[-1])
    assert layer is not None
    assert layer["share"] >= STILL_LAYER_MIN_SHARE
    assert layer["spread_px"] <= STILL_LAYER_MAX_SPREAD_PX
    held = held_still(grays)
    assert held is not None and held["to_last"] == layer


@pytest.mark.parametrize("pan_px", [0.3, 1.0])
def test_a_panning_camera_leaves_the_layer(pan_px: float) -> None:
    grays = _grey(_close_up(pan_px))
    assert still_layer(grays[0], grays[-1]) is None
    assert held_still(grays) is None


def test_fast_reads_the_close_up_still(tmp_path: Path) -> None:
    predictor = FastPredictor(FastOptions())
    predictor.setup()
    traj, info = predictor.estimate(_write(tmp_path / "close_up.mp4", _close_up()))
    assert info["still_layer"]["to_last"]["cells"] >= 8
    scores = trajectory_scores(traj)
    assert scores[Primitive.STATIC] == pytest.approx(0.0, abs=1e-9)
    assert max(abs(v) for p, v in scores.items() if p is not Primitive.STATIC) == pytest.approx(0.0, abs=1e-9)
    assert np.allclose(traj.cam_c2w, np.eye(4))


def test_fast_does_not_make_a_pan_behind_the_subject_still(tmp_path: Path) -> None:
    predictor = FastPredictor(FastOptions())
    predictor.setup()
    traj, info = predictor.estimate(_write(tmp_path / "pan.mp4", _close_up(pan_px=1.0)))
    assert "still_layer" not in info
    assert trajectory_scores(traj)[Primitive.STATIC] < -0.02


def test_real_clips_still_and_panning() -> None:
    still = _grey(read_video(REAL / "opencv_vtest_static.mp4", fps=5.0, max_side=480).frames)
    panning = _grey(read_video(REAL / "opencv_vtest_digital_pan_right.mp4", fps=5.0, max_side=480).frames)
    assert held_still(still) is not None  # a surveillance camera with people walking through
    assert held_still(panning) is None


def test_too_few_frames_or_points() -> None:
    grays = _grey(_close_up())
    assert held_still(grays[:2]) is None
    flat = np.full((H, W), 90, np.uint8)
    assert still_layer(flat, flat) is None  # no image structure: no dense-flow points
