"""IAM members, and which tenant an identity belongs to.

Tenant identities follow ``domain.names``: the Cloud service accounts ``<id>-workload`` and
``<id>-nodes``, the Kubernetes service account ``tenant-<id>-sa`` in namespace ``tenant-<id>``
(seen by Cloud IAM as ``<project>.svc.id.goog[tenant-<id>/tenant-<id>-sa]``) and the Temporal
service account ``<id>-temporal``. The free tier's shared identities are ``<env>-free-tier``
and ``free-tier/free-tier-sa``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from domain import names
from policies.lib import kinds
from policies.lib.names_index import TenantNameIndex
from policies.lib.resources import SHARED, Subject
from policies.lib.values import Undecided, elements, get, is_unknown

PUBLIC_MEMBERS = frozenset({"allUsers", "allAuthenticatedUsers"})
BASIC_ROLES = frozenset({"roles/owner", "roles/editor", "roles/viewer"})
WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"
# Google-managed service agents (CMEK, Cloud SQL...) act for a resource, not for a tenant.
SERVICE_AGENT_RE = re.compile(
    r"^serviceAccount:service-\d+@[a-z0-9-]+\.iam\.gserviceaccount\.com$"
    r"|^serviceAccount:service-\d+@gs-project-accounts\.iam\.gserviceaccount\.com$"
    r"|^serviceAccount:\d+@cloudservices\.gserviceaccount\.com$"
)
DEFAULT_SA_RE = re.compile(
    r"(^|:)(\d+-compute@developer\.gserviceaccount\.com|[a-z][-a-z0-9]*@appspot\.gserviceaccount\.com)\Z"
)

_GSA_RE = re.compile(
    r"^serviceAccount:(?P<account>[a-z][-a-z0-9]*)@(?P<project>[-a-z0-9]+)\.iam\.gserviceaccount\.com$"
)
_KSA_RE = re.compile(
    r"^serviceAccount:(?P<project>[-a-z0-9.:]+)\.svc\.id\.goog\[(?P<ns>[^/\]]+)/(?P<ksa>[^\]]+)\]$"
)
_PRINCIPAL_RE = re.compile(
    r"^principal://iam\.googleapis\.com/.+\.svc\.id\.goog/subject/ns/(?P<ns>[^/]+)/sa/(?P<ksa>[^/]+)$"
)
_PRINCIPAL_SET_RE = re.compile(
    r"^principalSet://iam\.googleapis\.com/.+\.svc\.id\.goog/namespace/(?P<ns>[^/]+)$"
)
_SA_NAME_RE = re.compile(r"^projects/[^/]+/serviceAccounts/(?P<account>[a-z][-a-z0-9]*)@")

Kind = Literal["gsa", "ksa", "public", "service-agent", "other"]


@dataclass(frozen=True)
class Identity:
    member: str
    kind: Kind
    account_id: str | None = None  # gsa
    namespace: str | None = None  # ksa (namespace-wide principal sets have no ksa)
    ksa: str | None = None


def parse_member(member: str) -> Identity:
    if member in PUBLIC_MEMBERS:
        return Identity(member, "public")
    if SERVICE_AGENT_RE.fullmatch(member):
        return Identity(member, "service-agent")
    if m := _GSA_RE.fullmatch(member):
        return Identity(member, "gsa", account_id=m["account"])
    if m := _KSA_RE.fullmatch(member):
        return Identity(member, "ksa", namespace=m["ns"], ksa=m["ksa"])
    if m := _PRINCIPAL_RE.fullmatch(member):
        return Identity(member, "ksa", namespace=m["ns"], ksa=m["ksa"])
    if m := _PRINCIPAL_SET_RE.fullmatch(member):
        return Identity(member, "ksa", namespace=m["ns"])
    return Identity(member, "other")


def account_id_of_sa_name(value: str) -> str | None:
    """``projects/<p>/serviceAccounts/<email>`` (or a bare email) → the account id."""
    if m := _SA_NAME_RE.match(value):
        return m["account"]
    if "@" in value and value.endswith(".iam.gserviceaccount.com"):
        return value.split("@", 1)[0]
    return None


def namespace_owner(namespace: str, index: TenantNameIndex) -> str | None:
    """tenant-<id> → id; free-tier → SHARED; any other namespace belongs to the platform (None)."""
    if namespace == names.FREE_TIER_NAMESPACE:
        return SHARED
    if namespace.startswith(kinds.TENANT_NAMESPACE_PREFIX):
        return index.owner_of_name(namespace) or namespace.removeprefix(
            kinds.TENANT_NAMESPACE_PREFIX
        )
    return None


def account_owner(account_id: str, env: str, index: TenantNameIndex) -> str | None:
    """Which tenant a Cloud service account id belongs to; SHARED for the free tier's; None:
    platform."""
    if account_id == names.free_tier_service_account_id(env):
        return SHARED
    return index.owner_of_kind("service_account_id", account_id)


def identity_owner(identity: Identity, env: str, index: TenantNameIndex) -> str | None:
    if identity.kind == "gsa" and identity.account_id:
        return account_owner(identity.account_id, env, index)
    if identity.kind == "ksa" and identity.namespace:
        return namespace_owner(identity.namespace, index)
    return None


def members_of(subject: Subject) -> list[str]:
    """The members an IAM member/binding/policy resource grants (policy JSON included)."""
    member = subject.get("member")
    if member is not None:
        return [member]
    members = subject.get("members")
    if members is not None:
        return list(elements(members, "members"))
    policy = subject.get("policyData")
    if policy is not None:
        return [m for binding in _policy_bindings(policy) for m in binding.get("members", [])]
    return []


def roles_and_members(subject: Subject) -> list[tuple[str, str]]:
    """(role, member) pairs of an IAM member/binding/policy resource."""
    policy = subject.get("policyData")
    if policy is not None:
        return [
            (b.get("role", ""), m) for b in _policy_bindings(policy) for m in b.get("members", [])
        ]
    role = subject.get("role", "")
    return [(role, m) for m in members_of(subject)]


def grant_roles(subject: Subject) -> list[str]:
    """The roles an IAM member/binding/policy resource grants (members are not read)."""
    policy = subject.get("policyData")
    if policy is not None:
        return [b.get("role", "") for b in _policy_bindings(policy)]
    return [subject.get("role", "")]


def _policy_bindings(policy: Any) -> list[dict]:
    if is_unknown(policy):
        raise Undecided("policyData is unknown until deploy")
    try:
        data = json.loads(policy) if isinstance(policy, str) else policy
    except json.JSONDecodeError:
        raise Undecided("policyData is not valid JSON") from None
    return list(get(data, "bindings", []) or [])


def tenant_groups(registry: Any) -> dict[str, str]:
    """``group:<email>`` → tenant id, for every enterprise tenant's own group (identity.group)
    and observer group: the people a tenant file names, who hold roles on its resources only."""
    owners: dict[str, str] = {}
    for tenant in registry.tenants:
        identity = getattr(tenant, "identity", None)
        direct = getattr(getattr(tenant, "databases", None), "direct_access", None)
        for group in (
            getattr(identity, "group", None),
            getattr(tenant, "observer_group", None),
            getattr(direct, "group", None),
        ):
            if group:
                owners[f"group:{group}"] = tenant.id
    return owners


# What a tenant's direct-access group holds on its own project, conditioned on its instances
# (components/blocks/cloudsql_access.py): connect and sign in, nothing else.
DIRECT_ACCESS_ROLES = frozenset({"roles/cloudsql.client", "roles/cloudsql.instanceUser"})


def direct_access_group(tenant: Any) -> str | None:
    direct = getattr(getattr(tenant, "databases", None), "direct_access", None)
    group = getattr(direct, "group", None)
    return f"group:{group}" if group else None
