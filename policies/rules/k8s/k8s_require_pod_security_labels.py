"""k8s-require-pod-security-labels: tenant namespaces enforce, audit and warn on Pod Security
'restricted'."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import pss
from policies.lib.config import POD_SECURITY_LEVEL, Config
from policies.lib.k8s import is_tenant_namespace, namespace_name
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import get

NAME = "k8s-require-pod-security-labels"
ANCHORS = (pss("Pod Security Admission labels enforce/audit/warn"),)
KNOBS = (POD_SECURITY_LEVEL,)
MODES = ("enforce", "audit", "warn")


def check(namespace: Subject, report: Report, config: Config) -> None:
    if not is_tenant_namespace(namespace):
        return
    level = config["level"]
    labels = namespace.get("metadata.labels") or {}
    for mode in MODES:
        key = f"pod-security.kubernetes.io/{mode}"
        value = get(labels, [key])
        if value != level:
            report.violation(
                f"{namespace.label}: tenant namespace {namespace_name(namespace)!r} label {key} is "
                f"{value!r}, must be {level!r}"
            )


POLICY = resource_policy(
    name=NAME,
    description="Tenant namespaces (tenant-<id>, free-tier) carry Pod Security 'restricted' "
    "enforce/audit/warn labels.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.NAMESPACE},
    check=check,
    knobs=KNOBS,
    remediation="Label the namespace pod-security.kubernetes.io/{enforce,audit,warn}=restricted.",
)
