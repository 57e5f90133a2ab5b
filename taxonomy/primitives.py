"""Camera-motion primitives as enums, backed by ``primitives.yaml``.

The enum members are code (so type checkers and IDEs know them); every string attached to
them (file name, task name, question, label_name, definition, caption phrase) is data read
once from ``primitives.yaml``. Nothing else in camerabench types these strings.

Example:
    >>> Primitive.PAN_LEFT.file
    'Pan_Left.jsonl'
    >>> Primitive.PAN_LEFT.question
    'Does the camera pan to the left?'
    >>> Primitive.PAN_LEFT.opposite is Primitive.PAN_RIGHT
    True
    >>> Primitive.from_name("Pan Left") is Primitive.PAN_LEFT
    True
"""

from __future__ import annotations

import difflib
import enum
import functools
import re
from importlib import resources
from typing import Any

import yaml

__all__ = [
    "TAXONOMY_VERSION",
    "CompoundMotion",
    "GroundMotion",
    "Movement",
    "Primitive",
    "SceneDynamics",
    "Speed",
    "Steadiness",
    "TrackingKind",
    "caption_macro",
    "primitives_named",
    "scene_cut_phrase",
    "taxonomy_data",
]

TAXONOMY_VERSION = "1.0"


@functools.cache
def taxonomy_data() -> dict[str, Any]:
    """The parsed ``primitives.yaml`` (cached)."""
    text = resources.files("camerabench.taxonomy").joinpath("primitives.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


_SECTIONS = {
    "Primitive": "binary",
    "CompoundMotion": "compound",
    "GroundMotion": "ground_centric",
    "Steadiness": "steadiness",
    "Movement": "movement",
    "Speed": "speed",
    "SceneDynamics": "scene_dynamics",
    "TrackingKind": "tracking",
}
"""Enum class name -> section of ``primitives.yaml``."""


class _DataEnum(enum.Enum):
    """An enum whose members carry a record from one section of ``primitives.yaml``."""

    @property
    def info(self) -> dict[str, Any]:
        """This member's record in ``primitives.yaml``."""
        section: dict[str, Any] = taxonomy_data()[_SECTIONS[type(self).__name__]]
        record: dict[str, Any] = section[self.value]
        return record

    @property
    def definition(self) -> str:
        return str(self.info.get("definition", ""))


class Primitive(_DataEnum):
    """The 15 binary camera-motion primitives of CameraBench (value = file stem)."""

    MOVE_IN = "Move_In"
    MOVE_OUT = "Move_Out"
    MOVE_UP = "Move_Up"
    MOVE_DOWN = "Move_Down"
    MOVE_RIGHT = "Move_Right"
    MOVE_LEFT = "Move_Left"
    ZOOM_IN = "Zoom_In"
    ZOOM_OUT = "Zoom_Out"
    PAN_RIGHT = "Pan_Right"
    PAN_LEFT = "Pan_Left"
    TILT_UP = "Tilt_Up"
    TILT_DOWN = "Tilt_Down"
    ROLL_CLOCKWISE = "Roll_Clockwise"
    ROLL_COUNTERCLOCKWISE = "Roll_Counterclockwise"
    STATIC = "Static"

    @property
    def stem(self) -> str:
        """File stem, e.g. ``Move_In``."""
        return str(self.value)

    @property
    def file(self) -> str:
        """Binary-classification file name, e.g. ``Move_In.jsonl``."""
        return f"{self.value}.jsonl"

    @property
    def task(self) -> str:
        """Task name as in the public files, e.g. ``Move In``."""
        return str(self.info["task"])

    @property
    def question(self) -> str:
        """The verbatim CameraBench yes/no question."""
        return str(self.info["question"])

    @property
    def label_name(self) -> str:
        return str(self.info["label_name"])

    @property
    def opposite(self) -> Primitive | None:
        name = self.info.get("opposite")
        return Primitive(name) if name else None

    @property
    def confusable(self) -> tuple[Primitive, ...]:
        return tuple(Primitive(n) for n in self.info.get("confusable", []))

    @property
    def caption_phrase(self) -> str:
        """Verb phrase used to turn a label into caption text, e.g. ``pans left``."""
        return str(self.info["caption_phrase"])

    @property
    def mcq_option(self) -> str:
        """How a multiple-choice option names this motion, cinematography-style (``Truck left``)."""
        return str(self.info["mcq_option"])

    @property
    def caption_patterns(self) -> tuple[re.Pattern[str], ...]:
        """Regular expressions that find this primitive in a caption (lower-case text)."""
        return _compiled_patterns("binary", self.value)

    @property
    def axis(self) -> str:
        """Motion component the primitive reads: tx, ty, tz, yaw, pitch, roll, zoom or none."""
        return str(self.info["axis"])

    @property
    def sign(self) -> int:
        """+1 or -1: the sign of :attr:`axis` that means *yes*; 0 for Static."""
        return int(self.info["sign"])

    @property
    def is_translation(self) -> bool:
        return self.axis in ("tx", "ty", "tz")

    @property
    def is_rotation(self) -> bool:
        return self.axis in ("yaw", "pitch", "roll")

    @classmethod
    def from_name(cls, name: str) -> Primitive:
        """Look up by file stem (``Pan_Left``), task (``Pan Left``), file, question or label_name.

        Raises:
            KeyError: no primitive has that name; the message names the closest primitive (a
                name differing in case, spaces, hyphens or by a typo) and lists the valid stems.
        """
        if not isinstance(name, str):
            raise TypeError(f"a primitive name is a string, got {name!r}")
        key = name.strip()
        if key.endswith(".jsonl"):
            key = key[: -len(".jsonl")]
        for p in cls:
            if key in (p.value, p.task, p.question, p.label_name, p.name):
                return p
        valid = ", ".join(p.value for p in cls)
        closest = _closest_primitive(key)
        hint = f"; did you mean {closest.value!r}?" if closest is not None else ""
        shown = repr(name) if len(name) <= _NAME_SHOWN else repr(name[:_NAME_SHOWN]) + f"... ({len(name)} characters)"
        raise KeyError(f"unknown primitive {shown}{hint} (valid names: {valid})")

    @classmethod
    def from_question(cls, question: str) -> Primitive | None:
        """The primitive whose verbatim question this is, or None."""
        if not isinstance(question, str):
            raise TypeError(f"a question is a string, got {question!r}")
        return _question_index().get(question.strip())


#: How much of an unknown name an error message quotes: a whole primitive question (83 characters)
#: and some, never a whole field of many megabytes (a 30 MB task was a 30 MB error line).
_NAME_SHOWN = 120


@functools.cache
def _question_index() -> dict[str, Primitive]:
    return {p.question: p for p in Primitive}


def _fold(name: str) -> str:
    """A name as a user might type it, folded: ``pan-left``, ``PAN LEFT``, ``PanLeft`` -> ``panleft``."""
    return re.sub(r"[\W_]+", "", name.casefold())


def _closest_primitive(name: str) -> Primitive | None:
    """The primitive a mistyped name most likely means (case, spaces, hyphens or a typo), or None.

    Only for the error message: :meth:`Primitive.from_name` accepts the public spellings alone,
    since results files are keyed by them.
    """
    folded = _fold(name)
    if not folded:
        return None
    spellings = {_fold(s): p for p in Primitive for s in (p.value, p.task, p.question, p.label_name)}
    if folded in spellings:
        return spellings[folded]
    found = difflib.get_close_matches(folded, list(spellings), n=1, cutoff=0.9)
    return spellings[found[0]] if found else None


_MACRO = re.compile(r"\{([a-z_]+)\}")
"""``{camera_subject}`` in a caption pattern: a fragment from ``caption_macros``."""


def _macro_fragment(name: str, spec: Any) -> str:
    """The regular-expression fragment of one ``caption_macros`` entry of ``primitives.yaml``.

    A string is the fragment itself; a mapping lists what may come right before the pattern
    (``after_words``, ``after_marks``, ``after_suffixes``, ``at_start``) and becomes an
    alternation of fixed-width look-behinds.
    """
    if isinstance(spec, str):
        return spec
    if not isinstance(spec, dict):
        raise ValueError(f"primitives.yaml: caption_macros.{name} is a string or a mapping, got {spec!r}")
    unknown = set(spec) - {"after_words", "after_marks", "after_suffixes", "at_start"}
    if unknown:
        raise ValueError(f"primitives.yaml: caption_macros.{name} has unknown keys {sorted(unknown)}")
    options = ["^"] if spec.get("at_start") else []
    options += [rf"(?<=\b{re.escape(w)} )" for w in spec.get("after_words", [])]
    for mark in spec.get("after_marks", []):
        options += [f"(?<={re.escape(mark)} )", f"(?<={re.escape(mark)})"]
    options += [rf"(?<=\w{re.escape(s)} )" for s in spec.get("after_suffixes", [])]
    if not options:
        raise ValueError(f"primitives.yaml: caption_macros.{name} allows nothing before the pattern")
    return "(?:" + "|".join(options) + ")"


@functools.cache
def _macros() -> dict[str, str]:
    specs: dict[str, Any] = taxonomy_data().get("caption_macros", {})
    return {name: _macro_fragment(name, spec) for name, spec in specs.items()}


def caption_macro(name: str) -> str:
    """The regular-expression fragment ``{name}`` stands for in a caption pattern.

    For code that rewrites captions before the patterns read them (``caption_facts``), so that a
    rewrite and a pattern agree on, e.g., what ``{not_path}`` leaves out.

    Raises:
        KeyError: ``caption_macros`` of ``primitives.yaml`` has no such entry (the message lists them).
    """
    macros = _macros()
    if name not in macros:
        raise KeyError(f"primitives.yaml: caption_macros has no {name!r} (defined: {', '.join(sorted(macros))})")
    return macros[name]


def _expand(section: str, key: str, pattern: str) -> str:
    macros = _macros()

    def fragment(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in macros:
            raise ValueError(
                f"primitives.yaml: {section}.{key}: caption pattern {pattern!r} names {{{name}}}, "
                f"which caption_macros does not define (defined: {', '.join(sorted(macros))})"
            )
        return macros[name]

    return _MACRO.sub(fragment, pattern)


@functools.cache
def _compiled_patterns(section: str, key: str) -> tuple[re.Pattern[str], ...]:
    """``caption_patterns`` of one entry, macros expanded, each after a word boundary."""
    pats = taxonomy_data()[section][key].get("caption_patterns", [])
    return tuple(re.compile(r"\b" + _expand(section, key, p)) for p in pats)


def primitives_named(text: str) -> list[Primitive]:
    """The primitives a piece of text names, through their caption patterns (taxonomy order).

    Example:
        >>> [p.value for p in primitives_named("Pan left while dollying in")]
        ['Move_In', 'Pan_Left']
        >>> primitives_named("Handheld")
        []
    """
    if not isinstance(text, str):
        raise TypeError(f"primitives_named reads text, got {text!r}")
    lowered = text.lower()
    return [p for p in Primitive if any(pattern.search(lowered) for pattern in p.caption_patterns)]


class CompoundMotion(_DataEnum):
    """Motions built from several primitives: arcs, cranes, dolly zooms."""

    ARC_CLOCKWISE = "Arc_Clockwise"
    ARC_COUNTERCLOCKWISE = "Arc_Counterclockwise"
    CRANE_UP = "Crane_Up"
    CRANE_DOWN = "Crane_Down"
    DOLLY_ZOOM_IN = "Dolly_Zoom_In"
    DOLLY_ZOOM_OUT = "Dolly_Zoom_Out"

    @property
    def question(self) -> str:
        return str(self.info["question"])

    @property
    def opposite(self) -> CompoundMotion:
        return CompoundMotion(self.info["opposite"])

    @property
    def caption_phrase(self) -> str:
        return str(self.info["caption_phrase"])

    @property
    def caption_patterns(self) -> tuple[re.Pattern[str], ...]:
        return _compiled_patterns("compound", self.value)


class GroundMotion(_DataEnum):
    """Ground-centric translation variants (relative to the ground plane, not the camera)."""

    FORWARD_GROUND = "Forward_Ground"
    BACKWARD_GROUND = "Backward_Ground"
    UPWARD_GROUND = "Upward_Ground"
    DOWNWARD_GROUND = "Downward_Ground"

    @property
    def question(self) -> str:
        return str(self.info["question"])

    @property
    def opposite(self) -> GroundMotion:
        return GroundMotion(self.info["opposite"])

    @property
    def camera_centric(self) -> Primitive:
        return Primitive(self.info["camera_centric"])


class Steadiness(_DataEnum):
    """Steadiness levels, from a fixed camera to very unsteady."""

    STATIC = "static"
    VERY_SMOOTH = "very_smooth"
    SMOOTH = "smooth"
    UNSTEADY = "unsteady"
    VERY_UNSTEADY = "very_unsteady"

    @property
    def caption_phrase(self) -> str:
        return str(self.info["caption_phrase"])

    @property
    def is_shaky(self) -> bool:
        return self in (Steadiness.UNSTEADY, Steadiness.VERY_UNSTEADY)


def _caption_text(where: str, record: dict[str, Any], field: str, fields: frozenset[str] = frozenset()) -> str:
    """``record[field]`` of ``primitives.yaml`` as a caption phrase: a non-empty string whose
    ``{placeholders}`` are exactly ``fields``.

    Raises:
        ValueError: the field is missing, not a non-empty string, or names other placeholders
            (the message names ``primitives.yaml``, the entry and the field).
    """
    text = record.get(field)
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"primitives.yaml: {where}.{field} must be a non-empty string, got {text!r}")
    named = frozenset(re.findall(r"\{(\w*)\}", text))
    rest = re.sub(r"\{\w*\}", "", text)
    if named != fields or "{" in rest or "}" in rest:
        want = ", ".join(f"{{{f}}}" for f in sorted(fields)) or "no placeholder"
        raise ValueError(f"primitives.yaml: {where}.{field} must name {want}, got {text!r}")
    return text


class Movement(_DataEnum):
    """How much intentional movement a clip has.

    The classes a caption states without naming a motion carry caption phrases (verb phrases
    after ``The camera``), shared by the geometric captioner and the synthetic references:

    Example:
        >>> Movement.MINOR.caption_phrase
        'moves only very slightly'
        >>> Movement.NO.caption_phrase_unsteady(Steadiness.UNSTEADY)
        'makes no intentional movement but is slightly unsteady'
    """

    NO = "no"
    MINOR = "minor"
    MAJOR_SIMPLE = "major_simple"
    MAJOR_COMPLEX = "major_complex"

    @property
    def caption_phrase(self) -> str:
        """``moves only very slightly`` (minor), ``makes no intentional movement`` (no).

        Raises:
            ValueError: ``primitives.yaml`` gives this class no ``caption_phrase`` (major
                movement is captioned by its primitives).
        """
        return _caption_text(f"movement.{self.value}", self.info, "caption_phrase")

    def caption_phrase_unsteady(self, shake: Steadiness) -> str:
        """No intentional movement, but shaking: ``makes no intentional movement but is <shake>``.

        Raises:
            ValueError: not :attr:`NO`, or ``primitives.yaml`` gives it no such phrase.
        """
        if self is not Movement.NO:
            raise ValueError(f"only Movement.NO has an unsteady caption phrase, not {self}")
        text = _caption_text(f"movement.{self.value}", self.info, "caption_phrase_unsteady", frozenset({"steadiness"}))
        return text.replace("{steadiness}", shake.caption_phrase)

    @property
    def caption_phrase_unmeasured(self) -> str:
        """No pan, tilt, roll or translation measured with the zoom unknown (never "still").

        Raises:
            ValueError: not :attr:`NO`, or ``primitives.yaml`` gives it no such phrase.
        """
        if self is not Movement.NO:
            raise ValueError(f"only Movement.NO has an unmeasured caption phrase, not {self}")
        return _caption_text(f"movement.{self.value}", self.info, "caption_phrase_unmeasured")


def scene_cut_phrase(several: bool = False) -> str:
    """The verb phrase after ``the video`` for a scene cut: ``cuts to another scene``, or for
    several cuts ``cuts to other scenes`` (``scene_cut`` of ``primitives.yaml``).

    Raises:
        ValueError: ``primitives.yaml`` has no ``scene_cut`` mapping, or lacks the phrase.
    """
    record = taxonomy_data().get("scene_cut")
    if not isinstance(record, dict):
        raise ValueError(f"primitives.yaml: scene_cut must be a mapping of caption phrases, got {record!r}")
    unknown = set(record) - {"caption_phrase", "caption_phrase_several"}
    if unknown:
        raise ValueError(f"primitives.yaml: scene_cut has unknown keys {sorted(unknown)}")
    return _caption_text("scene_cut", record, "caption_phrase_several" if several else "caption_phrase")


class Speed(_DataEnum):
    """Camera-movement speed."""

    SLOW = "slow"
    REGULAR = "regular"
    FAST = "fast"

    @property
    def question(self) -> str:
        return str(self.info["question"])

    @property
    def caption_phrase(self) -> str:
        """Adverb (``slowly``, ``quickly``) or empty for regular speed."""
        return str(self.info["caption_phrase"])


class SceneDynamics(_DataEnum):
    """How much of the scene moves."""

    STATIC = "static"
    MOSTLY_STATIC = "mostly_static"
    DYNAMIC = "dynamic"

    @property
    def question(self) -> str:
        return str(self.info["question"])


class TrackingKind(_DataEnum):
    """Object-centric tracking shots."""

    LEAD = "lead"
    TAIL = "tail"
    SIDE = "side"
    FRONT_SIDE = "front_side"
    REAR_SIDE = "rear_side"
    AERIAL = "aerial"
    ARC = "arc"
    PAN = "pan"
    TILT = "tilt"

    @property
    def question(self) -> str:
        return str(self.info["question"])

    @property
    def caption_phrase(self) -> str:
        return str(self.info["caption_phrase"])
