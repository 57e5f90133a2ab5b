"""Timing imported poses (red team R71).

- Poses one per decoded frame, without times (KITTI), take the frames' own times: spread evenly over
  the duration, the poses of a clip whose frames alternate 160 and 40 ms apart were up to 60 ms off
  their frames (0, 0.099, 0.199 against 0, 0.16, 0.20), skewing speeds and the relative pose error,
  while the same poses written as TUM were right.
- TUM times on the container's clock of a video whose first frame is not at its 0 (a ``.ts``: the
  package times videos from their first frame) lost the poses past the end, a third of the motion of
  R71's clip; now they are moved onto the video's clock, with a warning.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from camerabench.baselines.geometry.importers import TIMESTAMPS_VIDEO_FRAMES, TrajectoryPredictor
from camerabench.trajectory import META_TIMESTAMPS
from camerabench.video import probe_video

N = 25


def _video(path: Path, gaps_ms: list[int]) -> Path:
    """N frames of noise at the given intervals (milliseconds, cycled); a ``.ts`` starts its clock at
    the B-frame delay (0.2 s here), an ``.mp4`` at 0."""
    rng = np.random.default_rng(0)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        pts = 0
        for i in range(N):
            frame = av.VideoFrame.from_ndarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8), format="rgb24")
            frame.pts, frame.time_base = pts, Fraction(1, 1000)
            pts += gaps_ms[i % len(gaps_ms)]
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def _kitti(path: Path, n: int = N) -> Path:
    """n poses moving 1 cm right per pose (3x4 camera-to-world rows)."""
    rows = [[1, 0, 0, 0.01 * k, 0, 1, 0, 0, 0, 0, 1, 0] for k in range(n)]
    path.write_text("".join(" ".join(f"{v:g}" for v in row) + "\n" for row in rows))
    return path


@pytest.mark.parametrize("gaps_ms", [[160, 40], [100]], ids=["variable", "constant"])
def test_one_pose_per_frame_is_timed_at_its_frame(tmp_path: Path, gaps_ms: list[int]) -> None:
    video = _video(tmp_path / "clip.mp4", gaps_ms)
    _kitti(tmp_path / "clip.kitti")
    traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path), format="kitti").trajectory(video)
    info = probe_video(video)
    assert info.num_frames == N and info.timestamps is not None
    expected = np.cumsum([0] + [gaps_ms[i % len(gaps_ms)] for i in range(N - 1)]) / 1000.0
    np.testing.assert_allclose(info.timestamps, expected, atol=1e-9)  # the frames are where they were put
    np.testing.assert_allclose(traj.timestamps, expected, atol=1e-9)
    assert traj.meta[META_TIMESTAMPS] == TIMESTAMPS_VIDEO_FRAMES


def test_fewer_poses_than_frames_are_still_spread_over_the_video(tmp_path: Path) -> None:
    """Poses that are not one per frame (here 13 of 25: every other frame, or the first 13?) keep the
    even spread over the duration, with its warning (nothing says which frames they are)."""
    video = _video(tmp_path / "clip.mp4", [160, 40])
    _kitti(tmp_path / "clip.kitti", 13)
    traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path), format="kitti").trajectory(video)
    duration = float(probe_video(video).duration_s)
    np.testing.assert_allclose(traj.timestamps, np.arange(13) * duration / 13)


def _tum(path: Path, times: np.ndarray) -> Path:
    """Poses at ``times`` moving 1 cm right per pose (TUM: t tx ty tz qx qy qz qw)."""
    path.write_text("".join(f"{t:.6f} {0.01 * k:g} 0 0 0 0 0 1\n" for k, t in enumerate(times)))
    return path


def test_poses_on_the_containers_clock_are_moved_onto_the_videos(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    video = _video(tmp_path / "clip.ts", [100])
    info = probe_video(video)
    origin = info.notes["start_time_s"]
    assert origin == pytest.approx(0.2) and info.timestamps is not None
    _tum(tmp_path / "clip.tum", info.timestamps + origin)  # each frame's time on the container's clock
    with caplog.at_level("WARNING"):
        traj, meta = TrajectoryPredictor(traj_dir=str(tmp_path), format="tum").trajectory(video)
    np.testing.assert_allclose(traj.timestamps, info.timestamps, atol=1e-6)
    assert len(traj) == N and "poses_past_end" not in meta
    assert any("on the container's clock (0.2 s" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("first", [0.0, 0.2])
def test_poses_on_the_videos_clock_are_kept_as_they_are(tmp_path: Path, first: float) -> None:
    """From the first frame (0 s), or starting at 0.2 s and ending within the video (an estimate that
    began at frame 2): no pose runs past the end, nothing is moved."""
    video = _video(tmp_path / "clip.ts", [100])
    times = first + np.arange(15) * 0.1
    _tum(tmp_path / "clip.tum", times)
    traj, meta = TrajectoryPredictor(traj_dir=str(tmp_path), format="tum").trajectory(video)
    np.testing.assert_allclose(traj.timestamps, times, atol=1e-6)
    assert "poses_past_end" not in meta


def test_poses_past_the_end_that_do_not_start_at_the_containers_start_still_lose_their_tail(tmp_path: Path) -> None:
    video = _video(tmp_path / "clip.ts", [100])
    _tum(tmp_path / "clip.tum", 0.5 + np.arange(N) * 0.1)  # 0.5 to 2.9 s of a 2.5 s video: 2.6-2.9 past it
    traj, meta = TrajectoryPredictor(traj_dir=str(tmp_path), format="tum").trajectory(video)
    assert meta["poses_past_end"] == 4 and float(traj.timestamps[0]) == pytest.approx(0.5)
