"""gke-disable-kubernetes-alpha: no alpha clusters (unsupported, expire, no security patches)."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import tenancy
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import as_bool

NAME = "gke-disable-kubernetes-alpha"
ANCHORS = (
    tenancy(
        "gke-no-alpha", "Alpha clusters get no upgrades or support; tenants need patched clusters"
    ),
)


def check(cluster: Subject, report: Report, config: Config) -> None:
    if as_bool(cluster.get("enableKubernetesAlpha")) is True:
        report.violation(
            f"{cluster.label}: enableKubernetesAlpha is true; alpha clusters get no upgrades "
            "or security patches"
        )


POLICY = resource_policy(
    name=NAME,
    description="GKE clusters do not enable Kubernetes alpha features.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.CLUSTER},
    check=check,
    remediation="Remove enableKubernetesAlpha or set it to false.",
)
