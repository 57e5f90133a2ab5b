"""Imported trajectories: what is known of the zoom, and poses past the video's end (R12).

Before: MegaSaM's single (3,3) ``intrinsic`` and a COLMAP model whose images share one camera
were taken as a measured, constant zoom (zoom_known True, every zoom score a made-up 0); with the
zoom unknown Static was still scored and the caption said "remains completely still"; TUM poses
running past a clip's end were scored as its motion; a COLMAP 3.12 model missing frames.bin or
rigs.bin failed with pycolmap's internal text.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pycolmap
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry.describe import describe_trajectory
from camerabench.baselines.geometry.importers import TrajectoryPredictor
from camerabench.baselines.geometry.predictor import ZOOM_FIXED_REASON, ZOOM_UNKNOWN_REASON
from camerabench.baselines.geometry.scoring import decompose
from camerabench.dataset import Question
from camerabench.errors import FileFormatError, PredictionError
from camerabench.shotbench import MCQRow
from camerabench.taxonomy import Primitive
from camerabench.trajectory import META_FOCAL_FIXED, Trajectory
from camerabench.trajectory_formats import load_npz, read_trajectory, save_npz, write_colmap_model, write_trajectory
from camerabench.video import write_video

QUESTIONS = [Question(p.question, p) for p in Primitive]
UNKNOWN = {Primitive.ZOOM_IN.question, Primitive.ZOOM_OUT.question, Primitive.STATIC.question}
K = np.array([[50.0, 0.0, 31.5], [0.0, 50.0, 23.5], [0.0, 0.0, 1.0]])


def _pan(n: int = 12, degrees: float = 0.0) -> NDArray[np.float64]:
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, :3, :3] = Rotation.from_euler("y", np.linspace(0.0, degrees, n)[:, None], degrees=True).as_matrix()
    return c2w


def _zooming(n: int = 12) -> NDArray[np.float64]:
    k = np.tile(K, (n, 1, 1))
    k[:, 0, 0] = k[:, 1, 1] = 50.0 * np.geomspace(1.0, 1.5, n)
    return k


def _predict(folder: Path, fmt: str, stem: str = "clip") -> tuple[dict[str, float], dict[str, str], dict]:
    result = TrajectoryPredictor(traj_dir=str(folder), format=fmt).predict(folder / f"{stem}.mp4", QUESTIONS)
    return result.scores, result.unanswerable, result.info


# --- 1. MegaSaM's single intrinsic ---------------------------------------------------------------


def test_megasam_single_intrinsic_is_a_fixed_focal_not_a_measured_zoom(tmp_path: Path) -> None:
    # cvd_opt's layout: one (3,3) K for the whole video
    np.savez(tmp_path / "clip_sgd_cvd_hr.npz", cam_c2w=_pan().astype(np.float32), intrinsic=K.astype(np.float32))
    traj = read_trajectory(tmp_path / "clip_sgd_cvd_hr.npz", "megasam")
    assert traj.meta[META_FOCAL_FIXED] is True
    assert traj.intrinsic is not None and traj.intrinsic.shape == (12, 3, 3)  # kept for projection
    motion = decompose(traj)
    assert not motion.zoom_known
    scores, unanswerable, info = _predict(tmp_path, "megasam")
    assert info["zoom_known"] is False
    assert UNKNOWN.isdisjoint(scores)  # was Zoom_In = Zoom_Out = 0.0, Static -0.0
    assert unanswerable[Primitive.ZOOM_IN.question] == ZOOM_FIXED_REASON
    assert "whether the camera is static is unknown" in unanswerable[Primitive.STATIC.question]


def test_per_frame_intrinsics_stay_a_measured_zoom(tmp_path: Path) -> None:
    save_npz(tmp_path / "clip.npz", Trajectory(_pan(), _zooming(), np.arange(12) / 10))
    traj = read_trajectory(tmp_path / "clip.npz", "megasam")
    assert META_FOCAL_FIXED not in traj.meta
    scores, _, info = _predict(tmp_path, "megasam")
    assert info["zoom_known"] is True
    assert scores[Primitive.ZOOM_IN.question] == pytest.approx(np.log(1.5))


def test_fixed_focal_survives_save_and_load(tmp_path: Path) -> None:
    """The runner saves trajectories (save_npz) and reuses them for captions (load_npz)."""
    traj = Trajectory(_pan(), K, np.arange(12) / 10, meta={META_FOCAL_FIXED: True})
    save_npz(tmp_path / "t.npz", traj)
    with np.load(tmp_path / "t.npz") as data:
        assert data["intrinsic"].shape == (3, 3)
    back = load_npz(tmp_path / "t.npz")
    assert back.meta[META_FOCAL_FIXED] is True and not decompose(back).zoom_known
    with pytest.raises(ValueError, match="frame 1's differs"):
        save_npz(tmp_path / "u.npz", Trajectory(_pan(), _zooming(), np.arange(12) / 10, {META_FOCAL_FIXED: True}))


# --- 2. COLMAP: one camera for every image -------------------------------------------------------


def test_colmap_single_camera_is_a_fixed_focal(tmp_path: Path) -> None:
    model = tmp_path / "clip" / "sparse" / "0"
    traj = Trajectory(_pan(degrees=20.0), K, np.arange(12.0), meta={META_FOCAL_FIXED: True})
    write_colmap_model(model, traj, size=(64, 48))
    assert len(pycolmap.Reconstruction(str(model)).cameras) == 1  # COLMAP's single_camera layout
    back = read_trajectory(model, "colmap")
    assert back.meta[META_FOCAL_FIXED] is True
    scores, unanswerable, info = _predict(tmp_path, "colmap")
    assert info["zoom_known"] is False and UNKNOWN.isdisjoint(scores)
    assert unanswerable[Primitive.ZOOM_OUT.question] == ZOOM_FIXED_REASON
    assert scores[Primitive.PAN_RIGHT.question] > 0.3


def test_colmap_legacy_text_model_with_one_camera(tmp_path: Path) -> None:
    model = tmp_path / "clip"
    model.mkdir()
    (model / "cameras.txt").write_text("1 PINHOLE 64 48 50 50 31.5 23.5\n")
    lines = []
    for i, c2w in enumerate(_pan(degrees=10.0)):
        w2c = np.linalg.inv(c2w)
        x, y, z, w = Rotation.from_matrix(w2c[:3, :3]).as_quat()
        t = w2c[:3, 3]
        lines.append(f"{i + 1} {w} {x} {y} {z} {t[0]} {t[1]} {t[2]} 1 frame_{i:04d}.png\n\n")
    (model / "images.txt").write_text("".join(lines))
    (model / "points3D.txt").write_text("")
    assert read_trajectory(model, "colmap").meta[META_FOCAL_FIXED] is True


def test_colmap_cameras_per_image_stay_measured(tmp_path: Path) -> None:
    model = tmp_path / "clip"
    write_colmap_model(model, Trajectory(_pan(), _zooming(), np.arange(12.0)), size=(64, 48))
    back = read_trajectory(model, "colmap")
    assert META_FOCAL_FIXED not in back.meta and decompose(back).zoom_known


# --- 3. Static and the caption when the zoom is unknown ------------------------------------------


def test_static_is_unanswerable_without_intrinsics(tmp_path: Path) -> None:
    write_trajectory(tmp_path / "clip.txt", Trajectory(_pan(), None, np.arange(12) / 10), "tum")
    scores, unanswerable, _ = _predict(tmp_path, "tum")
    assert UNKNOWN.isdisjoint(scores)  # Static was -0.0: "fully still" on a pure zoom clip
    assert unanswerable[Primitive.ZOOM_IN.question] == ZOOM_UNKNOWN_REASON
    assert unanswerable[Primitive.STATIC.question].startswith(ZOOM_UNKNOWN_REASON)
    assert Primitive.PAN_RIGHT.question in scores


def test_caption_does_not_claim_stillness_when_the_zoom_is_unknown() -> None:
    still = describe_trajectory(Trajectory(_pan(), None, np.arange(12) / 10))
    assert "still" not in still  # was "The camera remains completely still."
    assert still == (
        "The camera shows no measured pan, tilt, roll or translation (the zoom is not known: the trajectory has no "
        "intrinsics)."
    )
    pan = describe_trajectory(Trajectory(_pan(degrees=30.0), K, np.arange(12) / 10, {META_FOCAL_FIXED: True}))
    assert pan.startswith("The camera pans right") and "(the zoom is not known: the trajectory has one intrinsic" in pan
    assert describe_trajectory(Trajectory(_pan(), _zooming(), np.arange(12) / 10)).startswith("The camera zooms in")


def test_mcq_rows_offering_static_are_not_answered_without_the_zoom(tmp_path: Path) -> None:
    write_trajectory(tmp_path / "clip.txt", Trajectory(_pan(degrees=30.0), None, np.arange(12) / 10), "tum")
    predictor = TrajectoryPredictor(traj_dir=str(tmp_path), format="tum")

    def row(options: dict[str, str]) -> MCQRow:
        return MCQRow(
            "0", "t", ("video",), ("clip.mp4",), "How does the camera move?", options, "A", "camera movement", 2
        )

    assert (
        predictor.answer(row({"A": "Pan right", "B": "Static shot", "C": "Tilt up"}), [tmp_path / "clip.mp4"]) is None
    )
    assert predictor.answer(row({"A": "Pan right", "B": "Pan left", "C": "Tilt up"}), [tmp_path / "clip.mp4"]) == "A"


# --- 4. poses past the video's end ----------------------------------------------------------------


def _video(path: Path, n: int = 25) -> Path:
    frames: NDArray[np.uint8] = np.random.default_rng(0).integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    write_video(path, frames, fps=10.0, preset="ultrafast")
    return path


def _late_pan(times: NDArray[np.float64], after: float) -> Trajectory:
    yaw = np.where(times <= after, 0.0, 30.0 * (times - after) / max(times[-1] - after, 1e-9))
    c2w = np.tile(np.eye(4), (len(times), 1, 1))
    c2w[:, :3, :3] = Rotation.from_euler("y", yaw[:, None], degrees=True).as_matrix()
    return Trajectory(c2w, None, times)


def test_poses_after_the_video_are_left_out(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    video = _video(tmp_path / "clip.mp4")  # 2.5 s
    times = np.round(np.arange(0.0, 3.65, 0.1), 3)  # to 3.6 s: 1.44x, under SPAN_TOLERANCE
    write_trajectory(tmp_path / "clip.txt", _late_pan(times, 2.5), "tum")
    predictor = TrajectoryPredictor(traj_dir=str(tmp_path), format="tum")
    with caplog.at_level(logging.WARNING):
        result = predictor.predict(video, QUESTIONS)
    assert result.info["poses_past_end"] == 11
    assert result.trajectory is not None and result.trajectory.timestamps[-1] == pytest.approx(2.5)
    assert result.scores[Primitive.PAN_RIGHT.question] == pytest.approx(0.0, abs=1e-9)  # was 0.52
    assert "clip.txt: 11 of 37 poses are timed after the end of clip.mp4 (2.5 s), at 2.6 to 3.6 s" in caplog.text


def test_poses_all_after_the_video_are_a_failure(tmp_path: Path) -> None:
    video = _video(tmp_path / "clip.mp4")
    write_trajectory(tmp_path / "clip.txt", _late_pan(np.round(np.arange(2.7, 3.65, 0.1), 3), 2.6), "tum")
    with pytest.raises(PredictionError, match=r"clip\.txt: 10 of 10 poses are timed after the end of clip\.mp4"):
        TrajectoryPredictor(traj_dir=str(tmp_path), format="tum").trajectory(video)


def test_unix_times_are_still_kept(tmp_path: Path) -> None:
    video = _video(tmp_path / "clip.mp4")
    write_trajectory(tmp_path / "clip.txt", _late_pan(1.3e9 + np.arange(10) / 10, 1.3e9 + 0.4), "tum")
    traj, info = TrajectoryPredictor(traj_dir=str(tmp_path), format="tum").trajectory(video)
    assert len(traj) == 10 and "poses_past_end" not in info


# --- 5. COLMAP >= 3.12 models missing rigs or frames ----------------------------------------------


@pytest.mark.parametrize("ext", ["bin", "txt"])
@pytest.mark.parametrize("drop, other", [("frames", "rigs"), ("rigs", "frames")])
def test_colmap_model_missing_rigs_or_frames_names_it(tmp_path: Path, ext: str, drop: str, other: str) -> None:
    model = tmp_path / "m"
    write_colmap_model(model, Trajectory(_pan(), K, np.arange(12.0)), size=(64, 48))
    if ext == "txt":
        rec = pycolmap.Reconstruction(str(model))
        for p in model.iterdir():
            p.unlink()
        rec.write_text(str(model))
    (model / f"{drop}.{ext}").unlink()
    with pytest.raises(FileFormatError, match=rf"holds {other}\.{ext} but no {drop}\.{ext}"):
        read_trajectory(model, "colmap")  # was "unordered_map::at" / "Rig with ID 1 does not exist"
    (model / f"{other}.{ext}").unlink()
    assert len(read_trajectory(model, "colmap")) == 12  # the classic three files alone are a model


def test_missing_images_message_names_the_new_layout(tmp_path: Path) -> None:
    model = tmp_path / "m"
    write_colmap_model(model, Trajectory(_pan(), K, np.arange(12.0)), size=(64, 48))
    (model / "images.bin").unlink()
    with pytest.raises(FileFormatError, match=r"from COLMAP 3\.12 on also rigs and frames"):
        read_trajectory(model, "colmap")
