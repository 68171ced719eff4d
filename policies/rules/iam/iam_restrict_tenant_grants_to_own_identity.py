"""iam-restrict-tenant-grants-to-own-identity: only a tenant's own identity is granted its data."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from domain import names
from policies.lib import kinds
from policies.lib.anchors import mtb, tenancy
from policies.lib.config import ALLOWED_GRANT_MEMBERS, Config
from policies.lib.identities import (
    identity_owner,
    parse_member,
    roles_and_members,
    tenant_groups,
)
from policies.lib.names_index import TenantNameIndex
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import SHARED, StackView, Subject
from policies.lib.values import Undecided, elements, get

NAME = "iam-restrict-tenant-grants-to-own-identity"
ANCHORS = (
    tenancy("seed-003-isolation", "No request accesses data outside its tenant"),
    mtb("MTB-PL1-CC-TI-2", "Block access to other tenant resources", related=True),
)
KNOBS = (ALLOWED_GRANT_MEMBERS,)
BUCKET_GRANTS = frozenset(
    {kinds.BUCKET_IAM_MEMBER, kinds.BUCKET_IAM_BINDING, kinds.BUCKET_IAM_POLICY}
)
SECRET_GRANTS = frozenset(
    {kinds.SECRET_IAM_MEMBER, kinds.SECRET_IAM_BINDING, kinds.SECRET_IAM_POLICY}
)
# Project roles that open databases; a tenant identity gets them only under an IAM condition.
DATABASE_ROLES = frozenset(
    {
        "roles/cloudsql.client",
        "roles/cloudsql.instanceUser",
        "roles/datastore.user",
        "roles/datastore.viewer",
    }
)


@dataclass(frozen=True)
class Grant:
    role: str
    member: str
    target: str  # what is granted, for messages
    owners: frozenset[str]  # tenants owning the target (empty: shared or platform)
    condition: str = ""  # a project grant's IAM condition (its names are resolved per holder)
    secret: str = ""  # a secret grant's secret id


def _owners(owner: str | None) -> frozenset[str]:
    return frozenset() if owner is None else frozenset({owner})


def _from_input_or_dependency(
    view: StackView, grant: Subject, key: str, dep_type: str, dep_key: str
) -> str:
    try:
        value = grant.get(key)
    except Undecided:
        value = None
    if value:
        return str(value)
    found = view.dependencies_of(grant, dep_type)
    if len(found) != 1:
        raise Undecided(
            f"{key} is unknown until deploy and the grant depends on {len(found)} "
            f"{dep_type.rsplit(':', 1)[-1]}(s)"
        )
    return str(found[0].get(dep_key))


def _roles_and_members(view: StackView, grant: Subject) -> list[tuple[str, str]]:
    """Like roles_and_members; an unknown member that is the output of the one service account
    the grant depends on is that account (how `member=account.member` looks during preview)."""
    try:
        return roles_and_members(grant)
    except Undecided:
        accounts = view.dependencies_of(grant, kinds.SERVICE_ACCOUNT)
        if grant.get("policyData") is not None or len(accounts) != 1:
            raise
        account = accounts[0]
        project = account.get("project") or view.facts.require_settings().project
        return [
            (
                str(grant.get("role", "")),
                f"serviceAccount:{account.get('accountId')}@{project}.iam.gserviceaccount.com",
            )
        ]


def _bucket_grants(view: StackView, grant: Subject, index: TenantNameIndex) -> Iterator[Grant]:
    bucket = _from_input_or_dependency(view, grant, "bucket", kinds.BUCKET, "name").removeprefix(
        "b/"
    )
    owner = index.owner_of_kind("bucket", bucket) or index.owner_of_uploads_bucket(bucket)
    for role, member in _roles_and_members(view, grant):
        yield Grant(role, member, f"bucket {bucket}", _owners(owner))


def _secret_project(grant: Subject) -> str:
    """The project of a secret grant: its ``project`` input or the ``projects/P/secrets/S``
    form of its secret id ("" when neither says)."""
    try:
        project = grant.get("project")
        secret = grant.get("secretId")
    except Undecided:
        return ""
    if project:
        return str(project)
    parts = str(secret or "").split("/")
    return parts[1] if len(parts) >= 4 and parts[0] == "projects" else ""


def _secret_grants(view: StackView, grant: Subject, index: TenantNameIndex) -> Iterator[Grant]:
    secret = _from_input_or_dependency(view, grant, "secretId", kinds.SECRET, "secretId").rsplit(
        "/", 1
    )[-1]
    # A secret of the platform's naming, else any secret in a tenant's own project (a customer
    # certificate, named by the tenant) is that tenant's.
    owner = index.owner_of_kind("secret_id", secret) or index.owner_of_kind(
        "gcp_project", _secret_project(grant)
    )
    for role, member in _roles_and_members(view, grant):
        yield Grant(role, member, f"secret {secret}", _owners(owner), secret=secret)


def _project_grants(view: StackView, grant: Subject, index: TenantNameIndex) -> Iterator[Grant]:
    expression = str(grant.get("condition.expression") or "")
    owners = frozenset(index.tenants_in(expression))
    for role, member in _roles_and_members(view, grant):
        yield Grant(
            role,
            member,
            f"{role} (condition {expression!r})" if expression else role,
            owners,
            expression,
        )


def _temporal_grants(view: StackView, account: Subject, index: TenantNameIndex) -> Iterator[Grant]:
    member = f"temporal:{account.get('name') or account.name}"
    for access in elements(account.get("namespaceAccesses"), "namespaceAccesses"):
        try:
            namespace_id = get(access, "namespaceId")
        except Undecided:
            namespace_id = None
        names_ = (
            [str(namespace_id).split(".", 1)[0]]
            if namespace_id
            else [
                str(ns.get("name"))
                for ns in view.dependencies_of(account, kinds.TEMPORAL_NAMESPACE)
            ]
        )
        if not names_:
            raise Undecided(
                "namespaceAccesses.namespaceId is unknown until deploy and names no Temporal "
                "namespace"
            )
        for name in names_:
            owner = index.owner_of_name(name)
            yield Grant(
                str(get(access, "permission", "")),
                member,
                f"Temporal namespace {name}",
                _owners(owner),
            )


def grants_of(view: StackView, subject: Subject, index: TenantNameIndex) -> Iterator[Grant]:
    if subject.type in BUCKET_GRANTS:
        yield from _bucket_grants(view, subject, index)
    elif subject.type in SECRET_GRANTS:
        yield from _secret_grants(view, subject, index)
    elif subject.type in kinds.PROJECT_IAM_TYPES:
        yield from _project_grants(view, subject, index)
    elif subject.type == kinds.TEMPORAL_SERVICE_ACCOUNT:
        yield from _temporal_grants(view, subject, index)


def member_owner(member: str, env: str, index: TenantNameIndex) -> str | None:
    if member.startswith("temporal:"):
        return index.owner_of_kind("k8s_name", member.removeprefix("temporal:"))
    return identity_owner(parse_member(member), env, index)


def check(view: StackView, report: Report, config: Config) -> None:
    index, env = view.facts.names, view.ref.env
    allowed = set(config["allowedMembers"])
    # An enterprise tenant's own group is its identity too (iam-restrict-tenant-group-grants
    # holds where and what it may be granted).
    groups = view.facts.derived(
        "tenant_groups", lambda: tenant_groups(view.facts.require_registry())
    )
    certificates = view.facts.derived(
        "tenant_certificate_secrets",
        lambda: certificate_secrets(view.facts.require_registry()),
    )
    for subject in view.subjects:
        with report.deciding(subject.label, subject.urn):
            for grant in grants_of(view, subject, index):
                if grant.member in allowed or parse_member(grant.member).kind == "service-agent":
                    continue
                holder = groups.get(grant.member) or member_owner(grant.member, env, index)
                owners = (
                    index.tenants_in(grant.condition, holder) if grant.condition else grant.owners
                )
                for owner in sorted(owners):
                    if holder != owner:
                        whose = (
                            "a platform identity"
                            if holder in (None, SHARED)
                            else f"tenant {holder!r}'s identity"
                        )
                        report.violation(
                            f"{subject.label}: grants {grant.target} of tenant {owner!r} to "
                            f"{grant.member}, {whose}",
                            subject.urn,
                        )
                _check_certificate_reader(subject, grant, certificates, env, report)
                if (
                    subject.type in kinds.PROJECT_IAM_TYPES
                    and grant.role in DATABASE_ROLES
                    and holder not in (None, SHARED)
                    and not grant.owners
                ):
                    report.violation(
                        f"{subject.label}: grants project-wide {grant.role} to tenant {holder!r}'s "
                        f"identity {grant.member} without an IAM condition naming its own "
                        "databases; it would reach every tenant's databases",
                        subject.urn,
                    )


def certificate_secrets(registry: Any) -> dict[str, str]:
    """tenant id -> the Secret Manager secret id of its customer certificate (tls)."""
    return {
        t.id: str(tls.certificate_secret)
        for t in registry.tenants
        if (tls := getattr(t, "tls", None)) is not None
    }


def _check_certificate_reader(
    subject: Subject, grant: Grant, certificates: dict[str, str], env: str, report: Report
) -> None:
    """A tenant's customer certificate (its private key) is read by its certificate reader
    alone: not by the app's identity, which is the tenant's own but must not hold the key."""
    for owner in grant.owners:
        if not grant.secret or certificates.get(owner) != grant.secret:
            continue
        identity = parse_member(grant.member)
        reader = names.certificate_reader_account_id(owner)
        if identity.kind != "gsa" or identity.account_id != reader:
            report.violation(
                f"{subject.label}: grants tenant {owner!r}'s certificate secret {grant.secret} "
                f"to {grant.member}; only its certificate reader {reader} may read it",
                subject.urn,
            )


POLICY = stack_policy(
    name=NAME,
    description="Every IAM grant on a tenant's bucket, database, secret or Temporal namespace "
    "goes to that tenant's "
    "own identity; project-level database roles for a tenant are scoped to its databases by a "
    "condition; a customer certificate secret is granted only to the tenant's certificate "
    "reader (<id>-certs).",
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    knobs=KNOBS,
    remediation="Grant the tenant's resources only to <id>-workload (or the tenant's KSA / "
    "Temporal service account); "
    "add an IAM condition on resource.name for cloudsql.client and datastore.user.",
)
