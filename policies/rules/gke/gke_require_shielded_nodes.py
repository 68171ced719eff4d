"""gke-require-shielded-nodes: nodes boot verified (Shielded GKE Nodes)."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.gke import GKE_TYPES, node_configs
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import as_bool, get

NAME = "gke-require-shielded-nodes"
ANCHORS = (
    checkov("CKV_GCP_71", "Ensure Shielded GKE Nodes are Enabled"),
    checkov("CKV_GCP_68", "Ensure Secure Boot for Shielded GKE Nodes is Enabled", related=True),
)


def check(resource: Subject, report: Report, config: Config) -> None:
    # The provider enables shielded nodes by default; only an explicit false disables them.
    if resource.type == kinds.CLUSTER and as_bool(resource.get("enableShieldedNodes")) is False:
        report.violation(f"{resource.label}: enableShieldedNodes is false")
    for where, node_config in node_configs(resource):
        if as_bool(get(node_config, "shieldedInstanceConfig.enableSecureBoot")) is False:
            report.violation(
                f"{resource.label}: {where}.shieldedInstanceConfig.enableSecureBoot is false"
            )
        if as_bool(get(node_config, "shieldedInstanceConfig.enableIntegrityMonitoring")) is False:
            report.violation(
                f"{resource.label}: {where}.shieldedInstanceConfig.enableIntegrityMonitoring is "
                "false"
            )


POLICY = resource_policy(
    name=NAME,
    description="GKE clusters use Shielded GKE Nodes; no node config turns secure boot or "
    "integrity monitoring off.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to=GKE_TYPES,
    check=check,
    remediation="Keep enableShieldedNodes = true and shieldedInstanceConfig.enableSecureBoot / "
    "enableIntegrityMonitoring = true in every nodeConfig.",
)
