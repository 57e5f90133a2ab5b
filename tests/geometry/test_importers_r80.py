"""Red team R80: impossible scene depths, broken entries listed as trajectories, ``sample_fps``
ignored for timestamped formats, and small message gaps (UTF-16 files, unknown ``fail_videos``,
unquoted names in a JSON list option)."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import numpy as np
import pytest

from camerabench.baselines.dummy import DummyPredictor
from camerabench.baselines.geometry.importers import TrajectoryPredictor
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.trajectory import MAX_COORDINATE, META_SCENE_DEPTH, Trajectory
from camerabench.trajectory_formats import (
    missing_notes,
    read_trajectory,
    save_npz,
    write_cut3r,
    write_tum,
)

N = 6
VIDEO = "clip.mp4"


def _traj(depth: float | None = None) -> Trajectory:
    c2w = np.tile(np.eye(4), (N, 1, 1))
    c2w[:, 2, 3] = np.linspace(0.0, 0.5, N)  # moving in by half a unit
    k = np.array([[100.0, 0, 32], [0, 100.0, 24], [0, 0, 1]])
    meta = {} if depth is None else {META_SCENE_DEPTH: depth}
    return Trajectory(c2w, np.tile(k, (N, 1, 1)), np.arange(N) / 10.0, meta)


def _megasam(path: Path, depth: float, timestamps: bool = False) -> Path:
    traj = _traj()
    arrays = {"cam_c2w": traj.cam_c2w, "intrinsic": traj.intrinsic, "depths": np.full((N, 4, 4), depth)}
    if timestamps:
        arrays["timestamps"] = traj.timestamps
    np.savez(path, **arrays)
    return path


# ------------------------------------------------------------------ 1: impossible depths
@pytest.mark.parametrize(("depth", "side"), [(1e-300, "below"), (1e300, "above"), (1e-101, "below")])
def test_megasam_depths_beyond_the_position_bound_are_refused(tmp_path: Path, depth: float, side: str) -> None:
    path = _megasam(tmp_path / "clip.npz", depth)
    shown = re.escape(f"{depth:.3g}")
    with pytest.raises(FileFormatError, match=rf"depths\[0\].* is {shown}, {side} the range 1e-100 to 1e\+100") as e:
        read_trajectory(path, "megasam")
    assert str(path) in str(e.value)


def test_depths_within_the_bound_are_read_as_their_median(tmp_path: Path) -> None:
    for depth in (1e-99, 1e-6, 3.5, 1e99):  # the bound is MAX_COORDINATE's, not a guess at units
        traj = read_trajectory(_megasam(tmp_path / "clip.npz", depth), "megasam")
        assert traj.meta[META_SCENE_DEPTH] == depth
    assert 1 / MAX_COORDINATE == 1e-100


def test_scene_depth_cut3r_depth_and_saving_are_bounded_alike(tmp_path: Path) -> None:
    np.savez(tmp_path / "s.npz", cam_c2w=_traj().cam_c2w, scene_depth=np.float64(1e200))
    with pytest.raises(FileFormatError, match=r"s\.npz: scene_depth is 1e\+200, above"):
        read_trajectory(tmp_path / "s.npz", "megasam")
    with pytest.raises(ValueError, match="outside 1e-100 to 1e"):
        save_npz(tmp_path / "w.npz", _traj(1e-200))
    assert not (tmp_path / "w.npz").exists()
    write_cut3r(tmp_path / "cut", _traj())
    (tmp_path / "cut" / "depth").mkdir()
    np.save(tmp_path / "cut" / "depth" / "000000.npy", np.full((4, 4), 1e-250))
    with pytest.raises(FileFormatError, match=r"depth/000000\.npy: the median of the depth map .* is 1e-250, below"):
        read_trajectory(tmp_path / "cut", "cut3r")


# ------------------------------------------------------------------ 2: broken entries named
def _refusal(traj_dir: Path, fmt: str) -> str:
    predictor = TrajectoryPredictor(traj_dir=str(traj_dir), format=fmt)
    videos = {name: traj_dir.parent / "videos" / name for name in ("a.mp4", VIDEO)}
    with pytest.raises(CameraBenchError) as e:
        predictor.check_videos(videos)
    return str(e.value)


def test_a_link_loop_is_named_a_loop_not_listed_as_a_file(tmp_path: Path) -> None:
    traj_dir = tmp_path / "tj"
    traj_dir.mkdir()
    os.symlink("clip.txt", traj_dir / "clip.txt")
    message = _refusal(traj_dir, "tum")
    assert f"{traj_dir / 'clip.txt'} is a symbolic link loop (it points to clip.txt, which leads back to it)" in message
    assert "it holds 1 file" not in message
    # beside a fine video, the per-video note calls it a loop too, not a link to a missing file
    write_tum(traj_dir / "a.txt", _traj())
    TrajectoryPredictor(traj_dir=str(traj_dir), format="tum").check_videos({"a.mp4": tmp_path / "a.mp4"})
    assert missing_notes(traj_dir, "clip", "tum") == [
        f"{traj_dir / 'clip.txt'} is a symbolic link loop (it points to clip.txt, which leads back to it)"
    ]


def test_a_folder_named_as_a_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "tj" / "clip.txt").mkdir(parents=True)
    message = _refusal(tmp_path / "tj", "tum")
    assert f"{tmp_path / 'tj' / 'clip.txt'} is a folder, not a tum file" in message
    assert "it holds 1 folder" not in message


def test_a_colmap_model_without_cameras_is_named(tmp_path: Path) -> None:
    model = tmp_path / "tj" / "clip" / "sparse" / "0"
    model.mkdir(parents=True)
    for name in ("images.bin", "points3D.bin"):
        (model / name).write_bytes(b"\0" * 8)
    message = _refusal(tmp_path / "tj", "colmap")
    assert f"{model} holds images.bin, points3D.bin but no cameras.bin or cameras.txt" in message
    assert "it holds 1 folder" not in message


def test_a_folder_of_other_files_is_still_refused_as_another_datasets(tmp_path: Path) -> None:
    write_tum(tmp_path / "tj" / "other.txt", _traj())
    assert "it holds 1 file (e.g. other.txt)" in _refusal(tmp_path / "tj", "tum")


# ------------------------------------------------------------------ 3: sample_fps with timestamps
def test_sample_fps_with_tum_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CameraBenchError, match="option sample_fps \\(3\\) has no effect with format tum"):
        TrajectoryPredictor(traj_dir=str(tmp_path), format="tum", sample_fps=3)
    TrajectoryPredictor(traj_dir=str(tmp_path), format="kitti", sample_fps=3)  # frame indices: it times them


def test_sample_fps_unused_for_timestamped_megasam_files_is_warned_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for stem in ("a", "b"):
        _megasam(tmp_path / f"{stem}.npz", 2.0, timestamps=True)
    predictor = TrajectoryPredictor(traj_dir=str(tmp_path), format="megasam", sample_fps=3)
    with caplog.at_level(logging.WARNING):
        for stem in ("a", "b"):
            traj, _ = predictor.estimate(tmp_path / "videos" / f"{stem}.mp4")  # no video: times unchecked
            np.testing.assert_allclose(traj.timestamps, np.arange(N) / 10.0)  # the file's, not i / 3
    warned = [r.getMessage() for r in caplog.records if "sample_fps" in r.getMessage()]
    assert len(warned) == 1 and "option sample_fps (3) is not used" in warned[0] and "megasam" in warned[0]
    assert str(tmp_path / "a.npz") in warned[0]


# ------------------------------------------------------------------ 4: small message gaps
def test_a_utf16_trajectory_file_is_named_utf16(tmp_path: Path) -> None:
    write_tum(tmp_path / "clip.txt", _traj())
    (tmp_path / "clip.txt").write_bytes((tmp_path / "clip.txt").read_text().encode("utf-16"))
    with pytest.raises(FileFormatError, match=r"clip\.txt:1: is UTF-16 text .*not UTF-8"):
        read_trajectory(tmp_path / "clip.txt", "tum")


def test_fail_videos_naming_no_video_of_the_dataset_is_warned(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    videos = {"sub/clip.mp4": tmp_path / "videos" / "sub" / "clip.mp4"}
    with caplog.at_level(logging.WARNING):
        DummyPredictor(fail_videos=["clip.mp4", "sub/clip.mp4"]).check_videos(videos)  # names it compares
        assert not caplog.records
        DummyPredictor(fail_videos=["typo.mp4", "clip.mp4"]).check_videos(videos)
    assert len(caplog.records) == 1
    assert "option fail_videos names typo.mp4, not among the 1 videos" in caplog.records[0].getMessage()


def test_unquoted_names_in_a_json_list_option_get_a_hint() -> None:
    with pytest.raises(CameraBenchError, match=r'need double quotes: \["a.mp4", "b.mp4"\], or .* a\.mp4,b\.mp4'):
        DummyPredictor.Options.from_mapping({"fail_videos": "[a.mp4, b.mp4]"}, method="dummy")
    with pytest.raises(CameraBenchError) as e:  # a broken list of quoted names: no such hint
        DummyPredictor.Options.from_mapping({"fail_videos": '["a.mp4",]'}, method="dummy")
    assert "double quotes" not in str(e.value)
