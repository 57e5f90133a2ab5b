"""Hostile input to the Ray backend, round 36: Ray's temporary folder and shipped videos.

- An empty or relative ``RAY_TMPDIR`` (or Linux's ``TMPDIR`` without it) is refused before
  ``ray.init`` starts a local instance: Ray made a ``ray`` folder in the current folder and
  failed after some 30 s with a bare ``Exception`` ("timed out during startup").
- A temporary folder Ray cannot use (not writable, or so long that its socket paths pass the
  107 bytes of a Unix socket) is one line naming the folder, not an OSError traceback.
- A video that ``--ship-videos`` cannot read on the driver is that video's failure with the
  reason; the other videos go on (an OSError stopped the whole run with a traceback).

No Ray instance is started: the Ray functions the backend calls are replaced (monkeypatch) by
the fakes of ``ray_fakes.py``, which run each task or actor call at once, in this process.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import camerabench.jobs.ray_backend as ray_backend
from camerabench.errors import CameraBenchError
from camerabench.jobs.ray_backend import RayOptions, connect, run_on_ray
from camerabench.jobs.workers import JobDone

from .ray_fakes import FakeRayInit, FakeRayRun


def _set_up() -> None:
    pass


def _read(path: str) -> bytes:
    return Path(path).read_bytes()


# --- 1. a video --ship-videos cannot read is that video's failure ------------------------------


@pytest.fixture()
def videos(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Three files; reading those named ``locked*`` fails as a file without read permission does."""
    paths = []
    for name in ("a.mp4", "locked.mp4", "c.mp4", "locked2.mp4"):
        (tmp_path / name).write_bytes(name.encode())
        paths.append(tmp_path / name)
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name.startswith("locked"):
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    real_open = os.open

    def os_open(path: str | os.PathLike[str], flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(path).name.startswith("locked"):  # the driver opens a video to ship without blocking
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(os, "open", os_open)
    return paths


def _run(paths: list[Path], actors: bool, per_call: int = 4) -> dict[int, JobDone]:
    options = RayOptions(ship_videos=True, videos_per_call=per_call)
    jobs = [(str(p),) for p in paths]
    dones = run_on_ray(jobs, _set_up, (), _read, "method 'x'", options, actors, 1, file_fields=(0,))
    return {d.index: d for d in dones}


@pytest.mark.parametrize("actors", [False, True], ids=["tasks", "actors"])
def test_a_shipped_video_the_driver_cannot_read_fails_alone(
    videos: list[Path], monkeypatch: pytest.MonkeyPatch, actors: bool
) -> None:
    fake = FakeRayRun(monkeypatch)
    dones = _run(videos[:3], actors)
    assert sorted(dones) == [0, 1, 2]
    assert (dones[0].result, dones[0].died) == (b"a.mp4", None)
    assert (dones[2].result, dones[2].died) == (b"c.mp4", None)
    assert dones[1].result is None
    reason = f"could not read {videos[1]} to send it to the Ray workers (--ship-videos): Permission denied"
    assert dones[1].died == reason
    assert fake.waits  # the readable ones ran on "Ray"


@pytest.mark.parametrize("actors", [False, True], ids=["tasks", "actors"])
def test_when_the_last_videos_cannot_be_shipped_the_run_ends(
    videos: list[Path], monkeypatch: pytest.MonkeyPatch, actors: bool
) -> None:
    """Nothing left to wait for: no ``ray.wait([])`` (which never returns), no idle actor started."""
    FakeRayRun(monkeypatch)
    dones = _run([videos[0], videos[1], videos[3]], actors, per_call=1)
    assert [dones[i].died is None for i in range(3)] == [True, False, False]
    dones = _run([videos[1], videos[3]], actors)  # none readable
    assert sorted(dones) == [0, 1] and all(d.died and "Permission denied" in d.died for d in dones.values())


# --- 2. Ray's temporary folder ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "what"),
    [
        ("RAY_TMPDIR", "", "empty"),
        ("RAY_TMPDIR", "scratch/ray", "a relative path"),
        ("TMPDIR", "tmp", "a relative path"),
    ],
)
@pytest.mark.parametrize("address", [None, "auto"])
def test_an_empty_or_relative_ray_temp_folder_is_refused_before_ray_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str, what: str, address: str | None
) -> None:
    if name == "TMPDIR" and not ray_backend.sys.platform.startswith("linux"):
        pytest.skip("Ray reads TMPDIR on Linux only")
    fake = FakeRayInit(monkeypatch)
    monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CameraBenchError) as exc, connect(address):
        pass
    assert str(exc.value).startswith(f"the environment variable {name} is {value!r}, {what}: ")
    assert f"set {name} to an absolute path" in str(exc.value)
    assert fake.calls == []  # ray.init never ran
    assert list(tmp_path.iterdir()) == []  # no 'ray' folder in the current folder


def test_an_absolute_ray_temp_folder_is_taken(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = FakeRayInit(monkeypatch)
    monkeypatch.setenv("RAY_TMPDIR", str(tmp_path))
    with connect(None) as info:
        assert info.cpus == 2.0
    assert fake.calls == [None]


@pytest.mark.parametrize(
    "error",
    [
        OSError("validate_socket_filename failed: AF_UNIX path length cannot exceed 107 bytes: /x/ray/session/s"),
        PermissionError(13, "Permission denied", "/scratch/ray"),
    ],
    ids=["socket-path-too-long", "not-writable"],
)
def test_a_ray_temp_folder_ray_cannot_use_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, error: OSError
) -> None:
    fake = FakeRayInit(monkeypatch, error=error)
    monkeypatch.setenv("RAY_TMPDIR", str(tmp_path))
    with pytest.raises(CameraBenchError) as exc, connect(None):
        pass
    message = str(exc.value)
    assert message.startswith(f"could not start a local Ray instance: {error}; ")
    assert f"Ray keeps its sockets and logs under {tmp_path / 'ray'} (from RAY_TMPDIR)" in message
    assert "\n" not in message
    assert fake.calls == [None]
    assert "RAY_USAGE_STATS_ENABLED" not in os.environ  # what ray.init set is put back


def test_an_empty_ray_temp_folder_is_refused_by_the_cli_before_the_method_folder_is_made(
    monkeypatch: pytest.MonkeyPatch, data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from camerabench.cli import main

    fake = FakeRayInit(monkeypatch)
    monkeypatch.setenv("RAY_TMPDIR", "")
    out = tmp_path / "out"
    base = ["predict", "--data", str(data), "--method", "dummy", "--out", str(out), "--backend", "ray"]
    for extra in ([], ["--ray-address", "local"], ["--ray-address", "auto"]):
        assert main([*base, *extra]) == 1
        message = caplog.records[-1].getMessage()
        assert message.startswith("the environment variable RAY_TMPDIR is '', empty: "), message
    assert not out.exists()
    assert fake.calls == []


@pytest.mark.parametrize(
    ("address", "ray_address"), [("10.0.0.2:6379", None), (None, "10.0.0.2:6379"), ("auto", "10.0.0.2:6379")]
)
def test_a_run_that_joins_a_cluster_does_not_read_the_temp_folder(
    monkeypatch: pytest.MonkeyPatch, address: str | None, ray_address: str | None
) -> None:
    """Joining, ``ray.init`` uses the temporary folder of the cluster's node: RAY_TMPDIR is not refused."""
    monkeypatch.setenv("RAY_TMPDIR", "")
    if ray_address is None:
        monkeypatch.delenv("RAY_ADDRESS", raising=False)
    else:
        monkeypatch.setenv("RAY_ADDRESS", ray_address)
    ray_backend.check_temp_folder(address)  # no error
    with pytest.raises(CameraBenchError, match="RAY_TMPDIR is ''"):
        ray_backend.check_temp_folder("local")  # a new instance here, whatever RAY_ADDRESS says
