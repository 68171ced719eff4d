"""A tenant's effective settings: its tier profile with the overrides the tier allows applied."""
from __future__ import annotations

from dataclasses import dataclass, replace

from tenancy.environment import TemporalSettings
from tenancy.registry.models import EnterpriseTenant, TenantBase
from tenancy.tiers import PROFILES, NamespaceQuota, Tier


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


def effective_profile(tenant: TenantBase, temporal: TemporalSettings) -> EffectiveProfile:
    profile = PROFILES[Tier(tenant.tier)]
    limits, dbs, tmp = tenant.limits, tenant.databases, tenant.temporal
    quota = profile.namespace_quota
    if quota is not None and limits is not None:
        quota = replace(
            quota,
            cpu=str(limits.namespace_cpu) if limits.namespace_cpu else quota.cpu,
            memory=f"{limits.namespace_memory_gi}Gi" if limits.namespace_memory_gi else quota.memory,
            pods=limits.namespace_pods or quota.pods,
        )
    ha = isinstance(tenant, EnterpriseTenant) and tenant.ha
    regions = list(tmp.regions) if tmp and tmp.regions else [temporal.default_region]
    if ha and len(regions) == 1 and temporal.ha_region != regions[0]:
        regions.append(temporal.ha_region)
    return EffectiveProfile(
        api_rate_limit_per_min=(limits.api_rate_limit_per_min if limits and limits.api_rate_limit_per_min else profile.api_rate_limit_per_min),
        storage_quota_gb=(limits.storage_quota_gb if limits and limits.storage_quota_gb else profile.storage_quota_gb),
        backup_retention_days=(limits.backup_retention_days if limits and limits.backup_retention_days else profile.backup_retention_days),
        namespace_quota=quota,
        postgres_tier=(dbs.postgres_tier if dbs and dbs.postgres_tier else profile.postgres_tier),
        postgres_disk_gb=(dbs.postgres_disk_gb if dbs and dbs.postgres_disk_gb else profile.postgres_disk_gb),
        postgres_availability="REGIONAL" if ha else profile.databases.postgres_availability,
        postgres_read_replicas=(dbs.postgres_read_replicas or 0) if dbs else 0,
        neo4j_storage_gb=(dbs.neo4j_storage_gb if dbs and dbs.neo4j_storage_gb else profile.neo4j_storage_gb),
        neo4j_cluster=ha,
        temporal_retention_days=(tmp.retention_days if tmp and tmp.retention_days else profile.temporal_retention_days),
        temporal_regions=regions,
        features={**profile.features, **tenant.features},
        sla=profile.sla,
    )
