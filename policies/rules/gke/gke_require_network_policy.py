"""gke-require-network-policy: NetworkPolicy objects are enforced (Calico or Dataplane V2)."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import as_bool

NAME = "gke-require-network-policy"
# Related, not mirrored: Checkov's CKV_GCP_12 reads only network_policy.enabled and fails
# Dataplane V2 clusters, which this rule accepts (DPv2 enforces NetworkPolicy itself).
ANCHORS = (
    checkov(
        "CKV_GCP_12",
        "Ensure Network Policy is enabled on Kubernetes Engine Clusters",
        related=True,
    ),
)
DATAPLANE_V2 = "ADVANCED_DATAPATH"


def check(cluster: Subject, report: Report, config: Config) -> None:
    if cluster.get("datapathProvider") == DATAPLANE_V2:
        return
    if as_bool(cluster.get("networkPolicy.enabled")) is not True:
        report.violation(
            f"{cluster.label}: neither Dataplane V2 (datapathProvider = {DATAPLANE_V2!r}) nor "
            "networkPolicy.enabled = true; tenant NetworkPolicies would not be enforced"
        )


POLICY = resource_policy(
    name=NAME,
    description="GKE clusters enforce NetworkPolicy (network policy enabled or Dataplane V2).",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.CLUSTER},
    check=check,
    remediation="Set datapathProvider = 'ADVANCED_DATAPATH' (Dataplane V2) or "
    "networkPolicy.enabled = true.",
)
