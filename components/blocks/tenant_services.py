"""Everything a paying tenant owns inside a cluster and a project: namespace baseline, Workload
Identity, the database set, bucket, Temporal namespace, Identity Platform tenant, application and
ingress. NamespaceTenant places it on a shared cluster; DedicatedCluster on the tenant's own."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

from components.blocks.customer_certificate import CustomerCertificate
from components.blocks.firestore_database import MAX_DAILY_BACKUP_RETENTION_DAYS
from components.blocks.firestore_exports import (
    EXPORT_PREFIX,
    FirestoreExports,
    FirestoreExportsArgs,
)
from components.blocks.firestore_exports import SCHEDULE as FIRESTORE_SCHEDULE
from components.blocks.neo4j import BOLT_PORT, Neo4j, Neo4jArgs
from components.blocks.neo4j_backup import BACKUP_PREFIX, Neo4jBackup, Neo4jBackupArgs
from components.blocks.neo4j_backup import SCHEDULE as NEO4J_SCHEDULE
from components.blocks.neo4j_exports import EXPORT_PREFIX as NEO4J_EXPORT_PREFIX
from components.blocks.neo4j_exports import Neo4jExports, Neo4jExportsArgs
from components.blocks.postgres_exports import EXPORT_PREFIX as POSTGRES_EXPORT_PREFIX
from components.blocks.postgres_exports import PostgresExports, PostgresExportsArgs
from components.blocks.service_recipe import ServiceRecipeArgs, compose_services
from components.blocks.storage_quota import StorageQuota, StorageQuotaArgs
from components.blocks.tenant_alerts import TenantAlerts, TenantAlertsArgs, quantity
from components.blocks.tenant_application import TenantApplication, TenantApplicationArgs
from components.blocks.tenant_dashboard import TenantDashboard, TenantDashboardArgs
from components.blocks.tenant_ingress import TenantIngress, TenantIngressArgs
from components.blocks.tenant_slo import TenantSlo, TenantSloArgs
from components.conventions import Ownership, child
from domain import names
from domain.environment import ApiKeyGeneration, ChartRef
from domain.provider_facts import DATAPLANE_V2
from domain.tiers import NamespaceQuota, Status

MAX_POSTGRES_BACKUPS = 365  # Cloud SQL keeps at most 365 automated backups


def backup_prefixes(retention_days: int, exports: bool = False) -> dict[str, int]:
    """Bucket prefixes of the backups kept in the tenant bucket, with their retention. Firestore
    exports exist where Firestore's own schedule stops short of the retention, or when the tenant
    asks for scheduled exports (which also export PostgreSQL)."""
    prefixes = {BACKUP_PREFIX: retention_days}
    if retention_days > MAX_DAILY_BACKUP_RETENTION_DAYS or exports:
        prefixes[EXPORT_PREFIX] = retention_days
    if exports:
        prefixes[POSTGRES_EXPORT_PREFIX] = retention_days
        prefixes[NEO4J_EXPORT_PREFIX] = retention_days
    return prefixes


@dataclass(kw_only=True)
class TenantServicesArgs:
    tenant_id: str
    region: str
    contact_email: str
    status: str
    ownership: Ownership
    environment: str
    platform_project: str  # names the bucket and holds the Identity Platform tenant
    project: pulumi.Input[str]  # where the tenant's data lives
    gcp_provider: pulumi.ProviderResource
    # The tenant's Identity Platform tenant: in the platform stack for every tier (lifecycle.md).
    identity_tenant_name: pulumi.Input[str]
    k8s_provider: pulumi.ProviderResource
    network: pulumi.Input[str]  # VPC for Cloud SQL private IP
    private_services_cidr: pulumi.Input[str]
    hosts: list[str]
    cmek: bool
    depends_on: list[pulumi.Resource] = field(default_factory=list)
    # Set when this stack creates the Workload Identity pool (a dedicated project's cluster).
    workload_pool_ready: list[pulumi.Resource] = field(default_factory=list)
    storage_api: list[pulumi.Resource] = field(default_factory=list)  # a new project's API
    datapath: str = DATAPLANE_V2
    # The tenant's effective sizing (tier profile plus its overrides).
    namespace_quota: NamespaceQuota
    postgres_instances: int
    postgres_tier: str
    postgres_disk_gb: int
    postgres_availability: str
    postgres_read_replicas: int
    postgres_cross_region_replica: str | None = None
    firestore_location: str | None = None
    postgres_direct_group: str | None = None
    postgres_direct_writes: bool = False
    backup_retention_days: int
    neo4j_storage_gb: int
    neo4j_cluster: bool
    temporal_retention_days: int
    temporal_regions: list[str]
    api_rate_limit_per_min: int | None
    storage_quota_gb: int | None
    features: dict[str, bool]
    # What the environment provides.
    app_chart: ChartRef
    # Enterprise: Helm values and CUSTOM_* settings from the tenant file (already validated
    # against the allowed keys, domain/registry/enterprise.py); the platform's values win.
    app_values: dict[str, Any] = field(default_factory=dict)
    app_config: dict[str, str] = field(default_factory=dict)
    # Enterprise CMEK: the tenant's own database keys and their grants (TenantKeys).
    postgres_key: pulumi.Input[str] | None = None
    postgres_replica_key: pulumi.Input[str] | None = None
    firestore_key: pulumi.Input[str] | None = None
    key_grants: list[pulumi.Resource] = field(default_factory=list)
    # Enterprise: a customer-provided certificate instead of ACME (CustomerCertificate).
    certificate: Any = None  # CustomerCertificateArgs without the namespace's own parts
    neo4j_chart: ChartRef
    migrations_image: str
    temporal_backend: str
    temporal_endpoint: str | None
    temporal_api_keys: list[ApiKeyGeneration]  # oldest first; the workers get the newest
    # Operations: who is told, what is promised, the limits delivered to the services.
    notification_channels: pulumi.Input[Sequence[pulumi.Input[str]]]
    slo_target_percent: float | None
    ai_tokens_per_month: int | None
    max_concurrency: int | None
    api_server_cidrs: list[str]
    kubectl_image: str
    gcloud_image: str
    neo4j_enterprise_image: str
    # Suspended: where the ingress redirects every request (the platform's maintenance page).
    maintenance_url: str | None = None
    # Enterprise: the app is also served through this IngressClass (a private controller).
    private_ingress_class: str | None = None
    # Enterprise `databases.exports`: every database exported to the bucket on this schedule.
    export_schedule: str | None = None
    cloud_sql_proxy_image: str = ""
    postgres_client_image: str = ""
    neo4j_shell_image: str = ""


class TenantServices(pulumi.ComponentResource):
    outputs: dict[str, Any]

    def __init__(
        self, name: str, args: TenantServicesArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:TenantServices", name, {}, opts)
        own, tid = args.ownership, args.tenant_id
        suspended = args.status == Status.SUSPENDED.value
        on_k8s = child(self, args.k8s_provider)
        ksa = names.k8s_service_account(tid)
        prefixes = backup_prefixes(args.backup_retention_days, args.export_schedule is not None)
        services = compose_services(
            self,
            ServiceRecipeArgs(
                prefix=tid,
                ownership=own,
                gcp_provider=args.gcp_provider,
                k8s_provider=args.k8s_provider,
                gcp_depends_on=args.depends_on,
                namespace=names.k8s_namespace(tid),
                quota=args.namespace_quota,
                ksa=ksa,
                account_id=names.workload_service_account_id(tid),
                project=args.project,
                region=args.region,
                private_services_cidr=args.private_services_cidr,
                network=args.network,
                postgres_instances=names.postgres_instances(tid, args.postgres_instances),
                postgres_tier=args.postgres_tier,
                postgres_disk_gb=args.postgres_disk_gb,
                postgres_backup_retention_days=min(
                    args.backup_retention_days, MAX_POSTGRES_BACKUPS
                ),
                postgres_availability=args.postgres_availability,
                postgres_read_replicas=args.postgres_read_replicas,
                postgres_cross_region_replica=args.postgres_cross_region_replica,
                postgres_direct_group=args.postgres_direct_group,
                postgres_direct_writes=args.postgres_direct_writes,
                firestore_location=args.firestore_location,
                firestore_database=names.firestore_database(tid),
                bucket_name=names.uploads_bucket(args.environment, args.platform_project, tid),
                backup_retention_days=args.backup_retention_days,
                versioning=True,
                bucket_prefix_retention_days=prefixes,
                cmek=args.cmek,
                storage_api=args.storage_api,
                datapath=args.datapath,
                max_volume_gi=args.neo4j_storage_gb,
                workload_pool_ready=args.workload_pool_ready,
                postgres_key=args.postgres_key,
                postgres_replica_key=args.postgres_replica_key,
                firestore_key=args.firestore_key,
                key_grants=args.key_grants,
                temporal_namespace=names.temporal_namespace(args.environment, tid),
                temporal_service_account=names.temporal_service_account(tid),
                temporal_retention_days=args.temporal_retention_days,
                temporal_regions=args.temporal_regions,
                temporal_backend=args.temporal_backend,
                temporal_endpoint=args.temporal_endpoint,
                temporal_api_keys=args.temporal_api_keys,
                owner_email=args.contact_email,
                migrations_image=args.migrations_image,
                app_tenants=[tid],
                temporal_api_key_disabled=suspended,
            ),
        )
        namespace, postgres = services.namespace, services.postgres
        self.postgres = postgres
        bucket, firestore, temporal = services.bucket, services.firestore, services.temporal
        neo4j = Neo4j(
            f"{tid}-neo4j",
            Neo4jArgs(
                release_name=names.neo4j_release(tid),
                namespace=namespace.name,
                chart=args.neo4j_chart,
                storage_gb=args.neo4j_storage_gb,
                cluster_mode=args.neo4j_cluster,
                ownership=own,
                k8s_provider=args.k8s_provider,
                apoc=args.export_schedule is not None,
            ),
            on_k8s,
        )

        # The Service the chart (single) or Neo4j (cluster mode: one spanning the members) provides.
        neo4j_host = f"{neo4j.service_name}.{names.k8s_namespace(tid)}.svc.cluster.local"
        config: dict[str, pulumi.Input[str]] = {
            "TENANT_ID": tid,
            "TIER": own.tier,
            "BUCKET": bucket.bucket.name,
            "FIRESTORE_DATABASE": firestore.database.name,
            "TEMPORAL_NAMESPACE": temporal.namespace_id,
            "TEMPORAL_ADDRESS": temporal.endpoint,
            **temporal.key_config(),
            "IDENTITY_PLATFORM_TENANT": args.identity_tenant_name,
            "NEO4J_URI": f"neo4j://{neo4j_host}:{BOLT_PORT}",
            "API_RATE_LIMIT_PER_MIN": str(args.api_rate_limit_per_min or "unlimited"),
            "STORAGE_QUOTA_GB": str(args.storage_quota_gb or "unlimited"),
            "FEATURES": ",".join(sorted(k for k, on in args.features.items() if on)),
            "PUBLIC_HOSTS": ",".join(args.hosts),
            # Usage caps the services enforce (seed 003); the Temporal worker's task slots.
            "AI_TOKENS_PER_MONTH": str(args.ai_tokens_per_month or "unlimited"),
            "MAX_CONCURRENCY": str(args.max_concurrency or "unlimited"),
            "TEMPORAL_MAX_CONCURRENT_ACTIVITIES": str(args.max_concurrency or "unlimited"),
            "TEMPORAL_MAX_CONCURRENT_WORKFLOW_TASKS": str(args.max_concurrency or "unlimited"),
        }
        secrets: dict[str, pulumi.Input[str]] = {"NEO4J_PASSWORD": neo4j.password.result}
        for index, instance in enumerate(postgres.instances, start=1):
            config[f"POSTGRES_{index}_CONNECTION"] = instance.connection_name
            config[f"POSTGRES_{index}_USER"] = postgres.app_login
            # Read replicas for reporting (same IAM login, no password): connection names only.
            replicas = postgres.replicas[index - 1]
            if replicas:
                config[f"POSTGRES_{index}_REPLICAS"] = pulumi.Output.all(
                    *[r.connection_name for r in replicas]
                ).apply(",".join)
        config["POSTGRES_AUTH"] = "iam"  # the Cloud SQL connector signs in as the KSA's account
        TenantApplication(
            f"{tid}-app",
            TenantApplicationArgs(
                release_name=f"{tid}-app",
                namespace=namespace.name,
                service_account=ksa,
                chart=args.app_chart,
                ownership=own,
                k8s_provider=args.k8s_provider,
                config={**args.app_config, **config},
                secrets=secrets,
                scaled_to_zero=suspended,
                values=args.app_values,
            ),
            on_k8s,
        )
        certificate_ready: list[pulumi.Resource] = []
        if args.certificate is not None:
            certificate = CustomerCertificate(
                f"{tid}-certificate",
                dataclasses.replace(args.certificate, namespace=namespace.name),
                child(self),
            )
            certificate_ready = [certificate.ready]
        TenantIngress(
            f"{tid}-ingress",
            TenantIngressArgs(
                acme=args.certificate is None,
                depends_on=certificate_ready,
                hosts=args.hosts,
                namespace=namespace.name,
                ownership=own,
                k8s_provider=args.k8s_provider,
                rate_limit_per_min=args.api_rate_limit_per_min,
                maintenance_url=args.maintenance_url if suspended else None,
                private_ingress_class=args.private_ingress_class,
            ),
            on_k8s,
        )
        self._operations(args, services.identity, bucket, neo4j, prefixes)
        if args.export_schedule is not None:
            Neo4jExports(
                f"{tid}-neo4j-exports",
                Neo4jExportsArgs(
                    release_name=names.neo4j_release(tid),
                    namespace=namespace.name,
                    uri=f"neo4j://{neo4j_host}:{BOLT_PORT}",
                    auth_secret=neo4j.auth_secret_name,
                    service_account=ksa,
                    bucket_name=bucket.bucket.name,
                    schedule=args.export_schedule,
                    neo4j_image=args.neo4j_shell_image,
                    gcloud_image=args.gcloud_image,
                    ownership=own,
                    k8s_provider=args.k8s_provider,
                ),
                child(self, args.k8s_provider, depends_on=[neo4j]),
            )

        self.outputs = {
            "tenant": tid,
            "tier": own.tier,
            "namespace": namespace.name,
            "service_account": services.identity.email,
            "postgres_connections": [i.connection_name for i in postgres.instances],
            "bucket": bucket.bucket.name,
            "firestore_database": firestore.database.name,
            "temporal_namespace": temporal.namespace_id,
            "temporal_endpoint": temporal.endpoint,
            "hosts": args.hosts,
            "status": args.status,
        }
        self.register_outputs(self.outputs)

    def _operations(
        self, args: TenantServicesArgs, identity, bucket, neo4j, prefixes: dict[str, int]
    ) -> None:
        """Monitoring, SLOs, dashboard, backups and the storage quota of the tenant (issue:
        operate it)."""
        own, tid = args.ownership, args.tenant_id
        member = identity.member
        # A new project's Monitoring API must be on before its alerts, SLOs and dashboards.
        on_gcp = child(self, args.gcp_provider, depends_on=args.depends_on)
        on_k8s = child(self, args.k8s_provider)
        namespace = names.k8s_namespace(tid)
        instances = names.postgres_instances(tid, args.postgres_instances)
        uptime_checks: list[pulumi.Input[str]] = []
        if args.slo_target_percent is not None:
            slo = TenantSlo(
                f"{tid}-slo",
                TenantSloArgs(
                    tenant_id=tid,
                    project=args.project,
                    hosts=args.hosts,
                    goal=round(args.slo_target_percent / 100, 6),
                    ownership=own,
                    notification_channels=args.notification_channels,
                ),
                on_gcp,
            )
            uptime_checks = list(slo.uptime_check_ids)
        enforcement: list[pulumi.Input[str]] = []
        if args.storage_quota_gb:  # unlimited: nothing to withdraw
            quota = StorageQuota(
                f"{tid}-storage-quota",
                StorageQuotaArgs(
                    tenant_id=tid,
                    project=args.project,
                    region=args.region,
                    bucket_name=bucket.bucket.name,
                    writer_email=identity.email,
                    ownership=own,
                ),
                child(self, args.gcp_provider, depends_on=args.depends_on),  # a new project's APIs
            )
            enforcement = [quota.channel.name]
        TenantAlerts(
            f"{tid}-alerts",
            TenantAlertsArgs(
                tenant_id=tid,
                project=args.project,
                ownership=own,
                notification_channels=args.notification_channels,
                bucket_name=bucket.bucket.name,
                storage_quota_gb=args.storage_quota_gb,
                sql_instances=instances,
                sql_replicas=[
                    names.postgres_replica(i, n)
                    for i in instances
                    for n in range(1, args.postgres_read_replicas + 1)
                ]
                + [
                    names.postgres_cross_region_replica(i)
                    for i in instances
                    if args.postgres_cross_region_replica is not None
                ],
                namespace=namespace,
                quota_cpu_cores=quantity(args.namespace_quota.cpu),
                quota_memory_bytes=quantity(args.namespace_quota.memory),
                hosts=args.hosts,
                uptime_check_ids=uptime_checks,
                migration_job_prefix=f"{tid}-migrations",
                quota_enforcement_channels=enforcement,
            ),
            on_gcp,
        )
        TenantDashboard(
            f"{tid}-dashboard",
            TenantDashboardArgs(
                tenant_id=tid,
                project=args.project,
                hosts=args.hosts,
                namespace=namespace,
                bucket_name=bucket.bucket.name,
                sql_database_ids=[pulumi.Output.concat(args.project, ":", i) for i in instances],
            ),
            on_gcp,
        )
        Neo4jBackup(
            f"{tid}-neo4j-backup",
            Neo4jBackupArgs(
                release_name=names.neo4j_release(tid),
                namespace=namespace,
                namespace_name=namespace,
                service_account=names.k8s_service_account(tid),
                enterprise_edition=args.neo4j_cluster,
                members=neo4j.members,
                bucket_name=bucket.bucket.name,
                retention_days=args.backup_retention_days,
                schedule=args.export_schedule or NEO4J_SCHEDULE,
                neo4j_image=args.neo4j_enterprise_image,
                kubectl_image=args.kubectl_image,
                api_server_cidrs=args.api_server_cidrs,
                ownership=own,
                k8s_provider=args.k8s_provider,
            ),
            on_k8s,
        )
        if EXPORT_PREFIX in prefixes:
            FirestoreExports(
                f"{tid}-firestore-exports",
                FirestoreExportsArgs(
                    database_id=names.firestore_database(tid),
                    project=args.project,
                    bucket_name=bucket.bucket.name,
                    workload_member=member,
                    namespace=namespace,
                    service_account=names.k8s_service_account(tid),
                    image=args.gcloud_image,
                    ownership=own,
                    gcp_provider=args.gcp_provider,
                    k8s_provider=args.k8s_provider,
                    schedule=args.export_schedule or FIRESTORE_SCHEDULE,
                ),
                child(self),
            )
        if args.export_schedule is not None:
            PostgresExports(
                f"{tid}-postgres-exports",
                PostgresExportsArgs(
                    tenant_id=tid,
                    instances=[i.connection_name for i in self.postgres.instances],
                    instance_names=[
                        i for i in names.postgres_instances(tid, args.postgres_instances)
                    ],
                    database=self.postgres.database,
                    login=self.postgres.app_login,
                    bucket_name=bucket.bucket.name,
                    namespace=names.k8s_namespace(tid),
                    service_account=names.k8s_service_account(tid),
                    schedule=args.export_schedule,
                    proxy_image=args.cloud_sql_proxy_image,
                    postgres_image=args.postgres_client_image,
                    gcloud_image=args.gcloud_image,
                    ownership=own,
                    k8s_provider=args.k8s_provider,
                ),
                child(self, args.k8s_provider),
            )
