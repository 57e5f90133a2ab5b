"""Red-team round 53 (R6): the caption of a clip with a scene cut, and ``dummy``'s requested failures.

- ``fast`` captioned a clip with a scene cut from its longest shot alone, with no word of the cut
  ("The camera moves forward quickly." for the hard preset's pan-left / cut / move-in clip), and
  caption_run.json kept none of the per-video details predict's run.json keeps (``cuts_s``,
  ``shot_s``): the caption now places the shot estimated among the cuts, in the reference
  captions' wording, and the caption job records the method's details.
- ``dummy --option fail_videos=...`` failed those videos' scores only: their captions and
  multiple-choice rows were ok, so dummy could not exercise caption or answer failures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.baselines import registry
from camerabench.baselines.dummy import DummyPredictor
from camerabench.baselines.geometry.describe import describe_trajectory
from camerabench.baselines.geometry.predictor import GeometricPredictor
from camerabench.errors import PredictionError
from camerabench.eval.caption_metrics import caption_facts
from camerabench.jobs.runner import run_caption, run_predict
from camerabench.labelfiles import write_binary_file
from camerabench.records import read_captions, read_run_info
from camerabench.shotbench import MCQRow
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.trajectory import Trajectory
from camerabench.video import write_video

CUT = "the video cuts to another scene"


def _pan(n: int = 13, start_s: float = 1.2, degrees: float = 20.0) -> Trajectory:
    """A camera turning about its vertical axis, ``n`` poses 0.1 s apart from ``start_s``."""
    poses = np.tile(np.eye(4), (n, 1, 1))
    poses[:, :3, :3] = Rotation.from_rotvec(
        np.c_[np.zeros(n), np.deg2rad(np.linspace(0.0, degrees, n)), np.zeros(n)]
    ).as_matrix()
    return Trajectory(poses, None, start_s + 0.1 * np.arange(n))


class _CutShot(GeometricPredictor):
    """A geometric method whose estimate is a pan over the second shot of a cut at 1.2 s."""

    name: ClassVar[str] = "cutshot"

    def estimate(self, video_path: Path) -> tuple[Trajectory, dict[str, Any]]:
        return _pan(), {"frames": 25, "cuts_s": [1.2], "shot_s": [1.2, 2.4]}


# --- the caption's wording ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cuts", "shot", "expected"),
    [
        ([1.2], [1.2, 2.4], "The video cuts to another scene at 1.2 s, where the camera pans left."),
        ([1.2], [0.0, 1.1], "The camera pans left. Then the video cuts to another scene at 1.2 s."),
        (
            [1.0, 2.0],
            [1.0, 1.9],
            "The video cuts to another scene at 1 s, where the camera pans left. "
            "Then the video cuts to another scene at 2 s.",
        ),
        (
            [0.4, 0.8, 2.05],
            [0.8, 2.0],
            "The video cuts to other scenes at 0.4 s and 0.8 s; after the last cut, the camera pans left. "
            "Then the video cuts to another scene at 2.05 s.",
        ),
        ([], None, "The camera pans left."),
    ],
)
def test_the_caption_places_the_shot_estimated_among_the_cuts(
    cuts: list[float], shot: list[float] | None, expected: str
) -> None:
    from camerabench.baselines.geometry.describe import caption_with_cuts

    text = caption_with_cuts("The camera pans left.", cuts, shot)
    assert text == expected
    # only the shot estimated is described: no motion is claimed of the others
    assert caption_facts(text) == {"Pan_Left"}


def test_details_that_contradict_each_other_are_the_videos_failure() -> None:
    from camerabench.baselines.geometry.describe import caption_with_cuts

    with pytest.raises(PredictionError, match=r"cuts at 1.5 s, inside the shot estimated \(1.2 s to 2.4 s\)"):
        caption_with_cuts("The camera pans left.", [1.5], [1.2, 2.4])
    with pytest.raises(PredictionError, match="which shot the caption describes is not known"):
        caption_with_cuts("The camera pans left.", [1.2], None)


def test_the_cut_wording_is_the_reference_captions() -> None:
    from camerabench.synth.annotate import caption
    from camerabench.synth.specs import ClipSpec

    reference = caption(
        ClipSpec("cut", moves=((Primitive.PAN_LEFT, 10.0),), scene_cut=True, cut_moves=((Primitive.MOVE_IN, 1.4),))
    )
    assert f"Then {CUT}, where the camera moves forward." in reference


# --- the geometric predictor ----------------------------------------------------------------


def test_a_geometric_caption_of_a_clip_with_a_cut_names_the_cut(tmp_path: Path) -> None:
    video = tmp_path / "cut.mp4"
    pred = _CutShot()
    shot_only = describe_trajectory(_pan())
    text = pred.caption(video, "Describe.")
    # before: the shot's caption alone ("The camera pans ..."), the cut unsaid
    assert text == f"The video cuts to another scene at 1.2 s, where t{shot_only[1:]}"
    assert caption_facts(text) == caption_facts(shot_only) and len(caption_facts(text)) == 1
    assert pred.caption_details(video) == {"frames": 25, "cuts_s": [1.2], "shot_s": [1.2, 2.4]}


def test_a_reused_trajectory_keeps_the_cut_the_predict_run_recorded(tmp_path: Path) -> None:
    video = tmp_path / "cut.mp4"
    pred = _CutShot()
    pred.reuse_trajectory(video, _pan(), info={"cuts_s": [1.2], "shot_s": [1.2, 2.4]})
    assert pred.caption(video, "Describe.").startswith("The video cuts to another scene at 1.2 s, where the camera ")
    assert pred.caption_details(video) == {"cuts_s": [1.2], "shot_s": [1.2, 2.4], "reused_trajectory": True}
    pred.reuse_trajectory(video, _pan())  # an older predict run's details: no cut known
    assert CUT not in pred.caption(video, "Describe.").lower()
    assert pred.caption_details(video) == {"reused_trajectory": True}


# --- the caption job ------------------------------------------------------------------------


@pytest.fixture()
def one_video(tmp_path: Path) -> Path:
    """A dataset of one (blank) video, labelled on one primitive."""
    root = tmp_path / "data"
    write_binary_file(
        root / "labels" / "binary_classification" / Primitive.PAN_LEFT.file,
        [BinaryRecord.make("cut.mp4", Primitive.PAN_LEFT, True)],
    )
    write_video(root / "videos" / "cut.mp4", np.zeros((4, 16, 16, 3), np.uint8), fps=4)
    return root


def test_caption_run_json_records_the_methods_details(
    one_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.METHODS, "cutshot", f"{__name__}:_CutShot")
    summary = run_caption(one_video, "cutshot", tmp_path / "run", workers=1)
    assert (summary.videos_ok, summary.videos_failed) == (1, 0)
    [rec] = read_captions(tmp_path / "run" / "cutshot" / "captions.jsonl")
    assert rec.caption is not None and rec.caption.startswith("The video cuts to another scene at 1.2 s, where")
    info = read_run_info(tmp_path / "run" / "cutshot" / "caption_run.json")
    # before: {} (predict's run.json had them)
    assert info.video_info == {"cut.mp4": {"frames": 25, "cuts_s": [1.2], "shot_s": [1.2, 2.4]}}


def test_a_caption_from_a_predict_runs_trajectory_keeps_its_cut(
    one_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.METHODS, "cutshot", f"{__name__}:_CutShot")
    run_predict(one_video, "cutshot", tmp_path / "run", workers=1)
    estimated: list[Path] = []
    monkeypatch.setattr(_CutShot, "estimate", lambda self, path: estimated.append(path))  # must not be called
    run_caption(one_video, "cutshot", tmp_path / "run", workers=1)
    assert estimated == []
    [rec] = read_captions(tmp_path / "run" / "cutshot" / "captions.jsonl")
    assert rec.status == "ok" and rec.caption is not None
    assert rec.caption.startswith("The video cuts to another scene at 1.2 s, where")
    details = read_run_info(tmp_path / "run" / "cutshot" / "caption_run.json").video_info["cut.mp4"]
    assert details["reused_trajectory"] is True
    assert (details["cuts_s"], details["shot_s"], details["frames"]) == ([1.2], [1.2, 2.4], 25)


def test_fast_captions_the_hard_presets_scene_cut_clip_with_its_cut(tmp_path: Path) -> None:
    """End to end: the hard preset's pan-left / cut / move-in clip, small."""
    from camerabench.synth.generate import render_clip
    from camerabench.synth.presets import preset_specs

    [spec] = [s for s in preset_specs("hard") if s.name == "scene_cut_pan_left"]
    clip = render_clip(spec, 0, 13, (160, 96), 10.0)
    root = tmp_path / "data"
    write_binary_file(
        root / "labels" / "binary_classification" / Primitive.PAN_LEFT.file,
        [BinaryRecord.make("cut.mp4", Primitive.PAN_LEFT, True)],
    )
    write_video(root / "videos" / "cut.mp4", clip.frames, fps=10.0)
    run_caption(root, "fast", tmp_path / "run", workers=1)
    [rec] = read_captions(tmp_path / "run" / "fast" / "captions.jsonl")
    # before: "The camera moves forward quickly." (the pan before the cut neither described nor mentioned)
    assert rec.status == "ok" and rec.caption is not None
    assert rec.caption.startswith("The video cuts to another scene at 1.2 s, where the camera moves forward")
    assert caption_facts(rec.caption) == {"Move_In"}  # the pan of the shot not estimated is not invented
    details = json.loads((tmp_path / "run" / "fast" / "caption_run.json").read_text())["video_info"]["cut.mp4"]
    assert details["cuts_s"] == [1.2] and details["shot_s"] == [1.2, 2.4]


# --- dummy's requested failures ---------------------------------------------------------------


def _row(media: str) -> MCQRow:
    return MCQRow("1", "t", ("video",), (media,), "How does the camera move?", {"A": "Pan left", "B": "Static"}, "A",
                  "camera movement", 2)  # fmt: skip


def test_dummy_fails_the_caption_and_rows_of_the_videos_it_is_asked_to(tmp_path: Path) -> None:
    bad, good = tmp_path / "bad.mp4", tmp_path / "good.mp4"
    bad.write_bytes(b"")
    good.write_bytes(b"")
    pred = DummyPredictor(fail_videos=["bad.mp4"])
    with pytest.raises(PredictionError, match=r"dummy failure requested for bad\.mp4"):
        pred.caption(bad, "Describe.")  # before: "The camera remains completely still."
    with pytest.raises(PredictionError, match=r"dummy failure requested for bad\.mp4"):
        pred.answer(_row("bad.mp4"), [bad])  # before: an answer
    assert pred.caption(good, "Describe.") == "The camera remains completely still."
    assert pred.answer(_row("good.mp4"), [good]) in ("<answer>A</answer>", "<answer>B</answer>")


def test_a_dummy_caption_run_records_the_requested_failures(six_videos: Path, tmp_path: Path) -> None:
    summary = run_caption(six_videos, "dummy", tmp_path, options={"fail_videos": ["v1.mp4", "v4.mp4"]})
    assert (summary.videos_ok, summary.videos_failed) == (4, 2)  # before: (6, 0)
    failed = {r.video: r.reason for r in read_captions(tmp_path / "dummy" / "captions.jsonl") if r.status == "failed"}
    assert failed == {v: f"dummy failure requested for {v}" for v in ("v1.mp4", "v4.mp4")}
