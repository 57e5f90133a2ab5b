"""Hostile inputs for the Qwen-VL method, fifth round: a Qwen3-VL "Thinking" chat template (a think
block opened after the assistant header), DiffSW's timing warnings logged twice."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.checkpoint import QwenVL, load_qwen_vl
from camerabench.baselines.vlm.compat import VisualInputs
from camerabench.errors import FileFormatError

from .conftest import WIDTH, clip_frames

INSTRUCT_END = "{{- '<|im_start|>assistant\\n' }}"


def _with_reply_start(src: Path, dst: Path, start: str) -> Path:
    """A copy of a Qwen3-VL checkpoint whose template writes ``start`` after the assistant header
    (``start`` in Jinja string syntax)."""
    shutil.copytree(src, dst)
    template = (dst / "chat_template.jinja").read_text()
    assert template.count(INSTRUCT_END) == 1
    (dst / "chat_template.jinja").write_text(
        template.replace(INSTRUCT_END, "{{- '<|im_start|>assistant\\n" + start + "' }}")
    )
    return dst


@pytest.fixture(scope="module")
def thinking_ckpt(tiny_qwen3_ckpt: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Qwen3-VL-*-Thinking's generation prompt: ``<|im_start|>assistant\\n<think>\\n``."""
    return _with_reply_start(tiny_qwen3_ckpt, tmp_path_factory.mktemp("think") / "ckpt", "<think>\\n")


@pytest.fixture(scope="module")
def video(tiny_qwen3_ckpt: Path) -> VisualInputs:
    vl = load_qwen_vl(tiny_qwen3_ckpt, device="cpu")
    from camerabench.baselines.vlm.compat import prepare_video

    return prepare_video(clip_frames("pan", seed=0, frames=4), 8.0, vl.spec)


def _p_yes_after(vl: QwenVL, video: VisualInputs, question: str, reply_start: str) -> float:
    """Independent reference: the Instruct template's prompt, ``reply_start`` appended, one full pass."""
    text = vl.render([video, qwen.vqa_prompt(question)]) + reply_start
    enc = vl.tokenize(text, [video])
    with torch.inference_mode():
        logits = vl.model(**vl.model_inputs([enc]), use_cache=False, logits_to_keep=1).logits
    return float(torch.softmax(logits[0, -1].float(), dim=-1)[vl.token_id("Yes")])


def test_thinking_template_is_scored_after_a_closed_empty_think_block(
    thinking_ckpt: Path, tiny_qwen3_ckpt: Path, video: VisualInputs
) -> None:
    """P(Yes) was read at the first thinking token (right after "<think>\\n"), silently."""
    instruct = load_qwen_vl(tiny_qwen3_ckpt, device="cpu")
    assert instruct.think_close == ""
    thinking = load_qwen_vl(thinking_ckpt, device="cpu")
    question = "Does the camera pan to the right?"
    rendered = thinking.render([video, qwen.vqa_prompt(question)])
    assert rendered.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    assert rendered == instruct.render([video, qwen.vqa_prompt(question)]) + "<think>\n\n</think>\n\n"
    closed = _p_yes_after(instruct, video, question, "<think>\n\n</think>\n\n")
    open_ = _p_yes_after(instruct, video, question, "<think>\n")
    assert abs(closed - open_) > 1e-4  # the two places give different scores: the test can tell them apart
    cached = qwen.yes_probabilities(thinking, video, [question, "Is the camera still?"])
    assert cached[0] == pytest.approx(closed, rel=1e-4)
    assert cached[1] == pytest.approx(
        _p_yes_after(instruct, video, "Is the camera still?", "<think>\n\n</think>\n\n"), rel=1e-4
    )
    assert qwen.yes_probability_naive(thinking, video, question) == pytest.approx(closed, rel=1e-4)
    predictor = qwen.QwenVLPredictor(model=str(thinking_ckpt), device="cpu")
    predictor._vl = thinking
    assert predictor.settings()["closed_think_block"] is True
    assert "closed_think_block" not in qwen.QwenVLPredictor(model=str(tiny_qwen3_ckpt), device="cpu").settings()


def test_template_that_begins_the_reply_inside_a_think_block_is_refused(tiny_qwen3_ckpt: Path, tmp_path: Path) -> None:
    folder = _with_reply_start(tiny_qwen3_ckpt, tmp_path / "ckpt", "<think>\\nLet me look.")
    with pytest.raises(
        FileFormatError,
        match=r"the chat template starts every reply with '<think>\\nLet me look\.' \(an open think block",
    ):
        load_qwen_vl(folder, device="cpu")


def test_template_that_already_closes_the_think_block_is_left_as_it_is(tiny_qwen3_ckpt: Path, tmp_path: Path) -> None:
    """Qwen3's enable_thinking=False form: nothing appended (a second closed block would be wrong)."""
    folder = _with_reply_start(tiny_qwen3_ckpt, tmp_path / "ckpt", "<think>\\n\\n</think>\\n\\n")
    vl = load_qwen_vl(folder, device="cpu")
    assert vl.think_close == ""
    assert vl.render(["Does it pan?"]).endswith("assistant\n<think>\n\n</think>\n\n")


# --- DiffSW: a damaged file's timing warning, once ------------------------------------------

GAP_TIMES = [100 * i for i in range(6)] + [100 * i for i in range(12, 16)]  # frames 6-11 missing


def _gap_frames() -> np.ndarray:
    """10 frames at 10 fps with frames 6-11 missing (0.5 s -> 1.2 s) when muxed at GAP_TIMES."""
    return clip_frames("pan", seed=1, frames=10)[:, :, :WIDTH]


@pytest.mark.parametrize("max_keyframes", [16, 2])  # the interval's ticks / evenly spread frames
def test_diffsw_logs_a_damaged_files_timing_warning_once(
    write_mjpeg: Any,
    tiny_ckpt: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    max_keyframes: int,
) -> None:
    """The gap warning came once from probe_video and again from read_video."""
    vl = load_qwen_vl(tiny_ckpt, device="cpu")
    path = write_mjpeg(tmp_path / "gap.mkv", _gap_frames(), GAP_TIMES)
    monkeypatch.setattr(qwen, "generate_text", lambda *a, **k: "x")
    gap = "gap.mkv: 1 gap(s) in the frame timestamps, the longest 0.7 s"
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        qwen.diffsw_caption(vl, path, "Describe.", keyframe_interval_s=0.5, max_keyframes=max_keyframes)
    assert caplog.text.count(gap) == 1
    assert [r.name for r in caplog.records] == ["camerabench.video"]


def test_diffsw_still_logs_the_warning_when_reading_fails(
    write_mjpeg: Any, tiny_ckpt: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Warnings held back during the reads are not lost when a read raises."""
    vl = load_qwen_vl(tiny_ckpt, device="cpu")
    path = write_mjpeg(tmp_path / "gap.mkv", _gap_frames(), GAP_TIMES)

    def broken_read(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("read failed")

    monkeypatch.setattr(qwen, "read_video", broken_read)
    with caplog.at_level(logging.WARNING, logger="camerabench.video"), pytest.raises(RuntimeError, match="read failed"):
        qwen.diffsw_caption(vl, path, "Describe.")
    assert caplog.text.count("gap.mkv: 1 gap(s) in the frame timestamps") == 1
    assert not logging.getLogger("camerabench.video").filters
