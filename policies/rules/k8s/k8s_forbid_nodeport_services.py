"""k8s-forbid-nodeport-services: no Service opens a port on every node."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import mtb
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject

NAME = "k8s-forbid-nodeport-services"
ANCHORS = (mtb("MTB-PL1-BC-HI-1", "Block use of NodePort services"),)


def check(service: Subject, report: Report, config: Config) -> None:
    if service.get("spec.type") == "NodePort":
        report.violation(
            f"{service.label}: type NodePort opens a port on every node, beyond NetworkPolicy's "
            "reach"
        )


POLICY = resource_policy(
    name=NAME,
    description="No Service is of type NodePort.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.SERVICE},
    check=check,
    remediation="Use a ClusterIP Service behind the shared ingress controller.",
)
