"""Task configuration: typed pydantic models, a profile overlay and command-line overrides.

A task's config is a tree of ``ConfigModel`` sections (``data``, ``featurize``, ``model``,
``train``, ``evaluate``); the models hold every default and every allowed range. A task's
``config.yaml`` holds only ``profiles:``, overlays deep-merged over those defaults::

    profiles:
      smoke: {train: {epochs: 1}}
      default: {}
      full: {train: {epochs: 100}}

(A file may also hold base sections beside ``profiles:``; they are merged first.)

Command-line overrides are dotted ``key=value`` strings (``model.cell=leaky
train.epochs=5``), applied last; each value is read with ``yaml.safe_load`` (a ``str``
field keeps the text as typed, a float field reads ``1e-3``). The whole config is then
validated at once: every problem -- an unknown key, a wrong type, a value out of range, a
missing profile -- raises ``ConfigError`` naming the key, the value received, what is
allowed and where the value came from, before any work starts.
"""

from __future__ import annotations

import difflib
import json
import math
import types
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from pipelines.core.errors import ConfigError
from rnnkit.names import RECURRENT_NAMES

T = TypeVar("T", bound="ConfigModel")
PROFILES_KEY = "profiles"
Scalar = str | int | float | bool | None
_RULE = "config_rule"  # the error type of `invalid` and `broken_rule`


# --------------------------------------------------------------------------- the models


class ConfigModel(BaseModel):
    """Base of every config section: unknown keys are refused, values are checked on
    construction and on assignment, and every failure is a ``ConfigError``.

    Types are strict (``units: yes`` is not 1, ``epochs: 2.5`` is not 2), except that a
    float field reads a numeric string (YAML 1.1 reads ``1e-3`` as one), a tuple field a
    list and a path field a string; floats must be finite.
    """

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        strict=True,
        allow_inf_nan=False,
        validate_default=True,
    )

    def __init__(self, /, **data: Any):
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise ConfigError(explain(exc, type(self), data, label=type(self).__name__)) from None

    # Nested sections are validated by pydantic without calling __init__ (as for RootModel).
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    def __setattr__(self, name: str, value: Any) -> None:
        fields = type(self).model_fields
        old = self.__dict__.get(name, _MISSING)
        try:
            super().__setattr__(name, value)
        except ValidationError as exc:
            if name in fields and old is not _MISSING:  # a failed section rule ran after
                self.__dict__[name] = old  # the assignment: undo it
            data = {**{k: getattr(self, k) for k in fields}, name: value}
            raise ConfigError(explain(exc, type(self), data, label=type(self).__name__,
                                      assigned=True)) from None

    @model_validator(mode="before")
    @classmethod
    def read_yaml_scalars(cls, data: Any) -> Any:
        """A numeric string for a float, a list for a tuple, a string for a path."""
        if not isinstance(data, Mapping):
            return data
        out = dict(data)
        for name, value in data.items():
            info = cls.model_fields.get(name)
            if info is not None:
                out[name] = _loosen(info.annotation, value)
        return out


_MISSING = object()


def invalid(requirement: str, hint: str = "") -> PydanticCustomError:
    """The error a field validator raises: ``requirement`` completes "Config key K must
    be ..." (e.g. ``"one of imdb, csv:PATH"``); ``hint`` follows the value received."""
    return PydanticCustomError(_RULE, "{requirement}", {"requirement": requirement,
                                                        "hint": hint, "field": True})


def broken_rule(message: str, *keys: str) -> PydanticCustomError:
    """The error a section's ``model_validator`` raises: ``message`` states the rule and
    the values received; ``keys`` (field names of the section) say where they came from."""
    return PydanticCustomError(_RULE, "{message}", {"message": message, "keys": keys,
                                                    "field": False})


Seed = Annotated[int, Field(ge=0, le=2**32 - 1)]  # NumPy's and Keras's seed range
LearningRate = Annotated[float, Field(gt=0)]
Dropout = Annotated[float, Field(ge=0, lt=1)]
Fraction = Annotated[float, Field(gt=0, lt=1)]
PositiveInt = Annotated[int, Field(ge=1)]
NonNegativeInt = Annotated[int, Field(ge=0)]
Cell = Literal[RECURRENT_NAMES]  # type: ignore[valid-type]  # a registry name


def task_config(name: str, module: str, rules: Sequence[Any] = (),
                **sections: type[ConfigModel]) -> type[ConfigModel]:
    """A task's config model: one section per stage (``data featurize model train
    evaluate``), each defaulting to its own defaults. ``module`` is the task config's
    ``__name__``; ``rules`` are checks across sections (``rule(cfg)`` raises a
    ``broken_rule`` whose keys are dotted, ``"featurize.returns"``)."""
    from pydantic import create_model

    fields = {key: (cls, Field(default_factory=cls)) for key, cls in sections.items()}
    validators = {f"_rule_{i}": model_validator(mode="after")(_checked_by(rule))
                  for i, rule in enumerate(rules)}
    model = create_model(name, __base__=ConfigModel, __module__=module,
                         __validators__=validators, **fields)
    task = name.removesuffix("Config").lower()
    model.__doc__ = f"The {task} task's config: one section per stage."
    return model


def _checked_by(rule):
    def check(self):
        rule(self)
        return self

    return check


class RecurrentModelConfig(ConfigModel):
    """What every task's ``model`` section starts with: a registry cell and its own
    arguments, e.g. ``model.cell=skip_delay 'model.cell_args.delays=[1,4]'``,
    ``model.cell=leaky model.cell_args.alpha=0.5`` or ``model.cell=stacked
    model.cell_args.inner_cell=lstm model.cell_args.num_layers=3``.

    ``cell_args`` are checked against the cell when the config is built: an unknown
    argument is an error listing the ones the cell accepts, a value the layer refuses
    is an error with the layer's message (the layer is built once, without weights;
    Keras is imported only when arguments are given).
    """

    cell: Cell = "gru"
    cell_args: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _cell_args_fit_the_cell(self):
        if self.cell_args:
            from rnnkit.models.registry import check_cell_arguments

            try:
                check_cell_arguments(self.cell, dict(self.cell_args))
            except ValueError as exc:
                raise broken_rule(str(exc).rstrip("."), "cell_args", "cell") from None
        return self


def check_choice(value: str, choices: Sequence[str]) -> str:
    """Check a ``data.source``-like name (for a field validator): each choice is a name,
    or ``prefix:PLACEHOLDER`` (``csv:PATH``: any non-empty text after ``csv:``)."""
    text = value.strip()
    hint = ""
    for choice in choices:
        prefix, sep, rest = choice.partition(":")
        if sep and rest.isupper():  # csv:PATH, tfds:NAME
            if text.startswith(prefix + ":"):
                if text[len(prefix) + 1:].strip():
                    return value
                hint = f"{choice} needs a {rest.lower()} after '{prefix}:'."
        elif text == choice:
            return value
        elif sep and text.startswith(prefix + ":"):
            hint = f"{text!r} is not supported."
    if not hint:
        hint = _suggest(text, [c for c in choices if not c.partition(":")[2].isupper()])
    raise invalid("one of " + ", ".join(choices), hint.strip())


# --------------------------------------------------------------------------- public API


def load_config(
    config_cls: type[T],
    path: str | Path,
    profile: str = "default",
    overrides: Sequence[str] = (),
) -> T:
    """Load ``config_cls`` with a profile overlay from the YAML file at ``path`` and
    overrides.

    Args:
        config_cls: the task's config model (sections are nested ``ConfigModel``s).
        path: the task's ``config.yaml`` (``profiles:``, and optionally base sections).
        profile: name of an overlay under ``profiles:``; ``default`` may be absent.
        overrides: dotted ``key=value`` strings, applied last, in order.

    Returns:
        A validated instance of ``config_cls``.

    Raises:
        ConfigError: unreadable YAML, unknown profile or key, a value of the wrong type or
            out of range, or a broken rule between values.
    """
    path = Path(path)
    base = _read_yaml(path)
    profiles = base.pop(PROFILES_KEY, None) or {}
    if not isinstance(profiles, Mapping):
        raise ConfigError(
            f"In {path}: '{PROFILES_KEY}' must be a mapping of profile name to "
            f"overlay, received {profiles!r}."
        )
    if profile not in profiles and profile != "default":
        raise ConfigError(
            f"Unknown profile {profile!r} for {path}. Available profiles: "
            f"{', '.join(sorted(map(str, profiles))) or '(none)'}."
            f"{_suggest(profile, profiles)}"
        )
    overlay = profiles.get(profile) or {}
    if not isinstance(overlay, Mapping):
        raise ConfigError(
            f"In {path}: profile {profile!r} must be a mapping, received {overlay!r}."
        )
    data: dict[str, Any] = {}
    origin: dict[str, str] = {}
    _merge(config_cls, data, origin, base, prefix="", source=str(path))
    _merge(config_cls, data, origin, overlay, prefix="", source=f"{path}, profile {profile!r}")
    for item in overrides:
        apply_override(config_cls, data, item, origin)
    return _validate(config_cls, data, origin)


def build_config(config_cls: type[T], data: Mapping[str, Any], prefix: str = "") -> T:
    """Build ``config_cls`` from a nested mapping; missing fields take their defaults.

    Handy in stage tests: ``build_config(ForecastConfig, {"train": {"epochs": 1}})``;
    ``prefix`` (e.g. ``"featurize."``) names a section built on its own in messages.
    """
    target: dict[str, Any] = {}
    origin: dict[str, str] = {}
    _merge(config_cls, target, origin, data, prefix="", source="mapping", shown=prefix)
    return _validate(config_cls, target, origin, prefix)


def apply_override(
    config_cls: type, data: dict[str, Any], item: str, origin: dict[str, str] | None = None
) -> None:
    """Apply one ``key=value`` override to the nested mapping ``data`` (in place);
    ``origin`` (dotted key -> where its value came from) is updated."""
    origin = {} if origin is None else origin
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
    for depth, part in enumerate(parts[:-1]):
        info = _field(cls, part, prefix, text, source)
        sub = _section_of(info.annotation)
        if sub is None and _is_mapping(info.annotation):
            # a free-form mapping (model.cell_args): the rest of the key names entries
            _set_entry(target, origin, part, parts[depth + 1:], _read_value(text), prefix,
                       source)
            return
        if sub is None:
            raise ConfigError(
                f"Config key '{prefix}{part}' is not a section (it expects "
                f"{_describe_field(info)}), so '{key}' does not exist ({source})."
            )
        target = _subdict(target, part)
        cls, prefix = sub, f"{prefix}{part}."
    name = parts[-1]
    info = _field(cls, name, prefix, text, source)
    value = _read_value(text)
    sub = _section_of(info.annotation)
    if sub is not None and isinstance(value, Mapping):
        _merge(sub, _subdict(target, name), origin, value, prefix=f"{prefix}{name}.",
               source=source)
        return
    if value is not None and not isinstance(value, str) and not _accepts(info.annotation, value) \
            and _accepts(info.annotation, text):
        value = text  # e.g. data.target=2024: a str field keeps the text as typed
    _set(target, origin, name, value, prefix, source)


def _read_value(text: str) -> Any:
    try:
        return yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text  # let validation decide; a str field takes the raw text


def _is_mapping(annotation: Any) -> bool:
    return get_origin(annotation) in (dict, Mapping) or annotation is dict


def _set_entry(target: dict[str, Any], origin: dict[str, str], name: str, keys: list[str],
               value: Any, prefix: str, source: str) -> None:
    """``target[name][k1][k2]... = value`` inside a free-form mapping field."""
    entry = target.get(name)
    entry = dict(entry) if isinstance(entry, Mapping) else {}
    inner = entry
    for key in keys[:-1]:
        inner[key] = dict(inner[key]) if isinstance(inner.get(key), Mapping) else {}
        inner = inner[key]
    inner[keys[-1]] = value
    _set(target, origin, name, entry, prefix, source)


def flatten(cfg: Any, prefix: str = "") -> dict[str, Scalar]:
    """Flatten a config to ``{"train.epochs": 5, ...}`` for MLflow params.

    Lists, tuples and other containers become JSON strings; paths become strings.
    """
    out: dict[str, Scalar] = {}
    items = _items(cfg) if isinstance(cfg, BaseModel) else cfg.items()
    for name, value in items:
        key = f"{prefix}{name}"
        if isinstance(value, BaseModel | Mapping):
            out.update(flatten(value, prefix=key + "."))
        elif isinstance(value, Path):
            out[key] = str(value)
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
    cls: type,
    target: dict[str, Any],
    origin: dict[str, str],
    values: Mapping[str, Any],
    prefix: str,
    source: str,
    shown: str = "",
) -> None:
    """Deep-merge ``values`` into ``target``, checking keys against ``cls`` and noting in
    ``origin`` where each value came from (``shown`` prefixes keys in messages only)."""
    if not isinstance(values, Mapping):
        where = f"section '{shown}{prefix.rstrip('.')}'" if shown + prefix else "the config"
        raise ConfigError(
            f"The values of {where} must be a mapping, received {_show(values)} "
            f"(from {source})."
        )
    for raw_name, value in values.items():
        name = str(raw_name)
        info = _field(cls, name, shown + prefix, value, source)
        sub = _section_of(info.annotation)
        if sub is not None and value is None and not _nullable(info.annotation):
            value = {}  # an empty YAML section ("evaluate:") keeps its defaults
        if sub is not None and isinstance(value, Mapping):
            _merge(sub, _subdict(target, name), origin, value, prefix=f"{prefix}{name}.",
                   source=source, shown=shown)
        else:
            _set(target, origin, name, value, prefix, source)


def _set(target: dict, origin: dict[str, str], name: str, value: Any, prefix: str,
         source: str) -> None:
    target[name] = value
    key = prefix + name
    for old in [k for k in origin if k.startswith(key + ".")]:
        del origin[old]  # a whole section replaced
    origin[key] = source


def _subdict(target: dict[str, Any], name: str) -> dict[str, Any]:
    """``target[name]`` as a dict to merge into, replacing a non-dict value (e.g. None)."""
    if not isinstance(target.get(name), dict):
        target[name] = {}
    return target[name]


def _field(cls: type, name: str, prefix: str, value: Any, source: str | None) -> FieldInfo:
    """The field ``name`` of ``cls``; an unknown name is a ConfigError with suggestions."""
    fields = _fields(cls)
    if name not in fields:
        raise ConfigError(_unknown(cls, name, prefix, value, source))
    return fields[name]


def _unknown(cls: type, name: str, prefix: str, value: Any, source: str | None) -> str:
    fields = _fields(cls)
    section = f"section '{prefix.rstrip('.')}'" if prefix else "the top level"
    where = f", from {source}" if source else ""
    return (
        f"Unknown config key '{prefix}{name}' (value {_show(value)}{where})."
        f"{_suggest(name, fields, prefix)} Valid keys of {section}: {', '.join(fields)}."
    )


def _fields(cls: type) -> dict[str, FieldInfo]:
    if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
        raise TypeError(f"{cls!r} is not a pydantic config model")
    return cls.model_fields


def _section_of(tp: Any) -> type | None:
    """The model inside ``tp`` (``Section`` or ``Section | None``), else None."""
    tp = _strip(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    if get_origin(tp) in (Union, types.UnionType):
        found = [a for a in get_args(tp) if isinstance(a, type) and issubclass(a, BaseModel)]
        return found[0] if len(found) == 1 else None
    return None


def _nullable(tp: Any) -> bool:
    tp = _strip(tp)
    return get_origin(tp) in (Union, types.UnionType) and type(None) in get_args(tp)


def _strip(tp: Any) -> Any:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def _members(tp: Any) -> list[Any]:
    """The members of a union (Optional included), else ``[tp]``; Annotated stripped."""
    tp = _strip(tp)
    if get_origin(tp) in (Union, types.UnionType):
        return [m for a in get_args(tp) for m in _members(a)]
    return [tp]


def _accepts(tp: Any, value: Any) -> bool:
    """Whether ``value``'s kind fits ``tp`` (its type only, not its range)."""
    for member in _members(tp):
        origin = get_origin(member)
        if member is Any or member is object:
            return True
        if origin is Literal:
            if any(type(value) is type(a) and value == a for a in get_args(member)):
                return True
        elif member is bool:
            if isinstance(value, bool):
                return True
        elif member is int:
            if isinstance(value, int) and not isinstance(value, bool):
                return True
        elif member is float:
            if isinstance(value, int | float) and not isinstance(value, bool):
                return True
        elif member in (str, Path):
            if isinstance(value, str):
                return True
        elif origin in (list, tuple, Sequence) or member in (list, tuple):
            if isinstance(value, list | tuple):
                return True
        elif origin in (dict, Mapping) or member is dict or (
            isinstance(member, type) and issubclass(member, BaseModel)
        ):
            if isinstance(value, Mapping):
                return True
        elif member is type(None):
            if value is None:
                return True
    return False


def _loosen(tp: Any, value: Any) -> Any:
    """The YAML-friendly conversions of ``ConfigModel``: numeric text -> float (where no
    str is allowed), list -> tuple, text -> Path; into list and tuple items too."""
    members = _members(tp)
    if isinstance(value, str):
        if float in members and str not in members and not any(
            get_origin(m) is Literal for m in members
        ):
            try:
                return float(value)
            except ValueError:
                return value
        if Path in members and str not in members:
            return Path(value)
        return value
    if isinstance(value, list | tuple):
        for member in members:
            origin, args = get_origin(member), get_args(member)
            if origin is tuple or member is tuple:
                if len(args) == 2 and args[1] is Ellipsis:
                    return tuple(_loosen(args[0], v) for v in value)
                if args and len(args) == len(value):
                    return tuple(_loosen(a, v) for a, v in zip(args, value, strict=True))
                return tuple(value)
            if origin is list or member is list:
                return [_loosen(args[0], v) for v in value] if args else list(value)
    return value


def _validate(cls: type[T], data: dict[str, Any], origin: dict[str, str], prefix: str = "") -> T:
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(explain(exc, cls, data, origin=origin, prefix=prefix)) from None


# --------------------------------------------------------------------------- messages


def explain(
    exc: ValidationError,
    cls: type,
    data: Mapping[str, Any],
    origin: Mapping[str, str] | None = None,
    prefix: str = "",
    label: str = "",
    assigned: bool = False,
) -> str:
    """pydantic's ``exc`` (validating ``data`` as ``cls``) in rnnkit's words: one sentence
    per problem naming the key, the value received, what is allowed and its origin."""
    messages: list[str] = []
    for error in exc.errors():
        text = _explain_one(error, cls, data, origin, prefix, label, assigned)
        if text not in messages:
            messages.append(text)
    return " ".join(messages)


def _explain_one(error, cls, data, origin, prefix, label, assigned) -> str:
    loc = tuple(error["loc"])
    kind, ctx = error["type"], error.get("ctx") or {}
    path, model, info, rest = _resolve(cls, loc)
    dotted = ".".join(path)
    key = prefix + dotted
    of = f" of {label}" if label else ""

    def where(name: str) -> str:
        if assigned:
            return "assigned"
        if origin is None:
            return ""
        return f"from {origin[name]}" if name in origin else "the default"

    def paren(text: str) -> str:
        return f" ({text})" if text else ""

    if kind == "extra_forbidden":
        section_prefix = prefix + "".join(p + "." for p in path[:-1])
        source = "assigned" if assigned else (origin or {}).get(dotted)
        return _unknown(model, path[-1], section_prefix, error.get("input"), source)
    if info is None:  # a section's own rule (a model validator), or the section's value
        section = f"section '{key}'{of}" if key else label or ""
        section = f"config {section}" if section else "config"
        if kind == _RULE:
            names = [".".join([*path, k]) for k in ctx.get("keys", ())]
            sources = "; ".join(f"{prefix}{n} {where(n).replace('the default', 'by default')}"
                                for n in names if where(n))
            return f"Invalid {section}: {ctx['message']}{paren(sources)}."
        if kind in ("value_error", "assertion_error"):
            return f"Invalid {section}: {_pydantic_msg(error)}."
        expected = f"a section with keys {', '.join(_fields(model))}"
        if path and _nullable(_annotation_at(cls, path)):
            expected += " or null"
        value = _lookup(data, path, error.get("input"))
        return (f"Config key '{key}'{of} must be {expected}; received {_show(value)}"
                f"{paren(where(dotted))}.")
    # the value as validated (e.g. nan read from "nan"); a list's whole value for an item
    value = _lookup(data, path, error.get("input")) if rest else error.get("input")
    if kind == "missing":
        return (f"Config key '{key}'{of} is required but was not given "
                f"(expected {_describe_field(info)}).")
    rule = kind == _RULE and ctx.get("field")
    item_text, item_type = "", None
    if rest:
        item_type = _item_type(info, rest)
        suffix = "".join(f"[{r}]" for r in rest)
        if rule:
            detail = f"must be {ctx['requirement']}"
        elif item_type is not None:
            detail = f"is not {_describe(item_type)}"
        else:
            detail = f"is invalid ({_pydantic_msg(error)})"
        item_text = f"; item {key}{suffix} {detail}"
    if rule and not rest:
        requirement, hint = ctx["requirement"], ctx.get("hint", "")
    elif kind in ("value_error", "assertion_error") and not rest:
        requirement, hint = _describe_field(info), _pydantic_msg(error) + "."
    else:
        requirement, hint = _describe_field(info), ""
        if kind == "literal_error" and isinstance(error.get("input"), str):
            options = [a for m in _members(item_type or info.annotation)
                       if get_origin(m) is Literal for a in get_args(m)]
            hint = _suggest(error["input"], options).strip()
    text = (f"Config key '{key}'{of} must be {requirement}{item_text}; "
            f"received {_show(value)}{paren(where(dotted))}.")
    return f"{text} {hint}" if hint else text


def _resolve(cls: type, loc: tuple) -> tuple[list[str], type, FieldInfo | None, list]:
    """Walk ``loc`` through the models: (field path, the model holding the last name,
    the leaf field or None when ``loc`` ends at a section, the item steps past the leaf)."""
    path: list[str] = []
    model = cls
    for i, part in enumerate(loc):
        if not isinstance(part, str):
            break
        fields = _fields(model)
        path.append(part)
        if part not in fields:
            return path, model, None, []
        info = fields[part]
        sub = _section_of(info.annotation)
        if sub is None:
            rest = [p for p in loc[i + 1:] if isinstance(p, int)]
            return path, model, info, rest
        if i == len(loc) - 1:
            return path, sub, None, []
        model = sub
    return path, model, None, []


def _annotation_at(cls: type, path: list[str]) -> Any:
    model, tp = cls, None
    for name in path:
        tp = _fields(model)[name].annotation
        model = _section_of(tp) or model
    return tp


def _lookup(data: Any, path: list[str], fallback: Any) -> Any:
    for name in path:
        if isinstance(data, BaseModel):
            data = getattr(data, name, _MISSING)
        elif isinstance(data, Mapping) and name in data:
            data = data[name]
        else:
            return fallback
    return data


def _item_type(info: FieldInfo, steps: list) -> Any:
    tp: Any = info.annotation
    for step in steps:
        found = None
        for member in _members(tp):
            origin, args = get_origin(member), get_args(member)
            if origin is list and args:
                found = args[0]
            elif origin is tuple and args:
                found = args[0] if len(args) == 2 and args[1] is Ellipsis else (
                    args[step] if isinstance(step, int) and step < len(args) else None)
            if found is not None:
                break
        if found is None:
            return None
        tp = found
    return tp


def _pydantic_msg(error: Mapping[str, Any]) -> str:
    msg = str(error.get("msg", ""))
    for head in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(head)
    return msg.rstrip(".")


def _describe_field(info: FieldInfo) -> str:
    return _describe(info.annotation, info.metadata)


def _describe(tp: Any, metadata: Sequence[Any] = ()) -> str:
    """Human wording of an annotation and its constraints, for error messages."""
    metadata = list(metadata)
    while get_origin(tp) is Annotated:
        args = get_args(tp)
        tp, metadata = args[0], [*metadata, *args[1:]]
    origin, args = get_origin(tp), get_args(tp)
    if origin in (Union, types.UnionType):
        parts = [_describe(a, metadata) for a in args if a is not type(None)]
        text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]
        if type(None) not in args:
            return text
        return f"null or {text}" if " or " in text or "each item" in text else f"{text} or null"
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    bounds = _bounds(metadata)
    if tp is bool:
        return "true or false"
    if tp is int:
        return "an integer" + _range_text(bounds)
    if tp is float:
        return "a finite number" + _range_text(bounds)
    if tp is str:
        low = bounds.get("min_length")
        return "a non-empty string" if low else "a string"
    if tp is Path:
        return "a path"
    if origin in (list, tuple, Sequence) or tp in (list, tuple):
        if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            return f"a list of {len(args)} items ({', '.join(_describe(a) for a in args)})"
        low, high = bounds.get("min_length"), bounds.get("max_length")
        if low is not None and low == high:
            head = f"a list of {low} items"
        elif high is not None:
            head = f"a list of at most {high} items"
        elif low:
            head = f"a list of at least {low} items (e.g. [a, b])"
        else:
            head = "a list (e.g. [a, b])"
        if args and args[0] is not Any:
            return f"{head} with each item {_describe(args[0])}"
        return head
    if origin in (dict, Mapping) or tp is dict:
        return "a mapping (e.g. {a: 1})"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return f"a section with keys {', '.join(_fields(tp))}"
    return getattr(tp, "__name__", str(tp))


def _bounds(metadata: Sequence[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, FieldInfo):
            out.update(_bounds(item.metadata))
            continue
        for name in ("gt", "ge", "lt", "le", "min_length", "max_length"):
            value = getattr(item, name, None)
            if value is not None:
                out[name] = value
    return out


def _range_text(b: Mapping[str, Any]) -> str:
    low = ("[", b["ge"]) if "ge" in b else ("(", b["gt"]) if "gt" in b else None
    high = (b["le"], "]") if "le" in b else (b["lt"], ")") if "lt" in b else None
    if low and high:
        return f" in {low[0]}{_num(low[1])}, {_num(high[0])}{high[1]}"
    if low:
        return f" {'>=' if low[0] == '[' else '>'} {_num(low[1])}"
    if high:
        return f" {'<=' if high[1] == ']' else '<'} {_num(high[0])}"
    return ""


def _num(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def _suggest(name: str, options: Any, prefix: str = "") -> str:
    close = difflib.get_close_matches(str(name), [str(o) for o in options], n=1, cutoff=0.6)
    return f" Did you mean '{prefix}{close[0]}'?" if close else ""


def _show(value: Any) -> str:
    text = repr(str(value) if isinstance(value, Path) else value)
    return text if len(text) <= 80 else text[:77] + "..."


def _items(cfg: BaseModel):
    return ((name, getattr(cfg, name)) for name in type(cfg).model_fields)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return {name: _plain(v) for name, v in _items(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value
