"""Hostile inputs to the records, trajectory and job layers, eighth round.

Each test failed before its fix: a record of a newer schema refused as "not supported" with no
word of upgrading; RayOptions refusing NumPy scalars (and taking ``ship_videos="no"`` as yes); the
demo logging its first step before refusing a clip count, and rendering a dataset before refusing
an unknown method; intrinsics that are no pinhole K accepted as poses; a lone surrogate escape in a
record read, then failing the rewrite with a UnicodeEncodeError; pose interpolation giving fy the
zoom of fx, ignoring a negative fy and crashing on a column of query times; ``load_npz`` taking a
frame rate of 0, NaN, a negative or inf; an infinite image width giving an infinite focal length.
"""

from __future__ import annotations

import json
import logging
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.jobs.demo import run_demo
from camerabench.jobs.ray_backend import RayOptions
from camerabench.records import (
    SCHEMA_VERSION,
    RunInfo,
    read_answers,
    read_captions,
    read_run_info,
    read_scores,
    write_run_info,
)
from camerabench.trajectory import (
    MAX_FOCAL_RATIO,
    Trajectory,
    focal_from_fov,
    interpolate_poses,
    pose_issue,
    pose_problem,
)
from camerabench.trajectory_formats import load_npz, read_trajectory

SCORE = {"video": "a.mp4", "question": "Is the camera panning left?", "method": "m", "score": 0.5, "status": "ok"}
CAPTION = {"video": "a.mp4", "method": "m", "caption": "pans left", "status": "ok"}
ANSWER = {"index": "1", "method": "m", "answer": "A", "status": "ok"}
READERS = {"score record": (read_scores, SCORE), "caption record": (read_captions, CAPTION)}
READERS["answer record"] = (read_answers, ANSWER)


def _jsonl(path: Path, *rows: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# --- 1. schema versions ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(READERS))
def test_a_record_of_a_newer_schema_says_to_upgrade(kind: str, tmp_path: Path) -> None:
    read, row = READERS[kind]
    path = _jsonl(tmp_path / "x.jsonl", row, row | {"schema_version": SCHEMA_VERSION + 1})
    with pytest.raises(FileFormatError, match=r"x\.jsonl:2: .*written by a newer camerabench.*upgrade camerabench"):
        read(path)


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (SCHEMA_VERSION + 1, "written by a newer camerabench than this one .*; upgrade camerabench to read it"),
        (SCHEMA_VERSION - 1, "older than any this camerabench .* reads"),
        ("1", "schema_version must be an integer, got '1'"),
        (None, "has no schema_version"),
    ],
)
def test_run_json_of_another_schema_names_which_way(version: Any, message: str, tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    write_run_info(path, RunInfo(method="fast"))
    doc = json.loads(path.read_text())
    if version is None:
        del doc["schema_version"]
    else:
        doc["schema_version"] = version
    path.write_text(json.dumps(doc, indent=2))
    pattern = f"run.json(:[0-9]+)?: run.json {'' if version is None else '.*'}{message}"
    with pytest.raises(FileFormatError, match=pattern):
        read_run_info(path)


# --- 2. RayOptions and NumPy scalars --------------------------------------------------------


def test_ray_options_take_numpy_scalars_as_plain_numbers() -> None:
    options = RayOptions(
        cpus_per_task=np.float32(0.5),
        gpus_per_worker=np.int64(2),
        videos_per_call=np.int64(3),
        ship_videos=np.bool_(True),
        actors=np.bool_(False),
    )
    assert (options.cpus_per_task, options.gpus_per_worker, options.per_call) == (0.5, 2.0, 3)
    assert options.ship_videos is True and options.actors is False
    # run.json records them: json refuses np.float32
    json.dumps({k: getattr(options, k) for k in ("cpus_per_task", "gpus_per_worker", "videos_per_call")})
    assert type(options.cpus_per_task) is float and type(options.videos_per_call) is int


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"cpus_per_task": np.bool_(True)}, "cpus_per_task must be a number > 0"),
        ({"cpus_per_task": np.float32("nan")}, "cpus_per_task must be a number > 0"),
        ({"gpus_per_worker": np.float64("inf")}, "gpus_per_worker must be a number >= 0"),
        ({"gpus_per_worker": np.int64(-1)}, "gpus_per_worker must be a number >= 0"),
        ({"cpus_per_task": np.float32(1e-5)}, "cpus_per_task must be at least 0.0001"),
        ({"cpus_per_task": 10**400}, r"cpus_per_task must be a number > 0, got 1000000000.*\.\.\.$"),  # OverflowError
        ({"videos_per_call": np.int8(0)}, "videos_per_call must be >= 1"),
        ({"videos_per_call": np.bool_(True)}, "videos_per_call must be an integer >= 1"),
        ({"ship_videos": "no"}, "ship_videos must be True or False, got 'no'"),  # was true: shipped
        ({"actors": "false"}, r"actors must be True or False \(or None\), got 'false'"),
    ],
)
def test_ray_options_still_refuse_what_is_no_count(options: dict[str, Any], message: str) -> None:
    with pytest.raises(CameraBenchError, match=message):
        RayOptions(**options)


# --- 3. the demo checks its arguments before any step ----------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"clips": 20_000}, "clips must be at most 10000"),
        ({"clips": 2.0}, "clips must be an integer >= 1, got 2.0"),
        ({"clips": 1, "methods": {"nope": {}}}, "unknown method 'nope'"),  # was: after rendering the dataset
        ({"clips": 1, "methods": {"fast": "x"}}, "method 'fast': options must be a mapping"),  # was: TypeError
        ({"clips": 1, "methods": {"colmap": {"sample_fps": -1}}}, "option sample_fps must be >= 0.01"),
        ({"clips": 1, "methods": {}}, "methods must name at least one method"),  # was: "run folder not found"
    ],
)
def test_demo_refuses_bad_arguments_before_logging_or_writing(
    kwargs: dict[str, Any], message: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "demo"
    with caplog.at_level(logging.INFO), pytest.raises(CameraBenchError, match=message):
        run_demo(out, workers=1, **kwargs)
    assert not out.exists()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("camerabench")] == []


def test_demo_into_a_file_is_refused_up_front(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "demo"
    out.write_text("not a folder")
    with caplog.at_level(logging.INFO), pytest.raises(CameraBenchError, match="demo: is a file, not a folder"):
        run_demo(out, clips=1, workers=1)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("camerabench")] == []


# --- 4. intrinsics that are no pinhole K ------------------------------------------------------

POSES = np.tile(np.eye(4), (3, 1, 1))
TIMES = np.array([0.0, 0.1, 0.2])


def _k(**entries: float) -> np.ndarray:
    """Three pinhole K (fx = fy = 100), the last with ``entries`` (``r1c0=5.0``: K[1, 0] = 5)."""
    k = np.tile(np.array([[100.0, 0.0, 50.0], [0.0, 100.0, 40.0], [0.0, 0.0, 1.0]]), (3, 1, 1))
    for name, value in entries.items():
        k[2, int(name[1]), int(name[3])] = value
    return k


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"r2c2": 0.0}, r"bottom row is \[0.0, 0.0, 0.0\], not \[0, 0, 1\]"),
        ({"r2c2": 2.0}, r"bottom row is \[0.0, 0.0, 2.0\], not \[0, 0, 1\]"),
        ({"r2c0": 1.0}, "bottom row is"),
        ({"r2c1": 0.5}, "bottom row is"),
        ({"r1c0": 5.0}, r"K\[1, 0\] is 5, not 0"),
        ({"r0c0": 2000.0}, "focal lengths fx 2000 and fy 100 differ by a factor 20, beyond 4"),
        ({"r1c1": 100.0 / 4.5}, "differ by a factor 4.5, beyond 4"),
        ({"r1c1": -100.0}, r"focal length is not positive \(fx 100, fy -100\)"),
    ],
)
def test_intrinsics_that_are_no_pinhole_k_are_named_with_their_frame(entries: dict[str, float], message: str) -> None:
    traj = Trajectory(POSES, _k(**entries), TIMES)
    issue = pose_issue(traj)
    assert issue is not None and issue[0] == 2
    assert re.search(message, issue[1]), issue[1]
    assert pose_problem(traj) == f"frame 2: {issue[1]}"


@pytest.mark.parametrize(
    "entries",
    [{"r0c0": 200.0}, {"r1c1": 50.0}, {"r0c0": 100.0 * MAX_FOCAL_RATIO}, {"r0c1": 0.5}, {"r2c2": 1.0 + 1e-9}],
    ids=["anamorphic 2x", "anamorphic 2x tall", "at the bound", "skew", "float32 rounding"],
)
def test_real_cameras_intrinsics_still_pass(entries: dict[str, float]) -> None:
    assert pose_problem(Trajectory(POSES, _k(**entries), TIMES)) is None


def test_a_trajectory_file_with_a_homogeneous_k_is_refused_naming_the_frame(tmp_path: Path) -> None:
    path = tmp_path / "t.npz"
    np.savez(path, cam_c2w=POSES, intrinsic=_k(r2c2=0.0), timestamps=TIMES)
    with pytest.raises(FileFormatError, match=r"t\.npz: frame 2: intrinsics' bottom row"):
        read_trajectory(path, "megasam")


# --- 5. lone surrogate escapes in records ---------------------------------------------------


@pytest.mark.parametrize("kind", sorted(READERS))
def test_a_lone_surrogate_in_a_record_is_refused_with_its_line(kind: str, tmp_path: Path) -> None:
    read, row = READERS[kind]
    # json.dumps writes it as the escape \ud800, which json.loads reads back; no UTF-8 file holds it
    path = _jsonl(tmp_path / "x.jsonl", row, row | {"method": "m\ud800"})
    assert "\\ud800" in path.read_text()
    with pytest.raises(FileFormatError, match=r"x\.jsonl:2: method holds 'm\\ud800', a lone surrogate"):
        read(path)


def test_unicode_text_in_a_record_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps(SCORE | {"video": "vidéo 😀.mp4"}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert read_scores(path)[0].video == "vidéo 😀.mp4"


def test_a_lone_surrogate_nested_in_run_json_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    write_run_info(path, RunInfo(method="fast"))
    doc = json.loads(path.read_text())
    doc["settings"] = {"a": ["ok", "x\udcff"]}
    path.write_text(json.dumps(doc, indent=2))
    line = next(i for i, text in enumerate(path.read_text().splitlines(), start=1) if '"settings"' in text)
    with pytest.raises(FileFormatError, match=rf"run\.json:{line}: settings\['a'\]\[1\] holds 'x\\udcff'"):
        read_run_info(path)


# --- 6. pose interpolation ---------------------------------------------------------------------


def test_interpolation_zooms_fx_and_fy_each_by_its_own_ratio() -> None:
    c2w = np.tile(np.eye(4), (2, 1, 1))
    k = np.stack([np.diag([100.0, 100.0, 1.0]), np.diag([400.0, 100.0, 1.0])])
    _, ks = interpolate_poses([0.0, 1.0], c2w, [0.5, 0.25], k)
    assert ks is not None
    # geometric in time: fx 100 -> 400 is 200 halfway, 100 * 4**0.25 a quarter of the way; fy stays 100
    np.testing.assert_allclose(ks[:, 0, 0], [math.sqrt(100 * 400), 100 * 4**0.25])
    np.testing.assert_allclose(ks[:, 1, 1], [100.0, 100.0])  # was 200 and 141: fx's zoom


def test_interpolation_refuses_a_negative_fy_and_a_column_of_query_times() -> None:
    c2w = np.tile(np.eye(4), (2, 1, 1))
    k = np.stack([np.diag([100.0, 100.0, 1.0]), np.diag([100.0, -100.0, 1.0])])
    with pytest.raises(ValueError, match=r"known frame 1: focal length -100 is not positive and finite \(fx 100"):
        interpolate_poses([0.0, 1.0], c2w, [0.5], k)
    with pytest.raises(ValueError, match=r"query_times must be a 1-D array, got shape \(2, 1\)"):  # was IndexError
        interpolate_poses([0.0, 1.0], c2w, [[0.25], [0.5]])


# --- 7. frame rates, widths and meta ------------------------------------------------------------


@pytest.mark.parametrize("fps", [0, 0.0, float("nan"), -5.0, float("inf"), "30", True])
def test_load_npz_refuses_a_frame_rate_that_is_none(fps: Any, tmp_path: Path) -> None:
    path = tmp_path / "t.npz"
    np.savez(path, cam_c2w=POSES)
    with pytest.raises(ValueError, match="timestamps_fps must be a positive finite frame rate or None"):
        load_npz(path, timestamps_fps=fps)


def test_load_npz_takes_a_numpy_frame_rate(tmp_path: Path) -> None:
    path = tmp_path / "t.npz"
    np.savez(path, cam_c2w=POSES)
    np.testing.assert_array_equal(load_npz(path, timestamps_fps=np.float32(4.0)).timestamps, [0.0, 0.25, 0.5])
    np.testing.assert_array_equal(load_npz(path).timestamps, [0.0, 1.0, 2.0])


@pytest.mark.parametrize(
    ("width", "fov", "message"),
    [
        (float("inf"), 60.0, "image width must be positive and finite"),  # was: an infinite focal length
        (320, "60", "field of view must be between 0 and 180 degrees"),  # was: TypeError from numpy
        (True, 60.0, "image width must be positive and finite"),
    ],
)
def test_focal_from_fov_refuses_what_is_no_width_or_angle(width: Any, fov: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        focal_from_fov(width, fov)


def test_focal_from_fov_takes_numpy_numbers() -> None:
    assert focal_from_fov(np.int64(320), np.float32(90.0)) == pytest.approx(160.0)


def test_trajectory_meta_must_be_a_dict() -> None:
    with pytest.raises(ValueError, match="meta must be a dict, got list"):
        Trajectory(POSES, None, TIMES, meta=[])  # type: ignore[arg-type]


def test_a_cluster_address_whose_host_is_no_host_name_is_one_error() -> None:
    from camerabench.jobs.ray_backend import connect  # Ray is a dev dependency (camerabench[ray])

    # was a UnicodeError traceback from the IDNA codec (a label over 63 characters), before ray.init
    refused = pytest.raises(CameraBenchError, match=r"at a+:6379: its host is no host name")
    with refused, connect("a" * 300 + ":6379"):
        pass
