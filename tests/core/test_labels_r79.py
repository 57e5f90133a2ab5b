"""Label files, red team R79: a VQA question that is a primitive's question written slightly
otherwise (no final ``?``, a zero-width space inside, a Cyrillic letter drawn as a Latin one) was read
as a question of its own, so a Yes there against the binary file's No for the same video passed; a
label file that is a broken symbolic link or a link loop was "file not found"; a folder named as a
label file was warned about ("not read") and then refused, two messages for one folder."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError
from camerabench.labelfiles import read_binary_dir, read_vqa_dir, read_vqa_file
from camerabench.taxonomy import Primitive

RIGHT = Primitive("Pan_Right")
LEFT = Primitive("Pan_Left")
NEG = "Is the camera free from any pan to the right?"  # a question of no primitive


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _binary(video: str, label: str, prim: Primitive = RIGHT) -> dict[str, Any]:
    return {"image": video, "question": prim.question, "label": label, "task": prim.task, "label_name": prim.label_name}


def _pair(pos: str, neg: str, pos_q: str, neg_q: str = NEG) -> dict[str, Any]:
    return {
        "skill": "has_motion",
        "task": "has_pan_right",
        "images": [pos, neg],
        "texts": [pos_q, neg_q],
        "pos_video": pos,
        "neg_video": neg,
        "pos_text": pos_q,
        "neg_text": neg_q,
        "pos_question": pos_q,
        "neg_question": neg_q,
    }


def _dataset(root: Path, question: str) -> tuple[Dataset, Path]:
    """b.mp4 labelled No for Pan Right in the binary file, and the positive video (expected Yes) of
    a VQA pair asking ``question``."""
    (root / "videos").mkdir(parents=True)
    for v in ("a.mp4", "b.mp4"):
        (root / "videos" / v).write_bytes(b"")
    _jsonl(root / "labels" / "binary_classification" / RIGHT.file, [_binary("b.mp4", "No")])
    vqa = _jsonl(
        root / "labels" / "vqa_and_retrieval" / "has_motion" / "has_pan_right.jsonl",
        [_pair("b.mp4", "a.mp4", question)],
    )
    return Dataset(root), vqa


# --- 1. a primitive's question written slightly otherwise ----------------------------------------


@pytest.mark.parametrize(
    ("question", "how"),
    [
        ("Does the camera pan to the right", "without its final '?'"),
        ("Does the camera pan to the right.", "ending in '.'"),
        ("Does the camera pan to the right?.", "ending in '?.'"),
        (
            "Does \u200bthe camera pan to the right?",
            "with invisible character(s) U+200B ZERO WIDTH SPACE at position 6",
        ),
        ("Does the camera pan to the right\u2060?", "with invisible character(s) U+2060 WORD JOINER at position 33"),
        (
            "\ufeffDoes the camera pan to the right?",
            "with invisible character(s) U+FEFF ZERO WIDTH NO-BREAK SPACE at position 1",
        ),
        (
            "Does the camera pan to the \uff52ight?",
            "in compatibility characters (full-width letters, ligatures; NFKC form differs)",
        ),
        (
            "Does the c\u0430mera pan to the right?",
            "with look-alike character(s) at position 11 (U+0430 CYRILLIC SMALL LETTER A, not 'a')",
        ),
        (
            "D\u03bfes the camera pan to the right",  # Greek omicron, and no final '?'
            "with look-alike character(s) at position 2 (U+03BF GREEK SMALL LETTER OMICRON, not 'o')",
        ),
        (
            "Does the camera p\u0430n to the rig\u04bbt?",
            "with look-alike character(s) at position 18 (U+0430 CYRILLIC SMALL LETTER A, not 'a'), "
            "31 (U+04BB CYRILLIC SMALL LETTER SHHA, not 'h')",
        ),
        (
            "Does the camera pan to the r\u00efght?",
            "with look-alike character(s) at position 29 (U+00EF LATIN SMALL LETTER I WITH DIAERESIS, not 'i')",
        ),
    ],
    ids=[
        "no-qmark",
        "period",
        "extra-period",
        "zwsp",
        "word-joiner",
        "bom",
        "fullwidth",
        "cyrillic-a",
        "greek-o",
        "two",
        "diaeresis",
    ],
)
def test_a_primitive_question_written_otherwise_is_an_error_naming_how(tmp_path: Path, question: str, how: str) -> None:
    """Was: read as another question; the pair's Yes for b.mp4 against the binary No passed."""
    ds, vqa = _dataset(tmp_path / "d", question)
    with pytest.raises(FileFormatError) as info:
        ds.validate()
    assert (info.value.path, info.value.line) == (vqa, 1)
    assert info.value.problem == (
        f"'pos_question' {question!r} is the Pan Right question {how}: {RIGHT.question!r}; write it as that "
        "question (written otherwise it is asked as another one, and its answers are not checked against the "
        "binary labels)"
    )


def test_written_as_the_primitive_question_the_contradiction_is_found(tmp_path: Path) -> None:
    """The reference: the canonical spelling of the same pair is refused as a contradiction."""
    ds, _ = _dataset(tmp_path / "d", RIGHT.question)
    with pytest.raises(FileFormatError, match=r"expects 'Yes' from b\.mp4 .* expects 'No'"):
        ds.validate()


@pytest.mark.parametrize(
    "question",
    [
        "Does the camera pan to the rght?",  # an ASCII letter missing: no look-alike
        "Does the camera pan to the righ?",
        "Does the camera pan to the night?",  # an ASCII letter for another: another word
        "Does the camera pan to the right quickly?",
        "Does the camera pan to the right, then tilt?",
        "Does the cam\u00e9ra pan to the light?",  # a non-ASCII letter, but an ASCII one differs too
        "Does the camera pan to the \u0432\u043b\u0435\u0432\u043e?",  # Russian 'left', as long as 'right'
        "Does the camera pan to the \u043b\u0435\u0432\u043e?",  # Russian 'left', as long as 'left' (Pan Left)
    ],
)
def test_a_question_differing_in_a_real_word_stays_a_question_of_its_own(tmp_path: Path, question: str) -> None:
    path = _jsonl(tmp_path / "has_motion" / "has_pan_right.jsonl", [_pair("b.mp4", "a.mp4", question)])
    [pair] = read_vqa_file(path)
    assert pair.pos_question == question


def test_pan_left_and_pan_right_stay_two_questions(tmp_path: Path) -> None:
    both = _jsonl(tmp_path / "both.jsonl", [_pair("b.mp4", "a.mp4", RIGHT.question, LEFT.question)])
    [pair] = read_vqa_file(both)
    assert (pair.pos_question, pair.neg_question) == (RIGHT.question, LEFT.question)
    # Pan Left's question without its '?' is Pan Left's, not Pan Right's
    left = _jsonl(tmp_path / "left.jsonl", [_pair("b.mp4", "a.mp4", RIGHT.question, LEFT.question[:-1])])
    with pytest.raises(FileFormatError, match=r"is the Pan Left question without its final '\?': 'Does the camera pan"):
        read_vqa_file(left)


def test_the_public_vqa_questions_are_not_taken_for_a_primitive_question_written_otherwise(public_data: Path) -> None:
    pairs = read_vqa_dir(public_data / "vqa_and_retrieval")
    questions = {q for ps in pairs.values() for p in ps for q in (p.pos_question, p.neg_question)}
    assert len(questions) > 800
    assert {p.question for p in Primitive} & questions  # the primitive questions are among them


# --- 2. a label file that is a broken symbolic link or a link loop --------------------------------


def _binary_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "binary_classification"
    _jsonl(folder / LEFT.file, [_binary("a.mp4", "Yes", LEFT)])
    return folder


def test_a_label_file_that_is_a_broken_link_names_its_target(tmp_path: Path) -> None:
    folder = _binary_folder(tmp_path)
    (folder / RIGHT.file).symlink_to(tmp_path / "moved" / RIGHT.file)
    with pytest.raises(FileFormatError) as info:
        read_binary_dir(folder)
    assert str(info.value) == (
        f"{folder / RIGHT.file}: is a symbolic link to {str(tmp_path / 'moved' / RIGHT.file)!r}, which does not "
        "exist; restore that file, or point the link at the file"
    )


def test_a_label_file_linked_through_a_broken_link_names_where_it_ends(tmp_path: Path) -> None:
    folder = _binary_folder(tmp_path)
    (tmp_path / "hop.jsonl").symlink_to(tmp_path / "gone.jsonl")
    (folder / RIGHT.file).symlink_to("../hop.jsonl")
    with pytest.raises(FileFormatError) as info:
        read_binary_dir(folder)
    assert info.value.problem == (
        f"is a symbolic link to '../hop.jsonl', which does not exist (a link too, which ends at "
        f"{str(tmp_path / 'gone.jsonl')!r}); restore that file, or point the link at the file"
    )


@pytest.mark.parametrize("target", ["Pan_Right.jsonl", "other.lnk"], ids=["self", "two-links"])
def test_a_label_file_that_is_a_link_loop_says_so(tmp_path: Path, target: str) -> None:
    folder = _binary_folder(tmp_path)
    (folder / RIGHT.file).symlink_to(target)
    if target == "other.lnk":
        (folder / "other.lnk").symlink_to(RIGHT.file)
    with pytest.raises(FileFormatError) as info:
        read_binary_dir(folder)
    assert str(info.value) == (
        f"{folder / RIGHT.file}: is a symbolic link loop (it points to {target!r}, which leads back to it); "
        "replace the link with the file, or point it at the file"
    )


def test_a_vqa_task_file_that_is_a_link_loop_says_so(tmp_path: Path) -> None:
    path = tmp_path / "vqa" / "has_motion" / "has_pan_right.jsonl"
    path.parent.mkdir(parents=True)
    path.symlink_to(path.name)
    with pytest.raises(FileFormatError, match=r"has_pan_right\.jsonl: is a symbolic link loop \(it points to"):
        read_vqa_dir(tmp_path / "vqa")


# --- 3. a folder named as a label file: one error, no warning -------------------------------------


def test_a_folder_named_as_a_binary_label_file_is_one_error_without_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = _binary_folder(tmp_path)
    (folder / RIGHT.file).mkdir()
    (folder / "notes").mkdir()  # another subfolder: still warned about
    with caplog.at_level(logging.WARNING), pytest.raises(FileFormatError) as info:
        read_binary_dir(folder)
    assert str(info.value) == (
        f"{folder / RIGHT.file}: is a folder, not a file: a label file of this name is read here, and files "
        "inside a folder are not; remove or rename the folder (or put the label file in its place)"
    )
    assert [r.getMessage() for r in caplog.records] == [
        f"{folder / 'notes'}: a folder (holding 0 .jsonl file(s)); not read: label files sit directly in {folder}"
    ]


@pytest.mark.parametrize("name", ["Not_A_Primitive.jsonl", RIGHT.file])
def test_any_folder_named_as_a_label_file_is_said_to_be_a_folder(tmp_path: Path, name: str) -> None:
    folder = _binary_folder(tmp_path)
    (folder / name).mkdir()
    with pytest.raises(FileFormatError, match=rf"{name}: is a folder, not a file: "):
        read_binary_dir(folder)


def test_a_folder_named_as_a_vqa_task_file_is_one_error_without_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "vqa"
    _jsonl(root / "has_motion" / "has_pan_left.jsonl", [_pair("b.mp4", "a.mp4", LEFT.question)])
    (root / "has_motion" / "has_pan_right.jsonl").mkdir()
    with caplog.at_level(logging.WARNING), pytest.raises(FileFormatError) as info:
        read_vqa_dir(root)
    assert info.value.path == root / "has_motion" / "has_pan_right.jsonl"
    assert info.value.problem.startswith("is a folder, not a file: ")
    assert caplog.records == []
