"""Tenant lifecycle facts the rules need: tier and offboarding status of a resource's owner."""
from __future__ import annotations

from policies.lib.resources import SHARED, Subject
from tenancy.tiers import Status, Tier


def is_offboarding(subject: Subject) -> bool:
    """Whether the resource's tenant is offboarding (shared resources never are).

    A tenant missing from the registry raises Undecided: protection cannot be judged then.
    """
    owner = subject.owner()
    if owner == SHARED:
        return False
    return subject.facts.require_tenant(owner).status == Status.OFFBOARDING


def tier_of(subject: Subject) -> Tier | None:
    """The owner's tier; None for shared resources."""
    owner = subject.owner()
    if owner == SHARED:
        return None
    return subject.facts.require_tenant(owner).tier
