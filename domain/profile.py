"""A tenant's effective settings: its tier profile with the overrides the tier allows applied."""

from __future__ import annotations

from dataclasses import dataclass, replace

from domain.environment import TemporalSettings
from domain.registry.models import EnterpriseTenant, TenantBase
from domain.tiers import PROFILES, NamespaceQuota, Tier


@dataclass(frozen=True)
class EffectiveProfile:
    api_rate_limit_per_min: int | None
    storage_quota_gb: int | None
    backup_retention_days: int
    namespace_quota: NamespaceQuota | None
    postgres_tier: str
    postgres_disk_gb: int
    postgres_availability: str
    postgres_read_replicas: int
    neo4j_storage_gb: int
    neo4j_cluster: bool
    temporal_retention_days: int
    temporal_regions: list[str]
    features: dict[str, bool]
    sla: str


def _override(block, name: str, default):
    """The tenant's value for ``block.name`` if it set one, else the tier default."""
    value = getattr(block, name) if block is not None else None
    return default if value is None else value


def effective_profile(tenant: TenantBase, temporal: TemporalSettings) -> EffectiveProfile:
    profile = PROFILES[Tier(tenant.tier)]
    limits, dbs, tmp = tenant.limits, tenant.databases, tenant.temporal
    quota = profile.namespace_quota
    if quota is not None:
        memory_gi = _override(limits, "namespace_memory_gi", None)
        quota = replace(
            quota,
            cpu=str(_override(limits, "namespace_cpu", quota.cpu)),
            memory=f"{memory_gi}Gi" if memory_gi else quota.memory,
            pods=_override(limits, "namespace_pods", quota.pods),
        )
    ha = isinstance(tenant, EnterpriseTenant) and tenant.ha
    regions = list(_override(tmp, "regions", [temporal.default_region]))
    if ha and len(regions) == 1 and temporal.ha_region != regions[0]:
        regions.append(temporal.ha_region)
    return EffectiveProfile(
        api_rate_limit_per_min=_override(
            limits, "api_rate_limit_per_min", profile.api_rate_limit_per_min
        ),
        storage_quota_gb=_override(limits, "storage_quota_gb", profile.storage_quota_gb),
        backup_retention_days=_override(
            limits, "backup_retention_days", profile.backup_retention_days
        ),
        namespace_quota=quota,
        postgres_tier=_override(dbs, "postgres_tier", profile.postgres_tier),
        postgres_disk_gb=_override(dbs, "postgres_disk_gb", profile.postgres_disk_gb),
        postgres_availability="REGIONAL" if ha else profile.databases.postgres_availability,
        postgres_read_replicas=_override(dbs, "postgres_read_replicas", 0),
        neo4j_storage_gb=_override(dbs, "neo4j_storage_gb", profile.neo4j_storage_gb),
        neo4j_cluster=ha,
        temporal_retention_days=_override(tmp, "retention_days", profile.temporal_retention_days),
        temporal_regions=regions,
        features={**profile.features, **tenant.feature_overrides},
        sla=profile.sla,
    )
