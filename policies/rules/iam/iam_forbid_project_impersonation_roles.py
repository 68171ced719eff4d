"""iam-forbid-project-impersonation-roles: impersonation is granted per service account, never
project-wide."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.identities import WORKLOAD_IDENTITY_USER, roles_and_members
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject

NAME = "iam-forbid-project-impersonation-roles"
ANCHORS = (
    checkov(
        "CKV_GCP_41",
        "Ensure that IAM users are not assigned the Service Account User or Service Account "
        "Token Creator roles at project level",
    ),
    checkov(
        "CKV_GCP_49",
        "Ensure no roles that enable to impersonate and manage all service accounts are used "
        "at a project level",
        related=True,
    ),
)
IMPERSONATION_ROLES = frozenset(
    {
        "roles/iam.serviceAccountUser",
        "roles/iam.serviceAccountTokenCreator",
        WORKLOAD_IDENTITY_USER,
    }
)


def check(grant: Subject, report: Report, config: Config) -> None:
    for role, member in roles_and_members(grant):
        if role in IMPERSONATION_ROLES:
            report.violation(
                f"{grant.label}: grants {role} to {member} on the whole project; it could "
                "impersonate every tenant's service account"
            )


POLICY = resource_policy(
    name=NAME,
    description="No project-level grant of serviceAccountUser, serviceAccountTokenCreator or "
    "workloadIdentityUser.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to=kinds.PROJECT_IAM_TYPES,
    check=check,
    remediation="Grant the role on the one service account (gcp.serviceaccount.IAMMember) instead "
    "of the project.",
)
