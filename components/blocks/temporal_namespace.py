"""A tenant's Temporal namespace: on Temporal Cloud (namespace, a service account limited to it,
one API key per key generation, the newest stored as a Kubernetes Secret) or on a self-hosted
server (dynamic provider)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import pulumi
import pulumi_kubernetes as k8s
import pulumi_temporalcloud as temporalcloud

from components.conventions import Ownership, child
from domain.api_keys import newest
from domain.environment import ApiKeyGeneration


@dataclass
class TemporalNamespaceArgs:
    namespace_name: str
    service_account_name: str
    retention_days: int
    regions: list[str]
    backend: str  # "cloud" | "self-hosted"
    endpoint: str | None  # host:port of a self-hosted frontend
    api_keys: list[ApiKeyGeneration]  # oldest first (domain.api_keys); the workers get the newest
    ownership: Ownership
    owner_email: str
    k8s_namespace: pulumi.Input[str] | None = None  # where the API key Secret goes
    k8s_provider: pulumi.ProviderResource | None = None
    api_key_disabled: bool = False  # suspended: the workers' key stops working, nothing is deleted


class TemporalNamespace(pulumi.ComponentResource):
    endpoint: pulumi.Output[str]
    namespace_id: pulumi.Output[str]
    # The generation whose key the workers hold (None: self-hosted, no keys); not a secret.
    api_key_generation: ApiKeyGeneration | None = None

    def __init__(
        self, name: str, args: TemporalNamespaceArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:TemporalNamespace", name, {}, opts)
        own = args.ownership
        if args.backend == "self-hosted":
            from components.providers.temporal_selfhosted import SelfHostedNamespace

            if args.endpoint is None:
                raise ValueError("a self-hosted Temporal backend needs its endpoint (host:port)")
            SelfHostedNamespace(
                f"{name}-namespace",
                endpoint=args.endpoint,
                namespace=args.namespace_name,
                retention_days=args.retention_days,
                description=f"tenant {own.tenant} ({own.tier})",
                owner_email=args.owner_email,
                opts=own.stateful(child(self)),
            )
            self.namespace_id = pulumi.Output.from_input(args.namespace_name)
            self.endpoint = pulumi.Output.from_input(args.endpoint)
            self.register_outputs({"namespace": self.namespace_id, "endpoint": self.endpoint})
            return

        namespace = temporalcloud.Namespace(
            f"{name}-namespace",
            name=args.namespace_name,
            regions=args.regions,
            retention_days=args.retention_days,
            api_key_auth=True,
            opts=own.stateful(child(self)),
        )
        self.namespace_id = namespace.id
        # None until Temporal Cloud reports the endpoint (unknown in a preview).
        self.endpoint = namespace.endpoints.apply(
            lambda e: cast(str, e.grpc_address if e else None)
        )
        account = temporalcloud.ServiceAccount(
            f"{name}-service-account",
            name=args.service_account_name,
            account_access="read",
            namespace_accesses=[
                temporalcloud.ServiceAccountNamespaceAccessArgs(
                    namespace_id=namespace.id, permission="write"
                )
            ],
            opts=child(self),
        )
        if not args.api_keys:
            raise ValueError("a Temporal Cloud namespace needs at least one API key generation")
        # One key per generation, named after it: adding a generation creates keys and replaces
        # none (expiry_time is RequiresReplace, domain.provider_facts.TEMPORAL_APIKEY_SOURCE);
        # dropping one deletes only its keys.
        keys: dict[str, temporalcloud.Apikey] = {}
        for generation in args.api_keys:
            keys[generation.generation] = temporalcloud.Apikey(
                f"{name}-api-key-{generation.generation}",
                display_name=f"{args.service_account_name}-key-{generation.generation}",
                owner_id=account.id,
                owner_type="service-account",
                expiry_time=generation.expires,
                description=f"Workers of {own.tenant}, key generation {generation.generation}",
                # `disabled` updates in place (apikey_resource.go: not RequiresReplace), so the
                # token the workers hold comes back when the tenant resumes.
                disabled=args.api_key_disabled,
                opts=child(self),
            )
        self.api_key_generation = newest(args.api_keys)
        key = keys[self.api_key_generation.generation]
        if args.k8s_namespace is not None:
            k8s.core.v1.Secret(
                f"{name}-api-key-secret",
                metadata=own.k8s_meta("temporal-api-key", args.k8s_namespace),
                string_data={
                    "TEMPORAL_API_KEY": key.token,
                    "TEMPORAL_NAMESPACE": namespace.id,
                    "TEMPORAL_ADDRESS": self.endpoint,
                },
                opts=child(self, provider=args.k8s_provider),
            )
        self.register_outputs({"namespace": self.namespace_id, "endpoint": self.endpoint})

    def key_config(self) -> dict[str, str]:
        """Which key the workers hold, for the app's ConfigMap (names and dates, never the token):
        a change of generation changes the config, so the release is updated with it."""
        if self.api_key_generation is None:
            return {}
        return {
            "TEMPORAL_API_KEY_GENERATION": self.api_key_generation.generation,
            "TEMPORAL_API_KEY_EXPIRES": self.api_key_generation.expires,
        }
