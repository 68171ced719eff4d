"""The mock monitor's RegisterResource without its two conversions through the SDK's machinery,
for the offline plan only.

The SDK's ``MockMonitor.RegisterResource`` turns the request's protobuf inputs into Python with
``rpc.deserialize_properties``, asks the mocks, and turns their answer back into protobuf with
``_sync_await(rpc.serialize_properties(...))``: an event loop run on the executor thread for every
resource. For inputs and answers made only of plain values (no asset, archive, secret, resource
or output signature anywhere; no transforms) both conversions are a direct walk, which this
module does; anything else takes the SDK's own path. ``tests/test_sdk_fast_monitor.py`` compares
both conversions with the SDK's case by case, and a whole plan.

Private names used: ``pulumi.runtime.mocks.MockMonitor.ResourceRegistration`` and ``make_urn``,
``pulumi.runtime.rpc._special_sig_key`` (via tenancy.sdk.wire_format) and ``rpc.UNKNOWN``.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import struct_pb2
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor, MockResourceArgs
from pulumi.runtime.proto import resource_pb2

from tenancy.sdk.wire_format import SIG_KEY, UNKNOWN_VALUE

NOT_PLAIN: Any = object()
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _value_to_python(value: struct_pb2.Value, dry_run: bool) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        text = value.string_value
        if text == UNKNOWN_VALUE:
            return Unknown() if dry_run else None
        return text
    if kind == "number_value":
        return value.number_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        return plain_from_struct(value.struct_value, dry_run)
    if kind == "list_value":
        items = []
        for item in value.list_value.values:
            converted = _value_to_python(item, dry_run)
            if converted is NOT_PLAIN:
                return NOT_PLAIN
            items.append(converted)
        return items
    return None  # null_value (or no kind at all, which protobuf reads as null)


def plain_from_struct(struct: struct_pb2.Struct, dry_run: bool) -> Any:
    """What ``rpc.deserialize_properties(struct)`` gives, or ``NOT_PLAIN`` when a signature is
    anywhere inside (the SDK's path handles those)."""
    fields = struct.fields
    if SIG_KEY in fields:
        return NOT_PLAIN
    out: dict[str, Any] = {}
    for key, value in fields.items():
        converted = _value_to_python(value, dry_run)
        if converted is NOT_PLAIN:
            return NOT_PLAIN
        if converted is not None:  # the SDK drops what deserialises to None, at every level
            out[key] = converted
    return out


def _plain(value: Any) -> Any:
    """What ``serialize_property`` makes of a plain value (untyped, no transformer), or
    ``NOT_PLAIN``."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        out: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str:
                return NOT_PLAIN
            item = _plain(item)
            if item is NOT_PLAIN:
                return NOT_PLAIN
            out[key] = item
        return out
    if kind is list or kind is tuple:
        items = []
        for item in value:
            item = _plain(item)
            if item is NOT_PLAIN:
                return NOT_PLAIN
            items.append(item)
        return items
    if kind is Unknown:
        return rpc.UNKNOWN
    return NOT_PLAIN


def struct_from_plain(state: dict[str, Any]) -> Any:
    """What ``_sync_await(rpc.serialize_properties(state, {}))`` gives, or ``NOT_PLAIN``."""
    plain = _plain(state) if type(state) is dict else NOT_PLAIN
    if plain is NOT_PLAIN:
        return NOT_PLAIN
    struct = struct_pb2.Struct()
    # The SDK leaves out top-level properties that serialise to None.
    struct.update({key: value for key, value in plain.items() if value is not None})
    return struct


def register_resource(monitor: MockMonitor, request: Any, dry_run: bool) -> Any:
    """``MockMonitor.RegisterResource(request)`` through the direct conversions, or None when the
    request (or the mocks' answer) needs the SDK's own path."""
    if request.type == "pulumi:pulumi:Stack" or len(request.transforms):
        return None
    inputs = plain_from_struct(request.object, dry_run)
    if inputs is NOT_PLAIN:
        return None
    urn = monitor.make_urn(request.parent, request.type, request.name)
    args = MockResourceArgs(
        typ=request.type,
        name=request.name,
        inputs=inputs,
        provider=request.provider,
        resource_id=request.importId,
        custom=request.custom or False,
        transforms=[],
    )
    answer: tuple[Any, Any] = monitor.mocks.new_resource(args)  # the id as the mocks gave it
    id_, state = answer
    obj = struct_from_plain(state)
    if obj is NOT_PLAIN:
        from pulumi.runtime.sync_await import _sync_await

        obj = _sync_await(rpc.serialize_properties(state, {}))
    monitor.resources[urn] = MockMonitor.ResourceRegistration(urn, id_, state)
    return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=obj)
