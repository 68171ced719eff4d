"""Each private Pulumi SDK internal the tools use (tenancy/sdk/) still works as relied on. A Pulumi
upgrade that renames or changes one fails here, naming it."""

from __future__ import annotations

import asyncio
from typing import Optional

import pulumi
import pytest
from google.protobuf import struct_pb2
from pulumi.runtime import resource as resource_runtime
from pulumi.runtime import rpc
from pulumi.runtime.settings import SETTINGS, get_root_resource
from pulumi_policy import ResourceValidationArgs

from tenancy.plan.engine import wire_to_plain
from tenancy.sdk import policy_not_applicable, runtime_state, stack_traces, sync_await, wire_format


def test_sync_await_runs_a_coroutine_on_the_current_loop() -> None:
    asyncio.set_event_loop(asyncio.new_event_loop())

    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    assert sync_await.run_sync(answer()) == 42


def test_reset_runtime_clears_the_output_tasks_and_the_root_resource() -> None:
    assert isinstance(SETTINGS.outputs, set), "pulumi.runtime.settings.SETTINGS.outputs moved"
    marker = object()
    SETTINGS.outputs.add(marker)  # type: ignore[arg-type]
    runtime_state.reset_runtime()
    assert marker not in SETTINGS.outputs
    assert get_root_resource() is None
    assert callable(runtime_state.run_pulumi_func)


def test_stack_traces_are_switched_off_and_restored() -> None:
    original = resource_runtime._get_stack_trace
    debug = pulumi.log.debug
    assert callable(original), "pulumi.runtime.resource._get_stack_trace is gone"
    with stack_traces.without_stack_traces():
        assert resource_runtime._get_stack_trace is not original
        trace = resource_runtime._get_stack_trace()
        assert len(trace.frames) == 0
        assert pulumi.log.debug is not debug
    assert resource_runtime._get_stack_trace is original
    assert pulumi.log.debug is debug


def test_wire_format_signatures_are_the_sdks() -> None:
    secret = {wire_format.SIG_KEY: wire_format.SECRET_SIG, "value": "hunter2"}
    assert rpc.is_rpc_secret(secret), "the SDK no longer reads this as a secret"
    assert rpc.unwrap_rpc_secret(secret) == "hunter2"
    struct = struct_pb2.Struct()
    struct.update({"s": secret, "u": wire_format.UNKNOWN_VALUE})
    plain = wire_to_plain(struct)
    assert plain["s"] != "hunter2" and plain["u"] != wire_format.UNKNOWN_VALUE
    # read from the SDK at import: a renamed constant fails the import of tenancy.sdk.wire_format
    sigs = {wire_format.SECRET_SIG, wire_format.RESOURCE_SIG, wire_format.OUTPUT_SIG}
    assert len(sigs) == 3 and all(len(sig) == 32 for sig in sigs)


def test_not_applicable_is_what_a_policy_raises() -> None:
    args = ResourceValidationArgs("gcp:storage/bucket:Bucket", {}, "urn", "b", None, None, {})
    with pytest.raises(policy_not_applicable.NotApplicable):
        args.not_applicable("not for this resource")


def test_mock_monitor_internals_of_the_fast_monitor() -> None:
    from pulumi.runtime.mocks import MockMonitor, MockResourceArgs

    assert callable(MockMonitor.make_urn), "pulumi.runtime.mocks.MockMonitor.make_urn is gone"
    registration = MockMonitor.ResourceRegistration("urn", "id", {})
    assert registration._fields == ("urn", "id", "state"), "MockMonitor.ResourceRegistration moved"
    args = MockResourceArgs(
        typ="t", name="n", inputs={}, provider="", resource_id="", custom=True, transforms=[]
    )
    assert (args.typ, args.name, args.custom) == ("t", "n", True), "MockResourceArgs changed"
    assert callable(rpc.deserialize_properties) and callable(rpc.serialize_properties)


def test_type_unwrapping_internals_of_fast_types() -> None:
    from pulumi import _types

    from tenancy.sdk import fast_types

    for module, name in fast_types.PATCHED:
        assert callable(getattr(module, name, None)), f"{module.__name__}.{name} is gone"
    assert _types.unwrap_type(pulumi.Output[int]) is int, "pulumi._types.unwrap_type changed"
    assert _types.unwrap_optional_type(Optional[int]) is int, "unwrap_optional_type changed"  # noqa: UP045
    assert rpc._get_list_element_type(list[int]) is int, "rpc._get_list_element_type changed"


def test_serialize_property_of_fast_serialize() -> None:
    import inspect

    parameters = list(inspect.signature(rpc.serialize_property).parameters)
    assert parameters.index("return_protobuf_value") == 8, (
        "pulumi.runtime.rpc.serialize_property's parameters moved"
    )
    assert asyncio.run(rpc.serialize_property("x", [], None)) == "x"
