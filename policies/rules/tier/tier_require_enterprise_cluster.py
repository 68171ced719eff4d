"""tier-require-enterprise-cluster: an enterprise tenant runs on a GKE cluster of its own."""

from __future__ import annotations

from domain import names
from domain.tiers import Status, tier_spec
from policies.lib import kinds
from policies.lib.anchors import tenancy
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import StackView
from policies.lib.stateful import physical_name

NAME = "tier-require-enterprise-cluster"
ANCHORS = (
    tenancy("seed-002-enterprise-tier", "Enterprise: fully isolated GKE cluster per tenant"),
)


def check(view: StackView, report: Report, config: Config) -> None:
    tenant = view.tenant
    if tenant is None or tenant.status == Status.OFFBOARDING:
        return
    if not tier_spec(tenant.tier).dedicated_cluster:  # the tier table says who gets one
        return
    expected = names.gke_cluster(tenant.id)
    clusters = {physical_name(c) for c in view.of_type(kinds.CLUSTER)}
    if expected not in clusters:
        found = f" (found: {', '.join(sorted(clusters))})" if clusters else ""
        report.violation(
            f"{tenant.tier.value} tenant {tenant.id!r} has no GKE cluster {expected!r} in stack "
            f"{view.ref.name}{found}"
        )


POLICY = stack_policy(
    name=NAME,
    description="An enterprise tenant's stack holds its own GKE cluster, <id>-gke.",
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    remediation="Build enterprise tenants with DedicatedCluster.",
)
