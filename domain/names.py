"""Every physical name the platform creates is derived from a tenant id here, and only here.

The tenant id rules are the tightest of the name rules below (Identity Platform's tenant
display name: 4-20 characters, starting with a letter), so every accepted id yields a valid
name in every service. ``tests/test_names.py`` proves that property with hypothesis.
"""

from __future__ import annotations

import hashlib
import re

from domain.tiers import MAX_POSTGRES_INSTANCES, MAX_READ_REPLICAS

# --- the tenant id ---------------------------------------------------------------------------
ID_MIN, ID_MAX = 4, 20
ID_PATTERN = r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){2,18}[a-z0-9]$"
_ID_RE = re.compile(ID_PATTERN)

RESERVED_IDS = frozenset({"shared", "platform", "default", "system", "free-tier"})
# "gcp-sa": Google's service agents live in gcp-sa-<service>.iam.gserviceaccount.com (Google
# Cloud docs, "Service agents"), so <id>-firestore of a tenant "gcp-sa" would read as one.
RESERVED_PREFIXES = ("kube-", "temporal-", "goog", "gcp-sa")
# Cloud Storage refuses bucket names that contain "google" or look like it.
FORBIDDEN_SUBSTRINGS = ("google", "g00gle")

ENV_PATTERN = r"^[a-z][a-z0-9]{1,9}$"
_ENV_RE = re.compile(ENV_PATTERN)


def id_problems(tenant_id: str) -> list[str]:
    """Why ``tenant_id`` is not a valid tenant id (empty when it is)."""
    problems: list[str] = []
    if not (ID_MIN <= len(tenant_id) <= ID_MAX):
        problems.append(f"must be {ID_MIN}-{ID_MAX} characters long (got {len(tenant_id)})")
    if not _ID_RE.fullmatch(tenant_id):
        problems.append(
            "must start with a lowercase letter, contain only lowercase letters, digits and "
            "single hyphens, and end with a letter or digit"
        )
    if tenant_id in RESERVED_IDS:
        problems.append(f"'{tenant_id}' is reserved for the platform")
    for prefix in RESERVED_PREFIXES:
        if tenant_id.startswith(prefix):
            problems.append(f"ids starting with '{prefix}' are reserved")
    for bad in FORBIDDEN_SUBSTRINGS:
        if bad in tenant_id:
            problems.append(f"must not contain '{bad}' (Cloud Storage refuses such bucket names)")
    return problems


def env_problems(env: str) -> list[str]:
    if not _ENV_RE.fullmatch(env):
        return ["environment names are 2-10 lowercase letters or digits, starting with a letter"]
    return []


def stable_suffix(*parts: str, length: int = 6) -> str:
    """A short suffix that is stable for the same inputs, for globally unique names."""
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return digest[:length]


# --- per-service name rules (used by the tests and by the policy pack) -----------------------
NAME_RULES: dict[str, tuple[str, int, int]] = {
    # kind: (regex, min length, max length)
    "service_account_id": (r"^[a-z](?:[-a-z0-9]*[a-z0-9])$", 6, 30),
    "identity_platform_display_name": (r"^[A-Za-z][A-Za-z0-9-]*$", 4, 20),
    "temporal_namespace": (r"^[a-z][a-z0-9-]*[a-z0-9]$", 2, 39),
    "k8s_namespace": (r"^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$", 1, 63),
    "k8s_name": (r"^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$", 1, 63),
    "cloudsql_instance": (r"^[a-z](?:[-a-z0-9]*[a-z0-9])?$", 1, 84),
    "bucket": (r"^[a-z0-9][-a-z0-9_]*[a-z0-9]$", 3, 63),
    "firestore_database": (r"^[a-z][a-z0-9-]*[a-z0-9]$", 4, 63),
    "gke_cluster": (r"^[a-z](?:[-a-z0-9]*[a-z0-9])?$", 1, 40),
    "gcp_project": (r"^[a-z][-a-z0-9]*[a-z0-9]$", 6, 30),
    "helm_release": (r"^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$", 1, 53),
    "dns_label": (r"^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$", 1, 63),
    "secret_id": (r"^[A-Za-z0-9_-]+$", 1, 255),
}


def name_problems(kind: str, value: str) -> list[str]:
    pattern, lo, hi = NAME_RULES[kind]
    problems = []
    if not (lo <= len(value) <= hi):
        problems.append(f"{kind} '{value}' must be {lo}-{hi} characters (got {len(value)})")
    if not re.fullmatch(pattern, value):
        problems.append(f"{kind} '{value}' does not match {pattern}")
    return problems


# --- the names themselves ---------------------------------------------------------------------
FREE_TIER_NAMESPACE = "free-tier"
FREE_TIER_KSA = "free-tier-sa"


def k8s_namespace(tenant_id: str) -> str:
    return f"tenant-{tenant_id}"


def k8s_service_account(tenant_id: str) -> str:
    return f"tenant-{tenant_id}-sa"


def workload_service_account_id(tenant_id: str) -> str:
    """Cloud IAM service account the tenant's workloads impersonate (6-30 chars)."""
    return f"{tenant_id}-workload"


def node_service_account_id(tenant_id: str) -> str:
    """Node service account of an enterprise tenant's dedicated cluster."""
    return f"{tenant_id}-nodes"


def certificate_reader_account_id(tenant_id: str) -> str:
    """The account that alone reads an enterprise tenant's customer TLS certificate (6-30
    chars); not the workloads' account, which must not hold the private key."""
    return f"{tenant_id}-certs"


# Its Kubernetes service account, in the tenant's namespace (the External Secrets store's).
CERTIFICATE_READER_KSA = "certificate-reader"


def storage_quota_service_account_id(tenant_id: str) -> str:
    """The account that withdraws and restores the tenant's object creation at its storage quota
    (6-30 chars)."""
    return f"{tenant_id}-quota"


def storage_quota_tag_key(tenant_id: str) -> str:
    """Short name of the tag key (in the bucket's project) whose value marks the tenant's bucket
    as over its quota (1-63 chars); also names the quota's topic, workflow, trigger and deny
    policy. One word after the id: ``<id>-storage-quota`` would be tenant ``<id>-storage``'s
    ``-quota`` name."""
    return f"{tenant_id}-quota"


def temporal_service_account(tenant_id: str) -> str:
    return f"{tenant_id}-temporal"


def identity_platform_display_name(tenant_id: str) -> str:
    return tenant_id


def temporal_namespace(env: str, tenant_id: str) -> str:
    """Temporal Cloud namespace: unique per account, so it carries the environment."""
    return f"{env}-{tenant_id}"


def postgres_instance(tenant_id: str, index: int) -> str:
    return f"{tenant_id}-postgres-{index}"


def postgres_instances(tenant_id: str, count: int) -> list[str]:
    """A tenant's dedicated instances: <id>-postgres-1..count."""
    return [postgres_instance(tenant_id, i) for i in range(1, count + 1)]


def postgres_replica(instance: str, index: int) -> str:
    """Read replica ``index`` (1-based) of a primary instance."""
    return f"{instance}-replica" if index == 1 else f"{instance}-replica-{index}"


def postgres_cross_region_replica(instance: str) -> str:
    """The read replica of a primary instance in another region (enterprise option)."""
    return f"{instance}-xr"


def postgres_password_secret(instance: str) -> str:
    """Secret Manager id holding the services' password of an instance."""
    return f"{instance}-password"


def neo4j_release(tenant_id: str) -> str:
    return f"{tenant_id}-neo4j"


def firestore_database(tenant_id: str) -> str:
    return f"{tenant_id}-firestore"


def uploads_bucket(env: str, project: str, tenant_id: str) -> str:
    """Bucket names are global: a stable suffix keeps them unique across projects and
    environments."""
    return f"{tenant_id}-uploads-{stable_suffix(project, env, tenant_id)}"


ACCESS_LOG_SUFFIX = "-logs"


def access_log_bucket(bucket: str) -> str:
    """The bucket a bucket's usage (access) logs go to."""
    return f"{bucket}{ACCESS_LOG_SUFFIX}"


def is_access_log_bucket(bucket: str) -> bool:
    return bucket.endswith(ACCESS_LOG_SUFFIX) and "-uploads-" in bucket


def gke_cluster(tenant_id: str) -> str:
    return f"{tenant_id}-gke"


def dedicated_project_id(env: str, tenant_id: str) -> str:
    """GCP project ids are global and 6-30 characters: 'tn-' + id + '-' + 6 hex = at most 30."""
    return f"tn-{tenant_id}-{stable_suffix(env, tenant_id)}"


def subdomain_host(subdomain: str, app_domain: str) -> str:
    return f"{subdomain}.{app_domain}"


def maintenance_url(app_domain: str, tenant_id: str) -> str:
    """Where a suspended tenant's hosts redirect: the platform's maintenance page."""
    return f"https://{app_domain}/maintenance?tenant={tenant_id}"


# Shared (platform) names
def platform_network(env: str) -> str:
    return f"{env}-platform"


def pool_cluster(env: str, pool: str) -> str:
    return f"{env}-{pool}"


def app_dns_zone(env: str) -> str:
    return f"{env}-app"


def private_googleapis_zone(network: str) -> str:
    """The private googleapis.com. zone of one VPC (Private Google Access DNS)."""
    return f"{network}-googleapis"


def shared_postgres_instance(env: str) -> str:
    return f"{env}-shared-postgres"


def shared_uploads_bucket(env: str, project: str) -> str:
    return f"{env}-shared-uploads-{stable_suffix(project, env, 'shared')}"


def shared_firestore_database(env: str) -> str:
    return f"{env}-shared-firestore"


def free_tier_service_account_id(env: str) -> str:
    return f"{env}-free-tier"


def shared_temporal_namespace(env: str) -> str:
    return f"{env}-free-tier"


def pool_node_service_account_id(env: str, cluster: str) -> str:
    return f"{env}-{cluster}-nodes"[:30].rstrip("-")


def tenant_names(env: str, project: str, tenant_id: str) -> dict[str, tuple[str, str]]:
    """Every per-tenant physical name, as {label: (kind, value)}; used by tests and docs. Counts
    are the most any tier gives (the tier table), so the longest names are all checked."""
    instances = range(1, MAX_POSTGRES_INSTANCES + 1)
    return {
        "namespace": ("k8s_namespace", k8s_namespace(tenant_id)),
        "ksa": ("k8s_name", k8s_service_account(tenant_id)),
        "workload_sa": ("service_account_id", workload_service_account_id(tenant_id)),
        "node_sa": ("service_account_id", node_service_account_id(tenant_id)),
        "quota_sa": ("service_account_id", storage_quota_service_account_id(tenant_id)),
        "certs_sa": ("service_account_id", certificate_reader_account_id(tenant_id)),
        "temporal_sa": ("k8s_name", temporal_service_account(tenant_id)),
        "idp_tenant": ("identity_platform_display_name", identity_platform_display_name(tenant_id)),
        "temporal_namespace": ("temporal_namespace", temporal_namespace(env, tenant_id)),
        **{
            f"postgres_{i}": ("cloudsql_instance", postgres_instance(tenant_id, i))
            for i in instances
        },
        **{
            f"postgres_{i}_replica": (
                "cloudsql_instance",
                postgres_replica(postgres_instance(tenant_id, i), MAX_READ_REPLICAS),
            )
            for i in instances
        },
        **{
            f"postgres_{i}_xr": (
                "cloudsql_instance",
                postgres_cross_region_replica(postgres_instance(tenant_id, i)),
            )
            for i in instances
        },
        **{
            f"postgres_{i}_secret": (
                "secret_id",
                postgres_password_secret(postgres_instance(tenant_id, i)),
            )
            for i in instances
        },
        "neo4j": ("helm_release", neo4j_release(tenant_id)),
        "firestore": ("firestore_database", firestore_database(tenant_id)),
        "bucket": ("bucket", uploads_bucket(env, project, tenant_id)),
        "gke": ("gke_cluster", gke_cluster(tenant_id)),
        "project": ("gcp_project", dedicated_project_id(env, tenant_id)),
        "subdomain": ("dns_label", tenant_id),
    }


def platform_names(env: str, project: str, pools: tuple[str, ...] = ()) -> dict[str, str]:
    """Every physical name of the platform stack that names.py derives, as {value: label}."""
    found = {
        platform_network(env): "network",
        app_dns_zone(env): "DNS zone",
        shared_postgres_instance(env): "shared Cloud SQL instance",
        postgres_password_secret(shared_postgres_instance(env)): "shared database secret",
        shared_uploads_bucket(env, project): "shared bucket",
        shared_firestore_database(env): "shared Firestore database",
        free_tier_service_account_id(env): "free-tier service account",
        shared_temporal_namespace(env): "shared Temporal namespace",
        FREE_TIER_NAMESPACE: "free-tier namespace",
        FREE_TIER_KSA: "free-tier Kubernetes service account",
    }
    for pool in pools:
        found[pool_cluster(env, pool)] = f"shared cluster {pool}"
        found[pool_node_service_account_id(env, pool)] = f"node service account of {pool}"
    return found


def distinct_names(env: str, project: str, tenant_id: str) -> dict[str, tuple[str, str]]:
    """The tenant's names that identify it on their own: every name of ``tenant_names`` except
    the bare id (its Identity Platform display name and default DNS label), which can be any
    word ('general', 'nginx') and so identifies a tenant only in a field that names a tenant."""
    return {
        label: (kind, value)
        for label, (kind, value) in tenant_names(env, project, tenant_id).items()
        if value != tenant_id
    }


def name_conflicts(
    env: str,
    project: str,
    tenant_id: str,
    others: tuple[str, ...] | list[str],
    pools: tuple[str, ...] = (),
) -> list[str]:
    """Why ``tenant_id``'s names would be confused with the platform's or another tenant's: a
    name equal to a platform name, or to another tenant's name of the same kind (one resource
    name for two owners). Empty when the id is safe to onboard next to ``others``."""
    platform = platform_names(env, project, pools)
    problems: list[str] = []
    mine = distinct_names(env, project, tenant_id)
    for label, (_, value) in sorted(mine.items()):
        if value in platform:
            what = label.replace("_", " ")
            problems.append(f"its {what} would be {value!r}, the platform's {platform[value]}")
    by_kind_value = {
        (kind, value): (other, label)
        for other in others
        if other != tenant_id
        for label, (kind, value) in distinct_names(env, project, other).items()
    }
    for label, (kind, value) in sorted(mine.items()):
        if (kind, value) in by_kind_value:
            other, other_label = by_kind_value[(kind, value)]
            problems.append(
                f"its {label.replace('_', ' ')} would be {value!r}, already tenant {other!r}'s "
                f"{other_label.replace('_', ' ')}"
            )
    return problems
