"""The offline plan: the real Pulumi program, run in-process under the SDK's mock runtime.

``Mocks.new_resource`` never sees resource options, so ``RecordingMonitor`` (a MockMonitor
subclass) records each whole RegisterResource/ReadResource request: parent, dependencies,
provider, inputs (secrets masked) and options.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pulumi
from google.protobuf import struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime.settings import is_dry_run

from domain import PULUMI_PROJECT
from domain.environment import EnvironmentSettings
from domain.plan_model import SECRET_MASK, UNKNOWN, Plan, PlanOptions, PlanResource, PlanStack
from domain.registry import Registry
from domain.stacks import StackSpec
from domain.tiers import platform_tiers, tier_spec
from tenancy.plan.mocks import PlanMocks
from tenancy.sdk.fast_monitor import register_resource
from tenancy.sdk.runtime_state import reset_runtime, run_pulumi_func
from tenancy.sdk.stack_traces import without_stack_traces
from tenancy.sdk.sync_await import run_sync
from tenancy.sdk.wire_format import OUTPUT_SIG, RESOURCE_SIG, SECRET_SIG, SIG_KEY, UNKNOWN_VALUE


def wire_to_plain(value: struct_pb2.Value | struct_pb2.Struct) -> Any:
    """A protobuf property value → JSON-able Python, secrets masked and unknowns marked."""
    if isinstance(value, struct_pb2.Struct):
        return _struct_to_plain(value)
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        return _struct_to_plain(value.struct_value)
    if kind == "list_value":
        return [wire_to_plain(v) for v in value.list_value.values]
    if kind == "string_value":
        return UNKNOWN if value.string_value == UNKNOWN_VALUE else value.string_value
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() else number
    if kind == "bool_value":
        return value.bool_value
    return None


def _struct_to_plain(struct: struct_pb2.Struct) -> Any:
    fields = struct.fields
    if SIG_KEY in fields:
        sig = fields[SIG_KEY].string_value
        if sig == SECRET_SIG:
            return SECRET_MASK
        if sig == RESOURCE_SIG:
            return {"$resource": fields["urn"].string_value}
        if sig == OUTPUT_SIG:
            if fields.get("secret") is not None and fields["secret"].bool_value:
                return SECRET_MASK
            return wire_to_plain(fields["value"]) if "value" in fields else UNKNOWN
    return {key: wire_to_plain(val) for key, val in fields.items()}


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """Records every registration with its options, then lets the mock monitor answer."""

    def __init__(self, mocks: pulumi_mocks.Mocks, fast: bool = True):
        super().__init__(mocks)
        self.recorded: list[PlanResource] = []
        self._lock = threading.Lock()
        # The conversions without the SDK's round trips (tenancy/sdk/fast_monitor.py).
        self.fast = fast

    def RegisterResource(self, request):
        response = None
        if self.fast:
            response = register_resource(self, request, is_dry_run())
        if response is None:
            response = super().RegisterResource(request)
        options = PlanOptions(
            protect=request.protect,
            retain_on_delete=request.retainOnDelete,
            ignore_changes=sorted(request.ignoreChanges),
            delete_before_replace=request.deleteBeforeReplace,
            custom_timeouts={
                op: value
                for op in ("create", "update", "delete")
                if (value := getattr(request.customTimeouts, op, ""))
            },
        )
        self._record(
            response.urn, request, wire_to_plain(request.object), options, bool(request.custom)
        )
        return response

    def ReadResource(self, request):
        # A read (e.g. a StackReference) has no resource options of its own.
        response = super().ReadResource(request)
        inputs = {"$read": request.id, **wire_to_plain(request.properties)}
        self._record(response.urn, request, inputs, PlanOptions(), custom=True)
        return response

    def _record(
        self, urn: str, request, inputs: dict[str, Any], options: PlanOptions, custom: bool
    ) -> None:
        resource = PlanResource(
            urn=urn,
            type=request.type,
            name=request.name,
            custom=custom,
            parent=request.parent or None,
            dependencies=sorted(set(request.dependencies)),
            # A provider reference is "<urn>::<id>"; the plan keeps the urn.
            provider=request.provider.rsplit("::", 1)[0] if request.provider else None,
            inputs=inputs,
            options=options,
        )
        with self._lock:
            self.recorded.append(resource)


@dataclass
class StackRun:
    spec: StackSpec
    plan: PlanStack
    outputs: dict[str, Any]


Builder = Callable[[StackSpec, EnvironmentSettings, Registry], dict[str, Any]]


def _replace_event_loop() -> None:
    """Forked workers share the parent's epoll instance; once they have run, the parent's loop
    can miss its wake-ups, so the parent continues on a fresh loop."""
    try:
        old = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        old = None
    asyncio.set_event_loop(asyncio.new_event_loop())
    if old is not None and not old.is_running():
        old.close()


def _ensure_event_loop() -> None:
    """The SDK awaits on the thread's loop; a caller's ``asyncio.run()`` leaves none behind."""
    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
        if not loop.is_closed():
            return
    except RuntimeError:
        pass
    asyncio.set_event_loop(asyncio.new_event_loop())


def run_stack(
    spec: StackSpec,
    settings: EnvironmentSettings,
    registry: Registry,
    platform_outputs: dict[str, Any] | None,
    build: Builder | None = None,
) -> StackRun:
    """Run one stack's program under the mocks and return what it would register."""
    if build is None:
        from program import build as program_build  # the real program

        build = program_build
    builder: Builder = build

    _ensure_event_loop()
    reset_runtime()
    mocks = PlanMocks(settings, platform_outputs or {})
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(
        mocks,
        project=PULUMI_PROJECT,
        stack=spec.name,
        preview=True,
        monitor=monitor,
        organization=settings.stack_org,
    )
    exported: dict[str, Any] = {}

    def program() -> None:
        exported.update(builder(spec, settings, registry))

    run_sync(run_pulumi_func(program))
    outputs = _resolve_outputs(exported)
    reset_runtime()
    # Registration order depends on async scheduling; sorting by urn makes plans comparable.
    recorded = sorted(monitor.recorded, key=lambda r: r.urn)
    plan = PlanStack(spec.name, spec.tenant_id, spec.tier.value if spec.tier else None, recorded)
    return StackRun(spec, plan, outputs)


def _resolve_outputs(exported: dict[str, Any]) -> dict[str, Any]:
    if not exported:
        return {}
    keys = list(exported)

    async def resolve():
        values = []
        for key in keys:
            out = pulumi.Output.from_input(exported[key])
            is_secret = await out.is_secret()
            value = await out.future(with_unknowns=True)
            values.append(SECRET_MASK if is_secret else value)
        return values

    return dict(zip(keys, run_sync(resolve()), strict=True))


# --- offline runtime tuning ---------------------------------------------------------------------


@contextlib.contextmanager
def offline_runtime() -> Iterator[None]:
    """Turn off two SDK diagnostics that only the real engine consumes: the per-resource stack
    trace (source positions for the CLI) and debug log records. Together they are about a third
    of the cost of a mock registration. Cheaper output routines too (tenancy/sdk/fast_outputs),
    type unwrapping remembered per type (tenancy/sdk/fast_types) and plain scalars serialised at
    once (tenancy/sdk/fast_serialize). Restored on exit."""
    from tenancy.sdk.fast_outputs import fast_outputs
    from tenancy.sdk.fast_serialize import fast_serialize
    from tenancy.sdk.fast_types import remembered_types

    with without_stack_traces(), fast_outputs(), remembered_types(), fast_serialize():
        yield


@contextlib.contextmanager
def gc_tuned():
    """Python's cyclic collector spends about half of all plan CPU rescanning the SDK's long-lived
    objects (imported modules, Output machinery). Freezing what exists after the imports and
    collecting far less often took a 1,000-tenant plan from 41 s to 26 s with identical output.
    Forked workers inherit both. Restored on exit."""
    threshold = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


# --- whole plans --------------------------------------------------------------------------------

_WORKER_STATE: dict[str, Any] = {}


def _worker_init() -> None:
    # A forked child must not reuse the parent's event loop or its executor threads.
    asyncio.set_event_loop(asyncio.new_event_loop())


def _worker_run(index: int) -> tuple[int, PlanStack]:
    state = _WORKER_STATE
    with offline_runtime():
        run = run_stack(
            state["specs"][index],
            state["settings"],
            state["registry"],
            state["platform_outputs"],
            state["build"],
        )
    return index, run.plan


# The providers' modules import lazily on first use and take seconds; warming them in the parent
# lets forked workers share them instead of each importing them again.
PROVIDER_MODULES = (
    "pulumi_gcp.compute",
    "pulumi_gcp.container",
    "pulumi_gcp.dns",
    "pulumi_gcp.firestore",
    "pulumi_gcp.identityplatform",
    "pulumi_gcp.kms",
    "pulumi_gcp.logging",
    "pulumi_gcp.monitoring",
    "pulumi_gcp.organizations",
    "pulumi_gcp.projects",
    "pulumi_gcp.secretmanager",
    "pulumi_gcp.serviceaccount",
    "pulumi_gcp.servicenetworking",
    "pulumi_gcp.sql",
    "pulumi_gcp.storage",
    "pulumi_kubernetes.apiextensions",
    "pulumi_kubernetes.core.v1",
    "pulumi_kubernetes.helm.v3",
    "pulumi_kubernetes.meta.v1",
    "pulumi_kubernetes.networking.v1",
    "pulumi_kubernetes.storage.v1",
    "pulumi_kubernetes.batch.v1",
    "pulumi_temporalcloud",
    "pulumi_random",
)


def _preimport(specs: list[StackSpec], providers: bool = True) -> None:
    import importlib

    for module in PROVIDER_MODULES if providers else ():
        importlib.import_module(module)
    for spec in specs:
        tiers = platform_tiers() if spec.tenant is None else [tier_spec(spec.tenant.tier)]
        for tier in tiers:
            importlib.import_module(tier.component_module)


def plan_stacks(
    specs: list[StackSpec],
    settings: EnvironmentSettings,
    registry: Registry,
    on_stack: Callable[[PlanStack], None] | None = None,
    workers: int | None = None,
    build: Builder | None = None,
) -> Plan:
    """Plan the given stacks, the platform stack first in the result.

    Tenant stacks read the platform stack's outputs through a StackReference; the mocks answer
    it with ``offline_platform_outputs`` (proven equal to the real platform outputs by a test),
    so every stack is independent and they run in parallel worker processes.
    """
    from tenancy.plan.platform_outputs import offline_platform_outputs

    platform_outputs = offline_platform_outputs(settings, registry.tenants)
    ordered_specs = sorted(specs, key=lambda s: (s.kind != "platform", s.name))
    workers = workers if workers is not None else _default_workers(len(ordered_specs))
    if build is None and ordered_specs:
        # Everything imported before the collector is tuned gets frozen with it.
        _preimport(ordered_specs, providers=workers > 1 and len(ordered_specs) > 1)
    with gc_tuned():
        return _plan_ordered(
            ordered_specs, settings, registry, platform_outputs, on_stack, workers, build
        )


def _plan_ordered(
    ordered_specs: list[StackSpec],
    settings: EnvironmentSettings,
    registry: Registry,
    platform_outputs: dict[str, Any],
    on_stack: Callable[[PlanStack], None] | None,
    workers: int,
    build: Builder | None,
) -> Plan:
    results: dict[int, PlanStack] = {}
    if workers <= 1 or len(ordered_specs) < 2:
        with offline_runtime():
            for index, spec in enumerate(ordered_specs):
                results[index] = run_stack(spec, settings, registry, platform_outputs, build).plan
                if on_stack:
                    on_stack(results[index])
    else:
        # Warm the parent with one real tenant stack (the SDK resolves each resource class's input
        # types on first use), so forked workers start warm instead of each paying that cost.
        warm = next(
            (i for i, sp in enumerate(ordered_specs) if sp.tier and sp.tier.value == "enterprise"),
            next((i for i, sp in enumerate(ordered_specs) if sp.kind == "tenant"), 0),
        )
        with offline_runtime():
            results[warm] = run_stack(
                ordered_specs[warm], settings, registry, platform_outputs, build
            ).plan
        if on_stack:
            on_stack(results[warm])
        remaining = [i for i in range(len(ordered_specs)) if i != warm]
        _WORKER_STATE.update(
            specs=ordered_specs,
            settings=settings,
            registry=registry,
            platform_outputs=platform_outputs,
            build=build,
        )
        try:
            context = multiprocessing.get_context("fork")
            with context.Pool(workers, initializer=_worker_init) as pool:
                # The platform stack is the largest; it is first in line.
                for index, stack in pool.imap_unordered(_worker_run, remaining, chunksize=1):
                    results[index] = stack
                    if on_stack:
                        on_stack(stack)
        finally:
            _WORKER_STATE.clear()
            _replace_event_loop()
    return Plan([results[i] for i in range(len(ordered_specs))])


def _default_workers(stacks: int) -> int:
    if stacks < 4:  # below this the workers' start-up costs more than it saves
        return 1
    return max(1, min(os.cpu_count() or 1, 4))
