"""Cuts the colour cue misses, found where feature matching cannot relate two frames (red team R41).

Two real film cuts between dark shots of one scene (``Megamind.avi`` of opencv-doc) changed the
hue-saturation histogram by 0.317 and 0.362: under ``CUT_DISTANCE`` (0.35) or not lasting, so
``detect_cuts`` missed them; ``fast`` and ``colmap`` then failed the clip ("only 4 feature matches
and 0 dense-flow points", "registered 12 of 23 frames"), and across a synthetic cut of that kind
``fast``'s dense flow related the two textures as a turn with a move (Move_In 0.11 on a pan). A
change the geometry cannot relate that stands out of the clip (``UNRELATED_CUT_DISTANCE`` and
``UNRELATED_CUT_RATIO`` times the clip's median change) is now a cut: the longest shot is estimated.
"""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.colmap import ColmapOptions, ColmapPredictor, unrelated_breaks
from camerabench.baselines.geometry.fast import FastOptions, FastPredictor
from camerabench.baselines.geometry.scoring import trajectory_scores
from camerabench.baselines.geometry.shots import (
    CUT_DISTANCE,
    UNRELATED_CUT_DISTANCE,
    UNRELATED_CUT_RATIO,
    UnrelatedCuts,
    cut_distances,
    detect_cuts,
    unrelated_cut,
)
from camerabench.baselines.geometry.twoview import MIN_MATCHES
from camerabench.taxonomy import Primitive

FPS = 5


def _texture(seed: int, hue: float, width: int = 900, height: int = 300) -> NDArray[np.uint8]:
    """A smooth random texture of one palette: hue ``hue`` +- 15 (OpenCV's 0-180 scale)."""
    rng = np.random.default_rng(seed)
    base = cv2.GaussianBlur(rng.uniform(0, 1, (height, width)).astype(np.float32), (0, 0), 3)
    base = (base - base.min()) / np.ptp(base)
    fine = cv2.GaussianBlur(rng.uniform(0, 1, (height, width)).astype(np.float32), (0, 0), 1.2)
    value = np.clip(40 + 150 * base + 80 * (fine - 0.5), 0, 255)
    hsv = np.stack([hue + 30 * (base - 0.5), 170 + 40 * (fine - 0.5), value], -1)
    return cv2.cvtColor(np.clip(hsv, 0, 255).astype(np.uint8), cv2.COLOR_HSV2RGB)


def _pan(texture: NDArray[np.uint8], frames: int, step: int = 6) -> list[NDArray[np.uint8]]:
    """A 320x240 window sliding right ``step`` px a frame: the content moves left, a pan right."""
    return [np.ascontiguousarray(texture[40:280, 20 + step * i : 340 + step * i]) for i in range(frames)]


def _two_shots(hue_b: float = 14.0) -> NDArray[np.uint8]:
    """Six frames panning over one texture, then six over another of a near palette: a cut at 6."""
    return np.stack(_pan(_texture(1, 12.0), 6) + _pan(_texture(2, hue_b), 6))


def _write(path: Path, frames: NDArray[np.uint8]) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def test_the_colour_cue_misses_the_cut_and_the_unrelated_check_finds_it() -> None:
    frames = _two_shots()
    change = cut_distances(frames)
    assert UNRELATED_CUT_DISTANCE <= change[5] < CUT_DISTANCE  # the cut: under the colour cue's threshold
    assert float(np.delete(change, 5).max()) < 0.02  # within the shots
    assert detect_cuts(frames) == []
    found = unrelated_cut(frames, 6)
    assert found is not None
    assert found[0] == pytest.approx(change[5])
    assert found[1] == pytest.approx(change[5] / np.median(np.delete(change, 5)))
    assert found[1] >= UNRELATED_CUT_RATIO
    check = UnrelatedCuts(frames)
    assert [k for k in range(1, len(frames)) if check(k) is not None] == [6]


def test_a_change_under_the_floor_or_like_the_clips_own_is_no_cut() -> None:
    near = _two_shots(hue_b=12.5)  # another texture of the same palette: the histogram barely moves
    assert cut_distances(near)[5] < UNRELATED_CUT_DISTANCE
    assert unrelated_cut(near, 6) is None
    # the same change where the clip changes as much between every pair: it does not stand out
    a, b = _texture(1, 12.0)[40:280, 20:340], _texture(2, 14.0)[40:280, 20:340]
    flicker = np.stack([a, b] * 6)
    assert cut_distances(flicker).min() >= UNRELATED_CUT_DISTANCE
    assert all(unrelated_cut(flicker, k) is None for k in range(1, 12))
    steady = np.stack([a] * 4)
    assert unrelated_cut(steady, 2) is None  # no change at all


def test_bad_frame_indices_are_refused() -> None:
    frames = _two_shots()
    with pytest.raises(ValueError, match=r"k must be a frame index in 1\.\.11"):
        unrelated_cut(frames, 0)
    with pytest.raises(ValueError, match="k must be a frame index"):
        UnrelatedCuts(frames)(12)
    with pytest.raises(ValueError):
        unrelated_cut(frames[..., 0], 1)  # not RGB


def test_fast_estimates_the_longest_shot_instead_of_relating_the_cut(tmp_path: Path) -> None:
    video = _write(tmp_path / "two_shots.mp4", _two_shots())
    predictor = FastPredictor(FastOptions())
    predictor.setup()
    traj, info = predictor.estimate(video)
    assert info["cuts_from_unrelated_frames"] == 1
    assert info["cuts_s"] == [pytest.approx(6 / FPS, abs=0.01)]
    assert info["shot_s"] == [0.0, pytest.approx(5 / FPS, abs=0.01)]
    scores = trajectory_scores(traj)
    # the first shot's pan (1.1 deg a frame to the right), nothing of the cut's misreading
    assert scores[Primitive.PAN_RIGHT] > 0.05
    for other in (Primitive.MOVE_IN, Primitive.MOVE_OUT, Primitive.MOVE_LEFT, Primitive.ROLL_CLOCKWISE):
        assert abs(scores[other]) < 0.01, other


def test_colmap_reconstructs_the_longest_shot(tmp_path: Path) -> None:
    video = _write(tmp_path / "two_shots.mp4", _two_shots())
    predictor = ColmapPredictor(ColmapOptions())
    predictor.setup()
    traj, info = predictor.estimate(video)
    assert info["cuts_from_unrelated_frames"] == 1
    assert info["cuts_s"] == [pytest.approx(6 / FPS, abs=0.01)]
    scores = trajectory_scores(traj)
    assert scores[Primitive.PAN_RIGHT] > 0.05
    assert abs(scores[Primitive.MOVE_IN]) < 0.01


def test_one_continuous_shot_keeps_its_frames(tmp_path: Path) -> None:
    video = _write(tmp_path / "one_shot.mp4", np.stack(_pan(_texture(1, 12.0), 12)))
    predictor = FastPredictor(FastOptions())
    predictor.setup()
    _, info = predictor.estimate(video)
    assert "cuts_from_unrelated_frames" not in info and "cuts_s" not in info


def test_unrelated_breaks_finds_where_the_match_graph_breaks() -> None:
    pts = np.zeros((MIN_MATCHES, 2))
    few = np.zeros((MIN_MATCHES - 1, 2))
    pairs = {(0, 1): (pts, pts), (1, 2): (few, few), (2, 3): (pts, pts), (1, 3): (few, few)}
    assert unrelated_breaks(pairs, 4) == [2]
    pairs[(0, 2)] = (pts, pts)  # a wider pair bridges it
    assert unrelated_breaks(pairs, 4) == []
    assert unrelated_breaks({}, 3) == [1, 2]


def test_black_frames_are_left_out_not_taken_for_a_cut(tmp_path: Path) -> None:
    frames = _two_shots()
    frames[6:] = 0  # the second shot black: blank frames at the end, no picture to cut to
    video = _write(tmp_path / "black_end.mp4", frames)
    predictor = FastPredictor(FastOptions())
    predictor.setup()
    traj, info = predictor.estimate(video)
    assert info["blank_frames_skipped"]["end"] == 6
    assert "cuts_from_unrelated_frames" not in info and "cuts_s" not in info
    assert trajectory_scores(traj)[Primitive.PAN_RIGHT] > 0.05
