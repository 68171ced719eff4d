"""Kubernetes helpers: pod specs of workloads, containers, and a namespace object's name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from domain.names import RESERVED_IDS
from policies.lib import kinds
from policies.lib.resources import Subject
from policies.lib.values import elements, get

CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def pod_spec(workload: Subject) -> Any:
    return workload.get(kinds.POD_SPEC_PATHS[workload.type])


def containers(spec: Any) -> Iterator[tuple[str, Any]]:
    """(where, container) for every container of a pod spec."""
    for field in CONTAINER_LISTS:
        for container in elements(get(spec, field), field):
            yield f"{field}[{get(container, 'name', '?')}]", container


def namespace_name(namespace: Subject) -> str:
    """metadata.name of a Namespace; Pulumi auto-names it after the logical name when absent."""
    return namespace.get("metadata.name") or namespace.name


def is_tenant_namespace(namespace: Subject) -> bool:
    labels = namespace.get("metadata.labels") or {}
    declared = get(labels, [kinds.TENANT_LABEL])
    name = namespace_name(namespace)
    # A namespace is a tenant's by its name, or by a label naming a tenant (never a reserved id).
    return kinds.is_tenant_namespace_name(name) or (
        declared is not None and declared not in RESERVED_IDS and name != "default"
    )
