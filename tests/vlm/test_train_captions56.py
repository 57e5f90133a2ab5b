"""Training captions that contradict the yes/no labels or one another are warned about (stop 55's leftover).

Training on them teaches the model both ways; they are trained as given, with one warning that
counts them and names the first few.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from camerabench.baselines.vlm.train import warn_contradicting_captions
from camerabench.dataset import Dataset
from camerabench.labelfiles import write_binary_file
from camerabench.taxonomy import BinaryRecord, Primitive


def _data(root: Path, captions: list[dict[str, str]]) -> Dataset:
    binary = root / "labels" / "binary_classification"
    binary.mkdir(parents=True)
    pan = Primitive.PAN_LEFT
    write_binary_file(
        binary / f"{pan.value}.jsonl",
        [
            BinaryRecord("a.mp4", pan.question, "No", pan.task, pan.label_name),
            BinaryRecord("c.mp4", pan.question, "Yes", pan.task, pan.label_name),
        ],
    )
    (root / "labels" / "caption_data.json").write_text(json.dumps(captions), encoding="utf-8")
    return Dataset(root)


def _caption(video: str, text: str) -> dict[str, str]:
    return {"video": video, "question": "Describe the camera motion.", "answer": text}


def test_a_caption_against_the_labels_and_two_captions_against_each_other_are_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = _data(
        tmp_path,
        [
            _caption("a.mp4", "The camera pans left across the room."),  # Pan_Left: No
            _caption("b.mp4", "The camera remains completely still."),
            _caption("b.mp4", "The camera tilts up to the sky."),
            _caption("c.mp4", "The camera pans left."),  # agrees with its Yes
        ],
    )
    with caplog.at_level(logging.WARNING):
        warn_contradicting_captions(data, data.captions)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        f"{tmp_path / 'labels' / 'caption_data.json'}: 2 contradiction(s) between the 4 training captions and "
        "the yes/no labels or one another (the motion the caption metrics read in them); trained as given: "
        "video 'a.mp4': the caption 'The camera pans left across the room.' states Pan_Left, "
        "binary_classification/Pan_Left.jsonl says No; video 'b.mp4': the caption 'The camera remains "
        "completely still.' states Static, the caption 'The camera tilts up to the sky.' Tilt_Up"
    ]


def test_captions_that_agree_or_are_not_labelled_give_no_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = _data(
        tmp_path,
        [
            _caption("a.mp4", "The camera does not pan left; it tilts up."),  # negated: no Pan_Left stated
            _caption("c.mp4", "The camera pans left."),
            _caption("d.mp4", "The camera zooms in."),  # no label at all
            _caption("d.mp4", "A slow zoom in on the face."),
        ],
    )
    with caplog.at_level(logging.WARNING):
        warn_contradicting_captions(data, data.captions)
    assert not caplog.records


def test_the_public_captions_that_contradict_their_labels_are_counted(
    public_data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    labels = tmp_path / "labels"
    labels.mkdir()
    shutil.copytree(public_data / "binary_classification", labels / "binary_classification")
    shutil.copy(public_data / "caption_data.json", labels / "caption_data.json")
    data = Dataset(tmp_path)
    with caplog.at_level(logging.WARNING):
        warn_contradicting_captions(data, data.captions)
    (message,) = [r.getMessage() for r in caplog.records]
    assert ": 35 contradiction(s) between the 1071 training captions" in message
    assert "'The camera remains fixed but exhibits a slight unsteadine...' states Static" in message


def test_a_ctrl_c_while_the_resume_state_is_deleted_says_the_model_is_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Was: "interrupted" alone, just after "saved fine-tuned checkpoint" (stop 55's leftover)."""
    import camerabench.baselines.vlm.train as train

    state = tmp_path / ".out~resume"
    state.mkdir()

    def interrupted(path: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(train.shutil, "rmtree", interrupted)
    with caplog.at_level(logging.ERROR), pytest.raises(KeyboardInterrupt):
        train.drop_resume_state(state)
    assert [r.getMessage() for r in caplog.records] == [
        f"interrupted while deleting the resume state {state} after the run ended (the model is saved): part of it "
        "may be left; delete it"
    ]
