"""Multiple-choice accuracy (ShotBench, design.md B10): answer extraction and the ``mcq`` section.

Answer extraction is deterministic (:func:`extract_choice`), following ShotBench's rule without
its model judge and random fallback, which make the official scores irreproducible:

1. the text inside ``<answer>...</answer>`` when present, else the whole reply;
2. the characters ``.()[],:;!*#{}`` become spaces;
3. accepted when exactly one option letter appears as a token (``B``, ``(B)``, ``B.``); letters
   are upper case, so the English article "a" is not option A;
4. else accepted when exactly one option's text appears in it (case-insensitive, same
   punctuation rule);
5. else the reply is ``unparsed``: wrong, and counted as such.

Accuracy is reported per category, as the unweighted mean over categories (ShotBench's "Avg")
and pooled over all rows. Failed rows (a recorded failure) and missing rows (no record) count as
wrong under ``--failed lowest`` and are left out under ``--failed drop``; both are counted.

Example:
    >>> options = {"A": "Pan left", "B": "Tilt up", "C": "Static"}
    >>> extract_choice("<think>the view rises</think><answer>(B)</answer>", options)
    Choice(letter='B', rule='letter')
    >>> extract_choice("The camera tilts up. Tilt up.", options)
    Choice(letter='B', rule='text')
    >>> extract_choice("A or B", options)
    Choice(letter=None, rule='unparsed')
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from camerabench.eval.failed import FailedPolicy
from camerabench.records import AnswerRecord
from camerabench.shotbench import MCQRow

__all__ = ["CategoryAccuracy", "Choice", "MCQResult", "extract_choice", "mcq_section"]

_PUNCTUATION = str.maketrans({c: " " for c in ".()[],:;!*#{}"})
_COUNTS = ("rows", "scored", "correct", "unparsed", "failed", "missing")
_ANSWER_TAG = re.compile(r"<answer>(.*?)</answer>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Choice:
    """The option a reply names: ``letter`` (None when unparsed) and the rule that found it."""

    letter: str | None
    rule: Literal["letter", "text", "unparsed"]


def _clean(text: str) -> str:
    return " ".join(text.translate(_PUNCTUATION).split())


def extract_choice(reply: str, options: Mapping[str, str]) -> Choice:
    """The option letter a free-text ``reply`` names (see the module docstring for the rule)."""
    tagged = _ANSWER_TAG.search(reply)
    text = _clean(tagged.group(1) if tagged else reply)
    letters = {token for token in text.split(" ") if token in options}
    if len(letters) == 1:
        return Choice(letters.pop(), "letter")
    lowered = f" {text.lower()} "
    named = [k for k, v in options.items() if f" {_clean(v).lower()} " in lowered]
    if len(named) == 1:
        return Choice(named[0], "text")
    return Choice(None, "unparsed")


@dataclass
class CategoryAccuracy:
    """Accuracy over one category's rows.

    Attributes:
        accuracy: correct / scored rows (NaN when no row is scored).
        rows: rows in the labels; scored: rows in the denominator (all under ``lowest``).
        correct, unparsed, failed, missing: counts (unparsed, failed and missing are wrong
            under ``lowest``; failed and missing are left out under ``drop``).
    """

    accuracy: float
    rows: int
    scored: int
    correct: int
    unparsed: int
    failed: int
    missing: int


@dataclass
class MCQResult:
    """The ``mcq`` section of one method.

    Attributes:
        per_category: category -> :class:`CategoryAccuracy` (categories in first-seen order).
        mean_accuracy: unweighted mean over the categories with a defined accuracy (ShotBench's "Avg").
        pooled_accuracy: correct / scored over all rows.
        rows, correct, unparsed, failed, missing: totals.
        extraction: rule -> rows it decided (``letter``, ``text``, ``unparsed``).
        note: set when ``drop`` scored methods on different rows.
    """

    per_category: dict[str, CategoryAccuracy]
    mean_accuracy: float
    pooled_accuracy: float
    rows: int
    correct: int
    unparsed: int
    failed: int
    missing: int
    extraction: dict[str, int] = field(default_factory=dict)
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if self.note is None:
            out.pop("note")
        return out


def _accuracy(correct: int, scored: int) -> float:
    return correct / scored if scored else math.nan


def mcq_section(
    rows: Sequence[MCQRow],
    answers: Mapping[tuple[str | None, str], AnswerRecord],
    failed: FailedPolicy = "lowest",
) -> MCQResult | None:
    """Accuracy of one method's answers on multiple-choice rows.

    Args:
        rows: the labelled rows (all tables of the dataset).
        answers: (table or None, index) -> record; a record without a table matches a row of
            any table with that index.
        failed: ``lowest`` (failed and missing rows are wrong) or ``drop`` (left out).

    Returns:
        The section, or None when ``rows`` is empty.
    """
    if not rows:
        return None
    tally: dict[str, dict[str, int]] = {}
    extraction = {"letter": 0, "text": 0, "unparsed": 0}
    for row in rows:
        t = tally.setdefault(
            row.category, dict.fromkeys(("rows", "scored", "correct", "unparsed", "failed", "missing"), 0)
        )
        t["rows"] += 1
        rec = answers.get((row.table, row.index)) or answers.get((None, row.index))
        if rec is None or rec.status == "failed" or rec.answer is None:
            t["missing" if rec is None else "failed"] += 1
            if failed == "lowest":
                t["scored"] += 1
            continue
        choice = extract_choice(rec.answer, row.options)
        extraction[choice.rule] += 1
        t["scored"] += 1
        t["unparsed"] += choice.letter is None
        t["correct"] += choice.letter == row.answer
    per_category = {cat: CategoryAccuracy(_accuracy(t["correct"], t["scored"]), **t) for cat, t in tally.items()}
    defined = [c.accuracy for c in per_category.values() if math.isfinite(c.accuracy)]
    if len(defined) < len(per_category):
        undefined = [cat for cat, c in per_category.items() if not math.isfinite(c.accuracy)]
        warnings.warn(f"MCQ accuracy undefined (no scored row) for {', '.join(undefined)}", stacklevel=2)
    totals = {
        k: sum(t[k] for t in tally.values()) for k in ("rows", "scored", "correct", "unparsed", "failed", "missing")
    }
    note = None
    if failed == "drop" and (totals["failed"] or totals["missing"]):
        left_out = totals["failed"] + totals["missing"]
        note = f"{left_out} failed or missing rows left out: methods are scored on different rows"
    return MCQResult(
        per_category=per_category,
        mean_accuracy=sum(defined) / len(defined) if defined else math.nan,
        pooled_accuracy=_accuracy(totals["correct"], totals["scored"]),
        rows=totals["rows"],
        correct=totals["correct"],
        unparsed=totals["unparsed"],
        failed=totals["failed"],
        missing=totals["missing"],
        extraction=extraction,
        note=note,
    )
