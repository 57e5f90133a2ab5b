"""Typed method options: one frozen dataclass per predictor, validated once.

Each predictor declares ``Options``, a subclass of :class:`MethodOptions` whose fields are made
with :func:`option` (default, help text, allowed range or choices). Options arrive as Python
values (library calls, the demo's table) or as strings (``--option KEY=VALUE`` on the command
line); :meth:`MethodOptions.from_mapping` converts and checks them all before any video is
touched, and :meth:`MethodOptions.to_dict` is what run.json records.

A value of ``None`` means "not set": the field's default is used.

Example:
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Opts(MethodOptions):
    ...     sample_fps: float = option(5.0, "frames per second", gt=0)
    ...     exact: bool = option(False, "single-threaded")
    >>> Opts.from_mapping({"sample_fps": "2", "exact": "true"}, method="demo").to_dict()
    {'sample_fps': 2.0, 'exact': True}
    >>> Opts.from_mapping({"sample_fps": 0}, method="demo")
    Traceback (most recent call last):
    ...
    camerabench.errors.CameraBenchError: method 'demo': option sample_fps must be > 0, got 0.0
"""

from __future__ import annotations

import dataclasses
import decimal
import difflib
import json
import math
import numbers
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from camerabench.errors import CameraBenchError

__all__ = [
    "METHOD_FLAGS",
    "METHOD_SWITCHES",
    "MethodOptions",
    "OptionSpec",
    "option",
    "option_hint",
    "parse_assignments",
]

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}
_NONE = {"none", "null"}


@dataclass(frozen=True)
class OptionSpec:
    """What :func:`option` records about a field: help text and allowed values."""

    help: str
    gt: float | None = None
    ge: float | None = None
    le: float | None = None
    lt: float | None = None
    choices: tuple[str, ...] | None = None
    required: bool = False


def option(
    default: Any,
    help: str,
    *,
    gt: float | None = None,
    ge: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    choices: Sequence[str] | None = None,
    required: bool = False,
) -> Any:
    """A dataclass field of a :class:`MethodOptions` subclass.

    Args:
        default: the value used when the option is not set (a list is copied per instance).
        help: one line for ``--help`` and the docs.
        gt, ge, le, lt: bounds for numbers (every element of a list of numbers).
        choices: allowed values of a string option.
        required: the option has no usable default and must be set.
    """
    spec = OptionSpec(help, gt, ge, le, lt, tuple(choices) if choices is not None else None, required)
    if isinstance(default, list):
        return dataclasses.field(default_factory=lambda: list(default), metadata={"option": spec})
    return dataclasses.field(default=default, metadata={"option": spec})


#: The command line's shortcuts for method options (``predict`` / ``caption``), as (flag, help); the
#: option key is the flag without dashes, ``-`` as ``_``. Other options are set with ``--option KEY=VALUE``.
METHOD_FLAGS: list[tuple[str, str]] = [
    ("--model", "local checkpoint directory (qwen-vl)"),
    ("--scorer", "trajectory -> score mapping: 'default' (integrated motion) or 'camerabench' (published)"),
    ("--traj-dir", "folder of trajectory files (trajectory method)"),
    ("--format", "trajectory file format: megasam, poses, poses-c2w, tum, kitti, colmap, cut3r (trajectory method)"),
    ("--sample-fps", "frames per second sampled from each video"),
    ("--max-side", "resize frames so the longer side is at most this many pixels"),
    ("--device", "torch device for model methods (cpu, cuda, cuda:1)"),
    ("--dtype", "model dtype: bfloat16 or float32"),
    ("--batch-size", "questions scored per forward pass (qwen-vl)"),
    ("--max-pixels", "pixel budget per video frame (qwen-vl)"),
    ("--min-pixels", "minimum pixels per video frame (qwen-vl)"),
    ("--max-new-tokens", "longest caption in tokens (qwen-vl)"),
]
METHOD_SWITCHES: list[tuple[str, str]] = [
    ("--deterministic", "single-threaded, bit-reproducible mode (fast; colmap runs so by default)")
]


def _how_to_set(name: str) -> str:
    """How the command line sets option ``name``: its flag, else ``--option NAME=VALUE``."""
    flag = "--" + name.replace("_", "-")
    if any(f == flag for f, _ in [*METHOD_FLAGS, *METHOD_SWITCHES]):
        return flag
    return f"--option {name}=VALUE"


def parse_assignments(items: Sequence[str], where: str = "--option") -> dict[str, str]:
    """``["key=value", ...]`` -> ``{"key": "value"}`` (keys with ``-`` become ``_``).

    Raises:
        CameraBenchError: an item without ``=`` or a key given twice.

    Example:
        >>> parse_assignments(["max-side=256", "focal_order=[true]"])
        {'max_side': '256', 'focal_order': '[true]'}
    """
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise CameraBenchError(f"{where} {item!r}: expected KEY=VALUE")
        if key in out:
            raise CameraBenchError(f"{where}: {key} is given twice")
        out[key] = value.strip()
    return out


def methods_taking(name: str, but: str = "") -> list[str]:
    """The registered methods (other than ``but``) whose options include ``name``.

    A method whose module cannot be imported here (a plugin's missing dependency) is left out:
    this only builds a hint for an error already being raised, and using that method says why.
    """
    from camerabench.baselines.registry import METHODS, predictor_class

    owners = []
    for other in METHODS:
        if other == but:
            continue
        try:
            cls = predictor_class(other)
        except (CameraBenchError, ImportError):
            continue
        if name in cls.Options.names():
            owners.append(other)
    return owners


def option_hint(name: str, names: Sequence[str], method: str) -> str:
    """Why option ``name``, which ``method`` (taking ``names``) does not take, may have been given:
    ``"did you mean sample_fps?"`` (a close name) or ``"focal_order is an option of colmap"``
    (another method's); ``""`` when neither.

    Example:
        >>> option_hint("sample_fsp", ["sample_fps", "max_side"], "demo")
        'did you mean sample_fps?'
        >>> option_hint("Max-Side", ["sample_fps", "max_side"], "demo")
        'did you mean max_side?'
    """
    normal = name.strip().lower().replace("-", "_")
    if normal != name and normal in names:
        return f"did you mean {normal}?"
    owners = methods_taking(name, but=method)
    if owners:
        return f"{name} is an option of {' and '.join(owners)}, not of {method}"
    close = difflib.get_close_matches(normal, names, n=1)
    return f"did you mean {close[0]}?" if close else ""


def _shown(value: Any) -> str:
    """``repr(value)``, cut to 60 characters (a 5000-digit number stays one readable line).

    Example:
        >>> _shown("9" * 5000)
        "'99999999999999999999999999999999999999999999999999999... (5002 characters)"
    """
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:54]}... ({len(text)} characters)"


def _type_name(tp: Any) -> str:
    """How a type is named in an error: ``int``, ``list of str`` (not ``list``: ``[1, 2]`` is one)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (list, tuple) and args:
        return f"{origin.__name__} of {_type_name(args[0])}"
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _split_optional(tp: Any) -> tuple[Any, bool]:
    """(the type without ``None``, whether ``None`` is allowed)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0], len(args) < len(typing.get_args(tp))
    return tp, False


_SCALARS = (bool, int, float, str)


def _supported(tp: Any) -> bool:
    """Whether :meth:`MethodOptions.from_mapping` can convert a value to ``tp``: bool, int, float,
    str, a list or tuple of one of these, each optionally ``| None``."""
    base, _ = _split_optional(tp)
    if typing.get_origin(base) in (list, tuple):
        args = typing.get_args(base)
        if typing.get_origin(base) is tuple and len(args) == 2 and args[1] is Ellipsis:
            args = args[:1]
        return len(set(args)) <= 1 and all(a in _SCALARS for a in args)
    return base in _SCALARS


def _numpy_bool(value: Any) -> bool:
    """Whether ``value`` is a numpy boolean scalar (``np.True_``), without importing numpy."""
    return type(value).__name__ == "bool" and type(value).__module__ == "numpy"


class MethodOptions:
    """Base of every predictor's options dataclass (subclasses are ``@dataclass(frozen=True)``)."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    @classmethod
    def fields(cls) -> list[dataclasses.Field[Any]]:
        return list(dataclasses.fields(cls))

    @classmethod
    def names(cls) -> list[str]:
        """Option names in declaration order."""
        return [f.name for f in cls.fields()]

    @classmethod
    def _hints(cls) -> dict[str, Any]:
        """Each field's type, after checking that every one is a type options can hold.

        Raises:
            TypeError: a field of another type (a ``Literal``, a ``dict``, a ``Path``, a nested
                dataclass): its values would be taken unconverted and unchecked.
        """
        hints = typing.get_type_hints(cls)
        for name in cls.names():
            if not _supported(hints[name]):
                tp = hints[name]
                shown = tp.__name__ if isinstance(tp, type) else str(tp).replace("typing.", "")
                raise TypeError(
                    f"{cls.__name__}.{name}: an option cannot be of type {shown}; options are "
                    "bool, int, float or str (a path is a str; a fixed set is str with choices=), a list or "
                    "tuple of one of these, each optionally | None"
                )
        return hints

    @classmethod
    def spec(cls, name: str) -> OptionSpec:
        spec = cls.__dataclass_fields__[name].metadata.get("option")
        return spec if isinstance(spec, OptionSpec) else OptionSpec("")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], *, method: str) -> Self:
        """Convert, check and build the options of ``method`` from ``values``.

        Strings are parsed by the field's type (``--option KEY=VALUE``): numbers, booleans
        (true/false/yes/no/1/0), ``none``/``null`` for optional fields, JSON or comma-separated
        lists. ``None`` values are "not set".

        Raises:
            CameraBenchError: an unknown option, a value of the wrong type, outside its range
                (0, negative and NaN included where a positive number is expected), not one of
                the choices, or a required option missing; one line naming the method and option.
        """
        if not isinstance(values, Mapping):
            raise CameraBenchError(
                f"method {method!r}: options must be a mapping of option name to value, got {type(values).__name__} "
                f"{values!r}"
            )
        not_names = [key for key in values if not isinstance(key, str)]
        if not_names:
            raise CameraBenchError(f"method {method!r}: option names must be strings, got {not_names[0]!r}")
        names = cls.names()
        unknown = sorted(set(values) - set(names))
        if unknown:
            likely = [h for h in (option_hint(name, names, method) for name in unknown) if h]
            raise CameraBenchError(
                f"method {method!r} does not take option(s) {', '.join(unknown)}; it takes: {', '.join(sorted(names))}"
                + (f" ({'; '.join(likely)})" if likely else "")
            )
        hints = cls._hints()
        kwargs: dict[str, Any] = {}
        for name, value in values.items():
            if value is None:
                continue
            kwargs[name] = cls._convert(method, name, hints[name], value)
        for name in names:
            if cls.spec(name).required and kwargs.get(name) is None:
                raise CameraBenchError(
                    f"method {method!r} needs option {name} ({_how_to_set(name)}): {cls.spec(name).help}"
                )
        obj = cls(**kwargs)
        obj.check_values(method)
        obj.validate(method)
        return obj

    def check_values(self, method: str) -> None:
        """Check every value's type and range and the fields against each other
        (:meth:`check_fields`), as :meth:`from_mapping` does, but not :meth:`validate`.

        An instance made by the dataclass constructor or :meth:`replace` is not converted or
        checked: a ``sample_fps=-1`` or ``sample_fps="abc"`` set so reached the method unseen
        (the predictor checks it with this; :meth:`validate`'s look at the outside world, a
        checkpoint or a run folder, is left to :meth:`from_mapping`).

        Raises:
            CameraBenchError: a value of the wrong type or outside its range, or a required option unset.
        """
        hints = self._hints()
        for name in self.names():
            value = getattr(self, name)
            if value is None:
                if self.spec(name).required:
                    raise CameraBenchError(
                        f"method {method!r} needs option {name} ({_how_to_set(name)}): {self.spec(name).help}"
                    )
                continue
            converted = self._convert(method, name, hints[name], value)
            if isinstance(value, str) and not isinstance(converted, str):  # text is parsed by from_mapping only
                raise CameraBenchError(
                    f"method {method!r}: option {name} must be {_type_name(hints[name])}, got {_shown(value)}"
                )
            self._check_range(method, name, converted)
            if converted is not value:  # Path("a.mp4") kept would not equal the video name "a.mp4"; np.int64 not JSON
                object.__setattr__(self, name, converted)
        self.check_fields(method)

    def check_fields(self, method: str) -> None:
        """Checks of the fields against each other, reading nothing outside the options (override;
        raise CameraBenchError). Run for options built in code too (:meth:`check_values`)."""

    def validate(self, method: str) -> None:
        """Checks against the outside world: files, checkpoints, run folders (override; raise
        CameraBenchError). Run by :meth:`from_mapping` only."""

    def to_dict(self) -> dict[str, Any]:
        """Every option with its value, JSON-able (what run.json records as settings)."""
        return {name: _jsonable(getattr(self, name)) for name in self.names()}

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """Every option that has a default, with it, JSON-able as :meth:`to_dict` records values
        (a required option has none and is left out)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if "option" not in f.metadata or cls.spec(f.name).required:
                continue
            if f.default is not dataclasses.MISSING:
                out[f.name] = _jsonable(f.default)
            elif f.default_factory is not dataclasses.MISSING:
                out[f.name] = _jsonable(f.default_factory())
        return out

    def replace(self, **changes: Any) -> Self:
        return dataclasses.replace(self, **changes)

    # --- conversion ---------------------------------------------------------------------------

    @classmethod
    def _convert(cls, method: str, name: str, tp: Any, value: Any) -> Any:
        base, nullable = _split_optional(tp)

        def bad(why: str = "") -> CameraBenchError:
            return CameraBenchError(
                f"method {method!r}: option {name} must be {_type_name(tp)}{why}, got {_shown(value)}"
            )

        if isinstance(value, str) and nullable and value.strip().lower() in _NONE:
            return None
        origin = typing.get_origin(base)
        if origin in (list, tuple):
            (item_tp, *_) = typing.get_args(base) or (str,)
            items: Any = value
            if isinstance(value, str):
                text = value.strip()
                if text.startswith("["):
                    try:
                        items = json.loads(text)
                    except json.JSONDecodeError as exc:
                        raise bad(f" (JSON list: {exc.msg}{_unquoted_hint(text, item_tp)})") from exc
                else:
                    items = [p.strip() for p in text.split(",") if p.strip()]
            if not isinstance(items, list | tuple):
                raise bad()
            converted = [cls._scalar(item_tp, item, bad) for item in items]
            return converted if origin is list else tuple(converted)
        return cls._scalar(base, value, bad)

    @staticmethod
    def _scalar(tp: Any, value: Any, bad: Any) -> Any:
        if tp is bool:
            if isinstance(value, bool):
                return value
            if _numpy_bool(value):
                return bool(value)
            if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
                return value.strip().lower() in _TRUE
            raise bad()
        if tp is int:
            if isinstance(value, bool):
                raise bad()
            if isinstance(value, int):
                return value
            if isinstance(value, numbers.Integral):  # np.int64
                return int(value)
            if isinstance(value, numbers.Rational) and value.denominator == 1:  # Fraction(10**400): no float
                return int(value.numerator)
            if isinstance(value, float | numbers.Real | decimal.Decimal) and float(value).is_integer():
                return int(float(value))
            if isinstance(value, str):
                try:
                    return int(value.strip())
                except ValueError:
                    raise bad() from None
            raise bad()
        if tp is float:
            if isinstance(value, bool):
                raise bad()
            if isinstance(value, int | float | numbers.Real | decimal.Decimal) and not _numpy_bool(value):
                try:
                    return float(value)  # np.float32, Decimal, Fraction
                except OverflowError:  # 10**400: an OverflowError traceback from the predictor's constructor
                    raise bad(" (a finite number)") from None
            if isinstance(value, str):
                try:
                    return float(value.strip())
                except ValueError:
                    raise bad() from None
            raise bad()
        if tp is str:
            if isinstance(value, str):
                return value
            if hasattr(value, "__fspath__"):
                return str(value)
            raise bad()
        return value

    @classmethod
    def _check_range(cls, method: str, name: str, value: Any) -> None:
        spec = cls.spec(name)
        values = value if isinstance(value, list | tuple) else [value]
        for v in values:
            if v is None:
                continue
            if spec.choices is not None and v not in spec.choices:
                near = [c for c in spec.choices if isinstance(v, str) and c.lower() == v.strip().lower()]
                raise CameraBenchError(
                    f"method {method!r}: option {name} must be one of {', '.join(spec.choices)}, got {_shown(v)}"
                    + (f" (did you mean {near[0]}?)" if near else "")
                )
            if isinstance(v, bool) or not isinstance(v, int | float):
                continue
            checks = (
                (spec.gt, lambda x, b: x > b, ">"),
                (spec.ge, lambda x, b: x >= b, ">="),
                (spec.lt, lambda x, b: x < b, "<"),
                (spec.le, lambda x, b: x <= b, "<="),
            )
            if isinstance(v, float) and not math.isfinite(v):
                raise CameraBenchError(f"method {method!r}: option {name} must be a finite number, got {_shown(value)}")
            for bound, ok, sign in checks:
                if bound is not None and not ok(v, bound):
                    raise CameraBenchError(
                        f"method {method!r}: option {name} must be {sign} {bound:g}, got {_shown(value)}"
                    )


def _unquoted_hint(text: str, item_tp: Any) -> str:
    """A hint for a JSON list of text that failed to parse because its items are not in double
    quotes (``[a.mp4, b.mp4]`` or ``['a.mp4']``: JSON said only "Expecting value"), ``""`` for any
    other text.

    Example:
        >>> _unquoted_hint("[a.mp4, b.mp4]", str)
        '; the names in a JSON list need double quotes: ["a.mp4", "b.mp4"], or give them without brackets: a.mp4,b.mp4'
        >>> _unquoted_hint("['a.mp4']", str)
        '; the names in a JSON list need double quotes: ["a.mp4"], or give them without brackets: a.mp4'
        >>> _unquoted_hint('["a.mp4",]', str)
        ''
    """
    if item_tp is not str or not (text.startswith("[") and text.endswith("]")):
        return ""
    items = [item.strip() for item in text[1:-1].split(",")]
    if not all(items) or any(item[0] in '"[{' for item in items):
        return ""
    # single quotes (a Python list) are no JSON either
    items = [item[1:-1] if len(item) > 1 and item[0] == item[-1] == "'" else item for item in items]
    quoted = json.dumps(items, ensure_ascii=False)
    return f"; the names in a JSON list need double quotes: {quoted}, or give them without brackets: {','.join(items)}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return value
