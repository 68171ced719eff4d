"""gke-restrict-master-authorized-networks: the control plane answers only known networks."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.networks import is_open_cidr
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import elements, get

NAME = "gke-restrict-master-authorized-networks"
ANCHORS = (
    checkov("CKV_GCP_20", "Ensure master authorized networks is set to enabled in GKE clusters"),
)


def check(cluster: Subject, report: Report, config: Config) -> None:
    networks = cluster.get("masterAuthorizedNetworksConfig")
    if networks is None:
        report.violation(
            f"{cluster.label}: masterAuthorizedNetworksConfig is not set; the control plane "
            "accepts connections from anywhere"
        )
        return
    blocks = list(
        elements(get(networks, "cidrBlocks"), "masterAuthorizedNetworksConfig.cidrBlocks")
    )
    if not blocks:
        report.violation(f"{cluster.label}: masterAuthorizedNetworksConfig.cidrBlocks is empty")
    for block in blocks:
        cidr = get(block, "cidrBlock", "")
        if is_open_cidr(cidr):
            report.violation(
                f"{cluster.label}: master authorized network {cidr!r} opens the control plane to "
                "the internet"
            )


POLICY = resource_policy(
    name=NAME,
    description="GKE clusters set master authorized networks, none of them 0.0.0.0/0.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.CLUSTER},
    check=check,
    remediation="Set masterAuthorizedNetworksConfig.cidrBlocks to the operators' networks (VPN, "
    "CI); never a /0.",
)
