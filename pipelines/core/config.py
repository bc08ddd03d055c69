"""Task configuration: one dataclass per task, filled from YAML, a profile and overrides.

A task's ``config.yaml`` is its base config (one mapping per section, e.g. ``data``,
``featurize``, ``model``, ``train``, ``evaluate``) plus a ``profiles:`` mapping of
overlays, deep-merged on top of the base::

    data: {source: seattle-weather}
    train: {epochs: 20, learning_rate: 1.0e-3}
    profiles:
      smoke: {train: {epochs: 1}}
      default: {}
      full: {train: {epochs: 100}}

Command-line overrides are dotted ``key=value`` strings (``model.cell=leaky
train.epochs=5``); each value is read with ``yaml.safe_load`` and checked against the
dataclass field's type. Every problem -- an unknown key, a wrong type, a missing profile --
raises ``ConfigError`` naming the key, the value received and what was expected, before
any work starts.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

import yaml

from pipelines.core.errors import ConfigError

T = TypeVar("T")
PROFILES_KEY = "profiles"
Scalar = str | int | float | bool | None


class _Mismatch(Exception):
    """Internal: a value does not fit a type; carries the path suffix where it failed."""

    def __init__(self, suffix: str = "", item_type: Any = None):
        super().__init__(suffix)
        self.suffix = suffix
        self.item_type = item_type


# --------------------------------------------------------------------------- public API


def require_at_least(section: Any, minimum: float, *names: str) -> None:
    """Raise ``ValueError`` unless every field ``names`` of ``section`` is >= ``minimum``
    (for a task's ``__post_init__``; ``build_config`` turns it into a ``ConfigError``)."""
    for name in names:
        if getattr(section, name) < minimum:
            raise ValueError(f"{name} must be at least {minimum}. "
                             f"Received: {getattr(section, name)}")


def require_between(section: Any, low: float, high: float, *names: str,
                    closed: bool = False) -> None:
    """Raise ``ValueError`` unless every field ``names`` lies in (low, high), or in
    [low, high] when ``closed``."""
    for name in names:
        value = getattr(section, name)
        inside = low <= value <= high if closed else low < value < high
        if not inside:
            bounds = f"[{low}, {high}]" if closed else f"({low}, {high})"
            raise ValueError(f"{name} must be in {bounds}. Received: {value}")


def load_config(
    config_cls: type[T],
    path: str | Path,
    profile: str = "default",
    overrides: Sequence[str] = (),
) -> T:
    """Load ``config_cls`` from the YAML file at ``path``, a profile overlay and overrides.

    Args:
        config_cls: the task's config dataclass (sections are nested dataclasses).
        path: the task's ``config.yaml``.
        profile: name of an overlay under ``profiles:``; ``default`` may be absent.
        overrides: dotted ``key=value`` strings, applied last, in order.

    Returns:
        A fully typed instance of ``config_cls``.

    Raises:
        ConfigError: unreadable YAML, unknown profile or key, or a value of the wrong type.
    """
    path = Path(path)
    base = _read_yaml(path)
    profiles = base.pop(PROFILES_KEY, None) or {}
    if not isinstance(profiles, Mapping):
        raise ConfigError(
            f"In {path}: '{PROFILES_KEY}' must be a mapping of profile name to "
            f"overlay, received {profiles!r}."
        )
    if profile not in profiles and not (profile == "default"):
        raise ConfigError(
            f"Unknown profile {profile!r} for {path}. Available profiles: "
            f"{', '.join(sorted(profiles)) or '(none)'}.{_suggest(profile, profiles)}"
        )
    data: dict[str, Any] = {}
    _merge(config_cls, data, base, prefix="", source=str(path))
    overlay = profiles.get(profile) or {}
    if not isinstance(overlay, Mapping):
        raise ConfigError(
            f"In {path}: profile {profile!r} must be a mapping, received {overlay!r}."
        )
    _merge(config_cls, data, overlay, prefix="", source=f"{path}, profile {profile!r}")
    for item in overrides:
        apply_override(config_cls, data, item)
    return build_config(config_cls, data)


def build_config(config_cls: type[T], data: Mapping[str, Any], prefix: str = "") -> T:
    """Build ``config_cls`` from a nested mapping; missing fields take their defaults.

    Handy in stage tests: ``build_config(ForecastConfig, {"train": {"epochs": 1}})``.
    """
    data = dict(data)
    _merge(config_cls, {}, data, prefix=prefix, source="mapping")  # validate keys and types
    kwargs: dict[str, Any] = {}
    hints = _hints(config_cls)
    for f in dataclasses.fields(config_cls):  # type: ignore[arg-type]
        key = prefix + f.name
        sub = _dataclass_of(hints[f.name])
        if f.name in data:
            value = data[f.name]
            if sub is not None and isinstance(value, Mapping):
                value = build_config(sub, value, prefix=key + ".")
            else:
                value = _convert(value, hints[f.name], key, source="mapping")
            kwargs[f.name] = value
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            if sub is None:
                raise ConfigError(
                    f"Config key '{key}' is required but was not given "
                    f"(expected {_describe(hints[f.name])})."
                )
            kwargs[f.name] = build_config(sub, {}, prefix=key + ".")
    try:
        return config_cls(**kwargs)
    except (TypeError, ValueError) as exc:  # a task's __post_init__ validation
        section = prefix.rstrip(".") or "(top level)"
        raise ConfigError(f"Invalid config section '{section}': {exc}") from exc


def apply_override(config_cls: type, data: dict[str, Any], item: str) -> None:
    """Apply one ``key=value`` override to the nested mapping ``data`` (in place)."""
    key, sep, text = item.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(
            f"Override {item!r} is not of the form key=value "
            f"(e.g. train.epochs=5 or model.cell=leaky)."
        )
    source = f"override '{item}'"
    parts = key.split(".")
    cls, target, prefix = config_cls, data, ""
    for part in parts[:-1]:
        hints = _check_key(cls, part, prefix, text, source)
        sub = _dataclass_of(hints[part])
        if sub is None:
            raise ConfigError(
                f"Config key '{prefix}{part}' is not a section (it expects "
                f"{_describe(hints[part])}), so '{key}' does not exist "
                f"({source})."
            )
        target = _subdict(target, part)
        cls, prefix = sub, f"{prefix}{part}."
    name = parts[-1]
    hints = _check_key(cls, name, prefix, text, source)
    try:
        value = yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        value = text  # let the type check decide; a str field takes the raw text
    sub = _dataclass_of(hints[name])
    if sub is not None and isinstance(value, Mapping):
        _merge(sub, _subdict(target, name), value, prefix=f"{prefix}{name}.", source=source)
    else:
        target[name] = _convert(value, hints[name], prefix + name, source, raw=text)


def flatten(cfg: Any, prefix: str = "") -> dict[str, Scalar]:
    """Flatten a config dataclass to ``{"train.epochs": 5, ...}`` for MLflow params.

    Lists, tuples and other containers become JSON strings; paths become strings.
    """
    out: dict[str, Scalar] = {}
    items = (
        ((f.name, getattr(cfg, f.name)) for f in dataclasses.fields(cfg))
        if dataclasses.is_dataclass(cfg)
        else cfg.items()
    )
    for name, value in items:
        key = f"{prefix}{name}"
        if dataclasses.is_dataclass(value) or isinstance(value, Mapping):
            out.update(flatten(value, prefix=key + "."))
        elif isinstance(value, str | int | float | bool) or value is None:
            out[key] = value
        else:
            out[key] = json.dumps(_plain(value))
    return out


def to_yaml(cfg: Any) -> str:
    """The resolved config as YAML text, in field order (the artifact a run writes)."""
    return yaml.safe_dump(_plain(cfg), sort_keys=False, allow_unicode=True)


def to_dict(cfg: Any) -> dict[str, Any]:
    """The config as plain nested dicts/lists/scalars."""
    return _plain(cfg)


# --------------------------------------------------------------------------- merging


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Cannot read config file {path}: {exc.strerror or exc}.") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or exc
        raise ConfigError(f"Config file {path} is not valid YAML{where}: {problem}.") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"Config file {path} must hold a mapping of sections, received {type(data).__name__}."
        )
    return data


def _merge(
    cls: type, target: dict[str, Any], values: Mapping[str, Any], prefix: str, source: str
) -> None:
    """Deep-merge ``values`` into ``target``, checking keys and types against ``cls``."""
    for name, value in values.items():
        hints = _check_key(cls, str(name), prefix, value, source)
        sub = _dataclass_of(hints[name])
        if sub is not None and value is None and type(None) not in get_args(hints[name]):
            value = {}  # an empty YAML section ("evaluate:") keeps its defaults
        if sub is not None and isinstance(value, Mapping):
            _merge(sub, _subdict(target, name), value, prefix=f"{prefix}{name}.", source=source)
        else:
            target[name] = _convert(value, hints[name], prefix + str(name), source)


def _subdict(target: dict[str, Any], name: str) -> dict[str, Any]:
    """``target[name]`` as a dict to merge into, replacing a non-dict value (e.g. None)."""
    if not isinstance(target.get(name), dict):
        target[name] = {}
    return target[name]


def _check_key(cls: type, name: str, prefix: str, value: Any, source: str) -> dict[str, Any]:
    """Return the type hints of ``cls`` after checking that ``name`` is one of its fields."""
    hints = _hints(cls)
    if name not in hints:
        section = f"section '{prefix.rstrip('.')}'" if prefix else "the top level"
        raise ConfigError(
            f"Unknown config key '{prefix}{name}' (value {_show(value)}, from {source})."
            f"{_suggest(name, hints, prefix)} Valid keys of {section}: "
            f"{', '.join(hints)}."
        )
    return hints


def _hints(cls: type) -> dict[str, Any]:
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    names = [f.name for f in dataclasses.fields(cls)]
    hints = get_type_hints(cls)
    return {n: hints[n] for n in names}


def _dataclass_of(tp: Any) -> type | None:
    """The dataclass inside ``tp`` (``Section`` or ``Section | None``), else None."""
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return tp
    if get_origin(tp) in (Union, types.UnionType):
        found = [a for a in get_args(tp) if isinstance(a, type) and dataclasses.is_dataclass(a)]
        return found[0] if len(found) == 1 else None
    return None


# --------------------------------------------------------------------------- type checks


def _convert(value: Any, tp: Any, key: str, source: str, raw: str | None = None) -> Any:
    """Check ``value`` against ``tp`` and return it converted; raise ConfigError if not."""
    try:
        return _coerce(value, tp, raw)
    except _Mismatch as miss:
        shown = repr(raw) if raw is not None else _show(value)
        item = (
            f"; item {key}{miss.suffix} is not {_describe(miss.item_type)}" if miss.suffix else ""
        )
        raise ConfigError(
            f"Config key '{key}' expects {_describe(tp)}{item}, received {shown} (from {source})."
        ) from None


def _coerce(value: Any, tp: Any, raw: str | None) -> Any:
    origin, args = get_origin(tp), get_args(tp)
    if tp is Any or tp is object:
        return value
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for arg in (a for a in args if a is not type(None)):
            try:
                return _coerce(value, arg, raw)
            except _Mismatch:
                continue
        raise _Mismatch()
    if origin is Literal:
        for candidate in (value, raw):
            for arg in args:
                if type(candidate) is type(arg) and candidate == arg:
                    return arg
        raise _Mismatch()
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise _Mismatch()
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _Mismatch()
    if tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):  # YAML 1.1 reads "1e-3" as a string
            try:
                return float(value)
            except ValueError:
                raise _Mismatch() from None
        raise _Mismatch()
    if tp is str:
        if isinstance(value, str):
            return value
        if raw is not None and value is not None:  # e.g. data.target=2024: keep the text
            return raw
        raise _Mismatch()
    if tp is Path:
        if isinstance(value, str | Path):
            return Path(value)
        raise _Mismatch()
    if origin in (list, tuple, Sequence, typing.Sequence) or tp in (list, tuple):
        return _coerce_sequence(value, tp, origin or tp, args)
    if origin in (dict, Mapping) or tp is dict:
        if not isinstance(value, Mapping):
            raise _Mismatch()
        kt, vt = args if args else (Any, Any)
        return {_coerce(k, kt, None): _coerce_item(v, vt, f"[{k!r}]") for k, v in value.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if isinstance(value, tp):
            return value
        if isinstance(value, Mapping):
            return build_config(tp, value)
        raise _Mismatch()
    if isinstance(tp, type):
        if isinstance(value, tp):
            return value
        raise _Mismatch()
    return value  # an annotation we cannot check (e.g. a Protocol): accept as given


def _coerce_sequence(value: Any, tp: Any, origin: Any, args: tuple[Any, ...]) -> Any:
    if not isinstance(value, list | tuple):
        raise _Mismatch()
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce_item(v, args[0], f"[{i}]") for i, v in enumerate(value))
        if args:
            if len(args) != len(value):
                raise _Mismatch()
            return tuple(
                _coerce_item(v, t, f"[{i}]")
                for i, (v, t) in enumerate(zip(value, args, strict=True))
            )
        return tuple(value)
    item_tp = args[0] if args else Any
    return [_coerce_item(v, item_tp, f"[{i}]") for i, v in enumerate(value)]


def _coerce_item(value: Any, tp: Any, suffix: str) -> Any:
    try:
        return _coerce(value, tp, None)
    except _Mismatch as miss:
        raise _Mismatch(suffix + miss.suffix, miss.item_type or tp) from None


def _describe(tp: Any) -> str:
    """Human wording of a type annotation, for error messages."""
    origin, args = get_origin(tp), get_args(tp)
    if origin in (Union, types.UnionType):
        parts = [_describe(a) for a in args if a is not type(None)]
        text = " or ".join(parts)
        return f"{text} or null" if type(None) in args else text
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    simple = {
        bool: "true or false",
        int: "an integer",
        float: "a number",
        str: "a string",
        Path: "a path",
    }
    if tp in simple:
        return simple[tp]
    if origin in (list, tuple, Sequence, typing.Sequence) or tp in (list, tuple):
        if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            return f"a list of {len(args)} items ({', '.join(_describe(a) for a in args)})"
        if args and args[0] is not Any:
            return f"a list (e.g. [a, b]) with each item {_describe(args[0])}"
        return "a list (e.g. [a, b])"
    if origin in (dict, Mapping) or tp is dict:
        return "a mapping (e.g. {a: 1})"
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return f"a section with keys {', '.join(_hints(tp))}"
    return getattr(tp, "__name__", str(tp))


def _suggest(name: str, options: Any, prefix: str = "") -> str:
    close = difflib.get_close_matches(name, [str(o) for o in options], n=1, cutoff=0.6)
    return f" Did you mean '{prefix}{close[0]}'?" if close else ""


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value
