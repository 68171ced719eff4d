"""The mock monitor's direct conversions (tenancy/sdk/fast_monitor.py) give exactly what the SDK's
own give: the inputs the mocks see, the protobuf answer, the monitor's registrations, case by case,
and the same plan."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf import struct_pb2
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.sync_await import _sync_await

from domain.stacks import StackSpec, all_stacks
from tenancy.plan import engine
from tenancy.plan.mocks import PlanMocks
from tenancy.sdk import fast_monitor as fast
from tenancy.sdk.wire_format import SECRET_SIG, SIG_KEY, UNKNOWN_VALUE

UNKNOWN_MARK = "<Unknown>"


def _marked(value: Any) -> Any:
    """Unknown instances compare by identity; mark them to compare shapes."""
    if isinstance(value, Unknown):
        return UNKNOWN_MARK
    if isinstance(value, dict):
        return {key: _marked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_marked(item) for item in value]
    return value


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(value)
    return struct


PLAIN_STRUCTS = [
    {},
    {"a": "x", "n": 3, "f": 2.5, "t": True, "z": None},
    {"nested": {"deep": {"none": None, "list": [1, None, "two", {"k": None}]}}},
    {"u": UNKNOWN_VALUE, "inside": {"u": UNKNOWN_VALUE}, "list": [UNKNOWN_VALUE, "x"]},
    {"empty": {}, "nothing": []},
]
SIGNED_STRUCTS = [
    {"secret": {SIG_KEY: SECRET_SIG, "value": "hunter2"}},
    {"deep": [{"x": {SIG_KEY: SECRET_SIG, "value": 1}}]},
    {SIG_KEY: SECRET_SIG, "value": "top"},
]


@pytest.mark.parametrize("dry_run", [True, False])
@pytest.mark.parametrize("value", PLAIN_STRUCTS)
def test_plain_structs_read_like_the_sdk(value, dry_run, monkeypatch) -> None:
    monkeypatch.setattr(rpc.settings, "is_dry_run", lambda: dry_run)
    sdk = rpc.deserialize_properties(_struct(value))
    quick = fast.plain_from_struct(_struct(value), dry_run)
    assert _marked(quick) == _marked(sdk)
    assert list(quick) == list(sdk)  # same keys in the same order


@pytest.mark.parametrize("value", SIGNED_STRUCTS)
def test_signed_structs_take_the_sdks_path(value) -> None:
    assert fast.plain_from_struct(_struct(value), True) is fast.NOT_PLAIN


PLAIN_STATES = [
    {},
    {"a": "x", "n": 3, "f": 2.5, "t": True, "dropped": None},
    {"nested": {"none": None, "list": [1, None, (2, "three")], "tuple": ("a", {"b": None})}},
    {"unknown": Unknown(), "inside": {"u": Unknown()}, "list": [Unknown()]},
    {"secret-shaped": {SIG_KEY: SECRET_SIG, "value": "kept as a plain dict, as the SDK does"}},
]


@pytest.mark.parametrize("state", PLAIN_STATES)
def test_plain_states_serialise_like_the_sdk(state) -> None:
    sdk = _sync_await(rpc.serialize_properties(state, {}))
    quick = fast.struct_from_plain(state)
    assert quick == sdk
    assert quick.SerializeToString(deterministic=True) == sdk.SerializeToString(deterministic=True)


class _Sub(dict):
    pass


@pytest.mark.parametrize(
    "state",
    [
        {"set": {1, 2}},
        {"bytes": b"x"},
        {1: "int key"},
        {"nested": {2: "int key"}},
        {"sub": _Sub(a=1)},
        _Sub(a=1),
        {"obj": object()},
    ],
)
def test_other_states_take_the_sdks_path(state) -> None:
    assert fast.struct_from_plain(state) is fast.NOT_PLAIN


def _request(inputs: dict[str, Any], **fields: Any) -> Any:
    obj = _sync_await(rpc.serialize_properties(inputs, {}))
    base: dict[str, Any] = {
        "type": "gcp:storage/bucket:Bucket",
        "name": "uploads",
        "parent": "urn:pulumi:dev.t::tenancy::tenancy:tiers:NamespaceTenant::t",
        "custom": True,
        "provider": "urn:pulumi:dev.t::tenancy::pulumi:providers:gcp::gcp::id",
        "object": obj,
    }
    return resource_pb2.RegisterResourceRequest(**(base | fields))


REQUESTS = [
    _request({"name": "b", "location": "US", "labels": {"tenant": "t"}}),
    _request({"name": "b", "versioning": {"enabled": Unknown()}}),  # unknown during preview
    _request({"accountId": "svc"}, type="gcp:serviceaccount/account:Account", name="sa"),
    _request({"metadata": {"labels": {}}}, type="kubernetes:core/v1:Namespace", name="ns"),
    _request({"name": "b"}, importId="existing-bucket", parent=""),
]


@pytest.mark.parametrize("dry_run", [True, False])
@pytest.mark.parametrize("request_", REQUESTS)
def test_register_resource_answers_like_the_mock_monitor(
    request_, dry_run, settings, monkeypatch
) -> None:
    monkeypatch.setattr(rpc.settings, "is_dry_run", lambda: dry_run)
    sdk_monitor = MockMonitor(PlanMocks(settings, {}))
    quick_monitor = MockMonitor(PlanMocks(settings, {}))
    sdk = sdk_monitor.RegisterResource(request_)
    quick = fast.register_resource(quick_monitor, request_, dry_run)
    assert quick is not None
    assert quick.SerializeToString(deterministic=True) == sdk.SerializeToString(deterministic=True)
    assert {urn: (r.urn, r.id, _marked(r.state)) for urn, r in quick_monitor.resources.items()} == {
        urn: (r.urn, r.id, _marked(r.state)) for urn, r in sdk_monitor.resources.items()
    }


def test_requests_it_cannot_answer_go_to_the_sdk(settings) -> None:
    monitor = MockMonitor(PlanMocks(settings, {}))
    stack = resource_pb2.RegisterResourceRequest(type="pulumi:pulumi:Stack", name="s")
    secret = _request({"password": {SIG_KEY: SECRET_SIG, "value": "x"}})
    assert fast.register_resource(monitor, stack, dry_run=True) is None
    assert fast.register_resource(monitor, secret, dry_run=True) is None
    assert monitor.resources == {}


def test_a_plan_is_the_same_through_the_sdks_monitor(
    registry, settings, sample_plan, monkeypatch
) -> None:
    monkeypatch.setattr(engine, "register_resource", lambda *args: None)
    specs: list[StackSpec] = all_stacks(registry, "dev")
    slow = engine.plan_stacks(specs, settings, registry, workers=1)
    assert slow.to_dict() == sample_plan.to_dict()
