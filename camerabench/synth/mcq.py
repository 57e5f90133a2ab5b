"""ShotBench-style multiple-choice rows with exact answers, for the dimension the renderer defines.

Camera movement comes straight from the taxonomy: a clip gets a row when exactly one of the 15
primitives is a clear *yes* for it, and its three distractors are primitives that are a clear
*no* (its opposite and confusable partners first, then the static shot, then the rest in
taxonomy order), so every row has one right option. Option texts are the taxonomy's
``mcq_option`` wording (``Truck left``, ``Static shot``); the letters are shuffled by a seed.

The other dimensions the renderer defines exactly get rows in a second table
(:data:`SHOT_TABLE`, :func:`shot_rows`) from the clip's geometry (:func:`shot_geometry`): lens
size from the focal length, camera angle from the pitch, and, for the tracked person-sized
subject, shot size from how much of it the frame shows and composition from where it stands.
Option texts follow ShotBench's vocabulary (ShotDeck's categories, which ShotBench's questions
use: ``Wide``, ``Medium Close Up``, ``Long Lens / Telephoto``, ``Eye level`` ...). ShotBench
publishes no numeric boundaries between its classes, so ours are stated here, from photographic
convention, and a row is written only where the answer holds with a margin at the first, middle
and last frame (a zoom or tilt that crosses a boundary gets no row). Lighting, shot framing and
the compositions not defined by one subject's position (balanced, symmetrical, short side) get
no rows: the renderer does not define them.

Example:
    >>> rows = camera_movement_rows([("pan.mp4", {p: p is Primitive.PAN_LEFT for p in Primitive})], seed=0)
    >>> row = rows[0]
    >>> row.options[row.answer], len(row.options)
    ('Pan left', 4)
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from camerabench.errors import CameraBenchError
from camerabench.shotbench import MCQRow
from camerabench.taxonomy import Primitive, TriState

__all__ = [
    "ANGLE_CLASSES",
    "CAMERA_MOVEMENT_QUESTION",
    "COMPOSITION_CLASSES",
    "FEW_DISTRACTORS",
    "LENS_CLASSES",
    "MCQ_TABLE",
    "NO_CATEGORY",
    "NO_CLEAR_YES",
    "NO_STEADY_CLASS",
    "NO_SUBJECT",
    "SEVERAL_CLEAR_YES",
    "SHOT_QUESTIONS",
    "SHOT_SIZE_CLASSES",
    "SHOT_TABLE",
    "ShotGeometry",
    "angle_class",
    "camera_movement_rows",
    "camera_movement_rows_and_skips",
    "composition_class",
    "lens_class",
    "shot_geometry",
    "shot_rows",
    "shot_rows_and_skips",
    "shot_size_class",
]

#: File stem of the table ``synth`` writes (``labels/shotbench/<stem>.tsv``).
MCQ_TABLE = "synth_camera_movement"
CAMERA_MOVEMENT_QUESTION = "Which camera movement does this video show?"
_OPTIONS = 4

#: Why :func:`camera_movement_rows` gives a clip no row (:func:`camera_movement_rows_and_skips`
#: names the reason per clip; ``synth`` records them in ``manifest.json``'s ``mcq_coverage``).
NO_CLEAR_YES = "no clear-yes primitive"
SEVERAL_CLEAR_YES = "several clear-yes primitives"
FEW_DISTRACTORS = f"fewer than {_OPTIONS - 1} clear-no primitives to offer as distractors"
#: Why :func:`shot_rows` gives a clip no row in a category (:func:`shot_rows_and_skips`), and
#: why a clip has no row in the shot table at all (no row in any category).
NO_SUBJECT = "no tracked subject wholly in view"
NO_STEADY_CLASS = "no class holds, with its margin, at the first, middle and last frame"
NO_CATEGORY = "no category has a row (lens size, camera angle, shot size, composition)"


def _distractors(truth: Primitive, labels: Mapping[Primitive, TriState]) -> list[Primitive]:
    preferred = [truth.opposite, *truth.confusable, Primitive.STATIC, *Primitive]
    ordered = [p for p in dict.fromkeys(preferred) if p is not None and p is not truth]
    return [p for p in ordered if labels.get(p) is False][: _OPTIONS - 1]


def _seed_text(seed: int) -> str:
    """The seed as the text the shuffles are seeded with; refuses what is not an integer.

    ``True``, ``1.0`` and ``1`` seeded different shuffles (``"True:a.mp4"``, ``"1.0:a.mp4"``), so a
    table written with ``seed=1.0`` could not be made again with ``--seed 1``.
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise CameraBenchError(f"the seed must be an integer, got {seed!r}")
    return str(int(seed))


def _checked_labels(video: str, labels: Mapping[Primitive, TriState]) -> dict[Primitive, TriState]:
    """A clip's labels as True / False / None per primitive; anything else refused.

    Labels keyed by name (``"Pan_Left"``) or given as ``np.True_``, 1 or ``"yes"`` were never
    ``is True``: the clip silently got no row, or a primitive no distractor.
    """
    if not isinstance(labels, Mapping):
        raise CameraBenchError(f"{video}: labels must map Primitive -> True / False / None, got {labels!r}")
    out: dict[Primitive, TriState] = {}
    for key, value in labels.items():
        if not isinstance(key, Primitive):
            raise CameraBenchError(f"{video}: labels are keyed by Primitive members, got {key!r}")
        if value is not None and not isinstance(value, bool | np.bool_):
            raise CameraBenchError(f"{video}: label of {key.value} must be True, False or None, got {value!r}")
        out[key] = None if value is None else bool(value)
    return out


def _unique_videos(videos: Sequence[str]) -> None:
    """Refuse a video given twice: its rows could give the same question two right answers."""
    seen: set[str] = set()
    for video in videos:
        if not isinstance(video, str) or not video:
            raise CameraBenchError(f"a video is named by a non-empty file name, got {video!r}")
        if video in seen:
            raise CameraBenchError(f"video {video!r} is given twice")
        seen.add(video)


def camera_movement_rows(clips: Sequence[tuple[str, Mapping[Primitive, TriState]]], seed: int) -> list[MCQRow]:
    """One row per clip with exactly one clear-yes primitive and enough clear-no distractors.

    Args:
        clips: (video file name inside ``videos/``, tri-state labels) per clip.
        seed: an integer; shuffles the option letters (the same seed gives the same table).

    Raises:
        CameraBenchError: a video is given twice, a label is keyed by other than a
            :class:`Primitive` or is not True, False or None, or the seed is not an integer.
    """
    return camera_movement_rows_and_skips(clips, seed)[0]


def camera_movement_rows_and_skips(
    clips: Sequence[tuple[str, Mapping[Primitive, TriState]]], seed: int
) -> tuple[list[MCQRow], dict[str, str]]:
    """:func:`camera_movement_rows`, and why each clip without a row has none.

    Returns:
        The rows, and video -> reason (:data:`NO_CLEAR_YES`, :data:`SEVERAL_CLEAR_YES` or
        :data:`FEW_DISTRACTORS`) for every clip that got no row, in the clips' order: every clip
        is in exactly one of the two.

    Example:
        >>> labels = {p: p is Primitive.PAN_LEFT for p in Primitive}
        >>> rows, skipped = camera_movement_rows_and_skips([("pan.mp4", labels), ("none.mp4", {})], seed=0)
        >>> [r.paths for r in rows], skipped
        ([('videos/pan.mp4',)], {'none.mp4': 'no clear-yes primitive'})

    Raises:
        CameraBenchError: as :func:`camera_movement_rows`.
    """
    seed_text = _seed_text(seed)
    _unique_videos([video for video, _ in clips])
    rows: list[MCQRow] = []
    skipped: dict[str, str] = {}
    for video, raw_labels in clips:
        labels = _checked_labels(video, raw_labels)
        yes = [p for p in Primitive if labels.get(p) is True]
        if len(yes) != 1:
            skipped[video] = NO_CLEAR_YES if not yes else SEVERAL_CLEAR_YES
            continue
        truth = yes[0]
        distractors = _distractors(truth, labels)
        if len(distractors) < _OPTIONS - 1:
            skipped[video] = FEW_DISTRACTORS
            continue
        choices = [truth, *distractors]
        random.Random(f"{seed_text}:{video}").shuffle(choices)
        letters = "ABCDEFGHIJ"[: len(choices)]
        options = {letter: p.mcq_option for letter, p in zip(letters, choices, strict=True)}
        answer = letters[choices.index(truth)]
        index = str(len(rows))
        media = (f"videos/{video}",)
        line = len(rows) + 2
        rows.append(
            MCQRow(
                index, MCQ_TABLE, ("video",), media, CAMERA_MOVEMENT_QUESTION, options, answer, "camera movement", line
            )
        )
    return rows, skipped


#: File stem of the table of lens size, camera angle, shot size and composition rows.
SHOT_TABLE = "synth_shot"

#: The question per category (ShotBench's categories, lower case as in its table).
SHOT_QUESTIONS = {
    "lens size": "What is the lens size of this shot?",
    "camera angle": "What is the camera angle of this shot?",
    "shot size": "What is the shot size of this shot?",
    "composition": "What is the composition of this shot?",
}

#: Lens size by 35 mm-equivalent focal length (diagonal crop factor: 43.27 mm full-frame
#: diagonal): ultra wide below 24 mm, wide 24-35 mm, medium (normal) 35-70 mm, long lens above
#: 70 mm — the usual photographic classes; no row within 8% of a boundary.
LENS_CLASSES = (
    ("Ultra Wide / Fisheye", 0.0, 24.0),
    ("Wide", 24.0, 35.0),
    ("Medium", 35.0, 70.0),
    ("Long Lens / Telephoto", 70.0, math.inf),
)
_LENS_MARGIN = 1.08
_FULL_FRAME_DIAGONAL_MM = 43.27

#: Camera angle by pitch of the optical axis (degrees, up positive) for a camera at a person's
#: eye height: eye level within 5 degrees of horizontal, high angle 15-60 degrees down, low angle
#: 15-60 degrees up; 5-15 degrees is no row, and so is beyond 60 (overhead / worm's eye, which
#: this renderer's paths never reach). "Aerial" (a camera in the air) is a clear no for the
#: renderer's camera, which stays at a person's height.
ANGLE_CLASSES = ("Aerial", "High angle", "Eye level", "Low angle")
_EYE_LEVEL_DEG = 5.0
_ANGLED_DEG = (15.0, 60.0)

#: Shot size by how much of a standing person (the tracked subject, 1.7 m) the frame shows, from
#: the top of the head down: the whole body small in the frame (under 20% of the frame height)
#: is extreme wide, the whole body larger (over 30%) wide; cut at the knees (60-85% visible)
#: medium wide, at the waist (40-55%) medium, at the chest (25-35%) medium close up, head and
#: shoulders (10-20%) close up, part of the face (under 7%) extreme close up. A head cut by the
#: top of the frame, or a subject in the gaps between classes, gets no row.
SHOT_SIZE_CLASSES = (
    "Extreme Wide",
    "Wide",
    "Medium Wide",
    "Medium",
    "Medium Close Up",
    "Close Up",
    "Extreme Close Up",
)
_VISIBLE_BANDS = (
    ("Medium Wide", 0.60, 0.85),
    ("Medium", 0.40, 0.55),
    ("Medium Close Up", 0.25, 0.35),
    ("Close Up", 0.10, 0.20),
    ("Extreme Close Up", 0.0, 0.07),
)

#: Composition by the horizontal centre of the subject (fraction of the frame width): centre
#: within 6% of the middle, left heavy left of 40%, right heavy right of 60%.
COMPOSITION_CLASSES = ("Center", "Left heavy", "Right heavy")


def lens_class(focal_35mm: float) -> str | None:
    """The lens class of a 35 mm-equivalent focal length; None within 8% of a boundary.

    Example:
        >>> lens_class(28.0), lens_class(50.0), lens_class(34.0), lens_class(135.0)
        ('Wide', 'Medium', None, 'Long Lens / Telephoto')
    """
    for name, lo, hi in LENS_CLASSES:
        if lo * _LENS_MARGIN <= focal_35mm <= hi / _LENS_MARGIN:
            return name
    return None


def angle_class(pitch_deg: float) -> str | None:
    """The camera angle of a pitch (degrees, up positive); None between classes.

    Example:
        >>> angle_class(2.0), angle_class(-30.0), angle_class(20.0), angle_class(10.0)
        ('Eye level', 'High angle', 'Low angle', None)
    """
    if abs(pitch_deg) <= _EYE_LEVEL_DEG:
        return "Eye level"
    lo, hi = _ANGLED_DEG
    if lo <= abs(pitch_deg) <= hi:
        return "High angle" if pitch_deg < 0 else "Low angle"
    return None


def shot_size_class(visible: float, height_fraction: float) -> str | None:
    """Shot size from the visible fraction of the person (from the head down) and, when all of
    it is visible, its height as a fraction of the frame's; None between classes.

    Example:
        >>> shot_size_class(1.0, 0.5), shot_size_class(1.0, 0.1), shot_size_class(0.45, 1.0)
        ('Wide', 'Extreme Wide', 'Medium')
    """
    if visible >= 0.999:
        if height_fraction < 0.2:
            return "Extreme Wide"
        return "Wide" if height_fraction > 0.3 else None
    for name, lo, hi in _VISIBLE_BANDS:
        if lo <= visible <= hi:
            return name
    return None


def composition_class(centre_x: float) -> str | None:
    """Composition from the subject's horizontal centre (fraction of the width); None between.

    Example:
        >>> composition_class(0.5), composition_class(0.3), composition_class(0.58)
        ('Center', 'Left heavy', None)
    """
    if abs(centre_x - 0.5) <= 0.06:
        return "Center"
    if centre_x <= 0.4:
        return "Left heavy"
    return "Right heavy" if centre_x >= 0.6 else None


@dataclass(frozen=True)
class ShotGeometry:
    """What a clip's ground truth says about its shot, at its first, middle and last frame.

    Attributes:
        video: the video file name inside ``videos/``.
        focal_35mm: 35 mm-equivalent focal lengths.
        pitch_deg: pitch of the optical axis (up positive).
        subject_visible: visible fraction of the tracked subject from its top down (None: no
            tracked subject, or it is behind the camera or cut at the top or sides).
        subject_height_fraction: the subject's image height over the frame height.
        subject_centre_x: the subject's horizontal centre over the frame width.
    """

    video: str
    focal_35mm: tuple[float, ...]
    pitch_deg: tuple[float, ...]
    subject_visible: tuple[float, ...] | None = None
    subject_height_fraction: tuple[float, ...] | None = None
    subject_centre_x: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        # subject tuples of different lengths stopped shot_rows with zip's "argument 2 is shorter"
        subject = (self.subject_visible, self.subject_height_fraction, self.subject_centre_x)
        lengths = {len(t) for t in subject if t is not None}
        if len(lengths) > 1:
            raise CameraBenchError(
                f"{self.video}: subject_visible, subject_height_fraction and subject_centre_x hold "
                f"{', '.join('none' if t is None else str(len(t)) for t in subject)} values; "
                "each holds one per measured frame"
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly (the generator keeps it with the clip's statistics)."""
        return {k: v for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ShotGeometry:
        """Inverse of :meth:`to_dict`."""

        def tup(v: Any) -> tuple[float, ...] | None:
            return None if v is None else tuple(float(x) for x in v)

        return cls(
            str(d["video"]),
            tup(d["focal_35mm"]) or (),
            tup(d["pitch_deg"]) or (),
            tup(d.get("subject_visible")),
            tup(d.get("subject_height_fraction")),
            tup(d.get("subject_centre_x")),
        )


def _box_corners(
    centre: NDArray[np.float64], size: NDArray[np.float64], rot: NDArray[np.float64]
) -> NDArray[np.float64]:
    signs = np.array([[x, y, z] for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5)])
    return np.asarray(centre + (signs * size) @ rot.T, dtype=np.float64)


def shot_geometry(
    video: str,
    cam_c2w: NDArray[np.float64],
    intrinsics: NDArray[np.float64],
    size: tuple[int, int],
    level_to_world: NDArray[np.float64],
    subject_centres: NDArray[np.float64] | None = None,
    subject_size: NDArray[np.float64] | None = None,
) -> ShotGeometry:
    """Measure a rendered clip's shot at its first, middle and last frame.

    Args:
        video: the video's file name.
        cam_c2w: (N, 4, 4) camera-to-world poses (OpenCV axes: x right, y down, z forward; the
            world's y axis points down, as in the renderer's level frame).
        intrinsics: (N, 3, 3) per-frame K.
        size: (width, height) in pixels.
        level_to_world: the rigid map from the renderer's level frame (boxes are axis-aligned
            there) to the world frame.
        subject_centres: (N, 3) world centre of the tracked subject per frame, if any.
        subject_size: (3,) its extents along the level frame's axes.

    Example:
        >>> poses = np.repeat(np.eye(4)[None], 3, axis=0)
        >>> k = np.repeat(np.array([[320.0, 0, 159.5], [0, 320.0, 95.5], [0, 0, 1]])[None], 3, axis=0)
        >>> g = shot_geometry("a.mp4", poses, k, (320, 192), np.eye(4))
        >>> round(g.focal_35mm[0], 1), g.pitch_deg[0]
        (37.1, 0.0)
    """
    width, height = size
    n = len(cam_c2w)
    picks = sorted({0, n // 2, n - 1})
    diag = math.hypot(width, height)
    focal = tuple(float(intrinsics[i][0, 0]) * _FULL_FRAME_DIAGONAL_MM / diag for i in picks)
    pitch = tuple(float(np.degrees(np.arcsin(np.clip(-cam_c2w[i][1, 2], -1.0, 1.0)))) + 0.0 for i in picks)
    if subject_centres is None or subject_size is None:
        return ShotGeometry(video, focal, pitch)
    visible, height_fraction, centre_x = [], [], []
    for i in picks:
        corners = _box_corners(subject_centres[i], subject_size, level_to_world[:3, :3])
        w2c = np.linalg.inv(cam_c2w[i])
        cam = corners @ w2c[:3, :3].T + w2c[:3, 3]
        if np.any(cam[:, 2] <= 0.05):
            return ShotGeometry(video, focal, pitch)
        pix = cam @ intrinsics[i].T
        u, v = pix[:, 0] / pix[:, 2], pix[:, 1] / pix[:, 2]
        top, bottom = float(v.min()), float(v.max())
        if top < 0 or u.min() < 0 or u.max() > width - 1:
            return ShotGeometry(video, focal, pitch)  # head or sides cut: no clear shot size
        visible.append(min(1.0, (height - 1 - top) / (bottom - top)))
        height_fraction.append((bottom - top) / height)
        centre_x.append(float(np.clip((u.min() + u.max()) / 2, 0, width - 1)) / width)
    return ShotGeometry(video, focal, pitch, tuple(visible), tuple(height_fraction), tuple(centre_x))


def _same(classes: Sequence[str | None]) -> str | None:
    return classes[0] if classes and classes[0] is not None and len(set(classes)) == 1 else None


def _shot_answers(shot: ShotGeometry, seed_text: str) -> tuple[dict[str, tuple[str, tuple[str, ...]]], dict[str, str]]:
    """Per category of :data:`SHOT_QUESTIONS`: (the answer, the options in order) where the clip
    gets a row, else why it gets none; every category is in exactly one of the two."""
    found: dict[str, tuple[str, tuple[str, ...]]] = {}
    skipped: dict[str, str] = {}
    lens = _same([lens_class(f) for f in shot.focal_35mm])
    if lens is not None:
        found["lens size"] = (lens, tuple(name for name, _, _ in LENS_CLASSES))
    else:
        skipped["lens size"] = NO_STEADY_CLASS
    angle = _same([angle_class(p) for p in shot.pitch_deg])
    if angle is not None:
        found["camera angle"] = (angle, ANGLE_CLASSES)
    else:
        skipped["camera angle"] = NO_STEADY_CLASS
    if shot.subject_visible is None or shot.subject_height_fraction is None:
        skipped["shot size"] = NO_SUBJECT
    else:
        pairs = zip(shot.subject_visible, shot.subject_height_fraction, strict=True)
        size = _same([shot_size_class(v, h) for v, h in pairs])
        if size is not None:
            rng = random.Random(f"{seed_text}:{shot.video}:shot size")
            others = rng.sample([c for c in SHOT_SIZE_CLASSES if c != size], _OPTIONS - 1)
            found["shot size"] = (size, (size, *others))
        else:
            skipped["shot size"] = NO_STEADY_CLASS
    if shot.subject_centre_x is None:
        skipped["composition"] = NO_SUBJECT
    else:
        comp = _same([composition_class(x) for x in shot.subject_centre_x])
        if comp is not None:
            found["composition"] = (comp, COMPOSITION_CLASSES)
        else:
            skipped["composition"] = NO_STEADY_CLASS
    return found, skipped


def shot_rows(shots: Sequence[ShotGeometry], seed: int) -> list[MCQRow]:
    """Lens size, camera angle, shot size and composition rows with exact answers.

    A clip gets a row in a category when the class is the same, with its margin, at the first,
    middle and last frame; the options are every class of the category (four for lens size,
    camera angle and, drawn at random among the other classes, shot size; three for
    composition), letters shuffled by ``seed``.

    Example:
        >>> g = ShotGeometry("a.mp4", (28.0, 28.0, 28.0), (0.0, 1.0, 0.0))
        >>> [(r.category, r.options[r.answer]) for r in shot_rows([g], seed=0)]
        [('lens size', 'Wide'), ('camera angle', 'Eye level')]
    """
    return shot_rows_and_skips(shots, seed)[0]


def shot_rows_and_skips(shots: Sequence[ShotGeometry], seed: int) -> tuple[list[MCQRow], dict[str, dict[str, str]]]:
    """:func:`shot_rows`, and per category why each clip without a row in it has none.

    Returns:
        The rows, and category (every key of :data:`SHOT_QUESTIONS`, in its order) -> video ->
        reason (:data:`NO_SUBJECT` or :data:`NO_STEADY_CLASS`), in the clips' order: every clip
        has a row in a category or is named under it. A clip named under every category has no
        row in the table (:data:`NO_CATEGORY`).

    Example:
        >>> g = ShotGeometry("a.mp4", (28.0, 28.0, 28.0), (10.0, 10.0, 10.0))
        >>> rows, skipped = shot_rows_and_skips([g], seed=0)
        >>> [r.category for r in rows], skipped["camera angle"], skipped["shot size"]
        (['lens size'], {'a.mp4': 'no class holds, with its margin, at the first, middle and last frame'}, \
{'a.mp4': 'no tracked subject wholly in view'})
    """
    seed_text = _seed_text(seed)
    _unique_videos([shot.video for shot in shots])
    rows: list[MCQRow] = []
    skipped: dict[str, dict[str, str]] = {category: {} for category in SHOT_QUESTIONS}
    for shot in shots:
        found, lacking = _shot_answers(shot, seed_text)
        for category, reason in lacking.items():
            skipped[category][shot.video] = reason
        for category, (truth, classes) in found.items():
            choices = list(classes)
            random.Random(f"{seed_text}:{shot.video}:{category}").shuffle(choices)
            letters = "ABCDEFGHIJ"[: len(choices)]
            options = dict(zip(letters, choices, strict=True))
            answer = letters[choices.index(truth)]
            rows.append(
                MCQRow(
                    str(len(rows)),
                    SHOT_TABLE,
                    ("video",),
                    (f"videos/{shot.video}",),
                    SHOT_QUESTIONS[category],
                    options,
                    answer,
                    category,
                    len(rows) + 2,
                )
            )
    return rows, skipped
