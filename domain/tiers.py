"""The table of tiers: everything the code base needs to know about a tier, in one place.

Per tier (``TIERS``): the Pulumi component that builds it (a dotted path, so the domain imports no
Pulumi), whether its tenants get a stack of their own, its database set and profile defaults
(seed 002), the overrides (knobs) a tenant file may set and their bounds, the feature flags it may
turn on, and what the docs and the policies say about it. Validation (the per-tier models), the
stack program, ``docs/tiers.md``, the README and the tier policies all read this table;
``tests/test_tier_table.py`` proves every ``Tier`` is fully wired.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from domain.conventions import TEMPORAL_RETENTION_DAYS


class Tier(StrEnum):
    FREE = "free"
    STANDARD = "standard"
    ENTERPRISE = "enterprise"


class Status(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    OFFBOARDING = "offboarding"


@dataclass(frozen=True)
class DatabaseSet:
    """What databases a tenant of the tier gets."""

    postgres_instances: int  # 0: uses the shared instance
    postgres_availability: str  # ZONAL | REGIONAL
    neo4j: str  # none | single | cluster
    firestore: str  # shared | dedicated
    summary: str


@dataclass(frozen=True)
class NamespaceQuota:
    cpu: str
    memory: str
    pods: int
    pvcs: int
    services: int


@dataclass(frozen=True)
class TierProfile:
    tier: Tier
    api_rate_limit_per_min: int | None  # None: custom / unlimited
    storage_quota_gb: int | None  # None: unlimited
    backup_retention_days: int
    sla: str
    support: str
    databases: DatabaseSet
    namespace_quota: NamespaceQuota | None
    postgres_tier: str
    postgres_disk_gb: int
    neo4j_storage_gb: int
    temporal_retention_days: int
    # Operations (seed 002's SLAs, seed 003's usage caps): None means custom / not offered.
    slo_target_percent: float | None = None
    ai_tokens_per_month: int | None = None
    max_concurrency: int | None = None
    features: dict[str, bool] = field(default_factory=dict)


# --- overrides: what a tenant file may change -------------------------------------------------

# Bounds of one knob for one tier: None when the tier may not set it, else (min, max) for numbers
# or a tuple of allowed values (or descriptions of them) for the rest.
Bounds = tuple[Any, ...] | None


@dataclass(frozen=True)
class TierKnob:
    """One overridable setting of the tenant file: its path and its bounds per tier (``bounds``
    is assembled from the tier table; not to be confused with a policy's configuration knob)."""

    path: str
    description: str
    bounds: dict[Tier, Bounds]


STANDARD_POSTGRES_TIERS = ("db-custom-1-3840", "db-custom-2-7680", "db-custom-2-13312")
NUMERIC = "numeric"
MAX_TEMPORAL_RETENTION_DAYS = TEMPORAL_RETENTION_DAYS[1]  # Temporal Cloud's limit
MAX_READ_REPLICAS = 3

# Every knob, in the order of the docs, with what it means. Each tier's spec bounds every one.
KNOB_DESCRIPTIONS: dict[str, str] = {
    "limits.api_rate_limit_per_min": "API rate limit, requests per minute",
    "limits.storage_quota_gb": "Storage quota of the tenant bucket, GB",
    "limits.backup_retention_days": "Backup retention, days",
    "limits.slo_target_percent": "Availability and request-success SLO target, percent",
    "limits.ai_tokens_per_month": "AI usage cap, tokens per month",
    "limits.max_concurrency": "Concurrent requests and Temporal tasks per tenant",
    "limits.namespace_cpu": "Namespace CPU quota, cores",
    "limits.namespace_memory_gi": "Namespace memory quota, GiB",
    "limits.namespace_pods": "Namespace pod quota",
    "databases.postgres_tier": "Cloud SQL machine tier of the dedicated instances",
    "databases.postgres_disk_gb": "Cloud SQL disk size, GB",
    "databases.postgres_read_replicas": "Read replicas per PostgreSQL instance",
    "databases.neo4j_storage_gb": "Neo4j volume size, GB",
    "databases.postgres_cross_region_replica": "A read replica of each PostgreSQL instance in "
    "another allowed region",
    "databases.firestore_location": "Firestore location: a multi-region (nam5, eur3) instead of "
    "the tenant's region",
    "databases.direct_access": "Direct database login for the tenant's group (IAM, row-level "
    "security kept), over its VPN only",
    "databases.exports": "Scheduled exports of PostgreSQL, Firestore and Neo4j (APOC, online) "
    "to the tenant bucket, on the tenant's cron schedule",
    "temporal.retention_days": "Temporal namespace retention, days",
    "temporal.regions": "Temporal Cloud regions (two for HA)",
    "network.firewall_rules": "Ingress allow rules on the tenant's VPC, from its own networks",
    "network.policies": "Extra NetworkPolicies in the tenant namespace (IP peers only)",
    "network.vpn": "HA VPN to the tenant's network (Cloud Router, BGP)",
    "network.ingress": "A private ingress (internal load balancer) beside the public one",
    # Enterprise customisation (issue 16): domain/registry/enterprise.py holds their schemas.
    "app.chart_version": "Version of the environment's app chart (SemVer; repository and chart "
    "stay the environment's)",
    "app.values": "Helm values of the app chart: replicaCount, resources, autoscaling, "
    "nodeSelector (own node pool), config (CUSTOM_* settings)",
    "identity.group": "The tenant's own Google group, granted the roles of identity.grants",
    "identity.custom_roles": "Custom IAM roles created in the tenant's project (no guardrailed "
    "permission)",
    "identity.grants": "Roles granted to the group on its project, bucket, logs or dashboards",
    "encryption.cloudsql_cmek": "Cloud SQL encrypted with the tenant's own KMS key (set at "
    "creation: a change replaces the instances)",
    "encryption.firestore_cmek": "Firestore encrypted with the tenant's own KMS key (set at "
    "creation: a change replaces the database)",
    "encryption.gke_secrets_cmek": "GKE application-layer secrets encryption with the tenant's "
    "own KMS key",
    "tls.certificate_secret": "Customer-provided certificate: a Secret Manager secret of the "
    "tenant's project (instead of ACME)",
    "features.<flag>": "Feature toggles (only flags available to the tier)",
}
# The enterprise customisation knobs (issue 16): only the enterprise tier may set them.
ENTERPRISE_ONLY: dict[str, Bounds] = {
    "app.chart_version": ("any SemVer",),
    "app.values": ("the allowed keys",),
    "identity.group": ("a group email",),
    "identity.custom_roles": ("up to 300",),
    "identity.grants": ("allowed roles, own roles",),
    "databases.postgres_cross_region_replica": ("an allowed region",),
    "databases.firestore_location": ("nam5", "eur3"),
    "databases.direct_access": ("a group, over the VPN",),
    "databases.exports": ("a cron schedule",),
    "network.firewall_rules": ("up to 50 rules",),
    "network.policies": ("up to 50 policies",),
    "network.vpn": ("HA VPN",),
    "network.ingress": ("private: true",),
    "encryption.cloudsql_cmek": ("true or false",),
    "encryption.firestore_cmek": ("true or false",),
    "encryption.gke_secrets_cmek": ("true or false",),
    "tls.certificate_secret": ("a secret id",),
}
NO_OVERRIDES: dict[str, Bounds] = dict.fromkeys(KNOB_DESCRIPTIONS)

# Feature flags, in the order of the docs.
FEATURE_FLAGS = (
    "recommendations",
    "social",
    "comments",
    "multi_user",
    "scheduled_exports",
    "custom_roles",
    "audit_logs",
    "direct_db_access",
)
STANDARD_FEATURES = frozenset(
    {"recommendations", "social", "comments", "multi_user", "scheduled_exports"}
)


# --- the table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TierSpec:
    tier: Tier
    component: str  # dotted path of the ComponentResource that builds it (components.tiers...)
    own_stack: bool  # True: a stack <env>.<id> per tenant; False: tenants live in the platform
    dedicated_cluster: bool  # its tenant stacks hold a GKE cluster of their own (<id>-gke)
    model: str  # docs: the isolation model in a few words
    offering: str  # docs: what a tenant of the tier gets
    profile: TierProfile
    knobs: Mapping[str, Bounds]  # every knob path -> this tier's bounds (None: may not set)
    features: frozenset[str]  # the flags a tenant of the tier may turn on
    fields: frozenset[str]  # the tenant-file fields only this tier (and maybe others) has
    notes: str  # docs/tiers.md: the tier's section of "Notes by tier"

    @property
    def databases(self) -> DatabaseSet:
        return self.profile.databases

    @property
    def component_module(self) -> str:
        return self.component.rsplit(".", 1)[0]

    @property
    def component_class(self) -> str:
        return self.component.rsplit(".", 1)[1]


def _features(available: frozenset[str], on: bool | None = None) -> dict[str, bool]:
    """Profile defaults: every flag, on where the tier has it (unless ``on`` says otherwise)."""
    return {flag: (flag in available) if on is None else on for flag in FEATURE_FLAGS}


TIERS: dict[Tier, TierSpec] = {
    Tier.FREE: TierSpec(
        tier=Tier.FREE,
        component="components.tiers.shared_pool.SharedPool",
        own_stack=False,
        dedicated_cluster=False,
        model="shared pool",
        offering="a row-level-security slice of the shared PostgreSQL, shared Firestore and bucket "
        "(objects under `<tenant_id>/...`), the shared `free-tier` namespace, its own Identity "
        "Platform tenant, a per-tenant Temporal task queue on the shared namespace",
        profile=TierProfile(
            tier=Tier.FREE,
            api_rate_limit_per_min=100,
            storage_quota_gb=1,
            backup_retention_days=7,
            sla="best effort",
            support="community / email",
            databases=DatabaseSet(
                0, "ZONAL", "none", "shared", "1 PostgreSQL + 1 Firestore (shared)"
            ),
            namespace_quota=None,
            postgres_tier="db-custom-2-7680",
            postgres_disk_gb=100,
            neo4j_storage_gb=0,
            temporal_retention_days=3,
            slo_target_percent=None,  # best effort: no SLO
            ai_tokens_per_month=100_000,
            max_concurrency=5,
            features=_features(frozenset(), on=False),
        ),
        knobs=NO_OVERRIDES,
        features=frozenset(),
        fields=frozenset(),
        notes="""\
- Everything is shared: the `free-tier` namespace, its service account `free-tier-sa` (one Cloud
  IAM identity by Workload Identity), one Cloud SQL instance with row-level security by
  `tenant_id` (docs/data-isolation.md), one Firestore database and one uploads bucket.
- Objects in the shared bucket live under `<tenant_id>/...`; the shared services sign URLs for a
  tenant's own prefix only. Cloud IAM is not tenant-aware there: the application is.
- Temporal: one shared namespace `<env>-free-tier`; each tenant's work goes to its own task
  queue `tenant-<id>` (the task-queue strategy of seed 001).
- Each free tenant gets a ConfigMap `tenant-<id>-limits` in `free-tier` (rate limit, storage
  quota, features, task queue, status) that the shared services read.
- Every tenant of every tier has its own Identity Platform tenant, kept in the platform stack so
  that a tier change never deletes or recreates it (docs/lifecycle.md).
""",
    ),
    Tier.STANDARD: TierSpec(
        tier=Tier.STANDARD,
        component="components.tiers.namespace_tenant.NamespaceTenant",
        own_stack=True,
        dedicated_cluster=False,
        model="namespace per tenant",
        offering="namespace `tenant-<id>` on a shared GKE cluster with quotas, 3 dedicated Cloud "
        "SQL PostgreSQL instances, Neo4j, a Firestore database, a bucket, its own identity, "
        "subdomain and Temporal namespace",
        profile=TierProfile(
            tier=Tier.STANDARD,
            api_rate_limit_per_min=1000,
            storage_quota_gb=50,
            backup_retention_days=30,
            sla="99.5%",
            support="email + ticket",
            databases=DatabaseSet(
                3, "ZONAL", "single", "dedicated", "3 PostgreSQL + Neo4j + Firestore (dedicated)"
            ),
            namespace_quota=NamespaceQuota(cpu="4", memory="8Gi", pods=50, pvcs=10, services=20),
            postgres_tier="db-custom-1-3840",
            postgres_disk_gb=20,
            neo4j_storage_gb=20,
            temporal_retention_days=14,
            slo_target_percent=99.5,
            ai_tokens_per_month=2_000_000,
            max_concurrency=50,
            features=_features(STANDARD_FEATURES),
        ),
        knobs={
            "limits.api_rate_limit_per_min": None,
            "limits.storage_quota_gb": (1, 500),
            "limits.backup_retention_days": None,
            "limits.slo_target_percent": None,
            "limits.ai_tokens_per_month": None,
            "limits.max_concurrency": None,
            "limits.namespace_cpu": (1, 16),
            "limits.namespace_memory_gi": (1, 32),
            "limits.namespace_pods": (10, 200),
            "databases.postgres_tier": STANDARD_POSTGRES_TIERS,
            "databases.postgres_disk_gb": (10, 200),
            "databases.postgres_read_replicas": None,
            "databases.neo4j_storage_gb": (10, 200),
            "temporal.retention_days": (1, 30),
            "temporal.regions": ("one region",),
            **dict.fromkeys(ENTERPRISE_ONLY),
            "features.<flag>": ("standard flags",),
        },
        features=STANDARD_FEATURES,
        fields=frozenset({"subdomain", "placement", "cmek"}),
        notes="""\
- Namespace `tenant-<id>` on the shared cluster named by `placement`, with Pod Security
  `restricted`, a ResourceQuota (no LoadBalancer or NodePort services), a LimitRange and
  default-deny NetworkPolicies with explicit allows (DNS, the ingress controller, in-namespace
  traffic, Cloud SQL's private range, Google APIs, and the Temporal frontend: Temporal Cloud's
  public endpoint or a self-hosted one in the `temporal` namespace).
- Identity: KSA `tenant-<id>-sa` bound by Workload Identity to `<id>-workload@<project>`, which
  holds `cloudsql.client`/`instanceUser` and `datastore.user` narrowed by IAM conditions to its own
  instances and database, objectAdmin on its own bucket and accessor on its own secrets only.
- Firestore keeps scheduled backups for at most 14 weeks; longer retentions are clamped there.
- Cloud SQL keeps transaction logs (PITR) for at most 7 days; backups follow the retention.
""",
    ),
    Tier.ENTERPRISE: TierSpec(
        tier=Tier.ENTERPRISE,
        component="components.tiers.dedicated_cluster.DedicatedCluster",
        own_stack=True,
        dedicated_cluster=True,
        model="dedicated cluster",
        offering="its own GKE cluster and VPC (optionally its own GCP project), HA databases, a "
        "custom domain, a log sink, a two-region Temporal namespace",
        profile=TierProfile(
            tier=Tier.ENTERPRISE,
            api_rate_limit_per_min=None,
            storage_quota_gb=None,
            backup_retention_days=365,
            sla="99.9% or custom",
            support="dedicated account manager",
            databases=DatabaseSet(
                3,
                "REGIONAL",
                "cluster",
                "dedicated",
                "3 PostgreSQL (HA) + Neo4j cluster + Firestore",
            ),
            namespace_quota=NamespaceQuota(
                cpu="32", memory="64Gi", pods=500, pvcs=50, services=100
            ),
            postgres_tier="db-custom-4-15360",
            postgres_disk_gb=100,
            neo4j_storage_gb=100,
            temporal_retention_days=30,
            slo_target_percent=99.9,
            ai_tokens_per_month=50_000_000,
            max_concurrency=500,
            features=_features(frozenset(FEATURE_FLAGS), on=True),
        ),
        knobs={
            "limits.api_rate_limit_per_min": (1, 1_000_000),
            "limits.storage_quota_gb": (1, 1_000_000),
            "limits.backup_retention_days": (7, 3650),
            "limits.slo_target_percent": (99.0, 99.99),
            "limits.ai_tokens_per_month": (1, 10**12),
            "limits.max_concurrency": (1, 100_000),
            "limits.namespace_cpu": (1, 1024),
            "limits.namespace_memory_gi": (1, 4096),
            "limits.namespace_pods": (10, 5000),
            "databases.postgres_tier": ("*",),
            "databases.postgres_disk_gb": (10, 10_000),
            "databases.postgres_read_replicas": (0, MAX_READ_REPLICAS),
            "databases.neo4j_storage_gb": (10, 10_000),
            "temporal.retention_days": (1, MAX_TEMPORAL_RETENTION_DAYS),
            "temporal.regions": ("one or two regions",),
            **ENTERPRISE_ONLY,
            "features.<flag>": ("all flags",),
        },
        features=frozenset(FEATURE_FLAGS),
        fields=frozenset(
            {
                "custom_domain",
                "dedicated_project",
                "ha",
                "cmek",
                "vpc_peering",
                "log_sink",
                "network_cidr",
                "pods_cidr",
                "services_cidr",
                "control_plane_cidr",
                "node_pools",
                "oncall",
                "observer_group",
            }
        ),
        notes="""\
- A GKE cluster of its own (node pools from the tenant file) in its own VPC, optionally in a
  project of its own under the environment's `enterprise_folder` and `billing_account`.
- HA: REGIONAL Cloud SQL, Neo4j as a 3-member cluster, a Temporal namespace in two regions
  (`temporal.regions`, or the environment's default plus `ha_region`).
- Custom domain: point `custom_domain` at the stack output `ingress_ip`; cert-manager issues the
  certificate through the tenant's own ingress.
- Log sink: the sink's writer identity (stack output `log_sink_writer`) must be granted write
  access on the tenant-owned destination by the tenant.
- The Identity Platform tenant stays in the platform project and stack: authentication is one
  control plane.
- Network (`network:`): the tenant's firewall rules and NetworkPolicies within the platform's
  guardrails, an HA VPN to its network and a private ingress; every range of its VPC comes from
  the environment's address plan ([networking](networking.md)).
- Data: read replicas delivered to the app, a cross-region PostgreSQL replica and a
  multi-region Firestore, within the allowed regions, direct database access for the tenant's
  group over its VPN (RLS kept), and scheduled exports of the databases into the tenant's
  bucket ([enterprise data](enterprise-data.md)).
""",
    ),
}


def tier_spec(tier: Tier | str) -> TierSpec:
    return TIERS[Tier(tier)]


# --- views of the table, for the code that reads one aspect ---------------------------------------

PROFILES: dict[Tier, TierProfile] = {tier: spec.profile for tier, spec in TIERS.items()}

# Feature flags and the tiers that may turn each one on.
FEATURES: dict[str, tuple[Tier, ...]] = {
    flag: tuple(tier for tier, spec in TIERS.items() if flag in spec.features)
    for flag in FEATURE_FLAGS
}

KNOBS: tuple[TierKnob, ...] = tuple(
    TierKnob(path, description, {tier: spec.knobs[path] for tier, spec in TIERS.items()})
    for path, description in KNOB_DESCRIPTIONS.items()
)

# The most of anything one tenant of any tier can have: names and policies enumerate up to these.
MAX_POSTGRES_INSTANCES = max(spec.profile.databases.postgres_instances for spec in TIERS.values())


def platform_tiers() -> list[TierSpec]:
    """The tiers whose tenants live in the platform stack (built by that tier's component)."""
    return [spec for spec in TIERS.values() if not spec.own_stack]


KNOBS_BY_PATH = {knob.path: knob for knob in KNOBS}


def knob_allowed(path: str, tier: Tier) -> bool:
    knob = KNOBS_BY_PATH.get(path)
    return knob is not None and knob.bounds[tier] is not None
