"""An enterprise tenant's own identity in its own project (issue 16): the custom IAM roles of its
tenant file and the roles its group is granted on its project, bucket, logs and dashboards.

Validation (domain/registry/enterprise.py, domain/iam_guardrails.py) has refused guardrailed
permissions, roles not allowed on a target and grants outside the tenant's own project; the
policy iam-restrict-tenant-group-grants holds the plan to the same rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.conventions import Ownership, child


@dataclass(frozen=True)
class RoleSpec:
    role_id: str
    title: str
    permissions: list[str]
    description: str | None = None


@dataclass(frozen=True)
class GrantSpec:
    role: str  # roles/... or the role_id of one of the custom roles
    target: str  # project | bucket | logs | dashboards


@dataclass
class TenantIdentityArgs:
    tenant_id: str
    project: pulumi.Input[str]  # the tenant's own project
    group: str | None  # the tenant's Google group (email)
    bucket_name: pulumi.Input[str]
    ownership: Ownership
    custom_roles: list[RoleSpec] = field(default_factory=list)
    grants: list[GrantSpec] = field(default_factory=list)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class TenantIdentity(pulumi.ComponentResource):
    roles: dict[str, gcp.projects.IAMCustomRole]

    def __init__(
        self, name: str, args: TenantIdentityArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("tenancy:blocks:TenantIdentity", name, {}, opts)
        own = args.ownership
        self.roles = {}
        for spec in args.custom_roles:
            # Protected: a deleted custom role's id cannot be used again for up to 37 days
            # (terraform-provider-google, google_project_iam_custom_role docs).
            self.roles[spec.role_id] = gcp.projects.IAMCustomRole(
                f"{name}-role-{_slug(spec.role_id)}",
                project=args.project,
                role_id=spec.role_id,
                title=spec.title,
                description=spec.description,
                permissions=sorted(spec.permissions),
                stage="GA",
                opts=own.stateful(child(self)),
            )
        member = f"group:{args.group}" if args.group else None
        for grant in args.grants:
            if member is None:
                raise ValueError(f"tenant {args.tenant_id}: grants need identity.group")
            custom = self.roles.get(grant.role)
            # A custom role by its known name (projects/<p>/roles/<id>), after the role exists:
            # its `name` output is unknown until deploy, and policies judge the role by name.
            role: pulumi.Input[str] = (
                pulumi.Output.concat("projects/", args.project, "/roles/", grant.role)
                if custom is not None
                else grant.role
            )
            opts = child(self, depends_on=[custom] if custom is not None else [])
            label = f"{name}-group-{grant.target}-{_slug(grant.role.removeprefix('roles/'))}"
            if grant.target == "bucket":
                gcp.storage.BucketIAMMember(
                    label, bucket=args.bucket_name, role=role, member=member, opts=opts
                )
            else:  # project, logs and dashboards are all grants on the tenant's own project
                gcp.projects.IAMMember(
                    label, project=args.project, role=role, member=member, opts=opts
                )
        self.register_outputs({"custom_roles": [r.name for r in self.roles.values()]})
