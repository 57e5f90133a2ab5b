"""Multiple-choice accuracy (ShotBench, design.md B10): answer extraction and the ``mcq`` section.

Answer extraction is deterministic (:func:`extract_choice`, defined in
:mod:`camerabench.shotbench` and re-exported here), following ShotBench's rule without
its model judge and random fallback, which make the official scores irreproducible:

1. the reply without its ``<think>...</think>`` blocks (one cut off unclosed answers nothing),
   then the text inside its ``<answer>...</answer>`` tags when present outside the thinking (all of
   them), else all of it;
2. the characters ``.()[],:;!*#{}``, quotes and backticks become spaces;
3. accepted when exactly one option letter appears as a token (``B``, ``(B)``, ``B.``); letters
   are upper case, so the English article "a" is not option A; two different letters are
   ``unparsed`` (``A or B``; ``B. Option A would pan left`` is not read by its text either);
   a lower-case letter counts only right after an answer cue (``answer: b``, ``answer is (b)``,
   ``option b``, ``choice c``; :func:`~camerabench.shotbench.extract_choice`), which the official
   scorer does not read;
4. else accepted when exactly one option's text appears in it (case-insensitive, same
   punctuation rule), a text that appears only inside a longer option text the reply names
   not counting (``Extreme close-up`` is that option, not ``Close-up`` as well);
5. else, or when the letter or text found follows a negation (``not B``, ``isn't static``), the
   reply is ``unparsed``: wrong, and counted as such (``extraction`` in the section).

Accuracy is reported per category, as the unweighted mean over categories (ShotBench's "Avg")
and pooled over all rows. Failed rows (a recorded failure) and missing rows (no record) count as
wrong under ``--failed lowest`` and are left out under ``--failed drop``; both are counted. A
category none of whose rows has a record is outside the method's coverage (a geometric method
and the lighting questions): its accuracy is NaN, it is left out of the mean and the pooled
accuracy, and the section names it; its rows are in its own ``missing``, not in the section's
(which counts the covered categories' rows). When no category is covered, the note says that none
of the rows is scored or counted in the section's ``missing``. Rows the method was never asked
(``evaluate`` reads them from an ``answer_run.json`` without a finish time: a ``predict``
interrupted in its answering pass; or every row of a predict run whose folder holds no answers
file, the note then saying just that) are missing, whatever their category: an unfinished pass is
not a coverage gap. A category none of whose rows has a record and some of whose rows were never
asked has no answer to score: its accuracy is NaN under either policy (not 0.0: an unanswered row
is not a wrong answer), it is left out of the mean and the pooled accuracy, its rows count in the
section's ``missing``, and the note and a warning name it; a category the pass answered in part
is scored under the policy (never-asked rows wrong under ``lowest``, as missing binary samples
rank lowest). Rows the method's answering pass recorded as outside what it answers (no
record; ``answer_run.json``'s ``video_info["table:index"]`` holds
:data:`~camerabench.eval.results.ROW_UNANSWERABLE_KEY`: a trajectory without intrinsics and a row
naming Static or a zoom) are outside its coverage row by row: neither scored nor missing under
either policy, counted (``unanswerable``, in the category and the section) and named in the note;
the category's other rows are scored as they are (a failed row is the method's: in coverage), and a
category whose rows are all such (or have no record) is outside coverage as above. Rows answered
before their question, options, category or media changed
(``evaluate`` compares ``answer_run.json``'s digest of what each row was asked with the table now)
are stale: the stored reply's letter refers to the options as they were, so it is not scored
against the changed row; stale rows are left out of the accuracy under either policy and counted
(``stale``, and the note). Answer records that match no row (a table the dataset lacks, an index not in
its table) are not evaluated; they are counted (``unmatched_answers``) and named in the section's
note.

Answers are matched to rows by table and index: a record naming the row's table, else one
naming no table, with the row's index as text (``answers.jsonl`` holds it as text; a JSON number
is read as its text). A row no record names so gets the record whose index is the same whole
number (a record of index ``1``, as a tool that read the index column as numbers writes it, for
the row ``01``), when exactly one such record is left. A table holding two rows of the same
number (``1`` and ``01``) is refused: an answer by number could not tell them apart.

Example:
    >>> options = {"A": "Pan left", "B": "Tilt up", "C": "Static"}
    >>> extract_choice("<think>the view rises</think><answer>(B)</answer>", options)
    Choice(letter='B', rule='letter')
    >>> extract_choice("The camera tilts up. Tilt up.", options)
    Choice(letter='B', rule='text')
    >>> extract_choice("A or B", options)
    Choice(letter=None, rule='unparsed')
    >>> extract_choice("Not B", options)
    Choice(letter=None, rule='unparsed')
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Collection, Mapping, Sequence

from camerabench.eval.failed import FailedPolicy, check_failed_policy
from camerabench.eval.results import CategoryAccuracy, MCQResult
from camerabench.records import AnswerRecord
from camerabench.shotbench import Choice, MCQRow, extract_choice

__all__ = [
    "CategoryAccuracy",
    "Choice",
    "MCQResult",
    "extract_choice",
    "match_answers",
    "mcq_section",
    "same_number_rows",
    "whole_number",
]

_COUNTS = ("rows", "scored", "correct", "unparsed", "failed", "missing")
#: Digits converted at once by :func:`whole_number` (below Python's 4300-digit limit of int()).
_DIGITS = 4000


def _accuracy(correct: int, scored: int) -> float:
    return correct / scored if scored else math.nan


def whole_number(index: str) -> int | None:
    """The whole number an index spells in ASCII digits (``"01"`` and ``"1"`` are both 1), or None.

    >>> whole_number("007"), whole_number("a1"), whole_number("1.0")
    (7, None, None)
    >>> whole_number("1" + "0" * 5000) == 10**5000
    True

    Raises:
        TypeError: ``index`` is not a string (an index is text, as the table holds it).
    """
    if not isinstance(index, str):
        raise TypeError(f"index must be a string (an index is text), got {type(index).__name__} {index!r}")
    if not (index.isascii() and index.isdigit()):
        return None
    # in chunks: int() refuses a text of more than 4300 digits (sys.get_int_max_str_digits())
    number = 0
    for i in range(0, len(index), _DIGITS):
        chunk = index[i : i + _DIGITS]
        number = number * 10 ** len(chunk) + int(chunk)
    return number


def same_number_rows(rows: Sequence[MCQRow]) -> tuple[MCQRow, MCQRow] | None:
    """Two rows of one table whose indexes differ as text but spell the same whole number
    (``1`` and ``01``), or None: answers by number cannot tell them apart."""
    first: dict[tuple[str, int], MCQRow] = {}
    for row in rows:
        number = whole_number(row.index)
        if number is None:
            continue
        other = first.setdefault((row.table, number), row)
        if other is not row and other.index != row.index:
            return other, row
    return None


def match_answers(
    rows: Sequence[MCQRow], answers: Mapping[tuple[str | None, str], AnswerRecord]
) -> dict[tuple[str, str], tuple[str | None, str]]:
    """Row ``(table, index)`` -> the key of the answer record that answers it (rows without one left out).

    First by text: the record of the row's table and index, else the record of no table with that
    index. Then, for a row still unanswered, by number: the one record not matched yet whose index
    is the row's whole number (that of the row's table, else of no table).

    Raises:
        TypeError: a key of ``answers`` that is not (table or None, index), both text (an index
            ``1`` is written ``"1"``, as ``answers.jsonl`` is read).
        ValueError: two rows of one table spell the same number (:func:`same_number_rows`),
            several unmatched records spell a row's number (``1`` and ``001`` for the row ``01``),
            or a record of no table is the answer by text of rows of several tables.
    """
    for key in answers:
        _check_answer_key(key)
    clash = same_number_rows(rows)
    if clash is not None:
        a, b = clash
        raise ValueError(
            f"table {a.table!r}: the rows on lines {a.line} and {b.line} have the indexes {a.index!r} and "
            f"{b.index!r}, the same number: an answer whose index is that number could be either's; give "
            "them distinct numbers"
        )
    out: dict[tuple[str, str], tuple[str | None, str]] = {}
    for row in rows:
        keys: tuple[tuple[str | None, str], ...] = ((row.table, row.index), (None, row.index))
        for key in keys:
            if key in answers:
                out[(row.table, row.index)] = key
                break
    shared: dict[tuple[str | None, str], list[str]] = {}
    for (row_table, _), key in out.items():
        shared.setdefault(key, []).append(row_table)
    for key, tables in shared.items():
        if len(tables) > 1:  # one answer would be counted once per table
            raise ValueError(
                f"the answer record of index {key[1]!r} names no table, but tables {', '.join(sorted(tables))} "
                "all have a row of that index: which row it answers is ambiguous"
            )
    used = set(out.values())
    by_number: dict[tuple[str | None, int], list[tuple[str | None, str]]] = {}
    for key in answers:
        number = whole_number(key[1])
        if number is not None and key not in used:
            by_number.setdefault((key[0], number), []).append(key)
    for row in rows:
        number = whole_number(row.index)
        if (row.table, row.index) in out or number is None:
            continue
        for table in (row.table, None):
            found = [k for k in by_number.get((table, number), []) if k not in used]
            if len(found) > 1:
                raise ValueError(
                    f"row {row.table}/{row.index}: the answer records of indexes "
                    f"{', '.join(repr(k[1]) for k in sorted(found, key=lambda k: k[1]))} all spell its number "
                    f"{number}, and none its index {row.index!r}: which answers it is ambiguous"
                )
            if found:
                out[(row.table, row.index)] = found[0]
                used.add(found[0])
                break
    return out


def _check_answer_key(key: object) -> None:
    """An ``answers`` key is ``(table or None, index)``, the index text (:func:`match_answers`)."""
    if not (
        isinstance(key, tuple)
        and len(key) == 2
        and (key[0] is None or isinstance(key[0], str))
        and isinstance(key[1], str)
    ):
        raise TypeError(
            f"answers: the key {key!r} must be (table or None, index), the index as text "
            "(an index 1 is written '1', as answers.jsonl is read)"
        )


def mcq_section(
    rows: Sequence[MCQRow],
    answers: Mapping[tuple[str | None, str], AnswerRecord],
    failed: FailedPolicy = "lowest",
    unasked: Collection[tuple[str, str]] = frozenset(),
    stale: Collection[tuple[str, str]] = frozenset(),
    unanswerable: Collection[tuple[str, str]] = frozenset(),
    unasked_reason: str | None = None,
) -> MCQResult | None:
    """Accuracy of one method's answers on multiple-choice rows.

    Args:
        rows: the labelled rows (all tables of the dataset).
        answers: (table or None, index) -> record; a record without a table matches the row of
            that index of one table (:func:`match_answers` says how they are matched).
        failed: ``lowest`` (failed and missing rows are wrong) or ``drop`` (left out).
        unasked: (table, index) of rows the method was never asked (an answering pass that
            did not finish): missing, and their category is not outside the method's coverage;
            a category with no answer record and such rows has an undefined (NaN) accuracy.
        stale: (table, index) of rows whose answer record was given before the row changed
            (its question, options, category or media): not scored against the row as it is
            now; left out of the accuracy under either policy and counted (``stale``). A stale
            row's record still puts its category in the method's coverage.
        unanswerable: (table, index) of rows the method's answering pass recorded as outside what
            it answers: without an answer record, they are outside its coverage (neither scored nor
            missing, under either policy) and counted (``unanswerable``); one with a record is
            scored by its record.
        unasked_reason: what is known of why the ``unasked`` rows have no answer, where that is
            not an answering pass that did not finish (the default): e.g. a predict run's folder
            without any answers file. The note and the warning then give it, not that guess.

    Returns:
        The section, or None when ``rows`` is empty.

    Raises:
        TypeError: a row whose index is not text (:meth:`MCQRow.check`), or an ``answers`` key
            that is not (table or None, index as text).
        ValueError: an unknown policy, a row whose option keys are not upper-case letters A-Z,
            whose answer is not one of its options or whose category is empty (each naming the
            row), a (table, index) given twice (it would be counted twice), or rows and records that
            cannot be matched unambiguously (:func:`match_answers`).
    """
    check_failed_policy(failed)
    if not rows:
        return None
    seen: set[tuple[str, str]] = set()
    for row in rows:
        row.check()  # its index, option keys and answer, as the table reader checks them
        if not row.category.strip():
            # the loader refuses it; a hand-made row would head a nameless column of the tables
            raise ValueError(f"row {row.table}/{row.index}: its category is empty")
        if (row.table, row.index) in seen:
            raise ValueError(f"row {row.table}/{row.index} is given twice")
        seen.add((row.table, row.index))
    matched = match_answers(rows, answers)
    used = set(matched.values())
    unmatched = sorted((k for k in answers if k not in used), key=lambda k: (k[0] or "", k[1]))
    tally: dict[str, dict[str, int]] = {}
    extraction = {"letter": 0, "text": 0, "unparsed": 0}
    for row in rows:
        t = tally.setdefault(row.category, dict.fromkeys((*_COUNTS, "records", "unasked", "stale", "outside"), 0))
        t["rows"] += 1
        key = matched.get((row.table, row.index))
        rec = answers[key] if key is not None else None
        t["records"] += rec is not None
        t["unasked"] += rec is None and (row.table, row.index) in unasked
        if rec is not None and (row.table, row.index) in stale:
            t["stale"] += 1  # a reply to the row as it was: neither right nor wrong for the row as it is
            continue
        if rec is None and (row.table, row.index) in unanswerable:
            t["outside"] += 1  # the method found it outside what it answers: not its error, not scored
            continue
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
    uncovered = [cat for cat, t in tally.items() if t["records"] == 0 and t["unasked"] == 0]
    # categories an unfinished pass left with no record at all: no answer to score, so no accuracy
    # (0.0 would read as every row answered wrongly); their rows stay missing
    unfinished = [cat for cat, t in tally.items() if t["records"] == 0 and t["unasked"]]
    per_category: dict[str, CategoryAccuracy] = {}
    for cat, t in tally.items():
        scored = 0 if cat in uncovered or cat in unfinished else t["scored"]
        counts = {k: t[k] for k in _COUNTS if k != "scored"}
        per_category[cat] = CategoryAccuracy(
            _accuracy(t["correct"], scored),
            scored=scored,
            covered=cat not in uncovered,
            stale=t["stale"] or None,
            unanswerable=t["outside"] or None,
            **counts,
        )
    covered = {cat: c for cat, c in per_category.items() if c.covered}
    if unfinished:
        why = unasked_reason or "the answering pass did not finish: no row of theirs was answered"
        warnings.warn(
            f"MCQ accuracy undefined ({why}) for {', '.join(unfinished)}",
            stacklevel=2,
        )
    undefined = [cat for cat, c in covered.items() if not math.isfinite(c.accuracy) and cat not in unfinished]
    if undefined:
        warnings.warn(f"MCQ accuracy undefined (no scored row) for {', '.join(undefined)}", stacklevel=2)
    defined = [c.accuracy for c in covered.values() if math.isfinite(c.accuracy)]
    totals = {k: sum(getattr(c, k) for c in covered.values()) for k in _COUNTS}
    notes = []
    if uncovered and len(uncovered) == len(tally):
        # the totals then count no row at all: say so, not only which categories (it read "missing 0")
        outside = sum(tally[cat]["rows"] for cat in uncovered)
        notes.append(
            f"no row has an answer record: every category is outside the method's coverage "
            f"({', '.join(uncovered)}), and its {outside} rows are neither scored nor counted in the section's "
            "missing (each category's own missing"
            + (", or unanswerable," if any(t["outside"] for t in tally.values()) else "")
            + " counts them)"
        )
    elif uncovered:
        notes.append(f"outside the method's coverage (no answer recorded): {', '.join(uncovered)}")
    spellings: dict[str, list[str]] = {}
    for cat in tally:
        spellings.setdefault(" ".join(cat.casefold().split()), []).append(cat)
    alike = [sorted(group) for group in spellings.values() if len(group) > 1]
    if alike:  # e.g. "Lens type" and "lens  type" in a table of one's own: two categories of the mean
        shown = ", ".join(repr(c) for c in alike[0])
        notes.append(
            f"{sum(map(len, alike))} categories differ only in case or spacing (e.g. {shown}): counted as "
            "different categories, each its own share of the mean accuracy"
        )
        warnings.warn(f"MCQ categories that differ only in case or spacing: {shown}", stacklevel=2)
    n_outside = sum(t["outside"] for t in tally.values())
    if n_outside:
        notes.append(
            f"{n_outside} of {len(rows)} rows outside the method's coverage (its answering pass recorded them "
            "as outside what it answers): neither scored nor counted as missing"
        )
    n_unasked = sum(t["unasked"] for t in tally.values())
    if n_unasked:
        notes.append(
            f"{n_unasked} of {len(rows)} rows never asked (the answering pass did not finish): counted as missing"
            if unasked_reason is None
            else f"{n_unasked} of {len(rows)} rows without an answer ({unasked_reason}): counted as missing"
        )
    if unfinished:
        n_rows = sum(tally[cat]["rows"] for cat in unfinished)
        categories = f"categor{'y' if len(unfinished) == 1 else 'ies'} ({', '.join(unfinished)}; {n_rows} rows)"
        notes.append(
            (
                f"no answer yet in {len(unfinished)} {categories}: the answering pass did not finish, so"
                if unasked_reason is None
                else f"no answer in {len(unfinished)} {categories}, so"
            )
            + " their accuracy is undefined (NaN), left out of the mean and the pooled accuracy; their rows count "
            "as missing"
        )
    n_stale = sum(t["stale"] for t in tally.values())
    if n_stale:
        notes.append(
            f"{n_stale} of {len(rows)} rows changed since the method answered them (their question, options, "
            "category or media): stale, their answers are left out of the accuracy; run camerabench predict "
            "--resume to answer them again"
        )
    if unmatched:  # a row of another version of the table, a table the dataset lacks: not evaluated
        table, index = unmatched[0]
        where = f"table {table!r}" if table is not None else "no table"
        notes.append(
            f"{len(unmatched)} answer record{'s' if len(unmatched) > 1 else ''} "
            f"match{'' if len(unmatched) > 1 else 'es'} no row of the multiple-choice tables "
            f"(e.g. {where}, index {index!r}): not evaluated"
        )
    if failed == "drop" and (totals["failed"] or totals["missing"]):
        left_out = totals["failed"] + totals["missing"]
        notes.append(f"{left_out} failed or missing rows left out: methods are scored on different rows")
    return MCQResult(
        per_category=per_category,
        mean_accuracy=sum(defined) / len(defined) if defined else math.nan,
        pooled_accuracy=_accuracy(totals["correct"], totals["scored"]),
        rows=sum(c.rows for c in per_category.values()),
        correct=totals["correct"],
        unparsed=totals["unparsed"],
        failed=totals["failed"],
        missing=totals["missing"],
        extraction=extraction,
        unmatched_answers=len(unmatched) or None,
        stale=n_stale or None,
        unanswerable=n_outside or None,
        note="; ".join(notes) or None,
    )
