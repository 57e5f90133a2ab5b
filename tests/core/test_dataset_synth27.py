"""Round 27: a label naming a video in another spelling gives its line as ``path:N:`` (it was a
``(line N)`` at the end of the message, the only such message in the package); a hand-built
synthetic clip's unknown knob or failure mode is refused (the manifest dropped it without a
word); ``gt_lens_k1`` is public in ``camerabench.synth``.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import numpy as np
import pytest

import camerabench.synth as synth
from camerabench.dataset import Dataset
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.labelfiles import write_binary_file
from camerabench.synth import presets, specs
from camerabench.synth.specs import ClipSpec
from camerabench.taxonomy import BinaryRecord, Primitive

PAN = Primitive.PAN_LEFT

# --- dataset: the label's line in the standard place ----------------------------------------------


def _video(root: Path, name: str) -> None:
    path = root / "videos" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")


def _labels(root: Path, names: list[str]) -> Path:
    path = root / "labels" / "binary_classification" / PAN.file
    write_binary_file(path, [BinaryRecord.make(v, PAN, i % 2 == 0) for i, v in enumerate(names)])
    return path


@pytest.mark.parametrize(
    ("files", "label", "problem"),
    [
        (["a.mp4", "b.mp4"], "b.mp4 ", "the video 'b.mp4 ' begins or ends with a space"),
        (["a.mp4", "b.mp4"], "./b.mp4", "the video './b.mp4' is not written as its file is (write 'b.mp4')"),
        (["a.mp4", "b.mov"], "b.mp4", "the video 'b.mp4' is not in "),
        (["a.mp4", "b.mp4"], "B.mp4", "the video 'B.mp4' is not in "),
    ],
    ids=["trailing-space", "dot-slash", "other-extension", "letter-case"],
)
def test_a_label_in_another_spelling_gives_its_line_as_path_colon_line(
    tmp_path: Path, files: list[str], label: str, problem: str
) -> None:
    for name in files:
        _video(tmp_path, name)
    path = _labels(tmp_path, ["a.mp4", label])  # the misspelt name on line 2
    with pytest.raises(FileFormatError) as info:
        Dataset(tmp_path).validate()
    assert info.value.path == path and info.value.line == 2
    text = str(info.value)
    assert text.startswith(f"{path}:2: {problem}")
    assert "(line" not in text


def test_a_label_in_another_unicode_form_gives_its_line_as_path_colon_line(tmp_path: Path) -> None:
    nfc, nfd = unicodedata.normalize("NFC", "café.mp4"), unicodedata.normalize("NFD", "café.mp4")
    _video(tmp_path, "a.mp4")
    _video(tmp_path, "b.mp4")
    _video(tmp_path, nfd)  # as macOS writes it
    path = _labels(tmp_path, ["a.mp4", "b.mp4", nfc])
    with pytest.raises(FileFormatError) as info:
        Dataset(tmp_path).validate()
    assert info.value.line == 3
    assert str(info.value).startswith(f"{path}:3: the video 'caf\\xe9.mp4' is written in another Unicode form")
    assert str(info.value).endswith("write the name as the file is, or rename the file")


def test_a_caption_in_another_spelling_gives_the_line_of_its_video_key(tmp_path: Path) -> None:
    _video(tmp_path, "a.mp4")
    items = [{"video": "a.mp4", "question": "q", "answer": "x"}, {"video": "./a.mp4", "question": "q", "answer": "y"}]
    path = tmp_path / "labels" / "caption_data.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(items, indent=2), encoding="utf-8")  # [, {, video, ..., }, {, video: line 8
    with pytest.raises(FileFormatError, match=r"^.*caption_data\.json:8: the video '\./a\.mp4' ") as info:
        Dataset(tmp_path).validate()
    assert info.value.line == 8


# --- synth: a clip's knobs and failure mode are the presets' ---------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"knobs": {"bogus": True}}, r"unknown knob 'bogus'; known: low_parallax, .*long_changing_motion$"),
        ({"knobs": {"low_paralax": True}}, r"unknown knob 'low_paralax' \(did you mean 'low_parallax'\?\); known: "),
        ({"failure_mode": "bogus"}, r"unknown failure_mode 'bogus'; known: low_parallax, "),
        ({"failure_mode": "motionblur"}, r"unknown failure_mode 'motionblur' \(did you mean 'motion_blur'\?\)"),
        ({"failure_mode": 3}, r"unknown failure_mode 3; known: "),
        ({"knobs": {"tracking": "false"}}, r"knob 'tracking' must be True or False, got 'false'"),
        ({"knobs": ["tracking"]}, r"knobs must be a dict of knob name -> True/False"),
    ],
    ids=["knob", "knob-misspelt", "failure-mode", "failure-mode-misspelt", "failure-mode-number", "knob-str", "list"],
)
def test_a_clip_with_an_unknown_knob_or_failure_mode_is_refused(changes: dict[str, object], message: str) -> None:
    """Was accepted: the manifest records the known knobs only, so ``bogus`` vanished from it."""
    with pytest.raises(CameraBenchError, match=message):
        ClipSpec("x", **changes)  # type: ignore[arg-type]


def test_known_knobs_and_failure_modes_are_accepted_and_every_preset_clip_still_builds() -> None:
    spec = ClipSpec("x", knobs={"tracking": False, "motion_blur": np.bool_(True)}, failure_mode="motion_blur")
    assert spec.failure_mode == "motion_blur"
    hard = presets.preset_specs("hard")
    assert {s.failure_mode for s in hard} == set(presets.FAILURE_MODES)
    # one list, defined beside ClipSpec (which checks against it), the same object everywhere
    assert presets.KNOBS is specs.KNOBS is synth.KNOBS and synth.FAILURE_MODES is specs.FAILURE_MODES


# --- synth: gt_lens_k1 is public --------------------------------------------------------------------


def test_gt_lens_k1_is_exported_from_the_synth_package(tmp_path: Path) -> None:
    from camerabench.synth import generate

    assert "gt_lens_k1" in synth.__all__ and "gt_lens_k1" in dir(synth)
    assert synth.gt_lens_k1 is generate.gt_lens_k1
    path = tmp_path / "clip.npz"
    np.savez(path, cam_c2w=np.eye(4)[None], lens_k1=np.float64(-0.25))
    assert synth.gt_lens_k1(path) == -0.25
