"""Which resources hold data, and how their provider guards deletion."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from policies.lib import kinds
from policies.lib.resources import Subject
from policies.lib.values import as_bool


@dataclass(frozen=True)
class ProviderGuard:
    field: str
    holds: Callable[[Any], bool]
    wanted: str


FIRESTORE_GUARD = ProviderGuard(
    "deleteProtectionState", lambda v: v == "DELETE_PROTECTION_ENABLED", "DELETE_PROTECTION_ENABLED"
)
BUCKET_GUARD = ProviderGuard("forceDestroy", lambda v: as_bool(v) is not True, "false")
CLUSTER_GUARD = ProviderGuard("deletionProtection", lambda v: as_bool(v) is not False, "true")

# Stateful types → the provider guard checked by tenancy-protect-stateful-resources (None: the
# type has none, or a dedicated rule checks it, as sql-require-deletion-protection does).
STATEFUL: dict[str, ProviderGuard | None] = {
    kinds.SQL_INSTANCE: None,
    kinds.FIRESTORE_DATABASE: FIRESTORE_GUARD,
    kinds.BUCKET: BUCKET_GUARD,
    kinds.KMS_CRYPTO_KEY: None,
    kinds.TEMPORAL_NAMESPACE: None,
    kinds.PVC: None,
}
# Not stateful themselves, but their provider deletion protection is still expected.
GUARDED_ONLY: dict[str, ProviderGuard] = {kinds.CLUSTER: CLUSTER_GUARD}


def is_neo4j_release(subject: Subject) -> bool:
    if subject.type != kinds.HELM_RELEASE:
        return False
    chart = str(subject.get("chart") or "")
    return chart.rsplit("/", 1)[-1] == "neo4j"  # neo4j, repo/neo4j, oci://.../neo4j


def is_stateful(subject: Subject) -> bool:
    return subject.type in STATEFUL or is_neo4j_release(subject)


def physical_name(subject: Subject) -> str:
    """The name a resource has in its service (falls back to the logical name)."""
    # Kubernetes objects keep it in metadata.name; a Helm release, like every GCP resource, in name.
    path = (
        "metadata.name"
        if kinds.is_k8s(subject.type) and subject.type != kinds.HELM_RELEASE
        else "name"
    )
    return str(subject.get(path) or subject.name)
