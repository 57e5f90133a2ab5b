"""Hostile dataset folders: broken ground truth, odd things in videos/, label names that miss.

Each case was found by a sweep of a dataset folder as a researcher can leave it: a ground-truth
file with NaN or non-rigid poses read without a word (``validate()`` did not open ``gt/``), a
ground truth of no video, a symbolic link to a folder of clips left out, a broken link or a
looping one skipped, a label naming ``./clip.mp4`` scored as a second video, ``video_path``
leading out of ``videos/``. Each is now an error naming the file before any work, or a warning
naming what is left out.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np
import pytest

from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError
from camerabench.labelfiles import write_binary_file
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import save_npz

PAN = Primitive.PAN_LEFT


def _poses(n: int = 5) -> np.ndarray:
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, 0, 3] = np.arange(n) * 0.1
    return c2w


def _video(root: Path, name: str) -> Path:
    path = root / "videos" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def _gt(root: Path, stem: str, c2w: np.ndarray | None = None, **arrays: np.ndarray) -> Path:
    path = root / "gt" / f"{stem}.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, cam_c2w=_poses() if c2w is None else c2w, **arrays)
    return path


def _labels(root: Path, names: list[str]) -> Path:
    path = root / "labels" / "binary_classification" / PAN.file
    write_binary_file(path, [BinaryRecord.make(v, PAN, i % 2 == 0) for i, v in enumerate(names)])
    return path


# --- gt/: every file read by validate(), before any work ---------------------------------------


def _nan_pose() -> np.ndarray:
    c2w = _poses()
    c2w[2, 1, 3] = np.nan
    return c2w


@pytest.mark.parametrize(
    ("c2w", "arrays", "message"),
    [
        (_nan_pose(), {}, "frame 2: pose is not finite"),
        (_poses() * np.diag([2.0, 2.0, 2.0, 1.0]), {}, "frame 0: rotation block is not orthonormal"),
        (None, {"timestamps": np.array([0.0, 2, 1, 3, 4])}, "frame 2: timestamp 1 does not increase"),
        (None, {"intrinsic": np.diag([-100.0, -100.0, 1.0])}, "frame 0: focal length is not positive"),
    ],
    ids=["nan-pose", "scaled-rotation", "time-backwards", "negative-focal"],
)
def test_ground_truth_with_unusable_poses_is_refused_by_validate(
    tmp_path: Path, c2w: np.ndarray | None, arrays: dict[str, np.ndarray], message: str
) -> None:
    _video(tmp_path, "v0.mp4")
    path = _gt(tmp_path, "v0", c2w, **arrays)
    ds = Dataset(tmp_path)
    with pytest.raises(FileFormatError, match=message) as info:
        ds.validate()
    assert str(info.value).startswith(f"{path}: ")
    with pytest.raises(FileFormatError, match=message):  # and by a reader that did not validate
        Dataset(tmp_path).gt_trajectory("v0.mp4")


def test_corrupt_ground_truth_is_found_by_validate(tmp_path: Path) -> None:
    _video(tmp_path, "v0.mp4")
    path = _gt(tmp_path, "v0")
    path.write_bytes(path.read_bytes()[:300])  # truncated
    with pytest.raises(FileFormatError, match=rf"^{path}: cannot read npz"):
        Dataset(tmp_path).validate()


def test_pickled_ground_truth_is_refused_without_unpickling(tmp_path: Path) -> None:
    _video(tmp_path, "v0.mp4")
    path = _gt(tmp_path, "v0", np.array([*_poses(), None], dtype=object))
    with pytest.raises(FileFormatError, match=rf"^{path}: cannot read npz: Object arrays cannot be loaded"):
        Dataset(tmp_path).validate()


def test_ground_truth_of_no_video_is_an_error_naming_the_expected_file(tmp_path: Path) -> None:
    _video(tmp_path, "v0.mov")
    path = _gt(tmp_path, "v0")  # the stem of v0.mov is '%v0.mov' (video_file_stem)
    with pytest.raises(FileFormatError, match=r"ground truth of no video .* 'v0\.mov' is named '%v0\.mov'") as info:
        Dataset(tmp_path).validate()
    assert str(info.value).startswith(f"{path}: ")


def test_ground_truth_whose_pose_count_is_not_the_manifest_frame_count_is_an_error(tmp_path: Path) -> None:
    _video(tmp_path, "v0.mp4")
    path = _gt(tmp_path, "v0")
    (tmp_path / "manifest.json").write_text(json.dumps({"clips": [{"video": "v0.mp4", "frames": 7}]}))
    with pytest.raises(FileFormatError, match=r"5 poses, but manifest\.json says 'v0\.mp4' has 7 frames") as info:
        Dataset(tmp_path).validate()
    assert str(info.value).startswith(f"{path}: ")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda gt: (gt / "v0.npz").mkdir(), r"v0\.npz: a folder: ground-truth files sit directly in gt/"),
        (lambda gt: (gt / "v0.npz").symlink_to(gt / "gone.npz"), r"v0\.npz: is a broken symbolic link"),
        (lambda gt: os.mkfifo(gt / "v0.npz"), r"v0\.npz: is not a regular file"),
        (lambda gt: _gt(gt.parent, "v0").rename(gt / "v0.NPZ"), r"v0\.NPZ: ground-truth files end in '\.npz'"),
    ],
    ids=["folder", "dangling-link", "fifo", "upper-case-suffix"],
)
def test_ground_truth_that_would_be_skipped_is_an_error(tmp_path: Path, make: object, message: str) -> None:
    _video(tmp_path, "v0.mp4")
    (tmp_path / "gt").mkdir()
    make(tmp_path / "gt")  # type: ignore[operator]
    with pytest.raises(FileFormatError, match=message):
        Dataset(tmp_path).validate()


def test_ground_truth_only_as_tum_text_is_checked(tmp_path: Path) -> None:
    _video(tmp_path, "v0.mp4")
    (tmp_path / "gt").mkdir()
    (tmp_path / "gt" / "v0.txt").write_text("0 0 0 0 0 0 0 1\n1 nan 0 0 0 0 0 1\n")
    with pytest.raises(FileFormatError, match=r"v0\.txt:2: NaN or infinite value"):
        Dataset(tmp_path).validate()


def test_missing_ground_truth_and_stray_files_are_warnings(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    for v in ("v0.mp4", "v1.mp4"):
        _video(tmp_path, v)
    save_npz(tmp_path / "gt" / "v0.npz", Trajectory(_poses(), None, np.arange(5) / 10))
    np.save(tmp_path / "gt" / "v1.npy", _poses())  # a format not read here
    ds = Dataset(tmp_path)
    with caplog.at_level(logging.WARNING):
        ds.validate()
    gt = tmp_path / "gt"
    assert [r.getMessage() for r in caplog.records] == [
        f"{gt}: 'v1.npy' not a ground-truth file (<stem>.npz or <stem>.txt); not read",
        f"{gt}: no ground truth for 1 of 2 videos ('v1.mp4'); their trajectories are not evaluated",
    ]
    assert ds.gt_trajectory("v1.mp4") is None and ds.gt_trajectory("v0.mp4") is not None


# --- videos/: links, names, files that are not videos -------------------------------------------


def test_symbolic_link_to_a_folder_of_videos_is_followed(tmp_path: Path) -> None:
    data, clips = tmp_path / "data", tmp_path / "drone_clips"
    _video(data, "top.mp4")
    _video(clips, "a.mp4")
    (data / "videos" / "drone").symlink_to(clips / "videos")
    assert Dataset(data).videos() == ["drone/a.mp4", "top.mp4"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda v: (v / "gone.mp4").symlink_to(v / "nowhere.mp4"), r"gone\.mp4: a broken symbolic link"),
        (lambda v: (v / "loop.mp4").symlink_to(v / "loop.mp4"), r"loop\.mp4: a broken symbolic link \(Too many"),
        (lambda v: (v / "up").symlink_to(v), r"up: a symbolic link to .*, a folder above it"),
        (lambda v: (v / "a\nb.mp4").write_bytes(b"x"), r"videos: the file name 'a\\nb\.mp4' holds a control character"),
        (lambda v: (v / "V0.mp4").write_bytes(b"x"), r"'V0\.mp4' and 'v0\.mp4' differ only in letter case"),
        (lambda v: os.mkfifo(v / "pipe.mp4"), r"pipe\.mp4: not a regular file"),
    ],
    ids=["dangling-link", "link-loop", "folder-link-loop", "newline-name", "case-only", "fifo"],
)
def test_videos_folder_entries_that_were_skipped_are_errors(tmp_path: Path, make: object, message: str) -> None:
    _video(tmp_path, "v0.mp4")
    make(tmp_path / "videos")  # type: ignore[operator]
    with pytest.raises(FileFormatError, match=message):
        Dataset(tmp_path).validate()


def test_hidden_and_non_video_files_are_left_out_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    names = ("v0.MP4", "sub/v1.mp4", ".DS_Store", "._v0.MP4", ".v2.mp4", "notes.txt", "sub/clip", "raw", ".v3.mp4")
    for name in names:
        _video(tmp_path, name)
    _labels(tmp_path, ["raw", ".v3.mp4"])  # a file a label names is listed, whatever its name
    ds = Dataset(tmp_path)
    with caplog.at_level(logging.WARNING):
        ds.validate()
        assert ds.videos() == [".v3.mp4", "raw", "sub/v1.mp4", "v0.MP4"]
        assert ds.videos() == [".v3.mp4", "raw", "sub/v1.mp4", "v0.MP4"]  # warned once, not per call
    videos = tmp_path / "videos"
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        f"{videos}: 2 file(s) without a video extension left out: 'notes.txt', 'sub/clip'",
        f"{videos}: hidden file(s) '.v2.mp4' left out",
    ]


def test_one_file_under_two_names_is_listed_twice_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _video(tmp_path, "v0.mp4")
    (tmp_path / "videos" / "same.mp4").symlink_to(tmp_path / "videos" / "v0.mp4")
    with caplog.at_level(logging.WARNING):
        assert Dataset(tmp_path).videos() == ["same.mp4", "v0.mp4"]
    assert [r.getMessage() for r in caplog.records] == [
        f"{tmp_path / 'videos'}: 'same.mp4' and 'v0.mp4' are the same file (through a symbolic link); "
        "it is scored under each name"
    ]


# --- label names: one spelling per video, never outside videos/ ---------------------------------


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("./v0.mp4", r"the video '\./v0\.mp4' is not written as its file is \(write 'v0\.mp4'\)"),
        ("sub//v1.mp4", r"the video 'sub//v1\.mp4' is not written as its file is \(write 'sub/v1\.mp4'\)"),
        ("v0.mp4 ", r"the video 'v0\.mp4 ' begins or ends with a space"),
        ("sub\\v1.mp4", r"separates folders with '\\'; write '/'"),
        ("V0.mp4", r"the video 'V0\.mp4' is not in .*videos; the file there is 'v0\.mp4' \(other letter case\)"),
        ("folder.mp4", r"the video 'folder\.mp4' is a folder in .*videos, not a video file"),
        ("v\x000.mp4", r"the video 'v\\x000\.mp4' holds a control character"),
    ],
    ids=["dot-slash", "double-slash", "trailing-space", "backslash", "case", "folder", "nul"],
)
def test_label_naming_a_video_in_another_spelling_is_an_error(tmp_path: Path, label: str, message: str) -> None:
    _video(tmp_path, "v0.mp4")
    _video(tmp_path, "sub/v1.mp4")
    (tmp_path / "videos" / "folder.mp4").mkdir()
    path = _labels(tmp_path, [label])
    with pytest.raises(FileFormatError, match=message) as info:
        Dataset(tmp_path).validate()
    assert str(info.value).startswith(f"{path}:1: ")  # the label's line, in the standard place


@pytest.mark.parametrize("name", ["../secret.mp4", "/etc/passwd", "sub/../../x.mp4", "a\x00.mp4"])
def test_video_path_never_leads_out_of_videos(tmp_path: Path, name: str) -> None:
    with pytest.raises(FileFormatError, match=rf"^{tmp_path / 'videos'}: "):
        Dataset(tmp_path).video_path(name)


# --- the dataset folder itself ----------------------------------------------------------------


def test_dataset_root_that_is_a_file_or_a_broken_link_says_so(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileFormatError, match=r"file: is a file, not a dataset folder$"):
        Dataset(tmp_path / "file")
    (tmp_path / "link").symlink_to(tmp_path / "nowhere")
    with pytest.raises(FileFormatError, match=r"link: is a broken symbolic link$"):
        Dataset(tmp_path / "link")


def test_unreadable_subfolder_of_videos_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Path.rglob skipped a folder it could not list without a word (chmod does not stop root,
    so the refusal is simulated)."""
    _video(tmp_path, "v0.mp4")
    locked = _video(tmp_path, "locked/v1.mp4").parent
    scandir = os.scandir

    def refuse(path: str | os.PathLike[str]) -> object:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    with pytest.raises(FileFormatError, match=rf"^{locked}: cannot list the folder: Permission denied$"):
        Dataset(tmp_path).validate()


def test_manifest_clip_of_no_video_is_left_out_of_the_knob_groups_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from camerabench.eval.knobs import clip_groups

    _video(tmp_path, "a.mp4")
    _video(tmp_path, "b.mp4")
    clips = [
        {"video": "a.mp4", "knobs": {"blur": True}},
        {"video": "b.mp4", "knobs": {"blur": False}},
        {"video": "typo.mp4", "knobs": {"blur": True}},
    ]
    (tmp_path / "manifest.json").write_text(json.dumps({"clips": clips}))
    ds = Dataset(tmp_path)
    with caplog.at_level(logging.WARNING):
        ds.validate()
    assert "1 of 3 clips name no video" in caplog.text and "clips[2] 'typo.mp4'" in caplog.text
    assert clip_groups(ds.known_manifest) == {"blur": {"a.mp4"}, "none": {"b.mp4"}}
    assert len(ds.manifest["clips"]) == 3  # the file as written is still there to read
