"""Red team R31: the Ray backend with a model method.

- An actor killed while setting up the method (SIGKILL during ``_VideoActor.__init__``, as the
  out-of-memory killer ends a model load) is replaced once; a second death in a row stops the run
  with Ray's reason (killed, the OOM killer), not its first line cut off; with several actors the
  others go on.
- Job files are sent as absolute paths; a video the worker does not find but the driver reads is
  said to be the worker's side (--ship-videos).
- qwen-vl: the model folder reaches the workers resolved; a worker that cannot read the folder the
  run's main process found says so; a model loaded on another device or dtype than run.json
  records stops the set-up, naming the options to pass.

The set-ups and jobs are ``eval`` of expressions (as in ``ray_cases.py``), so that Ray workers need
not import this module. The Ray cases share one local instance for this module
(conftest's ``ray_here``, shut down after them): the session's ``ray_instance`` stays up to the end of the
session, and the files that must find no Ray running (``test_ray_hostile14.py``) would find it.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import camerabench.jobs.ray_backend as ray_backend
from camerabench.baselines.vlm.qwen import _RECORDED, QwenVLPredictor
from camerabench.baselines.vlm.tiny import make_tiny_vlm
from camerabench.errors import CameraBenchError
from camerabench.jobs.ray_backend import RayOptions, run_on_ray


def _dies_first(marker: Path, deaths: int) -> str:
    """A set-up (an expression for ``eval``) that SIGKILLs its own process when it is one of the first
    ``deaths`` set-ups to append to ``marker`` (O_APPEND: each set-up's offset after its write is its
    rank, atomically, so two actors starting at once never both take the same rank)."""
    return (
        "(lambda os, fd: os.kill(os.getpid(), 9) if (os.write(fd, b'x'), os.lseek(fd, 0, os.SEEK_CUR))[1] "
        f"<= {deaths} else None)(__import__('os'), __import__('os').open({str(marker)!r}, "
        "__import__('os').O_CREAT | __import__('os').O_WRONLY | __import__('os').O_APPEND))"
    )


def _run(marker: Path, deaths: int, workers: int, pause: float = 0.0) -> dict[int, tuple[object, str | None]]:
    """Three jobs; with ``pause``, each first waits until every actor has started setting up (two
    marks) and then sleeps ``pause`` seconds, so that a surviving actor is still working when Ray
    reports the other actor's death: without it the survivor may end every job first and the run
    ends before the death is seen, which loses nothing but says nothing either."""
    wait = (  # at most 10 s
        f"[__import__('time').sleep(0.05) for _ in range(200) if __import__('os').path.getsize({str(marker)!r}) < 2]"
    )
    sleep = f"({wait}, __import__('time').sleep({pause}))[1] or " if pause else ""
    jobs: list[tuple[str, dict[str, object]]] = [(sleep + "6 // 3", {}), (sleep + "7 - 2", {}), (sleep + "2 * 4", {})]
    init: tuple[str, dict[str, object]] = (_dies_first(marker, deaths), {})
    ray = RayOptions(videos_per_call=1)
    return {d.index: (d.result, d.died) for d in run_on_ray(jobs, eval, init, eval, "w", ray, True, workers)}


def test_an_actor_killed_while_setting_up_is_replaced_and_nothing_is_lost(
    ray_here: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    marker = tmp_path / "starts"
    with caplog.at_level(logging.WARNING, logger="camerabench.jobs.ray_backend"):
        done = _run(marker, deaths=1, workers=1)
    assert done == {0: (2, None), 1: (5, None), 2: (8, None)}
    assert marker.stat().st_size == 2  # the killed actor and its replacement
    [warning] = [r.getMessage() for r in caplog.records]
    assert "a Ray actor died while setting up the method" in warning and warning.endswith("starting another")
    assert "OOM killer" in warning and "more lines" not in warning  # Ray's reason, not its first line


def test_a_second_death_while_setting_up_stops_the_run_with_rays_reason(ray_here: None, tmp_path: Path) -> None:
    with pytest.raises(CameraBenchError) as exc:
        _run(tmp_path / "starts", deaths=2, workers=1)
    message = str(exc.value)
    assert message.startswith("w: Ray actors died while setting up the method, 2 times in a row (ActorDiedError: ")
    assert "OOM killer" in message and "pid " in message and "more lines" not in message
    assert "\n" not in message


def test_with_several_actors_the_others_go_on_when_one_dies_setting_up(
    ray_here: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    marker = tmp_path / "starts"
    with caplog.at_level(logging.WARNING, logger="camerabench.jobs.ray_backend"):
        done = _run(marker, deaths=1, workers=2, pause=1.0)
    assert done == {0: (2, None), 1: (5, None), 2: (8, None)}
    assert marker.stat().st_size == 2  # no replacement while the other actor works
    assert [r.getMessage().endswith("going on with the other actors") for r in caplog.records] == [True]


def test_actors_without_gpus_see_none(ray_here: None) -> None:
    """--gpus-per-worker 0: Ray left CUDA_VISIBLE_DEVICES unset, and a model loaded onto the node's GPUs."""
    job: tuple[str, dict[str, object]] = ("__import__('os').environ.get('CUDA_VISIBLE_DEVICES')", {})
    done = run_on_ray([job], eval, ("None", {}), eval, "w", RayOptions(), True, 1)
    assert [(d.result, d.died) for d in done] == [("", None)]


def test_job_files_go_to_the_workers_as_absolute_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    job: tuple[object, ...] = ("v.mp4", "videos/v.mp4", Path("gt/v.npz"), None)
    absolute = ray_backend._absolute(job, (1, 2, 3))
    assert absolute == ("v.mp4", str(tmp_path / "videos" / "v.mp4"), tmp_path / "gt" / "v.npz", None)


def test_a_video_the_worker_cannot_see_but_the_driver_can_is_said_to_be_the_workers_side(tmp_path: Path) -> None:
    seen = tmp_path / "v.mp4"
    seen.write_bytes(b"frames")
    reason = f"{seen}: video file not found"
    # the worker's side of it: _run_checked lists the files of the job's file fields it does not find
    job: tuple[object, ...] = (f"open({str(tmp_path / 'gone.mp4')!r})", {}, str(tmp_path / "gone.mp4"))
    kind, said, unseen = ray_backend._run_checked(lambda expr, env, path: eval(expr, env), job, {}, (2,))
    assert (kind, unseen) == ("failed", [str(tmp_path / "gone.mp4")]) and said.startswith("FileNotFoundError")
    assert ray_backend._run_checked(lambda expr, env, path: eval(expr, env), job, {}, ())[2] == []
    # the driver's: a file it reads gets the note, one missing here too keeps the method's reason
    noted = ray_backend._worker_side(reason, [str(seen)])
    assert noted.startswith(reason) and "the Ray worker cannot read" in noted and "--ship-videos" in noted
    assert ray_backend._worker_side(reason, [str(tmp_path / "gone.mp4")]) == reason


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_vlm(tmp_path_factory.mktemp("r31") / "tiny")


def test_qwen_sends_the_model_folder_resolved(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tiny.parent)
    probe = QwenVLPredictor({"model": tiny.name, "device": "cpu"})
    assert probe.opt("model") == str(tiny.resolve()) == probe.settings()["model"]


def test_a_worker_that_cannot_read_the_model_folder_the_driver_found_says_so(tiny: Path, tmp_path: Path) -> None:
    probe = QwenVLPredictor({"model": str(tiny), "device": "cpu"})
    probe.settings()
    recorded = {**getattr(probe.options, _RECORDED), "where": "process 1 on the-driver"}
    moved = probe.options.replace(model=str(tmp_path / "not-on-this-node"))
    object.__setattr__(moved, _RECORDED, recorded)
    worker = QwenVLPredictor(moved)
    with pytest.raises(CameraBenchError) as exc:
        worker.setup()
    message = str(exc.value)
    assert "found by the process that started the run (process 1 on the-driver)" in message
    assert "must be on storage every node sees (--ship-videos ships videos only)" in message
    assert "Hugging Face" not in message


def test_a_model_loaded_on_another_device_than_recorded_stops_the_set_up(tiny: Path) -> None:
    probe = QwenVLPredictor({"model": str(tiny), "device": "cpu"})
    settings = probe.settings()
    assert (settings["device_type"], settings["torch_dtype"]) == ("cpu", "float32")
    worker = QwenVLPredictor(probe.options)  # what a worker builds from the options it was sent
    worker.setup()  # as recorded: loads
    # a driver that resolved cuda/bfloat16 (a GPU driver) while this worker loads on the CPU
    elsewhere = {"device_type": "cuda", "torch_dtype": "bfloat16", "where": "process 1 on the-driver"}
    object.__setattr__(probe.options, _RECORDED, elsewhere)
    worker = QwenVLPredictor(probe.options)
    with pytest.raises(CameraBenchError) as exc:
        worker.setup()
    assert "loaded on cpu as float32" in str(exc.value) and "records cuda and bfloat16" in str(exc.value)
    assert "--option device=cpu --option dtype=float32" in str(exc.value)
