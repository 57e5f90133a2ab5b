"""Refused before any work, or noted (red-team R16).

1. A 3400x16 clip (aspect ratio 212.5, above transformers' ``smart_resize`` limit of 200) decoded,
   so train's pre-flight passed it; SFT and GRPO stopped at a later step with nothing saved.
2. A question or caption of only invisible characters (``"\\u202e\\u200b"``) passed the label
   checks (``str.strip`` keeps zero-width and format characters) and failed late; a ShotBench
   option of only U+200B was accepted.
3. A one-frame video was scored (and captioned) from its still frame with no warning or note.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import camerabench.baselines.vlm.grpo as grpo_module
import camerabench.baselines.vlm.train as train_module
from camerabench import labelfiles
from camerabench.baselines.vlm import checkpoint, qwen
from camerabench.baselines.vlm.config import GRPOConfig, TrainConfig
from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError, VideoError
from camerabench.labelfiles import read_caption_file, read_vqa_file
from camerabench.shotbench import read_mcq_table
from camerabench.video import write_video

from .conftest import WIDTH, texture, write_dataset


def _no_load(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the model was loaded: the refusal should come first")


def _strip(path: Path, width: int, height: int, frames: int = 2) -> Path:
    """A ``width`` x ``height`` clip of ``frames`` frames."""
    rng = np.random.default_rng(0)
    write_video(path, rng.integers(0, 256, (frames, height, width, 3), dtype=np.uint8), fps=8.0)
    return path


@pytest.fixture(scope="module")
def wide_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four-clip dataset of conftest with ``pan_a.mp4`` replaced by a 3400x16 clip."""
    root = tmp_path_factory.mktemp("wide")
    write_dataset(root)
    _strip(root / "videos" / "pan_a.mp4", 3400, 16)
    return root


# --- 1. frames the model cannot take, refused before the weights load ------------------------------


@pytest.mark.parametrize("ckpt", ["tiny_ckpt", "tiny_qwen3_ckpt"])
def test_sft_refuses_an_aspect_ratio_above_200_before_loading(
    wide_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest, ckpt: str
) -> None:
    """input: train on a 3400x16 clip. old: passed check_media_decode, the model loaded, SFT stopped at
    step 2 of 24 with nothing saved. new: refused before the weights load, naming the file and size."""
    monkeypatch.setattr(train_module, "load_qwen_vl", _no_load)
    config = TrainConfig(captions=False, mcq=False, device="cpu", epochs=0.1)
    with pytest.raises(VideoError) as exc:
        train_module.train(wide_data, request.getfixturevalue(ckpt), tmp_path / "out", config)
    message = str(exc.value)
    assert "1 of 4 training media" in message
    assert "pan_a.mp4: 3400x16 frames cannot be resized for the model" in message
    assert "aspect ratio must be smaller than 200, got 212.5" in message
    assert not (tmp_path / "out").exists()


def test_grpo_refuses_an_aspect_ratio_above_200_before_loading(
    wide_data: Path, tiny_ckpt: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """input: GRPO on the same data. old: stopped at step 5 of 6, nothing saved. new: refused first."""
    monkeypatch.setattr(grpo_module, "load_qwen_vl", _no_load)
    config = GRPOConfig(steps=1, mcq=False, device="cpu")
    with pytest.raises(VideoError, match=r"pan_a\.mp4: 3400x16 frames cannot be resized"):
        grpo_module.grpo(wide_data, tiny_ckpt, tmp_path / "out", config)


def test_the_size_is_judged_after_max_side_as_training_reads_it(tiny_ckpt: Path, tmp_path: Path) -> None:
    """input: a 3000x16 clip (aspect 187.5: taken), with max_side 512 (read as 512x2: aspect 256).
    old: check_media_decode took no checkpoint (TypeError). new: passes without max_side, refused with it."""
    root = tmp_path / "d"
    _strip(root / "videos" / "w.mp4", 3000, 16)
    data = Dataset(root)
    train_module.check_media_decode(data, ["w.mp4"], [], tiny_ckpt)
    with pytest.raises(VideoError, match=r"w\.mp4: 512x2 frames cannot be resized .* got 256"):
        train_module.check_media_decode(data, ["w.mp4"], [], tiny_ckpt, 512)


def test_a_multiple_choice_image_names_its_table_and_line(tiny_ckpt: Path, tmp_path: Path) -> None:
    """input: a ShotBench row whose image is 3400x16. old: not checked for size. new: refused with its
    table, row and line."""
    import cv2

    root = tmp_path / "d"
    (root / "images").mkdir(parents=True)
    (root / "videos").mkdir()
    cv2.imwrite(str(root / "images" / "wide.png"), np.zeros((16, 3400, 3), dtype=np.uint8))
    table = root / "t.tsv"
    table.write_text(
        "index\ttype\tpath\tquestion\toptions\tanswer\tcategory\n"
        '0\t["image"]\t[\'images/wide.png\']\tWhich shot?\t{"A": "Wide", "B": "Close"}\tA\tshot size\n'
    )
    rows = read_mcq_table(table, root)
    with pytest.raises(VideoError) as exc:
        train_module.check_media_decode(Dataset(root), [], rows, tiny_ckpt)
    assert "3400x16 frames cannot be resized" in str(exc.value)
    assert "(multiple-choice table 't', row 0, line 2)" in str(exc.value)


# --- 2. text with no visible character ---------------------------------------------------------------

#: Texts that show nothing and that ``str.strip`` keeps: bidi override + zero-width space, word joiner,
#: Hangul filler, a variation selector, a control character.
_BLANKS = ["\u202e\u200b", "\u200b\u2060", "\u3164", "\ufe0f", " \x01 "]


def test_the_blank_test_is_one_and_covers_every_invisible_character() -> None:
    """old: checkpoint.is_blank took U+3164 and U+FE0F as visible, labelfiles had no such test. new: the
    core's test, used by the prompt builder too; a combining mark alone is drawn, so not blank."""
    for text in [*_BLANKS, "\u2028\u2029"]:
        assert labelfiles.is_blank(text) and checkpoint.is_blank(text), ascii(text)
    assert not labelfiles.is_blank("\u0301") and not labelfiles.is_blank("\u200bPan?")


@pytest.mark.parametrize("text", _BLANKS)
def test_a_caption_question_with_no_visible_character_is_refused(tmp_path: Path, text: str) -> None:
    """input: caption_data.json question '\\u202e\\u200b'. old: accepted (SFT stopped at step 3, caption
    failed every video). new: FileFormatError naming the file and item."""
    path = tmp_path / "caption_data.json"
    path.write_text(json.dumps([{"video": "a.mp4", "question": text, "answer": "The camera pans."}]))
    with pytest.raises(FileFormatError, match="'question' has no visible character") as exc:
        read_caption_file(path)
    assert str(path) in str(exc.value)


def test_a_vqa_question_with_no_visible_character_is_refused(tmp_path: Path) -> None:
    """input: a VQA pair whose negative question is '\\u200b\\u2060'. old: accepted, then every question of
    its videos failed with its reason. new: refused naming the file and line."""
    q1, q2 = "Is the camera moving forward?", "\u200b\u2060"
    record = {
        "skill": "s",
        "task": "t",
        "images": ["a.mp4", "b.mp4"],
        "texts": [q1, q2],
        "pos_video": "a.mp4",
        "neg_video": "b.mp4",
        "pos_text": q1,
        "neg_text": q2,
        "pos_question": q1,
        "neg_question": q2,
    }
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(record) + "\n")
    with pytest.raises(FileFormatError, match=r"t\.jsonl:1: 'neg_text' has no visible character"):
        read_vqa_file(path)


def test_a_shotbench_option_of_only_a_zero_width_space_is_refused(tmp_path: Path) -> None:
    """input: options {"A": "\\u200b", "B": "Static shot"}. old: accepted, answered ok. new: refused as
    a question of only U+200B is."""
    table = tmp_path / "t.tsv"
    options = json.dumps({"A": "\u200b", "B": "Static shot"})
    table.write_text(
        "index\ttype\tpath\tquestion\toptions\tanswer\tcategory\n"
        f"0\t[\"video\"]\t['videos/a.mp4']\tWhich movement?\t{options}\tB\tcamera movement\n"
    )
    with pytest.raises(FileFormatError, match=r"t\.tsv:2: option A's text '\\u200b' has no word"):
        read_mcq_table(table)


# --- 3. one frame: scored, with a warning and a note -------------------------------------------------


def test_a_one_frame_video_is_warned_about_and_noted(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """input: a one-frame clip read for the model. old: no warning, no note (run.json: frames 1 only).
    new: warned naming the video, and noted as ``one_frame_video`` (DiffSW's key)."""
    path = tmp_path / "one.mp4"
    write_video(path, texture(0)[None, :, :WIDTH], fps=8.0)
    with caplog.at_level(logging.WARNING, logger=qwen.__name__):
        clip, notes = qwen._read_sampled(path, 8.0, None)
    assert len(clip) == 1
    assert "still frame" in notes["one_frame_video"]
    assert "one.mp4: one frame" in caplog.text
    two = tmp_path / "two.mp4"
    write_video(two, np.stack([texture(0)[:, :WIDTH], texture(1)[:, :WIDTH]]), fps=8.0)
    assert "one_frame_video" not in qwen._read_sampled(two, 8.0, None)[1]


def test_predict_and_whole_captions_record_the_one_frame_note(
    tiny_ckpt: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """input: predict and a whole-video caption of a one-frame clip. old: run.json's video_info and the
    caption details said nothing. new: both carry ``one_frame_video``; the score stands."""
    path = tmp_path / "one.mp4"
    write_video(path, texture(0)[None, :, :WIDTH], fps=8.0)
    predictor = qwen.QwenVLPredictor(model=str(tiny_ckpt), device="cpu")
    result = predictor.predict(path, [])
    assert "still frame" in result.info["one_frame_video"]
    monkeypatch.setattr(qwen, "generate_text", lambda *a, **k: "x")
    assert predictor.caption(path, "Describe.", mode="whole") == "x"
    assert "still frame" in predictor.caption_details(path)["one_frame_video"]
