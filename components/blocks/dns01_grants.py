"""What cert-manager needs for DNS-01 in Cloud DNS, and no more: record and change permissions
on the one zone it answers challenges in, plus listing zones to find it.

Source: cert-manager, "Google CloudDNS" (https://cert-manager.io/docs/configuration/acme/dns01/google/):
least privilege is a custom role with dns.resourceRecordSets.*, dns.changes.* and
dns.managedZones.list. Cloud DNS accepts IAM on a single zone (https://cloud.google.com/dns/docs/zones/iam-per-resource-zones).
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

# Custom roles take no wildcards: the expanded dns.resourceRecordSets.* and dns.changes.*.
ZONE_PERMISSIONS = (
    "dns.resourceRecordSets.create",
    "dns.resourceRecordSets.delete",
    "dns.resourceRecordSets.get",
    "dns.resourceRecordSets.list",
    "dns.resourceRecordSets.update",
    "dns.changes.create",
    "dns.changes.get",
    "dns.changes.list",
)
PROJECT_PERMISSIONS = ("dns.managedZones.list",)


def _role_id(name: str, suffix: str) -> str:
    return f"{name}_{suffix}".replace("-", "_")


def _role_name(project: pulumi.Input[str], role_id: str) -> pulumi.Output[str]:
    # Known at preview (the custom role's output is not), so the grant rules can read it.
    return pulumi.Output.concat("projects/", project, "/roles/", role_id)


def dns01_grants(
    name: str,
    project: pulumi.Input[str],
    zone: pulumi.Input[str],
    member: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> None:
    """Zone-level record edits and project-level zone listing for ``member``."""
    zone_role_id, list_role_id = _role_id(name, "dns01_records"), _role_id(name, "dns01_zones")
    zone_role = gcp.projects.IAMCustomRole(
        f"{name}-dns01-zone-role",
        project=project,
        role_id=zone_role_id,
        title="cert-manager DNS-01 records",
        description="Create and delete ACME challenge records in one zone",
        permissions=list(ZONE_PERMISSIONS),
        opts=opts,
    )
    list_role = gcp.projects.IAMCustomRole(
        f"{name}-dns01-list-role",
        project=project,
        role_id=list_role_id,
        title="cert-manager DNS-01 zone lookup",
        description="List managed zones to find the challenge zone",
        permissions=list(PROJECT_PERMISSIONS),
        opts=opts,
    )
    gcp.dns.DnsManagedZoneIamMember(
        f"{name}-dns01-zone",
        project=project,
        managed_zone=zone,
        role=_role_name(project, zone_role_id),
        member=member,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[zone_role])),
    )
    gcp.projects.IAMMember(
        f"{name}-dns01-list",
        project=project,
        role=_role_name(project, list_role_id),
        member=member,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[list_role])),
    )
