"""Hostile inputs, round 26: the synthetic generator's lens record, the hard preset at 4:3 and
square sizes, and the arguments of ``generate_dataset`` / ``camerabench synth``.

- the ground-truth npz of a clip did not record the lens distortion ``k1`` its frames were drawn
  through (now ``lens_k1``, 0.0 without distortion; an older file lacks it: unknown, ``None``);
- the hard preset was refused at 4:3, square and portrait sizes (its ``k1 = -0.25`` folds back
  inside their corners): the lens knob's ``k1`` is now scaled for the frame's aspect ratio
  (unchanged at the default 5:3 and at 16:9) and the one used is recorded;
- a clip taking more memory than the machine has was rendered until killed, a seed past 64 bits
  rendered everything and then failed writing labels, a clip of under 2 frames got 2 frames past
  its end, a 5000-digit ``--size`` side ended in a traceback, and regenerating a dataset deleted
  a user's files put into its ``videos/``, ``gt/`` or ``labels/`` folders.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.cli.synth import parse_size
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.runfolder import SYNTH_INCOMPLETE_FILE
from camerabench.synth import generate as gen
from camerabench.synth import presets
from camerabench.synth.generate import generate_dataset, render_clip
from camerabench.synth.nuisances import check_lens_fold, distortion_maps
from camerabench.synth.presets import DEFAULT_SIZE, LENS_K1, preset_specs
from camerabench.synth.specs import ClipSpec
from camerabench.taxonomy import Primitive
from camerabench.trajectory import Trajectory, pinhole_intrinsic
from camerabench.trajectory_formats import load_npz, save_npz

P = Primitive
GIB = 2**30


class _RenderedError(Exception):
    """Raised in place of rendering: the arguments passed every check."""


def _no_render(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    jobs: list[Any] = []

    def fake(job: Any) -> None:
        jobs.append(job)
        raise _RenderedError

    monkeypatch.setattr(gen, "_render_job", fake)
    return jobs


def _no_shot(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("rendered a clip that should have been refused")

    monkeypatch.setattr(gen, "_render_shot", fake)


# --- 1. the lens distortion in the ground-truth npz -----------------------------------------


@pytest.mark.parametrize("k1", [-0.1, 0.0], ids=["barrel", "none"])
def test_gt_npz_records_the_lens_k1_and_stays_readable(
    k1: float, tmp_path: Path, tiny_textures: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # before: the npz held cam_c2w, intrinsic and timestamps only (the frames were distorted)
    spec = ClipSpec("lens", moves=((P.PAN_RIGHT, 15.0),), lens_k1=k1)
    gen._render_job((spec, 0, 0, (32, 20), 4.0, str(tmp_path)))
    path = tmp_path / "gt" / "synth_000_lens.npz"
    assert gen.gt_lens_k1(path) == k1
    with np.load(path) as data:
        assert data["lens_k1"].dtype == np.float64 and data["lens_k1"].shape == ()
    # every reader of the file in the package goes through load_npz: it still reads the trajectory
    traj = load_npz(path)
    clip = render_clip(spec, 0, 0, (32, 20), 4.0)
    np.testing.assert_array_equal(traj.cam_c2w, clip.trajectory.cam_c2w)
    np.testing.assert_array_equal(traj.intrinsic, clip.trajectory.intrinsic)
    np.testing.assert_array_equal(traj.timestamps, clip.trajectory.timestamps)


def test_an_old_gt_npz_without_lens_k1_reads_as_unknown(tmp_path: Path) -> None:
    traj = Trajectory(np.tile(np.eye(4), (2, 1, 1)), np.stack([pinhole_intrinsic(20.0, 32, 20)] * 2), np.r_[0.0, 0.1])
    old = tmp_path / "old.npz"
    save_npz(old, traj)  # the writer before: no lens_k1
    assert gen.gt_lens_k1(old) is None  # unknown, not 0.0
    assert len(load_npz(old)) == 2
    for bad in (np.float64(np.nan), np.array([-0.25, 0.0]), np.array("x")):
        path = tmp_path / "bad.npz"
        np.savez(path, cam_c2w=traj.cam_c2w, lens_k1=bad)
        with pytest.raises(FileFormatError, match="lens_k1 must be one finite real number"):
            gen.gt_lens_k1(path)
    np.save(tmp_path / "one.npy", np.zeros(3))
    with pytest.raises(FileFormatError, match="not an npz archive"):
        gen.gt_lens_k1(tmp_path / "one.npy")


# --- 2. the hard preset at 4:3, square and portrait sizes -----------------------------------


def test_lens_k1_is_unchanged_at_the_default_and_16_9_sizes() -> None:
    for size in (DEFAULT_SIZE, (640, 384), (320, 180), (1280, 720), (640, 192)):
        assert presets.lens_k1_for_size(*size) == LENS_K1
    assert preset_specs("hard", size=DEFAULT_SIZE) == preset_specs("hard")
    assert preset_specs("hard", size=(320, 180)) == preset_specs("hard")


@pytest.mark.parametrize(
    "size", [(320, 240), (640, 480), (64, 64), (48, 128)], ids=["320x240", "640x480", "square", "tall"]
)
def test_the_scaled_lens_keeps_a_monotonic_mapping_over_the_frame(size: tuple[int, int]) -> None:
    width, height = size
    k1 = presets.lens_k1_for_size(width, height)
    assert LENS_K1 < k1 < 0
    # the same share of the corner radius as at 5:3: k1 r_c^2, r_c from the frame's half-diagonal
    share = k1 * (1 + (height / width) ** 2)
    assert share == pytest.approx(LENS_K1 * (1 + (DEFAULT_SIZE[1] / DEFAULT_SIZE[0]) ** 2))
    shortest = pinhole_intrinsic(0.8 * width, width, height)
    check_lens_fold(shortest, width, height, k1)  # -0.25 folded here
    with pytest.raises(CameraBenchError, match="folds the picture back"):
        check_lens_fold(shortest, width, height, LENS_K1)
    if width * height <= 64 * 64:  # along the diagonal: undistorted radii in order, re-distorted onto their pixels
        map_x, map_y = distortion_maps(shortest, width, height, k1, (0, 0))
        t = np.linspace(0.0, 1.0, 33)
        cols = np.round((width - 1) / 2 + t * (width - 1) / 2).astype(int)
        rows = np.round((height - 1) / 2 + t * (height - 1) / 2).astype(int)
        keep = np.r_[True, (np.diff(cols) != 0) | (np.diff(rows) != 0)]
        cols, rows = cols[keep], rows[keep]
        x = (np.c_[map_x[rows, cols], map_y[rows, cols]].astype(np.float64) - shortest[:2, 2]) / shortest[0, 0]
        r2 = (x**2).sum(axis=1, keepdims=True)
        assert np.all(np.diff(np.sqrt(r2[:, 0])) > 0)
        back = x * (1 + k1 * r2) * shortest[0, 0] + shortest[:2, 2]
        assert np.abs(back - np.c_[cols, rows]).max() < 1e-3


@pytest.mark.parametrize("size", [(640, 480), (192, 192), (192, 320)], ids=["4:3", "square", "portrait"])
def test_generate_dataset_takes_the_hard_preset_at_taller_sizes(
    size: tuple[int, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # before: "clip 'lens_distortion_pan_right': lens_k1 -0.25 folds the picture back inside a 640x480 frame"
    jobs = _no_render(monkeypatch)
    with pytest.raises(_RenderedError):
        generate_dataset(tmp_path / "out", clips=10, preset="hard", size=size, workers=1)
    with pytest.raises(_RenderedError):  # every clip of the preset passes the checks
        generate_dataset(tmp_path / "full", preset="hard", size=size, workers=1)
    assert jobs and jobs[0][3] == size


def test_a_tiny_hard_dataset_at_4_3_records_the_k1_used(
    tmp_path: Path, tiny_textures: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = generate_dataset(tmp_path / "d", clips=10, preset="hard", size=(32, 24), fps=2.0, workers=1)
    manifest = json.loads((out / "manifest.json").read_text())
    used = presets.lens_k1_for_size(32, 24)
    for clip in manifest["clips"]:
        k1 = used if clip["knobs"]["lens_distortion"] else 0.0
        assert clip["motion"]["lens_k1"] == k1
        assert gen.gt_lens_k1(out / "gt" / clip["video"].replace(".mp4", ".npz")) == k1
    assert sum(c["knobs"]["lens_distortion"] for c in manifest["clips"]) == 1


def test_an_explicit_k1_that_folds_is_still_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # only the preset's knob is scaled; a clip's own lens_k1 is the user's and is not changed
    _no_shot(monkeypatch)
    with pytest.raises(CameraBenchError, match=r"clip 'lens': lens_k1 -0.25 folds"):
        render_clip(ClipSpec("lens", lens_k1=LENS_K1), 0, 0, (320, 240), 4.0)


# --- 3. arguments -------------------------------------------------------------------------------


def test_a_clip_too_big_for_memory_is_refused_before_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # before: 600 frames of 4096x4096 were rendered until the machine ran out of memory
    monkeypatch.setattr(gen, "_memory_bytes", lambda: (16 * GIB, "this machine's"))
    _no_render(monkeypatch)
    _no_shot(monkeypatch)
    out = tmp_path / "out"
    with pytest.raises(CameraBenchError, match=r"clip 'static': 600 frames of 4096x4096 at 240 fps .* GiB of memory"):
        generate_dataset(out, clips=1, size=(4096, 4096), fps=240.0, workers=1)
    assert not out.exists()
    with pytest.raises(CameraBenchError, match=r"more than 50% of this machine's 16 GiB of memory"):
        render_clip(ClipSpec("static"), 0, 0, (4096, 4096), 240.0)


def test_workers_are_capped_to_the_clips_that_fit_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    need = gen._clip_bytes(ClipSpec("static"), (64, 48), 10.0)
    monkeypatch.setattr(gen, "_memory_bytes", lambda: (3 * need, "this machine's"))  # 1.5 clips fit
    jobs = _no_render(monkeypatch)  # a pool of 4 would not call this (spawned workers)
    with caplog.at_level(logging.WARNING, logger="camerabench.synth.generate"), pytest.raises(_RenderedError):
        generate_dataset(tmp_path / "out", clips=4, size=(64, 48), workers=4)
    assert len(jobs) == 1
    assert "rendering with 1 worker(s), not 4" in caplog.text


@pytest.mark.parametrize("seed", [2**64, 10**5000], ids=["65_bits", "5000_digits"])
def test_a_seed_past_64_bits_is_refused_before_work(seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # before: every clip was rendered, then writing the labels failed (f"{seed}" of 5000 digits)
    _no_render(monkeypatch)
    with pytest.raises(CameraBenchError, match=r"seed must be at most 2\*\*64 - 1"):
        generate_dataset(tmp_path / "out", clips=1, seed=seed, size=(32, 20), workers=1)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"duration_s": 0.01, "fps": 10.0}, r"duration_s 0\.01 is out of range \(0\.01 s at 10 fps is 0 frame\(s\)"),
        ({"fps": 1e-6}, r"fps 1e-06 is out of range .*allowed: \[1, 240\]"),
        ({"fps": 1e6}, r"fps 1000000\.0 is out of range .*allowed: \[1, 240\]"),
        ({"duration_s": 1e300, "fps": 1e300}, r"fps 1e\+300 is out of range"),
        ({"duration_s": 1e300}, r"duration_s 1e\+300 is out of range .*over 100000 frames at 1 fps"),
    ],
    ids=["short", "slow", "fast", "overflow", "long"],
)
def test_a_clip_of_under_2_or_too_many_frames_is_refused(changes: dict[str, float], match: str) -> None:
    # before: 2 frames 0.1 s (or 1e6 s) apart, past the clip's end; 2.5e6 frames rendered. Since
    # round 36 the clip's own fps and duration are bounded when the ClipSpec is made.
    with pytest.raises(CameraBenchError, match=rf"clip 'x': {match}"):
        ClipSpec("x", moves=((P.PAN_RIGHT, 15.0),), **changes)  # type: ignore[arg-type]


def test_a_clip_of_under_2_frames_at_the_datasets_fps_is_refused_when_rendered(monkeypatch: pytest.MonkeyPatch) -> None:
    # 0.01 s has 2 frames at 240 fps: the spec takes it; at the dataset's 10 fps it has none
    spec = ClipSpec("short", moves=((P.PAN_RIGHT, 15.0),), duration_s=0.01)
    _no_shot(monkeypatch)
    with pytest.raises(CameraBenchError, match=r"clip 'short': 0\.01 s at 10 fps is 0 frame\(s\)"):
        render_clip(spec, 0, 0, (32, 20), 10.0)


def test_a_size_side_of_5000_digits_is_refused() -> None:
    # before: ValueError "Exceeds the limit (4300 digits) for integer string conversion" (a traceback)
    with pytest.raises(CameraBenchError, match=r"--size 9{20}\.\.\.9{7}x16 \(5003 characters\): a side of more"):
        parse_size("9" * 5000 + "x16")
    assert parse_size("000000000000320x192") == (320, 192)


# --- 4. the output folder -------------------------------------------------------------------------


def _old_dataset(root: Path) -> Path:
    """The files a finished earlier generation leaves (what _check_out looks at)."""
    (root / "videos").mkdir(parents=True)
    (root / "gt").mkdir()
    (root / "labels" / "binary_classification").mkdir(parents=True)
    (root / "videos" / "synth_000_static.mp4").write_bytes(b"old")
    (root / "gt" / "synth_000_static.npz").write_bytes(b"old")
    (root / "labels" / "binary_classification" / "Pan_Left.jsonl").write_text("")
    (root / "manifest.json").write_text(json.dumps({"generator": gen.GENERATOR, "options": {}}))
    return root


@pytest.mark.parametrize(
    "extra",
    ["videos/my_holiday.mp4", "gt/notes.txt", "labels/my_labels.csv", "videos/keep/a.mp4"],
    ids=["video", "gt", "labels", "subfolder"],
)
def test_regenerating_over_a_users_files_is_refused(
    extra: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # before: the earlier dataset was replaced and the user's file deleted with its folder
    out = _old_dataset(tmp_path / "d")
    (out / extra).parent.mkdir(parents=True, exist_ok=True)
    (out / extra).write_bytes(b"mine")
    _no_render(monkeypatch)
    with pytest.raises(CameraBenchError, match=rf"file\(s\) the generator does not write \({extra.split('/')[0]}/"):
        generate_dataset(out, clips=1, size=(32, 20), workers=1)
    assert (out / extra).read_bytes() == b"mine"
    assert (out / "videos" / "synth_000_static.mp4").exists()


def test_a_videos_link_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "a.mp4").write_bytes(b"mine")
    out = tmp_path / "d"
    out.mkdir()
    (out / SYNTH_INCOMPLETE_FILE).write_text("")
    (out / "videos").symlink_to(mine)
    _no_render(monkeypatch)
    with pytest.raises(CameraBenchError, match=r"does not write \(videos\)"):
        generate_dataset(out, clips=1, size=(32, 20), workers=1)
    assert (mine / "a.mp4").exists()


def test_a_partial_earlier_run_is_still_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # an interrupted run: its marker, a video, and a temporary file of an atomic write
    out = tmp_path / "d"
    (out / "videos").mkdir(parents=True)
    (out / SYNTH_INCOMPLETE_FILE).write_text("")
    (out / "videos" / "synth_000_static.mp4").write_bytes(b"old")
    (out / "videos" / ".synth_001_move_in.mp4.0123abcd.tmp").write_bytes(b"old")
    _no_render(monkeypatch)
    with caplog.at_level(logging.WARNING), pytest.raises(_RenderedError):
        generate_dataset(out, clips=1, size=(32, 20), workers=1)
    assert "replacing the synthetic dataset there (an interrupted generation)" in caplog.text
    assert not (out / "videos").exists()


@pytest.mark.parametrize("name", ["videos/.DS_Store", "videos/._synth_000_static.mp4", "gt/Thumbs.db"])
def test_what_a_file_browser_leaves_does_not_block_regenerating(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a folder looked at in Finder or Explorer holds these; they are no one's work
    out = _old_dataset(tmp_path / "d")
    (out / name).write_bytes(b"\x00")
    _no_render(monkeypatch)
    with pytest.raises(_RenderedError):  # got past the folder check to rendering
        generate_dataset(out, clips=1, size=(32, 20), workers=1)
