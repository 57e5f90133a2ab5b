"""Tri-state labels: from a raw CameraBench-style annotation to True / False / None.

``None`` means *ambiguous / not sure*; such samples are left out of every benchmark. The
rules follow CameraBench's derivation (design.md B2) and are applied in this order:

1. a shot transition, or a clip nobody labelled -> None for all 15 primitives;
2. a static camera (steadiness ``static``) or movement ``no`` -> every direction primitive
   False;
3. an arc or crane present -> every direction primitive None (the camera-centric components
   of a compound move are not labelled on their own);
4. otherwise an answer ``no`` becomes None when the camera is shaky or the movement is
   ``minor`` or ``major_complex``; ``unknown`` -> None; for ``minor`` movement even ``yes``
   -> None; for ``major_simple`` movement a ``yes`` on both a primitive and its opposite
   (a pan left *and* right) -> None for both, since a simple move has one direction;
5. Static (fixed camera) is True only when steadiness is ``static`` and movement is ``no``,
   False otherwise.

An annotation that contradicts itself - a direction answered ``yes``, or a compound motion
(arc, crane, dolly zoom), on a camera annotated ``static`` or with movement ``no`` - is refused
(``ValueError``) rather than given rule 2's clear False. A clip with a shot transition is not
checked: its two shots may differ, and rule 1 leaves all its labels ambiguous.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from camerabench.taxonomy.primitives import CompoundMotion, Movement, Primitive, Steadiness

__all__ = ["DIRECTION_PRIMITIVES", "Answer", "RawAnnotation", "TriState", "derive_labels"]

Answer = Literal["yes", "no", "unknown"]
TriState = bool | None

#: The 14 primitives that describe a direction of motion (all but Static).
DIRECTION_PRIMITIVES: tuple[Primitive, ...] = tuple(p for p in Primitive if p is not Primitive.STATIC)

_ANSWERS = ("yes", "no", "unknown")


@dataclass(frozen=True)
class RawAnnotation:
    """One annotator's description of a clip.

    Attributes:
        steadiness: steadiness level, None if unlabelled.
        movement: amount of intentional movement, None if unlabelled.
        directions: answer per direction primitive; a missing primitive counts as ``no``.
        compounds: compound motions present (arcs, cranes, dolly zooms).
        shot_transition: the clip contains a cut.
    """

    steadiness: Steadiness | None
    movement: Movement | None
    directions: Mapping[Primitive, Answer] = field(default_factory=dict)
    compounds: frozenset[CompoundMotion] = frozenset()
    shot_transition: bool = False

    def __post_init__(self) -> None:
        # a plain string here (``"static"``, ``"Pan_Left"``) was never equal to the member it names:
        # a static camera got Static False, a direction keyed by name was read as "no"
        if self.steadiness is not None and not isinstance(self.steadiness, Steadiness):
            raise ValueError(f"steadiness must be a Steadiness or None, got {self.steadiness!r}")
        if self.movement is not None and not isinstance(self.movement, Movement):
            raise ValueError(f"movement must be a Movement or None, got {self.movement!r}")
        if not isinstance(self.directions, Mapping):
            raise ValueError(f"directions must map Primitive -> answer, got {self.directions!r}")
        if not isinstance(self.compounds, frozenset | set | tuple | list):
            raise ValueError(f"compounds must be a set of CompoundMotion, got {self.compounds!r}")
        for compound in self.compounds:
            if not isinstance(compound, CompoundMotion):
                raise ValueError(f"compounds must be CompoundMotion members, got {compound!r}")
        # a list or tuple was accepted here but broke ``compounds & ...`` in derive_labels
        object.__setattr__(self, "compounds", frozenset(self.compounds))
        if not isinstance(self.shot_transition, bool):
            raise ValueError(f"shot_transition must be True or False, got {self.shot_transition!r}")
        # a clip with a cut is two shots: "static" may describe one and "yes" the other, and rule 1
        # leaves every label ambiguous anyway, so only an uncut clip's annotation can contradict itself
        moving_refused = not self.shot_transition and (
            self.steadiness is Steadiness.STATIC or self.movement is Movement.NO
        )
        for prim, answer in self.directions.items():
            if not isinstance(prim, Primitive):
                raise ValueError(f"directions are keyed by Primitive members, got {prim!r}")
            if prim is Primitive.STATIC:
                raise ValueError("Static is derived from steadiness and movement; do not annotate it")
            if answer not in _ANSWERS:
                raise ValueError(f"answer for {prim.value} must be one of {_ANSWERS}, got {answer!r}")
            if answer == "yes" and moving_refused:
                # rule 2 silently turned this "yes" into a clear False
                raise ValueError(
                    f"{prim.value} is answered 'yes' but the camera is annotated as not moving "
                    f"(steadiness {_value(self.steadiness)}, movement {_value(self.movement)})"
                )
        if self.compounds and moving_refused:
            # rule 2 came first: an arc on a camera annotated static got Static True and every
            # direction a clear False
            names = ", ".join(sorted(c.value for c in self.compounds))
            raise ValueError(
                f"compound motion {names} is annotated but the camera is annotated as not moving "
                f"(steadiness {_value(self.steadiness)}, movement {_value(self.movement)})"
            )

    @property
    def labeled(self) -> bool:
        return self.steadiness is not None and self.movement is not None


def _value(member: Steadiness | Movement | None) -> str:
    return "unlabelled" if member is None else str(member.value)


_ARC_CRANE = frozenset(
    {
        CompoundMotion.ARC_CLOCKWISE,
        CompoundMotion.ARC_COUNTERCLOCKWISE,
        CompoundMotion.CRANE_UP,
        CompoundMotion.CRANE_DOWN,
    }
)


def derive_labels(ann: RawAnnotation) -> dict[Primitive, TriState]:
    """Per-primitive tri-state labels for one annotation (all 15 keys, in enum order).

    Example:
        >>> ann = RawAnnotation(Steadiness.SMOOTH, Movement.MAJOR_SIMPLE, {Primitive.PAN_LEFT: "yes"})
        >>> labels = derive_labels(ann)
        >>> labels[Primitive.PAN_LEFT], labels[Primitive.PAN_RIGHT], labels[Primitive.STATIC]
        (True, False, False)
    """
    # Rule 1
    if ann.shot_transition or not ann.labeled:
        return {p: None for p in Primitive}
    out: dict[Primitive, TriState] = {}
    # Rule 5
    out_static = ann.steadiness is Steadiness.STATIC and ann.movement is Movement.NO
    # Rule 2
    if ann.steadiness is Steadiness.STATIC or ann.movement is Movement.NO:
        out = {p: False for p in DIRECTION_PRIMITIVES}
    # Rule 3
    elif ann.compounds & _ARC_CRANE:
        out = {p: None for p in DIRECTION_PRIMITIVES}
    # Rule 4
    else:
        shaky = ann.steadiness is not None and ann.steadiness.is_shaky
        unsure_no = shaky or ann.movement in (Movement.MINOR, Movement.MAJOR_COMPLEX)
        for p in DIRECTION_PRIMITIVES:
            answer = ann.directions.get(p, "no")
            if answer == "unknown" or ann.movement is Movement.MINOR:
                out[p] = None
            elif answer == "no":
                out[p] = None if unsure_no else False
            elif (
                ann.movement is Movement.MAJOR_SIMPLE
                and p.opposite is not None
                and ann.directions.get(p.opposite) == "yes"
            ):
                # a simple move cannot go both ways (there-and-back is major_complex): ambiguous
                out[p] = None
            else:
                out[p] = True
    result = {p: out[p] for p in DIRECTION_PRIMITIVES}
    result[Primitive.STATIC] = out_static
    return {p: result[p] for p in Primitive}
