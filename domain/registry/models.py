"""The tenant file format: ``tenants/<id>.yaml``, one tenant per file.

Fields shared by every tier live on ``TenantBase``; fields of one tier live on that tier's
model, so a field used on the wrong tier is refused with the tier that does allow it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain import names
from domain.tiers import FEATURES, Status, Tier

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"
DOMAIN_PATTERN = r"^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
GCP_REGION_PATTERN = r"^[a-z]+-[a-z]+[0-9]$"
TEMPORAL_REGION_PATTERN = r"^(aws|gcp)-[a-z]+-[a-z]+-?[0-9]$"
MACHINE_TYPE_PATTERN = r"^[a-z][a-z0-9]*-[a-z0-9-]+$"


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Limits(StrictModel):
    """Limit overrides; which tier may set which one is the override matrix in domain.tiers."""

    api_rate_limit_per_min: int | None = Field(None, gt=0, description="Requests per minute.")
    storage_quota_gb: int | None = Field(None, gt=0, description="Bucket storage quota, GB.")
    backup_retention_days: int | None = Field(None, gt=0, description="Backup retention, days.")
    namespace_cpu: int | None = Field(None, gt=0, description="Namespace CPU quota, cores.")
    namespace_memory_gi: int | None = Field(None, gt=0, description="Namespace memory quota, GiB.")
    namespace_pods: int | None = Field(None, gt=0, description="Namespace pod quota.")


class DatabaseSizing(StrictModel):
    postgres_tier: str | None = Field(
        None, pattern=r"^db-[a-z0-9-]+$", description="Cloud SQL tier."
    )
    postgres_disk_gb: int | None = Field(None, gt=0)
    postgres_read_replicas: int | None = Field(None, ge=0)
    neo4j_storage_gb: int | None = Field(None, gt=0)


class TemporalOptions(StrictModel):
    retention_days: int | None = Field(None, ge=1, le=90, description="Workflow history retention.")
    regions: list[Annotated[str, Field(pattern=TEMPORAL_REGION_PATTERN)]] | None = Field(
        None,
        min_length=1,
        max_length=2,
        description="Temporal Cloud regions, e.g. gcp-us-central1.",
    )


class NodePool(StrictModel):
    name: str = Field(pattern=r"^[a-z](?:[-a-z0-9]{0,28}[a-z0-9])?$")
    machine_type: str = Field("e2-standard-4", pattern=MACHINE_TYPE_PATTERN)
    min_nodes: int = Field(1, ge=0, le=100)
    max_nodes: int = Field(3, ge=1, le=1000)
    disk_size_gb: int = Field(100, ge=10, le=65536)
    spot: bool = False


class VpcPeering(StrictModel):
    network: str = Field(
        pattern=r"^projects/[a-z][-a-z0-9]{4,28}[a-z0-9]/global/networks/[a-z](?:[-a-z0-9]*[a-z0-9])?$",
        description="Self link of the tenant's VPC network to peer with.",
    )
    export_custom_routes: bool = False


class LogSink(StrictModel):
    destination: str = Field(
        pattern=r"^(storage|bigquery|pubsub|logging)\.googleapis\.com/.+$",
        description="A tenant-owned Cloud Logging sink destination.",
    )
    filter: str | None = None


class TenantBase(StrictModel):
    id: str = Field(
        description="Tenant id; every physical name derives from it (see docs/tenant-file.md)."
    )
    display_name: str = Field(min_length=1, max_length=100)
    status: Status = Status.ACTIVE
    region: str = Field(
        pattern=GCP_REGION_PATTERN, description="GCP region of the tenant's resources."
    )
    contact_email: str = Field(pattern=EMAIL_PATTERN)
    features: dict[str, bool] = Field(default_factory=dict, description="Feature toggles.")
    limits: Limits | None = None
    databases: DatabaseSizing | None = None
    temporal: TemporalOptions | None = None

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        problems = names.id_problems(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("features")
    @classmethod
    def _known_features(cls, value: dict[str, bool]) -> dict[str, bool]:
        unknown = sorted(set(value) - set(FEATURES))
        if unknown:
            raise ValueError(f"unknown feature flag(s) {unknown}; known: {sorted(FEATURES)}")
        return value


class FreeTenant(TenantBase):
    tier: Literal[Tier.FREE]


class StandardTenant(TenantBase):
    tier: Literal[Tier.STANDARD]
    subdomain: str | None = Field(
        None,
        pattern=r"^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$",
        description="Label under the app domain; defaults to the id.",
    )
    placement: str = Field(
        description="Name of the shared cluster (environment config) hosting the namespace."
    )
    cmek: bool = Field(
        False, description="Encrypt the tenant bucket with its own KMS key (rotated every 90 days)."
    )

    @property
    def host_label(self) -> str:
        return self.subdomain or self.id


class EnterpriseTenant(TenantBase):
    tier: Literal[Tier.ENTERPRISE]
    custom_domain: str = Field(
        pattern=DOMAIN_PATTERN, max_length=253, description="e.g. app.tenantcompany.com (CNAME)."
    )
    dedicated_project: bool = Field(False, description="Create a GCP project of the tenant's own.")
    ha: bool = Field(
        True, description="REGIONAL Cloud SQL, Neo4j cluster mode, Temporal in two regions."
    )
    cmek: bool = Field(
        True, description="Encrypt the tenant bucket with its own KMS key (rotated every 90 days)."
    )
    vpc_peering: VpcPeering | None = None
    log_sink: LogSink | None = None
    network_cidr: str = Field(
        "10.20.0.0/20",
        pattern=r"^10\.\d+\.\d+\.\d+/\d+$",
        description="Node subnet of the dedicated VPC (must not overlap a peered network).",
    )
    node_pools: list[NodePool] = Field(
        default_factory=lambda: [NodePool(name="default")], min_length=1, max_length=10
    )


Tenant = Annotated[FreeTenant | StandardTenant | EnterpriseTenant, Field(discriminator="tier")]
TIER_MODELS: dict[Tier, type[TenantBase]] = {
    Tier.FREE: FreeTenant,
    Tier.STANDARD: StandardTenant,
    Tier.ENTERPRISE: EnterpriseTenant,
}

# Which tiers each tier-specific field belongs to, for "not allowed for this tier" messages.
TIER_ONLY_FIELDS: dict[str, tuple[Tier, ...]] = {
    name: tuple(tier for tier, model in TIER_MODELS.items() if name in model.model_fields)
    for model in TIER_MODELS.values()
    for name in model.model_fields
    if name not in TenantBase.model_fields and name != "tier"
}
