"""iam-forbid-public-principals: nothing is granted to allUsers or allAuthenticatedUsers."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import Config
from policies.lib.identities import PUBLIC_MEMBERS, roles_and_members
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject

NAME = "iam-forbid-public-principals"
ANCHORS = (
    checkov(
        "CKV_GCP_28", "Ensure that Cloud Storage bucket is not anonymously or publicly accessible"
    ),
)


def check(grant: Subject, report: Report, config: Config) -> None:
    for role, member in roles_and_members(grant):
        if member in PUBLIC_MEMBERS:
            report.violation(f"{grant.label}: grants {role or 'a role'} to {member}")


POLICY = resource_policy(
    name=NAME,
    description="No IAM member, binding or policy (buckets included) grants anything to allUsers "
    "or allAuthenticatedUsers.",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to=kinds.is_gcp_iam_grant,
    check=check,
    remediation="Remove the public member; serve public content through signed URLs or a CDN in "
    "front.",
)
