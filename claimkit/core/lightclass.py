"""`@dataclass` without the start-up cost, for the classes every command defines at import.

`dataclasses.dataclass` writes each class's `__init__`, `__repr__`, `__eq__`, `__hash__` and (frozen)
`__setattr__`/`__delattr__` as source text and compiles it: about 1 ms a class, which for the two dozen record
classes on the path of `session add` or `check` is a tenth of the whole command. `lightclass` lets dataclasses
collect the fields (so `dataclasses.fields`, `replace` and `asdict` work as usual) and attaches methods written
once, here, that read the field list at run time. Behaviour matches `@dataclass(frozen=...)`: the same
constructor signature (positional or keyword, defaults and default factories), value equality, the same repr, a
hash of the field values when frozen, and `dataclasses.FrozenInstanceError` on assignment when frozen.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")
_MISSING = dataclasses.MISSING
_SPECS: dict[type, tuple] = {}


def _spec(cls: type) -> tuple[tuple[str, ...], dict[str, Any], dict[str, Any], frozenset[str]]:
    """(field names in order, defaults, default factories, the names as a set) of a lightclass, computed once."""
    spec = _SPECS.get(cls)  # keyed by the class itself: a subclass never takes its parent's fields
    if spec is None:
        fields = dataclasses.fields(cls)
        spec = (tuple(f.name for f in fields),
                {f.name: f.default for f in fields if f.default is not _MISSING},
                {f.name: f.default_factory for f in fields if f.default_factory is not _MISSING},
                frozenset(f.name for f in fields))
        _SPECS[cls] = spec
    return spec


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    cls = type(self)
    names, defaults, factories, known = _spec(cls)
    if not args and known.issuperset(kwargs):  # by keyword, every name known: the common case, checked at once
        values = kwargs
    else:
        if len(args) > len(names):
            raise TypeError(f"{cls.__name__}() takes {len(names)} positional arguments but {len(args)} were given")
        values = dict(zip(names, args))
        for key, value in kwargs.items():
            if key in values:
                raise TypeError(f"{cls.__name__}() got multiple values for argument '{key}'")
            if key not in known:
                raise TypeError(f"{cls.__name__}() got an unexpected keyword argument '{key}'")
            values[key] = value
    if len(values) < len(names):
        for name in names:
            if name not in values:
                if name in defaults:
                    values[name] = defaults[name]
                elif name in factories:
                    values[name] = factories[name]()
                else:
                    raise TypeError(f"{cls.__name__}() missing required argument: '{name}'")
    self.__dict__.update(values)
    post = getattr(self, "__post_init__", None)
    if post is not None:
        post()


def _repr(self: Any) -> str:
    names = _spec(type(self))[0]
    return f"{type(self).__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in names)})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    names = _spec(type(self))[0]
    return all(getattr(self, n) == getattr(other, n) for n in names)


def _hash(self: Any) -> int:
    return hash(tuple(getattr(self, n) for n in _spec(type(self))[0]))


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field '{name}'")


def _frozen_delattr(self: Any, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field '{name}'")


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def lightclass(cls: type[T] | None = None, *, frozen: bool = False):
    """Use like `@dataclass` / `@dataclass(frozen=True)` (no other options). `dataclass_transform` tells type
    checkers (PEP 681) that the decorated class gets a dataclass constructor from its annotated fields."""

    def wrap(c: type[T]) -> type[T]:
        own = c.__dict__
        c = dataclasses.dataclass(init=False, repr=False, eq=False)(c)
        for name, fn in (("__init__", _init), ("__repr__", _repr), ("__eq__", _eq)):
            if name not in own:
                setattr(c, name, fn)
        if frozen:
            c.__setattr__ = _frozen_setattr  # type: ignore[method-assign,assignment]
            c.__delattr__ = _frozen_delattr  # type: ignore[method-assign,assignment]
            if "__hash__" not in own:
                c.__hash__ = _hash  # type: ignore[method-assign,assignment]
        elif "__hash__" not in own:
            c.__hash__ = None  # type: ignore[method-assign,assignment]  # mutable and compared by value, as @dataclass
        return c

    return wrap if cls is None else wrap(cls)
