"""The typed evaluation result: one dataclass per section of ``metrics.json``.

:func:`camerabench.eval.evaluate.evaluate` computes an :class:`EvaluationResult`; reports,
the command line and the demo read its attributes. ``to_dict()`` gives the JSON document
(``camerabench evaluate --json`` and the report's ``metrics.json`` are both
``strict_json(result.to_dict())``) and ``from_dict()`` reads it back. The document::

    {"data", "run", "failed_policy", "n_bootstrap", "seed",
     "methods": {NAME: {"run_info", "duplicate_records", "duplicate_captions", "duplicate_answers",
                        "binary", "vqa", "retrieval",
                        "captions", "trajectory", "calibration", "mcq", "in_progress",
                        "changed_videos"}},
     "chance": {"per_primitive", "mean_ap"},
     "comparisons": [{"a", "b", "diff", "ci95", "p_value", "n_bootstrap", "primitives", "samples", "note"}],
     "knobs": {NAME: {KNOB: {"mean_ap", "primitives", "clips", "samples", "failed", "missing", "dropped",
                             "with_clean_ap", "with_clean_primitives", "note"}}},
     "rpe_span_s"}

A field whose value is None is left out of the document (a section without labels or
outputs, an optional note), except the provenance fields of ``run_info``, written as
``null``. AP, accuracies and similarities are fractions in [0, 1]; undefined values are NaN
in memory (with an ``UndefinedMetricWarning`` where they arise) and ``null`` in strict JSON
(:func:`strict_json`); ``from_dict`` turns ``null`` back into NaN wherever a number is
expected.

Example:
    >>> KnobAP(mean_ap=0.5, primitives=3, clips=4, samples=12).to_dict()
    {'mean_ap': 0.5, 'primitives': 3, 'clips': 4, 'samples': 12}
    >>> strict_json(Chance({"Pan_Left": float("nan")}, float("nan")).to_dict())
    {'per_primitive': {'Pan_Left': None}, 'mean_ap': None}
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar, Union

import numpy as np

from camerabench.eval.failed import FAILED_POLICIES
from camerabench.fileio import read_json_document

__all__ = [
    "RETRIEVAL_CHANCE",
    "ROW_UNANSWERABLE_KEY",
    "UNANSWERABLE_KEY",
    "VQA_CHANCE",
    "BinaryCI",
    "BinaryResult",
    "CalibrationResult",
    "CaptionResult",
    "CategoryAccuracy",
    "Chance",
    "CocoMetrics",
    "Comparison",
    "CompatMetrics",
    "EvaluationResult",
    "FactScores",
    "KnobAP",
    "MCQResult",
    "MethodResult",
    "MiniLMMetrics",
    "MotionFacts",
    "PairedTest",
    "PrimitiveCounts",
    "Reliability",
    "ResultFormatError",
    "RetrievalResult",
    "RetrievalScores",
    "RunInfoSummary",
    "TrajectoryErrors",
    "TrajectoryMeans",
    "TrajectoryResult",
    "VQAResult",
    "VQAScores",
    "escaped_text",
    "json_safe",
    "read_metrics",
    "strict_json",
]

#: run.json's ``video_info[video]`` key, written by ``predict`` (the runner) for a video with
#: questions the method did not answer: found unanswerable there (a trajectory without intrinsics
#: and a zoom question) or never answered (a geometric method and a VQA question; recorded since
#: red team R17, before only the former): question text -> the method's reason, for the questions
#: asked of that video. Evaluation counts such (video, question) samples, and the paired-VQA pairs
#: with such a cell, as outside the method's coverage (``unanswerable``), not missing.
#: Defined here, the lowest layer both the runner and evaluation import.
UNANSWERABLE_KEY = "found_unanswerable"

#: ``answer_run.json``'s ``video_info["table:index"]`` key, written by ``predict`` (the runner's
#: ``NO_RECORDS_KEY``, the same text) for a multiple-choice row the method found outside what it
#: answers (it left no record: a geometric method and a shot-size row, a trajectory without
#: intrinsics and a row naming Static or a zoom): 1. Evaluation counts such a row as outside the
#: method's coverage (``unanswerable``), not missing.
ROW_UNANSWERABLE_KEY = "unanswerable_questions"

#: Metadata of a field that is kept in memory but not written to the document.
_NOT_SERIALISED = {"serialise": False}
#: Metadata of a field written as ``null`` when None (other None fields are left out).
_NULLABLE = {"nullable": True}


def _bounds(lo: float, hi: float, what: str, interval: bool = False) -> dict[str, Any]:
    """Metadata of a number field (or of every number in a dict, list or (lo, hi) interval field)
    that must lie in [lo, hi] when defined; ``interval``: the field's pairs are (lo, hi) with
    lo <= hi, both defined or both undefined."""
    return {"bounds": (lo, hi), "what": what, "interval": interval}


#: AP, accuracies, similarities, Brier scores, p-values: a fraction.
_FRACTION = _bounds(0.0, 1.0, "a fraction in [0, 1]")
#: A 95% interval of a fraction.
_FRACTION_CI = _bounds(0.0, 1.0, "a fraction in [0, 1]", interval=True)
#: A difference of two fractions (a paired test's mean AP difference).
_DIFFERENCE = _bounds(-1.0, 1.0, "a difference of fractions in [-1, 1]")
_DIFFERENCE_CI = _bounds(-1.0, 1.0, "a difference of fractions in [-1, 1]", interval=True)
#: An error (RMSE) or a score without an upper bound (CIDEr).
_NON_NEGATIVE = _bounds(0.0, math.inf, "a number of 0 or more")
#: A cosine similarity.
_COSINE = _bounds(-1.0, 1.0, "a cosine in [-1, 1]")
#: A BERTScore-style F1 of token cosines: at most 1 (below -1 where precision and recall differ in sign).
_F1_OF_COSINES = _bounds(-math.inf, 1.0, "an F1 of cosines of at most 1")
#: Rounding slack of a bound: a fraction computed as 1.0000000000000002 is read, not refused.
_BOUND_SLACK = 1e-9

S = TypeVar("S", bound="Section")


# --------------------------------------------------------------------------- (de)serialisation


def json_safe(obj: Any) -> Any:
    """Plain Python containers and numbers (numpy scalars and arrays converted; NaN stays NaN)."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return obj


#: A lone surrogate: what ``os.fsdecode`` makes of a byte of a file name that is not UTF-8
#: (``0xff`` reads ``\udcff``); no UTF-8 file, JSON document or terminal can hold one.
_SURROGATE = re.compile("[\ud800-\udfff]")
#: What a name shown on one line must not hold as it is: lone surrogates, control characters
#: (newline, tab, escape, NUL, ...), the Unicode line and paragraph separators, and Unicode's
#: directional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which would
#: turn the rest of the line around where it is shown (a table row's ``12.5`` reading ``5.21``).
_UNPRINTABLE = re.compile("[\ud800-\udfff\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape): shown as that byte
        return f"\\x{code - 0xDC00:02x}"
    return ch.encode("unicode_escape").decode("ascii")


def escaped_text(text: str, controls: bool = True) -> str:
    r"""``text`` with lone surrogates (a file name's bytes that are not UTF-8) shown as ``\xff``
    and, when ``controls``, control characters and line separators as ``\n``, ``\t``,
    ``\x1b``, and directional controls as ``\u202e``: printable on one line, shown as written
    (not reordered) and writable as UTF-8.

    Example:
        >>> escaped_text("bad\udcff"), escaped_text("a\nb\tc"), escaped_text("a\nb", controls=False)
        ('bad\\xff', 'a\\nb\\tc', 'a\nb')
        >>> escaped_text("\u202efast")
        '\\u202efast'
    """
    return (_UNPRINTABLE if controls else _SURROGATE).sub(lambda m: _escape_char(m.group()), text)


def strict_json(obj: Any) -> Any:
    """Replace NaN/inf by None so the output is standard JSON (null = undefined metric).

    Tuples become lists and numpy floats Python floats, as in JSON. A lone surrogate in a
    string or key (a path with a byte that is not UTF-8) is escaped (:func:`escaped_text`):
    no UTF-8 document can hold it.
    """
    if isinstance(obj, dict):
        return {strict_json(k): strict_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [strict_json(v) for v in obj]
    if isinstance(obj, float | np.floating):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, str):
        return escaped_text(obj, controls=False)
    return obj


def _to_plain(value: Any) -> Any:
    if isinstance(value, Section):
        return value.to_dict()
    if isinstance(value, dict):
        return {str(k): _to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_plain(v) for v in value]
    return json_safe(value)


class ResultFormatError(ValueError):
    """A document that does not fit the result's schema; ``keys`` lead to the member at fault.

    The message starts with the member's path (``methods.dummy.binary.mean_ap: ...``).
    """

    def __init__(self, problem: str, keys: tuple[str | int, ...] = ()) -> None:
        self.problem = problem
        self.keys = keys
        super().__init__(f"{_key_path(keys)}: {problem}" if keys else problem)


def _key_path(keys: tuple[str | int, ...]) -> str:
    return "".join(f"[{k}]" if isinstance(k, int) else (f".{k}" if i else k) for i, k in enumerate(keys))


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, str):
        return f"a string ({value!r:.40})"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)}"
    return f"{value!r:.40}"


def _is_real(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool | np.bool_)


def _from_plain(tp: Any, value: Any, keys: tuple[str | int, ...] = ()) -> Any:
    """``value`` (parsed JSON) converted to type ``tp``; null becomes NaN where a number is expected.

    Raises:
        ResultFormatError: ``value`` does not fit ``tp`` (naming the path ``keys``).
    """
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None:
            if type(None) in args or float in args:
                return None if type(None) in args else math.nan
            raise ResultFormatError("expected a value, got null", keys)
        if str in args and isinstance(value, str):
            return value
        others = [a for a in args if a not in (type(None), str)]
        if len(others) == 1 and not isinstance(value, str):
            return _from_plain(others[0], value, keys)
        raise ResultFormatError(f"{_type_name(value)} does not fit {tp}", keys)
    if tp is Any:
        return value
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise ResultFormatError(f"expected an object, got {_type_name(value)}", keys)
        value_type = typing.get_args(tp)[1] if typing.get_args(tp) else Any
        return {str(k): _from_plain(value_type, v, (*keys, str(k))) for k, v in value.items()}
    if origin is list:
        if not isinstance(value, list | tuple):
            raise ResultFormatError(f"expected a list, got {_type_name(value)}", keys)
        (item_type,) = typing.get_args(tp)
        return [_from_plain(item_type, v, (*keys, i)) for i, v in enumerate(value)]
    if origin is tuple:
        item_types = typing.get_args(tp)
        if not isinstance(value, list | tuple) or len(value) != len(item_types):
            raise ResultFormatError(f"expected a list of {len(item_types)}, got {_type_name(value)}", keys)
        return tuple(_from_plain(t, v, (*keys, i)) for i, (t, v) in enumerate(zip(item_types, value, strict=True)))
    if isinstance(tp, type) and issubclass(tp, Section):
        return tp._from_dict_at(value, keys)
    if tp is float:
        if value is None:
            return math.nan
        if not _is_real(value):
            raise ResultFormatError(f"expected a number or null, got {_type_name(value)}", keys)
        return float(value)
    if tp is int:
        if not isinstance(value, int | np.integer) or isinstance(value, bool | np.bool_):
            raise ResultFormatError(f"expected a whole number, got {_type_name(value)}", keys)
        if value < 0:
            raise ResultFormatError(f"expected a count (0 or more), got {value}", keys)
        return int(value)
    if tp is bool:
        if not isinstance(value, bool | np.bool_):
            raise ResultFormatError(f"expected true or false, got {_type_name(value)}", keys)
        return bool(value)
    if tp is str:
        if not isinstance(value, str):
            raise ResultFormatError(f"expected a string, got {_type_name(value)}", keys)
        return value
    return value


def _check_bounds(value: Any, lo: float, hi: float, what: str, interval: bool, keys: tuple[str | int, ...]) -> None:
    """Refuse a defined number of ``value`` (a number, or the numbers of a dict, list or interval)
    outside [lo, hi], and an interval whose low end is above its high end or with one end undefined.

    Raises:
        ResultFormatError: naming the path of the number (or interval) at fault.
    """
    if isinstance(value, dict):
        for k, v in value.items():
            _check_bounds(v, lo, hi, what, interval, (*keys, k))
    elif isinstance(value, tuple) and interval:
        for i, v in enumerate(value):
            _check_bounds(v, lo, hi, what, False, (*keys, i))
        first, last = value
        if math.isnan(first) != math.isnan(last):
            raise ResultFormatError(
                f"an interval with one end undefined ({first!r}, {last!r}): both ends are numbers or both null", keys
            )
        if first > last + _BOUND_SLACK:
            raise ResultFormatError(f"an interval whose low end {first!r} is above its high end {last!r}", keys)
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _check_bounds(v, lo, hi, what, interval, (*keys, i))
    elif isinstance(value, float) and not math.isnan(value) and not lo - _BOUND_SLACK <= value <= hi + _BOUND_SLACK:
        raise ResultFormatError(f"expected {what} (or null), got {value!r}", keys)


def _must(holds: bool, problem: str, keys: tuple[str | int, ...]) -> None:
    """Refuse a document whose counts do not add up (``problem`` says how, ``keys`` name the field).

    Raises:
        ResultFormatError: ``holds`` is false.
    """
    if not holds:
        raise ResultFormatError(problem, keys)


def _check_mean(mean: float, values: dict[str, float], per: str, keys: tuple[str | int, ...]) -> None:
    """Refuse a mean that is not the unweighted mean of the defined (not NaN) ``values`` (NaN, or
    null, when none is defined), up to a float round trip's rounding (``per`` names the values' key).

    Raises:
        ResultFormatError: they contradict each other.
    """
    arr = np.asarray(list(values.values()), dtype=np.float64)
    arr = arr[~np.isnan(arr)]
    expected = float(arr.mean()) if arr.size else math.nan
    if math.isnan(expected) or math.isnan(mean):
        holds = math.isnan(expected) and math.isnan(mean)
    else:
        holds = math.isclose(mean, expected, rel_tol=1e-12, abs_tol=1e-15)
    _must(
        holds,
        f"{_num_text(mean)} contradicts {per}: the mean of its {arr.size} defined values is {_num_text(expected)}",
        keys,
    )


def _num_text(value: float) -> str:
    return "null" if math.isnan(value) else repr(value)


def _check_policy(policy: str, keys: tuple[str | int, ...]) -> None:
    if policy not in FAILED_POLICIES:
        raise ResultFormatError(f"failed_policy must be one of {', '.join(FAILED_POLICIES)}, got {policy!r}", keys)


class Section:
    """Mixin of the result dataclasses: ``to_dict`` in field order, ``from_dict`` by type hints."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def to_dict(self) -> dict[str, Any]:
        """This section as the JSON-able dict of ``metrics.json`` (NaN kept; see :func:`strict_json`)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if (value is None and not f.metadata.get("nullable")) or not f.metadata.get("serialise", True):
                continue
            out[f.name] = _to_plain(value)
        return out

    @classmethod
    def from_dict(cls: type[S], obj: dict[str, Any]) -> S:
        """The section from its dict (as ``to_dict`` writes it, or parsed strict JSON).

        Raises:
            ResultFormatError: a required key is missing, a key is unknown, a value has the
                wrong type, or a number lies outside its metric's range (the message names the
                key's path).
        """
        return cls._from_dict_at(obj, ())

    @classmethod
    def _from_dict_at(cls: type[S], obj: Any, keys: tuple[str | int, ...]) -> S:
        if not isinstance(obj, dict):
            raise ResultFormatError(f"expected an object, got {_type_name(obj)}", keys)
        hints = typing.get_type_hints(cls)
        fields = [f for f in dataclasses.fields(cls) if f.init and f.metadata.get("serialise", True)]
        known = {f.name for f in fields}
        unknown = [k for k in obj if k not in known]
        if unknown:
            raise ResultFormatError(
                f"unknown key {unknown[0]!r} (expected the keys {', '.join(sorted(known))}; a document written "
                "by a newer camerabench, or a hand edit?)",
                (*keys, unknown[0]),
            )
        for f in fields:
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            if required and f.name not in obj:
                raise ResultFormatError(f"missing key {f.name!r}", keys)
        kwargs = {f.name: _from_plain(hints[f.name], obj[f.name], (*keys, f.name)) for f in fields if f.name in obj}
        section = cls(**kwargs)
        for f in fields:
            if "bounds" in f.metadata and f.name in obj:
                (lo, hi), what, interval = f.metadata["bounds"], f.metadata["what"], f.metadata["interval"]
                _check_bounds(getattr(section, f.name), lo, hi, what, interval, (*keys, f.name))
        section._check(keys)
        return section

    def _check(self, keys: tuple[str | int, ...]) -> None:
        """Checks across fields that the types alone cannot express (none by default)."""


# --------------------------------------------------------------------------- binary


@dataclass
class PrimitiveCounts(Section):
    """Sample counts of one primitive for one method.

    Attributes:
        labelled: samples with a clear label.
        samples: samples AP was computed on (after the failed-sample policy).
        positives: positives among them.
        ok: samples the method scored.
        failed: samples with a recorded failure.
        missing: samples with no record.
        dropped: samples left out by ``--failed drop``.
        unanswerable: samples without a record whose question the run recorded the method found
            unanswerable on that video (run.json's ``video_info[video]``
            :data:`UNANSWERABLE_KEY`; a trajectory without intrinsics and a zoom question):
            outside the method's coverage, neither failed nor missing, and left out of AP under
            every failed-sample policy (0 in a document written before they were counted).
    """

    labelled: int
    samples: int
    positives: int
    ok: int
    failed: int
    missing: int
    dropped: int
    unanswerable: int = 0

    def _check(self, keys: tuple[str | int, ...]) -> None:
        ok, failed, missing, labelled = self.ok, self.failed, self.missing, self.labelled
        outside = self.unanswerable
        _must(
            ok + failed + missing + outside == labelled,
            f"ok {ok} + failed {failed} + missing {missing} + unanswerable {outside} is not the {labelled} "
            "labelled samples (each labelled sample is ok, failed, missing or unanswerable)",
            (*keys, "labelled"),
        )
        _must(
            self.samples + self.dropped + outside == labelled,
            f"samples {self.samples} + dropped {self.dropped} + unanswerable {outside} is not the {labelled} "
            "labelled samples",
            (*keys, "samples"),
        )
        _must(
            self.positives <= self.samples,
            f"{self.positives} positives among {self.samples} samples",
            (*keys, "positives"),
        )
        _must(
            self.dropped <= failed + missing,
            f"{self.dropped} dropped, more than the {failed} failed and {missing} missing samples",
            (*keys, "dropped"),
        )


@dataclass
class BinaryCI(Section):
    """95% BCa bootstrap intervals over videos (:func:`~camerabench.eval.ap.bootstrap_mean_ap`).

    Attributes:
        per_primitive: primitive -> (lo, hi); NaN where AP is undefined or no bootstrap ran.
        mean_ap: (lo, hi) of the unweighted mean AP over the primitives the interval averages
            (``mean_ap_primitives``): those of the mean AP less the ones whose positives or
            negatives lie on fewer than 2 videos (no spread to resample), so it is the interval of
            ``mean_ap_estimate``, which may differ from :attr:`BinaryResult.mean_ap`.
        degenerate: primitive -> replicates in which it had one class only (left out of its
            interval); None when no bootstrap ran.
        mean_ap_estimate: the mean AP over the primitives ``mean_ap`` averages: the estimate
            the interval is of (the section's ``mean_ap`` when it averages them all); NaN when it
            averages none (the interval is NaN too); None when no bootstrap ran, or in a
            ``metrics.json`` written before it was kept (red team R97: "35.2 [36.5, 66.6]" read as
            an interval of 35.2, which averaged 8 primitives where the interval averaged 4).
        mean_ap_primitives: how many primitives that is (None with ``mean_ap_estimate``).
    """

    per_primitive: dict[str, tuple[float, float]] = field(metadata=_FRACTION_CI)
    mean_ap: tuple[float, float] = field(metadata=_FRACTION_CI)
    degenerate: dict[str, int] | None = None
    mean_ap_estimate: float | None = field(default=None, metadata=_FRACTION)
    mean_ap_primitives: int | None = None

    @classmethod
    def _from_dict_at(cls, obj: Any, keys: tuple[str | int, ...]) -> BinaryCI:
        if isinstance(obj, dict) and "mean_ap_estimate" in obj and obj["mean_ap_estimate"] is None:
            # written (strict JSON writes an undefined mean as null): undefined (NaN), not "not computed"
            obj = {**obj, "mean_ap_estimate": math.nan}
        return super()._from_dict_at(obj, keys)

    def _check(self, keys: tuple[str | int, ...]) -> None:
        if (self.mean_ap_estimate is None) != (self.mean_ap_primitives is None):
            given, absent = (
                ("mean_ap_estimate", "mean_ap_primitives")
                if self.mean_ap_estimate is not None
                else ("mean_ap_primitives", "mean_ap_estimate")
            )
            raise ResultFormatError(
                f"{given} is recorded but {absent} is not (they are recorded together or not at all)", keys
            )
        if self.mean_ap_primitives is not None:
            _must(
                self.mean_ap_primitives <= len(self.per_primitive),
                f"{self.mean_ap_primitives}, but per_primitive has {len(self.per_primitive)} primitives",
                (*keys, "mean_ap_primitives"),
            )
            _must(
                math.isnan(self.mean_ap_estimate or 0.0) == (self.mean_ap_primitives == 0),
                f"mean_ap_estimate {self.mean_ap_estimate} over {self.mean_ap_primitives} primitives (it is "
                "undefined exactly when it averages none)",
                (*keys, "mean_ap_estimate"),
            )


@dataclass
class BinaryResult(Section):
    """Binary classification of one method (design.md B3): AP per primitive and their mean.

    Attributes:
        mean_ap: unweighted mean over the primitives whose AP is defined.
        per_primitive: primitive file stem -> AP (NaN when undefined).
        failed: samples with a recorded failure, over all primitives.
        missing: samples with no record, over all primitives.
        samples: samples AP was computed on, over all primitives.
        roc_auc: primitive -> ROC-AUC.
        mean_roc_auc: unweighted mean ROC-AUC.
        ci95: bootstrap intervals.
        chance: primitive -> prevalence of the evaluated samples (AP of a constant score).
        mean_chance: their mean.
        counts: primitive -> sample counts.
        primitives_in_mean: primitives with defined AP.
        failed_policy: ``lowest`` or ``drop``.
        failure_reasons: reason -> failed samples, most frequent first.
        note: set when ``drop`` left samples out, when no score record matched a label
            (with the likely cause), or when every sample, or every sample of some primitives,
            failed under ``lowest`` (those APs are then the chance level), or when the method
            found samples unanswerable (with the reason the run recorded).
        unanswerable: samples outside the method's coverage (:attr:`PrimitiveCounts.unanswerable`),
            over all primitives.
        unanswerable_reasons: reason the run recorded -> such samples, most frequent first;
            None when there are none.
    """

    mean_ap: float = field(metadata=_FRACTION)
    per_primitive: dict[str, float] = field(metadata=_FRACTION)
    failed: int
    missing: int
    samples: int
    roc_auc: dict[str, float] = field(metadata=_FRACTION)
    mean_roc_auc: float = field(metadata=_FRACTION)
    ci95: BinaryCI
    chance: dict[str, float] = field(metadata=_FRACTION)
    mean_chance: float = field(metadata=_FRACTION)
    counts: dict[str, PrimitiveCounts]
    primitives_in_mean: int
    failed_policy: str
    failure_reasons: dict[str, int]
    note: str | None = None
    unanswerable: int = 0
    unanswerable_reasons: dict[str, int] | None = None

    def _check(self, keys: tuple[str | int, ...]) -> None:
        _check_policy(self.failed_policy, (*keys, "failed_policy"))
        lacking = [p for p in self.per_primitive if p not in self.counts]
        extra = [p for p in self.counts if p not in self.per_primitive]
        _must(not lacking, f"no counts of primitive {lacking[:1]} of per_primitive", (*keys, "counts"))
        _must(not extra, f"counts of primitive {extra[:1]}, which per_primitive lacks", (*keys, "counts"))
        for name in ("failed", "missing", "samples", "unanswerable"):
            total = sum(getattr(c, name) for c in self.counts.values())
            _must(
                getattr(self, name) == total,
                f"{getattr(self, name)}, but the primitives' counts add up to {total}",
                (*keys, name),
            )
        # every unanswerable sample has one recorded reason: the reasons add up to the count
        # (None, or absent in a document written before they were counted, when there are none)
        why = sum((self.unanswerable_reasons or {}).values())
        _must(
            why == self.unanswerable and (self.unanswerable_reasons is None) == (self.unanswerable == 0),
            f"{why} samples of the reasons, but unanswerable is {self.unanswerable}"
            + (" (no reason given: null)" if self.unanswerable_reasons is None else ""),
            (*keys, "unanswerable_reasons"),
        )
        if self.failed_policy == "lowest":
            dropped = sum(c.dropped for c in self.counts.values())
            _must(dropped == 0, f"{dropped} samples dropped under failed_policy lowest (which drops none)", keys)
        # each mean is the writer's (camerabench.eval.ap.mean_ignoring_nan) of the values the file holds:
        # a hand-edited mean contradicting them is refused, not reported beside them
        for mean, per in (("mean_ap", "per_primitive"), ("mean_roc_auc", "roc_auc"), ("mean_chance", "chance")):
            _check_mean(getattr(self, mean), getattr(self, per), per, (*keys, mean))
        defined = sum(not math.isnan(v) for v in self.per_primitive.values())
        _must(
            self.primitives_in_mean == defined,
            f"{self.primitives_in_mean}, but per_primitive has {defined} defined APs",
            (*keys, "primitives_in_mean"),
        )
        # the interval averages some of the mean AP's primitives (those with a spread to resample)
        within = self.ci95.mean_ap_primitives
        _must(
            within is None or within <= defined,
            f"{within}, but the mean AP averages {defined} primitives",
            (*keys, "ci95", "mean_ap_primitives"),
        )
        # and its estimate is their mean (red team R100: a hand-edited estimate or count was read and
        # printed beside an interval it was not the estimate of): over every primitive of the mean
        # when the count is theirs, else over those with an interval of their own when they are as
        # many (a primitive whose own interval failed may still be in the mean's: then unchecked)
        estimate = self.ci95.mean_ap_estimate
        if within and estimate is not None:
            aps = {p: v for p, v in self.per_primitive.items() if not math.isnan(v)}
            spread = [v for p, v in aps.items() if all(math.isfinite(x) for x in self.ci95.per_primitive.get(p, ()))]
            _must(
                within >= len(spread),
                f"{within}, but {len(spread)} primitives of the mean have an interval of their own (each is in "
                "the mean's interval)",
                (*keys, "ci95", "mean_ap_primitives"),
            )
            over = list(aps.values()) if within == defined else spread if len(spread) == within else None
            _must(
                over is None or math.isclose(estimate, math.fsum(over) / len(over), rel_tol=0.0, abs_tol=1e-9),
                f"{estimate}, but the mean AP over its {within} primitives is "
                f"{math.fsum(over or [math.nan]) / max(len(over or []), 1)}",
                (*keys, "ci95", "mean_ap_estimate"),
            )


@dataclass
class Chance(Section):
    """The chance row: AP of a constant score (= prevalence) per primitive, and its mean.

    ``random_per_primitive`` and ``random_mean_ap``: the expected AP of uniformly random scores
    (:func:`camerabench.eval.ap.random_ap`), above the prevalence at finite size; None in a
    ``metrics.json`` written before they were kept.
    """

    per_primitive: dict[str, float] = field(metadata=_FRACTION)
    mean_ap: float = field(metadata=_FRACTION)
    random_per_primitive: dict[str, float] | None = field(default=None, metadata=_FRACTION)
    random_mean_ap: float | None = field(default=None, metadata=_FRACTION)


@dataclass
class PairedTest(Section):
    """Paired test of mean AP(A) - mean AP(B) on the same samples
    (:func:`~camerabench.eval.ap.paired_bootstrap_test`).

    Attributes:
        diff: observed difference of the mean APs.
        ci95: (lo, hi) percentile bootstrap interval of the difference (over resampled videos).
        p_value: two-sided paired permutation p-value (A's and B's scores swapped per video).
        n_bootstrap: replicates in which the difference was defined.
        primitives: the primitives ``diff``, ``ci95`` and ``p_value`` all average (None where no
            test ran); kept in memory, written as :attr:`Comparison.primitives`.
    """

    diff: float = field(metadata=_DIFFERENCE)
    ci95: tuple[float, float] = field(metadata=_DIFFERENCE_CI)
    p_value: float = field(metadata=_FRACTION)
    n_bootstrap: int
    primitives: list[str] | None = field(default=None, metadata=_NOT_SERIALISED)


@dataclass
class Comparison(Section):
    """A paired test between methods ``a`` and ``b`` on their common samples.

    ``diff``, ``ci95`` and ``p_value`` all average the same ``primitives`` (those whose common
    samples hold each class on 2 videos or more; all of them, with no interval, where none does)
    over ``samples`` samples. ``note`` says which primitives were left out and why, or why no test
    ran (no common primitive; the numbers are then NaN).
    """

    a: str
    b: str
    diff: float = field(metadata=_DIFFERENCE)
    ci95: tuple[float, float] = field(metadata=_DIFFERENCE_CI)
    p_value: float = field(metadata=_FRACTION)
    n_bootstrap: int
    primitives: list[str]
    samples: int
    note: str | None = None

    @classmethod
    def of(
        cls, a: str, b: str, test: PairedTest, primitives: list[str], samples: int, note: str | None = None
    ) -> Comparison:
        return cls(a, b, test.diff, test.ci95, test.p_value, test.n_bootstrap, primitives, samples, note)


@dataclass
class KnobAP(Section):
    """Mean AP of one method on the clips with one hard-case knob (from ``manifest.json``).

    Two APs, which answer two questions:

    * ``mean_ap``, the knob's clips alone: how the method ranks the clips of that knob among
      themselves. Undefined (NaN, ``note`` says why) when no primitive has both a clear yes and a
      clear no on them: a group of still cameras, or of clips whose every label is ambiguous.
    * ``with_clean_ap``, the knob's clips together with the clean clips (the group ``none``: no
      knob on): whether the knob's clips spoil a ranking of ordinary clips. This is the knob AP
      ``benchmarks/bench_geometry.py`` reports (its ``mode_*`` views: standard clips plus the
      mode's), by which the project's goal on every knob is measured.

    Attributes:
        mean_ap: mean over the primitives whose AP is defined on the knob's clips alone.
        primitives: how many primitives that is.
        clips: clips with the knob.
        samples: evaluated samples of those clips, over all primitives.
        failed: labelled samples of those clips whose record failed, over all primitives.
        missing: labelled samples of those clips with no record (a clip absent from the run).
        dropped: those failed and missing samples left out by ``--failed drop`` (0 under
            ``lowest``, which ranks them below every score). ``failed``, ``missing`` and
            ``dropped`` are None when not counted (a ``metrics.json`` written before they were
            kept; left out of the document when None, so older versions read it).
            The counts are of the knob's clips only, also beside ``with_clean_ap``.
        with_clean_ap: mean AP over the clean clips (group ``none``) and the knob's clips
            together (see above); NaN when undefined (the dataset has no clean clip, or no knob
            clip turns the knob on), None when not computed (a ``metrics.json`` written before it
            was kept: left out of the document, so older versions read it).
        with_clean_primitives: the primitives in ``with_clean_ap``'s mean (None with it).
        note: why ``mean_ap`` is undefined, in words (None when it is defined, or in a
            ``metrics.json`` written before notes were kept).
    """

    mean_ap: float = field(metadata=_FRACTION)
    primitives: int
    clips: int
    samples: int
    failed: int | None = None
    missing: int | None = None
    dropped: int | None = None
    with_clean_ap: float | None = field(default=None, metadata=_FRACTION)
    with_clean_primitives: int | None = None
    note: str | None = None

    @classmethod
    def _from_dict_at(cls, obj: Any, keys: tuple[str | int, ...]) -> KnobAP:
        if isinstance(obj, dict) and "with_clean_ap" in obj and obj["with_clean_ap"] is None:
            # written (strict JSON writes an undefined AP as null): undefined (NaN), not "not computed"
            obj = {**obj, "with_clean_ap": math.nan}
        return super()._from_dict_at(obj, keys)

    def _check(self, keys: tuple[str | int, ...]) -> None:
        if (self.with_clean_ap is None) != (self.with_clean_primitives is None):
            given, absent = (
                ("with_clean_ap", "with_clean_primitives")
                if self.with_clean_ap is not None
                else ("with_clean_primitives", "with_clean_ap")
            )
            raise ResultFormatError(
                f"{given} is recorded but {absent} is not (they are recorded together or not at all)", keys
            )
        counts = {"failed": self.failed, "missing": self.missing, "dropped": self.dropped}
        recorded = [k for k, v in counts.items() if v is not None]
        if recorded and len(recorded) < len(counts):
            lacking = next(k for k, v in counts.items() if v is None)
            raise ResultFormatError(
                f"{recorded[0]} is recorded but {lacking} is not (the counts are recorded together or not at all)",
                keys,
            )
        if self.failed is not None and self.missing is not None and self.dropped is not None:
            _must(
                self.dropped <= self.failed + self.missing,
                f"{self.dropped} dropped, more than the {self.failed} failed and {self.missing} missing samples",
                (*keys, "dropped"),
            )


# --------------------------------------------------------------------------- VQA and retrieval


@dataclass
class VQAScores(Section):
    """Paired VQA accuracies (design.md B4): binary Acc, Q-Acc, video and group accuracy."""

    acc: float = field(metadata=_FRACTION)
    q_acc: float = field(metadata=_FRACTION)
    video_acc: float = field(metadata=_FRACTION)
    group_acc: float = field(metadata=_FRACTION)


@dataclass
class RetrievalScores(Section):
    """Winoground-style retrieval accuracies: text, video and group."""

    text: float = field(metadata=_FRACTION)
    video: float = field(metadata=_FRACTION)
    group: float = field(metadata=_FRACTION)


#: Chance levels of paired VQA and retrieval.
VQA_CHANCE = VQAScores(acc=0.5, q_acc=0.25, video_acc=0.25, group_acc=1 / 16)
RETRIEVAL_CHANCE = RetrievalScores(text=0.25, video=0.25, group=1 / 6)


@dataclass
class VQAResult(Section):
    """Paired VQA of one method: overall, per skill folder and per task (``skill/task``).

    Attributes:
        overall: unweighted mean over the answered tasks.
        per_skill: skill folder -> mean over its answered tasks.
        per_task: ``skill/task`` -> scores.
        yes_threshold: score above which an answer counts as *Yes*.
        tasks_answered: tasks with a defined figure: a record (ok or failed) among their cells
            and a pair left to score (a ``metrics.json`` written before ``undefined_tasks`` was
            kept counts the undefined tasks here too).
        tasks_total: tasks in the labels.
        unanswered_tasks: ``skill/task`` of the tasks with no record at all (left out of the
            means).
        pairs: pairs evaluated.
        cells: cells evaluated.
        failed: failed cells in the answered tasks.
        missing: missing cells in the answered tasks.
        dropped_pairs: pairs left out by ``--failed drop``.
        failed_policy: ``lowest`` or ``drop``.
        chance: chance levels.
        note: set when ``drop`` left pairs out (a task left with no pair has NaN scores).
        yes_threshold_source: where ``yes_threshold`` came from.
        uncalibrated: overall scores of the raw scores at ``run.json``'s threshold (or 0.5),
            when the method's calibration decided the answers (None otherwise).
        undefined_tasks: ``skill/task`` of the tasks with records but no figure (NaN in
            ``per_task``: every pair had a failed or missing cell and ``--failed drop`` left
            them out); not in ``tasks_answered`` nor the means. None when there is none (left
            out of the document, so older versions read it).
        unanswerable_cells: cells without a record whose question the run recorded the method
            did not answer on that video (run.json's ``video_info[video]``
            :data:`UNANSWERABLE_KEY`), in the tasks with records: outside the method's coverage.
            A pair with such a cell is not scored under any failed policy (its other cells are
            neither counted failed nor missing). None when there is none.
        unanswerable_pairs: the pairs left out so (None when there is none).
        unanswerable_tasks: ``skill/task`` of the tasks with records all of whose pairs are
            outside coverage so: not scored, not in ``per_task``, ``tasks_answered`` nor the
            means. None when there is none.
    """

    overall: VQAScores
    per_skill: dict[str, VQAScores]
    per_task: dict[str, VQAScores]
    yes_threshold: float
    tasks_answered: int
    tasks_total: int
    unanswered_tasks: list[str]
    pairs: int
    cells: int
    failed: int
    missing: int
    dropped_pairs: int
    failed_policy: str
    chance: VQAScores = field(default_factory=lambda: dataclasses.replace(VQA_CHANCE))
    note: str | None = None
    yes_threshold_source: str | None = None
    uncalibrated: VQAScores | None = None
    undefined_tasks: list[str] | None = None
    unanswerable_cells: int | None = None
    unanswerable_pairs: int | None = None
    unanswerable_tasks: list[str] | None = None

    def _check(self, keys: tuple[str | int, ...]) -> None:
        _check_policy(self.failed_policy, (*keys, "failed_policy"))
        _must(self.cells == 4 * self.pairs, f"{self.cells} cells in {self.pairs} pairs of 4", (*keys, "cells"))
        cells, pairs = self.unanswerable_cells, self.unanswerable_pairs
        _must(
            (cells is None) == (pairs is None) and (cells is None or (cells > 0 and pairs is not None and pairs > 0)),
            f"unanswerable_cells {cells} and unanswerable_pairs {pairs}: both positive, or both null",
            (*keys, "unanswerable_cells"),
        )
        if cells is not None and pairs is not None:
            _must(
                pairs <= cells <= 4 * pairs,
                f"{cells} unanswerable cells in {pairs} pairs (each such pair has 1 to 4)",
                (*keys, "unanswerable_cells"),
            )
        _must(
            not self.unanswerable_tasks or pairs is not None,
            f"{len(self.unanswerable_tasks or [])} tasks outside coverage but no unanswerable pair",
            (*keys, "unanswerable_tasks"),
        )
        _must(
            not set(self.unanswerable_tasks or []) & set(self.per_task),
            "a task outside coverage is also scored in per_task",
            (*keys, "unanswerable_tasks"),
        )
        undefined = [*(self.undefined_tasks or []), *(self.unanswerable_tasks or [])]
        _check_tasks(self.tasks_answered, len(self.unanswered_tasks), undefined or None, self.tasks_total, keys)
        if self.failed_policy == "lowest":
            _must(
                self.dropped_pairs == 0,
                f"{self.dropped_pairs} pairs dropped under failed_policy lowest (which drops none)",
                (*keys, "dropped_pairs"),
            )


def _check_tasks(
    answered: int, unanswered: int | None, undefined: list[str] | None, total: int, keys: tuple[str | int, ...]
) -> None:
    """Refuse task counts that do not add up to ``total`` (``unanswered`` None: not recorded, at most)."""
    accounted = answered + (unanswered or 0) + len(undefined or [])
    parts = f"{answered} answered" + (f", {unanswered} unanswered" if unanswered is not None else "")
    parts += f", {len(undefined or [])} undefined"
    if unanswered is None:
        _must(accounted <= total, f"{parts}: more than the {total} tasks", (*keys, "tasks_answered"))
    else:
        _must(accounted == total, f"{parts}: not the {total} tasks", (*keys, "tasks_answered"))


@dataclass
class RetrievalResult(Section):
    """Winoground-style retrieval of one method; ``text``, ``video``, ``group`` are overall.

    ``tasks_answered`` counts the tasks with a defined figure; ``undefined_tasks`` names those
    with records but no pair left to score (as in :class:`VQAResult`; None when there is none).
    """

    text: float = field(metadata=_FRACTION)
    video: float = field(metadata=_FRACTION)
    group: float = field(metadata=_FRACTION)
    per_skill: dict[str, RetrievalScores]
    per_task: dict[str, RetrievalScores]
    tasks_answered: int
    tasks_total: int
    chance: RetrievalScores = field(default_factory=lambda: dataclasses.replace(RETRIEVAL_CHANCE))
    undefined_tasks: list[str] | None = None

    def _check(self, keys: tuple[str | int, ...]) -> None:
        _check_tasks(self.tasks_answered, None, self.undefined_tasks, self.tasks_total, keys)

    @property
    def overall(self) -> RetrievalScores:
        return RetrievalScores(self.text, self.video, self.group)


# --------------------------------------------------------------------------- captions


@dataclass
class CocoMetrics(Section):
    """pycocoevalcap corpus scores; ``meteor`` / ``spice`` are ``"unavailable"`` when they cannot run."""

    bleu1: float = field(metadata=_FRACTION)
    bleu2: float = field(metadata=_FRACTION)
    bleu3: float = field(metadata=_FRACTION)
    bleu4: float = field(metadata=_FRACTION)
    rouge_l: float = field(metadata=_FRACTION)
    cider: float = field(metadata=_NON_NEGATIVE)
    meteor: float | str = field(metadata=_FRACTION)
    spice: float | str = field(metadata=_FRACTION)
    tokenizer: str
    n: int


@dataclass
class CompatMetrics(Section):
    """Means of CameraBench's simplified caption look-alikes (not the metrics they are named after)."""

    compat_spice_lookalike: float = field(metadata=_FRACTION)
    compat_cider_lookalike: float = field(metadata=_FRACTION)
    compat_bleu2: float = field(metadata=_FRACTION)
    compat_rouge_l: float = field(metadata=_FRACTION)
    compat_meteor_lookalike: float = field(metadata=_FRACTION)


@dataclass
class MiniLMMetrics(Section):
    """Mean all-MiniLM-L6-v2 sentence cosine and BERTScore-style F1."""

    cosine: float = field(metadata=_COSINE)
    bertscore_f1: float = field(metadata=_F1_OF_COSINES)
    model: str


@dataclass
class FactScores(Section):
    """Micro precision / recall / F1 of caption motion facts, with the counts and videos."""

    precision: float = field(metadata=_FRACTION)
    recall: float = field(metadata=_FRACTION)
    f1: float = field(metadata=_FRACTION)
    tp: int
    fp: int
    fn: int
    videos: int


@dataclass
class MotionFacts(Section):
    """Motion-fact F1 against the reference captions and (when present) the binary labels."""

    vs_reference: FactScores
    vs_labels: FactScores | None = None


@dataclass
class CaptionResult(Section):
    """Caption metrics of one method (design.md B7); metric families are None when not computed.

    Attributes:
        videos: videos with a reference caption.
        evaluated: captions evaluated (after the failed-sample policy).
        failed: videos whose caption failed.
        missing: videos with no caption record.
        failed_policy: ``lowest`` or ``drop``.
        unreferenced: caption records of videos with no reference caption (not evaluated; None
            in a ``metrics.json`` written before this count was kept).
        note: set when no caption could be evaluated, when captions have no reference, when
            MiniLM reads only the beginning of long texts, when captions answer another prompt
            than the references' question, when ok captions hold no word (evaluated as the
            empty caption), or when texts hold no letter rouge-score reads (``compat_rouge_l``
            0 whatever they say).
    """

    videos: int
    evaluated: int
    failed: int
    missing: int
    failed_policy: str
    note: str | None = None
    coco: CocoMetrics | None = None
    camerabench_compat: CompatMetrics | None = None
    minilm: MiniLMMetrics | None = None
    motion_facts: MotionFacts | None = None
    unreferenced: int | None = None

    def _check(self, keys: tuple[str | int, ...]) -> None:
        _check_policy(self.failed_policy, (*keys, "failed_policy"))
        _must(
            self.evaluated <= self.videos,
            f"{self.evaluated} captions evaluated, more than the {self.videos} videos with a reference",
            (*keys, "evaluated"),
        )
        _must(
            self.failed + self.missing <= self.videos,
            f"{self.failed} failed + {self.missing} missing, more than the {self.videos} videos with a reference",
            (*keys, "failed"),
        )


# --------------------------------------------------------------------------- trajectories


@dataclass
class TrajectoryErrors(Section):
    """APE / RPE RMSE (translation in ground-truth units, rotation in degrees)."""

    ape_trans_rmse: float = field(metadata=_NON_NEGATIVE)
    ape_rot_deg_rmse: float = field(metadata=_NON_NEGATIVE)
    rpe_trans_rmse: float = field(metadata=_NON_NEGATIVE)
    rpe_rot_deg_rmse: float = field(metadata=_NON_NEGATIVE)


@dataclass
class TrajectoryMeans(TrajectoryErrors):
    """Mean errors over clips, with the zoom error (RMSE of log focal ratios)."""

    zoom_log_ratio_rmse: float = field(metadata=_NON_NEGATIVE)


@dataclass
class TrajectoryResult(Section):
    """Trajectory errors of one method over the ground-truth clips.

    The four ``rpe_`` fields are recorded together; they are None in a ``metrics.json`` written
    before they were kept (left out of the document when None, so that document still reads).

    Attributes:
        clips: ground-truth clips.
        ok: clips evaluated.
        failed: clips the method failed on or that could not be evaluated.
        missing: clips with no estimate.
        mean: mean errors over the evaluated clips (NaN-aware).
        median: median errors.
        clips_with_translation_error: evaluated clips whose ground truth translates.
        alignment_counts: alignment -> clips.
        units: units of the translation and rotation errors.
        rpe_step_s: median over the clips with a defined RPE (those in the RPE means) of each
            clip's ``rpe_step_s``, the median time in seconds between the poses RPE compares. A
            keyframe-only estimate steps keyframe to keyframe, further than a dense one: RPE
            figures are comparable only between methods of a like step. NaN when no clip has a
            defined RPE (``null`` in the document, read back as NaN).
        rpe_pairs: consecutive pose pairs RPE used, over the evaluated clips.
        rpe_gap_pairs: pairs left out of RPE because they span a gap in the poses (lost
            tracking, keyframes far apart), over the evaluated clips.
        rpe_gap_clips: evaluated clips with such a gap.
        shot_clips: evaluated clips whose ground truth has a scene cut, each evaluated within the
            one shot its estimate lies in (an estimate across the cut is ``failed``); None in a
            ``metrics.json`` written before it was kept.
    """

    clips: int
    ok: int
    failed: int
    missing: int
    mean: TrajectoryMeans
    median: TrajectoryErrors
    clips_with_translation_error: int
    alignment_counts: dict[str, int]
    units: dict[str, str]
    rpe_step_s: float | None = None
    rpe_pairs: int | None = None
    rpe_gap_pairs: int | None = None
    rpe_gap_clips: int | None = None
    shot_clips: int | None = None

    @classmethod
    def _from_dict_at(cls, obj: Any, keys: tuple[str | int, ...]) -> TrajectoryResult:
        result = super()._from_dict_at(obj, keys)
        if result.rpe_step_s is None and result.rpe_gap_pairs is not None:  # null: no clip had a defined RPE
            result.rpe_step_s = math.nan
        return result

    def _check(self, keys: tuple[str | int, ...]) -> None:
        _must(
            self.ok + self.failed + self.missing == self.clips,
            f"ok {self.ok} + failed {self.failed} + missing {self.missing} is not the {self.clips} clips",
            (*keys, "clips"),
        )
        _must(
            self.clips_with_translation_error <= self.ok,
            f"{self.clips_with_translation_error}, more than the {self.ok} clips evaluated",
            (*keys, "clips_with_translation_error"),
        )
        aligned = sum(self.alignment_counts.values())
        _must(
            aligned <= self.ok,
            f"{aligned} clips aligned, more than the {self.ok} evaluated",
            (*keys, "alignment_counts"),
        )
        counts = {"rpe_pairs": self.rpe_pairs, "rpe_gap_pairs": self.rpe_gap_pairs, "rpe_gap_clips": self.rpe_gap_clips}
        recorded = [k for k, v in counts.items() if v is not None]
        if recorded and len(recorded) < len(counts):
            lacking = next(k for k, v in counts.items() if v is None)
            raise ResultFormatError(
                f"{recorded[0]} is recorded but {lacking} is not (the RPE summary is recorded whole or not at all)",
                keys,
            )
        if self.rpe_step_s is not None and not recorded:
            raise ResultFormatError("rpe_step_s is recorded without rpe_pairs, rpe_gap_pairs and rpe_gap_clips", keys)
        if self.rpe_step_s is not None and not (math.isnan(self.rpe_step_s) or self.rpe_step_s > 0):
            raise ResultFormatError(
                f"expected a time step in seconds above 0 (or null), got {self.rpe_step_s!r}", (*keys, "rpe_step_s")
            )
        if self.rpe_gap_clips is not None and self.rpe_gap_clips > self.ok:
            raise ResultFormatError(
                f"{self.rpe_gap_clips} clips with gaps, more than the {self.ok} evaluated", (*keys, "rpe_gap_clips")
            )
        if self.shot_clips is not None and not 0 <= self.shot_clips <= self.ok:
            raise ResultFormatError(
                f"{self.shot_clips} clips evaluated within one shot, not a count up to the {self.ok} evaluated",
                (*keys, "shot_clips"),
            )
        if self.rpe_gap_clips is not None and (self.rpe_gap_clips == 0) != (self.rpe_gap_pairs == 0):
            raise ResultFormatError(
                f"{self.rpe_gap_pairs} pairs left out across gaps in {self.rpe_gap_clips} clips",
                (*keys, "rpe_gap_pairs"),
            )


# --------------------------------------------------------------------------- calibration


@dataclass
class Reliability(Section):
    """Reliability-diagram data (:func:`sklearn.calibration.calibration_curve`, uniform bins).

    Attributes:
        n_bins: equal-width bins over [0, 1].
        prob_pred: mean predicted P(yes) of each non-empty bin.
        prob_true: fraction of positives in each non-empty bin.
        counts: samples in each non-empty bin.
    """

    n_bins: int
    prob_pred: list[float] = field(metadata=_FRACTION)
    prob_true: list[float] = field(metadata=_FRACTION)
    counts: list[int]

    def _check(self, keys: tuple[str | int, ...]) -> None:
        _must(
            len(self.prob_pred) == len(self.prob_true),
            f"{len(self.prob_pred)} values of prob_pred, {len(self.prob_true)} of prob_true (one per non-empty bin)",
            (*keys, "prob_true"),
        )
        _must(
            len(self.counts) <= self.n_bins,
            f"{len(self.counts)} non-empty bins of {self.n_bins}",
            (*keys, "counts"),
        )


@dataclass
class CalibrationResult(Section):
    """How well one method's P(yes) is calibrated on the binary samples it scored.

    Attributes:
        source: where the probabilities came from: ``cross-fitted`` (the method folder's
            ``calibration.json`` fitted on this dataset, each video calibrated by the fold that
            left it out), ``fitted on other data`` (its full maps), or ``raw scores`` (no
            calibration; the scores read as P(yes), only when all lie in [0, 1]).
        brier: :func:`sklearn.metrics.brier_score_loss` over every scored binary sample.
        ece: expected calibration error: sum over the reliability bins of
            (bin samples / samples) x |fraction of positives - mean P(yes)|.
        samples: scored binary samples (failed and missing ones have no probability).
        per_primitive_brier: primitive -> Brier score (NaN with a warning for a primitive with
            no scored sample; a primitive whose samples share one label has one, as a Brier
            score needs no second class).
        reliability: the reliability-diagram data.
        fitted_on_data: the dataset the calibration was fitted on (None for raw scores).
        calibration_file: the calibration file used (None for raw scores).
        copied_from: the file the calibration was copied from, when applied from another run.
        maps: primitive -> map kind (``platt``, ``isotonic``, ``undefined``; ``pooled`` too).
        failed: labelled binary samples left out of Brier and ECE because the method's score
            failed (None in a ``metrics.json`` written before this count was kept).
        missing: labelled binary samples left out because the method wrote no score record.
        no_calibration_map: labelled binary samples whose ok score has no calibration map
            (neither its primitive's nor the pooled one), left out; 0 for raw scores.
        pooled: the labelled binary samples whose scores the pooled map calibrated (a primitive
            without a map of its own); None for raw scores.
        unfitted: primitive -> its scores calibrated by the pooled map although the calibration
            was fitted on no sample of that primitive (a map of other primitives' scores, which
            may be on another scale); counted among ``pooled``; empty when none, None for raw
            scores.
        map_notes: primitive -> why the calibration has no map of its own for it (one class
            only, no scored sample), as the calibration file records it; its scores get the
            pooled map.
        unanswerable: labelled binary samples left out because the run recorded that the method
            found their question unanswerable on their video (as the binary section's
            ``unanswerable``: outside its coverage, not missing); None when none (and in a
            ``metrics.json`` written before they were counted, which counted them as missing).
        scores_changed: whether the run's scored binary samples differ from those the
            calibration was fitted on (scores re-run after calibrating: the maps may be stale);
            None when not checked (a calibration of other data, copied, or a file without a
            digest, and raw scores).
    """

    source: str
    brier: float = field(metadata=_FRACTION)
    ece: float = field(metadata=_FRACTION)
    samples: int
    per_primitive_brier: dict[str, float] = field(metadata=_FRACTION)
    reliability: Reliability
    fitted_on_data: str | None = None
    calibration_file: str | None = None
    copied_from: str | None = None
    maps: dict[str, str] | None = None
    failed: int | None = None
    missing: int | None = None
    no_calibration_map: int | None = None
    pooled: int | None = None
    unfitted: dict[str, int] | None = None
    map_notes: dict[str, str] | None = None
    scores_changed: bool | None = None
    unanswerable: int | None = None

    def _check(self, keys: tuple[str | int, ...]) -> None:
        binned = sum(self.reliability.counts)
        _must(
            binned == self.samples,
            f"{binned} samples in the reliability bins, but samples is {self.samples}",
            (*keys, "reliability", "counts"),
        )


# --------------------------------------------------------------------------- method and top level


@dataclass
class RunInfoSummary(Section):
    """Provenance of a method's predict run, from its ``run.json``."""

    method: str
    settings: dict[str, Any]
    model_path: str | None = field(metadata=_NULLABLE)
    package_version: str
    git_commit: str | None = field(metadata=_NULLABLE)
    videos_ok: int
    videos_failed: int
    started: str
    finished: str | None = field(metadata=_NULLABLE)
    method_kind: str | None = None


@dataclass
class CategoryAccuracy(Section):
    """Multiple-choice accuracy over one category's rows.

    Attributes:
        accuracy: correct / scored (NaN when nothing is scored or the category is not covered).
        rows: rows in the labels; scored: rows in the denominator (all under ``lowest``).
        correct, unparsed, failed, missing: counts (unparsed, failed and missing are wrong
            under ``lowest``; failed and missing are left out under ``drop``).
        covered: False when the method recorded no answer for any row of the category.
        stale: rows answered before they changed (question, options, category or media): not
            scored against the row as it is now, so neither in ``scored`` nor in the accuracy
            (None when none, and in a document of a camerabench that did not check them).
        unanswerable: rows without an answer record that the method's answering pass recorded
            as outside what it answers (``answer_run.json``'s ``video_info["table:index"]``
            :data:`ROW_UNANSWERABLE_KEY`): outside its coverage, neither scored nor missing under
            either policy (None when none, and in a document of a camerabench that counted them
            as missing).
    """

    accuracy: float = field(metadata=_FRACTION)
    rows: int
    scored: int
    correct: int
    unparsed: int
    failed: int
    missing: int
    covered: bool = True
    stale: int | None = None
    unanswerable: int | None = None

    def _check(self, keys: tuple[str | int, ...]) -> None:
        _must(self.scored <= self.rows, f"{self.scored} scored of {self.rows} rows", (*keys, "scored"))
        _must((self.stale or 0) >= 0, f"{self.stale} stale rows", (*keys, "stale"))
        _must((self.unanswerable or 0) >= 0, f"{self.unanswerable} unanswerable rows", (*keys, "unanswerable"))
        _must(self.correct <= self.scored, f"{self.correct} correct of {self.scored} scored", (*keys, "correct"))
        _must(
            self.correct + self.unparsed <= self.scored,
            f"{self.correct} correct + {self.unparsed} unparsed, more than the {self.scored} scored",
            (*keys, "unparsed"),
        )
        counted = self.correct + self.unparsed + self.failed + self.missing + (self.stale or 0)
        counted += self.unanswerable or 0
        _must(
            counted <= self.rows,
            f"correct {self.correct} + unparsed {self.unparsed} + failed {self.failed} + missing {self.missing}"
            + (f" + stale {self.stale}" if self.stale else "")
            + (f" + unanswerable {self.unanswerable}" if self.unanswerable else "")
            + f", more than the {self.rows} rows",
            (*keys, "rows"),
        )


@dataclass
class MCQResult(Section):
    """The ``mcq`` section of one method (ShotBench-style multiple-choice tables).

    Attributes:
        per_category: category -> :class:`CategoryAccuracy` (in the tables' order).
        mean_accuracy: unweighted mean over the covered categories with a defined accuracy
            (ShotBench's "Avg").
        pooled_accuracy: correct / scored over the covered categories' rows.
        rows: all rows; correct, unparsed, failed, missing: totals over covered categories
            (the rows of a category outside coverage are in its own ``missing``, not here: they
            are not scored).
        extraction: rule -> replies it decided (``letter``, ``text``, ``unparsed``).
        unmatched_answers: answer records that match no row of the tables (not evaluated); None
            when every record matches one, and in a document of a camerabench that did not count
            them (left out of the document when None, so older versions read it).
        stale: rows of the covered categories answered before they changed (their question,
            options, category or media, by ``answer_run.json``'s digest of what each row was
            asked): left out of the accuracy under either policy; None when none (and in a
            document of a camerabench that did not check them).
        note: categories outside coverage; rows outside coverage; rows left out under ``drop``;
            answers matching no row; stale rows.
        unanswerable: rows of every category the method recorded as outside what it answers
            (:attr:`CategoryAccuracy.unanswerable`): neither scored nor missing; None when none
            (and in a document of a camerabench that counted them as missing).
    """

    per_category: dict[str, CategoryAccuracy]
    mean_accuracy: float = field(metadata=_FRACTION)
    pooled_accuracy: float = field(metadata=_FRACTION)
    rows: int
    correct: int
    unparsed: int
    failed: int
    missing: int
    extraction: dict[str, int] = field(default_factory=dict)
    note: str | None = None
    unmatched_answers: int | None = None
    stale: int | None = None
    unanswerable: int | None = None

    def _check(self, keys: tuple[str | int, ...]) -> None:
        rows = sum(c.rows for c in self.per_category.values())
        _must(self.rows == rows, f"{self.rows}, but the categories hold {rows} rows", (*keys, "rows"))
        covered = [c for c in self.per_category.values() if c.covered]
        for name in ("correct", "unparsed", "failed", "missing"):
            total = sum(getattr(c, name) for c in covered)
            _must(
                getattr(self, name) == total,
                f"{getattr(self, name)}, but the covered categories' counts add up to {total}",
                (*keys, name),
            )
        stale = sum(c.stale or 0 for c in covered)
        _must(
            (self.stale or 0) == stale,
            f"{self.stale}, but the covered categories' stale rows add up to {stale}",
            (*keys, "stale"),
        )
        outside = sum(c.unanswerable or 0 for c in self.per_category.values())
        _must(
            (self.unanswerable or 0) == outside,
            f"{self.unanswerable}, but the categories' unanswerable rows add up to {outside}",
            (*keys, "unanswerable"),
        )


@dataclass
class MethodResult(Section):
    """Every section of one method; a section is None when its labels or outputs are absent.

    Attributes:
        run_info: provenance, when the method has a ``run.json``.
        duplicate_records: (video, question) keys recorded more than once (None when none).
        duplicate_captions: videos captioned more than once (None when none).
        duplicate_answers: multiple-choice rows answered more than once (None when none).
        in_progress: why the method's counts are partial: a running ``predict`` or ``caption``
            held its folder when it was read (None when no writer held it). Like every optional
            field it is left out of the document when None, so documents of finished runs read
            in older versions of camerabench too (an older version refuses the unknown key).
        changed_videos: how many of the videos the method scored changed (or can no longer be
            read) since its ``predict``, by ``run.json``'s ``video_sha256``, with an example: its
            records are of the files as they were (None when none did, or run.json kept no
            fingerprints); then, in a second sentence, the same of the videos it captioned, by
            ``caption_run.json``'s. No number is changed by it.
        kind: what the method is (``geometric``, ``semantic``, ...): ``run.json``'s
            ``method_kind``, else ``geometric`` when it wrote trajectories and ``semantic``
            otherwise. Not part of the document; :meth:`from_dict` reads ``run_info``.
    """

    run_info: RunInfoSummary | None = None
    duplicate_records: int | None = None
    duplicate_captions: int | None = None
    duplicate_answers: int | None = None
    binary: BinaryResult | None = None
    vqa: VQAResult | None = None
    retrieval: RetrievalResult | None = None
    captions: CaptionResult | None = None
    trajectory: TrajectoryResult | None = None
    calibration: CalibrationResult | None = None
    mcq: MCQResult | None = None
    in_progress: str | None = None
    changed_videos: str | None = None
    kind: str | None = field(default=None, metadata=_NOT_SERIALISED)

    @classmethod
    def _from_dict_at(cls, obj: Any, keys: tuple[str | int, ...]) -> MethodResult:
        result = super()._from_dict_at(obj, keys)
        if result.run_info is not None:
            result.kind = result.run_info.method_kind
        return result


@dataclass
class EvaluationResult(Section):
    """Every metric of every method of a run folder on a dataset.

    Attributes:
        data: the dataset folder.
        run: the run folder.
        failed_policy: ``lowest`` or ``drop``.
        n_bootstrap: bootstrap resamples of the intervals and paired tests.
        seed: bootstrap seed.
        methods: method folder name -> its sections.
        chance: the chance row (None without binary labels).
        comparisons: paired tests between every two methods with binary results.
        knobs: method -> hard-case knob -> mean AP on those clips (empty without a manifest
            that names knobs).
        rpe_span_s: the time in seconds between the poses every trajectory RPE compares
            (``evaluate --rpe-span``), or None: RPE between consecutive poses, whose step is the
            coarser of the method's and the ground truth's sampling steps (each trajectory
            section's ``rpe_step_s``). Left out of the document when None, so a ``metrics.json``
            written before it was kept reads as consecutive-pose RPE, which it is.
    """

    data: str
    run: str
    failed_policy: str
    n_bootstrap: int
    seed: int
    methods: dict[str, MethodResult] = field(default_factory=dict)
    chance: Chance | None = None
    comparisons: list[Comparison] | None = None
    knobs: dict[str, dict[str, KnobAP]] = field(default_factory=dict)
    rpe_span_s: float | None = None

    def _check(self, keys: tuple[str | int, ...]) -> None:
        _check_policy(self.failed_policy, (*keys, "failed_policy"))
        if self.rpe_span_s is not None and not (math.isfinite(self.rpe_span_s) and self.rpe_span_s > 0):
            raise ResultFormatError(
                f"expected the RPE span, a time in seconds above 0 (or no key: consecutive poses), got "
                f"{self.rpe_span_s!r}",
                (*keys, "rpe_span_s"),
            )
        for name, method in self.methods.items():
            for section in ("binary", "vqa", "captions"):
                policy = getattr(getattr(method, section), "failed_policy", self.failed_policy)
                _must(
                    policy == self.failed_policy,
                    f"{policy!r}, but the document's failed_policy is {self.failed_policy!r}",
                    (*keys, "methods", name, section, "failed_policy"),
                )
        seen: dict[tuple[str, str], int] = {}
        for i, comparison in enumerate(self.comparisons or []):
            at = (*keys, "comparisons", i)
            a, b = self._binary_of(comparison.a, (*at, "a")), self._binary_of(comparison.b, (*at, "b"))
            _must(comparison.a != comparison.b, f"a test of method {comparison.a!r} against itself", (*at, "b"))
            pair = (min(comparison.a, comparison.b), max(comparison.a, comparison.b))
            _must(pair not in seen, f"a second test of {pair[0]!r} and {pair[1]!r} (comparisons[{seen.get(pair)}])", at)
            seen[pair] = i
            for side, binary in ((comparison.a, a), (comparison.b, b)):
                lacking = [p for p in comparison.primitives if p not in binary.per_primitive]
                _must(
                    not lacking,
                    f"primitive {lacking[:1]}, which method {side!r} was not evaluated on",
                    (*at, "primitives"),
                )
                _must(
                    comparison.samples <= binary.samples,
                    f"{comparison.samples} common samples, more than the {binary.samples} of method {side!r}",
                    (*at, "samples"),
                )
            _must(
                comparison.n_bootstrap <= self.n_bootstrap,
                f"{comparison.n_bootstrap} replicates, more than the document's n_bootstrap {self.n_bootstrap}",
                (*at, "n_bootstrap"),
            )
        clips: dict[str, tuple[int, str]] = {}
        for name, table in self.knobs.items():
            binary = self._binary_of(name, (*keys, "knobs", name))
            for knob, entry in table.items():
                at = (*keys, "knobs", name, knob)
                first = clips.setdefault(knob, (entry.clips, name))
                _must(
                    entry.clips == first[0],
                    f"{entry.clips} clips, but {first[0]} for method {first[1]!r} (a knob's clips are the same for "
                    "every method)",
                    (*at, "clips"),
                )
                for count in ("primitives", "with_clean_primitives"):
                    value = getattr(entry, count)
                    _must(
                        value is None or value <= len(binary.per_primitive),
                        f"{value}, more than the {len(binary.per_primitive)} primitives of method {name!r}",
                        (*at, count),
                    )
                totals = {
                    "samples": binary.samples,
                    "failed": binary.failed,
                    "missing": binary.missing,
                    "dropped": sum(c.dropped for c in binary.counts.values()),
                }
                for count, total in totals.items():
                    value = getattr(entry, count)
                    _must(
                        value is None or value <= total,
                        f"{value}, more than the {total} {count} of method {name!r} on every clip",
                        (*at, count),
                    )

    def _binary_of(self, name: str, keys: tuple[str | int, ...]) -> BinaryResult:
        """The binary section of method ``name``, which a comparison or knob table names.

        Raises:
            ResultFormatError: ``name`` is not among the methods, or has no binary section.
        """
        method = self.methods.get(name)
        if method is None:
            shown = ", ".join(repr(m) for m in list(self.methods)[:5]) or "none"
            raise ResultFormatError(f"method {name!r} is not among the document's methods ({shown})", keys)
        if method.binary is None:
            raise ResultFormatError(
                f"method {name!r} has no binary section (paired tests and knob tables are of binary results)", keys
            )
        return method.binary

    def to_json(self) -> Any:
        """The document as standard JSON values (``null`` for undefined metrics)."""
        return strict_json(self.to_dict())


def _first_infinite(value: Any, keys: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """The path of the first infinite number in a parsed document, or None."""
    if isinstance(value, float) and math.isinf(value):
        return keys
    items: Any = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, v in items:
        found = _first_infinite(v, (*keys, k))
        if found is not None:
            return found
    return None


def read_metrics(path: str | Path) -> EvaluationResult:
    """The :class:`EvaluationResult` of a ``metrics.json`` file (``camerabench evaluate --json``).

    ``null`` (and a ``NaN`` literal, which is not standard JSON) reads as an undefined metric.

    Raises:
        FileFormatError: the file cannot be read, is not JSON, repeats a key, holds an
            ``Infinity`` literal (no metric is infinite; write ``null`` for an undefined one), or does
            not fit the document's schema (a missing or unknown key, a wrong type, a number no metric
            can take: an AP, accuracy or interval end outside [0, 1], a negative trajectory error, an
            interval whose low end is above its high end); the message names the file, the line
            where there is one, and the key's path.
    """
    doc = read_json_document(path)
    infinite = _first_infinite(doc.value)
    if infinite is not None:
        raise doc.error(
            f"{_key_path(infinite)}: an infinite number is not a metric (write null for an undefined one)", *infinite
        )
    try:
        return EvaluationResult.from_dict(doc.value)
    except ResultFormatError as exc:
        keys = exc.keys
        while keys and doc.line_of(*keys) is None:  # a missing key: the line of the object that lacks it
            keys = keys[:-1]
        raise doc.error(str(exc), *keys) from None
