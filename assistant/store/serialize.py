"""Dataclasses <-> JSON, through pydantic so nested tuples, enums and paths round-trip."""

from __future__ import annotations

import dataclasses
import json
from functools import cache
from typing import Any, TypeVar

from pydantic import TypeAdapter

T = TypeVar("T")


@cache
def _adapter(cls: type) -> TypeAdapter:
    return TypeAdapter(cls)


def to_data(obj: Any) -> Any:
    return _adapter(type(obj)).dump_python(obj, mode="json")


def to_json(obj: Any) -> str:
    return json.dumps(to_data(obj), ensure_ascii=False)


def from_data(cls: type[T], data: Any) -> T:
    return _adapter(cls).validate_python(data)


def from_json(cls: type[T], text: str) -> T:
    return from_data(cls, json.loads(text))


def is_dataclass_instance(obj: Any) -> bool:
    return dataclasses.is_dataclass(obj) and not isinstance(obj, type)
