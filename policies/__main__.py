"""Entry point of the policy pack: ``pulumi preview --policy-pack policies``.

This is the only module that constructs ``PolicyPack``: its constructor starts the analyzer's
gRPC server and serves until the engine stops it, so nothing may import this file (tests read it
as text). The explicit imports below are the pack's inventory, reviewed with every change;
``policies.pack`` discovers the same modules for ``tenancy check``.
"""

import contextlib
from pathlib import Path

from pulumi_policy import EnforcementLevel, PolicyPack

from domain.project import ProjectNotFoundError, find_project_root, set_project_dir
from policies.pack import ALL_POLICIES, PACK_DESCRIPTION, PACK_NAME, initial_config
from policies.rules.gcp import (
    gcp_order_identity_tenants_after_config,
    gcp_order_peerings_after_service_networking,
    gcp_order_resources_after_apis,
    gcp_require_managed_by_label,
    gcp_require_tenancy_labels,
    gcp_restrict_resource_regions,
)
from policies.rules.gcs import (
    gcs_enforce_public_access_prevention,
    gcs_require_access_logging,
    gcs_require_uniform_access,
    gcs_require_versioning,
)
from policies.rules.gke import (
    gke_disable_client_certificate,
    gke_disable_kubernetes_alpha,
    gke_disable_legacy_abac,
    gke_forbid_default_service_account,
    gke_require_image_pull_access,
    gke_require_network_policy,
    gke_require_node_auto_upgrade_repair,
    gke_require_private_nodes,
    gke_require_release_channel,
    gke_require_shielded_nodes,
    gke_require_workload_identity,
    gke_restrict_master_authorized_networks,
)
from policies.rules.iam import (
    iam_bind_workload_identity_to_own_namespace,
    iam_forbid_basic_roles,
    iam_forbid_default_service_accounts,
    iam_forbid_project_impersonation_roles,
    iam_forbid_public_principals,
    iam_order_bindings_after_pool,
    iam_restrict_tenant_grants_to_own_identity,
    iam_restrict_tenant_group_grants,
)
from policies.rules.k8s import (
    k8s_block_host_access,
    k8s_block_privileged_containers,
    k8s_bound_job_deadline,
    k8s_forbid_default_namespace,
    k8s_forbid_nodeport_services,
    k8s_forbid_secrets_in_env,
    k8s_forbid_tenant_cluster_rbac,
    k8s_forbid_tenant_loadbalancers,
    k8s_forbid_vulnerable_charts,
    k8s_require_datapath_metadata_server,
    k8s_require_default_deny_netpol,
    k8s_require_image_digests,
    k8s_require_namespace_limitrange,
    k8s_require_namespace_quota,
    k8s_require_oci_chart_reference,
    k8s_require_pod_security_labels,
    k8s_require_private_google_dns,
    k8s_restrict_tenant_app_values,
)
from policies.rules.kms import (
    kms_order_grants_after_service_agent,
    kms_require_key_rotation,
    kms_restrict_tenant_keys,
)
from policies.rules.monitoring import (
    monitoring_require_tenant_operations,
)
from policies.rules.sql import (
    sql_forbid_public_ip,
    sql_require_backups_and_pitr,
    sql_require_deletion_protection,
    sql_require_iam_group_login,
    sql_require_pgaudit,
    sql_require_postgres_log_flags,
    sql_require_tls,
    sql_require_user_deletion_policy,
)
from policies.rules.temporal import (
    temporal_bound_api_keys,
    temporal_bound_retention,
    temporal_enforce_namespace_name,
    temporal_require_namespace_auth,
    temporal_restrict_cloud_regions,
)
from policies.rules.tenancy import (
    tenancy_forbid_cross_tenant_references,
    tenancy_forbid_network_openings,
    tenancy_protect_stateful_resources,
)
from policies.rules.tier import (
    tier_forbid_free_dedicated_resources,
    tier_require_enterprise_cluster,
    tier_require_standard_database_set,
)

REGISTERED = (
    gcp_order_identity_tenants_after_config,
    gcp_order_peerings_after_service_networking,
    gcp_order_resources_after_apis,
    gcp_require_managed_by_label,
    gcp_require_tenancy_labels,
    gcp_restrict_resource_regions,
    gcs_enforce_public_access_prevention,
    gcs_require_access_logging,
    gcs_require_uniform_access,
    gcs_require_versioning,
    gke_disable_client_certificate,
    gke_disable_kubernetes_alpha,
    gke_disable_legacy_abac,
    gke_forbid_default_service_account,
    gke_require_image_pull_access,
    gke_require_network_policy,
    gke_require_node_auto_upgrade_repair,
    gke_require_private_nodes,
    gke_require_release_channel,
    gke_require_shielded_nodes,
    gke_require_workload_identity,
    gke_restrict_master_authorized_networks,
    iam_bind_workload_identity_to_own_namespace,
    iam_forbid_basic_roles,
    iam_forbid_default_service_accounts,
    iam_forbid_project_impersonation_roles,
    iam_forbid_public_principals,
    iam_order_bindings_after_pool,
    iam_restrict_tenant_group_grants,
    iam_restrict_tenant_grants_to_own_identity,
    k8s_block_host_access,
    k8s_block_privileged_containers,
    k8s_bound_job_deadline,
    k8s_forbid_default_namespace,
    k8s_forbid_nodeport_services,
    k8s_forbid_tenant_cluster_rbac,
    k8s_forbid_secrets_in_env,
    k8s_forbid_tenant_loadbalancers,
    k8s_forbid_vulnerable_charts,
    k8s_require_datapath_metadata_server,
    k8s_require_default_deny_netpol,
    k8s_require_image_digests,
    k8s_require_namespace_limitrange,
    k8s_require_namespace_quota,
    k8s_require_oci_chart_reference,
    k8s_require_pod_security_labels,
    k8s_require_private_google_dns,
    kms_order_grants_after_service_agent,
    k8s_restrict_tenant_app_values,
    kms_require_key_rotation,
    kms_restrict_tenant_keys,
    monitoring_require_tenant_operations,
    sql_forbid_public_ip,
    sql_require_backups_and_pitr,
    sql_require_deletion_protection,
    sql_require_iam_group_login,
    sql_require_pgaudit,
    sql_require_postgres_log_flags,
    sql_require_tls,
    sql_require_user_deletion_policy,
    temporal_bound_api_keys,
    temporal_bound_retention,
    temporal_enforce_namespace_name,
    temporal_require_namespace_auth,
    temporal_restrict_cloud_regions,
    tenancy_forbid_cross_tenant_references,
    tenancy_forbid_network_openings,
    tenancy_protect_stateful_resources,
    tier_forbid_free_dedicated_resources,
    tier_require_enterprise_cluster,
    tier_require_standard_database_set,
)

_listed = {module.POLICY.name for module in REGISTERED}
_discovered = {policy.name for policy in ALL_POLICIES}
if _listed != _discovered:
    raise SystemExit(
        "policies/__main__.py and policies/rules disagree: listed only "
        f"{sorted(_listed - _discovered)}, "
        f"not listed {sorted(_discovered - _listed)}"
    )

# The project whose environment the pack reads: found from the working directory as everywhere
# (domain.project), else the checkout the pack itself sits in (policies/ of the project).
try:
    find_project_root(Path.cwd())
except ProjectNotFoundError:
    # An installed pack outside any project: the facts report the missing project.
    with contextlib.suppress(ProjectNotFoundError):
        set_project_dir(Path(__file__).resolve().parent.parent)

PolicyPack(
    name=PACK_NAME,
    policies=ALL_POLICIES,
    enforcement_level=EnforcementLevel.ADVISORY,  # each policy sets its own level
    initial_config=initial_config(),
    description=PACK_DESCRIPTION,
    display_name="Tenancy isolation and security",
    provider="gcp",
    tags=["tenancy", "isolation", "gcp", "kubernetes", "temporal"],
)
