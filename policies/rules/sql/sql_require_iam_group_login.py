"""sql-require-iam-group-login: a Cloud SQL IAM group user is one Cloud SQL accepts and lets its
members log in through: the group's lowercase email (a PostgreSQL role name, at most 63 bytes),
no password, on a PostgreSQL instance with ``cloudsql.iam_authentication=on``
(``domain.provider_facts.iam_group_user_problems``; sources there and in
docs/enterprise-data.md)."""

from __future__ import annotations

from domain.provider_facts import (
    CLOUD_SQL_IAM_GROUP_SOURCE,
    IAM_GROUP_USER_TYPE,
    iam_group_user_problems,
)
from policies.lib import kinds
from policies.lib.anchors import provider
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import StackView, Subject
from policies.lib.sql import database_flags
from policies.lib.values import Undecided

NAME = "sql-require-iam-group-login"
ANCHORS = (provider("gcp-sql-iam-group-user", CLOUD_SQL_IAM_GROUP_SOURCE),)
SQL_USER = "gcp:sql/user:User"


def _instance(view: StackView, user: Subject) -> Subject:
    try:
        name = user.get("instance")
    except Undecided:
        name = None
    candidates = view.dependencies_of(user, kinds.SQL_INSTANCE)
    if name:
        named = [i for i in view.of_type(kinds.SQL_INSTANCE) if i.get("name") == name]
        candidates = named or candidates
    if len(candidates) != 1:
        raise Undecided(f"its instance is unknown until deploy ({len(candidates)} candidates)")
    return candidates[0]


def check(view: StackView, report: Report, config: Config) -> None:
    for user in view.of_type(SQL_USER):
        with report.deciding(user.label, user.urn):
            if user.get("type") != IAM_GROUP_USER_TYPE:
                continue
            instance = _instance(view, user)
            flags = database_flags(instance)
            try:
                has_password = user.get("password") is not None
            except Undecided:  # a secret the offline plan hides: a password all the same
                has_password = True
            problems = iam_group_user_problems(
                str(user.get("name") or ""),
                has_password,
                str(instance.get("databaseVersion") or ""),
                flags,
            )
            for problem in problems:
                report.violation(
                    f"{user.label}: IAM group user on {instance.get('name')}: {problem}", user.urn
                )


POLICY = stack_policy(
    name=NAME,
    description="Cloud SQL IAM group users (direct database access) are named with the group's "
    "lowercase email of at most 63 bytes, carry no password, and sit on PostgreSQL instances "
    "with cloudsql.iam_authentication on.",
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    remediation="gcp.sql.User(type='CLOUD_IAM_GROUP', name=<group email, lowercase>, no "
    "password) on an instance with the database flag cloudsql.iam_authentication=on.",
)
