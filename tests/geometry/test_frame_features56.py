"""fast: SIFT started while the clip decodes (FrameFeatures) gives the features and trajectories of before.

The overlap rests on one property of OpenCV's SIFT: a run with a mask equals an unmasked run
whose keypoints are then kept where the mask is not 0 (``fast._in_mask``). It is checked here on
real frames against OpenCV itself, and the whole estimate against the path that runs SIFT with
the mask after decoding.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

import camerabench.baselines.geometry.fast as fast
from camerabench.video import read_video, write_video

REAL = Path(__file__).resolve().parents[1] / "data" / "real" / "videos"


def _grays(name: str, count: int) -> list[np.ndarray]:
    clip = read_video(REAL / name, num_frames=count, max_side=480)
    return [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in clip.frames]


def _masks(shape: tuple[int, int]) -> dict[str, np.ndarray]:
    h, w = shape
    bars = np.full(shape, 255, np.uint8)
    bars[: h // 8] = 0
    bars[-h // 8 :] = 0
    logo = np.full(shape, 255, np.uint8)
    logo[5 : h // 4, w - w // 4 : w - 5] = 0
    rng = np.random.default_rng(0)
    speckle = np.where(rng.random(shape) < 0.3, 0, 255).astype(np.uint8)  # every rounding edge case
    return {"bars": bars, "logo": logo, "speckle": speckle}


@pytest.mark.parametrize("name", ["opencv_vtest_digital_pan_right.mp4", "kivy_city_widen.mp4"])
def test_unmasked_sift_kept_by_the_mask_equals_masked_sift(name: str) -> None:
    for gray in _grays(name, 3):
        unmasked = fast._features(gray, 1000)
        for kind, mask in _masks(gray.shape).items():
            pts, desc = fast._features(gray, 1000, mask)
            kept_pts, kept_desc = fast._in_mask(unmasked, mask)
            assert 0 < len(pts) < len(unmasked[0]), kind  # the mask removed some and kept some
            np.testing.assert_array_equal(kept_pts, pts, err_msg=kind)
            np.testing.assert_array_equal(kept_desc, desc, err_msg=kind)


def test_on_frame_sees_every_frame_of_the_clip_as_it_is_read() -> None:
    seen: list[np.ndarray] = []
    clip = read_video(REAL / "opencv_vtest_static.mp4", fps=5.0, max_side=240, on_frame=seen.append)
    assert len(seen) >= len(clip) > 2
    for frame in clip.frames:
        assert any(np.array_equal(frame, s) for s in seen)


def test_on_frame_that_raises_stops_the_reading() -> None:
    def refuse(frame: np.ndarray) -> None:
        raise RuntimeError("no more")

    with pytest.raises(RuntimeError, match="no more"):
        read_video(REAL / "opencv_vtest_static.mp4", fps=5.0, max_side=240, on_frame=refuse)


def _with_overlay(tmp_path: Path) -> Path:
    """A real pan with burnt-in letterbox bars and a corner logo (the overlay mask is not empty)."""
    clip = read_video(REAL / "opencv_vtest_digital_pan_right.mp4")
    frames = clip.frames.copy()
    h, w = frames.shape[1:3]
    frames[:, : h // 10] = 0
    frames[:, -h // 10 :] = 0
    for f in frames:
        cv2.putText(f, "CB56", (w - 90, h // 10 + 30), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (255, 255, 255), 2, cv2.LINE_AA)
    path = tmp_path / "pan_with_overlay.mp4"
    write_video(path, frames, fps=float(round(1.0 / np.median(np.diff(clip.timestamps)))))
    return path


def test_estimate_with_features_started_while_decoding_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = _with_overlay(tmp_path)
    predictor = fast.FastPredictor()
    predictor.setup()
    traj, info = predictor.estimate(video)
    assert info["masked_fraction"] > 0.1 and info["overlay_px"] > 0  # bars and the logo are masked
    started: list[int] = []
    real_add = fast.FrameFeatures.add
    monkeypatch.setattr(fast.FrameFeatures, "add", lambda self, frame: started.append(1))
    again, info_again = predictor.estimate(video)  # every frame's SIFT now runs with the mask, after decoding
    monkeypatch.setattr(fast.FrameFeatures, "add", real_add)
    assert started and len(started) >= info["frames"]
    np.testing.assert_array_equal(traj.cam_c2w, again.cam_c2w)
    np.testing.assert_array_equal(traj.intrinsic, again.intrinsic)
    assert info == info_again
