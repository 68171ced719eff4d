"""Temporal namespaces on a self-hosted server (development, and environments that run their own
Temporal), as a Pulumi dynamic provider over the temporalio SDK.

The logic lives in plain functions (validation, diff, create/read/update/delete) that tests call
directly against a dev server; the provider methods are thin adapters over them. Names and
retention follow Temporal Cloud's rules even here, so a namespace can move to Cloud unchanged.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
from collections.abc import Coroutine, Mapping
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any, TypeVar

import pulumi
import pulumi.dynamic as dynamic
from google.protobuf.duration_pb2 import Duration
from pulumi.runtime import rpc
from temporalio.api.enums.v1 import NamespaceState
from temporalio.api.namespace.v1 import NamespaceConfig, UpdateNamespaceInfo
from temporalio.api.operatorservice.v1 import DeleteNamespaceRequest
from temporalio.api.workflowservice.v1 import (
    DescribeNamespaceRequest,
    ListOpenWorkflowExecutionsRequest,
    RegisterNamespaceRequest,
    UpdateNamespaceRequest,
)
from temporalio.service import ConnectConfig, RPCError, RPCStatusCode, ServiceClient

from domain.conventions import TEMPORAL_RETENTION_DAYS
from domain.names import name_problems
from domain.registry.models import EMAIL_PATTERN

RETENTION_MIN_DAYS, RETENTION_MAX_DAYS = TEMPORAL_RETENTION_DAYS  # Temporal Cloud's bounds
REPLACE_ON_CHANGE = ("endpoint", "namespace")
UPDATE_IN_PLACE = ("retention_days", "description", "owner_email")
CONNECTION_ONLY = ("tls",)  # how we reach the server: nothing to change on it
MANAGED_BY = {"managed-by": "tenancy"}
RPC_TIMEOUT = timedelta(seconds=15)
CONNECT_TIMEOUT = timedelta(seconds=10)
_ENDPOINT = re.compile(
    r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(?P<port>\d{1,5})$"
)
_EMAIL = re.compile(EMAIL_PATTERN)
_SECONDS_PER_DAY = 86_400
# Pulumi marks values it does not know yet (during preview) with this sentinel.
_UNKNOWN = rpc.UNKNOWN

T = TypeVar("T")


class TemporalNamespaceError(Exception):
    pass


class NamespaceAlreadyExists(TemporalNamespaceError):
    pass


class TemporalUnreachable(TemporalNamespaceError):
    pass


@dataclass(frozen=True)
class NamespaceSpec:
    endpoint: str
    namespace: str
    retention_days: int
    description: str = ""
    owner_email: str = ""
    tls: bool = False

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> NamespaceSpec:
        return cls(
            endpoint=str(props["endpoint"]),
            namespace=str(props["namespace"]),
            # Pulumi transports numbers as floats
            retention_days=int(props["retention_days"]),
            description=str(props.get("description") or ""),
            owner_email=str(props.get("owner_email") or ""),
            tls=bool(props.get("tls") or False),
        )


@dataclass(frozen=True)
class LiveNamespace:
    """What the server says about a namespace."""

    namespace: str
    namespace_id: str
    retention_days: int
    description: str
    owner_email: str


@dataclass(frozen=True)
class NamespaceDiff:
    changed: list[str]
    replaces: list[str]

    @property
    def has_changes(self) -> bool:
        return bool(self.changed)


# --- validation ---------------------------------------------------------------------------------
def _known(value: Any) -> bool:
    return value is not None and value != _UNKNOWN


def validation_failures(
    news: Mapping[str, Any], olds: Mapping[str, Any] | None = None
) -> list[tuple[str, str]]:
    """(property, reason) for every input that breaks Temporal Cloud's rules; empty when valid."""
    failures: list[tuple[str, str]] = []
    namespace = news.get("namespace")
    if namespace is None:
        failures.append(("namespace", "namespace is required"))
    elif _known(namespace):
        for problem in name_problems("temporal_namespace", str(namespace)):
            failures.append(("namespace", f"Temporal Cloud rule: {problem}"))

    endpoint = news.get("endpoint")
    if endpoint is None:
        failures.append(("endpoint", "endpoint is required, as host:port of the Temporal frontend"))
    elif _known(endpoint):
        match = _ENDPOINT.fullmatch(str(endpoint))
        if not match or not 1 <= int(match["port"]) <= 65535:
            failures.append(
                (
                    "endpoint",
                    f"endpoint '{endpoint}' is not host:port (for example temporal-frontend:7233)",
                )
            )

    retention = news.get("retention_days")
    if retention is None:
        failures.append(("retention_days", "retention_days is required"))
    elif _known(retention):
        if (
            isinstance(retention, bool)
            or not isinstance(retention, (int, float))
            or not float(retention).is_integer()
        ):
            failures.append(
                (
                    "retention_days",
                    f"retention_days must be a whole number of days (got {retention!r})",
                )
            )
        elif not RETENTION_MIN_DAYS <= int(retention) <= RETENTION_MAX_DAYS:
            failures.append(
                (
                    "retention_days",
                    "Temporal Cloud rule: retention must be "
                    f"{RETENTION_MIN_DAYS}-{RETENTION_MAX_DAYS} days (got {int(retention)})",
                )
            )

    owner_email = news.get("owner_email")
    if _known(owner_email) and owner_email and not _EMAIL.fullmatch(str(owner_email)):
        failures.append(("owner_email", f"owner_email '{owner_email}' is not an email address"))

    # Temporal ignores empty strings in an update, so a value once set can be changed but not
    # cleared.
    for prop in ("description", "owner_email"):
        old, new = (olds or {}).get(prop), news.get(prop)
        if old and _known(new) and not new:
            failures.append(
                (prop, f"Temporal cannot clear a namespace's {prop}; set a new non-empty value")
            )
    return failures


def plan_diff(olds: Mapping[str, Any], news: Mapping[str, Any]) -> NamespaceDiff:
    """Name or server changes replace the namespace; retention, description and owner update it."""

    def differs(prop: str) -> bool:
        old, new = olds.get(prop), news.get(prop)
        if prop == "retention_days" and _known(old) and _known(new):
            return int(old or 0) != int(new or 0)
        if prop in ("description", "owner_email"):
            return (old or "") != (new or "")
        if prop == "tls":
            return bool(old) != bool(new)
        return old != new

    changed = [p for p in (*REPLACE_ON_CHANGE, *UPDATE_IN_PLACE, *CONNECTION_ONLY) if differs(p)]
    return NamespaceDiff(changed=changed, replaces=[p for p in changed if p in REPLACE_ON_CHANGE])


# --- the server ---------------------------------------------------------------------------------
def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run SDK calls from synchronous provider code, even when a loop already runs here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _client(endpoint: str, tls: bool) -> ServiceClient:
    try:
        return await ServiceClient.connect(
            ConnectConfig(target_host=endpoint, tls=tls, connect_timeout=CONNECT_TIMEOUT)
        )
    except Exception as exc:  # the SDK raises plain RuntimeErrors from its core
        raise TemporalUnreachable(
            f"cannot reach the Temporal frontend at {endpoint}: {exc}"
        ) from None


def _days(duration: Duration) -> int:
    return round(duration.ToTimedelta().total_seconds() / _SECONDS_PER_DAY)


def _duration(days: int) -> Duration:
    return Duration(seconds=days * _SECONDS_PER_DAY)


async def _describe(client: ServiceClient, namespace: str) -> LiveNamespace | None:
    try:
        response = await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=namespace), retry=True, timeout=RPC_TIMEOUT
        )
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    info = response.namespace_info
    if info.state == NamespaceState.NAMESPACE_STATE_DELETED:
        return None
    return LiveNamespace(
        namespace=info.name,
        namespace_id=info.id,
        retention_days=_days(response.config.workflow_execution_retention_ttl),
        description=info.description,
        owner_email=info.owner_email,
    )


def create_namespace(spec: NamespaceSpec) -> LiveNamespace:
    async def create() -> LiveNamespace:
        client = await _client(spec.endpoint, spec.tls)
        try:
            await client.workflow_service.register_namespace(
                RegisterNamespaceRequest(
                    namespace=spec.namespace,
                    description=spec.description,
                    owner_email=spec.owner_email,
                    workflow_execution_retention_period=_duration(spec.retention_days),
                    data=MANAGED_BY,
                ),
                timeout=RPC_TIMEOUT,
            )
        except RPCError as exc:
            if exc.status == RPCStatusCode.ALREADY_EXISTS:
                raise NamespaceAlreadyExists(
                    f"Temporal namespace '{spec.namespace}' already exists on {spec.endpoint}; "
                    "import it into the stack (pulumi import) or choose another name"
                ) from None
            raise
        live = await _describe(client, spec.namespace)
        if live is None:
            raise TemporalNamespaceError(
                f"namespace '{spec.namespace}' was registered but cannot be described"
            )
        return live

    return _run(create())


def read_namespace(endpoint: str, namespace: str, tls: bool = False) -> LiveNamespace | None:
    async def read() -> LiveNamespace | None:
        return await _describe(await _client(endpoint, tls), namespace)

    return _run(read())


def update_namespace(spec: NamespaceSpec) -> LiveNamespace:
    async def update() -> LiveNamespace:
        client = await _client(spec.endpoint, spec.tls)
        await client.workflow_service.update_namespace(
            UpdateNamespaceRequest(
                namespace=spec.namespace,
                update_info=UpdateNamespaceInfo(
                    description=spec.description, owner_email=spec.owner_email
                ),
                config=NamespaceConfig(
                    workflow_execution_retention_ttl=_duration(spec.retention_days)
                ),
            ),
            retry=True,
            timeout=RPC_TIMEOUT,
        )
        live = await _describe(client, spec.namespace)
        if live is None:
            raise TemporalNamespaceError(
                f"namespace '{spec.namespace}' disappeared during its update"
            )
        return live

    return _run(update())


class DeletionRefused(TemporalNamespaceError):
    pass


# The server's own namespaces: never the platform's to delete, whatever their data says.
SERVER_NAMESPACES = frozenset({"default", "temporal-system"})


async def _deletion_problems(client: ServiceClient, namespace: str) -> list[str]:
    """Why ``namespace`` must not be deleted (empty: it may be, or it is already gone)."""
    problems: list[str] = []
    if namespace in SERVER_NAMESPACES:
        problems.append("it is the server's own namespace")
    try:
        response = await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=namespace), retry=True, timeout=RPC_TIMEOUT
        )
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return problems
        raise
    if response.namespace_info.state == NamespaceState.NAMESPACE_STATE_DELETED:
        return problems
    data = dict(response.namespace_info.data)
    if any(data.get(key) != value for key, value in MANAGED_BY.items()):
        problems.append(
            "this platform did not create it (its data has no managed-by=tenancy marker)"
        )
    open_runs = await client.workflow_service.list_open_workflow_executions(
        ListOpenWorkflowExecutionsRequest(namespace=namespace, maximum_page_size=1),
        retry=True,
        timeout=RPC_TIMEOUT,
    )
    if open_runs.executions:
        problems.append(
            "it has running workflows (for example "
            f"{open_runs.executions[0].execution.workflow_id!r}); let them finish or terminate "
            "them first"
        )
    return problems


def delete_namespace(endpoint: str, namespace: str, tls: bool = False) -> None:
    """Delete through the OperatorService; a namespace that is already gone is fine. Refuses the
    server's own namespaces, namespaces this platform did not create, and namespaces with running
    workflows (deleting one ends its workflows and erases their history)."""

    async def delete() -> None:
        client = await _client(endpoint, tls)
        problems = await _deletion_problems(client, namespace)
        if problems:
            raise DeletionRefused(
                f"refusing to delete Temporal namespace '{namespace}' on {endpoint}: "
                + "; ".join(problems)
            )
        try:
            await client.operator_service.delete_namespace(
                DeleteNamespaceRequest(namespace=namespace), timeout=RPC_TIMEOUT
            )
        except RPCError:
            # A namespace deleted moments ago may answer INVALID_ARGUMENT rather than NOT_FOUND:
            # what matters is whether it is still there.
            if await _describe(client, namespace) is not None:
                raise

    _run(delete())


# --- Pulumi -------------------------------------------------------------------------------------
def resource_id(endpoint: str, namespace: str) -> str:
    return f"{endpoint}/{namespace}"


def split_resource_id(id_: str) -> tuple[str, str]:
    endpoint, _, namespace = id_.rpartition("/")
    return endpoint, namespace


def outputs(spec: NamespaceSpec, live: LiveNamespace) -> dict[str, Any]:
    return {**asdict(spec), **asdict(live)}


class SelfHostedNamespaceProvider(dynamic.ResourceProvider):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dynamic.CheckResult:
        failures = validation_failures(news, _olds)
        return dynamic.CheckResult(news, [dynamic.CheckFailure(p, r) for p, r in failures])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> dynamic.DiffResult:
        plan = plan_diff(_olds, _news)
        return dynamic.DiffResult(
            changes=plan.has_changes,
            replaces=plan.replaces,
            stables=[],
            delete_before_replace=False,
        )

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        spec = NamespaceSpec.from_props(props)
        live = create_namespace(spec)
        return dynamic.CreateResult(resource_id(spec.endpoint, spec.namespace), outputs(spec, live))

    def read(self, id_: str, props: dict[str, Any]) -> dynamic.ReadResult:
        endpoint, namespace = split_resource_id(id_)
        live = read_namespace(endpoint, namespace, bool(props.get("tls")))
        if live is None:
            return dynamic.ReadResult("", {})  # gone: Pulumi drops it from the state
        spec = NamespaceSpec(
            endpoint=endpoint,
            namespace=namespace,
            retention_days=live.retention_days,
            description=live.description,
            owner_email=live.owner_email,
            tls=bool(props.get("tls")),
        )
        return dynamic.ReadResult(id_, outputs(spec, live))

    def update(
        self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]
    ) -> dynamic.UpdateResult:
        spec = NamespaceSpec.from_props(_news)
        return dynamic.UpdateResult(outputs(spec, update_namespace(spec)))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        endpoint, namespace = split_resource_id(_id)
        delete_namespace(endpoint, namespace, bool(_props.get("tls")))


class SelfHostedNamespace(dynamic.Resource, module="temporal", name="SelfHostedNamespace"):
    """A tenant's Temporal namespace on a self-hosted server (the Cloud backend uses
    pulumi-temporalcloud instead; which one an environment uses is environment config)."""

    endpoint: pulumi.Output[str]
    namespace: pulumi.Output[str]
    namespace_id: pulumi.Output[str]
    retention_days: pulumi.Output[int]
    description: pulumi.Output[str]
    owner_email: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        endpoint: pulumi.Input[str],
        namespace: pulumi.Input[str],
        retention_days: pulumi.Input[int],
        description: pulumi.Input[str] = "",
        owner_email: pulumi.Input[str] = "",
        tls: pulumi.Input[bool] = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "endpoint": endpoint,
            "namespace": namespace,
            "retention_days": retention_days,
            "description": description,
            "owner_email": owner_email,
            "tls": tls,
            "namespace_id": None,  # an output only
        }
        super().__init__(SelfHostedNamespaceProvider(), resource_name, props, opts)
