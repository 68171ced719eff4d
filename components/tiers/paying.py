"""What NamespaceTenant and DedicatedCluster share: turning a paying tenant and its environment into
the flat arguments of TenantServices. The tier components are the one place where domain objects
become building-block arguments."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from components.blocks.tenant_services import TenantServicesArgs
from components.conventions import Ownership
from domain import names
from domain.environment import EnvironmentSettings
from domain.profile import effective_profile
from domain.registry import TenantBase
from domain.tiers import tier_spec


def tenant_services_args(
    settings: EnvironmentSettings,
    tenant: TenantBase,
    ownership: Ownership,
    *,
    project: pulumi.Input[str],
    gcp_provider: pulumi.ProviderResource,
    identity_tenant_name: pulumi.Input[str],
    k8s_provider: pulumi.ProviderResource,
    network: pulumi.Input[str],
    private_services_cidr: pulumi.Input[str],
    hosts: list[str],
    cmek: bool,
    notification_channels: pulumi.Input[Sequence[pulumi.Input[str]]],
    api_server_cidrs: list[str],
    depends_on: list[pulumi.Resource] | None = None,
    workload_pool_ready: list[pulumi.Resource] | None = None,
    storage_api: list[pulumi.Resource] | None = None,
    private_ingress_class: str | None = None,
) -> TenantServicesArgs:
    profile = effective_profile(tenant, settings.temporal)
    # Enterprise customisation: the environment's chart at the tenant's version, its values.
    app = getattr(tenant, "app", None)
    app_chart = settings.app_chart
    if app is not None and app.chart_version is not None:
        app_chart = app_chart.model_copy(update={"version": app.chart_version})
    values = app.values if app is not None else None
    if profile.namespace_quota is None:
        raise ValueError(f"tier {tenant.tier.value!r} gives tenants no namespace quota")
    return TenantServicesArgs(
        tenant_id=tenant.id,
        region=tenant.region,
        contact_email=tenant.contact_email,
        status=tenant.status.value,
        ownership=ownership,
        environment=settings.environment,
        platform_project=settings.project,
        project=project,
        gcp_provider=gcp_provider,
        identity_tenant_name=identity_tenant_name,
        k8s_provider=k8s_provider,
        network=network,
        private_services_cidr=private_services_cidr,
        hosts=hosts,
        cmek=cmek,
        depends_on=depends_on or [],
        workload_pool_ready=workload_pool_ready or [],
        storage_api=storage_api or [],
        datapath=settings.gke_datapath,
        namespace_quota=profile.namespace_quota,
        postgres_instances=tier_spec(tenant.tier).databases.postgres_instances,
        postgres_tier=profile.postgres_tier,
        postgres_disk_gb=profile.postgres_disk_gb,
        postgres_availability=profile.postgres_availability,
        postgres_read_replicas=profile.postgres_read_replicas,
        postgres_cross_region_replica=getattr(
            tenant.databases, "postgres_cross_region_replica", None
        ),
        firestore_location=getattr(tenant.databases, "firestore_location", None),
        postgres_direct_group=direct.group
        if (direct := getattr(tenant.databases, "direct_access", None)) is not None
        else None,
        postgres_direct_writes=direct is not None and not direct.read_only,
        backup_retention_days=profile.backup_retention_days,
        neo4j_storage_gb=profile.neo4j_storage_gb,
        neo4j_cluster=profile.neo4j_cluster,
        temporal_retention_days=profile.temporal_retention_days,
        temporal_regions=profile.temporal_regions,
        api_rate_limit_per_min=profile.api_rate_limit_per_min,
        storage_quota_gb=profile.storage_quota_gb,
        features=profile.features,
        app_chart=app_chart,
        app_values=values.helm_values() if values is not None else {},
        app_config=dict(values.config or {}) if values is not None else {},
        neo4j_chart=settings.neo4j_chart,
        migrations_image=settings.migrations_image,
        temporal_backend=settings.temporal.backend,
        temporal_endpoint=settings.temporal.endpoint,
        temporal_api_keys=settings.temporal.api_keys,
        notification_channels=notification_channels,
        slo_target_percent=profile.slo_target_percent,
        ai_tokens_per_month=profile.ai_tokens_per_month,
        max_concurrency=profile.max_concurrency,
        api_server_cidrs=api_server_cidrs,
        kubectl_image=settings.ops_images.kubectl,
        gcloud_image=settings.ops_images.gcloud,
        neo4j_enterprise_image=settings.ops_images.neo4j_enterprise,
        maintenance_url=names.maintenance_url(settings.app_domain, tenant.id),
        private_ingress_class=private_ingress_class,
        export_schedule=exports.schedule
        if (exports := getattr(tenant.databases, "exports", None)) is not None
        else None,
        cloud_sql_proxy_image=settings.ops_images.cloud_sql_proxy,
        postgres_client_image=settings.ops_images.postgres_client,
        neo4j_shell_image=settings.ops_images.neo4j_shell,
    )
