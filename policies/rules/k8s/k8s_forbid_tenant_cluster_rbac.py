"""k8s-forbid-tenant-cluster-rbac: a tenant's RBAC stays inside its own namespace."""

from __future__ import annotations

from typing import Any

from policies.lib import kinds
from policies.lib.anchors import mtb
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import elements, get

NAME = "k8s-forbid-tenant-cluster-rbac"
ANCHORS = (
    mtb("MTB-PL1-CC-CPI-1", "Block access to cluster resources"),
    mtb("MTB-PL1-CC-TI-2", "Block access to other tenant resources", related=True),
)
# Groups that contain every tenant's service accounts or users.
EVERYONE = frozenset({"system:serviceaccounts", "system:authenticated", "system:unauthenticated"})


def subject_namespace(subject: Any, binding_namespace: str | None) -> str | None:
    """The namespace whose identities a subject stands for (None: not namespace-bound)."""
    kind, name = get(subject, "kind"), str(get(subject, "name", ""))
    if kind == "ServiceAccount":
        return get(subject, "namespace") or binding_namespace
    if kind == "Group" and name.startswith("system:serviceaccounts:"):
        return name.split(":", 2)[2]
    if kind == "User" and name.startswith("system:serviceaccount:"):
        return name.split(":")[2]
    return None


def check(binding: Subject, report: Report, config: Config) -> None:
    own_namespace = (
        None if binding.type == kinds.CLUSTER_ROLE_BINDING else binding.get("metadata.namespace")
    )
    for subject in elements(binding.get("subjects"), "subjects"):
        name = str(get(subject, "name", ""))
        if get(subject, "kind") == "Group" and name in EVERYONE:
            report.violation(f"{binding.label}: binds group {name}, which includes every tenant")
            continue
        namespace = subject_namespace(subject, own_namespace)
        if namespace is None:
            continue
        if binding.type == kinds.CLUSTER_ROLE_BINDING and kinds.is_tenant_namespace_name(namespace):
            report.violation(
                f"{binding.label}: ClusterRoleBinding grants cluster-wide rights to {name!r} of "
                f"tenant namespace {namespace!r}"
            )
        elif (
            binding.type == kinds.ROLE_BINDING
            and namespace != own_namespace
            and (
                kinds.is_tenant_namespace_name(namespace)
                or kinds.is_tenant_namespace_name(own_namespace)
            )
        ):
            report.violation(
                f"{binding.label}: RoleBinding in {own_namespace!r} grants rights to {name!r} of "
                f"namespace {namespace!r}; tenant RBAC must stay inside one namespace"
            )


POLICY = resource_policy(
    name=NAME,
    description="No ClusterRoleBinding names a tenant subject, and no RoleBinding crosses a "
    "tenant namespace boundary.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.CLUSTER_ROLE_BINDING, kinds.ROLE_BINDING},
    check=check,
    remediation="Bind tenant subjects with a RoleBinding in their own namespace only.",
)
