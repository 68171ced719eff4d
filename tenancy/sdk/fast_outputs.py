"""Cheaper equivalents of four SDK output routines, for the offline plan only.

Each replacement gives the same values, known-ness, secret-ness and dependencies as the SDK's own
routine (``tests/test_sdk_fast_outputs.py`` compares them case by case, and a plan with them is
byte for byte the plan without them); they only build fewer futures, tasks and copies:

- ``Output.from_input`` of a plain value (dicts, lists and tuples of str, int, float, bool and
  None) is one resolved output, not one output, task and deep scan per element. The SDK's way
  made every tenant stack pay for the platform stack's whole outputs (every tenant's identity
  tenant) on each ``require_output``: work growing with the registry in every stack.
- ``StackReference.require_output`` / ``get_output`` with a plain name read the one output
  instead of lifting all of them first.
- ``rpc.transfer_properties`` gives each declared output property of a resource one future that
  resolves to its whole state, not four futures and a task (most properties are never read).
- ``rpc.contains_unknowns`` walks without a closure call per element.

Private names used: ``pulumi.output._OutputData``, ``Output._from_data``,
``pulumi.runtime.rpc.transfer_properties`` and ``contains_unknowns``, and the StackReference's
``_StackReference__is_secret_name``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Iterator
from typing import Any

from pulumi import StackReference
from pulumi.output import Output, Unknown, _OutputData
from pulumi.runtime import rpc

_SCALARS = frozenset({str, int, float, bool, type(None)})
_NOT_PLAIN = object()


def plain_copy(value: Any) -> Any:
    """A copy of ``value`` with its containers rebuilt, or ``_NOT_PLAIN`` when anything in it is
    not a plain dict, list, tuple, str, int, float, bool or None (exact types; dict keys are str,
    as the SDK's lift passes them as keyword names)."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        copied: dict[Any, Any] = {}
        for key, item in value.items():
            if type(key) is not str:
                return _NOT_PLAIN
            item = plain_copy(item)
            if item is _NOT_PLAIN:
                return _NOT_PLAIN
            copied[key] = item
        return copied
    if kind is list or kind is tuple:
        items = []
        for item in value:
            item = plain_copy(item)
            if item is _NOT_PLAIN:
                return _NOT_PLAIN
            items.append(item)
        return items if kind is list else tuple(items)
    return _NOT_PLAIN


def _resolved(value: Any) -> Output[Any]:
    data: asyncio.Future[_OutputData[Any]] = asyncio.Future()
    data.set_result(_OutputData(resources=set(), value=value, is_known=True, is_secret=False))
    return Output._from_data(data)


def make_from_input(sdk_from_input: Any) -> Any:
    def from_input(val: Any) -> Output[Any]:
        # The SDK lifts a non-empty dict, list or tuple element by element into a new container
        # of the same kind; for plain elements that is a copy, resolved and known.
        kind = type(val)
        if (kind is dict or kind is list or kind is tuple) and val:
            copied = plain_copy(val)
            if copied is not _NOT_PLAIN:
                return _resolved(copied)
        return sdk_from_input(val)

    return from_input


def _lifted(value: Any) -> Any:
    """What the SDK's deep lift makes of a value read from stack outputs: containers rebuilt."""
    if isinstance(value, dict):
        return {key: _lifted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_lifted(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_lifted(item) for item in value)
    return value


def make_stack_output(sdk_method: Any, required: bool) -> Any:
    def stack_output(self: StackReference, name: Any) -> Output[Any]:
        if type(name) is not str:
            return sdk_method(self, name)
        if required:
            value = self.outputs.apply(lambda outputs: _lifted(outputs[name]))
        else:
            value = self.outputs.apply(lambda outputs: _lifted(outputs.get(name)))
        is_secret = asyncio.ensure_future(self._StackReference__is_secret_name(name))  # type: ignore[attr-defined]
        return Output(value.resources(), value.future(), value.is_known(), is_secret)

    return stack_output


def _resolve_property(
    res: Any,
    data: asyncio.Future[_OutputData[Any]],
    value: Any,
    is_known: bool,
    is_secret: bool,
    deps: set[Any] | None,
    failed: Exception | None,
) -> None:
    resources = set(deps) if deps else set()
    resources.add(res)
    if failed is not None:
        data.set_exception(failed)
    else:
        data.set_result(
            _OutputData(resources=resources, value=value, is_known=is_known, is_secret=is_secret)
        )


def transfer_properties(res: Any, props: Any, custom: bool) -> dict[str, Any]:
    resolvers: dict[str, Any] = {}
    for name in props:
        if name == "urn" or (name == "id" and custom):
            continue  # the SDK handles these itself
        data: asyncio.Future[_OutputData[Any]] = asyncio.Future()
        resolvers[name] = functools.partial(_resolve_property, res, data)
        res.__dict__[name] = Output._from_data(data)
    return resolvers


def contains_unknowns(val: Any) -> bool:
    """Whether an Unknown is anywhere inside ``val``'s dicts and lists (tuples are not entered),
    each object visited once: the SDK's rule."""
    pending = [val]
    seen: set[int] = set()
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind in _SCALARS:
            continue
        if isinstance(item, Unknown):
            return True
        if id(item) in seen:
            continue
        seen.add(id(item))
        if kind is dict:
            pending.extend(item.values())
        elif isinstance(item, dict):
            pending.extend(item[key] for key in item)
        elif isinstance(item, list):
            pending.extend(item)
    return False


@contextlib.contextmanager
def fast_outputs() -> Iterator[None]:
    """Install the four replacements; the SDK's own are restored on exit."""
    saved = (
        Output.__dict__["from_input"],
        StackReference.require_output,
        StackReference.get_output,
        rpc.transfer_properties,
        rpc.contains_unknowns,
    )
    Output.from_input = staticmethod(make_from_input(saved[0].__func__))  # type: ignore[method-assign]
    StackReference.require_output = make_stack_output(saved[1], required=True)  # type: ignore[method-assign]
    StackReference.get_output = make_stack_output(saved[2], required=False)  # type: ignore[method-assign]
    rpc.transfer_properties = transfer_properties
    rpc.contains_unknowns = contains_unknowns
    try:
        yield
    finally:
        Output.from_input = saved[0]  # type: ignore[method-assign]
        (
            StackReference.require_output,  # type: ignore[method-assign]
            StackReference.get_output,  # type: ignore[method-assign]
            rpc.transfer_properties,
            rpc.contains_unknowns,
        ) = saved[1:]
