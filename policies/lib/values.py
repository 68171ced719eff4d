"""Reading resource inputs the same way under the Pulumi engine and offline.

The engine hands policies an "unknown-checking proxy": touching a value that is unknown
during preview raises ``UnknownValueError``. The offline plan marks such values "[unknown]"
(and secrets "[secret]"). ``get`` turns every one of these into ``Undecided`` so a policy can
say it cannot decide instead of passing or failing by accident.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

from domain.plan_model import SECRET_MASK, UNKNOWN

ENGINE_UNKNOWNS = frozenset(
    {
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_OBJECT_VALUE,
        UNKNOWN_STRING_VALUE,
    }
)


class Undecided(Exception):
    """A policy needs a value that is unknown until deploy (or hidden as a secret)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and (value == UNKNOWN or value in ENGINE_UNKNOWNS)


def _split(path: str | Sequence[str | int]) -> list[str | int]:
    if isinstance(path, str):
        return [int(p) if p.isdigit() else p for p in path.split(".")] if path else []
    return list(path)


def _path_text(parts: Sequence[str | int]) -> str:
    return ".".join(str(p) for p in parts)


def _checked(value: Any, walked: Sequence[str | int]) -> Any:
    if is_unknown(value):
        raise Undecided(f"{_path_text(walked)} is unknown until deploy")
    if value == SECRET_MASK:
        raise Undecided(f"{_path_text(walked)} is a secret the offline plan does not reveal")
    return value


def get(node: Any, path: str | Sequence[str | int], default: Any = None) -> Any:
    """The value at a dotted path ("settings.ipConfiguration.sslMode", "cidrBlocks.0.cidrBlock").

    Absent keys and nulls give ``default``; unknown or secret values raise ``Undecided``.
    """
    current = _checked(node, ["value"]) if node is not None else None
    walked: list[str | int] = []
    for part in _split(path):
        walked.append(part)
        if current is None:
            return default
        try:
            if isinstance(current, Mapping):
                current = current[part] if part in _keys(current) else None
            elif (
                isinstance(current, Sequence)
                and not isinstance(current, str)
                and isinstance(part, int)
            ):
                current = current[part] if part < len(current) else None
            else:
                return default
        except UnknownValueError:
            raise Undecided(f"{_path_text(walked)} is unknown until deploy") from None
        current = _checked(current, walked)
    return default if current is None else current


def _keys(mapping: Mapping) -> list:
    # Iterating keys never touches values, so the engine's proxy cannot raise here.
    return list(iter(mapping))


def keys(mapping: Any, where: str = "") -> list[str]:
    """The keys of a mapping, without reading (possibly unknown) values."""
    if mapping is None:
        return []
    if not isinstance(mapping, Mapping):
        raise Undecided(f"{where or 'value'} is not an object")
    return [str(k) for k in _keys(mapping)]


def items(mapping: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """(key, value) pairs of a mapping; an unknown value raises ``Undecided``."""
    if mapping is None:
        return
    if not isinstance(mapping, Mapping):
        raise Undecided(f"{where or 'value'} is not an object")
    for key in _keys(mapping):
        try:
            value = mapping[key]
        except UnknownValueError:
            raise Undecided(
                f"{where + '.' if where else ''}{key} is unknown until deploy"
            ) from None
        yield key, _checked(value, [where, key] if where else [key])


def elements(sequence: Any, where: str = "") -> Iterator[Any]:
    """Elements of a list; an unknown element raises ``Undecided``."""
    if sequence is None:
        return
    if isinstance(sequence, str) or not isinstance(sequence, Sequence):
        raise Undecided(f"{where or 'value'} is not a list")
    for index in range(len(sequence)):
        try:
            value = sequence[index]
        except UnknownValueError:
            raise Undecided(f"{where}.{index} is unknown until deploy") from None
        yield _checked(value, [where, index])


def known_strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every known string value under ``node`` as (path, value); unknowns are skipped.

    Skipping is safe for reference scans: an unknown input can only come from another
    resource's output, which the engine records as a dependency and is checked as such.
    """
    if isinstance(node, str):
        if not is_unknown(node) and node != SECRET_MASK:
            yield path, node
        return
    if isinstance(node, Mapping):
        for key in _keys(node):
            try:
                value = node[key]
            except UnknownValueError:
                continue
            yield from known_strings(value, f"{path}.{key}" if path else str(key))
        return
    if isinstance(node, Sequence):
        for index in range(len(node)):
            try:
                value = node[index]
            except UnknownValueError:
                continue
            yield from known_strings(value, f"{path}.{index}")


def as_bool(value: Any) -> bool | None:
    """Booleans as the providers accept them (true/"true"); None when absent."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return bool(value)
