"""``--resume`` mends a last line an interrupted append left without its line break; a last line
no append can have left is refused with the file untouched. A records file saved with carriage
returns alone between its records (old Mac line ends) was one unbroken "line", taken for a torn
record and truncated to nothing: every record lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from camerabench.errors import FileFormatError
from camerabench.jobs.runner import run_predict
from camerabench.runfolder import MethodFolder


def _scores(out: Path) -> Path:
    return MethodFolder.of(out, "dummy").output("predict")


@pytest.mark.parametrize(
    ("rewrite", "message"),
    [
        (lambda text: text.replace("\n", "\r"), r":1: records separated by a carriage return alone \(CR"),
        (
            lambda text: text + json.dumps([json.loads(line) for line in text.splitlines()]),
            r"the last line is a JSON list, not a record",
        ),
        (lambda text: text + "garbage without a line break", r"is not the start of a record"),
    ],
    ids=["cr-line-ends", "json-array-appended", "foreign-text"],
)
def test_a_last_line_no_interrupted_run_leaves_is_refused_and_kept(
    data: Path, tmp_path: Path, rewrite: object, message: str
) -> None:
    out = tmp_path / "out"
    run_predict(data, "dummy", out)
    scores = _scores(out)
    edited = rewrite(scores.read_text())  # type: ignore[operator]
    scores.write_bytes(edited.encode())
    with pytest.raises(FileFormatError, match=message):
        run_predict(data, "dummy", out, resume=True)
    assert scores.read_bytes() == edited.encode()  # old (CR): truncated to 0 bytes


def test_a_torn_last_record_is_still_dropped_and_its_video_run_again(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_predict(data, "dummy", out)
    scores = _scores(out)
    full = scores.read_bytes()
    scores.write_bytes(full[: len(full) - 7])  # cut mid-record, as a crash mid-append leaves it
    run_predict(data, "dummy", out, resume=True)
    assert sorted(scores.read_bytes().splitlines()) == sorted(full.splitlines())
