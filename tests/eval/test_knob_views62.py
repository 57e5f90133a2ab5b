"""Round 62: knob APs a researcher can read for every knob.

On a hard-preset dataset three knobs read ``n/a (0)`` for every method: large_subject's clips are
all still cameras, long_changing_motion's all pan both ways, scene_cut's labels all ambiguous.
The report's knob AP was the group alone; ``benchmarks/bench_geometry.py`` measures a knob as
the clean (no-knob) clips plus the knob's. Now both are kept, the undefined one says why from
the labels, and the naming hint is only given when the clips are absent from the label files.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from camerabench.eval.ap import PrimitiveSamples, UndefinedMetricWarning
from camerabench.eval.binary import resolve_samples
from camerabench.eval.evaluate import Evaluation
from camerabench.eval.knobs import knob_section
from camerabench.eval.report import write_report
from camerabench.eval.results import (
    BinaryCI,
    BinaryResult,
    EvaluationResult,
    KnobAP,
    MethodResult,
    PrimitiveCounts,
    ResultFormatError,
    read_metrics,
)

PRIMS = ("Pan_Left", "Tilt_Up")

#: video -> (group, label per primitive: True yes, False no, None ambiguous, absent: not in the label files)
CLIPS: dict[str, tuple[str, dict[str, bool | None]]] = {
    # clean clips, both classes on each primitive
    "c1.mp4": ("none", {"Pan_Left": True, "Tilt_Up": False}),
    "c2.mp4": ("none", {"Pan_Left": False, "Tilt_Up": True}),
    "c3.mp4": ("none", {"Pan_Left": True, "Tilt_Up": True}),
    "c4.mp4": ("none", {"Pan_Left": False, "Tilt_Up": False}),
    # a normal knob: both classes on Pan_Left, one on Tilt_Up
    "b1.mp4": ("blur", {"Pan_Left": True, "Tilt_Up": False}),
    "b2.mp4": ("blur", {"Pan_Left": False, "Tilt_Up": False}),
    "b3.mp4": ("blur", {"Pan_Left": True, "Tilt_Up": False}),
    # still cameras: every primitive a clear no (large_subject); named scene_cut to show the
    # wording comes from the labels, not from the knob's name
    "s1.mp4": ("scene_cut", {"Pan_Left": False, "Tilt_Up": False}),
    "s2.mp4": ("scene_cut", {"Pan_Left": False, "Tilt_Up": False}),
    # every label ambiguous: not in the label files (the hard preset's scene_cut)
    "x1.mp4": ("xfade", {"Pan_Left": None, "Tilt_Up": None}),
    "x2.mp4": ("xfade", {"Pan_Left": None, "Tilt_Up": None}),
}

#: hand-written scores per primitive and video
SCORES = {
    "Pan_Left": {"c1.mp4": 0.8, "c2.mp4": 0.3, "c3.mp4": 0.35, "c4.mp4": 0.6, "b1.mp4": 0.2, "b2.mp4": 0.7,
                 "b3.mp4": 0.9, "s1.mp4": 0.5, "s2.mp4": 0.1},
    "Tilt_Up": {"c1.mp4": 0.4, "c2.mp4": 0.9, "c3.mp4": 0.2, "c4.mp4": 0.1, "b1.mp4": 0.65, "b2.mp4": 0.3,
                "b3.mp4": 0.55, "s1.mp4": 0.75, "s2.mp4": 0.05},
}  # fmt: skip


def _manifest(clips: dict[str, tuple[str, dict[str, bool | None]]], renamed: bool = False) -> dict[str, Any]:
    rows = [
        {"video": v, "failure_mode": None if g == "none" else g, "knobs": {} if g == "none" else {g: True},
         "labels": dict(lab)}
        for v, (g, lab) in clips.items()
    ]  # fmt: skip
    if renamed:  # clear labels, but the label files name the clips otherwise: absent from them
        rows += [
            {"video": f"r{i}.mp4", "failure_mode": "renamed", "knobs": {"renamed": True},
             "labels": {"Pan_Left": True, "Tilt_Up": False}}
            for i in (1, 2)
        ]  # fmt: skip
    return {"clips": rows}


def _samples(clips: dict[str, tuple[str, dict[str, bool | None]]]) -> dict[str, PrimitiveSamples]:
    """What the label files hold: clear labels only (an ambiguous label is no sample)."""
    out = {}
    for p in PRIMS:
        videos = [v for v, (_, lab) in clips.items() if lab[p] is not None]
        out[p] = PrimitiveSamples(
            videos,
            np.array([bool(clips[v][1][p]) for v in videos]),
            np.array([SCORES[p][v] for v in videos]),
            np.array(["ok"] * len(videos)),
        )
    return out


def _section(
    clips: dict[str, tuple[str, dict[str, bool | None]]], renamed: bool = False
) -> tuple[dict[str, KnobAP], list[str]]:
    samples = _samples(clips)
    resolved = {p: resolve_samples(s, "lowest") for p, s in samples.items()}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = knob_section({"m": resolved}, _manifest(clips, renamed), samples={"m": samples})["m"]
    return table, [str(w.message) for w in caught if issubclass(w.category, UndefinedMetricWarning)]


def _sklearn_mean_ap(videos: set[str]) -> tuple[float, int]:
    """Mean over the primitives with both classes on ``videos`` of sklearn's AP, and their number."""
    aps = []
    for p in PRIMS:
        keep = [v for v, (_, lab) in CLIPS.items() if v in videos and lab[p] is not None]
        y = [int(bool(CLIPS[v][1][p])) for v in keep]
        if 0 < sum(y) < len(y):
            aps.append(average_precision_score(y, [SCORES[p][v] for v in keep]))
    return (float(np.mean(aps)) if aps else math.nan), len(aps)


def _group(name: str) -> set[str]:
    return {v for v, (g, _) in CLIPS.items() if g == name}


def test_both_knob_aps_match_sklearn_on_the_groups_alone_and_with_the_clean_clips() -> None:
    table, _ = _section(CLIPS)
    clean = _group("none")
    for knob in ("blur", "scene_cut", "xfade"):
        alone, n_alone = _sklearn_mean_ap(_group(knob))
        both, n_both = _sklearn_mean_ap(clean | _group(knob))
        got = table[knob]
        assert got.primitives == n_alone and got.with_clean_primitives == n_both, knob
        if math.isnan(alone):
            assert math.isnan(got.mean_ap), knob
        else:
            assert got.mean_ap == pytest.approx(alone), knob
        assert got.with_clean_ap == pytest.approx(both), knob
        # the counts stay those of the knob's clips
        assert (got.clips, got.failed, got.missing, got.dropped) == (len(_group(knob)), 0, 0, 0)
    assert (table["blur"].primitives, table["scene_cut"].primitives, table["xfade"].primitives) == (1, 0, 0)
    # the ambiguous clips add no sample: with the clean clips it is the clean clips' AP
    assert table["xfade"].with_clean_ap == pytest.approx(_sklearn_mean_ap(clean)[0])
    assert table["none"].with_clean_ap == pytest.approx(table["none"].mean_ap)
    assert table["none"].mean_ap == pytest.approx(_sklearn_mean_ap(clean)[0])


def test_an_undefined_knob_ap_says_why_from_the_labels_and_blames_names_only_when_absent() -> None:
    table, texts = _section(CLIPS, renamed=True)
    assert table["blur"].note is None and table["none"].note is None
    assert table["scene_cut"].note == "no primitive has both a clear yes and a clear no on its 2 clips"
    assert table["xfade"].note == (
        "no primitive has both a clear yes and a clear no on its 2 clips (every label of its clips is ambiguous, "
        "as the taxonomy's rule 1 makes a clip across a scene cut)"
    )
    by_knob = {k: [t for t in texts if f"knob {k!r}" in t] for k in ("scene_cut", "xfade", "renamed")}
    assert all(len(v) == 1 for v in by_knob.values()), by_knob
    assert "named as the label files name them" not in by_knob["xfade"][0]
    assert "named as the label files name them" not in by_knob["scene_cut"][0]
    assert "(4 samples, 0 positive)" in by_knob["scene_cut"][0]
    # clear labels in the manifest, absent from the label files: here the names are the suspect
    renamed = table["renamed"].note
    assert renamed is not None and renamed.startswith("none of its clips is among the labelled samples")
    assert "the label files name clips e.g. 'c1.mp4', the group e.g. 'r1.mp4'" in renamed


def test_without_clean_clips_the_ap_with_them_is_nan_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    hard = {v: c for v, c in CLIPS.items() if c[0] != "none"}
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.knobs"):
        table, _ = _section(hard)
    assert "none" not in table
    assert all(math.isnan(e.with_clean_ap or 0.0) and e.with_clean_primitives == 0 for e in table.values())
    assert table["blur"].mean_ap == pytest.approx(_sklearn_mean_ap(_group("blur"))[0])
    assert any("the dataset has no clean clip" in r.getMessage() for r in caplog.records)


def _result(knobs: dict[str, KnobAP]) -> EvaluationResult:
    nan = (math.nan, math.nan)
    binary = BinaryResult(
        0.5, {"Pan_Left": 0.5, "Tilt_Up": 0.5}, 0, 0, 8, {"Pan_Left": 0.5, "Tilt_Up": 0.5}, 0.5,
        BinaryCI({"Pan_Left": nan, "Tilt_Up": nan}, nan), {"Pan_Left": 0.5, "Tilt_Up": 0.5}, 0.5,
        {p: PrimitiveCounts(4, 4, 2, 4, 0, 0, 0) for p in ("Pan_Left", "Tilt_Up")}, 2, "lowest", {},
    )  # fmt: skip
    return EvaluationResult("d", "r", "lowest", 0, 0, methods={"m": MethodResult(binary=binary)}, knobs={"m": knobs})


def test_metrics_json_keeps_the_new_fields_and_older_documents_still_read(tmp_path: Path) -> None:
    knobs = {
        "blur": KnobAP(0.5, 1, 3, 6, 0, 0, 0, with_clean_ap=0.75, with_clean_primitives=2),
        "xfade": KnobAP(math.nan, 0, 2, 0, 0, 0, 0, with_clean_ap=math.nan, with_clean_primitives=0, note="why"),
    }
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(_result(knobs).to_json()))
    back = read_metrics(path).knobs["m"]
    assert (back["blur"].with_clean_ap, back["blur"].with_clean_primitives, back["blur"].note) == (0.75, 2, None)
    # written as null (undefined): read back as NaN, not as "not computed"
    assert back["xfade"].with_clean_ap is not None and math.isnan(back["xfade"].with_clean_ap)
    assert back["xfade"].note == "why"
    old = {"mean_ap": 0.5, "primitives": 1, "clips": 3, "samples": 6, "failed": 0, "missing": 0, "dropped": 0}
    path.write_text(json.dumps({**_result(knobs).to_json(), "knobs": {"m": {"blur": old}}}))
    back_old = read_metrics(path).knobs["m"]["blur"]
    assert (back_old.with_clean_ap, back_old.with_clean_primitives, back_old.note) == (None, None, None)
    assert "with_clean_ap" not in back_old.to_dict()
    with pytest.raises(ResultFormatError, match="with_clean_ap is recorded but with_clean_primitives is not"):
        KnobAP.from_dict({**old, "with_clean_ap": 0.5})


class _NoDataset:
    manifest: dict[str, Any] = {}  # noqa: RUF012
    vqa: dict[Any, Any] = {}  # noqa: RUF012


def test_the_report_shows_both_aps_and_why_one_is_undefined(tmp_path: Path) -> None:
    table, _ = _section(CLIPS)
    result = EvaluationResult("d", "r", "lowest", 0, 0, methods={"m": MethodResult()}, knobs={"m": table})
    md = write_report("d", "r", tmp_path, evaluation=Evaluation(result, _NoDataset(), {}), gallery=0)
    text = md.read_text(encoding="utf-8")
    assert "| knob | clips | m | m + clean |" in text
    both = table["scene_cut"].with_clean_ap
    assert both is not None
    assert f"| scene_cut | 2 | n/a (0) | {100 * both:.1f} (2) |" in text
    assert "bench_geometry.py" in text
    assert "scene_cut: no primitive has both a clear yes and a clear no on its 2 clips;" in text
    assert "xfade: no primitive has both a clear yes and a clear no on its 2 clips (every label of its clips" in text
    with (tmp_path / "knobs.csv").open(encoding="utf-8") as fh:
        rows = {r["knob"]: r for r in csv.DictReader(fh)}
    assert float(rows["blur"]["with_clean_ap"]) == pytest.approx(table["blur"].with_clean_ap)
    assert rows["blur"]["with_clean_primitives"] == "2" and rows["blur"]["note"] == ""
    assert rows["xfade"]["note"].startswith("no primitive has both a clear yes")
    # a metrics.json older than the AP with the clean clips: the table as before, CSV cells empty
    old = {"blur": KnobAP(0.5, 1, 3, 6)}
    result = EvaluationResult("d", "r", "lowest", 0, 0, methods={"m": MethodResult()}, knobs={"m": old})
    text = write_report(
        "d",
        "r",
        tmp_path / "old",
        evaluation=Evaluation(result, _NoDataset(), {}),
        gallery=0,
    ).read_text(encoding="utf-8")
    assert "| knob | clips | m |" in text and "+ clean" not in text
    with (tmp_path / "old" / "knobs.csv").open(encoding="utf-8") as fh:
        (row,) = list(csv.DictReader(fh))
    assert (row["with_clean_ap"], row["with_clean_primitives"], row["note"]) == ("", "", "")
