"""k8s-block-privileged-containers: no privileged container, no privilege escalation."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov, mtb, pss
from policies.lib.config import Config
from policies.lib.k8s import containers, pod_spec
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import as_bool, get

NAME = "k8s-block-privileged-containers"
ANCHORS = (
    checkov("CKV_K8S_16", "Container should not be privileged"),
    checkov("CKV_K8S_20", "Containers should not run with allowPrivilegeEscalation"),
    mtb("MTB-PL1-BC-CPI-5", "Block privileged containers"),
    mtb("MTB-PL1-BC-CPI-6", "Block privilege escalation"),
    pss("Privileged Containers, Privilege Escalation"),
)


def check(workload: Subject, report: Report, config: Config) -> None:
    spec = pod_spec(workload)
    if spec is None:
        return
    for where, container in containers(spec):
        if as_bool(get(container, "securityContext.privileged")) is True:
            report.violation(f"{workload.label}: {where} is privileged")
        # Pod Security 'restricted' admits a container only when it says false explicitly.
        if as_bool(get(container, "securityContext.allowPrivilegeEscalation")) is not False:
            report.violation(
                f"{workload.label}: {where} must set securityContext.allowPrivilegeEscalation = "
                "false"
            )


POLICY = resource_policy(
    name=NAME,
    description="Workload containers are not privileged and set allowPrivilegeEscalation: false.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to=frozenset(kinds.POD_SPEC_PATHS),
    check=check,
    remediation="Set securityContext.privileged = false (or omit it) and allowPrivilegeEscalation "
    "= false on every container.",
)
