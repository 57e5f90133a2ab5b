"""Stop 40: the "no scored sample" note names only primitives whose AP the mean includes.

A primitive of one class (no positive, say) has an undefined AP and is left out of the mean AP,
whether or not the method scored it; the note used to call its AP "the chance level" and say the
mean AP included it, beside the warning that the mean leaves it out.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from camerabench.eval.ap import PrimitiveSamples
from camerabench.eval.binary import binary_section
from camerabench.eval.report import _chance_knobs
from camerabench.eval.results import BinaryResult
from camerabench.taxonomy import Primitive

PAN, ZOOM, TILT = Primitive.PAN_LEFT, Primitive.ZOOM_IN, Primitive.TILT_UP
VIDEOS = ["a.mp4", "b.mp4", "c.mp4", "d.mp4"]


def _samples(labels: list[bool], ok: bool) -> PrimitiveSamples:
    scores = np.linspace(1, 0, len(labels)) if ok else np.full(len(labels), math.nan)
    status = np.array(["ok" if ok else "failed"] * len(labels))
    return PrimitiveSamples(VIDEOS[: len(labels)], np.array(labels), scores, status, {})


def _section(samples: dict[Primitive, PrimitiveSamples]) -> BinaryResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return binary_section(samples, policy="lowest", n_bootstrap=0)[0]  # type: ignore[arg-type]


def test_one_class_primitive_failed_everywhere_is_not_called_chance_level() -> None:
    section = _section(
        {
            PAN: _samples([True, False, True, False], ok=True),
            ZOOM: _samples([False] * 4, ok=False),  # no positive: undefined AP, left out of the mean
        }
    )
    assert math.isnan(section.per_primitive[ZOOM.value])
    assert section.mean_ap == section.per_primitive[PAN.value]
    assert section.note is None or ZOOM.value not in section.note
    assert _chance_knobs(section) is None


def test_two_class_primitive_failed_everywhere_is_still_named() -> None:
    section = _section(
        {
            PAN: _samples([True, False, True, False], ok=True),
            ZOOM: _samples([False] * 4, ok=False),
            TILT: _samples([True, False, False, False], ok=False),  # AP = prevalence, in the mean
        }
    )
    assert section.per_primitive[TILT.value] == 0.25
    assert section.note is not None
    assert f"1 primitive(s) with no scored sample: {TILT.value} (4 failed, 0 missing)" in section.note
    knob = _chance_knobs(section)
    assert knob is not None and knob.startswith(f"1 primitive(s) with no scored sample ({TILT.value})")
