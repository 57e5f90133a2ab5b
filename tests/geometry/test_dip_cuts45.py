"""A dip to black inside one shot is no cut (``shots.dip_frames``).

``fast`` keeps dim frames (it relates them by dense flow), so the colour cue of its cut detector
saw a dip to black: the darkening frames change their hue-saturation histograms and read as cuts
into and out of the dip. Before: a still surveillance camera dipping to black for 1.4 s was
captioned "The video cuts to other scenes at 2.4 s and 3 s" and only the part after the dip was
estimated. Now a run of dim frames between two frames of one scene is skipped, and a dip between
two different scenes still cuts.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry import fast
from camerabench.baselines.geometry.shots import detect_cuts, dip_frames, without_flashes
from camerabench.dataset import Question
from camerabench.taxonomy import Primitive
from camerabench.video import read_video, write_video

REAL = Path(__file__).resolve().parents[1] / "data" / "real" / "videos"
FPS = 10.0
STILL = [Question(p.question, p) for p in (Primitive.STATIC, Primitive.PAN_LEFT, Primitive.PAN_RIGHT)]


def _gains(n: int, start: int) -> NDArray[np.float64]:
    """A dip to black from frame ``start``: down to 0 over 5 frames, black for 4, up over 5."""
    gains = np.ones(n)
    gains[start : start + 5] = np.linspace(1.0, 0.0, 6)[1:]
    gains[start + 5 : start + 9] = 0.0
    gains[start + 9 : start + 14] = np.linspace(0.0, 1.0, 6)[:-1]
    return gains


def _dipped(frames: NDArray[np.uint8], gains: NDArray[np.float64]) -> NDArray[np.uint8]:
    return np.asarray((frames.astype(np.float64) * gains[:, None, None, None]).round(), dtype=np.uint8)


@pytest.fixture(scope="module")
def street() -> NDArray[np.uint8]:
    """30 frames (3 s at 10 fps) of a real still surveillance camera (opencv-doc ``vtest.avi``)."""
    frames = read_video(REAL / "opencv_vtest_static.mp4", max_side=320).frames
    assert len(frames) == 30
    return frames


def test_a_dip_to_black_on_a_still_real_camera_is_no_cut(tmp_path: Path, street: NDArray[np.uint8]) -> None:
    video = tmp_path / "dip.mp4"
    write_video(video, _dipped(street, _gains(len(street), 8)), fps=FPS)
    result = fast.FastPredictor().predict(video, STILL)
    assert not result.info.get("cuts_s")  # was two cuts, into and out of the dip
    assert result.trajectory is not None
    assert result.trajectory.timestamps[0] == pytest.approx(0.0)  # the whole clip, not the part after the dip
    assert result.trajectory.timestamps[-1] > 2.5
    pans = [result.scores[q.text] for q in STILL[1:]]
    plain = tmp_path / "plain.mp4"
    write_video(plain, street, fps=FPS)
    reference = fast.FastPredictor().predict(plain, STILL)
    # as still as without the dip: every score within 0.02 of the undipped clip's
    for q in STILL:
        assert result.scores[q.text] == pytest.approx(reference.scores[q.text], abs=0.02), q.primitive
    assert max(pans) < 0.05


def test_a_dip_between_two_scenes_still_cuts(
    street: NDArray[np.uint8], rotation_clip: Callable[..., NDArray[np.uint8]]
) -> None:
    other = rotation_clip(Primitive.PAN_RIGHT, 0.0, n=15, size=(street.shape[2], street.shape[1]))
    frames = np.concatenate([street[:15], other])  # the scene changes at frame 15, inside the black
    dipped = _dipped(frames, _gains(len(frames), 8))
    cuts = detect_cuts(dipped)
    assert cuts
    assert dip_frames(dipped, cuts) == []  # the frames either side of the dip show two scenes
    kept, skipped = without_flashes(dipped, cuts, lambda k: False, np.arange(len(frames)) / FPS)
    assert kept and kept == [c for c in cuts if c not in skipped]


def test_the_dim_frames_of_a_dip_are_found_and_skipped(street: NDArray[np.uint8]) -> None:
    gains = _gains(len(street), 8)
    dipped = _dipped(street, gains)
    cuts = detect_cuts(dipped)
    assert cuts  # the dip reads as cuts to the colour cue
    runs = dip_frames(dipped, cuts)
    assert len(runs) == 1
    # the frames at under 0.3 of the contrast (DIM_CONTRAST): gains 0.2, 0 (x4) and 0.2
    assert runs[0] == [int(k) for k in np.flatnonzero(gains < 0.3)]
    kept, skipped = without_flashes(dipped, cuts, lambda k: False, np.arange(len(street)) / FPS)
    assert kept == [] and skipped == runs[0]
