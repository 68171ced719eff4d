"""iam-restrict-tenant-group-grants: an enterprise tenant's own people (its group) get roles only on
its own project and bucket, and its custom roles stay inside its project and its guardrails."""

from __future__ import annotations

import re

from domain import iam_guardrails, names
from domain.provider_facts import GCS_USAGE_LOG_WRITER
from domain.registry import EnterpriseTenant
from policies.lib import kinds
from policies.lib.anchors import mtb, tenancy
from policies.lib.config import Config
from policies.lib.identities import (
    DIRECT_ACCESS_ROLES,
    direct_access_group,
    roles_and_members,
    tenant_groups,
)
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import StackView, Subject
from policies.lib.values import elements

NAME = "iam-restrict-tenant-group-grants"
ANCHORS = (
    tenancy("seed-002-enterprise-iam", "Tenant's own project with custom IAM roles"),
    mtb("MTB-PL1-CC-TI-2", "Block access to other tenant resources", related=True),
)
CUSTOM_ROLE = "gcp:projects/iAMCustomRole:IAMCustomRole"
BUCKET_GRANTS = frozenset(
    {kinds.BUCKET_IAM_MEMBER, kinds.BUCKET_IAM_BINDING, kinds.BUCKET_IAM_POLICY}
)
# People, not workloads: the principals a tenant file can name (Cloud IAM member prefixes).
HUMAN_PREFIXES = ("group:", "user:", "domain:")
# Google-operated groups that are services, not people (domain.provider_facts, with sources).
SERVICE_GROUPS = frozenset({GCS_USAGE_LOG_WRITER})
CUSTOM_ROLE_RE = re.compile(r"^projects/(?P<project>[^/]+)/roles/(?P<role>[^/]+)$")
PROJECT_ROLES = frozenset(
    role
    for target in ("project", "logs", "dashboards")
    for role in iam_guardrails.ALLOWED_PREDEFINED_ROLES[target]
)
BUCKET_ROLES = frozenset(iam_guardrails.ALLOWED_PREDEFINED_ROLES["bucket"])


def _conditioned(grant: Subject) -> bool:
    expression = grant.get("condition.expression")
    return isinstance(expression, str) and "resource.name" in expression


def _own_project(view: StackView, tenant: EnterpriseTenant | None) -> str | None:
    if tenant is None or not tenant.dedicated_project:
        return None
    return names.dedicated_project_id(view.ref.env, tenant.id)


def _check_grant(
    view: StackView,
    grant: Subject,
    tenant_id: str | None,
    own_project: str | None,
    owners: dict[str, str],
    report: Report,
) -> None:
    for role, member in roles_and_members(grant):
        if not str(member).startswith(HUMAN_PREFIXES) or member in SERVICE_GROUPS:
            continue
        holder = owners.get(member)
        if tenant_id is None:
            if holder is not None:
                report.violation(
                    f"{grant.label}: grants {role} to {member}, tenant {holder!r}'s group, in the "
                    "platform stack: a tenant's people never get platform resources",
                    grant.urn,
                )
            continue
        if holder != tenant_id:
            whose = f"tenant {holder!r}'s group" if holder else "not a group of the tenant file"
            report.violation(
                f"{grant.label}: grants {role} to {member} ({whose}) in tenant {tenant_id!r}'s "
                "stack; only the tenant's own group (identity.group, observer_group, "
                "databases.direct_access.group) may be "
                "granted",
                grant.urn,
            )
            continue
        custom = CUSTOM_ROLE_RE.fullmatch(str(role))
        if custom and custom["project"] != own_project:
            report.violation(
                f"{grant.label}: custom role {role} is not from tenant {tenant_id!r}'s own "
                f"project ({own_project})",
                grant.urn,
            )
        if grant.type in kinds.PROJECT_IAM_TYPES:
            project = grant.get("project")
            if own_project is None or project != own_project:
                report.violation(
                    f"{grant.label}: grants {role} to {member} on project {project!r}, not "
                    f"tenant {tenant_id!r}'s own project ({own_project or 'it has none'})",
                    grant.urn,
                )
            elif (
                role in DIRECT_ACCESS_ROLES
                and member == direct_access_group(view.tenant)
                and _conditioned(grant)
            ):
                pass  # direct database access, scoped to the tenant's instances by a condition
            elif not CUSTOM_ROLE_RE.fullmatch(str(role)) and role not in PROJECT_ROLES:
                report.violation(
                    f"{grant.label}: {role} is not a role a tenant's group may hold on its "
                    "project (domain/iam_guardrails.py)",
                    grant.urn,
                )
        elif grant.type in BUCKET_GRANTS:
            bucket = str(grant.get("bucket") or "").removeprefix("b/")
            if view.facts.names.owner_of_uploads_bucket(bucket) != tenant_id:
                report.violation(
                    f"{grant.label}: grants {role} to {member} on bucket {bucket!r}, not tenant "
                    f"{tenant_id!r}'s own bucket",
                    grant.urn,
                )
            elif not CUSTOM_ROLE_RE.fullmatch(str(role)) and role not in BUCKET_ROLES:
                report.violation(
                    f"{grant.label}: {role} is not a role a tenant's group may hold on its bucket",
                    grant.urn,
                )
        else:
            report.violation(
                f"{grant.label}: grants {role} to {member} on a {grant.kind}; a tenant's group is "
                "granted only on its project and bucket",
                grant.urn,
            )


def _check_custom_role(
    role: Subject, tenant_id: str | None, own_project: str | None, report: Report
) -> None:
    project = role.get("project")
    if tenant_id is not None and (own_project is None or project != own_project):
        report.violation(
            f"{role.label}: custom role in project {project!r}, not tenant {tenant_id!r}'s own "
            f"project ({own_project or 'it has none'})",
            role.urn,
        )
    for permission in elements(role.get("permissions"), "permissions"):
        reason = iam_guardrails.permission_refusal(str(permission))
        if reason:
            report.violation(
                f"{role.label}: permission {permission} is refused: {reason}", role.urn
            )


def check(view: StackView, report: Report, config: Config) -> None:
    owners = view.facts.derived(
        "tenant_groups", lambda: tenant_groups(view.facts.require_registry())
    )
    tenant = view.tenant
    tenant_id = None if view.ref.is_platform else view.ref.tenant_id
    enterprise = tenant if isinstance(tenant, EnterpriseTenant) else None
    own_project = _own_project(view, enterprise)
    for subject in view.subjects:
        with report.deciding(subject.label, subject.urn):
            if subject.type == CUSTOM_ROLE:
                _check_custom_role(subject, tenant_id, own_project, report)
            elif kinds.is_gcp_iam_grant(subject.type):
                _check_grant(view, subject, tenant_id, own_project, owners, report)


POLICY = stack_policy(
    name=NAME,
    description=(
        "An enterprise tenant's group is granted only in its own stack, on its own project (roles "
        "allowed for project, logs and dashboards, or its own custom roles) or its own bucket, "
        "never on platform resources; custom roles live in the tenant's project and hold no "
        "guardrailed permission (setIamPolicy, impersonation, org-level...)."
    ),
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    remediation="Declare grants in the tenant file (identity.grants); they are created on the "
    "tenant's own project and bucket only. Remove refused permissions (docs/tiers.md).",
)
