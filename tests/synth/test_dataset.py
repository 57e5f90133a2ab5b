"""The generated folder: layout, public label formats, tri-state rules, determinism, CLI."""

from __future__ import annotations

import json
import logging
import multiprocessing
from pathlib import Path

import numpy as np
import pytest

from camerabench.cli import main
from camerabench.dataset import Dataset
from camerabench.labelfiles import read_binary_file, read_vqa_file
from camerabench.synth import ClipSpec, generate_dataset, preset_specs, raw_annotation, render_clip
from camerabench.synth.presets import KNOBS
from camerabench.taxonomy import CompoundMotion, Primitive, Speed, derive_labels
from camerabench.taxonomy.rules import DIRECTION_PRIMITIVES
from camerabench.trajectory_formats import read_tum
from camerabench.video import read_video

P = Primitive


def test_folder_layout_and_loaders(standard_tiny: Path) -> None:
    ds = Dataset(standard_tiny)
    videos = ds.videos()
    manifest = ds.manifest
    assert manifest["generator"] == "camerabench.synth" and manifest["seed"] == 3
    # standard clips carry every knob, all off, so reports can group both presets alike
    assert all(c["knobs"] == dict.fromkeys(KNOBS, False) and c["failure_mode"] is None for c in manifest["clips"])
    assert [c["video"] for c in manifest["clips"]] == videos  # every video has a manifest entry
    assert len(videos) == len(preset_specs("standard"))
    files = sorted(p.name for p in (standard_tiny / "labels" / "binary_classification").iterdir())
    assert files == sorted(p.file for p in Primitive)  # all 15 files
    assert set(ds.binary) == set(Primitive)
    for prim, recs in ds.binary.items():
        assert recs == read_binary_file(standard_tiny / "labels" / "binary_classification" / prim.file)
        assert all(r.question == prim.question for r in recs)
    for video in videos:
        clip = read_video(ds.video_path(video))
        traj = ds.gt_trajectory(video)
        assert traj is not None and traj.intrinsic is not None
        assert clip.frames.shape[1:3] == (96, 128)
        assert len(traj) == len(clip) == 10
        np.testing.assert_allclose(traj.timestamps, clip.timestamps, atol=1e-6)
        tum = read_tum(standard_tiny / "gt" / f"{Path(video).stem}.txt")  # evo reads the TUM copy
        np.testing.assert_allclose(tum.cam_c2w, traj.cam_c2w, atol=1e-6)
    assert {c.video for c in ds.captions} == set(videos)


def test_binary_files_follow_manifest_labels(standard_tiny: Path) -> None:
    ds = Dataset(standard_tiny)
    by_video = {c["video"]: c for c in ds.manifest["clips"]}
    for prim, recs in ds.binary.items():
        listed = {r.image: r.positive for r in recs}
        for video, clip in by_video.items():
            label = clip["labels"][prim.value]
            assert listed.get(video) == label  # None (ambiguous) clips are absent from the file


def test_tri_state_rules(standard_tiny: Path) -> None:
    clips = {c["motion"]["name"]: c for c in Dataset(standard_tiny).manifest["clips"]}
    directions = [p.value for p in DIRECTION_PRIMITIVES]
    # a fixed, unshaken camera: Static True, every direction clearly False
    assert clips["static"]["labels"]["Static"] is True
    assert all(clips["static"]["labels"][d] is False for d in directions)
    # a fixed camera that shakes is not Static, but no direction is claimed either
    assert clips["static_shaky"]["labels"]["Static"] is False
    assert all(clips["static_shaky"]["labels"][d] is False for d in directions)
    # motion too small to name: ambiguous everywhere (even the direction that happened)
    for name in ("minor_pan", "minor_dolly"):
        assert all(clips[name]["labels"][d] is None for d in directions), name
        assert clips[name]["labels"]["Static"] is False
    # arcs and cranes: camera-centric components are not labelled
    for comp in ("arc_clockwise", "arc_counterclockwise", "crane_up", "crane_down"):
        assert all(clips[comp]["labels"][d] is None for d in directions), comp
    # a dolly zoom is a clear backward move plus a clear zoom in
    dz = clips["dolly_zoom_in"]["labels"]
    assert dz["Move_Out"] is True and dz["Zoom_In"] is True and dz["Move_In"] is False and dz["Pan_Left"] is False
    # a composition: both parts True, everything else clearly False
    combo = clips["pan_left+move_in"]["labels"]
    assert combo["Pan_Left"] is True and combo["Move_In"] is True
    assert all(combo[d] is False for d in directions if d not in ("Pan_Left", "Move_In"))


def test_shaky_moving_camera_makes_no_answers_ambiguous() -> None:
    spec = ClipSpec("pan_left_shaky", moves=((P.PAN_LEFT, 15.0),), shake_deg=0.8)
    labels = derive_labels(raw_annotation(spec))
    assert labels[P.PAN_LEFT] is True
    assert all(labels[p] is None for p in DIRECTION_PRIMITIVES if p is not P.PAN_LEFT)
    assert labels[P.STATIC] is False
    smooth = derive_labels(raw_annotation(ClipSpec("pan_left", moves=((P.PAN_LEFT, 15.0),))))
    assert all(smooth[p] is False for p in DIRECTION_PRIMITIVES if p is not P.PAN_LEFT)
    arc = derive_labels(raw_annotation(ClipSpec("arc", compound=CompoundMotion.ARC_CLOCKWISE, compound_magnitude=20)))
    assert all(arc[p] is None for p in DIRECTION_PRIMITIVES) and arc[P.STATIC] is False


def test_vqa_pairs_are_consistent_with_labels(standard_tiny: Path, public_data: Path) -> None:
    ds = Dataset(standard_tiny)
    labels = {c["video"]: c["labels"] for c in ds.manifest["clips"]}
    assert ("motion_direction", "pan_left_vs_pan_right") in ds.vqa
    assert ("has_motion", "has_pan_left") in ds.vqa
    for (folder, task), pairs in ds.vqa.items():
        assert pairs, (folder, task)
        # wording, skill field and task name are the public file's
        public = read_vqa_file(public_data / "vqa_and_retrieval" / folder / f"{task}.jsonl")[0]
        for pair in pairs:
            assert (pair.skill, pair.task, pair.pos_question, pair.neg_question) == (
                public.skill,
                public.task,
                public.pos_question,
                public.neg_question,
            )
            assert pair.pos_video != pair.neg_video
            # a binary question in a pair is answered as the binary labels say
            for video, question, expected in pair.cells:
                prim = Primitive.from_question(question)
                if prim is not None and labels[video][prim.value] is not None:
                    assert labels[video][prim.value] is expected, (task, video, question)


def test_captions_use_taxonomy_phrases(standard_tiny: Path) -> None:
    ds = Dataset(standard_tiny)
    captions = {c.video: c.answer for c in ds.captions}
    for clip in ds.manifest["clips"]:
        text = captions[clip["video"]]
        for prim in Primitive:
            if clip["labels"][prim.value] is True:
                assert any(p.search(text) for p in prim.caption_patterns), (text, prim)
    assert captions[ds.manifest["clips"][0]["video"]] == "The camera remains completely still."
    slow = next(c for c in ds.manifest["clips"] if c["motion"]["name"] == "pan_right_slow")
    assert captions[slow["video"]] == "The camera pans right slowly."


def _render_first_clip(args: tuple[int, tuple[int, int]]) -> np.ndarray:
    seed, size = args
    return render_clip(preset_specs("standard")[1], seed, 1, size, 4.0).frames


def test_same_seed_same_labels_trajectories_and_frames_any_worker_count(tmp_path: Path) -> None:
    kw = {"clips": 3, "seed": 11, "size": (64, 48), "fps": 4.0}
    a = generate_dataset(tmp_path / "a", workers=1, **kw)
    b = generate_dataset(tmp_path / "b", workers=2, **kw)
    files = sorted(p.relative_to(a) for p in [*(a / "labels").rglob("*"), a / "manifest.json"] if p.is_file())
    assert len(files) > 15
    for rel in files:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    for name in sorted(p.name for p in (a / "gt").glob("*.npz")):
        with np.load(a / "gt" / name) as ga, np.load(b / "gt" / name) as gb:
            for key in ("cam_c2w", "intrinsic", "timestamps"):
                np.testing.assert_array_equal(ga[key], gb[key])
    # the rendered frames (before encoding) are bit-identical in another process
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        (remote,) = pool.map(_render_first_clip, [(11, (64, 48))])
    np.testing.assert_array_equal(_render_first_clip((11, (64, 48))), remote)
    assert not np.array_equal(_render_first_clip((12, (64, 48))), remote)  # another seed, another scene


def test_same_seed_same_decoded_frames(tmp_path: Path) -> None:
    kw = {"clips": 2, "seed": 11, "size": (320, 192), "fps": 10.0, "workers": 1}
    a = generate_dataset(tmp_path / "a", **kw)
    b = generate_dataset(tmp_path / "b", **kw)
    for name in sorted(p.name for p in (a / "videos").iterdir()):
        np.testing.assert_array_equal(read_video(a / "videos" / name).frames, read_video(b / "videos" / name).frames)


def test_hard_preset_records_one_knob_per_clip(tmp_path: Path) -> None:
    out = generate_dataset(
        tmp_path / "hard", clips=len(KNOBS), seed=0, preset="hard", size=(48, 32), fps=5.0, workers=1
    )
    clips = Dataset(out).manifest["clips"]
    assert sorted(c["failure_mode"] for c in clips) == sorted(KNOBS)  # the first clips cover every knob
    for c in clips:
        assert set(c["knobs"]) == set(KNOBS)
        assert [k for k, on in c["knobs"].items() if on] == [c["failure_mode"]]
    by_mode = {c["failure_mode"]: c for c in clips}
    assert by_mode["handheld_shake"]["annotation"]["steadiness"] in ("unsteady", "very_unsteady")
    assert by_mode["low_parallax"]["motion"]["scene_scale"] > 1
    assert by_mode["motion_blur"]["motion"]["motion_blur"] > 1
    assert by_mode["tracking"]["motion"]["tracking"] in ("lead", "tail")


def test_cli_writes_the_folder(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "cli"
    args = [
        "synth",
        "--out",
        str(out),
        "--clips",
        "2",
        "--seed",
        "1",
        "--size",
        "48x32",
        "--fps",
        "4",
        "--workers",
        "1",
    ]
    assert main(args) == 0
    assert len(list((out / "videos").glob("*.mp4"))) == 2
    assert json.loads((out / "manifest.json").read_text())["options"]["width"] == 48
    # regenerating over an earlier synthetic dataset replaces it, saying what was there
    with caplog.at_level(logging.WARNING):
        assert main([*args[:4], "1", *args[5:]]) == 0
    assert len(list((out / "videos").glob("*.mp4"))) == 1
    assert "replacing the synthetic dataset there (preset 'standard', seed 1, 2 clips)" in caplog.text


@pytest.mark.parametrize("extra", [["--size", "48by32"], ["--size", "47x32"]])
def test_cli_rejects_bad_options(tmp_path: Path, extra: list[str]) -> None:
    assert main(["synth", "--out", str(tmp_path / "x"), "--workers", "1", *extra]) == 1
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("extra", [["--preset", "standard", "--clips", "0"], ["--fps", "0"]])
def test_cli_rejects_out_of_range_numbers_while_parsing(tmp_path: Path, extra: list[str]) -> None:
    with pytest.raises(SystemExit) as info:  # argparse: usage line, the flag and why, status 2
        main(["synth", "--out", str(tmp_path / "x"), "--workers", "1", *extra])
    assert info.value.code == 2
    assert not (tmp_path / "x").exists()


def test_interrupted_generation_can_be_rerun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import camerabench.synth.generate as gen

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    out = tmp_path / "data"
    monkeypatch.setattr(gen, "_write_labels", crash)
    with pytest.raises(KeyboardInterrupt):
        generate_dataset(out, clips=1, size=(48, 32), fps=4.0, workers=1)
    assert (out / "videos").is_dir() and not (out / "manifest.json").exists()
    monkeypatch.undo()
    generate_dataset(out, clips=1, size=(48, 32), fps=4.0, workers=1)
    assert sorted(p.name for p in out.iterdir()) == ["gt", "labels", "manifest.json", "videos"]


def test_refuses_to_overwrite_a_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    assert main(["synth", "--out", str(tmp_path / "mine"), "--clips", "1", "--size", "48x32", "--workers", "1"]) == 1
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_speed_classes_scale_magnitudes() -> None:
    specs = {s.name: s for s in preset_specs("standard")}
    assert specs["pan_right_slow"].speed is Speed.SLOW and specs["pan_left_fast"].speed is Speed.FAST
    assert specs["pan_left_fast"].moves[0][1] > specs["pan_left"].moves[0][1] > specs["pan_right_slow"].moves[0][1]
