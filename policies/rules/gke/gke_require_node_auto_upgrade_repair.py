"""gke-require-node-auto-upgrade-repair: node pools upgrade and repair themselves."""

from __future__ import annotations

from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.gke import GKE_TYPES, node_pool_managements
from policies.lib.policy import ADVISORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import as_bool, get

NAME = "gke-require-node-auto-upgrade-repair"
ANCHORS = (
    checkov("CKV_GCP_9", "Ensure 'Automatic node repair' is enabled for Kubernetes Clusters"),
    checkov("CKV_GCP_10", "Ensure 'Automatic node upgrade' is enabled for Kubernetes Clusters"),
)


def check(resource: Subject, report: Report, config: Config) -> None:
    for where, management in node_pool_managements(resource):
        for field in ("autoUpgrade", "autoRepair"):
            if as_bool(get(management, field)) is not True:
                report.violation(f"{resource.label}: {where}.{field} must be true")


POLICY = resource_policy(
    name=NAME,
    description="GKE node pools enable auto-upgrade and auto-repair.",
    level=ADVISORY,
    anchors=ANCHORS,
    applies_to=GKE_TYPES,
    check=check,
    remediation="Set management.autoUpgrade = true and management.autoRepair = true on every node "
    "pool.",
)
