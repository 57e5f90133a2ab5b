"""Hostile inputs for the Qwen-VL method, fourteenth round: likelihood answers from probabilities
that underflow or tie, DiffSW replies made only of control-token text, a subnormal key-frame
interval, geometry-prompt trajectories that cannot be described, and text that is not Unicode."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.compat import VisualInputs, prepare_video
from camerabench.errors import CameraBenchError, PredictionError
from camerabench.runfolder import MethodFolder
from camerabench.shotbench import MCQRow

from .conftest import FPS, clip_frames


@pytest.fixture(scope="module")
def predictor(tiny_ckpt: Path) -> qwen.QwenVLPredictor:
    p = qwen.QwenVLPredictor(model=str(tiny_ckpt), device="cpu", mcq_mode="likelihood")
    p.setup()
    return p


@pytest.fixture(scope="module")
def tiny_video(predictor: qwen.QwenVLPredictor) -> VisualInputs:
    return prepare_video(clip_frames("pan", seed=0, frames=2), FPS, predictor.vl.spec)


@pytest.fixture
def image_row(tmp_path: Path) -> tuple[MCQRow, list[Path]]:
    import cv2

    cv2.imwrite(str(tmp_path / "a.png"), clip_frames("static", seed=1, frames=1)[0])
    options = {"A": "Wide", "B": "Close"}
    row = MCQRow("7", "t", ("image",), ("a.png",), "How is it framed?", options, "B", "shot size", 2)
    return row, [tmp_path / "a.png"]


_HOOKS: list[Any] = []


def _logits(predictor: qwen.QwenVLPredictor, values: dict[str, float]) -> None:
    """The next-token logits: 0 everywhere, ``values`` at the named tokens (until the test ends)."""
    vl = predictor.vl
    ids = {vl.token_id(t): v for t, v in values.items()}

    def hook(module: Any, args: Any, output: torch.Tensor) -> torch.Tensor:
        out = torch.zeros_like(output)
        for i, v in ids.items():
            out[..., i] = v
        return out

    _HOOKS.append(vl.model.lm_head.register_forward_hook(hook))


@pytest.fixture(autouse=True)
def _remove_hooks() -> Iterator[None]:
    yield
    while _HOOKS:
        _HOOKS.pop().remove()


# --- likelihood answers --------------------------------------------------------------------


def test_likelihood_answer_reads_options_whose_probabilities_underflow(
    predictor: qwen.QwenVLPredictor, image_row: tuple[MCQRow, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both letters' probabilities underflowed to 0.0 in float32, a tie that max() gave to "A",
    although the model put B far ahead of A."""
    _logits(predictor, {"No": 200.0, "A": 0.0, "B": 50.0})
    row, media = image_row
    assert predictor.answer(row, media) == "B"


def test_likelihood_answer_with_options_equally_likely_is_refused(
    predictor: qwen.QwenVLPredictor, image_row: tuple[MCQRow, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tie (e.g. of bf16 logits) was answered with the table's first letter."""
    _logits(predictor, {"A": 5.0, "B": 5.0})
    row, media = image_row
    with pytest.raises(PredictionError, match=r"row 7: options A, B are equally likely"):
        predictor.answer(row, media)


def test_likelihood_probabilities_are_still_the_softmax(
    predictor: qwen.QwenVLPredictor, image_row: tuple[MCQRow, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _logits(predictor, {"A": 3.0, "B": 1.0})
    row, media = image_row
    content = [*qwen.encode_media(predictor.vl, row, media), qwen.mcq_prompt(row)]
    probs = qwen.option_probabilities(predictor.vl, content, ["A", "B"])
    vocab = predictor.vl.model.lm_head.out_features
    total = np.exp(3.0) + np.exp(1.0) + vocab - 2
    assert probs == pytest.approx({"A": np.exp(3.0) / total, "B": np.exp(1.0) / total}, rel=1e-5)
    assert predictor.answer(row, media) == "A"


# --- DiffSW --------------------------------------------------------------------------------


def test_diffsw_reply_of_only_control_token_text_is_refused(
    predictor: qwen.QwenVLPredictor, tiny_data: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Removing the control-token text left nothing, and the empty description went into the
    next prompt and the timeline without a word."""
    prompts: list[str] = []

    def fake_generate(vl: object, content: list[Any], max_new_tokens: int = 256) -> str:
        prompts.append(str(content[-1]))
        return "<|im_end|> "

    monkeypatch.setattr(qwen, "generate_text", fake_generate)
    video = tiny_data[0] / "videos" / "pan_a.mp4"
    with pytest.raises(PredictionError, match=r"reply '<\|im_end\|> ' is only control-token text"):
        qwen.diffsw_caption(predictor.vl, video, "Describe.", keyframe_interval_s=0.5)
    assert len(prompts) == 1  # stopped at the first key frame's reply


@pytest.mark.parametrize("interval", [5e-324, 1e-310])
def test_diffsw_subnormal_key_frame_interval_is_refused(interval: float) -> None:
    """1 / interval is infinite: was OverflowError "cannot convert float infinity to integer"."""
    with pytest.raises(CameraBenchError, match=r"keyframe_interval_s .* is too small"):
        qwen.diffsw_caption(None, "unused.mp4", keyframe_interval_s=interval)  # type: ignore[arg-type]


# --- geometry prompt -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("c2w", "why"),
    [
        (np.eye(4)[None], "pose shows no motion"),
        (np.full((4, 4, 4), np.nan), "NaN or infinite poses"),
    ],
)
def test_geometry_trajectory_that_cannot_be_described_names_the_video_and_file(
    tmp_path: Path, c2w: np.ndarray, why: str
) -> None:
    """The failure said only "a trajectory of 1 pose shows no motion", not which file nor that it
    was the geometry prompt's (the qwen-vl method itself estimates no trajectory)."""
    folder = MethodFolder(tmp_path / "fast")
    folder.trajectories.mkdir(parents=True)
    path = folder.trajectory("clip.mp4")
    np.savez(path, cam_c2w=c2w)
    with pytest.raises(PredictionError, match=rf"^clip\.mp4: trajectory {path} .*geometry prompt: .*{why}"):
        qwen.geometry_summary(folder.path, "clip.mp4")


# --- text that is not Unicode ---------------------------------------------------------------


def test_question_with_a_lone_surrogate_is_a_clear_prediction_error(
    predictor: qwen.QwenVLPredictor, tiny_video: VisualInputs, tiny_data: tuple[Path, dict[str, str]]
) -> None:
    """A caption file's JSON escape "\\ud800" reached the tokenizer: TypeError "TextEncodeInput must
    be Union[TextInputSequence, ...]", naming neither the text nor the cause."""
    vl = predictor.vl
    match = r"holds a lone surrogate escape at character 4"
    with pytest.raises(PredictionError, match=match):
        qwen.yes_probabilities(vl, tiny_video, ["Pan?", "Pan \ud800?"])
    with pytest.raises(PredictionError, match=match):
        qwen.yes_probability_naive(vl, tiny_video, "Pan \ud800?")
    video = tiny_data[0] / "videos" / "pan_a.mp4"
    for mode in ("whole", "diffsw"):
        with pytest.raises(PredictionError, match=match):
            predictor.caption(video, "Pan \ud800 it.", mode=mode)
