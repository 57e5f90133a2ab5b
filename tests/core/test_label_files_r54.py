"""Label files, red team R54: a ShotBench question repeated under another index (counted twice, or
with another answer scored wrong whatever the reply), a VQA pair of another task inside a task file
(scored as the file's task), and errors that named the file and line but not the cause (a NUL byte,
zeros left by a crash, a trailing comma in caption_data.json, a binary file name in other letter
case, a ground-truth ``.txt`` of a video in a subfolder told to end in ``'.npz'``)."""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path

import pytest

from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError
from camerabench.fileio import read_json
from camerabench.labelfiles import read_binary_dir, read_binary_file, read_caption_file, read_vqa_dir, read_vqa_file
from camerabench.shotbench import COLUMNS, read_mcq_table

HEADER = "\t".join(COLUMNS)
ROW = ["0", '["video"]', "['video/a.mp4']", "How does the camera move?", '{"A": "Pan left", "B": "Tilt up"}', "B",
       "camera movement"]  # fmt: skip


def _line(**cells: str) -> str:
    return "\t".join(cells.get(c, v) for c, v in zip(COLUMNS, ROW, strict=True))


def _table(tmp_path: Path, lines: list[str]) -> Path:
    (tmp_path / "video").mkdir(exist_ok=True)
    (tmp_path / "video" / "a.mp4").write_bytes(b"")
    (tmp_path / "video" / "b.mp4").write_bytes(b"")
    path = tmp_path / "t.tsv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


# --- ShotBench: the same question under another index ---------------------------------------


@pytest.mark.parametrize(
    "repeat",
    [
        _line(index="99"),
        _line(index="99", path="['./video/a.mp4']", question="How does the camera  move? "),
        _line(index="99", options='{"B": "Tilt up", "A": "Pan left"}'),  # the same options in another order
    ],
    ids=["exact", "spelling", "options-order"],
)
def test_a_question_repeated_under_another_index_is_read_once_with_a_warning_naming_both_lines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, repeat: str
) -> None:
    """Was: read as two rows (MCQ 4/6 became 4/7 when a right answer was repeated)."""
    other = _line(index="1", question="Where does the camera point?")
    path = _table(tmp_path, [_line(), other, repeat])
    with caplog.at_level(logging.WARNING, logger="camerabench.shotbench"):
        rows = read_mcq_table(path, tmp_path)
    assert [(r.index, r.line) for r in rows] == [("0", 2), ("1", 3)]
    assert f"{path}:4: row '99' repeats row '0' of line 2" in caplog.text


def test_a_question_asked_for_two_categories_is_kept_in_both_and_repeated_within_one_dropped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Red team R57: the repeat rule ignored the category, so a question asked again for another
    category was dropped and that category vanished from the per-category mean."""
    hard = _line(index="5", category="camera movement hard")
    again = _line(index="6", category="camera movement hard")  # a repeat within that category
    path = _table(tmp_path, [_line(), hard, again])
    with caplog.at_level(logging.WARNING, logger="camerabench.shotbench"):
        rows = read_mcq_table(path, tmp_path)
    assert [(r.index, r.category) for r in rows] == [
        ("0", ROW[COLUMNS.index("category")]),
        ("5", "camera movement hard"),
    ]
    assert f"{path}:4: row '6' repeats row '5' of line 3" in caplog.text


def test_a_question_repeated_with_another_answer_is_an_error_naming_both_lines(tmp_path: Path) -> None:
    """Was: both read; one of the two was scored wrong whatever the method answered."""
    path = _table(tmp_path, [_line(), _line(index="7", answer="A")])
    with pytest.raises(FileFormatError) as err:
        read_mcq_table(path, tmp_path)
    message = str(err.value)
    assert message.startswith(f"{path}:3: row '7' asks the question of row '0' (line 2 and this line")
    assert "with answer 'A', but row '0' has 'B'" in message


@pytest.mark.parametrize(
    "kept",
    [
        _line(index="1", path="['video/b.mp4']"),
        _line(index="1", question="Does the camera move?"),
        _line(index="1", options='{"A": "Pan left", "B": "Tilt down"}'),
    ],
    ids=["other-media", "other-question", "other-options"],
)
def test_a_row_differing_in_media_question_or_options_is_another_question(tmp_path: Path, kept: str) -> None:
    rows = read_mcq_table(_table(tmp_path, [_line(), kept]), tmp_path)
    assert [r.index for r in rows] == ["0", "1"]


# --- VQA: a pair of another task in a task file -----------------------------------------------


def _real_lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_real_vqa_pair_names_the_task_of_its_file(public_data: Path) -> None:
    folder = public_data / "vqa_and_retrieval"
    tasks = read_vqa_dir(folder)
    files = sorted(folder.glob("*/*.jsonl"))
    assert sorted(tasks) == [(p.parent.name, p.stem) for p in files]
    for path in files:
        assert {json.loads(line)["task"] for line in _real_lines(path)} == {path.stem}


def test_a_pair_of_another_task_in_a_task_file_is_an_error_naming_the_line_and_both_tasks(
    tmp_path: Path, public_data: Path
) -> None:
    """Was: a has_zoom_in pair appended to has_pan_left.jsonl was read and scored as has_pan_left."""
    real = public_data / "vqa_and_retrieval" / "has_motion"
    folder = tmp_path / "vqa_and_retrieval" / "has_motion"
    folder.mkdir(parents=True)
    pan = _real_lines(real / "has_pan_left.jsonl")[:2]
    zoom = _real_lines(real / "has_zoom_in.jsonl")[0]
    path = folder / "has_pan_left.jsonl"
    path.write_text("\n".join([*pan, zoom]) + "\n", encoding="utf-8")
    assert len(read_vqa_file(path)) == 3  # read alone, the file's task is not known
    with pytest.raises(FileFormatError) as err:
        read_vqa_dir(tmp_path / "vqa_and_retrieval")
    assert str(err.value).startswith(
        f"{path}:3: a pair of task 'has_zoom_in' in the task file of 'has_pan_left', among pairs of 2 tasks: every "
        "pair of a file is scored as its file's task"
    )
    path.write_text("\n".join(pan) + "\n", encoding="utf-8")
    assert [p.task for p in read_vqa_dir(tmp_path / "vqa_and_retrieval")["has_motion", "has_pan_left"]] == [
        "has_pan_left"
    ] * 2


def test_a_subset_of_one_task_saved_under_another_name_is_read_with_a_warning(
    tmp_path: Path, public_data: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Red team R57: a researcher's subset of has_pan_left.jsonl saved as pan_subset.jsonl (every pair
    names has_pan_left) was refused by the check above; it is scored under its file's name."""
    real = public_data / "vqa_and_retrieval" / "has_motion"
    folder = tmp_path / "vqa_and_retrieval" / "has_motion"
    folder.mkdir(parents=True)
    path = folder / "pan_subset.jsonl"
    path.write_text("\n".join(_real_lines(real / "has_pan_left.jsonl")[:3]) + "\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="camerabench.labelfiles"):
        pairs = read_vqa_dir(tmp_path / "vqa_and_retrieval")["has_motion", "pan_subset"]
    assert len(pairs) == 3
    assert "every pair names task 'has_pan_left', not the file's 'pan_subset'" in caplog.text


# --- messages that say the cause --------------------------------------------------------------


def _binary_copy(tmp_path: Path, public_data: Path, name: str = "Move_In.jsonl") -> Path:
    folder = tmp_path / "binary_classification"
    folder.mkdir(exist_ok=True)
    return Path(shutil.copy(public_data / "binary_classification" / name, folder / name))


def test_a_nul_byte_inside_a_record_is_named_with_its_column(tmp_path: Path, public_data: Path) -> None:
    """Was: "invalid JSON: Expecting value (column 11)"."""
    path = _binary_copy(tmp_path, public_data)
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2][:10] + b"\x00" + lines[2][10:]
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(FileFormatError) as err:
        read_binary_file(path)
    assert str(err.value).startswith(f"{path}:3: invalid JSON: holds a NUL byte (0x00, a zero byte) at column 11")


@pytest.mark.parametrize("newline", [b"", b"\n"], ids=["after-a-newline", "without-one"])
def test_zeros_at_the_end_of_a_file_are_said_to_be_what_a_crash_leaves(
    tmp_path: Path, public_data: Path, newline: bytes
) -> None:
    """Was: "invalid JSON: Expecting value (column 1); it is the last line and ends without a newline:
    the file may be cut short"."""
    path = _binary_copy(tmp_path, public_data)
    text = path.read_bytes()
    records = len(text.rstrip(b"\n").split(b"\n"))
    path.write_bytes(text.rstrip(b"\n") + newline + b"\x00" * 40 + b"\n" + b"\x00" * 24)
    with pytest.raises(FileFormatError) as err:
        read_binary_file(path)
    message = str(err.value)
    line = records + 1 if newline else records
    assert message.startswith(f"{path}:{line}: invalid JSON: ends with 64 NUL bytes (zeros)"), message
    assert "what a crash or a power loss leaves" in message and "cut short" not in message


def test_a_line_of_zeros_before_more_records_is_a_nul_byte(tmp_path: Path, public_data: Path) -> None:
    path = _binary_copy(tmp_path, public_data)
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join([lines[0], b"\x00" * 8, *lines[1:]]))
    with pytest.raises(FileFormatError) as err:
        read_binary_file(path)
    assert str(err.value).startswith(f"{path}:2: invalid JSON: holds a NUL byte (0x00, a zero byte) at column 1")


def test_a_trailing_comma_in_caption_data_is_named_on_its_line(tmp_path: Path, public_data: Path) -> None:
    """Was: "caption_data.json:<line of ']'>: invalid JSON: Expecting value (column 1)"."""
    text = (public_data / "caption_data.json").read_text(encoding="utf-8").rstrip()
    assert text.endswith("}\n]")
    path = tmp_path / "caption_data.json"
    path.write_text(text[:-2] + ",\n]", encoding="utf-8")
    comma_line = text.count("\n")  # the last item's '}' closes the line before the ']'
    with pytest.raises(FileFormatError) as err:
        read_caption_file(path)
    assert str(err.value) == (
        f"{path}:{comma_line}: invalid JSON: a ',' after the last item of a list (column 6), before its closing "
        "']': JSON allows no trailing comma; remove it"
    )


def test_a_trailing_comma_in_an_object_is_named(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text('{\n  "clips": [],\n  "seed": 1,\n}\n', encoding="utf-8")
    with pytest.raises(FileFormatError, match=re.escape(f"{path}:3: invalid JSON: a ',' after the last member")):
        read_json(path)


@pytest.mark.parametrize("name", ["move_in.jsonl", "MOVE_IN.jsonl", "Move_in.jsonl"])
def test_a_binary_file_named_in_other_letter_case_is_told_its_name(
    tmp_path: Path, public_data: Path, name: str
) -> None:
    """Was: "'move_in' is not a primitive file name" alone."""
    path = _binary_copy(tmp_path, public_data)
    path.rename(path.with_name(name))
    with pytest.raises(FileFormatError) as err:
        read_binary_dir(path.parent)
    assert str(err.value).endswith("(names are case-sensitive: rename it 'Move_In.jsonl')")


def test_a_binary_file_of_no_primitive_gets_no_rename_hint(tmp_path: Path, public_data: Path) -> None:
    path = _binary_copy(tmp_path, public_data)
    path.rename(path.with_name("Move_Inn.jsonl"))
    with pytest.raises(FileFormatError) as err:
        read_binary_dir(path.parent)
    assert str(err.value) == f"{path.with_name('Move_Inn.jsonl')}: 'Move_Inn' is not a primitive file name"


@pytest.mark.parametrize("suffix", [".txt", ".npz"])
def test_ground_truth_named_after_a_video_in_a_subfolder_names_the_stem_it_needs(tmp_path: Path, suffix: str) -> None:
    """Was: a ``gt/extra.txt`` beside ``videos/sub/extra.mp4`` was told its name is '%sub%2Fextra.mp4' + '.npz'."""
    video = tmp_path / "videos" / "sub" / "extra.mp4"
    video.parent.mkdir(parents=True)
    video.write_bytes(b"x")
    gt = tmp_path / "gt" / f"extra{suffix}"
    gt.parent.mkdir()
    gt.write_bytes(b"x")
    with pytest.raises(FileFormatError) as err:
        Dataset(tmp_path).validate()
    assert str(err.value) == (
        f"{gt}: ground truth of no video in the dataset: the ground truth of 'sub/extra.mp4' is named "
        f"'%sub%2Fextra.mp4' + '{suffix}': a video in a subfolder of videos/ has its whole name, percent-encoded, "
        "as its stem, not 'extra' (see video_file_stem)"
    )


def test_a_json_lines_record_cut_at_its_line_end_is_named_at_that_column(tmp_path: Path) -> None:
    """Red team R95: a record missing its closing brace was "Expecting ',' delimiter (column 1)": JSON's
    position was the line break's. The column is now where the line ends."""
    from camerabench.fileio import read_jsonl

    path = tmp_path / "Pan_Left.jsonl"
    path.write_text('{"video": "a.mp4", "label": "no"\n{"video": "b.mp4"}\n')
    with pytest.raises(FileFormatError, match=r"Pan_Left\.jsonl:1: invalid JSON: the line ends \(column 33\) before"):
        read_jsonl(path, lambda record: record)
