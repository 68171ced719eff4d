"""Tenant lifecycle facts the rules need: tier and offboarding status of a resource's owner."""

from __future__ import annotations

from domain.registry import TenantBase
from domain.tiers import Status, Tier
from policies.lib.resources import SHARED, Subject


def owner_tenant(subject: Subject) -> TenantBase | None:
    """The registry entry of the resource's tenant; None for shared resources.

    A tenant missing from the registry raises Undecided: its tier and status cannot be judged then.
    """
    owner = subject.owner()
    return None if owner == SHARED else subject.facts.require_tenant(owner)


def is_offboarding(subject: Subject) -> bool:
    """Whether the resource's tenant is offboarding (shared resources never are)."""
    tenant = owner_tenant(subject)
    return tenant is not None and tenant.status == Status.OFFBOARDING


def tier_of(subject: Subject) -> Tier | None:
    """The owner's tier; None for shared resources."""
    tenant = owner_tenant(subject)
    return None if tenant is None else tenant.tier
