"""gke-forbid-default-service-account: nodes run as a dedicated, minimal service account."""

from __future__ import annotations

from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.gke import GKE_TYPES, node_configs
from policies.lib.identities import DEFAULT_SA_RE
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import get

NAME = "gke-forbid-default-service-account"
ANCHORS = (
    checkov(
        "CKV_GCP_30",
        "Ensure that instances are not configured to use the default service account",
        related=True,
    ),
)


def check(resource: Subject, report: Report, config: Config) -> None:
    for where, node_config in node_configs(resource):
        account = get(node_config, "serviceAccount")
        if not account or account == "default":
            report.violation(
                f"{resource.label}: {where}.serviceAccount is not set, so nodes run as the "
                "Compute Engine default service account"
            )
        elif DEFAULT_SA_RE.search(account):
            report.violation(
                f"{resource.label}: {where}.serviceAccount {account!r} is a default service account"
            )


POLICY = resource_policy(
    name=NAME,
    description="GKE node pools run as a dedicated service account, never the Compute Engine "
    "default one.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to=GKE_TYPES,
    check=check,
    remediation="Create a node service account with only the logging/monitoring/registry roles "
    "and set nodeConfig.serviceAccount to its email.",
)
