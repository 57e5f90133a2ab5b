"""Hostile dataset folders and arguments found by a sweep: each is one clear error naming the file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from camerabench.cli import main
from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError


@pytest.mark.parametrize("name", ["binary_classification", "vqa_and_retrieval", "caption_data.json"])
def test_labels_at_the_dataset_root_are_an_error_not_ignored(
    name: str, public_data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The public download has its label files at its root; beside ``videos/`` they were never
    read, and ``predict`` scored the videos on the default questions without a word."""
    data = tmp_path / "data"
    (data / "videos").mkdir(parents=True)
    (data / "videos" / "clip.mp4").write_bytes(b"not decoded: the labels stop the run first")
    src = public_data / name
    if src.is_dir():
        shutil.copytree(src, data / name)
    else:
        shutil.copy(src, data / name)

    with pytest.raises(FileFormatError, match="move it to labels/") as err:
        Dataset(data).validate()
    assert err.value.path == data / name

    out = tmp_path / "run"
    code = main(["predict", "--data", str(data), "--method", "dummy", "--out", str(out)])
    assert code == 1
    assert f"{data / name}: label files are read from {data / 'labels'}" in caplog.text
    assert not out.exists()


@pytest.mark.parametrize("frames", ['"25"', "25.0", "true", "0", "-4"])
def test_a_manifest_frame_count_that_is_not_a_count_is_an_error(frames: str, tmp_path: Path) -> None:
    """A frame count the ground-truth check cannot use made validate skip that check silently."""
    (tmp_path / "videos").mkdir()
    (tmp_path / "manifest.json").write_text(
        '{\n  "clips": [\n    {"video": "a.mp4",\n     "frames": ' + frames + "}\n  ]\n}\n"
    )
    with pytest.raises(FileFormatError, match=r"clips\[0\]\.frames must be an integer >= 1") as err:
        Dataset(tmp_path).validate()
    assert err.value.path == tmp_path / "manifest.json"
    assert err.value.line == 4


def test_a_manifest_frame_count_that_is_a_count_is_read(tmp_path: Path) -> None:
    (tmp_path / "videos").mkdir()
    (tmp_path / "manifest.json").write_text(json.dumps({"clips": [{"video": "a.mp4", "frames": 25}]}))
    Dataset(tmp_path).validate()
