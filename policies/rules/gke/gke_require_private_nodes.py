"""gke-require-private-nodes: cluster nodes get no public IP addresses."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import as_bool

NAME = "gke-require-private-nodes"
ANCHORS = (
    checkov("CKV_GCP_64", "Ensure clusters are created with Private Nodes"),
    checkov(
        "CKV_GCP_25",
        "Ensure Kubernetes Cluster is created with Private cluster enabled",
        related=True,
    ),
)


def check(cluster: Subject, report: Report, config: Config) -> None:
    if as_bool(cluster.get("privateClusterConfig.enablePrivateNodes")) is not True:
        report.violation(
            f"{cluster.label}: privateClusterConfig.enablePrivateNodes must be true "
            "(nodes with public IPs are reachable from the internet)"
        )


POLICY = resource_policy(
    name=NAME,
    description="GKE clusters use private nodes, so no node has a public IP address.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.CLUSTER},
    check=check,
    remediation="Set privateClusterConfig.enablePrivateNodes = true and a masterIpv4CidrBlock.",
)
