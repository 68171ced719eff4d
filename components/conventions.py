"""Conventions every component follows; the policy pack checks them.

- Labels: every GCP resource that takes labels carries ``tenant``, ``tier``, ``environment``
  and ``managed-by`` (shared platform resources use tenant=shared, tier=shared).
- Kubernetes objects of a tenant carry ``tenancy.io/tenant`` and ``tenancy.io/tier``.
- Stateful resources are protected (Pulumi ``protect`` plus the provider's deletion
  protection) unless the tenant is offboarding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from domain.conventions import LIMITS_LABEL, TENANT_LABEL, TIER_LABEL
from domain.registry import TenantBase
from domain.tiers import Status, Tier

SHARED = "shared"
__all__ = ["LIMITS_LABEL", "TENANT_LABEL", "TIER_LABEL", "Ownership", "child"]
PSS_LEVEL = "restricted"
PSS_VERSION = "latest"


@dataclass(frozen=True)
class Ownership:
    """Whose resource this is: drives labels and deletion protection."""

    environment: str
    tenant: str = SHARED
    tier: str = SHARED
    protected: bool = True  # False only while the tenant is offboarding

    @classmethod
    def for_tenant(cls, environment: str, tenant: TenantBase) -> Ownership:
        """A tenant's own resources: protected unless it is offboarding."""
        return cls(
            environment,
            tenant=tenant.id,
            tier=Tier(tenant.tier).value,
            protected=tenant.status != Status.OFFBOARDING,
        )

    def gcp_labels(self, **extra: str) -> dict[str, str]:
        return {
            "tenant": self.tenant,
            "tier": self.tier,
            "environment": self.environment,
            "managed-by": "tenancy",
            **extra,
        }

    def k8s_labels(self, **extra: str) -> dict[str, str]:
        return {
            TENANT_LABEL: self.tenant,
            TIER_LABEL: self.tier,
            "app.kubernetes.io/managed-by": "tenancy",
            **extra,
        }

    def k8s_meta(
        self,
        name: pulumi.Input[str],
        namespace: pulumi.Input[str] | None = None,
        labels: dict[str, str] | None = None,
        annotations: dict | None = None,
    ) -> k8s.meta.v1.ObjectMetaArgs:
        """Metadata of a Kubernetes object this owner creates: its labels plus any extra ones."""
        return k8s.meta.v1.ObjectMetaArgs(
            name=name,
            namespace=namespace,
            labels={**self.k8s_labels(), **(labels or {})},
            annotations=annotations,
        )

    def stateful(self, opts: pulumi.ResourceOptions | None = None) -> pulumi.ResourceOptions:
        """Options for a stateful child: protected unless offboarding."""
        return pulumi.ResourceOptions.merge(
            opts or pulumi.ResourceOptions(), pulumi.ResourceOptions(protect=self.protected)
        )


def child(
    parent: pulumi.Resource, provider: pulumi.ProviderResource | None = None, **kwargs
) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, provider=provider, **kwargs)


# An object in the Kubernetes API's own (camelCase) form, used both as Helm values and as a Pulumi
# input. The SDK serializes it as it does the matching *Args class, but pulumi_kubernetes' stubs
# type nested arguments (ContainerArgs.security_context, ...) as the class only; hence Any.
K8sObject = Any


def restricted_container_security() -> K8sObject:
    """Pod Security Standards 'restricted' for a container."""
    return {
        "allowPrivilegeEscalation": False,
        "runAsNonRoot": True,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def restricted_pod_security() -> K8sObject:
    return {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "fsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
