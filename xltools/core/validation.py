"""pydantic at the model's boundary: validating data into the core's plain classes, their JSON, the JSON Schema.

The model (:mod:`xltools.core.model`: Form, Funds, FundRow, Indicator; :mod:`xltools.core.policy`: Policy,
TotalCap) is plain dataclasses, so checking a workbook imports no pydantic. Where data comes from a user (a
JSON form, a policy file, a template's stored policy) or goes out as JSON, this module builds, once per class
and on first use, a pydantic model that mirrors the dataclass: the same name, docstring, fields, types,
defaults, titles and limits (a field's metadata: ``title``, ``ge``, ``gt``, ``le``), unknown keys refused,
the class's ``json_config`` (more pydantic config keys), its ``prepare(data)`` (a before-validator) and its ``problems()``
(an after-validator: the sentences of every inconsistency). Validated data is turned back into the
dataclasses; dataclasses are dumped through their mirror without validation (as ``model_construct`` did).
"""

from __future__ import annotations

import dataclasses
import sys
import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, model_validator

__all__ = ["ValidationError", "from_data", "from_json", "as_data", "as_json", "json_schema"]

#: plain class → its pydantic mirror, and back
_MIRRORS: dict[type, type[BaseModel]] = {}
_PLAIN: dict[type[BaseModel], type] = {}


def _swap(tp: Any) -> Any:
    """A type hint with every model dataclass in it replaced by its mirror."""
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _mirror(tp)
    origin = get_origin(tp)
    if origin is None or origin is Literal:
        return tp
    args = get_args(tp)
    swapped = tuple(a if a is Ellipsis else _swap(a) for a in args)
    if swapped == args:
        return tp
    if origin is Union or origin is types.UnionType:
        return Union[swapped]
    return origin[swapped]


def _base(cls: type) -> type[BaseModel]:
    """The mirror's base: the class's config and its validators."""
    config = ConfigDict(extra="forbid", defer_build=True, **getattr(cls, "json_config", {}))
    namespace: dict[str, Any] = {"model_config": config, "__module__": __name__}
    names = {f.name for f in dataclasses.fields(cls)}  # a field of that name is data, not a hook
    prepare = None if "prepare" in names else getattr(cls, "prepare", None)
    if prepare is not None:
        def _prepare(_: type, data: Any) -> Any:
            return prepare(data)
        namespace["_prepare"] = model_validator(mode="before")(classmethod(_prepare))
    problems = None if "problems" in names else getattr(cls, "problems", None)
    if problems is not None:
        def _consistent(self: BaseModel) -> BaseModel:
            found = problems(self)  # reads fields only: the mirror has the plain class's
            if found:
                raise ValueError("\n".join(found))
            return self
        namespace["_consistent"] = model_validator(mode="after")(_consistent)
    return type(f"_{cls.__name__}Base", (BaseModel,), namespace)


def _mirror(cls: type) -> type[BaseModel]:
    """The pydantic model mirroring the dataclass ``cls`` (built once)."""
    known = _MIRRORS.get(cls)
    if known is not None:
        return known
    hints = get_type_hints(cls, vars(sys.modules[cls.__module__]))
    specs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.default_factory is not dataclasses.MISSING:
            factory = f.default_factory
            default = Field(default_factory=_mirror(factory) if dataclasses.is_dataclass(factory) else factory,
                            **f.metadata)
        elif f.default is not dataclasses.MISSING:
            default = Field(f.default, **f.metadata)
        else:
            default = Field(**f.metadata)
        specs[f.name] = (_swap(hints[f.name]), default)
    mirror = create_model(cls.__name__, __base__=_base(cls), __doc__=cls.__doc__, __module__=cls.__module__,
                          **specs)
    _MIRRORS[cls], _PLAIN[mirror] = mirror, cls
    return mirror


def _plain(value: Any) -> Any:
    """A validated mirror instance (or a list or tuple of them) as the plain classes."""
    cls = _PLAIN.get(type(value))
    if cls is not None:
        return cls(**{name: _plain(getattr(value, name)) for name in type(value).model_fields})
    if type(value) is list:
        return [_plain(v) for v in value]
    if type(value) is tuple:
        return tuple(_plain(v) for v in value)
    return value


def _model(value: Any) -> Any:
    """A plain instance (or a list or tuple of them) as its mirror, without validation."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _mirror(type(value)).model_construct(
            **{f.name: _model(getattr(value, f.name)) for f in dataclasses.fields(value)})
    if type(value) is list:
        return [_model(v) for v in value]
    if type(value) is tuple:
        return tuple(_model(v) for v in value)
    return value


def from_data(cls: type, data: Any) -> Any:
    """``data`` (parsed JSON, a dict) validated as ``cls``: an instance of it, or :class:`ValidationError`."""
    return _plain(_mirror(cls).model_validate(data))


def from_json(cls: type, text: str | bytes) -> Any:
    """JSON text validated as ``cls`` (pydantic's JSON mode)."""
    return _plain(_mirror(cls).model_validate_json(text))


def as_data(value: Any, **options: Any) -> dict[str, Any]:
    """pydantic's ``model_dump`` of a plain instance (``mode="json"`` and the other options as pydantic's)."""
    return _model(value).model_dump(**options)


def as_json(value: Any, **options: Any) -> str:
    """pydantic's ``model_dump_json`` of a plain instance (``indent``, ``exclude`` … as pydantic's)."""
    return _model(value).model_dump_json(**options)


def json_schema(cls: type) -> dict[str, Any]:
    """The JSON Schema of ``cls`` as pydantic makes it for the mirror."""
    return _mirror(cls).model_json_schema()
