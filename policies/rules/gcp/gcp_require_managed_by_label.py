"""gcp-require-managed-by-label: every labelled GCP resource says it is managed by tenancy."""

from __future__ import annotations

from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.policy import ADVISORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject, label_paths
from policies.lib.values import get

NAME = "gcp-require-managed-by-label"
ANCHORS = (
    checkov("CKV_GCP_21", "Ensure Kubernetes Clusters are configured with Labels", related=True),
)
MANAGED_BY = ("managed-by", "tenancy")


def check(resource: Subject, report: Report, config: Config) -> None:
    key, expected = MANAGED_BY
    for path in label_paths(resource):
        value = get(resource.get(path), [key])
        if value != expected:
            report.violation(f"{resource.label}: {path}.{key} is {value!r}, must be {expected!r}")


POLICY = resource_policy(
    name=NAME,
    description="GCP resources that take labels carry managed-by: tenancy.",
    level=ADVISORY,
    anchors=ANCHORS,
    applies_to=lambda type_token: type_token.startswith("gcp:"),
    check=check,
    remediation="Build labels with components.conventions.Ownership.gcp_labels().",
)
