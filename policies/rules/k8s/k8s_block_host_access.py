"""k8s-block-host-access: workloads never share the node's namespaces or filesystem."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov, mtb, pss
from policies.lib.config import Config
from policies.lib.k8s import containers, pod_spec
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import as_bool, elements, get

NAME = "k8s-block-host-access"
ANCHORS = (
    checkov("CKV_K8S_17", "Containers should not share the host process ID namespace"),
    checkov("CKV_K8S_18", "Containers should not share the host IPC namespace"),
    checkov("CKV_K8S_19", "Containers should not share the host network namespace"),
    mtb("MTB-PL1-BC-HI-3", "Block use of host networking and ports"),
    mtb("MTB-PL1-BC-HI-4", "Block use of host PID"),
    mtb("MTB-PL1-BC-HI-5", "Block use of host IPC"),
    pss("HostPath Volumes, Host Namespaces, Host Ports", level="baseline"),
)
HOST_FLAGS = ("hostNetwork", "hostPID", "hostIPC")


def check(workload: Subject, report: Report, config: Config) -> None:
    spec = pod_spec(workload)
    if spec is None:
        return
    for flag in HOST_FLAGS:
        if as_bool(get(spec, flag)) is True:
            report.violation(f"{workload.label}: {flag} is true")
    for volume in elements(get(spec, "volumes"), "volumes"):
        if get(volume, "hostPath") is not None:
            report.violation(
                f"{workload.label}: volume {get(volume, 'name', '?')!r} mounts hostPath "
                f"{get(volume, 'hostPath.path', '?')!r}"
            )
    for where, container in containers(spec):
        for port in elements(get(container, "ports"), "ports"):
            if get(port, "hostPort"):
                report.violation(
                    f"{workload.label}: {where} binds hostPort {get(port, 'hostPort')}"
                )


POLICY = resource_policy(
    name=NAME,
    description="Workloads use no hostPath volume, hostNetwork, hostPID, hostIPC or hostPort.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to=frozenset(kinds.POD_SPEC_PATHS),
    check=check,
    remediation="Remove hostNetwork/hostPID/hostIPC/hostPort and hostPath volumes; use emptyDir "
    "or PVCs.",
)
