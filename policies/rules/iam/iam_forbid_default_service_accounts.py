"""iam-forbid-default-service-accounts: the Compute and App Engine default accounts get nothing."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.identities import DEFAULT_SA_RE, roles_and_members
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject

NAME = "iam-forbid-default-service-accounts"
ANCHORS = (checkov("CKV_GCP_46", "Ensure Default Service account is not used at a project level"),)


def check(grant: Subject, report: Report, config: Config) -> None:
    for role, member in roles_and_members(grant):
        if DEFAULT_SA_RE.search(member):
            report.violation(
                f"{grant.label}: grants {role or 'a role'} to default service account {member}"
            )


POLICY = resource_policy(
    name=NAME,
    description="No IAM grant names the Compute Engine or App Engine default service account.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to=kinds.is_gcp_iam_grant,
    check=check,
    remediation="Create a dedicated service account for the workload and grant the role to it.",
)
