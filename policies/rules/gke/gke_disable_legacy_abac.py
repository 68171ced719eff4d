"""gke-disable-legacy-abac: authorization is RBAC only."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import as_bool

NAME = "gke-disable-legacy-abac"
ANCHORS = (
    checkov(
        "CKV_GCP_7", "Ensure Legacy Authorization is set to Disabled on Kubernetes Engine Clusters"
    ),
)


def check(cluster: Subject, report: Report, config: Config) -> None:
    if as_bool(cluster.get("enableLegacyAbac")) is True:
        report.violation(
            f"{cluster.label}: enableLegacyAbac is true; legacy ABAC grants bypass namespace RBAC"
        )


POLICY = resource_policy(
    name=NAME,
    description="GKE clusters do not enable legacy ABAC authorization.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.CLUSTER},
    check=check,
    remediation="Remove enableLegacyAbac or set it to false.",
)
