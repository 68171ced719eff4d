"""sql-require-iam-group-login: the direct-access group user is one Cloud SQL accepts (facts in
domain/provider_facts.py, sources there). Known-good fixture: the sample tenant globex's stack;
each mutation undoes one fact and must be caught. The registry refuses the same mistakes in the
tenant file."""

from __future__ import annotations

import copy

import pytest
from support import SPARE_RANGES, UMBRELLA_HEAD, plan_stack, policy_report, write_tenant

from domain.plan_model import PlanStack
from domain.provider_facts import iam_group_user_problems
from domain.registry import RegistryError, load_registry

NAME = "sql-require-iam-group-login"
GROUP_USER = "globex-postgres-2-direct"


@pytest.fixture(scope="module")
def globex(sample_plan) -> PlanStack:
    return plan_stack(sample_plan, "dev.globex")


def _findings(stack: PlanStack) -> list[str]:
    report = policy_report(stack, NAME)
    assert not report.undecided, report.undecided
    return [v.message for v in report.violations]


def _user(stack: PlanStack):
    return next(r for r in stack.resources if r.name == GROUP_USER)


def _instance(stack: PlanStack, name: str = "globex-postgres-2"):
    return next(
        r
        for r in stack.resources
        if r.type == "gcp:sql/databaseInstance:DatabaseInstance" and r.inputs["name"] == name
    )


def test_the_sample_group_users_are_accepted(globex) -> None:
    users = [r for r in globex.resources if r.inputs.get("type") == "CLOUD_IAM_GROUP"]
    assert len(users) == 3  # one per instance (replicas replicate it)
    assert _findings(globex) == []


def _rename(name: str):
    def mutate(stack: PlanStack) -> None:
        _user(stack).inputs["name"] = name

    return mutate


def _password(stack: PlanStack) -> None:
    _user(stack).inputs["password"] = "[secret]"


def _flag_off(stack: PlanStack) -> None:
    settings = _instance(stack).inputs["settings"]
    settings["databaseFlags"] = [
        f for f in settings["databaseFlags"] if f["name"] != "cloudsql.iam_authentication"
    ]


def _mysql(stack: PlanStack) -> None:
    _instance(stack).inputs["databaseVersion"] = "MYSQL_8_0"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_rename("DB-Readers@globex.example"), "is not the group's email in lowercase"),
        (_rename("db-readers"), "is not the group's email in lowercase"),
        (_rename("a" * 50 + "@globex.example"), "longer than PostgreSQL's 63-byte role names"),
        (_password, "an IAM group user has no password"),
        (_flag_off, "does not set cloudsql.iam_authentication=on"),
        (_mysql, "instance is MYSQL_8_0, not PostgreSQL"),
    ],
    ids=["uppercase", "not-an-email", "too-long", "password", "flag-off", "not-postgres"],
)
def test_each_mutation_is_caught(globex, mutate, expected) -> None:
    stack = copy.deepcopy(globex)
    mutate(stack)
    found = _findings(stack)
    assert any(GROUP_USER in m and expected in m for m in found), found
    # only the mutated instance's user is named
    assert not any("globex-postgres-1-direct" in m for m in found)


def test_the_facts_accept_what_the_provider_test_creates() -> None:
    # terraform-provider-google TestAccSqlUser_postgres_iamGroupUser's own user and instance
    flags = {"cloudsql.iam_authentication": "on"}
    assert (
        iam_group_user_problems(
            "iam-group-auth-test-group@google.com", False, "POSTGRES_9_6", flags
        )
        == []
    )


# --- the tenant file refuses the same names ---------------------------------------------------

UMBRELLA = (
    UMBRELLA_HEAD
    + "dedicated_project: true\n"
    + SPARE_RANGES
    + """\
network:
  vpn:
    peer_gateway_ips: [35.199.20.1]
    peer_asn: 65020
    shared_secret: umbrella-psk
    remote_ranges: [192.168.0.0/16]
databases:
  direct_access: {{group: {group}}}
"""
)


@pytest.mark.parametrize(
    ("group", "reason"),
    [
        ("DBA@umbrella.example", "must be a Google group email address, in lowercase"),
        ("d" * 50 + "@umbrella.example", "at most 63 characters"),
    ],
)
def test_the_registry_refuses_a_group_cloud_sql_cannot_name(
    tenants_dir, settings, group, reason
) -> None:
    write_tenant(tenants_dir, "umbrella.yaml", UMBRELLA.format(group=group))
    with pytest.raises(RegistryError) as caught:
        load_registry(tenants_dir, settings)
    found = [str(p) for p in caught.value.problems]
    assert any("databases.direct_access.group" in p and reason in p for p in found), found


def test_a_lowercase_group_is_accepted(tenants_dir, settings) -> None:
    write_tenant(tenants_dir, "umbrella.yaml", UMBRELLA.format(group="dba@umbrella.example"))
    registry = load_registry(tenants_dir, settings)
    (tenant,) = [t for t in registry.tenants if t.id == "umbrella"]
    assert tenant.databases.direct_access.group == "dba@umbrella.example"
