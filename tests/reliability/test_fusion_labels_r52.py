"""Red-team round 52: fusion stacked on a fusion run, fusion.json errors without a line, label
errors echoing a whole field.

- ``train --method fusion --inputs fast,fusion`` trained on the scores of an earlier fusion run
  (fitted to the same labels), and the later ``predict --method fusion --out RUN`` collided with
  that input's own folder; a copied fusion run under another name was read too.
- A malformed ``fusion.json`` was named by file only (``a coefficient must be a finite number``:
  which one, on which line?), and an unknown feature name (``dummy.foo``) or a negative
  regularisation ``c`` loaded without a word.
- A 30 MB ``task`` of a label file was echoed whole in ``unknown primitive '...'`` (a 30 MB error
  line); so were the other fields its messages quote.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from camerabench.baselines.fusion import FUSION_FILE, FusionModel, SharedStack, feature_names, train_fusion
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.labelfiles import read_binary_file, read_caption_file, read_vqa_file, write_binary_file
from camerabench.records import RunInfo, ScoreRecord, write_run_info, write_scores
from camerabench.runfolder import MethodFolder
from camerabench.taxonomy import BinaryRecord, Primitive

PAN, TILT = Primitive.PAN_LEFT, Primitive.TILT_UP
VIDEOS = [f"v{i}.mp4" for i in range(6)]
LONG = "x" * 100_000  # stands for the 30 MB field: the same code path, quicker to write and read


# --------------------------------------------------------------------------- 1: fusion on a fusion run


def _run(root: Path) -> tuple[Path, Path]:
    """A dataset of 6 videos labelled for Pan_Left and Tilt_Up, and input ``a``'s scores."""
    data, run = root / "data", root / "run"
    for prim in (PAN, TILT):
        write_binary_file(
            data / "labels" / "binary_classification" / prim.file,
            [BinaryRecord.make(v, prim, i % 2 == 0) for i, v in enumerate(VIDEOS)],
        )
    (data / "videos").mkdir(parents=True)
    for v in VIDEOS:
        (data / "videos" / v).write_bytes(b"")
    _scores(run, "a", "a")
    return data, run


def _scores(run: Path, folder: str, method: str, kind: str | None = None) -> None:
    """``RUN/<folder>/`` holding scores of every labelled sample, by ``method`` (of ``kind``)."""
    recs = [
        ScoreRecord(v, p.question, method, float(i % 2) + 0.1 * i, primitive=p.value)
        for i, v in enumerate(VIDEOS)
        for p in (PAN, TILT)
    ]
    write_scores(MethodFolder.of(run, folder).scores, recs)
    if kind is not None:
        write_run_info(MethodFolder.of(run, folder).run_info, RunInfo(method=method, method_kind=kind))


@pytest.mark.parametrize(
    ("folder", "method", "kind", "message"),
    [
        # old: trained ("trained fusion of a, fusion"); predict --out RUN then wrote into the input's folder
        ("fusion", "fusion", "fusion", r"fusion input 'fusion' is fusion's own output folder \(RUN/fusion/"),
        ("fusion", "fusion", None, r"fusion input 'fusion' is fusion's own output folder"),
        # old: trained on it (a run of a fusion-kind method under another name)
        ("stack", "stack", "fusion", r"fusion input 'stack': .*stack holds a fusion run's scores \(method 'stack', "),
        # old: "holds a run of method 'fusion' ... (--inputs fusion)": advice to stack on fusion's own folder
        ("old", "fusion", "fusion", r"fusion input 'old': .*old holds a fusion run's scores \(method 'fusion', "),
        ("old", "fusion", None, r"fusion input 'old': .*old holds a fusion run's scores \(method 'fusion'\)"),
    ],
)
def test_fusion_refuses_a_fusion_run_as_its_input_before_fitting(
    tmp_path: Path, folder: str, method: str, kind: str | None, message: str
) -> None:
    data, run = _run(tmp_path)
    _scores(run, folder, method, kind)
    out = tmp_path / "model"
    with pytest.raises(CameraBenchError, match=message) as err:
        train_fusion(data, run, ["a", folder], out, n_splits=2, inner_repeats=1)
    assert "leave it out of --inputs" in str(err.value)
    assert not out.exists()  # refused before anything was fitted or written


# --------------------------------------------------------------------------- 2: fusion.json lines


def _model(interactions: bool = False) -> FusionModel:
    inputs, prims = ["a", "b"], [PAN.value, TILT.value]
    n = len(feature_names(inputs, prims, interactions))
    std = [[[1.0, 0.0, 1.0], [2.0, 0.5, 1.5]] for _ in prims]

    def stack(scale: float) -> SharedStack:
        variant = "interactions" if interactions else "shared"
        coef = [scale * (k + 1) for k in range(n)]
        return SharedStack("logistic", prims, std, variant=variant, c=0.1, coef=coef, intercept=-0.5)

    return FusionModel(
        inputs=inputs,
        video_folds={v: i % 2 for i, v in enumerate(VIDEOS)},
        primitives={p: {"samples": 6, "positives": 3, "all_inputs_failed": 0} for p in prims},
        full=stack(1.0),
        folds={0: stack(0.5), 1: stack(0.25)},
    )


def _write(tmp_path: Path, obj: dict[str, Any]) -> Path:
    (tmp_path / "m").mkdir(exist_ok=True)
    path = tmp_path / "m" / FUSION_FILE
    path.write_text(json.dumps(obj, indent=1, allow_nan=True))
    return path


def _line(path: Path, marker: str) -> int:
    """The line of ``path`` starting with ``marker`` (once), white space aside."""
    lines = [i for i, text in enumerate(path.read_text().splitlines(), start=1) if text.strip().startswith(marker)]
    assert len(lines) == 1, (marker, lines)
    return lines[0]


def _set_features(o: dict[str, Any]) -> None:
    o["features"][1] = "a.foo"


def _del_intercept(o: dict[str, Any]) -> None:
    del o["full"]["intercept"]


@pytest.mark.parametrize(
    ("edit", "marker", "message"),
    [
        # old: "malformed fusion model: a coefficient must be a finite number, got nan" (no line, no member)
        (lambda o: o["full"]["coef"].__setitem__(0, math.nan), "NaN", "full.coef[0]: a coefficient must be a finite"),
        (lambda o: o["folds"]["1"]["coef"].__setitem__(2, math.inf), "Infinity", "folds.1.coef[2]: a coefficient"),
        (
            lambda o: o["full"].update(intercept="0.5"),
            '"intercept": "0.5"',
            "full: intercept must be a finite number, got '0.5'",
        ),
        (_del_intercept, '"full": {', "full: missing member 'intercept'"),
        (
            lambda o: o["full"].update(variant="weird"),
            '"variant": "weird"',
            "full.variant: unknown fusion variant 'weird'",
        ),
        (
            lambda o: o["video_folds"].update({"v3.mp4": 1.5}),
            '"v3.mp4": 1.5',
            "video_folds.v3.mp4: a video's fold must be",
        ),
        # old: loaded (an unknown feature name, a negative or zero regularisation strength)
        (_set_features, '"a.foo"', "features[1]: unknown feature 'a.foo': a feature is <input>.z or <input>.failed"),
        (lambda o: o["full"].update(c=-1), '"c": -1', "full: c (the inverse L2 strength) must be positive"),
        (lambda o: o["folds"]["0"].update(c=0), '"c": 0,', "folds.0: c (the inverse L2 strength) must be positive"),
        (
            lambda o: o.update(features=list(reversed(o["features"]))),
            '"features"',
            r"features (b.failed, a.failed, b.z, a.z) are not the model's, in its coefficients' order (a.z, b.z",
        ),
        # old: loaded; predict --out RUN would then write into its own input's folder
        (
            lambda o: o["inputs"].__setitem__(1, "fusion"),
            '"fusion"',
            "inputs[1]: 'fusion' is the folder fusion's own scores are written to, no input",
        ),
    ],
)
def test_a_malformed_fusion_model_names_file_line_and_member(
    tmp_path: Path, edit: Any, marker: str, message: str
) -> None:
    obj = _model().to_dict()
    edit(obj)
    path = _write(tmp_path, obj)
    with pytest.raises(FileFormatError) as err:
        FusionModel.load(path.parent)
    assert str(err.value).startswith(f"{path}:{_line(path, marker)}: malformed fusion model: {message}"), str(err.value)


@pytest.mark.parametrize("interactions", [False, True])
def test_a_model_file_as_written_loads_with_its_features(tmp_path: Path, interactions: bool) -> None:
    model = _model(interactions)
    model.save(tmp_path)
    again = FusionModel.load(tmp_path)
    assert again.to_dict() == model.to_dict()
    assert json.loads((tmp_path / FUSION_FILE).read_text())["features"] == model.features


# --------------------------------------------------------------------------- 3: long label fields


def _binary_line(**fields: Any) -> str:
    prim = Primitive.MOVE_IN
    rec = {
        "image": "a.mp4",
        "question": prim.question,
        "label": "Yes",
        "task": prim.task,
        "label_name": prim.label_name,
    }
    return json.dumps({**rec, **fields}) + "\n"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        # old: "unknown primitive 'xxx...x'" with the 100,000 x's (a 30 MB line for a 30 MB task)
        (
            {"task": LONG},
            r"Move_In\.jsonl:1: unknown primitive 'x{120}'\.\.\. \(100000 characters\) \(valid names: Move_In, ",
        ),
        ({"task": "Move In" + " " * 100_000}, r"Move_In\.jsonl:1: task 'Move In {40,}\.\.\. is not written as"),
        (
            {"question": Primitive.MOVE_IN.question + LONG},
            r":1: question 'Does the camera .*x\.\.\. is not the Move In",
        ),
        ({"label_name": LONG}, r":1: label_name 'x+\.\.\. is not the Move In label name"),
        ({"image": "a/" * 20_000 + "\ud800.mp4"}, r":1: 'image' holds a lone surrogate escape, not text: 'a/a/"),
    ],
)
def test_a_long_binary_label_field_is_shortened_in_its_error(
    tmp_path: Path, fields: dict[str, Any], message: str
) -> None:
    path = tmp_path / "Move_In.jsonl"
    path.write_text(_binary_line(**fields))
    with pytest.raises(FileFormatError, match=message) as err:
        read_binary_file(path)
    assert len(str(err.value)) < 1000, len(str(err.value))


def test_a_long_video_labelled_both_ways_is_shortened(tmp_path: Path) -> None:
    path = tmp_path / "Move_In.jsonl"
    video = "d/" * 20_000 + "a.mp4"
    path.write_text(_binary_line(image=video) + _binary_line(image=video, label="No"))
    with pytest.raises(FileFormatError, match=r":2: d/d/d.*\.\.\. is labelled both 'Yes' and 'No' for 'Does") as err:
        read_binary_file(path)
    assert len(str(err.value)) < 1000  # old: the 40,005-character name whole


def _vqa(**fields: Any) -> str:
    obj = {
        "skill": "sk",
        "task": "t",
        "images": ["a.mp4", "b.mp4"],
        "texts": ["pos", "neg"],
        "pos_video": "a.mp4",
        "neg_video": "b.mp4",
        "pos_text": "pos",
        "neg_text": "neg",
        "pos_question": "Is it one?",
        "neg_question": "Is it two?",
    }
    obj.update(fields)
    return json.dumps(obj) + "\n"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        # old: the 100,000-character text whole, in each of these
        (
            [_vqa(texts=[LONG, LONG], pos_text=LONG, neg_text=LONG)],
            r":1: pos_text and neg_text are the same text 'x+\.\.\.",
        ),
        (
            [_vqa(pos_question=LONG, neg_question=LONG)],
            r":1: pos_question and neg_question are the same question 'x+\.\.\.",
        ),
        (
            [
                _vqa(pos_question=LONG),
                _vqa(images=["b.mp4", "a.mp4"], pos_video="b.mp4", neg_video="a.mp4", pos_question=LONG),
            ],
            r":2: b\.mp4 is expected to answer 'No' and 'Yes' to 'x+\.\.\. \(line 1 and this line\)",
        ),
    ],
)
def test_a_long_vqa_field_is_shortened_in_its_error(tmp_path: Path, lines: list[str], message: str) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text("".join(lines))
    with pytest.raises(FileFormatError, match=message) as err:
        read_vqa_file(path)
    assert len(str(err.value)) < 1000, len(str(err.value))


def test_a_long_caption_question_is_shortened_in_its_error(tmp_path: Path) -> None:
    path = tmp_path / "caption_data.json"
    items = [{"video": "a.mp4", "question": "Describe it.", "answer": "A pan."}]
    items.append({"video": "b.mp4", "question": LONG, "answer": "A tilt."})
    path.write_text(json.dumps(items, indent=4))
    with pytest.raises(FileFormatError, match=r"item 1 asks 'x+\.\.\., item 0 asks 'Describe it\.'") as err:
        read_caption_file(path)
    assert len(str(err.value)) < 1000
