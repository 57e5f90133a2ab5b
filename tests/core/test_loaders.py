"""Loaders on every real public CameraBench file."""

import json
from collections import Counter

import pytest

from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError
from camerabench.labelfiles import (
    read_binary_dir,
    read_binary_file,
    read_caption_file,
    read_vqa_dir,
    read_vqa_file,
    write_caption_file,
    write_vqa_file,
)
from camerabench.taxonomy import Primitive

from ..taxonomy.test_primitives import PUBLISHED_COUNTS


def test_binary_files_counts_and_prevalence(public_data):
    data = read_binary_dir(public_data / "binary_classification")
    assert list(data) == list(Primitive)
    videos = {r.image for recs in data.values() for r in recs}
    assert len(videos) == 969
    for prim, recs in data.items():
        pos = sum(r.positive for r in recs)
        assert (pos, len(recs)) == PUBLISHED_COUNTS[prim.value]
    chance = [100 * pos / n for pos, n in PUBLISHED_COUNTS.values()]
    assert round(sum(chance) / len(chance), 1) == 12.2


def test_vqa_files(public_data, tmp_path):
    data = read_vqa_dir(public_data / "vqa_and_retrieval")
    assert len(data) == 81
    assert sum(len(v) for v in data.values()) == 3543
    assert len({skill for skill, _ in data}) == 9
    pair = data[("has_motion", "has_pan_left")][0]
    assert pair.cells[0] == (pair.pos_video, "Does the camera pan to the left?", True)
    assert pair.cells[1][2] is False
    # byte-identical round trip of every file
    for (skill, task), pairs in data.items():
        out = tmp_path / skill / f"{task}.jsonl"
        write_vqa_file(out, pairs)
        assert out.read_bytes() == (public_data / "vqa_and_retrieval" / skill / f"{task}.jsonl").read_bytes()


def test_caption_file(public_data, tmp_path):
    items = read_caption_file(public_data / "caption_data.json")
    assert len(items) == 1071
    assert Counter(i.question for i in items).most_common(1)[0][0] == "Describe the camera movement in this video."
    out = tmp_path / "caption_data.json"
    write_caption_file(out, items)
    assert out.read_bytes() == (public_data / "caption_data.json").read_bytes()


def test_dataset_folder_over_public_labels(public_data, tmp_path):
    (tmp_path / "labels").symlink_to(public_data)
    ds = Dataset(tmp_path)
    assert len(ds.binary) == 15 and len(ds.vqa) == 81 and len(ds.captions) == 1071
    questions = ds.questions()
    some_video = ds.binary[Primitive.PAN_LEFT][0].image
    texts = {q.text for q in questions[some_video]}
    assert Primitive.PAN_LEFT.question in texts
    assert ds.gt_trajectory(some_video) is None


def test_malformed_binary_line_names_file_and_line(tmp_path):
    good = {
        "image": "a.mp4",
        "question": Primitive.PAN_LEFT.question,
        "label": "Yes",
        "task": "Pan Left",
        "label_name": Primitive.PAN_LEFT.label_name,
    }
    path = tmp_path / "Pan_Left.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "label": "yes"}) + "\n")
    with pytest.raises(FileFormatError, match=r"Pan_Left.jsonl:2: label must be 'Yes' or 'No'"):
        read_binary_file(path)
    path.write_text(json.dumps(good) + "\n{not json\n")
    with pytest.raises(FileFormatError, match=r"Pan_Left.jsonl:2: invalid JSON"):
        read_binary_file(path)
    bad_q = {**good, "question": "Does the camera pan?"}
    path.write_text(json.dumps(bad_q) + "\n")
    with pytest.raises(FileFormatError, match=r":1: question .* is not the Pan Left question"):
        read_binary_file(path)
    wrong = tmp_path / "dir"
    wrong.mkdir()
    (wrong / "Tilt_Up.jsonl").write_text(json.dumps(good) + "\n")
    with pytest.raises(FileFormatError, match="holds Pan Left records, not Tilt Up"):
        read_binary_dir(wrong)


def test_malformed_vqa_and_caption(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"skill": "s", "task": "t"}) + "\n")
    with pytest.raises(FileFormatError, match=r"t.jsonl:1: missing field"):
        read_vqa_file(path)
    cap = tmp_path / "caption_data.json"
    cap.write_text('[{"video": "a.mp4"}]')
    with pytest.raises(FileFormatError, match=r"caption_data.json:1: item 0: missing field"):
        read_caption_file(cap)


def test_videos_in_subfolders_are_found_and_hidden_files_left_out(tmp_path):
    """Videos sorted into folders (by source, by day) were left out without a word."""
    for name in ("top.mp4", "drone/a.mp4", "drone/2024/b.mov", ".DS_Store", "drone/.c.mp4", ".cache/d.mp4"):
        path = tmp_path / "videos" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    (tmp_path / "videos" / "empty_folder").mkdir()
    ds = Dataset(tmp_path)
    assert ds.videos() == ["drone/2024/b.mov", "drone/a.mp4", "top.mp4"]
    assert ds.video_path("drone/a.mp4") == tmp_path / "videos" / "drone" / "a.mp4"
    assert set(ds.questions()) == {"drone/2024/b.mov", "drone/a.mp4", "top.mp4"}
