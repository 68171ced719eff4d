"""The Pulumi program. ``__main__.py`` calls ``main()``; the offline plan calls ``build()``.

What to build is decided by the stack name: ``<env>`` is the platform stack (SharedPool and
every free tenant), ``<env>.<tenant>`` builds that tenant's NamespaceTenant or DedicatedCluster.
"""

from __future__ import annotations

import importlib
from typing import Any, cast

import pulumi

from domain import tenants_dir
from domain.environment import EnvironmentSettings, load_environment
from domain.registry import Registry, load_registry
from domain.stacks import (
    StackSpec,
    has_own_stack,
    parse_stack_name,
    platform_stack_name,
    tenant_stack_name,
)
from domain.tiers import TierSpec, platform_tiers, tier_spec


def spec_for(stack: str, registry: Registry) -> StackSpec:
    env, tenant_id = parse_stack_name(stack)
    if tenant_id is None:
        return StackSpec(platform_stack_name(env), env, "platform")
    tenant = registry.get(tenant_id)
    if tenant is None:
        raise pulumi.RunError(
            f"stack {stack!r}: tenant {tenant_id!r} is not in the registry ({registry.directory})"
        )
    if not has_own_stack(tenant):
        raise pulumi.RunError(
            f"stack {stack!r}: {tenant_id!r} is a {tenant.tier.value} tenant; it lives in the "
            f"platform stack {env!r}"
        )
    return StackSpec(tenant_stack_name(env, tenant_id), env, "tenant", tenant)


def tier_component(spec: TierSpec) -> tuple[Any, Any]:
    """The tier's component class and its ``<Class>Args``, imported only when built (the cloud
    SDK modules take seconds to import). A tier whose component is missing fails loudly here."""
    module = importlib.import_module(spec.component_module)
    component = getattr(module, spec.component_class)
    args = getattr(module, f"{spec.component_class}Args")
    if not (isinstance(component, type) and issubclass(component, pulumi.ComponentResource)):
        raise TypeError(f"tier {spec.tier.value!r}: {spec.component} is not a ComponentResource")
    return component, args


def build(spec: StackSpec, settings: EnvironmentSettings, registry: Registry) -> dict[str, Any]:
    """Construct the stack's components; returns the stack outputs."""
    if spec.kind == "platform":
        (pool_tier,) = platform_tiers()  # exactly one tier lives in the platform stack
        component, args = tier_component(pool_tier)
        pool = component(
            "shared-pool",
            args(
                settings=settings,
                free_tenants=registry.by_tier(pool_tier.tier),
                identity_tenants=list(registry.tenants),
            ),
        )
        return cast(dict[str, Any], pool.stack_outputs())
    tenant = spec.tenant
    if tenant is None:
        raise ValueError(f"stack {spec.name!r} is a tenant stack without a tenant")
    platform = pulumi.StackReference(settings.platform_stack_ref)
    component, args = tier_component(tier_spec(tenant.tier))
    built = component(tenant.id, args(settings=settings, tenant=tenant, platform=platform))
    return cast(dict[str, Any], built.stack_outputs())


def main() -> None:
    stack = pulumi.get_stack()
    env, _ = parse_stack_name(stack)
    settings = load_environment(env)
    registry = load_registry(tenants_dir(), settings)
    for key, value in build(spec_for(stack, registry), settings, registry).items():
        pulumi.export(key, value)
