"""Everything a paying tenant owns inside a cluster and a project: namespace baseline, Workload
Identity, the database set, bucket, Temporal namespace, application and ingress. NamespaceTenant
places it on a shared cluster; DedicatedCluster on the tenant's own. The tenant's Identity Platform
tenant lives in the platform stack for every tier (docs/lifecycle.md); its name comes in here.

A suspended tenant keeps all of it but is not served: its workloads are scaled to zero, its
ingress answers with the maintenance redirect, its Temporal API key is disabled."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi

from components.blocks.cloudsql_access import cloudsql_access
from components.blocks.firestore_database import FirestoreDatabase, FirestoreDatabaseArgs
from components.blocks.migration_job import MigrationJob, MigrationJobArgs
from components.blocks.namespace_baseline import NamespaceBaseline, NamespaceBaselineArgs
from components.blocks.neo4j import Neo4j, Neo4jArgs
from components.blocks.postgres_set import PostgresSet, PostgresSetArgs
from components.blocks.temporal_namespace import TemporalNamespace, TemporalNamespaceArgs
from components.blocks.tenant_application import TenantApplication, TenantApplicationArgs
from components.blocks.tenant_bucket import TenantBucket, TenantBucketArgs
from components.blocks.tenant_ingress import TenantIngress, TenantIngressArgs
from components.blocks.workload_identity import WorkloadIdentity, WorkloadIdentityArgs
from components.conventions import Ownership, child
from domain import names
from domain.environment import EnvironmentSettings
from domain.profile import EffectiveProfile
from domain.registry import TenantBase
from domain.tiers import Status

POSTGRES_INSTANCES = 3
APP_SECRETS = "app-secrets"


@dataclass
class TenantServicesArgs:
    settings: EnvironmentSettings
    tenant: TenantBase
    profile: EffectiveProfile
    ownership: Ownership
    project: pulumi.Input[str]  # where the tenant's data lives
    gcp_provider: pulumi.ProviderResource
    identity_tenant_name: pulumi.Input[
        str
    ]  # the tenant's Identity Platform tenant (platform stack)
    k8s_provider: pulumi.ProviderResource
    network: pulumi.Input[str]  # VPC for Cloud SQL private IP
    private_services_cidr: pulumi.Input[str]
    hosts: list[str]
    cmek: bool
    project_number: pulumi.Input[str] | None = None
    depends_on: list[pulumi.Resource] = field(default_factory=list)


class TenantServices(pulumi.ComponentResource):
    outputs: dict[str, Any]

    def __init__(
        self, name: str, args: TenantServicesArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:TenantServices", name, {}, opts)
        s, tenant, profile, own = args.settings, args.tenant, args.profile, args.ownership
        tid, env = tenant.id, s.environment
        suspended = tenant.status == Status.SUSPENDED
        on_gcp = child(self, args.gcp_provider, depends_on=args.depends_on)
        on_k8s = child(self, args.k8s_provider)

        namespace = NamespaceBaseline(
            tid,
            NamespaceBaselineArgs(
                namespace=names.k8s_namespace(tid),
                ownership=own,
                quota=profile.namespace_quota,
                k8s_provider=args.k8s_provider,
                database_cidrs=[args.private_services_cidr],
            ),
            on_k8s,
        )
        ksa = names.k8s_service_account(tid)
        identity = WorkloadIdentity(
            tid,
            WorkloadIdentityArgs(
                account_id=names.workload_service_account_id(tid),
                project=args.project,
                namespace=namespace.name,
                namespace_name=names.k8s_namespace(tid),
                ksa_name=ksa,
                ownership=own,
                k8s_provider=args.k8s_provider,
            ),
            on_gcp,
        )

        instances = [names.postgres_instance(tid, i) for i in range(1, POSTGRES_INSTANCES + 1)]
        postgres = PostgresSet(
            f"{tid}-postgres",
            PostgresSetArgs(
                instance_names=instances,
                project=args.project,
                region=tenant.region,
                network=args.network,
                ownership=own,
                tier=profile.postgres_tier,
                disk_gb=profile.postgres_disk_gb,
                availability=profile.postgres_availability,
                read_replicas=profile.postgres_read_replicas,
                backup_retention_days=min(profile.backup_retention_days, 365),
                secret_accessor=identity.member,
            ),
            on_gcp,
        )
        cloudsql_access(tid, args.project, identity.member, instances, on_gcp)
        neo4j = Neo4j(
            f"{tid}-neo4j",
            Neo4jArgs(
                release_name=names.neo4j_release(tid),
                namespace=namespace.name,
                chart=s.neo4j_chart,
                storage_gb=profile.neo4j_storage_gb,
                cluster_mode=profile.neo4j_cluster,
                ownership=own,
                k8s_provider=args.k8s_provider,
            ),
            on_k8s,
        )
        firestore = FirestoreDatabase(
            f"{tid}-firestore",
            FirestoreDatabaseArgs(
                database_id=names.firestore_database(tid),
                project=args.project,
                location=tenant.region,
                ownership=own,
                backup_retention_days=profile.backup_retention_days,
                accessor=identity.member,
            ),
            on_gcp,
        )
        bucket = TenantBucket(
            f"{tid}-uploads",
            TenantBucketArgs(
                bucket_name=names.uploads_bucket(env, s.project, tid),
                project=args.project,
                location=tenant.region,
                ownership=own,
                versioning=True,
                noncurrent_retention_days=profile.backup_retention_days,
                object_admin=identity.member,
                quota_gb=profile.storage_quota_gb,
                cmek=args.cmek,
                project_number=args.project_number,
            ),
            on_gcp,
        )
        temporal = TemporalNamespace(
            f"{tid}-temporal",
            TemporalNamespaceArgs(
                namespace_name=names.temporal_namespace(env, tid),
                service_account_name=names.temporal_service_account(tid),
                retention_days=profile.temporal_retention_days,
                regions=profile.temporal_regions,
                settings=s.temporal,
                ownership=own,
                owner_email=tenant.contact_email,
                k8s_namespace=namespace.name,
                k8s_provider=args.k8s_provider,
                api_key_disabled=suspended,
            ),
            on_k8s,
        )

        config: dict[str, pulumi.Input[str]] = {
            "TENANT_ID": tid,
            "TIER": own.tier,
            "BUCKET": bucket.bucket.name,
            "FIRESTORE_DATABASE": firestore.database.name,
            "TEMPORAL_NAMESPACE": temporal.namespace_id,
            "TEMPORAL_ADDRESS": temporal.endpoint,
            "IDENTITY_PLATFORM_TENANT": args.identity_tenant_name,
            "NEO4J_URI": f"neo4j://{names.neo4j_release(tid)}.{names.k8s_namespace(tid)}.svc.cluster.local:7687",
            "API_RATE_LIMIT_PER_MIN": str(profile.api_rate_limit_per_min or "unlimited"),
            "STORAGE_QUOTA_GB": str(profile.storage_quota_gb or "unlimited"),
            "FEATURES": ",".join(sorted(k for k, on in profile.features.items() if on)),
            "PUBLIC_HOSTS": ",".join(args.hosts),
        }
        secrets: dict[str, pulumi.Input[str]] = {"NEO4J_PASSWORD": neo4j.password.result}
        for index, instance in enumerate(postgres.instances, start=1):
            config[f"POSTGRES_{index}_CONNECTION"] = instance.connection_name
            secrets[f"POSTGRES_{index}_PASSWORD"] = postgres.passwords[index - 1]
        TenantApplication(
            f"{tid}-app",
            TenantApplicationArgs(
                release_name=f"{tid}-app",
                namespace=namespace.name,
                service_account=ksa,
                chart=s.app_chart,
                ownership=own,
                k8s_provider=args.k8s_provider,
                config=config,
                secrets=secrets,
                scaled_to_zero=suspended,
            ),
            on_k8s,
        )
        MigrationJob(
            f"{tid}-migrations",
            MigrationJobArgs(
                namespace=namespace.name,
                service_account_name=ksa,
                instance_connection_names=[i.connection_name for i in postgres.instances],
                database="app",
                db_user="migrator",
                passwords=postgres.migrator_passwords,
                app_logins=["app"],
                image=s.migrations_image,
                labels=own.k8s_labels(),
            ),
            on_k8s,
        )
        TenantIngress(
            f"{tid}-ingress",
            TenantIngressArgs(
                hosts=args.hosts,
                namespace=namespace.name,
                ownership=own,
                k8s_provider=args.k8s_provider,
                maintenance_url=names.maintenance_url(s.app_domain, tid) if suspended else None,
            ),
            on_k8s,
        )

        self.outputs = {
            "tenant": tid,
            "tier": own.tier,
            "namespace": namespace.name,
            "service_account": identity.email,
            "postgres_connections": [i.connection_name for i in postgres.instances],
            "bucket": bucket.bucket.name,
            "firestore_database": firestore.database.name,
            "temporal_namespace": temporal.namespace_id,
            "temporal_endpoint": temporal.endpoint,
            "hosts": args.hosts,
            "status": tenant.status.value,
        }
        self.register_outputs(self.outputs)
