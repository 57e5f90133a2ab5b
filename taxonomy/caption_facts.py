"""The motion facts a camera-motion text states: one reading of captions and answer options.

:func:`caption_facts` reads the primitives and compound motions a text asserts of the camera
through the taxonomy's caption patterns (``primitives.yaml``), after rewriting wordings the
patterns miss and skipping what is negated or another subject's motion. The caption metrics
(``camerabench.eval.caption_metrics``) score a caption's facts with it, and the geometric
baselines read multiple-choice options with it (:func:`option_primitives`), so that a caption
and an option mean the same motion by the same words.

The parser reads English only: a caption in another language states no facts here (the caption
metrics count such captions in their note).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable

from camerabench.taxonomy.primitives import CompoundMotion, Primitive, caption_macro

__all__ = ["caption_facts", "option_primitives"]

_STOP = r"(?:stop(?:s|ped|ping)?|ceas(?:e|es|ed|ing)|quit(?:s|ting)?)"
_NOT = rf"(?:not(?!\s+(?:only|just|merely|{_STOP})\b)|never(?!\s+{_STOP}\b))"
"""``not`` and ``never`` as negators: not ``not only pans`` (it pans), nor ``does not stop panning``,
``never stops moving forward`` (a negated stop: the motion goes on)."""

_NEGATION = re.compile(
    rf"\b(?:{_NOT}|no|(?:hardly|barely|scarcely)(?!\s+(?:noticeable|visible|perceptible|"
    r"discernible|detectable|noticeably|visibly|perceptibly)\b)|without|neither|nor|rather than|"
    r"instead of|fail(?:s|ed|ing)? to)\b"
    r"(?:\s+(?!(?:but|while|whereas|then|yet|although|though|however|instead|as)\b)\w+){0,2}\s*$"
)
"""A negation whose scope reaches the end of the text: at most two words after it, none of
them a clause-opening word (``but``, ``while``, ``then``, ...), no punctuation in between. ``hardly``
and ``barely`` negate a verb (``hardly pans left``), not an adjective: ``a barely noticeable downward
tilt`` states a (small) tilt."""

_HEDGE_WORD = (
    r"(?:appears?|appeared|seems?|seemed|to|be|been|being|have|ever|even|really|actually|at all|any|a|an|single|"
    r"(?:clearly|visibly|noticeably|significantly|perceptibly|obviously|apparently)|"
    r"(?:visible|noticeable|discernible|perceptible|apparent|obvious|significant|clear|real|actual|evident|"
    r"observable|further|additional)(?:\s*,?\s+(?:or|and)\s+(?:visible|noticeable|discernible|perceptible|"
    r"apparent|obvious|significant|clear|real|actual|evident|observable|further|additional))*)"
)
_NEGATOR_HEDGE = re.compile(
    rf"\b({_NOT}|no|without|fail(?:s|ed|ing)? to)"
    rf"(?:\s+{_HEDGE_WORD}\b)+(?=\s)"
)
"""Words right after a negator that leave its scope where it was: ``does not appear to be zooming in``,
``there is no visible or noticeable zoom in`` negate the motion as ``does not zoom in`` does. Only
right after the negator: ``is not shaky and appears to be panning`` keeps its ``and``."""
_NO_POINT = re.compile(
    r"\b(?:at no (?:point|time|moment)|in no way|never once)(?: (?:in|during) the (?:video|clip|shot|footage))?,? "
    r"(?:does|did|do|is|was) (the (?:camera|shot|view|drone)|it) "
)
"""``at no point does the camera zoom in``: ``the camera does not zoom in``."""

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_LINE_BREAK = re.compile(r"\s*[\r\n]+\s*(?:(?:[-*+\u2022]|\d+[.)])\s+)?")
_MARKUP = re.compile(r"[*_#>|]+")
_ADVERB = (
    r"(?:(?:very|quite|rather|extremely|fairly)\s+)?(?:slowly|smoothly|quickly|rapidly|slightly|steadily|gradually|"
    r"gently|gracefully|swiftly|continuously|briefly|subtly|fluidly|carefully|sharply|abruptly)"
)
_MANNER = re.compile(rf"\b{_ADVERB}(?:,?\s+(?:and\s+)?{_ADVERB})*\s+")
"""Manner adverbs ("slowly and smoothly"), dropped so that "arcs slowly clockwise" meets the patterns."""
_TRAILING_MANNER = re.compile(rf"\s+{_ADVERB}(?:,?\s+(?:and\s+)?{_ADVERB})*(?=\s*[.,;:!?]|\s*$)")
"""A manner adverb ending its phrase ("pans left slowly, then right"), dropped as well."""
_CLOCKWISE = re.compile(r"\b(?:(counter|anti)[\s-]*)?clock[\s-]?wise\b")
"""``counter clockwise``, ``anti clockwise``, ``clock-wise``: spelt as the patterns know them."""
_DIRECTION_PHRASE = re.compile(
    r"\bin an? ((?:counter-?|anti-?)?clockwise) (?:direction|manner|motion|fashion|rotation)\b"
)
_MOVE_FORMS = {
    "": "move",
    "e": "move",
    "s": "moves",
    "es": "moves",
    "ing": "moving",
    "ed": "moved",
    "led": "moved",
}
"""``move`` in the form of the verb it replaces (``glides`` -> ``moves``, ``pushing`` -> ``moving``,
``glided`` -> ``moved``: the taxonomy reads ``moved`` of the camera only, as it reads ``glided``)."""
_MOTION_ADJECTIVES = (
    r"slow|smooth|slight|gentle|steady|quick|fast|rapid|subtle|gradual|brief|continuous|seamless|small|"
    r"large|wide|sweeping|short|long|dramatic|noticeable|minor|careful|leisurely|sudden|abrupt|controlled|"
    r"fluid|stable|consistent|swift|deliberate|soft|measured|graceful|fluent|even|constant|minimal|subtly"
)
"""Words of manner before a noun phrase of motion (``a slow, smooth panning movement``): the phrase
reads as the participle alone, as ``a slight trucking`` reads as a subject (``a man walking``)."""
_NOUN_VERBS = {
    "pan": "panning",
    "pann": "panning",
    "tilt": "tilting",
    "truck": "trucking",
    "zoom": "zooming",
    "roll": "rolling",
    "pedestal": "moving",
    "doll": "dollying",
}
"""The participle of a noun phrase's stem (``panning motion`` -> ``panning``, ``dolly movement`` ->
``dollying``): ``a smooth trucks`` would read as vehicles."""
_ORBIT_FORMS = {"": "orbit", "e": "orbit", "s": "orbits", "es": "orbits", "ing": "orbiting", "ed": "orbited"}
"""``orbit`` in the form of the verb it replaces (``circles`` -> ``orbits``)."""
_OPERATOR = re.compile(
    r"(?:^|(?<=[.!?;:]\s)|(?<=[.!?;:]))the (?:camera[\s-]?(?:operator|person|man|woman)|camera(?:man|woman|person))\b"
)
"""``The camera operator tilts up`` (the subject of a sentence): the camera's own motion, as
the taxonomy labels it (``the camera tilts up``); ``tracks a cameraman who moves left`` is kept."""
_SYNONYMS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # "pans 90 degrees to the right", "rolls 45° clockwise": the angle says how far, not which way
    (
        re.compile(
            r"\b(pans?|panning|panned|tilts?|tilting|tilted|rolls?|rolling|rolled|rotat(?:e|es|ing|ed)) (?:by )?"
            r"(?:about |around |approximately |roughly |nearly |almost )?\d+(?:\.\d+)?\s*(?:degrees?|°)\s*"
        ),
        r"\1 ",
    ),
    # noun phrases with a direction: "a smooth trucking motion from right to left", "a panning shot to
    # the left", "a dolly movement forward" (red team R63: no fact) read as the participle ("trucking
    # from right to left"), article and manner words dropped; only where the direction follows at once
    # ("a panning shot of a car moving left" is the car's). CameraBench's 727 distinct references: 3
    # gain a fact ("a seamless transition into a trucking motion to the right": Move_Right)
    (
        re.compile(
            r"\b(?:(?:an?|the) )?(?:(?:" + _MOTION_ADJECTIVES + r")(?:,? (?:and )?| ))*"
            r"(pan|pann(?=ing)|tilt|truck(?=ing)|zoom|roll|pedestal|doll(?=y))(?:ing|y)? "
            r"(?:motion|movement|move|shot)s? (?=(?:from |to |toward )?(?:the )?"
            r"(?:left|right|up|down|in|out|forward|backward|upward|downward|leftward|rightward|"
            r"clockwise|counter-?clockwise|anti-?clockwise)s?\b)"
        ),
        lambda m: f"{_NOUN_VERBS[m.group(1)]} ",
    ),
    # "dollies forward" / "tracks backward": the taxonomy's patterns only know "dollies in/out".
    (re.compile(r"\b(?:doll(?:y|ys|ies|ying)|track(?:s|ing)?) (forward|backward)s?\b"), r"moves \1"),
    # ... and in the past tense, "moved" (of the camera only, as the taxonomy reads "tracked forward")
    (re.compile(r"\b(?:dollied|tracked) (forward|backward)s?\b"), r"moved \1"),
    # "glides forward", "travels to the left", "drifts backward", "shifts left" (red team R60): a
    # translation, as "moves" is
    # (not before a path, as the taxonomy's {not_path} reads "moves down the hallway": "glides
    # down the hallway" is no downward move, "glides up the stairs" is an upward one)
    # (the verb's form is kept: "does not zoom and glide forward" negates both)
    (
        re.compile(
            r"\b(?:glid(e|es|ing|ed)|travel(|s|ing|ed|led)|drift(|s|ing|ed)|shift(|s|ing|ed)) ((?:to the )?"
            r"(?:left|right)(?:wards?)?|(?:forward|backward|upward|downward)s?|up|down)\b" + caption_macro("not_path")
        ),
        lambda m: f"{_MOVE_FORMS[m.group(1) or m.group(2) or m.group(3) or m.group(4) or '']} {m.group(5)}",
    ),
    (re.compile(r"\bpush(es|ing|ed|) (?:forwards?|ahead)\b"), lambda m: f"{_MOVE_FORMS[m.group(1)]} forward"),
    # "tracks in" is a dolly in; "tracks left" / "dollies to the right" a truck
    (re.compile(r"\btrack(?:s|ing)? (in|out)\b(?! of\b)"), r"dollies \1"),
    (re.compile(r"\b(?:track(?:s|ing)?|doll(?:y|ies|ying)) ((?:to the )?(?:left|right))"), r"trucks \1"),
    (re.compile(r"\bdollied ((?:to the )?(?:left|right))"), r"trucked \1"),
    (re.compile(r"\bswivel(?:s|ing|led|ed)?\b(?= (?:to the )?(?:left|right))"), "pans"),
    (re.compile(r"\brotat(?:e|es|ing) ((?:counter-?|anti-?)?clockwise)\b(?! (?:around|about|round)\b)"), r"rolls \1"),
    (re.compile(r"\brotated ((?:counter-?|anti-?)?clockwise)\b(?! (?:around|about|round)\b)"), r"rolled \1"),
    (re.compile(r"\blocked[- ](?:off|down)\b"), "static camera"),
    (re.compile(r"\b(?:stays|remains|holds) (?:put|in place|its position)\b"), "stays still"),
    (re.compile(r"\b(?:stayed|remained|held) (?:put|in place|its position)\b"), "stayed still"),
    (
        re.compile(
            r"\b(?:(?:is|does) not (?:mov(?:e|ing)|in motion)|never moves)(?: at all)?"
            r"(?=\s*(?:[.,;:!?]|$|throughout\b))"
        ),
        "stays still",
    ),
    (
        re.compile(
            r"\b(?:(?:was|did) not (?:mov(?:e|ing)|in motion)|never moved)(?: at all)?"
            r"(?=\s*(?:[.,;:!?]|$|throughout\b))"
        ),
        "stayed still",
    ),
    # "zoom-in", "pedestal-down"
    (re.compile(r"\b(zoom|pan|tilt|truck|pedestal|dolly)-(in|out|up|down|left|right)\b"), r"\1 \2"),
    # "a slow push-in", "a pull-back to reveal the room": the taxonomy's "push in", "pull back"
    (re.compile(r"\b(push)-(in)\b|\b(pull)-(back|out)\b"), lambda m: " ".join(g for g in m.groups() if g)),
    # "moves closer to the subject": forward (and of another subject, "the man moves closer", none)
    (re.compile(r"\bmov(e|es|ing|ed) closer\b"), lambda m: f"{_MOVE_FORMS[m.group(1)]} forward"),
    # "circles the statue clockwise", "orbits around the car counterclockwise": an arc
    (
        re.compile(
            r"\b(?:orbit|circl)(e|es|s|ing|ed|) (?:(?:a)?round )?(?:(?:the|a|an|his|her|its|their)(?: [\w'-]+){1,2} )?"
            r"((?:counter-?|anti-?)?clockwise)\b"
        ),
        lambda m: f"{_ORBIT_FORMS[m.group(1)]} {m.group(2)}",
    ),
    # noun forms: "a slight leftward pan", "a subtle counterclockwise roll", "a forward movement"
    (re.compile(r"\b(left|right)(?:ward)? (pan|truck)\b"), r"\2 \1"),
    (re.compile(r"\b(up|down)(?:ward)? (tilt|pedestal)\b"), r"\2 \1"),
    (re.compile(r"\b((?:counter-?|anti-?)?clockwise) (roll|arc)\b"), r"\2 \1"),
    (re.compile(r"\b(forward|backward|upward|downward) (?:movement|motion)\b"), r"move \1"),
)
_FROM_TO = re.compile(
    r"\b(pans?|panning|panned|tilts?|tilting|tilted|trucks?|trucking|trucked|mov(?:e|es|ing|ed)) (?:from )?(?:the )?"
    r"(left|right|top|bottom)"
    r"(?: side| edge)? to (?:the )?(left|right|top|bottom)\b(?: side| edge)?( and back(?: again)?\b)?"
)
"""``pans from right to left``: a pan to the left (its first direction is where it starts)."""
_TOWARD = {"left": "left", "right": "right", "top": "up", "bottom": "down"}
_BOTH_WAYS = (
    # "pans back and forth" / "from side to side": the taxonomy labels a move there and back
    # with both directions (as the synthetic captions' "pans left, ..., and then pans right")
    (
        re.compile(
            r"\b(pans?|panning|panned|trucks?|trucking|trucked) (?:back and forth|to and fro|(?:from )?side to side)\b"
        ),
        r"\1 left and right",
    ),
    (re.compile(r"\b(tilts?|tilting|tilted) (?:back and forth|to and fro)\b"), r"\1 up and down"),
)


def _from_to(match: re.Match[str]) -> str:
    """``pans from left to right (and back)`` -> ``pans right (and back left)``."""
    verb, start, end, back = match.groups()
    if _TOWARD[start] == _TOWARD[end]:
        return match.group()
    return f"{verb} {_TOWARD[end]}" + (f" and back {_TOWARD[start]}" if back else "")


_PAST_MOTION_VERB = r"(?:panned|tilted|trucked|moved|zoomed|rolled|pedestall?ed|dollied|arced|craned|orbited|slid|rose)"
"""The past of the motion verbs: ``moved``, ``rolled`` ... (as the taxonomy's patterns read them)."""
_MOTION_VERB = (
    r"(?:pans?|panning|tilts?|tilting|trucks?|trucking|moves?|moving|zooms?|zooming|rolls?|rolling|"
    r"pedestals?|pedestal(?:l)?ing|dolly|dollies|dollying|arcs?|arcing|cranes?|craning|orbits?|orbiting|"
    rf"slides?|sliding|rises?|rising|{_PAST_MOTION_VERB})"
)
_DIRECTION = r"(?:(?:up|down|for|back|left|right)wards?|left|right|up|down|in|out|clockwise|counter-?clockwise)"
"""The directions an elided verb may carry (``moves upward and rightward``, ``... and upwards``: the
second direction was dropped, red team R60)."""
_ELIDED_VERB = re.compile(
    rf"\b({_MOTION_VERB}) ((?:to the )?{_DIRECTION})((?:,\s*|\s+)(?:and\s+|then\s+|before\s+|followed by\s+)*"
    rf"(?:back\s+)?)((?:to the )?{_DIRECTION})(?=\s*(?:[.,;:!?]|$|(?:and|while|before|as|with|then|\w+ly)\b))"
)
"""``pans left, then right``: the verb of the second direction is left out."""

_CAMERA_WORDS = r"(?:camera|shot|view|lens|drone|pov|perspective|viewpoint|frame|footage|video|it)"
_NOT_SUBJECT_WORD = (
    rf"(?!(?:{_CAMERA_WORDS}|before|after|to|toward|towards|with|from|by|into|of|for|at|on|in|and|or|then|again|"
    r"while|as|when|whereas|but|so|also|simultaneously|\w+ly)\b)"
)
_SUBJECT = rf"(?:he|she|they|who|(?:the|a|an|his|her|their|this|that|another|some)(?:\s+{_NOT_SUBJECT_WORD}\w+){{1,2}})"
_SUBJECT_ADVERB = r"(?:\w+ly|then|also|later|again|first|next|now|soon|still|just|too)"
"""What may stand between a subject that opens its clause and its verb: ``the car then moved left``."""
_CLAUSE_OPENING = r"(?:^|[.!?;:,(]\s*|\b(?:as|while|when|whereas|but|then|after|before|until|once|because)\s+)"
_AUXILIARY = r"(?:is|are|was|were)"
_OF_OBJECT = rf"of(?:\s+{_NOT_SUBJECT_WORD}\w+){{1,2}}"
"""The object of ``of`` (``a group of trucks``, ``a shot of people``): a participle right after it
is that object's motion (``tracks a group of trucks moving from right to left``)."""
_OTHER_SUBJECT = re.compile(rf"\b(?:{_SUBJECT}|{_OF_OBJECT})(?:\s+{_AUXILIARY})?(?:\s+\w+ly)*\s*$")
"""A subject that is not the camera (``the car``, ``she``, ``a man, who``, ``a group of trucks``)
right before a motion verb, an ``-ly`` adverb or the auxiliary of ``-ing`` between them (``the car
suddenly moves left``, ``the young man is moving left``)."""
_RELATIVE_SUBJECT = re.compile(rf"\bwho(?:\s+{_AUXILIARY})?(?:\s+{_SUBJECT_ADVERB})+\s*$")
"""``a man who then moves left``: ``who`` opens its own clause, so ``then`` may follow it."""
_OTHER_SUBJECT_THEN = re.compile(rf"{_CLAUSE_OPENING}{_SUBJECT}(?:\s+{_SUBJECT_ADVERB})+\s*$")
"""``the camera follows the car; the car then moved left``: another subject opening its clause,
``then``, ``also``, ``later`` ... before its verb (which the taxonomy reads after ``then``). Only
at a clause opening: ``follows the car then moves left`` names an object, the camera moves."""
_OTHER_SUBJECT_FIRST_VERB = re.compile(
    rf"(?:{_CLAUSE_OPENING}{_SUBJECT}|\bwho)(?:\s+{_SUBJECT_ADVERB})*\s+(?:\w+[^s\W]s|\w+ed)"
    rf"(?:\s+(?:around|away|back|over|off|up|down|left|right|forward|backward))?\s+and(?P<adverbs>(?:\s+{_SUBJECT_ADVERB})*)\s*$"
)
"""``the car turns and moves left``, ``the car then turned and moved left``, ``the car turns and then
moves left``: the other subject of a first verb, joined by ``and`` (a participle after ``and then``
is the camera's: ``pans right as the car approaches and then tilting up``). The subject opens its
clause (``passes the parked cars and moves left`` names an object), or is ``who`` (``a static shot of
a woman who turns and moves left``: the woman's motion)."""
_PLURAL_SUBJECT = re.compile(
    r"\b(?:they|we|who|(?:the|these|those|some|his|her|their|both|all|many|several|two|three|four|five)"
    rf"(?:\s+{_NOT_SUBJECT_WORD}\w+){{1,2}})(?:\s+{_SUBJECT_ADVERB})*\s*$"
)
"""A subject that is not the camera before a verb's plain form (``the people move left``; not
after ``a``/``an``: ``a slight move to the left`` is a noun)."""
_SHARED_BASE_VERB = re.compile(r"(?:move|rise|ascend|descend|advance|retreat|slide|lower)\b")
"""Plain forms of the motion verbs other subjects share (``the birds rise up``); the camera's own
verbs (``pan``, ``tilt``, ``zoom``) are left alone, as their plain form is often a noun (``the
slow pan left``)."""


_IT_OTHER = re.compile(
    r"\b(?:follow|track|chas|trail|film|captur|record|watch|show|keep|focus|frame)\w*\s+(?:on\s+|up with\s+)?"
    r"(?:the|a|an|his|her|their|its|this|that)\s+(?!(?:camera|shot|view|drone)\b)\w+(?:\s+\w+)?\s+"
    r"(?:as|while|when|whereas|until|before|after|once)\s+it(?:\s+\w+ly)?\s*$"
)
"""``follows the dog as it moves forward``: ``it`` is what the camera follows, not the camera."""
_CAMERA_ONLY_VERB = re.compile(r"(?:pan|tilt|zoom|doll|truck|pedestal|crane|arc|orbit)")
"""Verbs only a camera does: ``follows the dog as it pans left`` is the camera's pan."""


def _other_subject(text: str, start: int) -> bool:
    """Whether the motion verb at ``start`` of ``text`` has a subject that is not the camera."""
    before = text[max(0, start - 120) : start]
    if _IT_OTHER.search(before) and not _CAMERA_ONLY_VERB.match(text, start):
        return True
    if _SHARED_BASE_VERB.match(text, start):
        return _PLURAL_SUBJECT.search(before) is not None
    if _OTHER_SUBJECT.search(text[max(0, start - 80) : start]):
        return True
    if _OTHER_SUBJECT_THEN.search(before) or _RELATIVE_SUBJECT.search(before):
        return True
    first_verb = _OTHER_SUBJECT_FIRST_VERB.search(text, max(0, start - 120), start)
    return first_verb is not None and not (first_verb.group("adverbs") and re.match(r"\w+ing\b", text[start:]))


_FINITE_VERB = re.compile(rf"(?:\w+[^s\W]s|{_PAST_MOTION_VERB}|remained|stayed)\b")
"""``pans``, ``moves``, ``panned``, ``rose`` (not ``pan``, ``panning``): a verb with its own subject."""
_PERFECT_NEGATION = re.compile(r"\b(?:has|have|had|is|are|was|were|be|been)\s+(?:not|never)\b")
"""``has not zoomed and panned``: the ``-ed`` after it is a participle under the negation."""
_NEGATED_LIST = re.compile(
    rf"\b(?:{_NOT}|no|without)\b(?:\s+(?!(?:but|while|whereas|then|yet|although|though|however|instead|as|and)\b)"
    r"\w+){1,4}\s+or\s*$"
)
"""``does not pan left or tilt up``: the negation reaches across ``or`` (no clause break between)."""
_IN_CLAUSE = r"(?!(?:but|while|whereas|then|yet|although|though|however|instead|as|and|or|nor)\b)"
_SERIES_ITEM = rf"{_IN_CLAUSE}\w+(?:\s+{_IN_CLAUSE}\w+){{0,3}}"
_NEGATED_SERIES = re.compile(
    rf"\b(?:{_NOT}|no|without)\s+{_SERIES_ITEM}(?:\s*,\s*{_SERIES_ITEM})*"
    r"(?:\s*,\s*(?:(or|nor)\s+)?|\s+(or|nor)\s+)$"
)
"""``does not pan left, tilt up, or zoom in``: a negated series of items parted by commas, up to the
item before this one (``or``/``nor`` ending it when this is the last item)."""
_SERIES_GOES_ON = re.compile(rf"(?:\s*,\s*{_SERIES_ITEM})*\s*,?\s+(?:or|nor)\b")
"""After a middle item of a series: its further items and the ``or`` before its last one."""
_VERB_FORM = re.compile(r"\w+(?:s|ing)\b")
"""``moves``, ``moving``: a verb with a subject (``a slight pan to the right`` is a noun)."""

_FINITE_OR_PARTICIPLE = re.compile(r"\w+(?:s|ing|ed)\b|(?:rose|slid)\b")
"""``moves``, ``moving``, ``moved``: a verb whose subject may be another (``the car moved left``
counts only after a clause joint in the taxonomy: ``the car then moved left``, ``the car turned
and moved left``)."""

_STILL_AS_ADVERB = re.compile(r"\s+(?:\w+ing\b|on\b|upon\b)")
"""After ``is still`` / ``remains fixed``: ``still moving``, ``fixed on the dancer`` are not Static."""


def _negated(before: str, verb: str, after: str = "") -> bool:
    """Whether the text ``before`` a motion phrase (starting with ``verb``, ``after`` following it)
    negates it."""
    if _FINITE_VERB.match(verb):  # "does not zoom and pans left": "and" starts a new predicate
        parts = re.split(r"\band\b", before)
        if len(parts) > 1 and not (re.match(r"\w+ed\b", verb) and _PERFECT_NEGATION.search(parts[-2])):
            before = parts[-1]
    # "does not pan left, tilt up, or zoom in": the negation reaches every item of the series
    elif (series := _NEGATED_SERIES.search(before)) and (
        series.group(1) or series.group(2) or _SERIES_GOES_ON.match(after)
    ):
        return True
    hedged = _NEGATOR_HEDGE.sub(r"\1", before)
    return any(pattern.search(text) is not None for pattern in (_NEGATION, _NEGATED_LIST) for text in {before, hedged})


def _expand_elided(match: re.Match[str]) -> str:
    """``pans left, then right`` -> ``pans left, then pans right``; a negation of the first verb
    carries over to the second (``does not pan left and then right`` -> ``... then not pan right``)."""
    verb, first, joint, second = match.groups()
    before = match.string[max(0, match.start() - 80) : match.start()]
    finite = _VERB_FORM.match(verb) or re.fullmatch(_PAST_MOTION_VERB, verb) or _SHARED_BASE_VERB.fullmatch(verb)
    if finite and _other_subject(match.string, match.start()):
        # "the car moves left and right": not the camera's motion either way
        return match.group()
    negated = "not " if _negated(before, match.group(), match.string[match.end() :]) else ""
    # "moved left and back right" -> "moved left and moved right": the taxonomy reads "moved" only
    # after a clause joint, not after "back"
    joint = re.sub(r"\bback\s+$", "", joint)
    return f"{verb} {first}{joint}{negated}{verb} {second}"


_OPPOSITE_WAY = {
    "left": "right",
    "right": "left",
    "up": "down",
    "down": "up",
    "upward": "downward",
    "downward": "upward",
    "forward": "backward",
    "backward": "forward",
    "in": "out",
    "out": "in",
    "clockwise": "counterclockwise",
    "counterclockwise": "clockwise",
}
_THERE_AND_BACK = re.compile(
    rf"\b({_MOTION_VERB}) ((?:to the )?(left|right|up|down|upward|downward|forward|in|out|clockwise|counterclockwise))"
    r"(,? and (?:then )?|,? then )back(?: again)?"
    r"(?: to (?:the |its |their )?(?:cent(?:er|re)|start|middle|(?:original|starting|initial) \w+))?"
    r"(?=\s*(?:[.,;:!?]|$|(?:and|while|as|before|with)\b))"
)
"""``pans left and back``: a move there and back, labelled with both directions (``pans left and pans
right``), as :data:`_BOTH_WAYS` reads ``back and forth``."""
_TARGET_BEFORE_BACK = re.compile(
    r"\b((?:tilts?|tilting|tilted|pans?|panning|panned|mov(?:e|es|ing|ed)|pedestals?|pedestal(?:l)?ing|"
    r"pedestall?ed) (?:up|down|upward|downward|(?:to the )?(?:left|right))) (?:to|toward|towards) (?:the |a |an )?"
    r"[\w-]+(?: [\w-]+)?(?=,? (?:and |then |before )*back\b)"
)
"""``tilts up to the sky, then back down``: where it turns to, dropped so that the elided verb reads."""
_VERB_FORMS = {
    "pedestal": {"": "pedestal", "s": "pedestals", "ing": "pedestaling", "ed": "pedestaled"},
    "truck": {"": "truck", "e": "truck", "s": "trucks", "es": "trucks", "ing": "trucking", "ed": "trucked"},
    "move": {"": "move", "y": "move", "s": "moves", "ies": "moves", "ying": "moving", "ew": "moved"},
}
_MORE_SYNONYMS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str] | str], ...] = (
    # "at no point does the camera zoom in": "the camera does not zoom in"
    (_NO_POINT, r"\1 does not "),
    # "booms up" (a pedestal up on a boom arm), "strafes left" (a truck), "flies forward" (a move)
    (
        re.compile(r"\bboom(s|ing|ed|) (up|down|upward|downward)s?\b"),
        lambda m: f"{_VERB_FORMS['pedestal'][m.group(1)]} {m.group(2)}",
    ),
    (
        re.compile(r"\bstraf(e|es|ing|ed) ((?:to the )?(?:left|right))\b"),
        lambda m: f"{_VERB_FORMS['truck'][m.group(1)]} {m.group(2)}",
    ),
    (
        re.compile(
            r"\bfl(y|ies|ying|ew) ((?:to the )?(?:left|right)(?:wards?)?|"
            r"(?:forward|backward|upward|downward)s?|up|down)\b" + caption_macro("not_path")
        ),
        lambda m: f"{_VERB_FORMS['move'][m.group(1)]} {m.group(2)}",
    ),
    # "moves sideways to the left": "moves to the left"
    (
        re.compile(
            r"\b(mov(?:e|es|ing|ed)|trucks?|trucking|trucked|slid(?:e|es|ing)?) (?:sideways|laterally) "
            r"(?:to(?:wards?)? )?(?:the )?(left|right)\b"
        ),
        r"\1 to the \2",
    ),
    # "moves away from the subject": backward (not "away from the camera", another subject's; not a
    # bare "moves away", as often said of a subject leaving: "tilts up as it moves away")
    (
        re.compile(r"\bmov(e|es|ing|ed) away(?= from\b)(?! from (?:the |this |our )?(?:camera|viewer|lens)\b)"),
        lambda m: f"{_MOVE_FORMS[m.group(1)]} backward",
    ),
    # "the camera rises." / "rises above the trees": upward ("the rising sun" is no motion)
    (
        re.compile(
            r"\b(rises|rising|rose)\b(?=\s*(?:[.,;:!?]|$|(?:and|then|while|as|above|over|into|higher|revealing|"
            r"showing|to reveal|to show)\b))"
        ),
        r"\1 up",
    ),
)
_DOLLY_ZOOM = re.compile(r"\bdolly[\s-]?zoom(?:s|ing|ed)? (in|out)\b")
"""``dolly zooms in``: the compound motion, as the taxonomy's caption phrase states it (a move
backward while zooming in, :attr:`CompoundMotion.DOLLY_ZOOM_IN`)."""
_MOVES_IN_OUT = re.compile(
    r"\bmov(e|es|ing|ed) (in|out)\b(?=\s*(?:[.,;:!?]|$|(?:and|then|while|as|before|toward|towards|closer|on|"
    r"slightly|to(?:wards?)? (?:the|a|an|his|her|its|their))\b))"
)
"""``moves in`` / ``moves out`` (not ``moves in front of``, ``moves out of``): forward / backward."""
_KEY_VALUE = re.compile(
    r"(?P<lead>^|[{},;.\[\]!?])\s*(?:[-*\u2022]\s*)?[\"']?(?P<key>[a-z][a-z -]{0,40}?)[\"']?\s*(?:[:=]|=>|->)\s*"
    r"[\"']?(?P<value>yes|no|true|false|none|null|n/a|y|n|static|still|stationary|fixed|nothing|no movement)[\"']?"
    r"\s*(?=$|[,;.}\]!?])"
)
"""``Pan left: yes``, ``- Zoom in: no``, ``{"pan_left": true}`` (markup has made ``pan_left`` ``pan left``):
a key-value answer, whose value decides whether its key is stated."""
_MOVEMENT_KEY = re.compile(r"(?:(?:the )?camera )?(?:movement|motion)s?(?: type)?")
_STATIC_KEY = re.compile(r"(?:static|still|stationary|fixed)(?: (?:camera|shot))?|(?:camera )?(?:is )?static")
_TERSE_STATIC = re.compile(r"(^|[.;!?]\s*)(?:static|stationary|still|fixed)(?: camera| shot)?\s*(?=[.;!?]|$)")
"""A caption (or sentence) that is the word ``Static.`` alone."""


_CAMERA_KEY = re.compile(r"\b(?:camera|shot|movement|motion|view)\b")
"""A key about the camera (``Camera: static``, ``Shot type: static``), which a still value
answers with Static; ``Subject: static`` says nothing of the camera."""
_KEY_DIRECTION = re.compile(
    r"(?P<lead>^|[{},;.\[\]!?])\s*(?:[-*\u2022]\s*)?[\"']?(?P<key>pan|tilt|roll|zoom|truck|dolly|pedestal|boom|crane|arc)"
    r"(?: direction)?[\"']?\s*(?:[:=]|=>|->)\s*[\"']?"
    r"(?P<way>left|right|up|down|in|out|forward|backward|clockwise|counterclockwise)[\"']?\s*(?=$|[,;.}\]!?])"
)
"""``Pan: left``, ``Zoom: in``: a key-value answer naming the direction of the motion its key names
(read as ``pan left``, ``zoom in``)."""
_OTHER_KEY = re.compile(
    r"(?P<lead>^|[.;!?])\s*(?:[-*\u2022]\s*)?(?:the )?(?:main )?(?:subjects?|objects?|person|"
    r"people|characters?|actors?|background|foreground)(?: (?:movement|motion|action|activity)s?)?\s*:"
    r"(?![^.;!?]*\bcamera\b)[^.;!?]*"
)
"""``Subject: moving left.``, ``Subject motion: the man moves forward.``: a key that names another
subject, whose value (up to the sentence's end) is that subject's motion, not the camera's (not when
the value speaks of the camera: ``Subject: a man; the camera follows ...`` keeps its camera)."""
_QUESTION_ANSWER = re.compile(
    r"(?P<lead>^|[.;!?]\s*)(?P<question>[^.;!?]*)\?\s*(?P<answer>yes|no)\b(?=\s*(?:[,.;!]|$))"
)
"""``Is the camera zooming in? No.``: a question answered yes or no, read as its answer."""


def _question_answer(match: re.Match[str]) -> str:
    """A yes/no question and its answer as prose: the question as a statement on yes; nothing on no."""
    if match.group("answer") == "yes":
        return f"{match.group('lead')}{match.group('question')}"
    return match.group("lead")


def _key_value(match: re.Match[str]) -> str:
    """A key-value answer as prose: its key when the value says yes; nothing when it says no."""
    lead, key, value = match.group("lead"), match.group("key").strip(), match.group("value")
    yes = value in ("yes", "true", "y")
    still = value in ("static", "still", "stationary", "fixed", "none", "no", "nothing", "no movement")
    if _MOVEMENT_KEY.fullmatch(key):
        return f"{lead} the camera is static" if still else lead
    if _STATIC_KEY.fullmatch(key):
        return f"{lead} the camera is static" if yes else lead
    if value in ("static", "still", "stationary", "fixed") and _CAMERA_KEY.search(key):
        # "Camera: static", "Shot type: static", "the camera movement is as follows: static"
        return f"{lead} the camera is static"
    return f"{lead} {key}" if yes else lead


def _there_and_back(match: re.Match[str]) -> str:
    verb, way, bare, joint = match.group(1), match.group(2), match.group(3), match.group(4)
    before = match.string[max(0, match.start() - 80) : match.start()]
    negated = "not " if _negated(before, match.group(), match.string[match.end() :]) else ""
    return f"{verb} {way}{joint}{negated}{verb} {_OPPOSITE_WAY[bare]}"


def _dolly_zoom(match: re.Match[str]) -> str:
    before = match.string[max(0, match.start() - 80) : match.start()]
    if _negated(before, match.group(), match.string[match.end() :]):
        return match.group()
    member = CompoundMotion.DOLLY_ZOOM_IN if match.group(1) == "in" else CompoundMotion.DOLLY_ZOOM_OUT
    # "performs a dolly zoom, moving backward while zooming in" without its comma (a clause break)
    return member.caption_phrase.replace("performs a ", "").replace(",", "")


def _normalise_caption(caption: str) -> str:
    """Lower-cased caption with the wordings the taxonomy's patterns miss rewritten to ones they know."""
    text = unicodedata.normalize("NFKC", caption).translate(_APOSTROPHES).lower()
    text = re.sub(r"n't\b", " not", text)
    text = _OPERATOR.sub("the camera", text)
    # runs of spaces and tabs first, in one linear pass: _LINE_BREAK's leading \s* on a long run
    # with no line break in it retried from every space (16,000 spaces took 3.4 s, quadratically)
    text = re.sub(r"[^\S\r\n]+", " ", text)
    text = _LINE_BREAK.sub(". ", text.strip())
    text = _MARKUP.sub(" ", text)
    text = re.sub(r"[ \t]+", " ", text)
    text = _OTHER_KEY.sub(r"\g<lead>", text)
    text = _QUESTION_ANSWER.sub(_question_answer, text)
    text = _KEY_VALUE.sub(_key_value, text)
    text = _KEY_DIRECTION.sub(r"\g<lead> \g<key> \g<way>", text)
    text = _TERSE_STATIC.sub(r"\1the camera is static", text)
    text = _MANNER.sub("", text)
    text = _TRAILING_MANNER.sub("", text)
    text = _CLOCKWISE.sub(r"\1clockwise", text)
    text = _DIRECTION_PHRASE.sub(r"\1", text)
    for pattern, replacement in _SYNONYMS:
        text = pattern.sub(replacement, text)
    for pattern, replacement in _MORE_SYNONYMS:
        text = pattern.sub(replacement, text)
    text = _DOLLY_ZOOM.sub(_dolly_zoom, text)
    text = _FROM_TO.sub(_from_to, text)
    for pattern, replacement in _BOTH_WAYS:
        text = pattern.sub(replacement, text)
    text = _THERE_AND_BACK.sub(_there_and_back, text)
    text = _TARGET_BEFORE_BACK.sub(r"\1", text)
    for _ in range(8):  # "pans left, then right, then left again"
        expanded = _ELIDED_VERB.sub(_expand_elided, text)
        if expanded == text:
            break
        text = expanded
    return _MOVES_IN_OUT.sub(
        lambda m: f"{_MOVE_FORMS[m.group(1)]} {'forward' if m.group(2) == 'in' else 'backward'}", text
    )


def _asserted(text: str, member: Primitive | CompoundMotion, match: re.Match[str]) -> bool:
    """Whether ``match`` states ``member`` of the camera: not negated, not another subject's motion."""
    before = text[max(0, match.start() - 80) : match.start()]
    if _negated(before, match.group(), text[match.end() :]):
        return False
    verb = match.group()
    if (_FINITE_OR_PARTICIPLE.match(verb) or _SHARED_BASE_VERB.match(verb)) and _other_subject(text, match.start()):
        return False
    return not (
        member is Primitive.STATIC
        and match.group().rstrip().endswith(("still", "fixed"))
        and _STILL_AS_ADVERB.match(text, match.end())
    )


def caption_facts(caption: str) -> set[str]:
    """Primitives (file stems) and compound motions a caption asserts of the camera.

    The caption is lower-cased and normalised (curly apostrophes, ``n't``, line breaks and
    markdown bullets as sentence breaks, manner adverbs such as "slowly" dropped, "in a
    clockwise direction", "counter clockwise", "dollies forward", "glides forward", "pushes
    forward", "tracks left", "tracks in", "swivels", "rotates clockwise", "locked-off", "pans from
    right to left" (a pan left), "pans 90 degrees to the right", "a push-in", "moves closer",
    "circles the statue clockwise", "never moves", "pans back and forth" (both ways, as a move there and back is
    labelled), "pans left, then right" and "the camera operator pans" rewritten to wordings the
    patterns know, each in the present and the past tense: "panned left, then right", "moved
    forward and down", "trucked back and forth"; "moves in", "booms up", "rises", "flies forward",
    "strafes left", "moves sideways to the left", "moves away from the subject", "pans left and
    back" (both ways), "tilts up to the sky, then back down", "dolly zooms in" (the compound's
    caption phrase: a move backward while zooming in), "at no point does the camera zoom in"; a
    key-value answer, "Pan left: yes", "- Zoom in: no", ``{"pan_left": true}``, "Movement:
    static", read by its value; a bare "Static."); then every
    :attr:`Primitive.caption_patterns` / :attr:`CompoundMotion.caption_patterns` is searched.
    A match does not count when

    - a negation ("not", "no", "never", "hardly", "barely", "without", "fails to", "neither",
      "nor", "rather than", "instead of"; not "not only") precedes it within two words of the same
      clause (not counting the hedges right after it: "does not appear to be zooming in", "no
      visible or noticeable zoom in"), or across "or"
      ("does not pan left or tilt up", "does not pan left, tilt up, or zoom in"); a finite verb
      after "and" ("did not zoom and panned left", "does not zoom and pans left") starts a new,
      unnegated predicate;
    - its clause names another subject and not the camera ("the car moves left", "the car
      suddenly moved left", "the car turns and moves left", "; the car then moved left", "the
      people move left", "the man is moving left", "a man, who moves left");
    - it is "still"/"fixed" used otherwise ("is still moving", "fixed on the dancer");
    - ``it`` is what the camera follows ("follows the dog as it moves forward"; "as it pans left"
      is the camera's, as only a camera pans).

    Static is a camera still for the whole clip (design.md B2): a caption that states any
    movement does not state Static as well ("static at first, then pans left").

    The parser reads English only: a caption in another language states no facts.

    >>> sorted(caption_facts("The camera pans left while dollying in. It does not tilt up."))
    ['Move_In', 'Pan_Left']
    >>> sorted(caption_facts("The car moves left while the camera stays still."))
    ['Static']
    >>> sorted(caption_facts("Zoom in: no. Pan left: yes."))
    ['Pan_Left']

    Raises:
        TypeError: ``caption`` is not a text (None, a number, a list), naming the type found.
    """
    if not isinstance(caption, str):
        raise TypeError(f"caption_facts: caption must be a text (str), got {type(caption).__name__} {caption!r:.80}")
    return set(_caption_facts(caption))


#: How many texts' facts :func:`_caption_facts` keeps. An evaluation read a caption's facts about 4
#: times per method (red team R73) and the references' again for every method; CameraBench has
#: 1,071 videos and 727 distinct reference captions, so 4,096 holds the references and one method's
#: captions at once, least recently read dropped first: a few MB for texts of CameraBench's length
#: (its longest reference caption has 617 characters).
_FACTS_CACHE_SIZE = 4096


@functools.lru_cache(maxsize=_FACTS_CACHE_SIZE)
def _caption_facts(caption: str) -> frozenset[str]:
    """:func:`caption_facts`, memoised (a pure function of the text: the taxonomy's patterns are
    read once from the package's ``primitives.yaml``)."""
    text = _normalise_caption(caption)
    facts: set[str] = set()
    members: Iterable[Primitive | CompoundMotion] = [*Primitive, *CompoundMotion]
    for member in members:
        for pattern in member.caption_patterns:
            if any(_asserted(text, member, m) for m in pattern.finditer(text)):
                facts.add(str(member.value))
                break
    if facts - {Primitive.STATIC.value} or (Primitive.STATIC.value in facts and _shake_stated(text)):
        # Static is a camera still for the whole clip (design.md B2): "static at first, then pans
        # left", "no camera movement except a slight pan left" state a movement, not Static; nor
        # does "remains fixed but slightly unsteady" (the taxonomy's Static: "completely still
        # without any motion or shaking")
        facts.discard(Primitive.STATIC.value)
    return frozenset(facts)


_SHAKE = re.compile(
    r"\b(?:shak(?:e|es|en|ing|y|ily|iness)|unsteady|unsteadily|unsteadiness|unstable|jitter(?:s|y|ing)?|"
    r"wobbl(?:e|es|ing|y)|jerk(?:s|y|ing|ily)?|trembl(?:e|es|ing)|vibrat(?:e|es|ing|ion|ions))\b"
)
"""Words of a camera that shakes (a hand-held camera that does not move is no Static)."""


def _shake_stated(text: str) -> bool:
    """Whether the (normalised) caption says the camera shakes: a shake word not negated ("without
    any shaking", "no camera shake") and not another subject's ("the leaves shake in the wind").

    Red team R60: CameraBench's own reference captions "remains fixed but slightly unsteady",
    "static with minor shaking" were read as Static (90 of the 105 false Static facts when the 969
    labelled references were scored against their binary labels).
    """
    return any(
        not _negated(text[max(0, m.start() - 80) : m.start()], m.group(), text[m.end() :])
        and not _other_subject(text, m.start())
        for m in _SHAKE.finditer(text)
    )


def option_primitives(text: str) -> list[Primitive]:
    """The primitives a multiple-choice option names, read as :func:`caption_facts` reads a caption
    (taxonomy order; compound motions, which no primitive score answers, are left out).

    >>> [p.value for p in option_primitives("Track left")]
    ['Move_Left']
    >>> [p.value for p in option_primitives("Static shot, no zoom in")]
    ['Static']
    """
    facts = caption_facts(text)
    return [p for p in Primitive if p.value in facts]
