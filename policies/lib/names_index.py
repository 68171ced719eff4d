"""Which tenant a physical name belongs to, and which tenants a string refers to.

A string refers to tenant B when it holds one of B's physical names as a whole token: the names
of ``domain.names.distinct_names`` (namespace, service accounts, instances, bucket, Temporal
namespace, project...), B's stack name ``<env>.<id>`` (and so URNs of B's stack), B's host
under the app domain and the ``<id>-uploads`` bucket prefix. A token is a maximal run of
``[A-Za-z0-9._-]``, so ``serviceAccount:b-workload@p.iam.gserviceaccount.com``,
``projects/p/instances/b-postgres-1`` and ``b-neo4j.tenant-b.svc.cluster.local`` name B, while
``acme-v02.api.letsencrypt.org``, ``spec.acme.server``, ``tenant-b-extra`` and free text
("shared with b") do not. Dotted tokens are looked up whole and part by part.

The bare id is also a physical name (B's Identity Platform display name, its default DNS label),
but any word can be an id ('general', 'nginx', 'helm'), so it counts only where a field names a
tenant: ``tenant_field_owner``.

Every look-up is a set or dict look-up per token: the cost of a string does not grow with the
number of tenants.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from domain import names
from domain.conventions import TENANT_LABEL
from domain.stacks import tenant_stack_name

_TOKEN = re.compile(r"[A-Za-z0-9._-]+")

# Fields that hold a tenant id as a name: the Identity Platform tenant's display name, the
# ownership labels (GCP ``tenant``, Kubernetes ``tenancy.io/tenant``) wherever labels live, and
# the tenant id the platform hands the services (``TENANT_ID`` / ``tenant_id`` config keys).
IDP_TENANT = "gcp:identityplatform/tenant:Tenant"
TENANT_KEYS = ("tenant", TENANT_LABEL, "tenant_id")


# A resource's own name is compared whole with the other tenants' names of its own kind (tenant
# A creating namespace tenant-b), never scanned for tokens: a LimitRange called 'tenant-limits'
# does not refer to the namespace of a tenant called 'limits'.
OWN_NAMES: dict[str, tuple[str, str]] = {
    "kubernetes:core/v1:Namespace": ("metadata.name", "k8s_namespace"),
    "kubernetes:core/v1:ServiceAccount": ("metadata.name", "k8s_name"),
    "kubernetes:helm.sh/v3:Release": ("name", "helm_release"),
    "gcp:serviceaccount/account:Account": ("accountId", "service_account_id"),
    "gcp:sql/databaseInstance:DatabaseInstance": ("name", "cloudsql_instance"),
    "gcp:storage/bucket:Bucket": ("name", "bucket"),
    "gcp:firestore/database:Database": ("name", "firestore_database"),
    "gcp:container/cluster:Cluster": ("name", "gke_cluster"),
    "gcp:organizations/project:Project": ("projectId", "gcp_project"),
    "gcp:secretmanager/secret:Secret": ("secretId", "secret_id"),
    "temporalcloud:index/namespace:Namespace": ("name", "temporal_namespace"),
    "temporalcloud:index/serviceAccount:ServiceAccount": ("name", "k8s_name"),
}
OWN_NAME_PATHS = frozenset({"name", "metadata.name", "accountId", "secretId", "projectId"})
# Prose names nothing: descriptions, titles, display names (an Identity Platform tenant's display
# name is its tenant id: a tenant field, see tenant_field_owner).
PROSE_KEYS = frozenset({"description", "title", "displayName"})


def is_reference_field(path: str, text: str) -> bool:
    """Whether the string at ``path`` is scanned for other tenants' names: not the resource's own
    name, not prose, and not multi-line text (file contents such as the migrations' SQL)."""
    if path in OWN_NAME_PATHS or "\n" in text:
        return False
    return path.rsplit(".", 1)[-1] not in PROSE_KEYS


@dataclass(frozen=True)
class Mention:
    tenant: str
    name: str
    start: int


class TenantNameIndex:
    def __init__(
        self,
        env: str,
        project: str,
        tenant_ids: Iterable[str],
        hosts: Mapping[str, Iterable[str]] | None = None,
        pools: tuple[str, ...] = (),
    ):
        self.env = env
        ids = tuple(tenant_ids)
        self._ids = frozenset(ids)
        self.tenant_ids = tuple(sorted(ids, key=len, reverse=True))
        self._platform = frozenset(names.platform_names(env, project, pools))
        # value -> (tenant, kind) for the first owner; every owner once a value has several.
        # A name two tenants share (of different kinds: `tenancy new` refuses the same kind)
        # belongs to both: naming it is a reference unless the namer is one of them.
        first: dict[str, tuple[str, str]] = {}
        shared: dict[str, set[tuple[str, str]]] = {}
        platform = self._platform
        for tenant_id in ids:
            physical = list(names.distinct_names(env, project, tenant_id).values())
            physical.append(("stack", tenant_stack_name(env, tenant_id)))
            physical.append(("bucket", f"{tenant_id}-uploads"))
            physical.extend(("host", host) for host in (hosts or {}).get(tenant_id, ()))
            for kind, value in physical:
                if value in platform:  # a platform name identifies no tenant
                    continue
                held = first.setdefault(value, (tenant_id, kind))
                if held != (tenant_id, kind):
                    shared.setdefault(value, {held}).add((tenant_id, kind))
        self._first = first
        self._shared = shared

    def mentions(self, text: str, namer: str | None = None) -> list[Mention]:
        """Every physical name of a tenant that ``text`` holds as a token. A name two tenants
        share is ``namer``'s own when ``namer`` is one of them, else a mention of each owner."""
        found: list[Mention] = []
        owners = self._first
        for match in _TOKEN.finditer(text):
            token = match.group(0)
            whole = token.rstrip(".")  # DNS names end with a dot
            hits = [(whole, match.start())] if whole in owners else []
            if not hits and "." in whole:
                offset = match.start()
                for part in whole.split("."):
                    if part in owners:
                        hits.append((part, offset))
                    offset += len(part) + 1
            for name, start in hits:
                found.extend(Mention(t, name, start) for t in self.resolve(name, namer))
        return found

    def resolve(self, name: str, namer: str | None = None) -> list[str]:
        """The tenants ``name`` refers to, seen from ``namer``."""
        tenants = self.owners_of_name(name)
        if namer in tenants:
            return [namer]
        return sorted(tenants)

    def tenants_in(self, text: str, namer: str | None = None) -> set[str]:
        return {m.tenant for m in self.mentions(text, namer)}

    def _holders(self, value: str) -> set[tuple[str, str]]:
        if value in self._shared:
            return self._shared[value]
        held = self._first.get(value)
        return {held} if held else set()

    def owners_of_kind(self, kind: str, value: str) -> frozenset[str]:
        """Every tenant with a physical name ``value`` of ``kind`` (names.NAME_RULES' kinds)."""
        return frozenset(t for t, k in self._holders(value) if k == kind)

    def owner_of_kind(self, kind: str, value: str) -> str | None:
        """The one tenant whose ``kind`` name ``value`` is (None: the platform's, or no one's).
        Exact look-ups, never prefixes: a tenant 'dev-cert' must not own 'dev-cert-manager'."""
        owners = self.owners_of_kind(kind, value)
        return next(iter(owners)) if len(owners) == 1 else None

    def owners_of_name(self, value: str) -> frozenset[str]:
        """Every tenant whose physical name ``value`` is exactly."""
        return frozenset(t for t, _ in self._holders(value))

    def owner_of_name(self, value: str) -> str | None:
        """The tenant whose physical name ``value`` is exactly (None if no single tenant's)."""
        owners = self.owners_of_name(value)
        return next(iter(owners)) if len(owners) == 1 else None

    def owner_of_uploads_bucket(self, value: str) -> str | None:
        """The tenant of an ``<id>-uploads-<suffix>`` bucket whatever its suffix (another project
        or environment); None for the platform's buckets."""
        head, sep, _ = value.rpartition("-uploads-")
        if not sep or value in self._platform:
            return None
        return head if head in self._ids else None

    def tenant_field_owner(self, type_token: str, path: str, value: str) -> str | None:
        """The tenant a field names when it is a tenant-naming field holding a tenant id."""
        if value not in self._ids:
            return None
        if type_token == IDP_TENANT and path == "displayName":
            return value
        lowered = path.lower()
        if any(lowered == key or lowered.endswith("." + key) for key in TENANT_KEYS):
            return value
        return None
