"""A small hand-built plan that follows every convention the policy pack enforces.

Environment ``dev`` (Pulumi.dev.yaml), tenants: hooli and umbrella (free), acme and globex
(standard), initech (enterprise), soylent (standard, offboarding). Tests mutate copies of it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from pydantic import TypeAdapter

from domain import names
from domain.environment import EnvironmentSettings
from domain.plan_model import UNKNOWN, Plan, PlanOptions, PlanResource, PlanStack
from domain.registry import Registry
from domain.registry.models import Tenant

ENV = "dev"
ACME = f"{ENV}.acme"
PROJECT = "tinybug-saas-dev"
REGION = "us-central1"
POOL = f"{PROJECT}.svc.id.goog"
INITECH_PROJECT = "tn-initech-1a2b3c"  # initech's dedicated project, created in its stack
MIGRATE_IMAGE = (
    "us-docker.pkg.dev/tinybug-saas-dev/platform/tenancy-migrate:0.1.0@sha256:" + "ab" * 32
)
APP_CHART = "oci://us-docker.pkg.dev/tinybug-saas-dev/charts/tinybug-app"
GCS_AGENT = "serviceAccount:service-123456789012@gs-project-accounts.iam.gserviceaccount.com"
PSS = {f"pod-security.kubernetes.io/{m}": "restricted" for m in ("enforce", "audit", "warn")}
PG_FLAGS = [
    {"name": k, "value": v}
    for k, v in {
        "log_checkpoints": "on",
        "log_connections": "on",
        "log_disconnections": "on",
        "log_lock_waits": "on",
        "log_temp_files": "0",
        "log_min_duration_statement": "-1",
        "cloudsql.enable_pgaudit": "on",
        "pgaudit.log": "ddl,role,write",
    }.items()
]


# The test registry: what sets each tenant apart (tenant_data adds the fields they share).
TENANTS: dict[str, dict[str, Any]] = {
    "hooli": {"tier": "free"},
    "umbrella": {"tier": "free"},
    "acme": {"tier": "standard", "placement": "pool-a"},
    "globex": {"tier": "standard", "placement": "pool-a"},
    "initech": {
        "tier": "enterprise",
        "custom_domain": "app.initech.example",
        "network_cidr": "10.30.0.0/20",
        "pods_cidr": "10.250.0.0/16",
        "services_cidr": "10.251.0.0/20",
        "control_plane_cidr": "172.16.47.240/28",
        "dedicated_project": True,
        "identity": {
            "group": "admins@initech.example",
            "custom_roles": [
                {"id": "initechReader", "title": "Reader", "permissions": ["storage.objects.get"]}
            ],
            "grants": [
                {"role": "initechReader", "on": "project"},
                {"role": "roles/logging.viewer", "on": "logs"},
                {"role": "roles/storage.objectViewer", "on": "bucket"},
            ],
        },
    },
    # An enterprise tenant without a stack in the good plan: its ranges are the ones another
    # tenant's rules must not open (tenancy-forbid-network-openings).
    "vandelay": {
        "tier": "enterprise",
        "custom_domain": "app.vandelay.example",
        "network_cidr": "10.40.0.0/20",
        "pods_cidr": "10.137.0.0/16",
        "services_cidr": "10.132.32.0/20",
        "control_plane_cidr": "172.16.32.32/28",
    },
    "soylent": {"tier": "standard", "placement": "pool-a", "status": "offboarding"},
}


def tenant_data(tid: str) -> dict[str, Any]:
    return {
        "id": tid,
        "display_name": tid.title(),
        "region": REGION,
        "contact_email": f"ops@{tid}.example",
        **TENANTS[tid],
    }


def registry() -> Registry:
    adapter = TypeAdapter(Tenant)
    tenants = [adapter.validate_python(tenant_data(tid)) for tid in TENANTS]
    return Registry(Path("tenants"), tenants, {t.id: Path(f"tenants/{t.id}.yaml") for t in tenants})


def gcp_labels(tenant: str, tier: str) -> dict[str, str]:
    return {"tenant": tenant, "tier": tier, "environment": ENV, "managed-by": "tenancy"}


def k8s_labels(tenant: str, tier: str) -> dict[str, str]:
    return {
        "tenancy.io/tenant": tenant,
        "tenancy.io/tier": tier,
        "app.kubernetes.io/managed-by": "tenancy",
    }


def gsa_email(account_id: str) -> str:
    return f"{account_id}@{PROJECT}.iam.gserviceaccount.com"


def restricted_container(name: str = "app") -> dict:
    return {
        "name": name,
        "image": "us-docker.pkg.dev/tinybug-saas-dev/app:1.0@sha256:" + "cd" * 32,
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }


class StackBuilder:
    def __init__(self, name: str, tenant: str | None, tier: str | None):
        self.stack = PlanStack(name, tenant, tier, [])

    def urn(self, type_token: str, name: str) -> str:
        return f"urn:pulumi:{self.stack.name}::tenancy::{type_token}::{name}"

    def add(
        self,
        type_token: str,
        name: str,
        inputs: dict,
        *,
        protect: bool = False,
        deps: tuple[str, ...] = (),
        parent: str | None = None,
        provider: str | None = None,
        timeouts: dict[str, str] | None = None,
    ) -> str:
        urn = self.urn(type_token, name)
        # Each resource owns its inputs: a mutation of one must not leak into another.
        self.stack.resources.append(
            PlanResource(
                urn,
                type_token,
                name,
                True,
                parent,
                list(deps),
                provider,
                copy.deepcopy(inputs),
                PlanOptions(protect=protect, custom_timeouts=dict(timeouts or {})),
            )
        )
        return urn

    # --- GCP ------------------------------------------------------------------------------------
    def node_config(self, account_id: str, labels: dict) -> dict:
        return {
            "machineType": "e2-standard-4",
            "serviceAccount": gsa_email(account_id),
            "workloadMetadataConfig": {"mode": "GKE_METADATA"},
            "shieldedInstanceConfig": {"enableSecureBoot": True, "enableIntegrityMonitoring": True},
            "resourceLabels": labels,
        }

    def cluster(self, name: str, node_sa: str, labels: dict) -> str:
        self.add(
            "gcp:serviceaccount/account:Account",
            f"{name}-nodes",
            {"accountId": node_sa, "project": PROJECT},
        )
        cluster = self.add(
            "gcp:container/cluster:Cluster",
            name,
            {
                "name": name,
                "project": PROJECT,
                "location": REGION,
                "removeDefaultNodePool": True,
                "initialNodeCount": 1,
                "deletionProtection": True,
                "datapathProvider": "ADVANCED_DATAPATH",
                "enableShieldedNodes": True,
                "enableLegacyAbac": False,
                "enableKubernetesAlpha": False,
                "masterAuth": {"clientCertificateConfig": {"issueClientCertificate": False}},
                "privateClusterConfig": {
                    "enablePrivateNodes": True,
                    "enablePrivateEndpoint": False,
                    "masterIpv4CidrBlock": "172.16.0.0/28",
                },
                "masterAuthorizedNetworksConfig": {
                    "cidrBlocks": [{"cidrBlock": "10.200.0.0/24", "displayName": "vpn"}]
                },
                "workloadIdentityConfig": {"workloadPool": POOL},
                "releaseChannel": {"channel": "REGULAR"},
                "nodeConfig": self.node_config(node_sa, labels),
                "resourceLabels": labels,
            },
        )
        self.add(
            "gcp:container/nodePool:NodePool",
            f"{name}-general",
            {
                "name": "general",
                "cluster": name,
                "location": REGION,
                "project": PROJECT,
                "management": {"autoRepair": True, "autoUpgrade": True},
                "nodeConfig": self.node_config(node_sa, labels),
            },
            deps=(cluster,),
        )
        return cluster

    def sql(self, name: str, labels: dict) -> str:
        return self.add(
            "gcp:sql/databaseInstance:DatabaseInstance",
            name,
            {
                "name": name,
                "project": PROJECT,
                "region": REGION,
                "databaseVersion": "POSTGRES_15",
                "deletionProtection": True,
                "settings": {
                    "tier": "db-custom-1-3840",
                    "deletionProtectionEnabled": True,
                    "ipConfiguration": {
                        "ipv4Enabled": False,
                        "privateNetwork": UNKNOWN,
                        "sslMode": "ENCRYPTED_ONLY",
                    },
                    "backupConfiguration": {
                        "enabled": True,
                        "pointInTimeRecoveryEnabled": True,
                        "startTime": "03:00",
                    },
                    "databaseFlags": copy.deepcopy(PG_FLAGS),
                    "userLabels": labels,
                },
            },
            protect=True,
        )

    def bucket(self, name: str, labels: dict, versioning: bool = True) -> str:
        return self.add(
            "gcp:storage/bucket:Bucket",
            name,
            {
                "name": name,
                "project": PROJECT,
                "location": REGION.upper(),
                "uniformBucketLevelAccess": True,
                "publicAccessPrevention": "enforced",
                "forceDestroy": False,
                "versioning": {"enabled": versioning},
                "logging": {"logBucket": names.access_log_bucket(name)},
                "labels": labels,
            },
            protect=True,
        )

    def firestore(self, name: str) -> str:
        return self.add(
            "gcp:firestore/database:Database",
            name,
            {
                "name": name,
                "project": PROJECT,
                "locationId": REGION,
                "type": "FIRESTORE_NATIVE",
                "deleteProtectionState": "DELETE_PROTECTION_ENABLED",
            },
            protect=True,
        )

    def workload_identity(
        self,
        account_id: str,
        namespace: str,
        ksa: str,
        *,
        literal_account: bool,
        after: tuple[str, ...] = (),
    ) -> str:
        gsa = self.add(
            "gcp:serviceaccount/account:Account",
            f"{account_id}-gsa",
            {"accountId": account_id, "project": PROJECT},
        )
        account = (
            f"projects/{PROJECT}/serviceAccounts/{gsa_email(account_id)}"
            if literal_account
            else UNKNOWN
        )
        return self.add(
            "gcp:serviceaccount/iAMMember:IAMMember",
            f"{account_id}-binding",
            {
                "serviceAccountId": account,
                "role": "roles/iam.workloadIdentityUser",
                "member": f"serviceAccount:{POOL}[{namespace}/{ksa}]",
            },
            deps=(gsa, *after),  # after: the cluster that creates the pool, when in this stack
        )

    def temporal(self, namespace: str, retention: int, account: str | None) -> str:
        ns = self.add(
            "temporalcloud:index/namespace:Namespace",
            namespace,
            {
                "name": namespace,
                "regions": [f"gcp-{REGION}"],
                "retentionDays": retention,
                "apiKeyAuth": True,
            },
            protect=True,
        )
        if account is not None:
            sa = self.add(
                "temporalcloud:index/serviceAccount:ServiceAccount",
                account,
                {
                    "name": account,
                    "accountAccess": "read",
                    "namespaceAccesses": [
                        {"namespaceId": f"{namespace}.tnybg", "permission": "write"}
                    ],
                },
                deps=(ns,),
            )
            self.add(
                "temporalcloud:index/apikey:Apikey",
                f"{account}-key",
                {
                    "displayName": f"{account}-key",
                    "ownerId": UNKNOWN,
                    "ownerType": "service-account",
                    "expiryTime": "2027-12-31T00:00:00Z",
                },
                deps=(sa,),
            )
        return ns

    # --- Kubernetes -----------------------------------------------------------------------------
    def namespace(self, name: str, labels: dict, guardrails: bool = True) -> str:
        ns = self.add(
            "kubernetes:core/v1:Namespace",
            f"{name}-namespace",
            {"metadata": {"name": name, "labels": {**labels, **PSS}}},
        )
        if not guardrails:
            return ns
        meta = lambda object_name: {"name": object_name, "namespace": name, "labels": labels}  # noqa: E731
        self.add(
            "kubernetes:core/v1:ResourceQuota",
            f"{name}-quota",
            {
                "metadata": meta("tenant-quota"),
                "spec": {
                    "hard": {
                        "requests.cpu": "4",
                        "limits.cpu": "8",
                        "requests.memory": "8Gi",
                        "limits.memory": "16Gi",
                        "pods": "50",
                        "services.loadbalancers": "0",
                        "services.nodeports": "0",
                    }
                },
            },
            deps=(ns,),
        )
        self.add(
            "kubernetes:core/v1:LimitRange",
            f"{name}-limits",
            {
                "metadata": meta("tenant-limits"),
                "spec": {
                    "limits": [
                        {
                            "type": "Container",
                            "default": {"cpu": "500m", "memory": "512Mi"},
                            "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
                        }
                    ]
                },
            },
            deps=(ns,),
        )
        self.add(
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            f"{name}-default-deny",
            {
                "metadata": meta("default-deny-all"),
                "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
            },
            deps=(ns,),
        )
        self.add(
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            f"{name}-allow-dns",
            {
                "metadata": meta("allow-dns"),
                "spec": {
                    "podSelector": {},
                    "policyTypes": ["Egress"],
                    "egress": [
                        {
                            "to": [
                                {
                                    "namespaceSelector": {
                                        "matchLabels": {
                                            "kubernetes.io/metadata.name": "kube-system"
                                        }
                                    }
                                }
                            ],
                            "ports": [{"protocol": "UDP", "port": 53}],
                        }
                    ],
                },
            },
            deps=(ns,),
        )
        self.add(
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            f"{name}-allow-google-apis",
            {
                "metadata": meta("allow-google-apis"),
                "spec": {
                    "podSelector": {},
                    "policyTypes": ["Egress"],
                    "egress": [
                        {
                            "to": [{"ipBlock": {"cidr": "199.36.153.8/30"}}],
                            "ports": [{"protocol": "TCP", "port": 443}],
                        },
                        {  # Dataplane V2: the metadata server answers at 169.254.169.254:80
                            "to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}],
                            "ports": [{"protocol": "TCP", "port": 80}],
                        },
                    ],
                },
            },
            deps=(ns,),
        )
        return ns

    def deployment(self, name: str, namespace: str, ksa: str, labels: dict) -> str:
        return self.add(
            "kubernetes:apps/v1:Deployment",
            name,
            {
                "metadata": {"name": name, "namespace": namespace, "labels": labels},
                "spec": {
                    "replicas": 2,
                    "selector": {"matchLabels": {"app": name}},
                    "template": {
                        "metadata": {"labels": {"app": name}},
                        "spec": {
                            "serviceAccountName": ksa,
                            "automountServiceAccountToken": False,
                            "securityContext": {
                                "runAsNonRoot": True,
                                "seccompProfile": {"type": "RuntimeDefault"},
                            },
                            "containers": [restricted_container()],
                        },
                    },
                },
            },
        )


def private_dns(b: StackBuilder, network_name: str, network: str, labels: dict) -> None:
    """The private googleapis.com. zone that makes 199.36.153.8/30 the address of Google APIs."""
    zone = b.add(
        "gcp:dns/managedZone:ManagedZone",
        f"{network_name}-googleapis",
        {
            "name": f"{network_name}-googleapis",
            "dnsName": "googleapis.com.",
            "project": PROJECT,
            "visibility": "private",
            "privateVisibilityConfig": {
                "networks": [{"networkUrl": f"projects/{PROJECT}/global/networks/{network_name}"}]
            },
            "labels": labels,
        },
        deps=(network,),
    )
    for name, record_type, rrdatas in (
        (
            "private.googleapis.com.",
            "A",
            ["199.36.153.8", "199.36.153.9", "199.36.153.10", "199.36.153.11"],
        ),
        ("*.googleapis.com.", "CNAME", ["private.googleapis.com."]),
    ):
        b.add(
            "gcp:dns/recordSet:RecordSet",
            f"{network_name}-{record_type.lower()}",
            {
                "name": name,
                "type": record_type,
                "ttl": 300,
                "managedZone": f"{network_name}-googleapis",
                "project": PROJECT,
                "rrdatas": rrdatas,
            },
            deps=(zone,),
        )


def platform_stack() -> PlanStack:
    b = StackBuilder(ENV, None, None)
    shared = gcp_labels("shared", "shared")
    b.add("pulumi:providers:kubernetes", "pool-a-k8s", {"kubeconfig": "[secret]"})
    network = b.add(
        "gcp:compute/network:Network",
        "dev-vpc",
        {"name": f"{ENV}-vpc", "project": PROJECT, "autoCreateSubnetworks": False},
    )
    private_dns(b, f"{ENV}-vpc", network, shared)
    pool_a = b.cluster("pool-a", names.pool_node_service_account_id(ENV, "pool-a"), shared)
    b.sql(names.shared_postgres_instance(ENV), shared)
    b.bucket(names.shared_uploads_bucket(ENV, PROJECT), shared)
    b.firestore(names.shared_firestore_database(ENV))
    b.add(
        "gcp:secretmanager/secret:Secret",
        "shared-postgres-password",
        {
            "secretId": f"{names.shared_postgres_instance(ENV)}-password",
            "project": PROJECT,
            "replication": {"auto": {}},
            "labels": shared,
        },
    )
    b.namespace(names.FREE_TIER_NAMESPACE, k8s_labels("shared", "shared"))
    b.add(
        "kubernetes:core/v1:ServiceAccount",
        "free-tier-ksa",
        {
            "metadata": {
                "name": names.FREE_TIER_KSA,
                "namespace": names.FREE_TIER_NAMESPACE,
                "labels": k8s_labels("shared", "shared"),
                "annotations": {
                    "iam.gke.io/gcp-service-account": gsa_email(
                        names.free_tier_service_account_id(ENV)
                    )
                },
            }
        },
    )
    b.workload_identity(
        names.free_tier_service_account_id(ENV),
        names.FREE_TIER_NAMESPACE,
        names.FREE_TIER_KSA,
        literal_account=True,
        after=(pool_a,),
    )
    b.deployment(
        "free-tier-app",
        names.FREE_TIER_NAMESPACE,
        names.FREE_TIER_KSA,
        k8s_labels("shared", "shared"),
    )
    b.temporal(names.shared_temporal_namespace(ENV), 3, f"{ENV}-free-tier-workers")
    b.add(
        "kubernetes:helm.sh/v3:Release",
        "ingress-nginx",
        {
            "name": "ingress-nginx",
            "chart": "ingress-nginx",
            "namespace": "ingress-nginx",
            "version": "4.15.1",
            "repositoryOpts": {"repo": "https://kubernetes.github.io/ingress-nginx"},
        },
    )
    toolkit = b.add(
        "gcp:projects/service:Service",
        "identitytoolkit-api",
        {"project": PROJECT, "service": "identitytoolkit.googleapis.com"},
    )
    idp_config = b.add(
        "gcp:identityplatform/config:Config",
        "identity-platform",
        {
            "project": PROJECT,
            "multiTenant": {"allowTenants": True},
            "authorizedDomains": ["app.tinybug.dev"],
        },
        deps=(toolkit,),
    )
    for free in ("hooli", "umbrella"):
        b.add(
            "gcp:identityplatform/tenant:Tenant",
            f"{free}-idp",
            {"displayName": free, "project": PROJECT, "allowPasswordSignup": True},
            deps=(idp_config,),
        )
        b.add(
            "kubernetes:core/v1:ConfigMap",
            f"{free}-limits",
            {
                "metadata": {
                    "name": f"tenant-{free}-limits",
                    "namespace": names.FREE_TIER_NAMESPACE,
                    "labels": k8s_labels(free, "free"),
                },
                "data": {"TENANT_ID": free, "API_RATE_LIMIT_PER_MIN": "100"},
            },
        )
    data_audit(b, ENV)
    return b.stack


def tenant_workloads(b: StackBuilder, tid: str, tier: str) -> None:
    """What every paying tenant has: namespace baseline, identity, bucket, Temporal, app."""
    gl, kl = gcp_labels(tid, tier), k8s_labels(tid, tier)
    ns, ksa, workload = (
        names.k8s_namespace(tid),
        names.k8s_service_account(tid),
        names.workload_service_account_id(tid),
    )
    member = f"serviceAccount:{gsa_email(workload)}"
    b.add(
        "pulumi:pulumi:StackReference",
        "platform",
        {"$read": f"organization/tenancy/{ENV}", "name": f"organization/tenancy/{ENV}"},
    )
    b.namespace(ns, kl)
    b.add(
        "kubernetes:core/v1:ServiceAccount",
        f"{tid}-ksa",
        {
            "metadata": {
                "name": ksa,
                "namespace": ns,
                "labels": kl,
                "annotations": {"iam.gke.io/gcp-service-account": gsa_email(workload)},
            }
        },
    )
    b.workload_identity(workload, ns, ksa, literal_account=False)
    b.add(
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        f"{tid}-app-reader",
        {
            "metadata": {"name": "app-reader", "namespace": ns},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": "app-reader",
            },
            "subjects": [{"kind": "ServiceAccount", "name": ksa, "namespace": ns}],
        },
    )
    bucket_name = names.uploads_bucket(ENV, PROJECT, tid)
    bucket = b.bucket(bucket_name, gl)
    b.add(
        "gcp:kms/cryptoKey:CryptoKey",
        f"{tid}-uploads-key",
        {
            "name": f"{bucket_name}-key",
            "keyRing": UNKNOWN,
            "purpose": "ENCRYPT_DECRYPT",
            "rotationPeriod": "7776000s",
            "labels": gl,
        },
        protect=True,
    )
    b.add(
        "gcp:storage/bucketIAMMember:BucketIAMMember",
        f"{tid}-uploads-object-admin",
        {"bucket": bucket_name, "role": "roles/storage.objectAdmin", "member": member},
        deps=(bucket,),
    )
    b.temporal(names.temporal_namespace(ENV, tid), 14, names.temporal_service_account(tid))
    b.deployment(f"{tid}-app", ns, ksa, kl)
    b.add(
        "kubernetes:core/v1:Service",
        f"{tid}-app-svc",
        {
            "metadata": {"name": "app", "namespace": ns, "labels": kl},
            "spec": {
                "type": "ClusterIP",
                "selector": {"app": f"{tid}-app"},
                "ports": [{"port": 80, "targetPort": 8080}],
            },
        },
    )
    b.add(
        "gcp:identityplatform/tenant:Tenant", f"{tid}-idp", {"displayName": tid, "project": PROJECT}
    )
    b.add(
        "kubernetes:helm.sh/v3:Release",
        f"{tid}-app-release",
        {
            "name": f"{tid}-app",
            "chart": APP_CHART,
            "version": "1.4.2",
            "namespace": ns,
            "values": app_values(tid, ksa, kl),
        },
    )
    b.add(
        "kubernetes:batch/v1:Job",
        f"{tid}-migrations-migrate",
        {
            "metadata": {"namespace": ns, "labels": kl},
            "spec": {
                "backoffLimit": 2,
                "activeDeadlineSeconds": 900,
                "template": {
                    "spec": {
                        "serviceAccountName": ksa,
                        "restartPolicy": "Never",
                        "automountServiceAccountToken": False,
                        "securityContext": {
                            "runAsNonRoot": True,
                            "seccompProfile": {"type": "RuntimeDefault"},
                        },
                        "containers": [
                            {**restricted_container("migrate-1"), "image": MIGRATE_IMAGE}
                        ],
                    }
                },
            },
        },
        timeouts={"create": "20m", "update": "20m"},
    )


def app_values(tid: str, ksa: str, labels: dict) -> dict:
    """The app release's Helm values as TenantApplication sets them (enterprise: with a tenant's
    own sizing and placement, domain/registry/enterprise.py)."""
    values = {
        "tenancy": {"mode": "dedicated", "configMap": f"{tid}-app-values", "secret": None},
        "serviceAccount": {"create": False, "name": ksa},
        "podSecurityContext": {"runAsNonRoot": True, "runAsUser": 10001, "fsGroup": 10001},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "runAsNonRoot": True,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "service": {"type": "ClusterIP"},
        "podLabels": labels,
    }
    if TENANTS[tid]["tier"] == "enterprise":
        values["replicaCount"] = 3
        values["resources"] = {"requests": {"cpu": "500m", "memory": "1Gi"}}
        values["nodeSelector"] = {"cloud.google.com/gke-nodepool": "default"}
    return values


def enterprise_identity(b: StackBuilder, tid: str) -> None:
    """TenantIdentity: a custom role in the tenant's own project and its group's grants."""
    project = names.dedicated_project_id(ENV, tid)
    group = f"group:{TENANTS[tid]['identity']['group']}"
    role = b.add(
        "gcp:projects/iAMCustomRole:IAMCustomRole",
        f"{tid}-identity-role-reader",
        {
            "project": project,
            "roleId": f"{tid}Reader",
            "title": "Reader",
            "permissions": ["storage.objects.get"],
            "stage": "GA",
        },
        protect=True,
    )
    b.add(
        "gcp:projects/iAMMember:IAMMember",
        f"{tid}-identity-group-project-reader",
        {"project": project, "role": f"projects/{project}/roles/{tid}Reader", "member": group},
        deps=(role,),
    )
    b.add(
        "gcp:projects/iAMMember:IAMMember",
        f"{tid}-identity-group-logs-logging-viewer",
        {"project": project, "role": "roles/logging.viewer", "member": group},
    )
    b.add(
        "gcp:storage/bucketIAMMember:BucketIAMMember",
        f"{tid}-identity-group-bucket-storage-objectviewer",
        {
            "bucket": names.uploads_bucket(ENV, PROJECT, tid),
            "role": "roles/storage.objectViewer",
            "member": group,
        },
    )


def database_set(b: StackBuilder, tid: str, tier: str) -> None:
    gl = gcp_labels(tid, tier)
    member = f"serviceAccount:{gsa_email(names.workload_service_account_id(tid))}"
    instances = [names.postgres_instance(tid, i) for i in (1, 2, 3)]
    for instance in instances:
        sql = b.sql(instance, gl)
        b.add(
            "gcp:sql/user:User",
            f"{instance}-migrator",
            {
                "name": "migrator",
                "instance": instance,
                "project": PROJECT,
                "password": "[secret]",
                "deletionPolicy": "ABANDON",
            },
            deps=(sql,),
        )
        secret = b.add(
            "gcp:secretmanager/secret:Secret",
            f"{instance}-password-secret",
            {
                "secretId": f"{instance}-password",
                "project": PROJECT,
                "replication": {"auto": {}},
                "labels": gl,
            },
        )
        b.add(
            "gcp:secretmanager/secretIamMember:SecretIamMember",
            f"{instance}-password-accessor",
            {
                "project": PROJECT,
                "secretId": f"{instance}-password",
                "role": "roles/secretmanager.secretAccessor",
                "member": member,
            },
            deps=(secret,),
        )
    expression = " || ".join(
        f'resource.name == "projects/{PROJECT}/instances/{i}"' for i in instances
    )
    b.add(
        "gcp:projects/iAMMember:IAMMember",
        f"{tid}-cloudsql-client",
        {
            "project": PROJECT,
            "role": "roles/cloudsql.client",
            "member": member,
            "condition": {"title": f"{tid}-instances", "expression": expression},
        },
    )
    firestore = names.firestore_database(tid)
    b.firestore(firestore)
    b.add(
        "gcp:projects/iAMMember:IAMMember",
        f"{tid}-datastore-user",
        {
            "project": PROJECT,
            "role": "roles/datastore.user",
            "member": member,
            "condition": {
                "title": f"only-{firestore}",
                "expression": f'resource.name == "projects/{PROJECT}/databases/{firestore}"',
            },
        },
    )
    b.add(
        "kubernetes:helm.sh/v3:Release",
        f"{tid}-neo4j-release",
        {
            "name": names.neo4j_release(tid),
            "chart": "neo4j",
            "version": "5.26.0",
            "namespace": names.k8s_namespace(tid),
            "values": {
                "neo4j": {"name": names.neo4j_release(tid)},
                "services": {"neo4j": {"enabled": False}},
            },
        },
        protect=True,
    )


def operations(b: StackBuilder, tid: str, tier: str) -> None:
    """What operating a paying tenant needs (monitoring-require-tenant-operations)."""
    labels = gcp_labels(tid, tier)
    channels = [f"projects/{PROJECT}/notificationChannels/{ENV}-oncall-platform-oncall"]
    deps: tuple[str, ...] = ()
    if tier == "standard":  # a storage quota (the tier's): what withdraws writes at 100%
        channel = b.add(
            "gcp:monitoring/notificationChannel:NotificationChannel",
            f"{tid}-storage-quota-channel",
            {
                "project": PROJECT,
                "type": "pubsub",
                "labels": {"topic": f"{tid}-quota"},
                "userLabels": labels,
            },
        )
        deps = (channel,)
        channels = [*channels, f"projects/{PROJECT}/notificationChannels/{tid}-quota"]
        b.add(
            "gcp:iam/denyPolicy:DenyPolicy",
            f"{tid}-storage-quota-deny",
            {
                "parent": f"cloudresourcemanager.googleapis.com%2Fprojects%2F{PROJECT}",
                "name": f"{tid}-quota",
                "rules": [
                    {
                        "denyRule": {
                            "deniedPrincipals": [
                                "principal://iam.googleapis.com/projects/-/serviceAccounts/"
                                + gsa_email(names.workload_service_account_id(tid))
                            ],
                            "deniedPermissions": ["storage.googleapis.com/objects.create"],
                            "denialCondition": {
                                "expression": f"resource.matchTag('{PROJECT}/{tid}-quota', "
                                "'exceeded')"
                            },
                        }
                    }
                ],
            },
        )
        b.add(
            "gcp:workflows/workflow:Workflow",
            f"{tid}-storage-quota-workflow",
            {
                "project": PROJECT,
                "name": f"{tid}-quota",
                "region": "us-central1",
                "labels": labels,
            },
        )
    b.add(
        "gcp:monitoring/alertPolicy:AlertPolicy",
        f"{tid}-alerts-storage-100",
        {
            "project": PROJECT,
            "displayName": f"{tid}: storage at 100% of quota",
            "combiner": "OR",
            "conditions": [{"displayName": "storage", "conditionThreshold": {"filter": "x"}}],
            "notificationChannels": channels,
            "userLabels": labels,
        },
        deps=deps,
    )
    b.add(
        "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig",
        f"{tid}-slo-uptime-1",
        {"project": PROJECT, "displayName": tid, "userLabels": labels},
    )
    b.add(
        "gcp:monitoring/customService:CustomService",
        f"{tid}-slo-service",
        {"project": PROJECT, "serviceId": f"tenant-{tid}", "userLabels": labels},
    )
    for slo in ("availability", "request-success"):
        b.add(
            "gcp:monitoring/slo:Slo",
            f"{tid}-slo-{slo}",
            {"project": PROJECT, "sloId": slo, "goal": 0.995, "userLabels": labels},
        )
    b.add(
        "gcp:monitoring/dashboard:Dashboard",
        f"{tid}-dashboard-dashboard",
        {"project": PROJECT, "dashboardJson": "{}"},
    )
    b.add(
        "gcp:firestore/backupSchedule:BackupSchedule",
        f"{tid}-firestore-backups",
        {"project": PROJECT, "database": names.firestore_database(tid), "retention": "2592000s"},
    )
    b.add(
        "kubernetes:batch/v1:CronJob",
        f"{tid}-neo4j-backup-cronjob",
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {
                "name": f"{names.neo4j_release(tid)}-backup",
                "namespace": names.k8s_namespace(tid),
                "labels": k8s_labels(tid, tier),
            },
            "spec": {
                "schedule": "17 2 * * *",
                "jobTemplate": {
                    "spec": {
                        "template": {
                            "spec": {
                                "restartPolicy": "Never",
                                "securityContext": {"runAsNonRoot": True},
                                "containers": [restricted_container("backup")],
                            }
                        }
                    }
                },
            },
        },
    )
    if tier == "enterprise":  # initech has a project of its own
        data_audit(b, tid)


def data_audit(b: StackBuilder, prefix: str) -> None:
    """Data Access audit logs of the stack's project (the platform's, or an enterprise tenant's
    own)."""
    for service in ("storage.googleapis.com", "cloudsql.googleapis.com"):
        b.add(
            "gcp:projects/iAMAuditConfig:IAMAuditConfig",
            f"{prefix}-audit-{service.split('.')[0]}",
            {
                "project": PROJECT,
                "service": service,
                "auditLogConfigs": [{"logType": "DATA_READ"}, {"logType": "DATA_WRITE"}],
            },
        )


def standard_stack(tid: str) -> PlanStack:
    b = StackBuilder(f"{ENV}.{tid}", tid, "standard")
    tenant_workloads(b, tid, "standard")
    database_set(b, tid, "standard")
    operations(b, tid, "standard")
    return b.stack


def enterprise_stack(tid: str) -> PlanStack:
    b = StackBuilder(f"{ENV}.{tid}", tid, "enterprise")
    gl = gcp_labels(tid, "enterprise")
    cluster = b.cluster(names.gke_cluster(tid), names.node_service_account_id(tid), gl)
    tenant_workloads(b, tid, "enterprise")
    database_set(b, tid, "enterprise")
    operations(b, tid, "enterprise")
    binding = find_in(b.stack, f"{names.workload_service_account_id(tid)}-binding")
    binding.dependencies.append(cluster)  # the cluster creates the Workload Identity pool
    dedicated_project(b, tid, gl)
    tenant_network(b, tid)
    enterprise_identity(b, tid)
    return b.stack


def find_in(stack: PlanStack, name: str) -> PlanResource:
    return next(r for r in stack.resources if r.name == name)


def dedicated_project(b: StackBuilder, tid: str, gl: dict) -> None:
    """The tenant's uploads live in a project this stack creates: its storage API comes first,
    then the Cloud Storage agent's key grant, then the CMEK bucket. Its VPC peers after the
    service networking connection."""
    project = b.add(
        "gcp:organizations/project:Project",
        f"{tid}-project",
        {"projectId": INITECH_PROJECT, "name": tid.title(), "labels": gl},
        protect=True,
    )
    storage = b.add(
        "gcp:projects/service:Service",
        f"{tid}-storage",
        {"project": INITECH_PROJECT, "service": "storage.googleapis.com"},
        deps=(project,),
    )
    bucket = find_in(b.stack, names.uploads_bucket(ENV, PROJECT, tid))
    key = find_in(b.stack, f"{tid}-uploads-key")
    grant = b.add(
        "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
        f"{tid}-uploads-key-gcs-agent",
        {
            "cryptoKeyId": UNKNOWN,
            "role": "roles/cloudkms.cryptoKeyEncrypterDecrypter",
            "member": GCS_AGENT,
        },
        deps=(key.urn, storage),
    )
    bucket.inputs["project"] = INITECH_PROJECT
    bucket.inputs["encryption"] = {
        # a key of the tenant's own project (kms-restrict-tenant-keys)
        "defaultKmsKeyName": f"projects/{INITECH_PROJECT}/locations/us/keyRings/"
        f"{bucket.name}-ring/cryptoKeys/{bucket.name}-key"
    }
    bucket.dependencies += [grant, project]
    network = f"projects/{INITECH_PROJECT}/global/networks/{tid}-vpc"
    connection = b.add(
        "gcp:servicenetworking/connection:Connection",
        f"{tid}-psa",
        {"network": network, "service": "servicenetworking.googleapis.com"},
    )
    b.add(
        "gcp:compute/networkPeering:NetworkPeering",
        f"{tid}-peering",
        {"network": network, "peerNetwork": "projects/initech-corp/global/networks/corp"},
        deps=(connection,),
    )


FIREWALL = "gcp:compute/firewall:Firewall"
CORP_RANGE = "192.168.0.0/16"  # the enterprise tenant's own network (behind its VPN)


def tenant_network(b: StackBuilder, tid: str) -> None:
    """The dedicated VPC's platform rules and the tenant's own rules (network: section)."""
    vpc = f"{tid}-vpc"
    own = TENANTS[tid]
    b.add(
        FIREWALL,
        f"{tid}-allow-internal",
        {
            "name": f"{vpc}-allow-internal",
            "direction": "INGRESS",
            "sourceRanges": [own["network_cidr"], own["pods_cidr"], own["services_cidr"]],
            "allows": [{"protocol": "tcp"}, {"protocol": "udp"}, {"protocol": "icmp"}],
        },
    )
    b.add(
        FIREWALL,
        f"{tid}-deny-ingress",
        {
            "name": f"{vpc}-deny-ingress",
            "direction": "INGRESS",
            "priority": 65000,
            "sourceRanges": ["0.0.0.0/0"],
            "denies": [{"protocol": "all"}],
        },
    )
    b.add(
        FIREWALL,
        f"{tid}-tenant-firewall-corp",
        {
            "name": f"{vpc}-tenant-corp",
            "direction": "INGRESS",
            "priority": 2000,
            "sourceRanges": [CORP_RANGE],
            "allows": [{"protocol": "tcp", "ports": ["443"]}],
        },
    )
    b.add(
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        f"{tid}-tenant-netpols-reporting",
        {
            "metadata": {
                "name": "tenant-reporting",
                "namespace": names.k8s_namespace(tid),
                "labels": k8s_labels(tid, "enterprise"),
            },
            "spec": {
                "podSelector": {"matchLabels": {"app": "reporting"}},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [
                    {"from": [{"ipBlock": {"cidr": CORP_RANGE}}], "ports": [{"port": 8080}]}
                ],
                "egress": [
                    {
                        "to": [
                            {
                                "ipBlock": {
                                    "cidr": "0.0.0.0/0",
                                    "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
                                }
                            },
                        ],
                        "ports": [{"port": 443}],
                    }
                ],
            },
        },
    )


def good_plan() -> Plan:
    return Plan(
        [
            platform_stack(),
            standard_stack("acme"),
            standard_stack("globex"),
            enterprise_stack("initech"),
        ]
    )


# --- mutations ------------------------------------------------------------------------------------
Mutation = Callable[[Plan], None]


def find(plan: Plan, stack: str, name: str) -> PlanResource:
    resource = next((r for r in plan.stack(stack).resources if r.name == name), None)
    assert resource is not None, f"no resource {name!r} in stack {stack!r}"
    return resource


def _parent_and_key(inputs: dict, path: str | tuple[str, ...]) -> tuple[Any, str | int]:
    """A dotted path, or a tuple of keys when a key has dots (label names)."""
    raw = path.split(".") if isinstance(path, str) else list(path)
    parts = [int(p) if p.isdigit() else p for p in raw]
    node: Any = inputs
    for part in parts[:-1]:
        node = node[part] if isinstance(part, int) else node.setdefault(part, {})
    return node, parts[-1]


def set_input(stack: str, name: str, path: str | tuple[str, ...], value: Any) -> Mutation:
    def mutate(plan: Plan) -> None:
        node, key = _parent_and_key(find(plan, stack, name).inputs, path)
        node[key] = value

    return mutate


def drop_input(stack: str, name: str, path: str | tuple[str, ...]) -> Mutation:
    def mutate(plan: Plan) -> None:
        node, key = _parent_and_key(find(plan, stack, name).inputs, path)
        del node[key]

    return mutate


def set_protect(stack: str, name: str, protect: bool) -> Mutation:
    def mutate(plan: Plan) -> None:
        find(plan, stack, name).options.protect = protect

    return mutate


def remove(stack: str, name: str) -> Mutation:
    def mutate(plan: Plan) -> None:
        plan.stack(stack).resources.remove(find(plan, stack, name))

    return mutate


def add(stack: str, type_token: str, name: str, inputs: dict, **kwargs: Any) -> Mutation:
    def mutate(plan: Plan) -> None:
        target = plan.stack(stack)
        builder = StackBuilder(target.name, target.tenant, target.tier)
        builder.stack = target
        builder.add(type_token, name, inputs, **kwargs)

    return mutate


def add_dependency(stack: str, name: str, on_stack_resource: tuple[str, str]) -> Mutation:
    def mutate(plan: Plan) -> None:
        other = find(plan, on_stack_resource[0], on_stack_resource[1])
        find(plan, stack, name).dependencies.append(other.urn)

    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(plan: Plan) -> None:
        for mutation in mutations:
            mutation(plan)

    return mutate


def mutated(mutation: Mutation) -> Plan:
    plan = good_plan()
    mutation(plan)
    return plan


def settings_for_tests() -> EnvironmentSettings:
    from domain.environment import load_environment

    return load_environment(ENV)


def add_stack(stack: PlanStack) -> Mutation:
    def mutate(plan: Plan) -> None:
        plan.stacks.append(stack)

    return mutate


def offboarding_stack() -> PlanStack:
    """soylent is offboarding: its stateful resources have lost their protection on purpose."""
    stack = standard_stack("soylent")
    for resource in stack.resources:
        resource.options.protect = False
        if resource.type == "gcp:sql/databaseInstance:DatabaseInstance":
            resource.inputs["deletionProtection"] = False
            resource.inputs["settings"]["deletionProtectionEnabled"] = False
        if resource.type == "gcp:firestore/database:Database":
            resource.inputs["deleteProtectionState"] = "DELETE_PROTECTION_DISABLED"
        if resource.type == "gcp:storage/bucket:Bucket":
            resource.inputs["forceDestroy"] = True
    return stack


def write_registry(directory: Path) -> Path:
    """The test registry as tenant files, for the CLI (which loads and validates them)."""
    directory.mkdir(parents=True, exist_ok=True)
    for tid in TENANTS:
        (directory / f"{tid}.yaml").write_text(
            "".join(f"{key}: {value}\n" for key, value in tenant_data(tid).items()),
            encoding="utf-8",
        )
    return directory


def case(policy: str, mutation: Mutation, expected: str, *, id: str, config: dict | None = None):
    """A test case of the rule tests: a mutation of the good plan and the message the policy must
    produce."""
    return pytest.param(policy, mutation, expected, config, id=f"{policy}:{id}")


# --- the rows of a rule's mutation table ----------------------------------------------------------

_DROP = object()


class Row(NamedTuple):
    """One row of a rule's table: what it changes and the message the rule must produce. A row
    sets or drops an input of the rule's resource (``on``: another one), or runs a mutation.
    (Not a dataclass: tests/cost loads this file without registering it as a module.)"""

    id: str
    expected: str
    path: str | tuple[str, ...] | None = None
    value: Any = _DROP
    mutation: Mutation | None = None
    on: tuple[str, str] | None = None
    config: dict | None = None


def sets(
    path: str | tuple[str, ...],
    value: Any,
    expected: str,
    *,
    id: str,
    on: tuple[str, str] | None = None,
    config: dict | None = None,
) -> Row:
    return Row(id, expected, path=path, value=value, on=on, config=config)


def drops(
    path: str | tuple[str, ...],
    expected: str,
    *,
    id: str,
    on: tuple[str, str] | None = None,
    config: dict | None = None,
) -> Row:
    return Row(id, expected, path=path, on=on, config=config)


def row(mutation: Mutation, expected: str, *, id: str, config: dict | None = None) -> Row:
    return Row(id, expected, mutation=mutation, config=config)


def rule(policy: str, on: tuple[str, str] | None, *rows: Row) -> list:
    """The cases (see ``case``) of one policy; ``on`` is the (stack, resource) that its rows set
    or drop inputs of, unless a row names its own."""
    cases = []
    for r in rows:
        if r.mutation is not None:
            mutation = r.mutation
        else:
            target = r.on or on
            assert target is not None and r.path is not None, f"{policy}:{r.id}: nothing to change"
            mutation = (
                drop_input(*target, r.path)
                if r.value is _DROP
                else set_input(*target, r.path, r.value)
            )
        cases.append(case(policy, mutation, r.expected, id=r.id, config=r.config))
    return cases
