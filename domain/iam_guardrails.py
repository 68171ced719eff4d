"""What an enterprise tenant's own IAM may and may not hold (issue 16): the permissions refused in
its custom roles and the predefined roles its group may be granted on each of its resources.

A tenant's custom roles live in its own project and are granted to its own group, but a project
permission can still reach beyond the tenant: changing who has access (``*.setIamPolicy``),
acting as or minting credentials for the platform's service accounts, editing roles, leaving the
project (org, folder, billing, org policy), exporting logs elsewhere, or changing the network
perimeter and the managed data stores the platform runs. Those are refused, each with its reason.

Sources: IAM permission reference and custom role docs
(https://cloud.google.com/iam/docs/understanding-custom-roles: permissions only available at the
organization level cannot be used in project-level custom roles;
https://cloud.google.com/iam/docs/service-account-permissions: actAs, getAccessToken, signBlob,
signJwt, implicitDelegation and key creation let a principal act as the service account;
https://cloud.google.com/iam/docs/roles-permissions for the permission names). The registry and
the policy ``iam-restrict-tenant-group-grants`` both read this module.
"""

from __future__ import annotations

import fnmatch

GUARDRAIL_SOURCE = "https://cloud.google.com/iam/docs/understanding-custom-roles"

# (pattern, reason): fnmatch patterns on the permission name, first match wins.
REFUSED_PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("*.setIamPolicy", "changes who has access to a resource (grants could leave the tenant)"),
    ("*.setIamPermissions", "changes who has access to a resource"),
    ("iam.roles.*", "creates or changes IAM roles, a path to escalation"),
    ("iam.serviceAccounts.actAs", "acts as a service account, including the platform's"),
    ("iam.serviceAccounts.getAccessToken", "mints credentials of a service account"),
    ("iam.serviceAccounts.getOpenIdToken", "mints credentials of a service account"),
    ("iam.serviceAccounts.implicitDelegation", "mints credentials of a service account"),
    ("iam.serviceAccounts.signBlob", "signs as a service account"),
    ("iam.serviceAccounts.signJwt", "signs as a service account"),
    ("iam.serviceAccountKeys.*", "long-lived keys leave the platform's control"),
    ("iam.workloadIdentityPools.*", "federates outside identities into the project"),
    ("iam.workloadIdentityPoolProviders.*", "federates outside identities into the project"),
    ("iam.denypolicies.*", "changes deny policies"),
    ("resourcemanager.organizations.*", "organization-level: outside the tenant's project"),
    ("resourcemanager.folders.*", "folder-level: outside the tenant's project"),
    ("resourcemanager.projects.create", "creates projects outside the tenant's one"),
    ("resourcemanager.projects.delete", "deletes the tenant's project (the platform's to do)"),
    ("resourcemanager.projects.move", "moves the project out of the platform's folder"),
    ("resourcemanager.projects.update", "changes the project's parent and metadata"),
    ("resourcemanager.projects.undelete", "the project's lifecycle is the platform's"),
    ("resourcemanager.projects.*BillingAssignment", "changes the project's billing"),
    ("resourcemanager.tagBindings.*", "tags can switch organization policies"),
    ("resourcemanager.tagValues.*", "tags can switch organization policies"),
    ("resourcemanager.tagKeys.*", "tags can switch organization policies"),
    ("billing.*", "billing accounts are the platform's"),
    ("orgpolicy.*", "organization policies are the platform's"),
    ("accesscontextmanager.*", "service perimeters are organization-level"),
    ("serviceusage.services.enable", "the project's APIs are the platform's"),
    ("serviceusage.services.disable", "disabling an API breaks the platform's resources"),
    ("logging.sinks.create", "a sink exports logs out of the project"),
    ("logging.sinks.update", "a sink exports logs out of the project"),
    ("logging.sinks.delete", "the audit sink is the platform's"),
    ("logging.settings.update", "changes where the project's logs are routed"),
    ("logging.buckets.delete", "audit logs are kept by the platform"),
    ("logging.buckets.update", "audit log retention is the platform's"),
    ("compute.networks.*Peering", "peering is declared in the tenant file (vpc_peering)"),
    ("compute.networks.create", "the VPC is the platform's"),
    ("compute.networks.delete", "the VPC is the platform's"),
    ("compute.networks.update*", "the VPC is the platform's"),
    ("compute.firewalls.create", "firewall rules are declared in the tenant file"),
    ("compute.firewalls.update", "firewall rules are declared in the tenant file"),
    ("compute.firewalls.delete", "firewall rules are declared in the tenant file"),
    ("compute.routes.create", "routes could send traffic out of the perimeter"),
    ("compute.routes.delete", "routes are the platform's"),
    ("compute.subnetworks.create", "subnets come from the platform's address plan"),
    ("compute.subnetworks.update", "subnets come from the platform's address plan"),
    ("compute.subnetworks.delete", "subnets come from the platform's address plan"),
    ("compute.subnetworks.expandIpCidrRange", "subnets come from the platform's address plan"),
    ("compute.vpnGateways.*", "VPN is declared in the tenant file"),
    ("compute.vpnTunnels.*", "VPN is declared in the tenant file"),
    ("compute.projects.setCommonInstanceMetadata", "project metadata can grant SSH to any VM"),
    ("container.clusters.create", "the cluster is the platform's"),
    ("container.clusters.delete", "the cluster is the platform's"),
    ("container.clusters.update", "the cluster's security settings are the platform's"),
    ("container.clusterRoleBindings.*", "cluster-wide RBAC is the platform's"),
    ("container.clusterRoles.*", "cluster-wide RBAC is the platform's"),
    ("container.roles.bind", "RBAC escalation"),
    ("container.roles.escalate", "RBAC escalation"),
    ("cloudsql.instances.create", "the Cloud SQL instances are the platform's"),
    ("cloudsql.instances.delete", "the Cloud SQL instances are the platform's"),
    ("cloudsql.instances.update", "TLS, private IP and backups are the platform's"),
    ("cloudsql.users.*", "database logins are the platform's (row-level security)"),
    ("cloudkms.cryptoKeyVersions.destroy", "destroying a key version destroys the data"),
    ("cloudkms.cryptoKeys.update", "key rotation is the platform's"),
    ("storage.buckets.create", "buckets are the platform's (public access prevention)"),
    ("storage.buckets.delete", "buckets are the platform's"),
    ("storage.buckets.update", "bucket security settings are the platform's"),
    ("datastore.databases.delete", "the Firestore database is the platform's"),
    ("datastore.databases.update", "the Firestore database is the platform's"),
)

# Predefined roles the tenant's group may be granted, per target. Custom roles of the tenant file
# may be granted on any target. Sources: the predefined roles reference
# (https://cloud.google.com/iam/docs/understanding-roles), read-only or data roles only.
ALLOWED_PREDEFINED_ROLES: dict[str, tuple[str, ...]] = {
    "project": (
        "roles/browser",
        "roles/cloudsql.viewer",
        "roles/container.viewer",
        "roles/datastore.viewer",
        "roles/iam.securityReviewer",
        "roles/cloudkms.viewer",
    ),
    "bucket": (
        "roles/storage.objectViewer",
        "roles/storage.objectCreator",
        "roles/storage.objectUser",
        "roles/storage.objectAdmin",
    ),
    "logs": ("roles/logging.viewer", "roles/logging.privateLogViewer"),
    "dashboards": (
        "roles/monitoring.viewer",
        "roles/monitoring.dashboardViewer",
        "roles/monitoring.dashboardEditor",
    ),
}
GRANT_TARGETS = tuple(ALLOWED_PREDEFINED_ROLES)


def permission_refusal(permission: str) -> str | None:
    """Why ``permission`` may not be in a tenant's custom role, or None when it may."""
    for pattern, reason in REFUSED_PERMISSIONS:
        if fnmatch.fnmatchcase(permission, pattern):
            return reason
    return None


def predefined_role_refusal(role: str, target: str) -> str | None:
    """Why the predefined ``role`` may not be granted to the tenant's group on ``target``."""
    allowed = ALLOWED_PREDEFINED_ROLES.get(target)
    if allowed is None:
        return f"unknown target; known: {', '.join(GRANT_TARGETS)}"
    if role not in allowed:
        return f"not allowed on {target}; allowed: {', '.join(allowed)} or a custom role"
    return None
