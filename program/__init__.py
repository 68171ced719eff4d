"""The Pulumi program. ``__main__.py`` calls ``main()``; the offline plan calls ``build()``.

What to build is decided by the stack name: ``<env>`` is the platform stack (SharedPool and
every free tenant), ``<env>.<tenant>`` builds that tenant's NamespaceTenant or DedicatedCluster.
"""

from __future__ import annotations

from typing import Any

import pulumi

from domain import names, tenants_dir
from domain.environment import EnvironmentSettings, load_environment
from domain.registry import EnterpriseTenant, Registry, StandardTenant, load_registry
from domain.stacks import StackSpec, parse_stack_name, platform_stack_name, tenant_stack_name


def spec_for(stack: str, registry: Registry) -> StackSpec:
    env, tenant_id = parse_stack_name(stack)
    if tenant_id is None:
        return StackSpec(platform_stack_name(env), env, "platform")
    tenant = registry.get(tenant_id)
    if tenant is None:
        raise pulumi.RunError(
            f"stack {stack!r}: tenant {tenant_id!r} is not in the registry ({registry.directory})"
        )
    if not isinstance(tenant, (StandardTenant, EnterpriseTenant)):
        raise pulumi.RunError(
            f"stack {stack!r}: {tenant_id!r} is a free tenant; it lives in the platform stack "
            f"{env!r}"
        )
    return StackSpec(tenant_stack_name(env, tenant_id), env, "tenant", tenant)


def build(spec: StackSpec, settings: EnvironmentSettings, registry: Registry) -> dict[str, Any]:
    """Construct the stack's components; returns the stack outputs."""
    # Each tier is imported only when built: the cloud SDK modules take seconds to import.
    if spec.kind == "platform":
        from components.tiers.shared_pool import SharedPool, SharedPoolArgs

        pool = SharedPool(
            "shared-pool",
            SharedPoolArgs(
                settings=settings,
                free_tenants=registry.by_tier("free"),
                identity_tenants=list(registry.tenants),
                tenant_hosts=tenant_hosts(registry, settings),
            ),
        )
        return pool.stack_outputs()
    platform = pulumi.StackReference(settings.platform_stack_ref)
    if isinstance(spec.tenant, StandardTenant):
        from components.tiers.namespace_tenant import NamespaceTenant, NamespaceTenantArgs

        tenant = NamespaceTenant(
            spec.tenant.id,
            NamespaceTenantArgs(settings=settings, tenant=spec.tenant, platform=platform),
        )
    else:
        from components.tiers.dedicated_cluster import DedicatedCluster, DedicatedClusterArgs

        tenant = DedicatedCluster(
            spec.tenant.id,
            DedicatedClusterArgs(settings=settings, tenant=spec.tenant, platform=platform),
        )
    return tenant.stack_outputs()


def tenant_hosts(registry: Registry, settings: EnvironmentSettings) -> list[str]:
    """Every paying tenant's sign-in host: Identity Platform's authorized redirect domains."""
    hosts = []
    for tenant in registry.tenants:
        if isinstance(tenant, StandardTenant):
            hosts.append(names.subdomain_host(tenant.host_label, settings.app_domain))
        elif isinstance(tenant, EnterpriseTenant):
            hosts.append(tenant.custom_domain)
    return sorted(hosts)


def main() -> None:
    stack = pulumi.get_stack()
    env, _ = parse_stack_name(stack)
    settings = load_environment(env)
    registry = load_registry(tenants_dir(), settings)
    for key, value in build(spec_for(stack, registry), settings, registry).items():
        pulumi.export(key, value)
