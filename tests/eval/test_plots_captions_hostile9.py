"""Hostile inputs to the report plots, the failure gallery's frames and the caption metrics (round 9)."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.errors import CameraBenchError
from camerabench.eval import caption_metrics as cap
from camerabench.eval import plots
from camerabench.eval.gallery import clip_frames
from camerabench.labelfiles import CaptionItem
from camerabench.records import CaptionRecord
from camerabench.runfolder import MethodRun


def _ax() -> Any:
    return plots.new_figure(3, 2, layout=None)[1][0, 0]


def _no_java(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cap.shutil, "which", lambda name: None)


# --------------------------------------------------------------------------- plot_pr_curve labels


@pytest.mark.parametrize(
    ("labels", "shown"),
    [([0, 2, 1, 0], "label 1 is 2"), ([-1, 1, 0, 0], "label 0 is -1"), ([0.5, 1, 0, 0], "label 0 is 0.5"),
     ([math.nan, 1, 0, 0], "label 0 is nan"), (["no", "yes", "no", "yes"], "label 0 is 'no'")],
)  # fmt: skip
def test_pr_curve_refuses_labels_that_are_not_booleans_or_0_1(labels: list[Any], shown: str) -> None:
    with pytest.raises(ValueError, match=rf"m: labels must be booleans or 0/1; \d+ are not \({shown}\)"):
        plots.plot_pr_curve(_ax(), labels, [0.1, 0.2, 0.3, 0.4], "m")


def test_pr_curve_draws_0_1_and_boolean_labels_alike() -> None:
    from sklearn.metrics import precision_recall_curve

    scores = [0.1, 0.4, 0.35, 0.8]
    for labels in ([0, 0, 1, 1], [False, False, True, True], [0.0, 0.0, 1.0, 1.0], np.array([0, 0, 1, 1], np.uint8)):
        ax = plots.plot_pr_curve(_ax(), labels, scores, "m")
        (line,) = ax.get_lines()
        precision, recall, _ = precision_recall_curve([0, 0, 1, 1], scores)
        x, y = line.get_data()
        np.testing.assert_allclose(x, recall)
        np.testing.assert_allclose(y, precision)


def test_pr_curve_refuses_two_dimensional_labels() -> None:
    with pytest.raises(ValueError, match=r"m: labels must be one-dimensional, got shape \(2, 2\)"):
        plots.plot_pr_curve(_ax(), [[0, 1], [1, 0]], [[0.1, 0.2], [0.3, 0.4]], "m")


def test_pr_curve_of_no_samples_draws_nothing() -> None:
    assert not plots.plot_pr_curve(_ax(), [], [], "m").get_lines()


# --------------------------------------------------------------------------- grouped bars, reliability, frames


@pytest.mark.parametrize(
    ("interval", "problem"),
    [((0.4,), r"must be two numbers \[lo, hi\], got 1 value\(s\)"),
     ((0.4, 0.5, 0.6), r"must be two numbers \[lo, hi\], got 3 value\(s\)"),
     (0.4, r"must be two numbers \[lo, hi\], got 1 value\(s\)"),
     (("a", "b"), r"must be two numbers \[lo, hi\], got \('a', 'b'\)"),
     ((0.7, 0.3), r"has lo 0.7 above hi 0.3")],
)  # fmt: skip
def test_grouped_bars_refuse_a_malformed_interval_naming_series_and_category(interval: Any, problem: str) -> None:
    with pytest.raises(ValueError, match=rf"^meth: the interval of 'Pan_Left' {problem}"):
        plots.plot_grouped_bars(
            _ax(), {"meth": {"Pan_Left": 0.5}}, ["Pan_Left"], errors={"meth": {"Pan_Left": interval}}
        )


def test_grouped_bars_draw_a_well_formed_interval_and_skip_a_nan_one() -> None:
    ax = plots.plot_grouped_bars(
        _ax(), {"m": {"a": 0.5, "b": 0.6}}, ["a", "b"], errors={"m": {"a": [0.4, 0.7], "b": [math.nan, math.nan]}}
    )
    (bars,) = [c for c in ax.containers if hasattr(c, "lines") and c.lines[2]]  # the error bar container
    segments = bars.lines[2][0].get_segments()
    assert len(segments) == 1
    np.testing.assert_allclose([p[1] for p in segments[0]], [40.0, 70.0])


def test_grouped_bars_of_nan_only_and_empty_series_draw_no_bar() -> None:
    ax = plots.plot_grouped_bars(_ax(), {"m": {"a": math.nan}, "n": {}}, ["a"])
    assert all(len(c) == 0 for c in ax.containers)
    assert [t.get_text() for t in ax.texts] == ["n/a", "n/a"]
    plots.plot_grouped_bars(_ax(), {}, [])  # nothing at all: an empty axes, no error


def test_reliability_refuses_lists_of_different_lengths() -> None:
    with pytest.raises(ValueError, match=r"m: reliability needs one fraction of positives per bin: 2 mean P\(yes\)"):
        plots.plot_reliability(_ax(), [0.1, 0.2], [0.1], "m")


@pytest.mark.parametrize(
    ("frames", "problem"),
    [(np.zeros((2, 8, 8, 5), np.uint8), r"with C = 3 \(RGB\), 4 \(RGBA\) or 1 \(grey\), got shape \(2, 8, 8, 5\)"),
     (np.zeros((2, 8, 8), np.uint8), r"got shape \(2, 8, 8\)"),
     (np.full((1, 4, 4, 3), np.nan), r"48 float values are NaN or infinite"),
     (np.full((1, 4, 4, 3), 200.0), r"must lie in 0..1, got 200..200 \(float frames in 0..255: divide by 255\)"),
     (np.full((1, 4, 4, 3), 300, np.int32), r"must lie in 0..255, got 300..300"),
     (np.full((1, 4, 4, 3), "x"), r"must hold numbers")],
)  # fmt: skip
def test_frame_strip_refuses_frames_it_cannot_draw(frames: Any, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        plots.plot_frame_strip(_ax(), frames)


def test_frame_strip_of_float_frames_uses_a_white_gap_in_their_range(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        ax = plots.plot_frame_strip(_ax(), np.full((2, 4, 4, 3), 0.25), gap_px=2)
    (image,) = ax.get_images()
    arr = np.asarray(image.get_array())
    assert arr.shape == (4, 10, 3) and arr.max() == 1.0 and arr[:, 4:6].min() == 1.0
    assert not [r for r in caplog.records if "Clipping" in r.getMessage()]


def test_frame_strip_of_zero_size_frames_reads_no_frames() -> None:
    ax = plots.plot_frame_strip(_ax(), np.zeros((2, 0, 8, 3), np.uint8))
    assert [t.get_text() for t in ax.texts] == ["no frames"] and not ax.get_images()


def test_short_label_refuses_a_limit_below_one_and_keeps_long_non_latin_names_in_limit() -> None:
    with pytest.raises(ValueError, match="limit must be at least 1"):
        plots.short_label("abc", 0)
    name = "相机" * 150 + "Камера$" * 10
    label = plots.short_label(name)
    assert len(label.replace("\\$", "$")) == plots.LABEL_LIMIT and label.startswith("相机") and label.endswith("\\$")


def test_300_character_non_latin_names_draw_and_save(tmp_path: Path, recwarn: pytest.WarningsRecorder) -> None:
    fig, axes = plots.new_figure(4, 3)
    long = "Ж" + "λ" * 298 + "$"
    plots.plot_grouped_bars(axes[0, 0], {long: {long: 0.5}}, [long], errors={long: {long: (0.4, 0.6)}})
    fig.savefig(tmp_path / "x.png")
    ax = axes[0, 0]
    assert ax.get_legend().get_texts()[0].get_text() == plots.short_label(long)
    assert [t.get_text() for t in ax.get_xticklabels()] == [plots.short_label(long)]
    assert ax.get_position().height > 0.2  # a whole 300-character tick label squeezed the axes to nothing
    assert not [w for w in recwarn if "constrained_layout not applied" in str(w.message)]


# --------------------------------------------------------------------------- gallery frames of a deleted video


def test_gallery_frames_of_a_deleted_video_are_warned_and_counted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    without: list[str] = []
    gone = tmp_path / "clip_deleted.mp4"
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.gallery"):
        assert clip_frames(gone, without=without) is None
        assert clip_frames(tmp_path, without=without) is None  # a folder where the video should be
    messages = [r.getMessage() for r in caplog.records]
    assert any("clip_deleted.mp4" in m and "does not exist" in m for m in messages)
    assert without == [f"{gone}: the video file does not exist", f"{tmp_path}: the video path is not a file"]


def test_gallery_frames_of_an_undecodable_video_are_counted(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    without: list[str] = []
    assert clip_frames(bad, without=without) is None
    assert len(without) == 1 and without[0].startswith(f"{bad}: ")


# --------------------------------------------------------------------------- caption length bound


def test_caption_tokens_bound_every_tokenizer() -> None:
    from rouge_score import tokenize

    for text in ["a,a,a,a", "éaéaé", "The camera pans left.", "相机向左平移", "🎥 ➡️ pan", "don't"]:
        n = cap.caption_tokens(text)
        assert n >= len(tokenize.tokenize(text, None))
        assert n >= len(cap.compat_tokens(text))
    assert cap.caption_tokens("a,a,a") == 5


def test_rouge_l_refuses_a_huge_reference_and_scores_a_huge_candidate_on_its_beginning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    huge = "pan left, " * 60_000  # 180,000 tokens: minutes and gigabytes in rouge-score
    with pytest.raises(CameraBenchError, match=r"the reference caption is 180,000 tokens long \(600,000 characters\)"):
        cap.compat_rouge_l(huge, "The camera pans left.")
    with pytest.raises(CameraBenchError, match=r"reference caption 0 of v.mp4 is 180,000 tokens long"):
        cap.coco_metrics({"v.mp4": [huge]}, {"v.mp4": "The camera pans left."})
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.caption_metrics"):
        score = cap.compat_rouge_l("The camera pans left.", huge)
    assert score == pytest.approx(cap.compat_rouge_l("The camera pans left.", cap.truncate_caption(huge)))
    assert "the candidate caption is 180,000 tokens long (600,000 characters): scored on its first 2,000" in caplog.text


def test_a_runaway_caption_is_scored_on_its_first_tokens_with_a_counted_note(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _no_java(monkeypatch)
    items = [CaptionItem("a.mp4", "Describe.", "The camera pans left."),
             CaptionItem("b.mp4", "Describe.", "The camera tilts up.")]  # fmt: skip
    runaway = "The camera pans left. " + "and then it pans left again " * 2_000  # 56,000 characters
    run = MethodRun(
        "m",
        Path("."),
        captions={"a.mp4": CaptionRecord("a.mp4", "m", runaway), "b.mp4": CaptionRecord("b.mp4", "m", "Tilts up.")},
    )
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.caption_metrics"):
        out = cap.caption_section(items, run, None, "lowest", with_minilm=False)
    assert out is not None
    section, rows = out
    assert section.note is not None and (
        "1 of 2 ok captions are longer than 2,000 tokens (e.g. 'a.mp4': 12,005 tokens): every metric scores their "
        "first 2,000" in section.note
    )
    assert any("longer than 2,000 tokens" in r.getMessage() for r in caplog.records)
    row = rows[0]
    assert cap.caption_tokens(row["caption"]) == cap.MAX_CAPTION_TOKENS
    assert row["caption"] == cap.truncate_caption(runaway)
    assert row["compat_rouge_l"] == pytest.approx(cap.compat_rouge_l("The camera pans left.", row["caption"]))
    assert 0 < row["compat_rouge_l"] < 0.01


def test_a_runaway_reference_is_refused_naming_the_video() -> None:
    items = [CaptionItem("long.mp4", "Describe.", "pan " * 2001)]
    run = MethodRun("m", Path("."), captions={"long.mp4": CaptionRecord("long.mp4", "m", "pans")})
    with pytest.raises(
        CameraBenchError, match=r"caption_data.json: the reference caption of long.mp4 is 2,001 tokens long"
    ):
        cap.caption_section(items, run, None, "lowest", with_minilm=False)


def test_a_caption_at_the_bound_is_scored_whole() -> None:
    text = "pan " * cap.MAX_CAPTION_TOKENS
    assert cap.truncate_caption(text) == text
    assert cap.compat_rouge_l("pan", text) == pytest.approx(2 / (cap.MAX_CAPTION_TOKENS + 1))


# --------------------------------------------------------------------------- captions in other scripts


def test_non_latin_names_and_punctuation_or_emoji_captions(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_java(monkeypatch)
    videos = ["相机_" + "長" * 290 + ".mp4", "Камера.mp4", "emoji.mp4", "punct.mp4"]
    items = [CaptionItem(v, "Describe.", "The camera pans left.") for v in videos]
    captions = ["The camera pans left.", "Камера панорамирует влево.", "🎥➡️⬅️", "...!!!"]
    records = {v: CaptionRecord(v, "m", c) for v, c in zip(videos, captions, strict=True)}
    run = MethodRun("m", Path("."), captions=records)
    out = cap.caption_section(items, run, None, "lowest", with_minilm=False)
    assert out is not None
    section, rows = out
    by_video = {r["video"]: r for r in rows}
    assert by_video[videos[0]]["compat_rouge_l"] == pytest.approx(1.0)
    for v in videos[1:]:
        assert by_video[v]["compat_rouge_l"] == 0.0 and by_video[v]["compat_bleu2"] == 0.0
    assert section.note is not None and "2 of 4 ok captions hold no word" in section.note


# --------------------------------------------------------------------------- motion curves


def _curves(n: int, rotation: Any = None) -> Any:
    from camerabench.eval.gallery import MotionCurves

    t = np.arange(float(n))
    return MotionCurves(t, np.zeros((n, 3)) if rotation is None else rotation, np.zeros((n, 3)), np.ones(n))


def test_motion_of_no_pose_reads_no_trajectory() -> None:
    ax = plots.plot_motion(_ax(), _curves(0), _curves(0))
    assert not ax.get_lines() and [t.get_text() for t in ax.texts] == ["no trajectory"]
    ax = plots.plot_motion(_ax(), _curves(0), _curves(4), "zoom")  # the estimate alone
    assert len(ax.get_lines()) == 1


@pytest.mark.parametrize("rotation", [np.zeros((3, 5)), np.zeros(3), np.zeros((4, 3)), np.float64(0.0)])
def test_motion_of_misshapen_curves_is_an_error_naming_the_shape(rotation: Any) -> None:
    with pytest.raises(ValueError, match=r"the estimate's rotation_deg must be \(3, 3\) for 3 times .* got shape"):
        plots.plot_motion(_ax(), _curves(3), _curves(3, rotation))


@pytest.mark.parametrize("count", [math.nan, -1, 1.5, "3", None, True])
def test_counts_refuse_a_count_that_is_not_a_whole_number(count: Any) -> None:
    with pytest.raises(ValueError, match=r"m: the count of 'failed' must be a whole number >= 0, got"):
        plots.plot_counts(_ax(), {"m": {"failed": count, "missing": 2}})


def test_counts_stack_numpy_and_float_whole_numbers() -> None:
    ax = plots.plot_counts(_ax(), {"a": {"failed": np.int64(2), "missing": 3.0}, "b": {"missing": 1}})
    failed, missing = ax.containers
    assert [r.get_height() for r in failed] == [2, 0] and [r.get_y() for r in missing] == [2, 0]
    assert [r.get_height() for r in missing] == [3, 1]


def test_reliability_of_a_nan_only_series_draws_no_line_and_no_legend() -> None:
    ax = plots.plot_reliability(_ax(), [math.nan, math.nan], [math.nan, math.nan], "m")
    assert len(ax.get_lines()) == 1 and ax.get_legend() is None  # the diagonal only
    ax = plots.plot_reliability(_ax(), [0.2, math.nan], [0.3, math.nan], "m")
    assert len(ax.get_lines()) == 2 and [t.get_text() for t in ax.get_legend().get_texts()] == ["m"]
