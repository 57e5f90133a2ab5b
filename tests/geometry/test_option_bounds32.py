"""Upper and lower bounds on the geometric methods' options (round 32): values that ran but meant
nothing (1e-320 or 1e300 frames a second, a 10**36 px side, a 10**36-frame cap) are refused."""

from __future__ import annotations

import pytest

from camerabench.baselines.geometry.colmap import ColmapOptions
from camerabench.baselines.geometry.fast import FastOptions
from camerabench.baselines.geometry.importers import TrajectoryOptions
from camerabench.errors import CameraBenchError

VIDEO_OPTIONS = [(FastOptions, "fast"), (ColmapOptions, "colmap")]


@pytest.mark.parametrize(("cls", "method"), VIDEO_OPTIONS)
@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("sample_fps", 1e300, r"option sample_fps must be <= 1000 \(allowed: >= 0\.01 and <= 1000\), got 1e\+300"),
        ("sample_fps", "1e300", r"option sample_fps must be <= 1000 \(allowed: >= 0\.01 and <= 1000\), got 1e\+300"),
        ("sample_fps", 1e-320, r"option sample_fps must be >= 0\.01, got 1e-320"),
        ("max_side", 10**36, r"option max_side must be <= 8192 \(allowed: >= 32 and <= 8192\), got 10{36}"),
        ("max_frames", 10**36, r"option max_frames must be <= 100000 \(allowed: >= 2 and <= 100000\), got 10{36}"),
    ],
)
def test_video_options_out_of_range_are_refused(cls, method, name, value, message) -> None:
    with pytest.raises(CameraBenchError, match=rf"^method '{method}': {message}$"):
        cls.from_mapping({name: value}, method=method)


@pytest.mark.parametrize(("cls", "method"), VIDEO_OPTIONS)
def test_options_built_in_code_are_checked_too(cls, method) -> None:
    with pytest.raises(CameraBenchError, match="option max_side must be <= 8192"):
        cls().replace(max_side=10**36).check_values(method)


@pytest.mark.parametrize(("cls", "method"), VIDEO_OPTIONS)
def test_the_ends_of_each_range_and_every_default_are_valid(cls, method) -> None:
    low = (
        cls.from_mapping({"sample_fps": 0.01, "max_side": 32, "max_frames": 2, "min_frames": 2}, method=method)
        if cls is FastOptions
        else cls.from_mapping({"sample_fps": 0.01, "max_side": 32}, method=method)
    )
    high = cls.from_mapping({"sample_fps": 1000, "max_side": 8192, "max_frames": 100_000}, method=method)
    assert (low.sample_fps, low.max_side) == (0.01, 32)
    assert (high.sample_fps, high.max_side, high.max_frames) == (1000.0, 8192, 100_000)
    cls().check_values(method)  # the defaults


def test_lower_bound_message_is_unchanged() -> None:
    """An existing caller matches this text exactly (tests/reliability/test_options_hostile31.py)."""
    with pytest.raises(CameraBenchError, match=r"^method 'fast': option max_side must be >= 32, got 1$"):
        FastOptions.from_mapping({"max_side": 1}, method="fast")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1e300, r"option sample_fps must be <= 1e\+06 \(allowed: >= 0\.001 and <= 1e\+06\), got 1e\+300"),
        (1e-320, r"option sample_fps must be >= 0\.001, got 1e-320"),
    ],
)
def test_trajectory_pose_rate_bounds(tmp_path, value, message) -> None:
    with pytest.raises(CameraBenchError, match=message):
        TrajectoryOptions.from_mapping({"traj_dir": str(tmp_path), "sample_fps": value}, method="trajectory")
    # the hostile test's 1e6 (poses covering a sliver of the video, scored with a warning) stays valid
    opts = TrajectoryOptions.from_mapping({"traj_dir": str(tmp_path), "sample_fps": 1e6}, method="trajectory")
    assert opts.sample_fps == 1e6
