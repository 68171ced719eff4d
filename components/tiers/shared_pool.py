"""SharedPool: the platform stack. The network, the shared GKE clusters that standard tenants
live on, shared ingress/DNS/certificates, and everything the free tier shares."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.blocks.cloudsql_access import cloudsql_access
from components.blocks.firestore_database import FirestoreDatabase, FirestoreDatabaseArgs
from components.blocks.gke_cluster import AuthorizedCidr, GkeCluster, GkeClusterArgs
from components.blocks.identity_platform_tenant import (
    IdentityPlatformTenant,
    IdentityPlatformTenantArgs,
)
from components.blocks.ingress_controller import (
    CERT_MANAGER_NAMESPACE,
    IngressController,
    IngressControllerArgs,
)
from components.blocks.migration_job import MigrationJob, MigrationJobArgs
from components.blocks.namespace_baseline import NamespaceBaseline, NamespaceBaselineArgs
from components.blocks.network import PODS_RANGE, SERVICES_RANGE, Network, NetworkArgs
from components.blocks.postgres_set import PostgresSet, PostgresSetArgs
from components.blocks.temporal_namespace import TemporalNamespace, TemporalNamespaceArgs
from components.blocks.tenant_application import TenantApplication, TenantApplicationArgs
from components.blocks.tenant_bucket import TenantBucket, TenantBucketArgs
from components.blocks.tenant_ingress import TenantIngress, TenantIngressArgs
from components.blocks.workload_identity import WorkloadIdentity, WorkloadIdentityArgs
from components.conventions import LIMITS_LABEL, Ownership, child
from domain import names
from domain.environment import EnvironmentSettings
from domain.lifecycle import identity_component_name
from domain.profile import effective_profile
from domain.registry import FreeTenant, TenantBase
from domain.tiers import PROFILES, NamespaceQuota, Status, Tier

# The free tier shares one namespace; its quota bounds the whole pool, not one tenant.
FREE_POOL_QUOTA = NamespaceQuota(cpu="32", memory="64Gi", pods=300, pvcs=20, services=50)
WILDCARD_TLS_SECRET = "wildcard-tls"


@dataclass
class SharedPoolArgs:
    settings: EnvironmentSettings
    free_tenants: list[FreeTenant] = field(default_factory=list)
    # Every tenant of every tier: their identities live here (docs/lifecycle.md).
    identity_tenants: list[TenantBase] = field(default_factory=list)


class SharedPool(pulumi.ComponentResource):
    def __init__(self, name: str, args: SharedPoolArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tenancy:tiers:SharedPool", name, {}, opts)
        s = args.settings
        env = s.environment
        shared = Ownership(env)
        # The free pool is shared by every free tenant; its cost belongs to the free tier.
        free = Ownership(env, tier=Tier.FREE.value)
        free_profile = PROFILES[Tier.FREE]
        gcp_provider = gcp.Provider(
            f"{env}-gcp", project=s.project, region=s.region, opts=child(self)
        )
        on_gcp = child(self, gcp_provider)

        self.network = Network(
            f"{env}-network",
            NetworkArgs(
                name=names.platform_network(env),
                project=s.project,
                region=s.region,
                subnet_cidr=s.network.subnet_cidr,
                pods_cidr=s.network.pods_cidr,
                services_cidr=s.network.services_cidr,
                ownership=shared,
                master_cidrs=[c.master_ipv4_cidr for c in s.clusters],
            ),
            on_gcp,
        )
        self.private_services_cidr = self.network.private_services_cidr

        # cert-manager solves DNS-01 for the wildcard certificate through Cloud DNS.
        cert_manager_identity = WorkloadIdentity(
            f"{env}-cert-manager",
            WorkloadIdentityArgs(
                account_id=f"{env}-cert-manager",
                project=s.project,
                namespace=CERT_MANAGER_NAMESPACE,
                namespace_name=CERT_MANAGER_NAMESPACE,
                ksa_name="cert-manager",
                ownership=shared,
                k8s_provider=None,
                create_ksa=False,
            ),
            on_gcp,
        )
        gcp.projects.IAMMember(
            f"{env}-cert-manager-dns",
            project=s.project,
            role="roles/dns.admin",
            member=cert_manager_identity.member,
            opts=on_gcp,
        )

        self.clusters: dict[str, dict[str, Any]] = {}
        primary: tuple[GkeCluster, IngressController] | None = None
        for pool in s.clusters:
            cluster = GkeCluster(
                f"{env}-{pool.name}",
                GkeClusterArgs(
                    cluster_name=names.pool_cluster(env, pool.name),
                    node_service_account_id=names.pool_node_service_account_id(env, pool.name),
                    project=s.project,
                    region=pool.region,
                    network=self.network.network.id,
                    subnetwork=self.network.subnetwork.id,
                    pods_range=PODS_RANGE,
                    services_range=SERVICES_RANGE,
                    master_ipv4_cidr=pool.master_ipv4_cidr,
                    authorized_networks=[
                        AuthorizedCidr(n.name, n.cidr) for n in s.master_authorized_networks
                    ],
                    node_pools=pool.node_pools,
                    ownership=shared,
                ),
                on_gcp,
            )
            ingress = IngressController(
                f"{env}-{pool.name}-ingress",
                IngressControllerArgs(
                    address_name=f"{env}-{pool.name}-ingress",
                    project=s.project,
                    region=pool.region,
                    ingress_chart=s.ingress_chart,
                    cert_manager_chart=s.cert_manager_chart,
                    acme_email=s.acme_email,
                    ownership=shared,
                    k8s_provider=cluster.provider,
                    dns01_project=s.project,
                    cert_manager_gsa_email=cert_manager_identity.email,
                ),
                on_gcp,
            )
            self.clusters[pool.name] = {
                "name": cluster.cluster.name,
                "location": pool.region,
                "endpoint": cluster.cluster.endpoint,
                "ca_certificate": cluster.cluster.master_auth.apply(
                    lambda a: a.cluster_ca_certificate
                ),
                "ingress_ip": ingress.address.address,
                "capacity": pool.capacity,
            }
            primary = primary or (cluster, ingress)
        cluster, ingress = primary

        zone = gcp.dns.ManagedZone(
            f"{env}-app-zone",
            name=names.app_dns_zone(env),
            dns_name=f"{s.app_domain}.",
            project=s.project,
            visibility="public",
            dnssec_config=gcp.dns.ManagedZoneDnssecConfigArgs(state="on"),
            labels=shared.gcp_labels(),
            opts=on_gcp,
        )
        self.zone = zone
        for record, host in (("apex", f"{s.app_domain}."), ("wildcard", f"*.{s.app_domain}.")):
            gcp.dns.RecordSet(
                f"{env}-app-{record}",
                name=host,
                type="A",
                ttl=300,
                managed_zone=zone.name,
                project=s.project,
                rrdatas=[ingress.address.address],
                opts=on_gcp,
            )

        # --- the free tier: one namespace, one identity, shared data -----------------------------
        on_primary = child(self, cluster.provider)
        namespace = NamespaceBaseline(
            "free-tier",
            NamespaceBaselineArgs(
                namespace=names.FREE_TIER_NAMESPACE,
                ownership=free,
                quota=FREE_POOL_QUOTA,
                k8s_provider=cluster.provider,
                database_cidrs=[self.private_services_cidr],
            ),
            on_primary,
        )
        identity = WorkloadIdentity(
            "free-tier",
            WorkloadIdentityArgs(
                account_id=names.free_tier_service_account_id(env),
                project=s.project,
                namespace=namespace.name,
                namespace_name=names.FREE_TIER_NAMESPACE,
                ksa_name=names.FREE_TIER_KSA,
                ownership=free,
                k8s_provider=cluster.provider,
            ),
            on_gcp,
        )
        postgres = PostgresSet(
            "free-tier-postgres",
            PostgresSetArgs(
                instance_names=[names.shared_postgres_instance(env)],
                project=s.project,
                region=s.region,
                network=self.network.network.id,
                ownership=free,
                tier=free_profile.postgres_tier,
                disk_gb=free_profile.postgres_disk_gb,
                backup_retention_days=free_profile.backup_retention_days,
                secret_accessor=identity.member,
                depends_on=[self.network.private_services],
            ),
            on_gcp,
        )
        cloudsql_access(
            "free-tier", s.project, identity.member, [names.shared_postgres_instance(env)], on_gcp
        )
        firestore = FirestoreDatabase(
            "free-tier-firestore",
            FirestoreDatabaseArgs(
                database_id=names.shared_firestore_database(env),
                project=s.project,
                location=s.region,
                ownership=free,
                backup_retention_days=free_profile.backup_retention_days,
                accessor=identity.member,
            ),
            on_gcp,
        )
        # Objects live under <tenant_id>/...; the shared services sign URLs per tenant prefix.
        bucket = TenantBucket(
            "free-tier-uploads",
            TenantBucketArgs(
                bucket_name=names.shared_uploads_bucket(env, s.project),
                project=s.project,
                location=s.region,
                ownership=free,
                versioning=False,
                noncurrent_retention_days=free_profile.backup_retention_days,
                object_admin=identity.member,
            ),
            on_gcp,
        )
        temporal = TemporalNamespace(
            "free-tier-temporal",
            TemporalNamespaceArgs(
                namespace_name=names.shared_temporal_namespace(env),
                service_account_name=f"{env}-free-tier-workers",
                retention_days=free_profile.temporal_retention_days,
                regions=[s.temporal.default_region],
                settings=s.temporal,
                ownership=free,
                owner_email=s.acme_email,
                k8s_namespace=namespace.name,
                k8s_provider=cluster.provider,
            ),
            on_primary,
        )
        MigrationJob(
            "free-tier-migrations",
            MigrationJobArgs(
                namespace=namespace.name,
                service_account_name=names.FREE_TIER_KSA,
                instance_connection_names=[i.connection_name for i in postgres.instances],
                database="app",
                db_user="migrator",
                passwords=postgres.migrator_passwords,
                app_logins=["app"],
                image=s.migrations_image,
                labels=free.k8s_labels(),
            ),
            on_primary,
        )
        TenantApplication(
            "free-tier-app",
            TenantApplicationArgs(
                release_name="free-tier-app",
                namespace=namespace.name,
                service_account=names.FREE_TIER_KSA,
                chart=s.app_chart,
                ownership=free,
                k8s_provider=cluster.provider,
                mode="shared",
                config={
                    "POSTGRES_1_CONNECTION": postgres.instances[0].connection_name,
                    "BUCKET": bucket.bucket.name,
                    "FIRESTORE_DATABASE": firestore.database.name,
                    "TEMPORAL_NAMESPACE": temporal.namespace_id,
                    "TEMPORAL_ADDRESS": temporal.endpoint,
                    "TEMPORAL_TASK_QUEUE_PREFIX": "tenant-",
                    "TENANT_LIMITS_LABEL": f"{LIMITS_LABEL}=free",
                },
                secrets={"POSTGRES_1_PASSWORD": postgres.passwords[0]},
            ),
            on_primary,
        )
        TenantIngress(
            "free-tier-ingress",
            TenantIngressArgs(
                hosts=[s.app_domain],
                certificate_dns_names=[s.app_domain, f"*.{s.app_domain}"],
                namespace=namespace.name,
                ownership=free,
                k8s_provider=cluster.provider,
                tls_secret=WILDCARD_TLS_SECRET,
            ),
            on_primary,
        )

        # --- every tenant's user pool: here for all tiers, so a tier change keeps it -------------
        # A paying tenant's identity that an older program kept in its own stack is moved here by
        # `tenancy state-moves` (pulumi state move); the move leaves it under the root stack, the
        # alias below maps that URN onto this one.
        self.identities: dict[str, Any] = {}
        for tenant in sorted(args.identity_tenants, key=lambda t: t.id):
            idp = IdentityPlatformTenant(
                identity_component_name(tenant.id),
                IdentityPlatformTenantArgs(
                    display_name=names.identity_platform_display_name(tenant.id),
                    project=s.project,
                    disable_auth=tenant.status == Status.SUSPENDED,
                    protect=tenant.status != Status.OFFBOARDING,
                ),
                pulumi.ResourceOptions.merge(
                    on_gcp,
                    pulumi.ResourceOptions(
                        aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)]
                    ),
                ),
            )
            self.identities[tenant.id] = idp.tenant.name

        # --- each free tenant: its published limits ----------------------------------------------
        for tenant in sorted(args.free_tenants, key=lambda t: t.id):
            owner = Ownership.for_tenant(env, tenant)
            profile = effective_profile(tenant, s.temporal)
            k8s.core.v1.ConfigMap(
                f"{tenant.id}-limits",
                metadata=owner.k8s_meta(
                    f"tenant-{tenant.id}-limits", namespace.name, labels={LIMITS_LABEL: "free"}
                ),
                data={
                    "tenant_id": tenant.id,
                    "status": tenant.status.value,
                    "api_rate_limit_per_min": str(profile.api_rate_limit_per_min),
                    "storage_quota_gb": str(profile.storage_quota_gb),
                    "storage_prefix": f"{tenant.id}/",
                    "temporal_task_queue": f"tenant-{tenant.id}",
                    "features": json.dumps(profile.features, sort_keys=True),
                },
                opts=child(self, cluster.provider, depends_on=[namespace]),
            )

        self.outputs = {
            "environment": env,
            "project": s.project,
            "network": self.network.network.self_link,
            "network_id": self.network.network.id,
            "private_services_cidr": self.private_services_cidr,
            "clusters": self.clusters,
            "dns_zone": zone.name,
            "app_domain": s.app_domain,
            "shared_temporal_namespace": temporal.namespace_id,
            "identity_tenants": self.identities,
        }
        self.register_outputs(self.outputs)

    def stack_outputs(self) -> dict[str, Any]:
        return dict(self.outputs)
