"""The recipe every tenant workload is made of: a namespace baseline, a Workload Identity, a set of
Cloud SQL instances (with scoped access), a Firestore database, an uploads bucket, a Temporal
namespace and the migration Job.

TenantServices (one paying tenant) and SharedPool (the free tier's shared slice) both compose it.
It is a function, not a component, so its resources stay direct children of the caller: an extra
component level would change every URN, and with it every existing stack's state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from components.blocks.cloudsql_access import cloudsql_access
from components.blocks.firestore_database import FirestoreDatabase, FirestoreDatabaseArgs
from components.blocks.migration_job import MigrationJob, MigrationJobArgs
from components.blocks.namespace_baseline import (
    DEFAULT_MAX_VOLUME_GI,
    NamespaceBaseline,
    NamespaceBaselineArgs,
)
from components.blocks.postgres_set import PostgresSet, PostgresSetArgs
from components.blocks.temporal_namespace import TemporalNamespace, TemporalNamespaceArgs
from components.blocks.tenant_bucket import TenantBucket, TenantBucketArgs
from components.blocks.workload_identity import WorkloadIdentity, WorkloadIdentityArgs
from components.conventions import Ownership, child
from domain import names
from domain.environment import ApiKeyGeneration
from domain.provider_facts import DATAPLANE_V2
from domain.tiers import NamespaceQuota


@dataclass(kw_only=True)
class ServiceRecipeArgs:
    prefix: str  # resource names: "<prefix>-postgres", "<prefix>-uploads", ...
    ownership: Ownership
    gcp_provider: pulumi.ProviderResource
    k8s_provider: pulumi.ProviderResource
    gcp_depends_on: list[pulumi.Resource] = field(default_factory=list)
    # Kubernetes and identity
    datapath: str = DATAPLANE_V2  # where pods find the GKE metadata server
    max_volume_gi: int = DEFAULT_MAX_VOLUME_GI  # the largest claim (Neo4j) the namespace allows
    # The cluster(s) whose creation makes <project>.svc.id.goog exist; empty when the pool
    # already exists (the platform project, created by the platform stack).
    workload_pool_ready: list[pulumi.Resource] = field(default_factory=list)
    namespace: str
    quota: NamespaceQuota
    ksa: str
    account_id: str
    project: pulumi.Input[str]  # where the data lives
    region: str
    private_services_cidr: pulumi.Input[str]
    # PostgreSQL
    network: pulumi.Input[str]
    postgres_instances: list[str]
    postgres_tier: str
    postgres_disk_gb: int
    postgres_backup_retention_days: int
    postgres_availability: str = "ZONAL"
    postgres_read_replicas: int = 0
    postgres_cross_region_replica: str | None = None
    postgres_direct_group: str | None = None  # enterprise direct access (IAM group login)
    postgres_direct_writes: bool = False
    postgres_depends_on: list[pulumi.Resource] = field(default_factory=list)
    # Firestore and the bucket
    firestore_database: str
    firestore_location: str | None = None  # a multi-region (nam5, eur3); default: region
    bucket_name: str
    backup_retention_days: int
    versioning: bool
    bucket_prefix_retention_days: dict[str, int] = field(default_factory=dict)
    cmek: bool = False
    # a new project's storage API: the Cloud Storage agent is looked up after it
    storage_api: list[pulumi.Resource] = field(default_factory=list)
    # The tenant's own database keys (enterprise CMEK) and the grants they wait for.
    postgres_key: pulumi.Input[str] | None = None
    postgres_replica_key: pulumi.Input[str] | None = None
    firestore_key: pulumi.Input[str] | None = None
    key_grants: list[pulumi.Resource] = field(default_factory=list)
    # Temporal
    temporal_namespace: str
    temporal_service_account: str
    temporal_retention_days: int
    temporal_regions: list[str]
    temporal_backend: str
    temporal_endpoint: str | None
    temporal_api_keys: list[ApiKeyGeneration]  # oldest first; the workers get the newest
    temporal_api_key_disabled: bool = False  # suspended: the workers' key stops working
    owner_email: str
    # Migrations
    migrations_image: str
    app_tenants: list[str]  # the tenants the services' login serves; [] for every tenant (free)


@dataclass(frozen=True)
class ServiceSet:
    """What the recipe built, for the caller's application config and outputs."""

    namespace: NamespaceBaseline
    identity: WorkloadIdentity
    postgres: PostgresSet
    firestore: FirestoreDatabase
    bucket: TenantBucket
    temporal: TemporalNamespace


def compose_services(parent: pulumi.Resource, args: ServiceRecipeArgs) -> ServiceSet:
    own, prefix = args.ownership, args.prefix
    on_gcp = child(parent, args.gcp_provider, depends_on=args.gcp_depends_on)
    on_k8s = child(parent, args.k8s_provider)
    namespace = NamespaceBaseline(
        prefix,
        NamespaceBaselineArgs(
            namespace=args.namespace,
            ownership=own,
            quota=args.quota,
            k8s_provider=args.k8s_provider,
            database_cidrs=[args.private_services_cidr],
            datapath=args.datapath,
            max_volume_gi=args.max_volume_gi,
        ),
        on_k8s,
    )
    identity = WorkloadIdentity(
        prefix,
        WorkloadIdentityArgs(
            account_id=args.account_id,
            project=args.project,
            namespace=namespace.name,
            namespace_name=args.namespace,
            ksa_name=args.ksa,
            ownership=own,
            k8s_provider=args.k8s_provider,
            depends_on=args.workload_pool_ready,
        ),
        on_gcp,
    )
    postgres = PostgresSet(
        f"{prefix}-postgres",
        PostgresSetArgs(
            instance_names=args.postgres_instances,
            project=args.project,
            region=args.region,
            network=args.network,
            ownership=own,
            tier=args.postgres_tier,
            disk_gb=args.postgres_disk_gb,
            availability=args.postgres_availability,
            read_replicas=args.postgres_read_replicas,
            cross_region_replica=args.postgres_cross_region_replica,
            direct_group=args.postgres_direct_group,
            backup_retention_days=args.postgres_backup_retention_days,
            service_account_email=identity.email,
            depends_on=[*args.postgres_depends_on, *args.key_grants],
            encryption_key=args.postgres_key,
            replica_encryption_key=args.postgres_replica_key,
        ),
        on_gcp,
    )
    # The services may sign in to the replicas too (they replicate the IAM users).
    replica_names = [
        *(
            names.postgres_replica(i, n)
            for i in args.postgres_instances
            for n in range(1, args.postgres_read_replicas + 1)
        ),
        *(
            names.postgres_cross_region_replica(i)
            for i in args.postgres_instances
            if args.postgres_cross_region_replica is not None
        ),
    ]
    cloudsql_access(
        prefix, args.project, identity.member, [*args.postgres_instances, *replica_names], on_gcp
    )
    if args.postgres_direct_group is not None:
        # The group's members connect (Auth Proxy or connector over the VPN) and sign in to the
        # tenant's instances only.
        cloudsql_access(
            f"{prefix}-direct",
            args.project,
            f"group:{args.postgres_direct_group}",
            [*args.postgres_instances, *replica_names],
            on_gcp,
        )
    firestore = FirestoreDatabase(
        f"{prefix}-firestore",
        FirestoreDatabaseArgs(
            database_id=args.firestore_database,
            project=args.project,
            location=args.firestore_location or args.region,
            ownership=own,
            backup_retention_days=args.backup_retention_days,
            accessor=identity.member,
            cmek_key=args.firestore_key,
            depends_on=list(args.key_grants),
        ),
        on_gcp,
    )
    bucket = TenantBucket(
        f"{prefix}-uploads",
        TenantBucketArgs(
            bucket_name=args.bucket_name,
            project=args.project,
            location=args.region,
            ownership=own,
            versioning=args.versioning,
            noncurrent_retention_days=args.backup_retention_days,
            object_admin=identity.member,
            prefix_retention_days=args.bucket_prefix_retention_days,
            cmek=args.cmek,
            agent_depends_on=args.storage_api,
        ),
        on_gcp,
    )
    temporal = TemporalNamespace(
        f"{prefix}-temporal",
        TemporalNamespaceArgs(
            namespace_name=args.temporal_namespace,
            service_account_name=args.temporal_service_account,
            retention_days=args.temporal_retention_days,
            regions=args.temporal_regions,
            backend=args.temporal_backend,
            endpoint=args.temporal_endpoint,
            api_keys=args.temporal_api_keys,
            ownership=own,
            owner_email=args.owner_email,
            k8s_namespace=namespace.name,
            k8s_provider=args.k8s_provider,
            api_key_disabled=args.temporal_api_key_disabled,
        ),
        on_k8s,
    )
    MigrationJob(
        f"{prefix}-migrations",
        MigrationJobArgs(
            namespace=namespace.name,
            service_account_name=args.ksa,
            instance_connection_names=[i.connection_name for i in postgres.instances],
            database=postgres.database,
            db_user=postgres.migrator,
            passwords=postgres.migrator_passwords,
            app_logins=[postgres.app_login],
            app_tenants=args.app_tenants,
            direct_login=postgres.direct_login,
            direct_writes=args.postgres_direct_writes,
            image=args.migrations_image,
            labels=own.k8s_labels(),
        ),
        on_k8s,
    )
    return ServiceSet(namespace, identity, postgres, firestore, bucket, temporal)
