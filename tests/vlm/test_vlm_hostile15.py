"""Hostile inputs for the Qwen-VL method, fifteenth round: videos too long for the model refused
before their frames are decoded, ``mcq_max_pixels`` held to the checkpoint's pixel bounds, and
questions made only of zero-width characters."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.checkpoint import QwenVL, is_blank, load_qwen_vl, read_pixel_spec, refuse_blank
from camerabench.baselines.vlm.compat import prepare_video, video_token_count
from camerabench.errors import PredictionError
from camerabench.shotbench import MCQRow
from camerabench.video import probe_video, read_video, write_video

from .conftest import FPS, clip_frames


@pytest.fixture(scope="module")
def predictor(tiny_ckpt: Path) -> qwen.QwenVLPredictor:
    p = qwen.QwenVLPredictor(model=str(tiny_ckpt), device="cpu")
    p.setup()
    return p


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8 frames of 64x48 at 8 fps: 1.0 s, 16 visual tokens at 8 fps for the tiny model (56x56 frames)."""
    path = tmp_path_factory.mktemp("clip") / "pan.mp4"
    write_video(path, clip_frames("pan", seed=0), fps=FPS)
    return path


@pytest.fixture(scope="module")
def fresh_vl(tiny_ckpt: Path) -> QwenVL:
    """A model of its own: the pixel-spec warnings are given once per model and cap."""
    return load_qwen_vl(tiny_ckpt, device="cpu")


def _limit(predictor: qwen.QwenVLPredictor, monkeypatch: pytest.MonkeyPatch, positions: int) -> None:
    monkeypatch.setattr(predictor.vl.model.config.get_text_config(), "max_position_embeddings", positions)


def _no_decoding(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the video was decoded")


# --- videos longer than the model's positions ----------------------------------------------------


def test_video_too_long_for_the_model_is_refused_before_decoding(
    predictor: qwen.QwenVLPredictor, clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every frame was decoded (an hour of 1080p at 8 fps: ~170 GB) before the prompt's length was checked."""
    _limit(predictor, monkeypatch, 15)
    monkeypatch.setattr(qwen, "read_video", _no_decoding)
    with pytest.raises(PredictionError) as err:
        qwen.encode_video(predictor.vl, clip, sample_fps=8.0)
    message = str(err.value)
    assert message.startswith("pan.mp4: 1.0 s of 64x48 video at 8 fps is 8 frames, 16 visual tokens")
    assert "more than the 15 positions" in message and "not decoded" in message


def test_video_that_fits_is_decoded_as_before(
    predictor: qwen.QwenVLPredictor, clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _limit(predictor, monkeypatch, 16)  # the frames alone fit: the pre-check lets it through
    video = qwen.encode_video(predictor.vl, clip, sample_fps=8.0)
    expected = read_video(clip, fps=8.0)
    reference = prepare_video(expected.frames, expected.sampled_fps, predictor.vl.spec)
    assert video.num_tokens == reference.num_tokens == 16
    assert np.array_equal(video.pixel_values.numpy(), reference.pixel_values.numpy())


def test_a_video_whose_header_settles_it_is_not_probed(
    predictor: qwen.QwenVLPredictor, clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a prompt room far above any frame size at twice the declared length: no second decoding pass
    _limit(predictor, monkeypatch, 10**6)

    def no_probe(*_: object) -> None:
        raise AssertionError("probe_video decoded the video once more")

    monkeypatch.setattr(qwen, "probe_video", no_probe)
    assert qwen.encode_video(predictor.vl, clip, sample_fps=8.0).num_tokens == 16


def test_predict_on_a_video_too_long_fails_without_decoding(
    predictor: qwen.QwenVLPredictor, clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _limit(predictor, monkeypatch, 10)
    monkeypatch.setattr(qwen, "read_video", _no_decoding)
    with pytest.raises(PredictionError, match=r"pan\.mp4: 1\.0 s .* more than the 10 positions"):
        predictor.encode(clip)


@pytest.mark.parametrize("fps", [1.0, 3.0, 5.0, 8.0, 12.0, 30.0])
def test_frames_counted_before_decoding_are_those_read(clip: Path, fps: float) -> None:
    assert qwen._sampled_count(probe_video(clip), fps) == len(read_video(clip, fps=fps))


@pytest.mark.parametrize("arch", ["qwen2.5", "qwen3"])
@pytest.mark.parametrize(("frames", "height", "width"), [(1, 48, 64), (3, 48, 64), (8, 480, 640), (5, 100, 30)])
def test_tokens_counted_before_decoding_are_those_prepared(
    tiny_ckpt: Path, tiny_qwen3_ckpt: Path, arch: str, frames: int, height: int, width: int
) -> None:
    spec = read_pixel_spec(tiny_ckpt if arch == "qwen2.5" else tiny_qwen3_ckpt)
    pixels = np.zeros((frames, height, width, 3), dtype=np.uint8)
    assert video_token_count(frames, height, width, spec) == prepare_video(pixels, 8.0, spec).num_tokens


def test_row_videos_together_too_long_refuse_the_next_before_decoding_it(
    predictor: qwen.QwenVLPredictor, clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each multiple-choice video was decoded whole whatever the row's media already took."""
    _limit(predictor, monkeypatch, 20)
    decoded: list[Path] = []

    def counting(path: Path, **kwargs: Any) -> Any:
        decoded.append(Path(path))
        return read_video(path, **kwargs)

    monkeypatch.setattr(qwen, "read_video", counting)
    row = MCQRow("3", "t", ("video", "video"), ("a.mp4", "b.mp4"), "Which moves?", {"A": "a", "B": "b"}, "A", "m", 2)
    with pytest.raises(PredictionError, match=r"16 visual tokens \(and 16 of the prompt's other media\)"):
        qwen.encode_media(predictor.vl, row, [clip, clip], fps=8.0, max_pixels=151200)
    assert decoded == [clip]


# --- mcq_max_pixels against the checkpoint's bounds ------------------------------------------------


def test_mcq_max_pixels_above_the_processor_cap_is_lowered_with_a_warning(
    fresh_vl: QwenVL, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The tiny checkpoint's processor takes at most 151200 pixels a frame; mcq_max_pixels 230400
    (ShotBench's default) replaced that cap, and a 480x360 image came out at 476x364 (173264 pixels)."""
    import cv2

    cv2.imwrite(str(tmp_path / "big.png"), np.full((360, 480, 3), 128, np.uint8))
    row = MCQRow("1", "t", ("image",), ("big.png",), "How is it framed?", {"A": "Wide", "B": "Close"}, "A", "s", 2)
    with caplog.at_level(logging.WARNING):
        (image,) = qwen.encode_media(fresh_vl, row, [tmp_path / "big.png"], max_pixels=230400)
    assert image.size_hw[0] * image.size_hw[1] <= 151200
    assert "mcq_max_pixels 230400 is above it, so 151200 is used" in caplog.text


def test_mcq_max_pixels_below_the_checkpoint_floor_says_which_value_is_used(
    fresh_vl: QwenVL, clip: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Below the checkpoint's min_pixels (3136) the floor was dropped without a word."""
    row = MCQRow("2", "t", ("video",), ("pan.mp4",), "How does it move?", {"A": "Pan", "B": "Tilt"}, "A", "m", 2)
    with caplog.at_level(logging.WARNING):
        (video,) = qwen.encode_media(fresh_vl, row, [clip], fps=8.0, max_pixels=1568)
    assert video.size_hw == (28, 28)
    assert "min_pixels 3136 exceeds the pixel cap 1568 (mcq_max_pixels); 1568 is used for both" in caplog.text


# --- questions of zero-width characters only --------------------------------------------------------


@pytest.mark.parametrize("text", ["\u200b", "\u2060", "\ufeff", " \u200b\u2060\ufeff\n", "\u00ad", "\u3000\u200d"])
def test_question_of_only_invisible_characters_is_blank(text: str) -> None:
    assert is_blank(text)
    with pytest.raises(PredictionError, match=r"the question is empty or white space only"):
        refuse_blank(text, "the question")


@pytest.mark.parametrize("text", ["\u200bDoes the camera pan?", "A", "\u00e9", "\U0001f3a5"])
def test_question_with_something_to_read_is_not_blank(text: str) -> None:
    assert not is_blank(text)
    refuse_blank(text, "the question")


def test_zero_width_question_is_not_scored(predictor: qwen.QwenVLPredictor) -> None:
    video = prepare_video(clip_frames("pan", seed=0, frames=2), FPS, predictor.vl.spec)
    with pytest.raises(PredictionError, match=r"the question is empty or white space only \('\\u200b'\)"):
        qwen.yes_probabilities(predictor.vl, video, ["Does the camera pan?", "\u200b"])
    with pytest.raises(PredictionError, match=r"white space only"):
        qwen.yes_probability_naive(predictor.vl, video, "\u2060\ufeff")
