"""gke-require-workload-identity: pods reach Google APIs as their own identity, never the node's."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.gke import GKE_TYPES, node_configs
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import get

NAME = "gke-require-workload-identity"
ANCHORS = (checkov("CKV_GCP_69", "Ensure the GKE Metadata Server is Enabled"),)
GKE_METADATA = "GKE_METADATA"


def check(resource: Subject, report: Report, config: Config) -> None:
    if resource.type == kinds.CLUSTER:
        pool = resource.get("workloadIdentityConfig.workloadPool")
        if not pool:
            report.violation(
                f"{resource.label}: workloadIdentityConfig.workloadPool must be set "
                "(<project>.svc.id.goog) so pods do not borrow the node's identity"
            )
        elif not str(pool).endswith(".svc.id.goog"):
            report.violation(
                f"{resource.label}: workloadIdentityConfig.workloadPool {pool!r} is not a "
                "<project>.svc.id.goog pool"
            )
    for where, node_config in node_configs(resource):
        mode = get(node_config, "workloadMetadataConfig.mode")
        # A separate node pool must say it; the cluster's own default pool inherits the cluster
        # setting.
        if mode != GKE_METADATA and (mode is not None or resource.type == kinds.NODE_POOL):
            report.violation(
                f"{resource.label}: {where}.workloadMetadataConfig.mode is {mode!r}, "
                f"must be {GKE_METADATA!r} (the node metadata server would expose node credentials)"
            )


POLICY = resource_policy(
    name=NAME,
    description="GKE clusters enable Workload Identity and every node pool runs the GKE metadata "
    "server.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to=GKE_TYPES,
    check=check,
    remediation="Set workloadIdentityConfig.workloadPool = '<project>.svc.id.goog' on the cluster "
    "and nodeConfig.workloadMetadataConfig.mode = 'GKE_METADATA' on every node pool.",
)
