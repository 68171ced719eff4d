"""tier-forbid-free-dedicated-resources: the free tier shares everything and has no Neo4j."""

from __future__ import annotations

from domain.tiers import Tier, tier_spec
from policies.lib import kinds
from policies.lib.anchors import tenancy
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import SHARED, StackView, Subject
from policies.lib.stateful import is_neo4j_release, physical_name

NAME = "tier-forbid-free-dedicated-resources"
ANCHORS = (tenancy("seed-002-free-tier", "Free: shared pool, no Neo4j, no additional instances"),)
# What only paying tenants get.
DEDICATED = frozenset(
    {
        kinds.SQL_INSTANCE,
        kinds.FIRESTORE_DATABASE,
        kinds.BUCKET,
        kinds.CLUSTER,
        kinds.NODE_POOL,
        kinds.TEMPORAL_NAMESPACE,
        kinds.NAMESPACE,
    }
)


def dedicated_owner(view: StackView, subject: Subject) -> str | None:
    """The tenant a dedicated resource of the platform stack is for (by label or by its name)."""
    owner = subject.owner()
    if owner != SHARED:
        return owner
    return view.facts.names.owner_of_name(physical_name(subject))


def check(view: StackView, report: Report, config: Config) -> None:
    tenant = view.tenant
    if tenant is not None:
        if not tier_spec(tenant.tier).own_stack:
            report.violation(
                f"stack {view.ref.name} exists for free tenant {tenant.id!r}; free tenants live in "
                f"the platform stack {view.ref.env!r}"
            )
        return
    for subject in view.subjects:
        neo4j = is_neo4j_release(subject)
        if not neo4j and subject.type not in DEDICATED:
            continue
        with report.deciding(subject.label, subject.urn):
            if neo4j:
                report.violation(
                    f"{subject.label}: the platform stack (shared pool and free tier) has no Neo4j",
                    subject.urn,
                )
                continue
            owner = dedicated_owner(view, subject)
            if owner is None:
                continue
            tenant = view.facts.tenant(owner)
            if tenant is None or tenant.tier == Tier.FREE:
                report.violation(
                    f"{subject.label}: free tenant {owner!r} gets no dedicated {subject.kind}; the "
                    "free tier uses the shared pool",
                    subject.urn,
                )
            else:
                report.violation(
                    f"{subject.label}: {tenant.tier.value} tenant {owner!r}'s {subject.kind} "
                    f"belongs in its own stack {view.ref.env}.{owner}, not the platform stack",
                    subject.urn,
                )


POLICY = stack_policy(
    name=NAME,
    description="Free tenants get no stack, no Neo4j and no dedicated instances, buckets, "
    "clusters, namespaces or "
    "Temporal namespaces: the platform stack holds only shared ones.",
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    remediation="Serve free tenants from the shared pool; upgrade the tenant to standard for "
    "dedicated resources.",
)
