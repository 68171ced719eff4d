"""sql-require-user-deletion-policy: Cloud SQL users can be let go on destroy (ABANDON)."""

from __future__ import annotations

from policies.lib.anchors import provider
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject

NAME = "sql-require-user-deletion-policy"
ANCHORS = (
    provider(
        "gcp-sql-user-deletion-policy",
        "https://www.pulumi.com/registry/packages/gcp/api-docs/sql/user/#deletion_policy_python",
    ),
)
SQL_USER = "gcp:sql/user:User"


def check(user: Subject, report: Report, config: Config) -> None:
    policy = user.get("deletionPolicy")
    if policy != "ABANDON":
        report.violation(
            f"{user.label}: deletionPolicy is {policy!r}; PostgreSQL users that hold roles or own "
            "objects cannot be deleted through the API, so destroy (offboarding) fails: set ABANDON"
        )


POLICY = resource_policy(
    name=NAME,
    description=(
        "Cloud SQL users set deletionPolicy ABANDON, so destroying a stack does not fail on users"
        " that hold SQL roles."
    ),
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={SQL_USER},
    check=check,
    remediation="Set deletion_policy='ABANDON' on gcp.sql.User (the user goes with its instance).",
)
