"""tier-require-standard-database-set: a standard tenant has exactly 3 PostgreSQL, 1 Neo4j, 1
Firestore."""

from __future__ import annotations

from domain import names
from domain.tiers import Status, Tier, tier_spec
from policies.lib import kinds
from policies.lib.anchors import tenancy
from policies.lib.config import Config
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import StackView, Subject
from policies.lib.sql import is_replica
from policies.lib.stateful import is_neo4j_release, physical_name

NAME = "tier-require-standard-database-set"
ANCHORS = (
    tenancy("seed-002-standard-tier", "Standard: 3 PostgreSQL + 1 Neo4j + 1 Firestore per tenant"),
)


def _compare(report: Report, what: str, found: list[Subject], expected: set[str]) -> None:
    actual = {physical_name(s): s for s in found}
    for name in sorted(expected - set(actual)):
        report.violation(f"missing {what} {name!r}")
    for name in sorted(set(actual) - expected):
        report.violation(
            f"{actual[name].label}: unexpected {what} {name!r} (the standard set is "
            f"{', '.join(sorted(expected))})",
            actual[name].urn,
        )


def check(view: StackView, report: Report, config: Config) -> None:
    tenant = view.tenant
    if tenant is None or tenant.tier != Tier.STANDARD or tenant.status == Status.OFFBOARDING:
        return  # an offboarding tenant's set shrinks as it is removed
    tid = tenant.id
    count = tier_spec(tenant.tier).databases.postgres_instances
    instances = view.of_type(kinds.SQL_INSTANCE)
    for replica in [i for i in instances if is_replica(i)]:
        report.violation(f"{replica.label}: standard tenants get no read replicas", replica.urn)
    _compare(
        report,
        "Cloud SQL instance",
        [i for i in instances if not is_replica(i)],
        set(names.postgres_instances(tid, count)),
    )
    _compare(
        report,
        "Neo4j release",
        [s for s in view.subjects if is_neo4j_release(s)],
        {names.neo4j_release(tid)},
    )
    _compare(
        report,
        "Firestore database",
        view.of_type(kinds.FIRESTORE_DATABASE),
        {names.firestore_database(tid)},
    )
    for cluster in view.of_type(kinds.CLUSTER):
        report.violation(
            f"{cluster.label}: standard tenants share a pool cluster; a cluster of their own is "
            "enterprise",
            cluster.urn,
        )


POLICY = stack_policy(
    name=NAME,
    description="A standard tenant's stack has exactly its database set: <id>-postgres-1..3 (no "
    "replicas), the "
    "<id>-neo4j release and the <id>-firestore database, and no cluster of its own.",
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    remediation="Build standard tenants with NamespaceTenant; database sizes are knobs, the set "
    "is fixed.",
)
