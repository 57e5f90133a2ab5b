"""Parts of a vehicle fixed in the picture (``fixed_parts``, red team R115).

A camera in a car sees the dashboard, the pillars and the roof fixed in the picture while the world
moves past the windscreen. Two views cannot tell those parts from the still scene of a still camera
with something large moving in front of it, so by default they are taken for the scene and a drive
or a turn seen past a large part reads as a still camera. With ``fixed_parts`` the caller says the
camera rides a vehicle: what keeps its grey level while a large share of the picture moves is
masked wherever it is. Built here from the committed ``vtest`` pan (a digital pan right) seen
through a trapezoid windscreen in a dark, textured dashboard with dials (54 % of the frame).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from camerabench.baselines.geometry.fast import FastPredictor
from camerabench.baselines.geometry.overlay import detect_inset, static_mask
from camerabench.dataset import Question
from camerabench.taxonomy import Primitive
from camerabench.video import read_video, write_video

VIDEOS = Path(__file__).resolve().parents[2] / "tests" / "data" / "real" / "videos"


def _dashboard(
    shape: tuple[int, int], rectangle: bool = False, contrast: float = 20
) -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """A dark textured interior (grey-level spread ``contrast``) with dials and buttons, and where it
    is (all but a windscreen: a trapezoid, or a ``rectangle`` as a train's or a bus's)."""
    h, w = shape
    rng = np.random.default_rng(0)
    tex = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 1.0)
    tex = np.clip(50 + contrast * tex / tex.std(), 0, 255).astype(np.uint8)
    for _ in range(40):
        x, y = int(rng.integers(0, w - 20)), int(rng.integers(int(0.72 * h), h - 10))
        cv2.rectangle(tex, (x, y), (x + 14, y + 7), 140, -1)
    corners = [[0.14 * w, 0.12 * h], [0.86 * w, 0.12 * h], [0.95 * w, 0.68 * h], [0.05 * w, 0.68 * h]]
    if rectangle:
        corners = [[0.1 * w, 0.12 * h], [0.9 * w, 0.12 * h], [0.9 * w, 0.68 * h], [0.1 * w, 0.68 * h]]
    window = np.zeros((h, w), np.uint8)
    cv2.fillPoly(window, [np.array(corners, np.int32)], 1)
    return tex, window == 0


def _behind_dashboard(
    name: str, rectangle: bool = False, contrast: float = 20
) -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """The clip's frames as ``fast`` samples them (RGB), seen past the dashboard; and the part."""
    frames = read_video(VIDEOS / name, fps=5.0, max_side=480).frames
    tex, part = _dashboard(frames.shape[1:3], rectangle, contrast)
    out = frames.copy()
    out[:, part] = tex[part][:, None]
    return out, part


def _grey(frames: NDArray[np.uint8]) -> NDArray[np.uint8]:
    return np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])


def test_parts_are_masked_only_when_asked() -> None:
    frames, part = _behind_dashboard("opencv_vtest_digital_pan_right.mp4")
    grey = _grey(frames)
    default = static_mask(grey)
    assert default.fixed_px == 0
    assert default.usable[part].mean() > 0.5  # the dashboard is taken for the scene
    fixed = static_mask(grey, fixed_parts=True)
    assert fixed.fixed_px > 0 and fixed.info()["fixed_part_px"] == fixed.fixed_px
    assert (~fixed.usable[part]).mean() > 0.95
    # the scene through the windscreen keeps most of its corners (its flat floor may be masked)
    eig = cv2.cornerMinEigenVal(grey[0].astype(np.float32), 5, ksize=3)
    corners = (eig > 300) & ~part
    assert fixed.usable[corners].mean() > 0.7, fixed.usable[corners].mean()


def test_a_rectangular_windscreen_is_a_window_with_the_option() -> None:
    """A rectangle whose inside moves while the picture around it stays put reads as a
    picture-in-picture inset by default, masked with the world in it; with the option it is the
    vehicle's window."""
    frames, part = _behind_dashboard("opencv_vtest_digital_pan_right.mp4", rectangle=True, contrast=6)
    grey = _grey(frames)
    default = static_mask(grey)
    assert default.inset is not None and default.usable[~part].mean() < 0.1
    assert detect_inset(grey) is not None and detect_inset(grey, windows=True) is None
    fixed = static_mask(grey, fixed_parts=True)
    assert fixed.inset is None and fixed.fixed_px > 0
    assert (~fixed.usable[part]).mean() > 0.95
    eig = cv2.cornerMinEigenVal(grey[0].astype(np.float32), 5, ksize=3)
    assert fixed.usable[(eig > 300) & ~part].mean() > 0.7


def test_a_still_camera_keeps_its_scene_with_the_option() -> None:
    """A still camera with people walking, with and without the dashboard: a few per cent of the
    picture changes (under :data:`overlay.FIXED_REST_SHARE`), so nothing is a vehicle's part."""
    name = "opencv_vtest_static.mp4"
    grey = _grey(read_video(VIDEOS / name, fps=5.0, max_side=480).frames)
    assert static_mask(grey, fixed_parts=True).fixed_px == 0
    frames, _ = _behind_dashboard(name)
    mask = static_mask(_grey(frames), fixed_parts=True)
    assert mask.fixed_px == 0
    assert mask.usable.all()  # and nothing else either: a still camera has no moving pair


def test_fast_reads_a_pan_past_the_dashboard_with_the_option(tmp_path: Path) -> None:
    """Default: the dashboard's zero flow reads as a still camera (Pan_Right 0.000); with the option,
    as the clip without the dashboard (0.152 and 0.163 when this was written)."""
    frames, _ = _behind_dashboard("opencv_vtest_digital_pan_right.mp4")
    plain = read_video(VIDEOS / "opencv_vtest_digital_pan_right.mp4", fps=5.0, max_side=480).frames
    write_video(tmp_path / "dash.mp4", frames, 5.0)
    write_video(tmp_path / "plain.mp4", plain, 5.0)
    questions = [Question(p.question, p) for p in Primitive]
    pan = Primitive.from_name("Pan_Right").question

    def scores(video: str, **options: bool) -> dict[str, float]:
        method = FastPredictor(options)
        method.setup()
        return method.predict(tmp_path / video, questions).scores

    reference = scores("plain.mp4")[pan]
    assert reference > 0.1
    assert scores("dash.mp4")[pan] < 0.1 * reference
    fixed = scores("dash.mp4", fixed_parts=True)
    assert 0.8 * reference < fixed[pan] < 1.25 * reference
    assert max(fixed.values()) == fixed[pan]
