"""Temporal namespaces per tenant. Temporal Cloud environments use pulumi-temporalcloud; those that
run their own server use the dynamic provider in ``selfhosted``. See docs/temporal-selfhosted.md."""
from tenancy.temporal.selfhosted import (
    NamespaceAlreadyExists,
    NamespaceSpec,
    SelfHostedNamespace,
    SelfHostedNamespaceProvider,
    TemporalNamespaceError,
    TemporalUnreachable,
    validation_failures,
)

__all__ = [
    "NamespaceAlreadyExists",
    "NamespaceSpec",
    "SelfHostedNamespace",
    "SelfHostedNamespaceProvider",
    "TemporalNamespaceError",
    "TemporalUnreachable",
    "validation_failures",
]
