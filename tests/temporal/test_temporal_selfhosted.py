"""The self-hosted namespace provider: Cloud-rule validation and diff as plain functions, and
create/read/update/delete round trips against a real Temporal dev server."""

from __future__ import annotations

import asyncio
import base64
import time

import dill
import pytest
from google.protobuf.duration_pb2 import Duration
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from temporalio.api.workflowservice.v1 import (
    ListOpenWorkflowExecutionsRequest,
    RegisterNamespaceRequest,
)
from temporalio.client import Client
from temporalio.service import ConnectConfig, ServiceClient

from components.providers.temporal_selfhosted import (
    DeletionRefused,
    NamespaceAlreadyExists,
    NamespaceSpec,
    SelfHostedNamespaceProvider,
    TemporalUnreachable,
    create_namespace,
    delete_namespace,
    plan_diff,
    read_namespace,
    update_namespace,
    validation_failures,
)

VALID = {
    "endpoint": "temporal-frontend:7233",
    "namespace": "dev-acme",
    "retention_days": 7,
    "description": "acme's workflows",
    "owner_email": "ops@example.com",
}


# --- validation (Temporal Cloud's rules) ----------------------------------------------------------
def test_valid_inputs_pass() -> None:
    assert validation_failures(VALID) == []
    assert (
        validation_failures({**VALID, "retention_days": 7.0}) == []
    )  # Pulumi sends numbers as floats
    assert validation_failures({**VALID, "description": "", "owner_email": ""}) == []


@pytest.mark.parametrize(
    ("namespace", "reason"),
    [
        ("a", "must be 2-39 characters"),
        ("a" * 40, "must be 2-39 characters"),
        ("1acme", "does not match"),
        ("Acme", "does not match"),
        ("acme-", "does not match"),
        ("ac_me", "does not match"),
    ],
)
def test_namespace_names_follow_cloud_rules(namespace: str, reason: str) -> None:
    failures = validation_failures({**VALID, "namespace": namespace})
    assert {p for p, _ in failures} == {"namespace"}
    assert any(reason in r for _, r in failures)
    assert all("Temporal Cloud rule" in r for _, r in failures)


def test_boundary_names_are_accepted() -> None:
    assert validation_failures({**VALID, "namespace": "ab"}) == []
    assert validation_failures({**VALID, "namespace": "a" * 39}) == []


@pytest.mark.parametrize("days", [0, 91, -1, 2.5, "7", True])
def test_retention_must_be_1_to_90_whole_days(days) -> None:
    failures = validation_failures({**VALID, "retention_days": days})
    assert [p for p, _ in failures] == ["retention_days"]


@pytest.mark.parametrize("days", [1, 90])
def test_retention_bounds_are_inclusive(days: int) -> None:
    assert validation_failures({**VALID, "retention_days": days}) == []


@pytest.mark.parametrize(
    "endpoint", ["temporal", "temporal:", "temporal:99999", "http://temporal:7233", ":7233"]
)
def test_endpoint_must_be_host_and_port(endpoint: str) -> None:
    assert [p for p, _ in validation_failures({**VALID, "endpoint": endpoint})] == ["endpoint"]


def test_missing_required_inputs_and_bad_email() -> None:
    failures = dict(validation_failures({"owner_email": "not-an-email"}))
    assert set(failures) == {"namespace", "endpoint", "retention_days", "owner_email"}


def test_unknown_values_during_preview_are_not_judged() -> None:
    assert (
        validation_failures({**VALID, "namespace": rpc.UNKNOWN, "retention_days": rpc.UNKNOWN})
        == []
    )


def test_clearing_description_or_owner_is_refused_because_temporal_ignores_it() -> None:
    failures = validation_failures({**VALID, "description": ""}, olds=VALID)
    assert failures == [
        (
            "description",
            "Temporal cannot clear a namespace's description; set a new non-empty value",
        )
    ]


# --- diff -----------------------------------------------------------------------------------------
def test_diff_of_identical_inputs_is_empty() -> None:
    assert not plan_diff({**VALID, "retention_days": 7.0, "namespace_id": "x"}, VALID).has_changes


@pytest.mark.parametrize("prop", ["namespace", "endpoint"])
def test_name_or_endpoint_change_replaces(prop: str) -> None:
    diff = plan_diff(VALID, {**VALID, prop: "other-value:1" if prop == "endpoint" else "dev-other"})
    assert diff.changed == [prop] and diff.replaces == [prop]


@pytest.mark.parametrize(
    ("prop", "value"), [("retention_days", 30), ("description", "new"), ("owner_email", "x@y.io")]
)
def test_retention_description_owner_update_in_place(prop: str, value) -> None:
    diff = plan_diff(VALID, {**VALID, prop: value})
    assert diff.changed == [prop] and diff.replaces == []


def test_provider_diff_and_check_are_thin_adapters() -> None:
    provider = SelfHostedNamespaceProvider()
    result = provider.diff("id", VALID, {**VALID, "namespace": "dev-other", "retention_days": 9})
    assert (
        result.changes
        and result.replaces == ["namespace"]
        and result.delete_before_replace is False
    )
    check = provider.check({}, {**VALID, "retention_days": 400})
    assert [(f.property, "1-90 days" in f.reason) for f in check.failures] == [
        ("retention_days", True)
    ]


def test_provider_survives_pulumi_serialization() -> None:
    """Pulumi pickles the provider into the state; it must come back usable."""
    restored = dill.loads(base64.b64decode(serialize_provider(SelfHostedNamespaceProvider())))
    assert restored.check({}, VALID).failures == []


# --- against the dev server -----------------------------------------------------------------------
def _spec(endpoint: str, namespace: str, **overrides) -> NamespaceSpec:
    values = {
        "retention_days": 3,
        "description": "created by tests",
        "owner_email": "ops@example.com",
    }
    return NamespaceSpec(endpoint=endpoint, namespace=namespace, **{**values, **overrides})


def test_create_read_update_delete_round_trip(
    temporal_endpoint: str, unique_namespace: str
) -> None:
    spec = _spec(temporal_endpoint, unique_namespace)
    created = create_namespace(spec)
    assert (
        created.namespace,
        created.retention_days,
        created.description,
        created.owner_email,
    ) == (unique_namespace, 3, "created by tests", "ops@example.com")
    assert created.namespace_id

    assert read_namespace(temporal_endpoint, unique_namespace) == created

    updated = update_namespace(
        _spec(
            temporal_endpoint,
            unique_namespace,
            retention_days=30,
            description="now described",
            owner_email="new-owner@example.com",
        )
    )
    assert (updated.retention_days, updated.description, updated.owner_email) == (
        30,
        "now described",
        "new-owner@example.com",
    )
    assert updated.namespace_id == created.namespace_id  # same namespace, updated in place
    assert read_namespace(temporal_endpoint, unique_namespace) == updated

    delete_namespace(temporal_endpoint, unique_namespace)
    assert read_namespace(temporal_endpoint, unique_namespace) is None
    delete_namespace(temporal_endpoint, unique_namespace)  # already gone is fine


def test_creating_an_existing_namespace_is_a_clear_error(
    temporal_endpoint: str, unique_namespace: str
) -> None:
    create_namespace(_spec(temporal_endpoint, unique_namespace))
    with pytest.raises(
        NamespaceAlreadyExists,
        match=f"Temporal namespace '{unique_namespace}' already exists on {temporal_endpoint}",
    ):
        create_namespace(_spec(temporal_endpoint, unique_namespace, retention_days=5))
    assert read_namespace(temporal_endpoint, unique_namespace).retention_days == 3  # untouched
    delete_namespace(temporal_endpoint, unique_namespace)


def test_provider_methods_round_trip(temporal_endpoint: str, unique_namespace: str) -> None:
    provider = SelfHostedNamespaceProvider()
    props = {
        "endpoint": temporal_endpoint,
        "namespace": unique_namespace,
        "retention_days": 2.0,
        "description": "via provider",
        "owner_email": "",
        "tls": False,
    }
    assert provider.check({}, props).failures == []

    created = provider.create(props)
    assert created.id == f"{temporal_endpoint}/{unique_namespace}"
    assert created.outs["retention_days"] == 2 and created.outs["namespace_id"]

    read = provider.read(created.id, created.outs)
    assert read.id == created.id and read.outs == created.outs

    news = {**props, "retention_days": 10.0, "owner_email": "team@example.com"}
    diff = provider.diff(created.id, created.outs, news)
    assert diff.changes and diff.replaces == []
    updated = provider.update(created.id, created.outs, news)
    assert (
        updated.outs["retention_days"] == 10 and updated.outs["owner_email"] == "team@example.com"
    )
    # drift made outside Pulumi shows up on refresh
    update_namespace(NamespaceSpec.from_props({**news, "retention_days": 11}))
    assert provider.read(created.id, updated.outs).outs["retention_days"] == 11

    provider.delete(created.id, updated.outs)
    gone = provider.read(created.id, updated.outs)
    assert gone.id == "" and gone.outs == {}


def test_an_unreachable_server_is_named(unique_namespace: str, unused_port: int) -> None:
    endpoint = f"127.0.0.1:{unused_port}"
    with pytest.raises(
        TemporalUnreachable, match=f"cannot reach the Temporal frontend at {endpoint}"
    ):
        read_namespace(endpoint, unique_namespace)


# --- deletion guard (issue 10, section 3) ---------------------------------------------------------
def test_the_servers_default_namespace_is_never_deleted(temporal_endpoint: str) -> None:
    with pytest.raises(DeletionRefused, match=r"'default'.*the server's own namespace"):
        delete_namespace(temporal_endpoint, "default")
    assert read_namespace(temporal_endpoint, "default") is not None


def test_a_namespace_the_platform_did_not_create_is_not_deleted(
    temporal_endpoint: str, unique_namespace: str
) -> None:
    async def register_by_hand() -> None:
        client = await ServiceClient.connect(ConnectConfig(target_host=temporal_endpoint))
        await client.workflow_service.register_namespace(
            RegisterNamespaceRequest(
                namespace=unique_namespace,
                workflow_execution_retention_period=Duration(seconds=86_400),
            )
        )

    asyncio.run(register_by_hand())
    with pytest.raises(DeletionRefused, match="did not create it"):
        delete_namespace(temporal_endpoint, unique_namespace)
    provider = SelfHostedNamespaceProvider()
    with pytest.raises(DeletionRefused):
        provider.delete(f"{temporal_endpoint}/{unique_namespace}", {})
    assert read_namespace(temporal_endpoint, unique_namespace) is not None


async def _open_runs(endpoint: str, namespace: str) -> int:
    client = await ServiceClient.connect(ConnectConfig(target_host=endpoint))
    response = await client.workflow_service.list_open_workflow_executions(
        ListOpenWorkflowExecutionsRequest(namespace=namespace, maximum_page_size=10)
    )
    return len(response.executions)


def test_a_namespace_with_running_workflows_is_not_deleted(
    temporal_endpoint: str, unique_namespace: str
) -> None:
    create_namespace(
        NamespaceSpec(endpoint=temporal_endpoint, namespace=unique_namespace, retention_days=1)
    )

    async def start_then_terminate(terminate: bool) -> None:
        client = await Client.connect(temporal_endpoint, namespace=unique_namespace)
        handle = client.get_workflow_handle("order-42")
        if terminate:
            await handle.terminate("test over")
        else:
            await client.start_workflow("NoWorkerRunsThis", id="order-42", task_queue="nobody")

    asyncio.run(start_then_terminate(terminate=False))
    deadline = time.monotonic() + 30  # visibility is eventually consistent: wait to see the run
    while not asyncio.run(_open_runs(temporal_endpoint, unique_namespace)):
        assert time.monotonic() < deadline, "the started workflow never became visible"
        time.sleep(0.2)
    with pytest.raises(DeletionRefused, match=r"running workflows.*'order-42'"):
        delete_namespace(temporal_endpoint, unique_namespace)
    assert read_namespace(temporal_endpoint, unique_namespace) is not None
    asyncio.run(start_then_terminate(terminate=True))
    while True:  # once nothing runs, the platform's own namespace can be deleted
        try:
            delete_namespace(temporal_endpoint, unique_namespace)
            break
        except DeletionRefused:
            assert time.monotonic() < deadline, "the terminated workflow still shows as running"
            time.sleep(0.5)
    assert read_namespace(temporal_endpoint, unique_namespace) is None
