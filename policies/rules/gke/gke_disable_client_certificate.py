"""gke-disable-client-certificate: no static client certificate for the control plane."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import as_bool

NAME = "gke-disable-client-certificate"
ANCHORS = (
    checkov(
        "CKV_GCP_13",
        "Ensure client certificate authentication to Kubernetes Engine Clusters is disabled",
    ),
)


def check(cluster: Subject, report: Report, config: Config) -> None:
    if as_bool(cluster.get("masterAuth.clientCertificateConfig.issueClientCertificate")) is True:
        report.violation(
            f"{cluster.label}: masterAuth.clientCertificateConfig.issueClientCertificate is true; "
            "a client certificate cannot be revoked"
        )


POLICY = resource_policy(
    name=NAME,
    description="GKE clusters issue no client certificate.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.CLUSTER},
    check=check,
    remediation="Set masterAuth.clientCertificateConfig.issueClientCertificate = false.",
)
