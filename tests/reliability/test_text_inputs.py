"""Hostile text inputs: every text file camerabench reads gives one line naming file:line and the problem.

Label files, VQA pairs, ``caption_data.json``, ``manifest.json``, ``scores.jsonl``,
``captions.jsonl`` and ``run.json`` are each broken in the ways a careless or hostile user
breaks them (bytes that are not UTF-8, a byte-order mark, wrong JSON types, empty names); a
broken dataset stops ``predict`` before any video is touched.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from camerabench.cli import main
from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError
from camerabench.labelfiles import read_binary_file, read_caption_file, read_vqa_file
from camerabench.records import read_captions, read_run_info, read_scores
from camerabench.taxonomy import BinaryRecord, Primitive

PAN = Primitive.PAN_LEFT
VIDEOS = ["a.mp4", "b.mp4", "c.mp4"]


def _binary_rows() -> list[dict[str, Any]]:
    return [BinaryRecord.make(v, PAN, i == 0).to_dict() for i, v in enumerate(VIDEOS)]


def _vqa_row() -> dict[str, Any]:
    pos_q, neg_q = "Is the camera moving?", "Is the camera fixed?"
    return {
        "skill": "motion", "task": "moving", "images": ["a.mp4", "b.mp4"], "texts": [pos_q, neg_q],
        "pos_video": "a.mp4", "neg_video": "b.mp4", "pos_text": pos_q, "neg_text": neg_q,
        "pos_question": pos_q, "neg_question": neg_q,
    }  # fmt: skip


def _caption_items() -> list[dict[str, Any]]:
    return [{"video": v, "question": "Describe the camera movement in this video.", "answer": "Pans left."}
            for v in VIDEOS]  # fmt: skip


def _manifest() -> dict[str, Any]:
    return {
        "generator": "test",
        "clips": [{"video": v, "knobs": {"blur": False}, "failure_mode": None} for v in VIDEOS],
    }


def _score_rows() -> list[dict[str, Any]]:
    return [
        {"schema_version": 1, "video": v, "question": PAN.question, "method": "m", "score": 0.5, "status": "ok",
         "reason": None, "primitive": PAN.value}
        for v in VIDEOS
    ]  # fmt: skip


def _caption_rows() -> list[dict[str, Any]]:
    return [{"schema_version": 1, "video": v, "method": "m", "caption": "The camera pans left.", "status": "ok",
             "reason": None, "question": "Describe the camera movement in this video.", "mode": "whole"}
            for v in VIDEOS]  # fmt: skip


def _run_info() -> dict[str, Any]:
    return {"schema_version": 1, "method": "m", "command": "predict", "settings": {"yes_threshold": 0.5},
            "videos_ok": 3, "videos_failed": 0, "failures": {}, "seconds_per_video": {"a.mp4": 1.0}}  # fmt: skip


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def _json(obj: Any) -> bytes:
    return (json.dumps(obj, indent=2) + "\n").encode()


def _edit(rows: list[dict[str, Any]], index: int, **changes: Any) -> list[dict[str, Any]]:
    out = [dict(r) for r in rows]
    out[index].update(changes)
    return out


def _replace_line(data: bytes, line: int, new: bytes) -> bytes:
    lines = data.split(b"\n")
    lines[line - 1] = new
    return b"\n".join(lines)


def _read_manifest(path: Path) -> Any:
    (path.parent / "labels").mkdir(exist_ok=True)
    return Dataset(path.parent).manifest


# (file name, reader, content, expected message after "file:line: ")
CASES: list[tuple[str, str, Callable[[Path], Any], bytes, str]] = [
    # binary labels
    ("binary-not-utf8", "Pan_Left.jsonl", read_binary_file,
     _replace_line(_jsonl(_binary_rows()), 2, b'{"image": "b\xff.mp4"}'),
     r"Pan_Left\.jsonl:2: not UTF-8 text: byte 0xff"),
    ("binary-empty-image", "Pan_Left.jsonl", read_binary_file, _jsonl(_edit(_binary_rows(), 1, image="")),
     r"Pan_Left\.jsonl:2: 'image' must be a video file name, got ''"),
    ("binary-image-number", "Pan_Left.jsonl", read_binary_file, _jsonl(_edit(_binary_rows(), 2, image=7)),
     r"Pan_Left\.jsonl:3: 'image' must be a video file name, got 7"),
    ("binary-image-escapes", "Pan_Left.jsonl", read_binary_file, _jsonl(_edit(_binary_rows(), 0, image="../x.mp4")),
     r"Pan_Left\.jsonl:1: 'image' must name a file inside videos/"),
    ("binary-label-list", "Pan_Left.jsonl", read_binary_file, _jsonl(_edit(_binary_rows(), 1, label=["Yes"])),
     r"Pan_Left\.jsonl:2: 'label' must be a non-empty string, got \['Yes'\]"),
    ("binary-label-name", "Pan_Left.jsonl", read_binary_file, _jsonl(_edit(_binary_rows(), 1, label_name="x")),
     r"Pan_Left\.jsonl:2: label_name 'x' is not the Pan Left label name"),
    ("binary-line-not-object", "Pan_Left.jsonl", read_binary_file, _jsonl(_binary_rows()) + b'["a.mp4"]\n',
     r"Pan_Left\.jsonl:4: expected a JSON object, got list"),
    ("binary-mid-file-bom", "Pan_Left.jsonl", read_binary_file,
     _replace_line(_jsonl(_binary_rows()), 3, b"\xef\xbb\xbf" + json.dumps(_binary_rows()[2]).encode()),
     r"Pan_Left\.jsonl:3: invalid JSON: Unexpected UTF-8 BOM"),
    ("binary-deep-nesting", "Pan_Left.jsonl", read_binary_file, b"[" * 100000 + b"]" * 100000 + b"\n",
     r"Pan_Left\.jsonl:1: JSON nested too deeply"),
    # VQA pairs
    ("vqa-images-numbers", "moving.jsonl", read_vqa_file, _jsonl([{**_vqa_row(), "images": [1, 2]}]),
     r"moving\.jsonl:1: 'images' must be a list of two strings, got \[1, 2\]"),
    ("vqa-empty-video", "moving.jsonl", read_vqa_file,
     _jsonl([_vqa_row(), {**_vqa_row(), "pos_video": "", "images": ["", "b.mp4"]}]),
     r"moving\.jsonl:2: 'pos_video' must be a video file name, got ''"),
    ("vqa-question-number", "moving.jsonl", read_vqa_file, _jsonl([{**_vqa_row(), "neg_question": 3}]),
     r"moving\.jsonl:1: 'neg_question' must be a non-empty string, got 3"),
    ("vqa-extra-field", "moving.jsonl", read_vqa_file, _jsonl([{**_vqa_row(), "id": 1}]),
     r"moving\.jsonl:1: unexpected field\(s\) \['id'\]"),
    ("vqa-same-video", "moving.jsonl", read_vqa_file,
     _jsonl([{**_vqa_row(), "neg_video": "a.mp4", "images": ["a.mp4", "a.mp4"]}]),
     r"moving\.jsonl:1: pos_video and neg_video are the same video 'a\.mp4'"),
    ("vqa-not-utf8", "moving.jsonl", read_vqa_file, _jsonl([_vqa_row()]) + b"\x80\n",
     r"moving\.jsonl:2: not UTF-8 text: byte 0x80 at column 1"),
    # caption_data.json
    ("captions-object", "caption_data.json", read_caption_file, _json({"items": _caption_items()}),
     r"caption_data\.json:1: caption_data\.json must hold a JSON list, got dict"),
    ("captions-video-number", "caption_data.json", read_caption_file,
     _json(_edit(_caption_items(), 1, video=12)), r"caption_data\.json:7: item 1: 'video' must be a video file name"),
    ("captions-empty-answer", "caption_data.json", read_caption_file,
     _json(_edit(_caption_items(), 2, answer="")), r"caption_data\.json:12: item 2: 'answer' must be a non-empty"),
    ("captions-not-utf8", "caption_data.json", read_caption_file,
     _json(_caption_items()).replace(b"Pans", b"P\xe9ns", 1), r"caption_data\.json:5: not UTF-8 text: byte 0xe9"),
    ("captions-empty-file", "caption_data.json", read_caption_file, b"", r"caption_data\.json: empty file"),
    ("captions-bad-json", "caption_data.json", read_caption_file, b"[\n  {\"video\": \n",
     r"caption_data\.json:3: invalid JSON"),
    # manifest.json
    ("manifest-list", "manifest.json", _read_manifest, _json([1, 2]),
     r"manifest\.json:1: the manifest must hold a JSON object, got list"),
    ("manifest-clips-object", "manifest.json", _read_manifest, _json({"generator": "t", "clips": {"a.mp4": {}}}),
     r"manifest\.json:3: 'clips' must be a list, got dict"),
    ("manifest-clip-no-video", "manifest.json", _read_manifest,
     _json({"clips": [{"video": "a.mp4"}, {"knobs": {}}]}), r"manifest\.json:6: 'clips\[1\]\.video' must be a video"),
    ("manifest-knobs-list", "manifest.json", _read_manifest,
     _json({"clips": [{"video": "a.mp4", "knobs": ["blur"]}]}),
     r"manifest\.json:5: clips\[0\]\.knobs must be an object"),
    # scores.jsonl
    ("scores-not-utf8", "scores.jsonl", read_scores, _replace_line(_jsonl(_score_rows()), 3, b"\xc3\x28"),
     r"scores\.jsonl:3: not UTF-8 text: byte 0xc3 at column 1"),
    ("scores-score-string", "scores.jsonl", read_scores, _jsonl(_edit(_score_rows(), 1, score="0.5")),
     r"scores\.jsonl:2: score must be a number or null, got '0\.5'"),
    ("scores-score-nan", "scores.jsonl", read_scores, _jsonl(_edit(_score_rows(), 0, score=float("nan"))),
     r"scores\.jsonl:1: an ok score must be a finite number, got nan"),
    ("scores-score-huge-int", "scores.jsonl", read_scores, _jsonl(_edit(_score_rows(), 1, score=10**400)),
     r"scores\.jsonl:2: score is an integer too large to be a finite number"),
    ("scores-int-too-long", "scores.jsonl", read_scores,
     _jsonl(_score_rows()) + b'{"score": 1' + b"0" * 5000 + b"}\n",
     r"scores\.jsonl:4: invalid JSON: Exceeds the limit"),
    ("scores-question-number", "scores.jsonl", read_scores, _jsonl(_edit(_score_rows(), 2, question=4)),
     r"scores\.jsonl:3: question must be a non-empty string, got 4"),
    ("scores-empty-video", "scores.jsonl", read_scores, _jsonl(_edit(_score_rows(), 0, video="")),
     r"scores\.jsonl:1: video must be a non-empty string, got ''"),
    ("scores-no-status", "scores.jsonl", read_scores, _jsonl(_edit(_score_rows(), 0, status=None)),
     r"scores\.jsonl:1: status must be 'ok' or 'failed', got None"),
    ("scores-reason-number", "scores.jsonl", read_scores,
     _jsonl(_edit(_score_rows(), 1, status="failed", score=None, reason=5)),
     r"scores\.jsonl:2: reason must be a non-empty string or null, got 5"),
    ("scores-primitive-unknown", "scores.jsonl", read_scores, _jsonl(_edit(_score_rows(), 1, primitive="Pan")),
     r"scores\.jsonl:2: primitive 'Pan' is not a primitive file stem"),
    ("scores-score-twice", "scores.jsonl", read_scores,
     _replace_line(_jsonl(_score_rows()), 2, _jsonl(_score_rows()[1:2]).replace(b'"score"', b'"score": 0.99, "score"')),
     r"scores\.jsonl:2: the key 'score' appears twice in one object \(values 0\.99 and "),
    # captions.jsonl
    ("captions-jsonl-caption-number", "captions.jsonl", read_captions, _jsonl(_edit(_caption_rows(), 1, caption=3)),
     r"captions\.jsonl:2: caption must be a string or null, got 3"),
    ("captions-jsonl-method-list", "captions.jsonl", read_captions, _jsonl(_edit(_caption_rows(), 0, method=["m"])),
     r"captions\.jsonl:1: method must be a non-empty string, got \['m'\]"),
    # run.json
    ("run-settings-list", "run.json", read_run_info, _json({**_run_info(), "settings": ["yes_threshold", 0.5]}),
     r"run\.json:5: settings must be a JSON object, got list"),
    ("run-yes-threshold-string", "run.json", read_run_info,
     _json({**_run_info(), "settings": {"yes_threshold": "0.3"}}),
     r"run\.json:6: settings\.yes_threshold must be a finite number, got '0\.3'"),
    ("run-videos-ok-string", "run.json", read_run_info, _json({**_run_info(), "videos_ok": "3"}),
     r"run\.json:8: videos_ok must be a count \(an integer >= 0\), got '3'"),
    ("run-failures-number", "run.json", read_run_info, _json({**_run_info(), "failures": {"a.mp4": 1}}),
     r"run\.json:11: failures\['a\.mp4'\] must be a string \(the reason\), got 1"),
    ("run-threshold-huge-int", "run.json", read_run_info,
     _json({**_run_info(), "settings": {"yes_threshold": 10**400}}),
     r"run\.json:6: settings\.yes_threshold must be a finite number"),
    ("run-no-method", "run.json", read_run_info, _json({k: v for k, v in _run_info().items() if k != "method"}),
     r"run\.json:1: missing field 'method'"),
    ("run-method-twice", "run.json", read_run_info, _json(_run_info()).replace(b'"method"', b'"method": "n", "method"'),
     r"run\.json:3: the key 'method' appears twice in one object \(values 'n' and 'm'\)"),
    ("run-list", "run.json", read_run_info, _json([_run_info()]), r"run\.json:1: run\.json must hold a JSON object"),
    ("run-not-utf8", "run.json", read_run_info, _json(_run_info()).replace(b'"m"', b'"\xfe"'),
     r"run\.json:3: not UTF-8 text: byte 0xfe at column 14"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "reader", "content", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_text_file_names_file_line_and_problem(
    tmp_path: Path, name: str, reader: Callable[[Path], Any], content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileFormatError, match=message) as info:
        reader(path)
    text = str(info.value)
    assert "\n" not in text and text.startswith(str(path))


GOOD: list[tuple[str, str, Callable[[Path], Any], bytes]] = [
    ("binary", "Pan_Left.jsonl", read_binary_file, _jsonl(_binary_rows())),
    ("vqa", "moving.jsonl", read_vqa_file, _jsonl([_vqa_row()])),
    ("captions", "caption_data.json", read_caption_file, _json(_caption_items())),
    ("manifest", "manifest.json", _read_manifest, _json(_manifest())),
    ("scores", "scores.jsonl", read_scores, _jsonl(_score_rows())),
    ("captions-jsonl", "captions.jsonl", read_captions, _jsonl(_caption_rows())),
    ("run", "run.json", read_run_info, _json(_run_info())),
]


@pytest.mark.parametrize(("name", "reader", "content"), [g[1:] for g in GOOD], ids=[g[0] for g in GOOD])
def test_byte_order_mark_is_read_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str, reader: Callable[[Path], Any], content: bytes
) -> None:
    """A leading UTF-8 BOM (Windows editors) is skipped with a warning: same content as without it."""
    plain, bom = tmp_path / "plain" / name, tmp_path / "bom" / name
    for path, data in ((plain, content), (bom, b"\xef\xbb\xbf" + content)):
        path.parent.mkdir()
        path.write_bytes(data)
    with caplog.at_level(logging.WARNING):
        assert reader(bom) == reader(plain)
    warnings = [r.getMessage() for r in caplog.records if "byte-order mark" in r.getMessage()]
    assert warnings == [f"{bom}: starts with a UTF-8 byte-order mark; reading the text after it"]


@pytest.mark.parametrize(
    ("what", "message"),
    [
        ("folder", "is a folder, not a file"),
        ("missing", "file not found"),
        (
            "broken-link",
            "is a symbolic link to '{tmp}/nowhere', which does not exist; "
            "restore that file, or point the link at the file",
        ),
    ],
)
def test_a_text_file_that_is_not_a_file(tmp_path: Path, what: str, message: str) -> None:
    path = tmp_path / "scores.jsonl"
    if what == "folder":
        path.mkdir()
    elif what == "broken-link":
        path.symlink_to(tmp_path / "nowhere")
    for reader in (read_scores, read_run_info):
        with pytest.raises(
            FileFormatError, match=f"^{re.escape(str(path))}: {re.escape(message.format(tmp=tmp_path))}$"
        ):
            reader(path)


def _dataset(root: Path) -> Path:
    data = root / "data"
    labels = data / "labels"
    (labels / "binary_classification").mkdir(parents=True)
    (labels / "binary_classification" / PAN.file).write_bytes(_jsonl(_binary_rows()))
    (labels / "vqa_and_retrieval" / "motion").mkdir(parents=True)
    (labels / "vqa_and_retrieval" / "motion" / "moving.jsonl").write_bytes(_jsonl([_vqa_row()]))
    (labels / "caption_data.json").write_bytes(_json(_caption_items()))
    (data / "manifest.json").write_bytes(_json(_manifest()))
    (data / "videos").mkdir()
    for v in VIDEOS:
        (data / "videos" / v).write_bytes(b"")
    return data


BROKEN_DATASETS = [
    ("binary", "labels/binary_classification/Pan_Left.jsonl", _jsonl(_edit(_binary_rows(), 2, image="")),
     "Pan_Left.jsonl:3: 'image' must be a video file name"),
    ("vqa", "labels/vqa_and_retrieval/motion/moving.jsonl", _jsonl([{**_vqa_row(), "images": [1, 2]}]),
     "moving.jsonl:1: 'images' must be a list of two strings"),
    ("captions", "labels/caption_data.json", _json(_edit(_caption_items(), 2, video="")),
     "caption_data.json:12: item 2: 'video' must be a video file name"),
    ("manifest", "manifest.json", _json({"clips": "a.mp4"}), "manifest.json:2: 'clips' must be a list, got str"),
    ("not-utf8", "labels/binary_classification/Pan_Left.jsonl", b"\xff\n", "Pan_Left.jsonl:1: not UTF-8 text"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("relative", "content", "message"), [b[1:] for b in BROKEN_DATASETS], ids=[b[0] for b in BROKEN_DATASETS]
)
def test_predict_refuses_a_broken_dataset_before_any_video(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, relative: str, content: bytes, message: str
) -> None:
    data = _dataset(tmp_path)
    (data / relative).write_bytes(content)
    out = tmp_path / "run"
    with caplog.at_level(logging.ERROR):
        assert main(["predict", "--data", str(data), "--method", "dummy", "--out", str(out)]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and message in errors[0] and "\n" not in errors[0]
    assert not out.exists()  # nothing written, not even run.json


def test_predict_runs_on_the_intact_dataset(tmp_path: Path) -> None:
    """The same dataset, unbroken, goes through (so the refusals above are the checks' doing)."""
    data = _dataset(tmp_path)
    assert main(["predict", "--data", str(data), "--method", "dummy", "--out", str(tmp_path / "run")]) == 0
    assert {r.video for r in read_scores(tmp_path / "run" / "dummy" / "scores.jsonl")} == set(VIDEOS)
