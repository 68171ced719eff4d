"""Tier profiles (seed 002's defaults) and the override matrix: which knob each tier may change.

The matrix is data so that validation and ``docs/tiers.md`` come from the same place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


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


# Feature flags and the tiers that may turn each one on.
FEATURES: dict[str, tuple[Tier, ...]] = {
    "recommendations": (Tier.STANDARD, Tier.ENTERPRISE),
    "social": (Tier.STANDARD, Tier.ENTERPRISE),
    "comments": (Tier.STANDARD, Tier.ENTERPRISE),
    "multi_user": (Tier.STANDARD, Tier.ENTERPRISE),
    "scheduled_exports": (Tier.STANDARD, Tier.ENTERPRISE),
    "custom_roles": (Tier.ENTERPRISE,),
    "audit_logs": (Tier.ENTERPRISE,),
    "direct_db_access": (Tier.ENTERPRISE,),
}

PROFILES: dict[Tier, TierProfile] = {
    Tier.FREE: TierProfile(
        tier=Tier.FREE,
        api_rate_limit_per_min=100,
        storage_quota_gb=1,
        backup_retention_days=7,
        sla="best effort",
        support="community / email",
        databases=DatabaseSet(0, "ZONAL", "none", "shared", "1 PostgreSQL + 1 Firestore (shared)"),
        namespace_quota=None,
        postgres_tier="db-custom-2-7680",
        postgres_disk_gb=100,
        neo4j_storage_gb=0,
        temporal_retention_days=3,
        slo_target_percent=None,  # best effort: no SLO
        ai_tokens_per_month=100_000,
        max_concurrency=5,
        features={name: False for name in FEATURES},
    ),
    Tier.STANDARD: TierProfile(
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
        features={name: Tier.STANDARD in tiers for name, tiers in FEATURES.items()},
    ),
    Tier.ENTERPRISE: TierProfile(
        tier=Tier.ENTERPRISE,
        api_rate_limit_per_min=None,
        storage_quota_gb=None,
        backup_retention_days=365,
        sla="99.9% or custom",
        support="dedicated account manager",
        databases=DatabaseSet(
            3, "REGIONAL", "cluster", "dedicated", "3 PostgreSQL (HA) + Neo4j cluster + Firestore"
        ),
        namespace_quota=NamespaceQuota(cpu="32", memory="64Gi", pods=500, pvcs=50, services=100),
        postgres_tier="db-custom-4-15360",
        postgres_disk_gb=100,
        neo4j_storage_gb=100,
        temporal_retention_days=30,
        slo_target_percent=99.9,
        ai_tokens_per_month=50_000_000,
        max_concurrency=500,
        features={name: True for name in FEATURES},
    ),
}


@dataclass(frozen=True)
class Knob:
    """One overridable setting: its path in the tenant file and per-tier bounds.

    ``bounds[tier]`` is None when the tier may not set it, else (min, max) for numbers
    or a tuple of allowed values for strings.
    """

    path: str
    description: str
    bounds: dict[Tier, tuple | None]


STANDARD_POSTGRES_TIERS = ("db-custom-1-3840", "db-custom-2-7680", "db-custom-2-13312")
NUMERIC = "numeric"

KNOBS: tuple[Knob, ...] = (
    Knob(
        "limits.api_rate_limit_per_min",
        "API rate limit, requests per minute",
        {Tier.FREE: None, Tier.STANDARD: None, Tier.ENTERPRISE: (1, 1_000_000)},
    ),
    Knob(
        "limits.storage_quota_gb",
        "Storage quota of the tenant bucket, GB",
        {Tier.FREE: None, Tier.STANDARD: (1, 500), Tier.ENTERPRISE: (1, 1_000_000)},
    ),
    Knob(
        "limits.backup_retention_days",
        "Backup retention, days",
        {Tier.FREE: None, Tier.STANDARD: None, Tier.ENTERPRISE: (7, 3650)},
    ),
    Knob(
        "limits.slo_target_percent",
        "Availability and request-success SLO target, percent",
        {Tier.FREE: None, Tier.STANDARD: None, Tier.ENTERPRISE: (99.0, 99.99)},
    ),
    Knob(
        "limits.ai_tokens_per_month",
        "AI usage cap, tokens per month",
        {Tier.FREE: None, Tier.STANDARD: None, Tier.ENTERPRISE: (1, 10**12)},
    ),
    Knob(
        "limits.max_concurrency",
        "Concurrent requests and Temporal tasks per tenant",
        {Tier.FREE: None, Tier.STANDARD: None, Tier.ENTERPRISE: (1, 100_000)},
    ),
    Knob(
        "limits.namespace_cpu",
        "Namespace CPU quota, cores",
        {Tier.FREE: None, Tier.STANDARD: (1, 16), Tier.ENTERPRISE: (1, 1024)},
    ),
    Knob(
        "limits.namespace_memory_gi",
        "Namespace memory quota, GiB",
        {Tier.FREE: None, Tier.STANDARD: (1, 32), Tier.ENTERPRISE: (1, 4096)},
    ),
    Knob(
        "limits.namespace_pods",
        "Namespace pod quota",
        {Tier.FREE: None, Tier.STANDARD: (10, 200), Tier.ENTERPRISE: (10, 5000)},
    ),
    Knob(
        "databases.postgres_tier",
        "Cloud SQL machine tier of the dedicated instances",
        {Tier.FREE: None, Tier.STANDARD: STANDARD_POSTGRES_TIERS, Tier.ENTERPRISE: ("*",)},
    ),
    Knob(
        "databases.postgres_disk_gb",
        "Cloud SQL disk size, GB",
        {Tier.FREE: None, Tier.STANDARD: (10, 200), Tier.ENTERPRISE: (10, 10_000)},
    ),
    Knob(
        "databases.postgres_read_replicas",
        "Read replicas per PostgreSQL instance",
        {Tier.FREE: None, Tier.STANDARD: None, Tier.ENTERPRISE: (0, 3)},
    ),
    Knob(
        "databases.neo4j_storage_gb",
        "Neo4j volume size, GB",
        {Tier.FREE: None, Tier.STANDARD: (10, 200), Tier.ENTERPRISE: (10, 10_000)},
    ),
    Knob(
        "temporal.retention_days",
        "Temporal namespace retention, days",
        {Tier.FREE: None, Tier.STANDARD: (1, 30), Tier.ENTERPRISE: (1, 90)},
    ),
    Knob(
        "temporal.regions",
        "Temporal Cloud regions (two for HA)",
        {Tier.FREE: None, Tier.STANDARD: ("one region",), Tier.ENTERPRISE: ("one or two regions",)},
    ),
    # Enterprise customisation (issue 16): domain/registry/enterprise.py holds their schemas.
    Knob(
        "app.chart_version",
        "Version of the environment's app chart (SemVer; repository and chart stay the "
        "environment's)",
        {Tier.FREE: None, Tier.STANDARD: None, Tier.ENTERPRISE: ("any SemVer",)},
    ),
    Knob(
        "app.values",
        "Helm values of the app chart: replicaCount, resources, autoscaling, nodeSelector "
        "(own node pool), config (CUSTOM_* settings)",
        {Tier.FREE: None, Tier.STANDARD: None, Tier.ENTERPRISE: ("the allowed keys",)},
    ),
    Knob(
        "identity.group",
        "The tenant's own Google group, granted the roles of identity.grants",
        {Tier.FREE: None, Tier.STANDARD: None, Tier.ENTERPRISE: ("a group email",)},
    ),
    Knob(
        "identity.custom_roles",
        "Custom IAM roles created in the tenant's project (no guardrailed permission)",
        {Tier.FREE: None, Tier.STANDARD: None, Tier.ENTERPRISE: ("up to 300",)},
    ),
    Knob(
        "identity.grants",
        "Roles granted to the group on its project, bucket, logs or dashboards",
        {Tier.FREE: None, Tier.STANDARD: None, Tier.ENTERPRISE: ("allowed roles, own roles",)},
    ),
    Knob(
        "features.<flag>",
        "Feature toggles (only flags available to the tier)",
        {Tier.FREE: None, Tier.STANDARD: ("standard flags",), Tier.ENTERPRISE: ("all flags",)},
    ),
)

KNOBS_BY_PATH = {knob.path: knob for knob in KNOBS}


def knob_allowed(path: str, tier: Tier) -> bool:
    knob = KNOBS_BY_PATH.get(path)
    return knob is not None and knob.bounds[tier] is not None
