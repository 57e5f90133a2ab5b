"""Worker processes for the job runner: one job at a time per worker, deaths contained.

:func:`run_in_workers` starts ``workers`` processes (``spawn``), each set up once by ``init``,
and hands every worker one job at a time, so the main process always knows which job each
worker holds. That makes three promises possible:

- **A worker that dies mid-job costs that job only.** Killed by the out-of-memory killer or a
  crash in native code, a new worker takes its place and the job is run once more (as the Ray
  backend runs a task again whose worker died: a kill for memory that other jobs caused, or from
  outside, is not the job's failure), after the other jobs; when it dies on the job again, the job is
  reported as ``(index, None, reason)`` ("worker process died (signal 9, SIGKILL) while processing
  this video, again when retried") and the remaining jobs go on. (A job that hangs is skipped by
  killing its worker twice: there is no time limit per job.)
- **No worker outlives the main process.** Workers ask the kernel to kill them when their
  parent dies (``prctl(PR_SET_PDEATHSIG, SIGKILL)``, Linux only; elsewhere an idle worker
  still exits when its pipe to the main process closes), ignore SIGINT (a Ctrl-C reaches the
  whole process group: the main process decides), and are terminated when the caller stops
  iterating for any reason (an exception, KeyboardInterrupt, ``close()``).
- **A method that cannot be set up stops the run with one line** (the worker reports the
  exception of ``init``), instead of a broken pool and a traceback per job. A worker that dies
  while setting up (the out-of-memory killer while a model loads) is not that: the others go on,
  or another is started, as the Ray backend does with its actors; two such deaths in a row with
  no worker set up stop the run.
- **A job that raises, or whose result cannot cross the pipe, costs that job only**: it is
  reported as ``(index, None, reason)`` with the exception (:func:`job_error`), the worker
  goes on, and the traceback goes to the log; it is not taken for a death of the worker.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import operator
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from camerabench.errors import CameraBenchError

__all__ = [
    "STOPS",
    "JobDone",
    "check_workers",
    "describe_exit",
    "exception_reason",
    "job_error",
    "one_line",
    "run_in_workers",
]

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
#: Seconds a worker gets to exit after the last job (or after SIGTERM) before it is killed.
_JOIN_TIMEOUT_S = 10.0


@dataclass
class JobDone:
    """One finished job: ``result`` from the job function, or ``None`` and why there is none in
    ``died`` (the worker died on it, or the job raised: :func:`job_error`)."""

    index: int
    result: Any
    died: str | None
    seconds: float


def describe_exit(exitcode: int | None) -> str:
    """How a process ended, for a failure reason.

    Example:
        >>> describe_exit(-9), describe_exit(1)
        ('signal 9, SIGKILL', 'exit code 1')
    """
    if exitcode is None:
        return "unknown exit status"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            return f"signal {-exitcode}"
        return f"signal {-exitcode}, {name}"
    return f"exit code {exitcode}"


def one_line(text: str) -> str:
    r"""The first non-empty line of ``text``, saying how many lines followed (for error messages).

    Example:
        >>> one_line("Error(s) in loading state_dict:\n\tsize mismatch for a\n\tsize mismatch for b")
        'Error(s) in loading state_dict: (+2 more lines)'
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) <= 1:
        return lines[0] if lines else text
    return f"{lines[0]} (+{len(lines) - 1} more lines)"


#: What stops a run rather than failing one job: Ctrl-C, SIGTERM, sys.exit(). Any other exception
#: of a job, ``BaseException`` subclasses included (``asyncio.CancelledError`` from a method's own
#: event loop), is that job's failure: caught as ``Exception`` only, it stopped the whole run with
#: a traceback (or killed the worker process, recorded as a death with exit code 1).
STOPS: tuple[type[BaseException], ...] = (KeyboardInterrupt, SystemExit)


def exception_reason(exc: BaseException) -> str:
    """The reason recorded for ``exc``: ``Type: message``, or a :class:`CameraBenchError`'s message
    alone (it names what failed). An exception whose message cannot be read (its ``__str__``
    raises, or returns no string) is its type name and a note saying so: ``str()`` raised again
    inside the handler that records the failure, which lost the video's failure (a worker that
    died, a Ray task error) or recorded the ``__str__``'s own error as the reason.

    Example:
        >>> class Opaque(Exception):
        ...     def __str__(self):
        ...         raise RuntimeError("no message")
        >>> exception_reason(Opaque())
        'Opaque (its message could not be read: str() raised RuntimeError)'
    """
    try:
        text = str(exc)
    except STOPS:
        raise
    except BaseException as inner:  # noqa: BLE001 - the note below is the reason recorded
        return f"{type(exc).__name__} (its message could not be read: str() raised {type(inner).__name__})"
    return text if isinstance(exc, CameraBenchError) else f"{type(exc).__name__}: {text}"


def job_error(exc: BaseException) -> str:
    r"""The one-line reason recorded for a job (or a set-up) that raised ``exc``
    (:func:`exception_reason`, on one line).

    Example:
        >>> job_error(ValueError("bad\nframe")), job_error(CameraBenchError("clip.mp4: no frames"))
        ('ValueError: bad (+1 more lines)', 'clip.mp4: no frames')
    """
    return one_line(exception_reason(exc))


def check_workers(workers: object) -> int:
    """``workers`` as a count of processes or actors: an integer >= 1 (not a bool), returned as a
    Python ``int``; an integer of another type (``numpy.int64`` from a computed configuration) is
    taken as its value (run.json, which records it, holds plain JSON numbers only).

    Example:
        >>> import numpy as np
        >>> check_workers(2), type(check_workers(np.int64(3)))
        (2, <class 'int'>)
        >>> check_workers(2.5)
        Traceback (most recent call last):
        ...
        camerabench.errors.CameraBenchError: workers must be an integer >= 1, got 2.5
    """
    try:
        count = None if isinstance(workers, bool) else operator.index(workers)  # type: ignore[arg-type]
    except TypeError:
        count = None
    if count is None or count < 1:
        raise CameraBenchError(f"workers must be an integer >= 1, got {workers!r}")
    return count


def _die_with_parent(parent_pid: int) -> None:
    """Have the kernel SIGKILL this process when its parent dies (Linux); exit if it already has."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"prctl(PR_SET_PDEATHSIG) failed: {os.strerror(err)}")
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


def _debug_format() -> str | None:
    """The format of the main process's first root handler when its root logger is at DEBUG
    (``camerabench -v``), else None: a spawned worker starts with no logging set up, so its debug
    lines (a method's decisions) were lost while its warnings reached stderr through logging's
    last resort."""
    root = logging.getLogger()
    if root.level > logging.DEBUG or root.level == logging.NOTSET or not root.handlers:
        return None
    formatter = root.handlers[0].formatter
    return formatter._fmt if formatter is not None and formatter._fmt else "%(levelname)s %(name)s: %(message)s"


def _worker_main(
    conn: Connection,
    parent_pid: int,
    init: Callable[..., None],
    init_args: tuple[Any, ...],
    job_fn: Callable[..., Any],
    debug_format: str | None = None,
) -> None:
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if debug_format is not None:  # the main process logs at DEBUG: so does the worker, to stderr
        logging.basicConfig(level=logging.DEBUG, format=debug_format)
    try:
        init(*init_args)
    except STOPS:
        raise
    except BaseException as exc:  # noqa: BLE001 - sent to the main process, which stops the run with it
        conn.send(("init_failed", job_error(exc)))
        return
    conn.send(("ready", None))
    while True:
        try:
            message = conn.recv()
        except EOFError:  # the main process is gone
            return
        if message is None:
            return
        index, job = message
        try:
            result = job_fn(*job)
        except STOPS:
            raise
        except BaseException as exc:  # this job's failure, sent to the main process (logged here)
            log.warning("job %d raised", index, exc_info=True)
            conn.send(("failed", (index, job_error(exc))))
            continue
        try:
            conn.send(("done", (index, result)))  # pickled whole before a byte is written
        except OSError:  # the main process is gone
            return
        except Exception as exc:  # noqa: BLE001 - the result cannot be pickled: this job's failure
            conn.send(("failed", (index, f"its result could not be sent to the main process ({job_error(exc)})")))


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    ready: bool = False
    job: int | None = None
    sent_at: float = 0.0


def run_in_workers(
    jobs: Sequence[tuple[Any, ...]],
    workers: int,
    init: Callable[..., None],
    init_args: tuple[Any, ...],
    job_fn: Callable[..., Any],
    what: str,
) -> Generator[JobDone, None, None]:
    """Run ``job_fn(*job)`` for every job in up to ``workers`` processes; yield as they finish.

    ``init``, ``job_fn`` and the jobs must be picklable (module-level functions); ``init`` runs
    once in each worker before its first job. ``what`` names the work in error messages.

    Raises:
        CameraBenchError: ``workers`` is not an integer >= 1, ``init`` raised in a worker, a
            worker died while setting up, or a worker process could not be started.
    """
    check_workers(workers)
    ctx = get_context("spawn")  # safe even if the caller holds threads (torch)
    pending: deque[int] = deque(range(len(jobs)))
    retried: set[int] = set()  # jobs whose worker died once: a second death is the job's failure
    failed_starts = [0]  # workers in a row that died while setting up (reset when one is set up)
    live: list[_Worker] = []
    finished = False

    def start() -> None:
        try:
            parent_conn, child_conn = ctx.Pipe()
        except OSError as exc:  # e.g. too many open files for this many workers
            raise CameraBenchError(
                f"{what}: could not start worker process {len(live) + 1} of {workers} ({exc}); use fewer workers"
            ) from exc
        args = (child_conn, os.getpid(), init, init_args, job_fn, _debug_format())
        process = ctx.Process(target=_worker_main, args=args, name=f"camerabench-worker-{len(live)}")
        try:
            process.start()
        except OSError as exc:  # no more processes or file descriptors
            parent_conn.close()
            raise CameraBenchError(
                f"{what}: could not start worker process {len(live) + 1} of {workers} ({exc}); use fewer workers"
            ) from exc
        finally:
            child_conn.close()
        live.append(_Worker(process, parent_conn))

    def next_job(w: _Worker) -> bool:
        """Give ``w`` the next job; False when there is none (the worker is then told to exit)."""
        while pending:
            index = pending.popleft()
            try:
                w.conn.send((index, jobs[index]))
            except OSError:  # it died while idle: the job goes back, the death shows up below
                pending.appendleft(index)
                return True
            w.job, w.sent_at = index, time.perf_counter()
            return True
        with contextlib.suppress(OSError):  # already gone is as good as exiting
            w.conn.send(None)
        return False

    def bury(w: _Worker) -> JobDone | None:
        """A worker that died: its job (if any) is reported, a new worker takes its place."""
        live.remove(w)
        w.process.join()
        w.conn.close()
        how = describe_exit(w.process.exitcode)
        if not w.ready:  # as the Ray backend's actors (red team R116: one death stopped a local run)
            failed_starts[0] += 1
            setting_up = "a worker process died (%s) while setting up the method; %s"
            if any(other.ready for other in live) or not pending:  # the others go on; nothing is lost
                log.warning("%s: " + setting_up, what, how, "going on with the other workers")
                return None
            if failed_starts[0] >= 2:
                raise CameraBenchError(
                    f"{what}: a worker process died ({how}) while setting up the method, {failed_starts[0]} times in "
                    "a row"
                    + (
                        " - e.g. killed for lack of memory: give it more (fewer --workers, a smaller model or dtype)"
                        if w.process.exitcode == -signal.SIGKILL
                        else ""
                    )
                )
            if live:  # others are setting up
                log.warning("%s: " + setting_up, what, how, "going on with the other workers")
            else:
                log.warning("%s: " + setting_up, what, how, "starting another")
                start()
            return None
        done = None
        if w.job is not None and w.job not in retried:
            log.warning(
                "%s: worker process %s died (%s) on job %d; running it again after the others",
                what,
                w.process.pid,
                how,
                w.job,
            )
            retried.add(w.job)
            pending.append(w.job)  # last: a job that hangs and was killed for it holds up no other (R72)
        elif w.job is not None:
            log.warning("%s: worker process %s died (%s) on job %d, again", what, w.process.pid, how, w.job)
            hint = " - e.g. killed for lack of memory" if w.process.exitcode == -signal.SIGKILL else ""
            reason = f"worker process died ({how}{hint}) while processing this video, again when retried"
            done = JobDone(w.job, None, reason, time.perf_counter() - w.sent_at)
        if pending:
            start()
        return done

    try:
        for _ in range(min(workers, len(jobs))):
            start()
        while live:
            ready = wait([w.conn for w in live] + [w.process.sentinel for w in live])
            for w in list(live):
                if w.conn not in ready and w.process.sentinel not in ready:
                    continue
                try:
                    kind, payload = w.conn.recv()
                except (EOFError, OSError):  # the pipe closed: the process is gone
                    done = bury(w)
                    if done is not None:
                        yield done
                    continue
                except Exception as exc:  # a message read whole that does not unpickle here
                    if w.job is None:
                        raise CameraBenchError(f"{what}: unreadable message from a worker ({job_error(exc)})") from exc
                    kind, payload = "failed", (w.job, f"its result could not be read ({job_error(exc)})")
                if kind == "init_failed":
                    raise CameraBenchError(f"{what}: {payload}")
                if kind == "done":
                    index, result = payload
                    w.job = None
                    yield JobDone(index, result, None, time.perf_counter() - w.sent_at)
                elif kind == "failed":
                    index, reason = payload
                    w.job = None
                    yield JobDone(index, None, reason, time.perf_counter() - w.sent_at)
                else:  # "ready"
                    w.ready = True
                    failed_starts[0] = 0
                if not next_job(w):
                    live.remove(w)
                    _stop(w, terminate=False)
        finished = True
    finally:
        if not finished:  # all of them at once, so that they stop together, not one per join timeout
            for w in live:
                if w.process.is_alive():
                    w.process.terminate()
        for w in live:
            _stop(w, terminate=not finished)


def _stop(w: _Worker, terminate: bool) -> None:
    """Wait for a worker to exit (SIGTERM first when ``terminate``); SIGKILL it if it does not."""
    if terminate and w.process.is_alive():
        w.process.terminate()
    w.process.join(_JOIN_TIMEOUT_S)
    if w.process.is_alive():
        w.process.kill()
        w.process.join()
    w.conn.close()
