"""iam-order-bindings-after-pool: Workload Identity bindings are created after the cluster that
creates their pool."""

from __future__ import annotations

import re

from policies.lib import kinds
from policies.lib.anchors import provider
from policies.lib.config import Config
from policies.lib.identities import WORKLOAD_IDENTITY_USER
from policies.lib.ordering import Waits, peek, peek_list
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import StackView, Subject
from policies.lib.values import is_unknown

NAME = "iam-order-bindings-after-pool"
ANCHORS = (
    provider(
        "gke-workload-identity-pool",
        "https://cloud.google.com/kubernetes-engine/docs/concepts/workload-identity",
    ),
)
_POOL = re.compile(r"^serviceAccount:(?P<pool>[^\[]+\.svc\.id\.goog)\[")


def _pools(binding: Subject) -> list[str | None]:
    """The pools a binding's members name; None for a member unknown until deploy."""
    raw = [peek(binding, "member")] if peek(binding, "member") is not None else []
    raw += list(peek_list(binding, "members"))
    pools: list[str | None] = []
    for member in raw:
        if is_unknown(member):
            pools.append(None)
        elif m := _POOL.match(str(member)):
            pools.append(m["pool"])
    return pools


def check(view: StackView, report: Report, config: Config) -> None:
    clusters = [
        (c, peek(c, "workloadIdentityConfig.workloadPool"))
        for c in view.of_type(kinds.CLUSTER)
        if peek(c, "workloadIdentityConfig") is not None
    ]
    if not clusters:
        return  # the pool comes from clusters of another stack, which exist already
    waits = Waits(view)
    for binding in view.of_type(kinds.SA_IAM_MEMBER, kinds.SA_IAM_BINDING):
        if peek(binding, "role") != WORKLOAD_IDENTITY_USER:
            continue
        for pool in _pools(binding):
            makers = [c for c, p in clusters if pool is None or p is None or p == pool]
            if makers and not any(waits.after(binding, c) for c in makers):
                report.violation(
                    f"{binding.label}: binds into {pool or 'a Workload Identity pool'} before "
                    f"{makers[0].label} exists; the pool is created with the first Workload "
                    'Identity cluster ("Identity Pool does not exist"): depend on the cluster',
                    binding.urn,
                )


POLICY = stack_policy(
    name=NAME,
    description=(
        "roles/iam.workloadIdentityUser bindings on <project>.svc.id.goog members wait for the "
        "stack's Workload Identity cluster that creates that pool."
    ),
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    remediation="Pass the cluster to WorkloadIdentity(depends_on=[cluster]).",
)
