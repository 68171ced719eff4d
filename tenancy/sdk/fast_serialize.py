"""``rpc.serialize_property`` answering plain scalars at once, for the offline plan only.

The SDK's ``serialize_property`` runs a dozen type tests (sequence, unknown, resource, asset,
archive, awaitable, output, input type, mapping, protobuf value) before it returns a plain
``str``, ``int``, ``float``, ``bool`` or ``None`` unchanged, and most of the values it sees are
those leaves. For exactly those types (not subclasses such as string enums) it now returns the
value straight away; everything else goes to the SDK's own. ``tests/test_sdk_fast_serialize.py``
compares the answers with the SDK's, and a whole plan.

Private name used: ``pulumi.runtime.rpc.serialize_property`` (its recursive calls go through the
module's name, so containers reach the shortcut for their leaves too).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from pulumi.runtime import rpc

_SCALARS = frozenset({str, int, float, bool, type(None)})
# serialize_property(value, deps, property_key, resource_obj, input_transformer, typ,
#   keep_output_values, exclude_resource_refs_from_deps, return_protobuf_value)
_PROTOBUF_POSITION = 8  # return_protobuf_value, counted after value


def make_serialize_property(sdk: Any) -> Any:
    async def serialize_property(value: Any, *args: Any, **kwargs: Any) -> Any:
        if (
            type(value) in _SCALARS
            and len(args) < _PROTOBUF_POSITION
            and not kwargs.get("return_protobuf_value")
        ):
            return value
        return await sdk(value, *args, **kwargs)

    serialize_property.__wrapped__ = sdk  # type: ignore[attr-defined]
    return serialize_property


@contextlib.contextmanager
def fast_serialize() -> Iterator[None]:
    """Install the shortcut; the SDK's own is restored on exit."""
    sdk = rpc.serialize_property
    rpc.serialize_property = make_serialize_property(sdk)
    try:
        yield
    finally:
        rpc.serialize_property = sdk
