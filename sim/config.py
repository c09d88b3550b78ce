"""Strict TOML -> frozen dataclass conversion, shared by city, scenario and experiment files.

Every problem becomes one line that names the file, the table and the field, says what is
allowed and, for a misspelt key, suggests the closest valid one.
"""

from __future__ import annotations

import difflib
import math
import tomllib
import types
import typing
from dataclasses import MISSING, fields, is_dataclass
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

from sim.errors import ScenarioError

T = TypeVar("T")
#: Fields Ladera fills in itself: never allowed in a file (not listed as allowed keys).
SET_BY_LADERA = ("source", "folder")
#: How an error names the items of a fixed-length array, e.g. "an array of 2 numbers".
_KIND: dict[Any, str] = {float: "numbers", int: "integers", str: "strings", bool: "booleans"}


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning every failure into a one-line :class:`ScenarioError`."""
    path = Path(path)
    if path.is_dir():
        raise ScenarioError(f"{path}: is a folder; allowed: a TOML file")
    if not path.is_file():
        raise ScenarioError(f"{path}: file not found; allowed: an existing TOML file")
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = " ".join(str(exc).split())
        raise ScenarioError(f"{path}: cannot be read ({reason}); allowed: a UTF-8 TOML "
                            "file") from None  # fmt: skip


def from_dict(cls: type[T], data: Any, *, source: Path | str, table: str = "") -> T:
    """Build dataclass ``cls`` from a TOML table, checking keys and types.

    Parameters
    ----------
    cls
        A (frozen) dataclass whose field annotations describe the allowed values.
    data
        The parsed TOML table.
    source
        The file the table came from, named in errors.
    table
        Dotted name of the table inside the file, named in errors (``""`` for the top level).
    """
    where = f"{source}: [{table}]" if table else f"{source}:"
    if not isinstance(data, dict):
        raise ScenarioError(f"{where} must be a table, not {type(data).__name__}")
    hints = get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            allowed = ", ".join(sorted(k for k in known if k not in SET_BY_LADERA))
            raise ScenarioError(f"{where} unknown key `{key}`{hint} (allowed: {allowed})")
    kwargs = {}
    for name, f in known.items():
        if name not in data:
            if f.default is MISSING and f.default_factory is MISSING:
                raise ScenarioError(f"{where} missing required key `{name}`")
            continue
        sub = f"{table}.{name}" if table else name
        kwargs[name] = _convert(hints[name], data[name], source=source, field=sub)
    try:
        return cls(**kwargs)
    except ScenarioError as exc:
        raise ScenarioError(f"{where} {exc}") from None
    except (ValueError, TypeError) as exc:
        raise ScenarioError(f"{where} {exc}") from None


def _convert(tp: Any, value: Any, *, source: Path | str, field: str) -> Any:
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in get_args(tp) if a is not type(None)]
        if value is None and len(options) < len(get_args(tp)):
            return None
        errors = []
        for option in options:
            try:
                return _convert(option, value, source=source, field=field)
            except ScenarioError as exc:
                errors.append(str(exc))
        raise ScenarioError(errors[0]) from None
    if origin is typing.Literal:
        if value not in get_args(tp):
            allowed = ", ".join(repr(a) for a in get_args(tp))
            raise ScenarioError(f"{source}: `{field}` is {value!r}; allowed: {allowed}")
        return value
    if origin in (tuple, list):
        if not isinstance(value, list | tuple):
            raise _type_error(source, field, value, "an array")
        args = get_args(tp)
        if origin is tuple and args and args[-1] is not Ellipsis:  # fixed length: tuple[X, Y]
            if len(value) != len(args):
                kinds = {_KIND.get(a, "values") for a in args}
                what = kinds.pop() if len(kinds) == 1 else "values"
                raise ScenarioError(f"{source}: `{field}` must be an array of {len(args)} {what}, "
                                    f"not {len(value)}: {value!r}")  # fmt: skip
            return tuple(
                _convert(a, v, source=source, field=f"{field}[{i}]")
                for i, (a, v) in enumerate(zip(args, value, strict=True))
            )
        item = args[0] if args else Any
        items = [
            _convert(item, v, source=source, field=f"{field}[{i}]") for i, v in enumerate(value)
        ]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise _type_error(source, field, value, "a table")
        _, vt = get_args(tp) or (str, Any)
        return {
            str(k): _convert(vt, v, source=source, field=f"{field}.{k}") for k, v in value.items()
        }
    if is_dataclass(tp) and isinstance(tp, type):
        return from_dict(tp, value, source=source, table=field)
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(value)
        except ValueError:
            allowed = ", ".join(repr(m.value) for m in tp)
            raise ScenarioError(f"{source}: `{field}` is {value!r}; allowed: {allowed}") from None
    if tp is Any:
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _type_error(source, field, value, "a number")
        if not math.isfinite(value):
            raise ScenarioError(f"{source}: `{field}` is {value}; allowed: a finite number")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _type_error(source, field, value, "an integer")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise _type_error(source, field, value, "true or false")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise _type_error(source, field, value, "a string")
        return value
    raise TypeError(f"unsupported annotation {tp!r} for `{field}`")


def _type_error(source: Path | str, field: str, value: Any, wanted: str) -> ScenarioError:
    return ScenarioError(
        f"{source}: `{field}` must be {wanted}, not {type(value).__name__} {value!r}"
    )
