"""``colmap`` on internet-video layouts built from the committed real clips (``tests/data/real``).

COLMAP already extracts no features where :func:`overlay.static_mask` masks (bars, logos,
subtitles, blurred side panels): its per-image masks. What the layouts broke was the camera it
assumed: the initial focal length came from the frame's longer side, so a 9:16 phone video posted
in a 16:9 frame between blurred copies of itself got 1.8x the picture's focal length (415.7 px
for a 152x270 picture in 480x270), and a rotation-only estimate read its pan and tilt 0.57x as
wide as on the picture alone. The field of view is now assumed across the picture
(:attr:`StaticMask.picture`), principal point at its centre, as ``fast`` does.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.colmap import ColmapPredictor, match_frames
from camerabench.baselines.geometry.overlay import static_mask
from camerabench.dataset import Question
from camerabench.errors import CameraBenchError
from camerabench.taxonomy import Primitive
from camerabench.trajectory import intrinsic_from_fov, picture_intrinsic
from camerabench.video import read_video, write_video

from .layouts import phone_in_landscape

VIDEOS = Path(__file__).resolve().parents[2] / "tests" / "data" / "real" / "videos"
QUESTIONS = [Question(p.question, p) for p in Primitive]
SUBTITLES = ("Where are we going?", "Just keep walking.", "It is not far now.", "Look, over there!")


def letterbox_with_subtitles(frames: NDArray[np.uint8], fps: float) -> NDArray[np.uint8]:
    """Black bars above and below (18% of the picture's height together), white subtitles with a
    black outline in the lower bar, their text changing every second."""
    n, h, w, _ = frames.shape
    bar = round(0.18 * h) // 2 * 2
    out = np.zeros((n, h + 2 * bar, w, 3), np.uint8)
    out[:, bar : bar + h] = frames
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, out.shape[1] / 400.0
    for i in range(n):
        text = SUBTITLES[int(i / fps) % len(SUBTITLES)]
        (tw, _), _ = cv2.getTextSize(text, font, scale, 1)
        img = np.ascontiguousarray(out[i])
        for colour, thickness in (((0, 0, 0), 3), ((255, 255, 255), 1)):
            cv2.putText(img, text, ((w - tw) // 2, h + bar + bar // 2 + 4), font, scale, colour, thickness, cv2.LINE_AA)
        out[i] = img
    return out


def test_the_focal_length_is_guessed_across_the_picture_inside_panels() -> None:
    # a 152x270 phone picture in a 480x270 frame: the picture's height's 60 deg, not the frame's width's
    k = picture_intrinsic((164, 0, 316, 270), 60.0)
    assert k[0, 0] == k[1, 1] == pytest.approx(233.83, abs=0.01)  # old: 415.7 (480 px across 60 deg)
    assert (k[0, 2], k[1, 2]) == (239.5, 134.5)
    # the whole frame (no bars, no panels): the frame's guess, as before
    np.testing.assert_array_equal(picture_intrinsic((0, 0, 360, 270), 60.0), intrinsic_from_fov(360, 270, 60.0))
    # uneven bars move the principal point to the picture's centre
    k = picture_intrinsic((0, 36, 480, 255), 60.0)
    assert k[0, 0] == pytest.approx(415.69, abs=0.01) and k[1, 2] == 36 + 218 / 2
    for bad in ((10, 0, 10, 270), (0, -1, 480, 270), (300, 0, 200, 270)):
        with pytest.raises(CameraBenchError, match="not a region"):
            picture_intrinsic(bad, 60.0)


def test_features_avoid_bars_and_subtitles_and_the_principal_point_is_the_pictures(tmp_path: Path) -> None:
    """COLMAP's per-image masks keep SIFT off the bars' edges and the subtitles (which change
    every second and move with nothing); the camera COLMAP starts from has the principal point
    given (old: match_frames had no principal point, always the frame's centre)."""
    frames = letterbox_with_subtitles(read_video(VIDEOS / "opencv_vtest_digital_pan_right.mp4").frames[:30:3], 10 / 3)
    mask = static_mask(np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]))
    assert mask.bars["top"] == 48 and not mask.usable[:52].any()  # the upper bar and its margin
    subtitles = np.zeros(mask.usable.shape, bool)
    subtitles[318:] = frames[:, 318:].max(axis=(0, 3)) > 40  # every text shown, in the lower bar
    assert subtitles.sum() > 1000 and mask.usable[subtitles].mean() < 0.01  # 2 of 3,112 pixels usable
    matched = match_frames(
        frames[:2],
        tmp_path,
        num_threads=1,
        max_features=1024,
        prior_focal_px=311.0,
        usable=mask.usable,
        principal_point=(179.5, 150.0),
    )
    with sqlite3.connect(matched.database) as db:
        params = [np.frombuffer(blob, np.float64) for (blob,) in db.execute("SELECT params FROM cameras")]
        keypoints = [
            np.frombuffer(blob, np.float32).reshape(r, c)
            for r, c, blob in db.execute("SELECT rows, cols, data FROM keypoints")
        ]
    assert [p.tolist() for p in params] == [[311.0, 179.5, 150.0]] * 2
    xy = np.concatenate([k[:, :2] for k in keypoints])
    assert len(xy) > 300
    cols, rows = np.clip(xy[:, 0].astype(int), 0, 359), np.clip(xy[:, 1].astype(int), 0, frames.shape[1] - 1)
    assert mask.usable[rows, cols].all()
    assert rows.min() >= 52  # none on the upper bar or its edge
    # none on the subtitles (rows 326-351, columns 52-306; without the mask 354 of 3,232 were)
    assert not ((rows >= 324) & (cols >= 50) & (cols <= 308)).any()
    with pytest.raises(CameraBenchError, match="outside the 360x366 frames"):
        match_frames(frames[:2], tmp_path / "bad", prior_focal_px=311.0, principal_point=(400.0, 10.0))


@pytest.mark.slow
def test_colmap_on_a_phone_video_between_blurred_copies_reads_the_pan_of_the_picture(tmp_path: Path) -> None:
    """10 frames (3 s) of the real digital pan right, posted as a phone video between blurred
    copies of itself. Measured (rotation-only estimate, 5 fps): the 9:16 picture alone 0.144 Pan_Right
    at the 233.8 px guess; in the layout old 0.082 at the frame's 415.7 px guess, new 0.143."""
    frames = read_video(VIDEOS / "opencv_vtest_digital_pan_right.mp4").frames[:30:3]
    path = tmp_path / "phone.mp4"
    write_video(path, phone_in_landscape(frames), 5.0)
    result = ColmapPredictor(sample_fps=5.0, deterministic=True).predict(path, QUESTIONS)
    assert result.info["panels_px"]["left"] > 150 and result.info["panels_px"]["right"] > 150
    assert result.trajectory is not None and result.trajectory.intrinsic is not None
    k = result.trajectory.intrinsic[0]
    assert k[0, 0] == pytest.approx(233.8, abs=0.1) and k[0, 2] == pytest.approx(239.5)
    best = max((p for p in Primitive if p is not Primitive.STATIC), key=lambda p: result.scores[p.question])
    assert best is Primitive.PAN_RIGHT
    assert result.scores[Primitive.PAN_RIGHT.question] > 0.12  # old: 0.082
