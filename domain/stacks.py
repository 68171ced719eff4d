"""The stack model: one platform stack per environment, one stack per paying tenant.

- ``<env>`` (e.g. ``dev``): the shared pool, its clusters and every free tenant.
- ``<env>.<tenant>`` (e.g. ``dev.coinbase``): one standard or enterprise tenant.

The single ``__main__.py`` decides what to build from the stack name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from domain import names
from domain.registry import Registry, TenantBase
from domain.tiers import Tier, tier_spec


@dataclass(frozen=True)
class StackSpec:
    name: str
    env: str
    kind: Literal["platform", "tenant"]
    tenant: TenantBase | None = None

    @property
    def tenant_id(self) -> str | None:
        return self.tenant.id if self.tenant else None

    @property
    def tier(self) -> Tier | None:
        return self.tenant.tier if self.tenant else None


class StackSelectionError(Exception):
    pass


def platform_stack_name(env: str) -> str:
    return env


def tenant_stack_name(env: str, tenant_id: str) -> str:
    return f"{env}.{tenant_id}"


def parse_stack_name(stack: str) -> tuple[str, str | None]:
    """``dev`` → (dev, None); ``dev.coinbase`` → (dev, coinbase)."""
    env, _, tenant_id = stack.partition(".")
    if names.env_problems(env) or (tenant_id and names.id_problems(tenant_id)):
        raise StackSelectionError(
            f"stack name {stack!r} is neither '<env>' nor '<env>.<tenant id>'"
        )
    return env, (tenant_id or None)


def has_own_stack(tenant: TenantBase) -> bool:
    return tier_spec(tenant.tier).own_stack


def runs_migrations(spec: StackSpec) -> bool:
    """Whether the stack's program builds a MigrationJob from ``migrations/``: the platform stack
    (the free tier's shared database) and every tenant stack (TenantServices). A test holds this
    to the offline plan."""
    return spec.kind in ("platform", "tenant")


def all_stacks(registry: Registry, env: str) -> list[StackSpec]:
    stacks = [StackSpec(platform_stack_name(env), env, "platform")]
    stacks += [
        StackSpec(tenant_stack_name(env, t.id), env, "tenant", t)
        for t in sorted(registry.tenants, key=lambda t: t.id)
        if has_own_stack(t)
    ]
    return stacks


def select_stacks(
    registry: Registry, env: str, tenant_ids: Iterable[str] | None = None
) -> list[StackSpec]:
    """The stacks to act on, platform first. A free tenant selects the platform stack."""
    stacks = all_stacks(registry, env)
    wanted = list(tenant_ids or [])
    if not wanted:
        return stacks
    unknown = [t for t in wanted if registry.get(t) is None]
    if unknown:
        raise StackSelectionError(
            f"unknown tenant(s): {', '.join(unknown)} (not in {registry.directory})"
        )
    chosen = set()
    for tenant_id in wanted:
        tenant = registry.get(tenant_id)
        own = tenant is not None and has_own_stack(tenant)
        chosen.add(tenant_stack_name(env, tenant_id) if own else platform_stack_name(env))
    return [s for s in stacks if s.name in chosen]
