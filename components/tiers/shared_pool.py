"""SharedPool: the platform stack. The network, the shared GKE clusters that standard tenants
live on, shared ingress/DNS/certificates, and everything the free tier shares."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.blocks.audit_trail import AuditTrail, AuditTrailArgs
from components.blocks.dns01_grants import dns01_grants
from components.blocks.gke_cluster import AuthorizedCidr, GkeCluster, GkeClusterArgs
from components.blocks.identity_platform_config import (
    IdentityPlatformConfig,
    IdentityPlatformConfigArgs,
)
from components.blocks.identity_platform_tenant import (
    IdentityPlatformTenant,
    IdentityPlatformTenantArgs,
)
from components.blocks.ingress_controller import (
    CERT_MANAGER_NAMESPACE,
    IngressController,
    IngressControllerArgs,
)
from components.blocks.network import PODS_RANGE, SERVICES_RANGE, Network, NetworkArgs
from components.blocks.notification_channels import (
    Channel,
    NotificationChannels,
    NotificationChannelsArgs,
)
from components.blocks.private_google_access_dns import (
    PrivateGoogleAccessDns,
    PrivateGoogleAccessDnsArgs,
)
from components.blocks.service_recipe import ServiceRecipeArgs, ServiceSet, compose_services
from components.blocks.tenant_alerts import TenantAlerts, TenantAlertsArgs, quantity
from components.blocks.tenant_application import TenantApplication, TenantApplicationArgs
from components.blocks.tenant_ingress import TenantIngress, TenantIngressArgs
from components.blocks.workload_identity import workload_identity_member
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
    tenant_hosts: list[str] = field(default_factory=list)  # paying tenants' sign-in hosts


class SharedPool(pulumi.ComponentResource):
    """The platform (network, pool clusters, DNS) and the free tier on the first pool cluster."""

    def __init__(self, name: str, args: SharedPoolArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tenancy:tiers:SharedPool", name, {}, opts)
        s = args.settings
        self.settings = s
        self.shared = Ownership(s.environment)
        # The free pool is shared by every free tenant; its cost belongs to the free tier.
        self.free = Ownership(s.environment, tier=Tier.FREE.value)
        gcp_provider = gcp.Provider(
            f"{s.environment}-gcp", project=s.project, region=s.region, opts=child(self)
        )
        self.gcp_provider = gcp_provider
        self.on_gcp = child(self, gcp_provider)

        self.channels = NotificationChannels(
            f"{s.environment}-oncall",
            NotificationChannelsArgs(
                channels=[Channel(c.name, c.kind, c.target, c.secret) for c in s.notifications],
                project=s.project,
                ownership=self.shared,
                display_prefix=f"tenancy {s.environment}",
            ),
            self.on_gcp,
        )
        self.network = self._network()
        self.private_services_cidr = self.network.private_services_cidr
        cert_manager = self._cert_manager_account()
        cluster, ingress = self._pool_clusters(cert_manager)
        self.zone = self._dns(ingress)
        self._cert_manager_grants(cert_manager)
        PrivateGoogleAccessDns(
            f"{s.environment}-google-apis",
            PrivateGoogleAccessDnsArgs(
                zone_name=names.private_googleapis_zone(names.platform_network(s.environment)),
                project=s.project,
                network=self.network.network.id,
                ownership=self.shared,
            ),
            self.on_gcp,
        )
        self.identity_config = IdentityPlatformConfig(
            f"{s.environment}-identity-platform",
            IdentityPlatformConfigArgs(
                project=s.project, authorized_domains=[s.app_domain, *args.tenant_hosts]
            ),
            self.on_gcp,
        )
        services = self._free_tier(cluster)
        self.identities = {
            t.id: self._identity(t) for t in sorted(args.identity_tenants, key=lambda t: t.id)
        }
        AuditTrail(
            f"{s.environment}-audit",
            AuditTrailArgs(
                project=s.project,
                ownership=self.shared,
                notification_channels=self.channels.ids,
                cluster_providers=self.cluster_providers,
                scope=s.environment,
            ),
            self.on_gcp,
        )
        self._free_pool_alerts(services)
        for tenant in sorted(args.free_tenants, key=lambda t: t.id):
            self._free_tenant(tenant, cluster, services)

        self.outputs = {
            "environment": s.environment,
            "project": s.project,
            "network": self.network.network.self_link,
            "network_id": self.network.network.id,
            "private_services_cidr": self.private_services_cidr,
            "clusters": self.clusters,
            "dns_zone": self.zone.name,
            "app_domain": s.app_domain,
            "shared_temporal_namespace": services.temporal.namespace_id,
            "notification_channels": self.channels.ids,
            "identity_tenants": self.identities,
        }
        self.register_outputs(self.outputs)

    def stack_outputs(self) -> dict[str, Any]:
        return dict(self.outputs)

    def _network(self) -> Network:
        s = self.settings
        return Network(
            f"{s.environment}-network",
            NetworkArgs(
                name=names.platform_network(s.environment),
                project=s.project,
                region=s.region,
                subnet_cidr=s.network.subnet_cidr,
                pods_cidr=s.network.pods_cidr,
                services_cidr=s.network.services_cidr,
                ownership=self.shared,
                master_cidrs=[c.master_ipv4_cidr for c in s.clusters],
            ),
            self.on_gcp,
        )

    def _cert_manager_account(self) -> gcp.serviceaccount.Account:
        """cert-manager solves DNS-01 for the wildcard certificate through Cloud DNS. Its account
        comes first (its email goes into the chart values), its grants once the pool and the
        zone exist (_cert_manager_grants)."""
        s, env = self.settings, self.settings.environment
        return gcp.serviceaccount.Account(
            f"{env}-cert-manager-gsa",
            account_id=f"{env}-cert-manager",
            project=s.project,
            display_name=f"Workloads of {CERT_MANAGER_NAMESPACE}/cert-manager",
            opts=self.on_gcp,
        )

    def _cert_manager_grants(self, account: gcp.serviceaccount.Account) -> None:
        s, env = self.settings, self.settings.environment
        # The <project>.svc.id.goog pool exists once a Workload Identity cluster does.
        gcp.serviceaccount.IAMMember(
            f"{env}-cert-manager-binding",
            service_account_id=account.name,
            role="roles/iam.workloadIdentityUser",
            member=workload_identity_member(s.project, CERT_MANAGER_NAMESPACE, "cert-manager"),
            opts=child(self, self.gcp_provider, depends_on=self.pool_clusters),
        )
        # Records in the app zone only, not roles/dns.admin on the project.
        dns01_grants(f"{env}-cert-manager", s.project, self.zone.name, account.member, self.on_gcp)

    def _pool_clusters(
        self, cert_manager: gcp.serviceaccount.Account
    ) -> tuple[GkeCluster, IngressController]:
        """Every pool cell with its ingress; returns the first, which hosts the free tier."""
        s, env = self.settings, self.settings.environment
        self.clusters: dict[str, dict[str, Any]] = {}
        self.cluster_providers: list[pulumi.ProviderResource] = []
        self.pool_clusters: list[pulumi.Resource] = []  # they create the Workload Identity pool
        built: list[tuple[GkeCluster, IngressController]] = []
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
                    ownership=self.shared,
                    datapath=s.gke_datapath,
                ),
                self.on_gcp,
            )
            self.pool_clusters.append(cluster.cluster)
            ingress = IngressController(
                f"{env}-{pool.name}-ingress",
                IngressControllerArgs(
                    address_name=f"{env}-{pool.name}-ingress",
                    project=s.project,
                    region=pool.region,
                    ingress_chart=s.ingress_chart,
                    cert_manager_chart=s.cert_manager_chart,
                    acme_email=s.acme_email,
                    ownership=self.shared,
                    k8s_provider=cluster.provider,
                    dns01_project=s.project,
                    cert_manager_gsa_email=cert_manager.email,
                    dns01_zone=names.app_dns_zone(env),
                    controller_image_digest=s.ingress_chart.image_digest,
                ),
                self.on_gcp,
            )
            self.clusters[pool.name] = {
                "name": cluster.cluster.name,
                "location": pool.region,
                "endpoint": cluster.endpoint,  # the DNS-based endpoint
                "ingress_ip": ingress.address.address,
                "capacity": pool.capacity,
            }
            built.append((cluster, ingress))
            self.cluster_providers.append(cluster.provider)
        return built[0]

    def _dns(self, ingress: IngressController) -> gcp.dns.ManagedZone:
        s, env = self.settings, self.settings.environment
        zone = gcp.dns.ManagedZone(
            f"{env}-app-zone",
            name=names.app_dns_zone(env),
            dns_name=f"{s.app_domain}.",
            project=s.project,
            visibility="public",
            dnssec_config=gcp.dns.ManagedZoneDnssecConfigArgs(state="on"),
            labels=self.shared.gcp_labels(),
            opts=self.on_gcp,
        )
        for record, host in (("apex", f"{s.app_domain}."), ("wildcard", f"*.{s.app_domain}.")):
            gcp.dns.RecordSet(
                f"{env}-app-{record}",
                name=host,
                type="A",
                ttl=300,
                managed_zone=zone.name,
                project=s.project,
                rrdatas=[ingress.address.address],
                opts=self.on_gcp,
            )
        return zone

    def _free_tier(self, cluster: GkeCluster) -> ServiceSet:
        """One namespace, one identity and shared data for every free tenant (row-level security
        in PostgreSQL, ``<tenant_id>/...`` prefixes in the bucket)."""
        s, env = self.settings, self.settings.environment
        profile = PROFILES[Tier.FREE]
        services = compose_services(
            self,
            ServiceRecipeArgs(
                prefix="free-tier",
                ownership=self.free,
                gcp_provider=self.gcp_provider,
                k8s_provider=cluster.provider,
                datapath=s.gke_datapath,
                workload_pool_ready=self.pool_clusters,
                namespace=names.FREE_TIER_NAMESPACE,
                quota=FREE_POOL_QUOTA,
                ksa=names.FREE_TIER_KSA,
                account_id=names.free_tier_service_account_id(env),
                project=s.project,
                region=s.region,
                private_services_cidr=self.private_services_cidr,
                network=self.network.network.id,
                postgres_instances=[names.shared_postgres_instance(env)],
                postgres_tier=profile.postgres_tier,
                postgres_disk_gb=profile.postgres_disk_gb,
                postgres_backup_retention_days=profile.backup_retention_days,
                postgres_depends_on=[self.network.private_services],
                firestore_database=names.shared_firestore_database(env),
                bucket_name=names.shared_uploads_bucket(env, s.project),
                backup_retention_days=profile.backup_retention_days,
                versioning=False,
                temporal_namespace=names.shared_temporal_namespace(env),
                temporal_service_account=f"{env}-free-tier-workers",
                temporal_retention_days=profile.temporal_retention_days,
                temporal_regions=[s.temporal.default_region],
                temporal_backend=s.temporal.backend,
                temporal_endpoint=s.temporal.endpoint,
                temporal_api_keys=s.temporal.api_keys,
                owner_email=s.acme_email,
                migrations_image=s.migrations_image,
                app_tenants=[],  # the shared pool's login serves every free tenant
            ),
        )
        on_primary = child(self, cluster.provider)
        postgres, namespace = services.postgres, services.namespace
        TenantApplication(
            "free-tier-app",
            TenantApplicationArgs(
                release_name="free-tier-app",
                namespace=namespace.name,
                service_account=names.FREE_TIER_KSA,
                chart=s.app_chart,
                ownership=self.free,
                k8s_provider=cluster.provider,
                mode="shared",
                config={
                    "POSTGRES_1_CONNECTION": postgres.instances[0].connection_name,
                    "POSTGRES_1_USER": postgres.app_login,
                    "POSTGRES_AUTH": "iam",
                    "BUCKET": services.bucket.bucket.name,
                    "FIRESTORE_DATABASE": services.firestore.database.name,
                    "TEMPORAL_NAMESPACE": services.temporal.namespace_id,
                    "TEMPORAL_ADDRESS": services.temporal.endpoint,
                    **services.temporal.key_config(),
                    "TEMPORAL_TASK_QUEUE_PREFIX": "tenant-",
                    "TENANT_LIMITS_LABEL": f"{LIMITS_LABEL}=free",
                },
            ),
            on_primary,
        )
        TenantIngress(
            "free-tier-ingress",
            TenantIngressArgs(
                hosts=[s.app_domain],
                certificate_dns_names=[s.app_domain, f"*.{s.app_domain}"],
                namespace=namespace.name,
                ownership=self.free,
                k8s_provider=cluster.provider,
                tls_secret=WILDCARD_TLS_SECRET,
            ),
            on_primary,
        )
        return services

    def _free_pool_alerts(self, services: ServiceSet) -> None:
        """Alerts on what every free tenant shares: its database, namespace and host."""
        s, env = self.settings, self.settings.environment
        TenantAlerts(
            f"{env}-free-pool-alerts",
            TenantAlertsArgs(
                tenant_id="free-pool",
                project=s.project,
                ownership=self.free,
                notification_channels=self.channels.ids,
                sql_instances=[names.shared_postgres_instance(env)],
                namespace=names.FREE_TIER_NAMESPACE,
                quota_cpu_cores=quantity(FREE_POOL_QUOTA.cpu),
                quota_memory_bytes=quantity(FREE_POOL_QUOTA.memory),
                hosts=[s.app_domain],
                migration_job_prefix="free-tier-migrations",
            ),
            self.on_gcp,
        )

    def _identity(self, tenant: TenantBase) -> pulumi.Output[str]:
        """Every tenant's user pool, here for all tiers so that a tier change keeps it.

        A paying tenant's identity that an older program kept in its own stack is moved here by
        `tenancy state-moves` (pulumi state move); the move leaves it under the root stack, and the
        alias maps that URN onto this one.
        """
        idp = IdentityPlatformTenant(
            identity_component_name(tenant.id),
            IdentityPlatformTenantArgs(
                display_name=names.identity_platform_display_name(tenant.id),
                project=self.settings.project,
                disable_auth=tenant.status == Status.SUSPENDED,
                protect=tenant.status != Status.OFFBOARDING,
                # Tenants are refused until the project allows multi-tenancy.
                depends_on=[self.identity_config.config],
            ),
            pulumi.ResourceOptions.merge(
                self.on_gcp,
                pulumi.ResourceOptions(aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)]),
            ),
        )
        return idp.tenant.name

    def _free_tenant(self, tenant: FreeTenant, cluster: GkeCluster, services: ServiceSet) -> None:
        """Each free tenant: its published limits (its identity is made with everyone's)."""
        s = self.settings
        owner = Ownership.for_tenant(s.environment, tenant)
        profile = effective_profile(tenant, s.temporal)
        k8s.core.v1.ConfigMap(
            f"{tenant.id}-limits",
            metadata=owner.k8s_meta(
                f"tenant-{tenant.id}-limits",
                services.namespace.name,
                labels={LIMITS_LABEL: "free"},
            ),
            data={
                "tenant_id": tenant.id,
                "status": tenant.status.value,
                "api_rate_limit_per_min": str(profile.api_rate_limit_per_min),
                "ai_tokens_per_month": str(profile.ai_tokens_per_month),
                "max_concurrency": str(profile.max_concurrency),
                "storage_quota_gb": str(profile.storage_quota_gb),
                "storage_prefix": f"{tenant.id}/",
                "temporal_task_queue": f"tenant-{tenant.id}",
                "features": json.dumps(profile.features, sort_keys=True),
            },
            opts=child(self, cluster.provider, depends_on=[services.namespace]),
        )
