"""QwenVLPredictor on the tiny checkpoint: VQAScore, prefix reuse, video metadata, captions, layouts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from camerabench.baselines import get_predictor
from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.checkpoint import load_qwen_vl
from camerabench.baselines.vlm.compat import prepare_video
from camerabench.dataset import Dataset, Question
from camerabench.errors import CameraBenchError, FileFormatError, VideoError
from camerabench.taxonomy import Primitive
from camerabench.video import read_video, write_video

QUESTIONS = [
    Primitive.PAN_RIGHT.question,
    Primitive.STATIC.question,
    Primitive.MOVE_IN.question,
    "Does the camera zoom in?",
    "Is the camera moving forward while the subject stays centred in the frame during the whole clip?",
]


@pytest.fixture(scope="module")
def predictor(tiny_ckpt: Path) -> qwen.QwenVLPredictor:
    p = get_predictor("qwen-vl", model=str(tiny_ckpt), device="cpu", dtype="float32", batch_size=2)
    assert isinstance(p, qwen.QwenVLPredictor)
    p.setup()
    return p


def independent_yes_probability(vl: qwen.QwenVL, video: qwen.VisualInputs, question: str) -> float:
    """design.md B6 spelled out by hand: Qwen's chat format, one user turn [video, text], default system prompt."""
    tok = vl.tokenizer
    text = (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|>"
        + "<|video_pad|>" * video.num_tokens
        + f"<|vision_end|>{question} Please only answer Yes or No.<|im_end|>\n<|im_start|>assistant\n"
    )
    ids = torch.tensor([tok.encode(text, add_special_tokens=False)])
    video_id = tok.convert_tokens_to_ids("<|video_pad|>")
    with torch.no_grad():
        logits = vl.model(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            mm_token_type_ids=(ids == video_id).long() * 2,
            pixel_values_videos=video.pixel_values,
            video_grid_thw=torch.tensor([video.grid_thw]),
            second_per_grid_ts=torch.tensor([video.second_per_grid_t]),
        ).logits
    probs = torch.softmax(logits[0, -1].double(), dim=-1)
    return float(probs[tok.convert_tokens_to_ids("Yes")])


@pytest.fixture(scope="module")
def pan_video(predictor: qwen.QwenVLPredictor, tiny_data: tuple[Path, dict[str, str]]) -> qwen.VisualInputs:
    root, _ = tiny_data
    return qwen.encode_video(predictor.vl, root / "videos" / "pan_a.mp4")


@pytest.fixture(scope="module")
def naive_scores(predictor: qwen.QwenVLPredictor, pan_video: qwen.VisualInputs) -> list[float]:
    """One full forward pass per question (the reference for prefix reuse)."""
    return [qwen.yes_probability_naive(predictor.vl, pan_video, q) for q in QUESTIONS]


def test_vqascore_equals_an_independent_full_prompt_computation(
    predictor: qwen.QwenVLPredictor, tiny_data: tuple[Path, dict[str, str]]
) -> None:
    root, _ = tiny_data
    for name in ("pan_b.mp4", "still_b.mp4"):
        path = root / "videos" / name
        result = predictor.predict(path, [Question(q) for q in QUESTIONS])
        video = qwen.encode_video(predictor.vl, path)
        for q in QUESTIONS:
            assert result.scores[q] == pytest.approx(independent_yes_probability(predictor.vl, video, q), abs=1e-4)
        scores = np.array(list(result.scores.values()))
        assert np.ptp(scores) > 1e-3  # the scores do depend on the question: the comparison means something


def test_prefix_cached_batched_scores_equal_one_question_scoring(
    predictor: qwen.QwenVLPredictor, pan_video: qwen.VisualInputs, naive_scores: list[float]
) -> None:
    for batch_size in (1, 3, 16):
        cached = qwen.yes_probabilities(predictor.vl, pan_video, QUESTIONS, batch_size=batch_size)
        np.testing.assert_allclose(cached, naive_scores, rtol=0, atol=1e-4)


def test_predictor_without_prefix_cache_is_the_naive_path(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], naive_scores: list[float]
) -> None:
    root, _ = tiny_data
    p = qwen.QwenVLPredictor(model=str(tiny_ckpt), device="cpu", prefix_cache=False)
    scores = p.predict(root / "videos" / "pan_a.mp4", [Question(q) for q in QUESTIONS]).scores
    np.testing.assert_allclose([scores[q] for q in QUESTIONS], naive_scores, rtol=0, atol=1e-6)


def test_temporal_positions_follow_the_sampled_frame_rate(predictor: qwen.QwenVLPredictor) -> None:
    vl = predictor.vl
    frames = read_video_frames()
    tokens_per_second = vl.model.config.vision_config.tokens_per_second
    temporal = {}
    for fps in (8.0, 2.0):
        video = prepare_video(frames, fps, vl.spec)
        enc = vl.encode([video, "Does the camera pan to the right?"])
        positions = vl.rope_positions(enc)
        is_video = enc.mm_token_type_ids == 2
        start = int(torch.nonzero(is_video)[0])
        t_pos = positions[0, is_video] - start
        per_t = video.num_tokens // video.grid_thw[0]
        expected = [int(t * tokens_per_second * 2 / fps) for t in range(video.grid_thw[0]) for _ in range(per_t)]
        assert t_pos.tolist() == expected
        temporal[fps] = t_pos
    assert not torch.equal(temporal[8.0], temporal[2.0])


def read_video_frames() -> np.ndarray:
    return np.random.default_rng(5).integers(0, 256, (8, 48, 64, 3), dtype=np.uint8)


def test_video_frame_rate_reaches_the_model(predictor: qwen.QwenVLPredictor, tmp_path: Path) -> None:
    # the same frames encoded at 8 and at 2 fps: same pixels, different timing, different scores
    frames = read_video_frames()
    write_video(tmp_path / "fast.mp4", frames, fps=8)
    write_video(tmp_path / "slow.mp4", frames, fps=2)
    fast = predictor.predict(tmp_path / "fast.mp4", [Question(q) for q in QUESTIONS])
    slow = predictor.predict(tmp_path / "slow.mp4", [Question(q) for q in QUESTIONS])
    assert fast.info["fps"] == pytest.approx(8.0) and slow.info["fps"] == pytest.approx(2.0)
    assert fast.info["grid_thw"] == slow.info["grid_thw"]
    diff = max(abs(fast.scores[q] - slow.scores[q]) for q in QUESTIONS)
    assert diff > 1e-3


def test_sampling_rate_option_sets_the_frames_decoded(tiny_ckpt: Path, tmp_path: Path) -> None:
    write_video(tmp_path / "v.mp4", np.repeat(read_video_frames(), 2, axis=0), fps=16)
    p = qwen.QwenVLPredictor(model=str(tiny_ckpt), sample_fps=4.0, device="cpu")
    result = p.predict(tmp_path / "v.mp4", [Question(QUESTIONS[0])])
    assert result.info["frames"] == len(read_video(tmp_path / "v.mp4", fps=4.0))
    assert result.info["fps"] == pytest.approx(4.0)
    assert 0.0 < result.scores[QUESTIONS[0]] < 1.0


def test_predicts_every_labelled_question_of_a_dataset(
    predictor: qwen.QwenVLPredictor, tiny_data: tuple[Path, dict[str, str]]
) -> None:
    root, _ = tiny_data
    data = Dataset(root)
    for video, questions in data.questions().items():
        result = predictor.predict(data.video_path(video), questions)
        assert set(result.scores) == {q.text for q in questions}
        assert all(0.0 <= s <= 1.0 for s in result.scores.values())


def test_whole_and_diffsw_captions_are_text(
    predictor: qwen.QwenVLPredictor, tiny_data: tuple[Path, dict[str, str]]
) -> None:
    root, _ = tiny_data
    path = root / "videos" / "pan_a.mp4"
    predictor.options = predictor.options.replace(max_new_tokens=8)
    whole = predictor.caption(path, "Describe the camera movement in this video.", mode="whole")
    diffsw = predictor.caption(path, "Describe the camera movement in this video.", mode="diffsw")
    predictor.options = predictor.options.replace(max_new_tokens=256)
    assert isinstance(whole, str) and whole
    assert isinstance(diffsw, str) and diffsw
    with pytest.raises(CameraBenchError, match="mode"):
        predictor.caption(path, "Describe the camera movement in this video.", mode="fast")


def test_older_layout_checkpoint_gives_the_same_scores(
    tiny_ckpt: Path, older_ckpt: Path, tiny_data: tuple[Path, dict[str, str]]
) -> None:
    assert not (older_ckpt / "video_preprocessor_config.json").exists()
    assert not (older_ckpt / "processor_config.json").exists()
    root, _ = tiny_data
    path = root / "videos" / "still_a.mp4"
    new = qwen.QwenVLPredictor(model=str(tiny_ckpt), device="cpu")
    # the tiny checkpoint's video processor sets min_pixels 56*56; the older layout has no video
    # settings, so it gets the video processor's default bound unless told
    old = qwen.QwenVLPredictor(model=str(older_ckpt), device="cpu", min_pixels=56 * 56)
    old.setup()
    assert old.vl.layout == "older" and new.vl.layout == "current"
    assert old.vl.spec.max_pixels == 360 * 420  # the 12.8 Mpx limit of preprocessor_config.json is capped
    assert old.vl.spec == new.vl.spec and old.vl.image_spec == new.vl.image_spec
    qs = [Question(q) for q in QUESTIONS]
    a, b = new.predict(path, qs).scores, old.predict(path, qs).scores
    for q in QUESTIONS:
        assert a[q] == pytest.approx(b[q], abs=1e-6)
    assert old.settings()["layout"] == "older"


def test_settings_record_the_model(predictor: qwen.QwenVLPredictor, tiny_ckpt: Path) -> None:
    s = predictor.settings()
    assert s["model"] == str(tiny_ckpt.resolve())
    assert s["sample_fps"] == 8.0 and s["max_pixels"] == 360 * 420 and s["batch_size"] == 2
    assert len(s["config_sha256"]) == 64


def test_bad_options_and_inputs_raise_clear_errors(tiny_ckpt: Path, tmp_path: Path) -> None:
    with pytest.raises(CameraBenchError, match="--model"):
        qwen.QwenVLPredictor()
    with pytest.raises(CameraBenchError, match="scorer"):
        qwen.QwenVLPredictor(model=str(tiny_ckpt), scorer="camerabench")
    with pytest.raises(FileFormatError, match=r"config\.json"):
        load_qwen_vl(tmp_path)
    with pytest.raises(CameraBenchError, match="dtype"):
        load_qwen_vl(tiny_ckpt, dtype="int8")
    p = qwen.QwenVLPredictor(model=str(tiny_ckpt), device="cpu")
    with pytest.raises(VideoError, match=r"missing\.mp4"):
        p.predict(tmp_path / "missing.mp4", [Question(QUESTIONS[0])])


def test_bfloat16_scores_are_close_to_float32(tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]]) -> None:
    root, _ = tiny_data
    path = root / "videos" / "pan_b.mp4"
    qs = [Question(q) for q in QUESTIONS]
    fp32 = qwen.QwenVLPredictor(model=str(tiny_ckpt), device="cpu", dtype="float32").predict(path, qs).scores
    bf16_p = qwen.QwenVLPredictor(model=str(tiny_ckpt), device="cpu", dtype="bfloat16")
    bf16 = bf16_p.predict(path, qs).scores
    assert bf16_p.vl.dtype == torch.bfloat16
    for q in QUESTIONS:
        assert bf16[q] == pytest.approx(fp32[q], abs=0.05)


def test_pixel_bounds_of_the_older_layout_follow_transformers_5(older_ckpt: Path, tiny_ckpt: Path) -> None:
    from camerabench.baselines.vlm.checkpoint import read_pixel_spec

    # transformers 5 no longer reads video sizes from preprocessor_config.json: video processor defaults
    video_spec = read_pixel_spec(older_ckpt, kind="video")
    assert (video_spec.min_pixels, video_spec.max_pixels) == (128 * 28 * 28, 360 * 420)
    image_spec = read_pixel_spec(older_ckpt, kind="image")  # images keep preprocessor_config.json's bound
    assert (image_spec.min_pixels, image_spec.max_pixels) == (56 * 56, 360 * 420)
    assert read_pixel_spec(tiny_ckpt, kind="video").min_pixels == 56 * 56  # its processor_config.json
    video = prepare_video(read_video_frames(), 8.0, video_spec)  # 64x48 frames are scaled up
    height, width = video.size_hw
    assert 128 * 28 * 28 <= height * width <= 360 * 420
    assert read_pixel_spec(older_ckpt, min_pixels=56 * 56).min_pixels == 56 * 56


def _pan_trajectory(path: Path) -> None:
    """A 2 s camera rotation of 30 degrees about the vertical axis, saved as a method's npz."""
    from camerabench.trajectory import Trajectory
    from camerabench.trajectory_formats import save_npz

    n = 20
    c2w = np.tile(np.eye(4), (n, 1, 1))
    for i, a in enumerate(np.radians(np.linspace(0.0, 30.0, n))):
        c2w[i, :3, :3] = [[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]]
    path.parent.mkdir(parents=True, exist_ok=True)
    save_npz(path, Trajectory(c2w, None, np.arange(n) / 10.0))


def test_geometry_in_the_prompt(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast trajectory's caption precedes every question; a clip without one fails with a reason."""
    from camerabench.jobs.runner import run_predict
    from camerabench.runfolder import MethodFolder, read_method

    root, kinds = tiny_data
    geometry = MethodFolder.of(tmp_path / "geo", "fast")
    with_traj = sorted(kinds)[0]
    _pan_trajectory(geometry.trajectory(with_traj))
    summary = qwen.geometry_summary(geometry.path, with_traj)
    assert summary.startswith("The camera")

    asked: list[str] = []
    real = qwen.yes_probabilities

    def spy(vl: object, video: object, questions: list[str], batch_size: int = 16) -> list[float]:
        asked.extend(questions)
        return real(vl, video, questions, batch_size=batch_size)  # type: ignore[arg-type]

    monkeypatch.setattr(qwen, "yes_probabilities", spy)
    p = qwen.QwenVLPredictor(model=str(tiny_ckpt), device="cpu", geometry_run=str(geometry.path))
    result = p.predict(root / "videos" / with_traj, [Question(q) for q in QUESTIONS])
    assert asked == [qwen.geometry_question(q, summary) for q in QUESTIONS]
    assert all(summary in q for q in asked)
    assert set(result.scores) == set(QUESTIONS) and all(0.0 <= s <= 1.0 for s in result.scores.values())
    assert result.info["geometry_summary"] == summary

    monkeypatch.setattr(qwen, "yes_probabilities", real)
    out = tmp_path / "run"
    options = {"model": str(tiny_ckpt), "device": "cpu", "geometry_run": str(geometry.path)}
    run_predict(root, "qwen-vl", out, options=options)
    scores = read_method(out / "qwen-vl").scores or {}
    for (video, _), rec in scores.items():
        if video == with_traj:
            assert rec.status == "ok" and rec.score is not None and 0.0 <= rec.score <= 1.0
        else:
            assert rec.status == "failed" and "no trajectory" in (rec.reason or ""), rec


def test_geometry_run_without_trajectories_is_refused(tiny_ckpt: Path, tmp_path: Path) -> None:
    with pytest.raises(CameraBenchError, match="no trajectories folder"):
        qwen.QwenVLPredictor(model=str(tiny_ckpt), geometry_run=str(tmp_path))
