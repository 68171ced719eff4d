"""The tenant lifecycle: the states a tenant file can be in and the transitions between them.

A state is (tier, status); a missing file is "absent". ``classify`` names the step from one state to
the next, ``tier_path`` says whether the platform has a safe path for a tier change, and
``declared_moves`` lists the ``pulumi state move`` steps the deploy runs before ``up`` so that a
resource that changes stacks keeps its identity. Pure data and rules: ``tenancy transitions``
applies them to real plans (docs/lifecycle.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.tiers import Status, Tier

TIER_RANK = {Tier.FREE: 0, Tier.STANDARD: 1, Tier.ENTERPRISE: 2}


class Kind(StrEnum):
    ONBOARD = "onboard"
    UPGRADE = "upgrade"
    DOWNGRADE = "downgrade"
    SUSPEND = "suspend"
    RESUME = "resume"
    START_OFFBOARDING = "start offboarding"
    CANCEL_OFFBOARDING = "cancel offboarding"
    DELETE = "delete"
    CHANGE = "plain change"


@dataclass(frozen=True)
class TenantState:
    tier: str
    status: str = Status.ACTIVE.value

    def to_dict(self) -> dict[str, str]:
        return {"tier": self.tier, "status": self.status}


def classify(before: TenantState | None, after: TenantState | None) -> Kind:
    """The name of the step from ``before`` to ``after`` (None: no tenant file)."""
    if before is None:
        return Kind.ONBOARD
    if after is None:
        return Kind.DELETE
    if before.tier != after.tier:
        old, new = _rank(before.tier), _rank(after.tier)
        if old is not None and new is not None and new < old:
            return Kind.DOWNGRADE
        return Kind.UPGRADE
    if before.status != after.status:
        if after.status == Status.OFFBOARDING:
            return Kind.START_OFFBOARDING
        if before.status == Status.OFFBOARDING:
            return Kind.CANCEL_OFFBOARDING
        if after.status == Status.SUSPENDED:
            return Kind.SUSPEND
        if before.status == Status.SUSPENDED:
            return Kind.RESUME
    return Kind.CHANGE


def _rank(tier: str) -> int | None:
    try:
        return TIER_RANK[Tier(tier)]
    except ValueError:
        return None


# Tier changes the platform knows how to carry out, and how.
TIER_PATHS: dict[tuple[Tier, Tier], str] = {
    (Tier.FREE, Tier.STANDARD): (
        "the upgrade workflow (`tenancy upgrade ID --to standard`) creates the tenant's stack, "
        "freezes and copies its data, switches routing, then removes the free-tier resources; "
        "the identity stays in the platform stack"
    ),
    (Tier.STANDARD, Tier.ENTERPRISE): (
        "the tenant's stack is rebuilt as a DedicatedCluster; safe only where the plan keeps "
        "every stateful resource (see the resource verdicts)"
    ),
}


def tier_path(before: str, after: str) -> tuple[bool, str]:
    """(safe, why) for a tier change ``before`` -> ``after``."""
    try:
        old, new = Tier(before), Tier(after)
    except ValueError:
        return False, f"unknown tier in {before!r} -> {after!r}"
    if (old, new) in TIER_PATHS:
        return True, TIER_PATHS[(old, new)]
    if TIER_RANK[new] < TIER_RANK[old]:
        return False, (
            f"downgrade {old.value} -> {new.value} has no safe path: it would delete the tenant's "
            "dedicated resources before any data is moved back; it needs an explicit path with its "
            "own data move (docs/lifecycle.md#downgrade)"
        )
    return False, (
        f"upgrade {old.value} -> {new.value} has no path of its own: upgrade one tier at a time "
        "(free -> standard -> enterprise)"
    )


# --- declared state moves ------------------------------------------------------------------------

IDENTITY_COMPONENT_TYPE = "tenancy:blocks:IdentityPlatformTenant"
IDENTITY_TYPE = "gcp:identityplatform/tenant:Tenant"


def identity_component_name(tenant_id: str) -> str:
    return f"{tenant_id}-identity"


def identity_resource_name(tenant_id: str) -> str:
    return f"{identity_component_name(tenant_id)}-idp"


@dataclass(frozen=True)
class StateMove:
    """One ``pulumi state move``: ``component`` (and its children) from one stack to another.

    Moved resources whose parent stays behind become children of the destination's root stack;
    the destination program declares the matching alias (``Alias(parent=ROOT_STACK_RESOURCE)``).
    """

    tenant: str
    source_stack: str
    dest_stack: str
    component_type: str
    component_name: str
    resource_type: str  # the stateful resource the move keeps
    resource_name: str
    reason: str


def identity_move(env: str, tenant_id: str) -> StateMove:
    """Identities of every tier live in the platform stack; a paying tenant's identity that an
    older version of the program created in the tenant's own stack moves there once."""
    return StateMove(
        tenant=tenant_id,
        source_stack=f"{env}.{tenant_id}",
        dest_stack=env,
        component_type=IDENTITY_COMPONENT_TYPE,
        component_name=identity_component_name(tenant_id),
        resource_type=IDENTITY_TYPE,
        resource_name=identity_resource_name(tenant_id),
        reason="identities of every tier live in the platform stack",
    )


def is_declared_move(
    moves: list[StateMove], resource_type: str, name: str, source_stack: str, dest_stack: str
) -> StateMove | None:
    for move in moves:
        if (
            move.source_stack == source_stack
            and move.dest_stack == dest_stack
            and (
                (move.resource_type, move.resource_name) == (resource_type, name)
                or (move.component_type, move.component_name) == (resource_type, name)
            )
        ):
            return move
    return None
