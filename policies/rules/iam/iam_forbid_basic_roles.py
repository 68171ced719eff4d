"""iam-forbid-basic-roles: no owner, editor or viewer grants."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.identities import BASIC_ROLES, grant_roles, members_of
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject
from policies.lib.values import Undecided

NAME = "iam-forbid-basic-roles"
ANCHORS = (checkov("CKV_GCP_117", "Ensure basic roles are not used at project level."),)


def _who(grant: Subject) -> str:
    try:
        return ", ".join(members_of(grant)) or "no member"
    except Undecided:
        return "a member unknown until deploy"  # the role alone decides this rule


def check(grant: Subject, report: Report, config: Config) -> None:
    for role in grant_roles(grant):
        if role in BASIC_ROLES:
            report.violation(f"{grant.label}: grants basic role {role} to {_who(grant)}")


POLICY = resource_policy(
    name=NAME,
    description="No IAM grant uses a basic role (roles/owner, roles/editor, roles/viewer).",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to=kinds.is_gcp_iam_grant,
    check=check,
    remediation="Grant a predefined or custom role with only the permissions needed.",
)
