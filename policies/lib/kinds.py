"""Resource type tokens the policies look at, and where each GCP type keeps its labels."""

from __future__ import annotations

from domain import names
from domain.conventions import TENANT_LABEL
from policies.lib.values import get

__all__ = ["TENANT_LABEL"]  # re-exported for the rules (kinds.TENANT_LABEL)

# --- GCP ---------------------------------------------------------------------------------------
CLUSTER = "gcp:container/cluster:Cluster"
NODE_POOL = "gcp:container/nodePool:NodePool"
SQL_INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance"
BUCKET = "gcp:storage/bucket:Bucket"
BUCKET_IAM_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
BUCKET_IAM_BINDING = "gcp:storage/bucketIAMBinding:BucketIAMBinding"
BUCKET_IAM_POLICY = "gcp:storage/bucketIAMPolicy:BucketIAMPolicy"
SECRET = "gcp:secretmanager/secret:Secret"
SECRET_IAM_MEMBER = "gcp:secretmanager/secretIamMember:SecretIamMember"
SECRET_IAM_BINDING = "gcp:secretmanager/secretIamBinding:SecretIamBinding"
SECRET_IAM_POLICY = "gcp:secretmanager/secretIamPolicy:SecretIamPolicy"
PROJECT_IAM_MEMBER = "gcp:projects/iAMMember:IAMMember"
PROJECT_IAM_BINDING = "gcp:projects/iAMBinding:IAMBinding"
PROJECT_IAM_POLICY = "gcp:projects/iAMPolicy:IAMPolicy"
SA_IAM_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember"
SA_IAM_BINDING = "gcp:serviceaccount/iAMBinding:IAMBinding"
SA_IAM_POLICY = "gcp:serviceaccount/iAMPolicy:IAMPolicy"
SERVICE_ACCOUNT = "gcp:serviceaccount/account:Account"
FIRESTORE_DATABASE = "gcp:firestore/database:Database"
KMS_CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey"
IDP_TENANT = "gcp:identityplatform/tenant:Tenant"

PROJECT_IAM_TYPES = frozenset({PROJECT_IAM_MEMBER, PROJECT_IAM_BINDING, PROJECT_IAM_POLICY})
SA_IAM_TYPES = frozenset({SA_IAM_MEMBER, SA_IAM_BINDING, SA_IAM_POLICY})


def is_gcp_iam_grant(type_token: str) -> bool:
    """Any gcp:*IAMMember/IamMember/…Binding/…Policy resource (project, bucket, secret, key,
    SA...)."""
    if not type_token.startswith("gcp:"):
        return False
    return type_token.rsplit(":", 1)[-1].lower().endswith(("iammember", "iambinding", "iampolicy"))


# Where each type keeps labels ("resourceLabels on clusters and node configs, userLabels on Cloud
# SQL settings"); a type missing here is still checked when it has a top-level `labels` input.
LABEL_FIELDS: dict[str, tuple[str, ...]] = {
    CLUSTER: ("resourceLabels",),
    NODE_POOL: ("nodeConfig.resourceLabels",),
    SQL_INSTANCE: ("settings.userLabels",),
    BUCKET: ("labels",),
    SECRET: ("labels",),
    KMS_CRYPTO_KEY: ("labels",),
    "gcp:organizations/project:Project": ("labels",),
    "gcp:dns/managedZone:ManagedZone": ("labels",),
    "gcp:compute/address:Address": ("labels",),
    "gcp:compute/globalAddress:GlobalAddress": ("labels",),
    "gcp:artifactregistry/repository:Repository": ("labels",),
    "gcp:pubsub/topic:Topic": ("labels",),
    "gcp:redis/instance:Instance": ("labels",),
    "gcp:certificatemanager/certificate:Certificate": ("labels",),
    "gcp:monitoring/alertPolicy:AlertPolicy": ("userLabels",),
    # A notification channel's `labels` configure it (email_address, channel_name).
    "gcp:monitoring/notificationChannel:NotificationChannel": ("userLabels",),
    "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig": ("userLabels",),
    "gcp:monitoring/customService:CustomService": ("userLabels",),
    "gcp:monitoring/slo:Slo": ("userLabels",),
}
GENERIC_LABEL_FIELDS = ("labels", "userLabels", "resourceLabels")

# --- Temporal Cloud ------------------------------------------------------------------------------
TEMPORAL_NAMESPACE = "temporalcloud:index/namespace:Namespace"
TEMPORAL_SERVICE_ACCOUNT = "temporalcloud:index/serviceAccount:ServiceAccount"
TEMPORAL_API_KEY = "temporalcloud:index/apikey:Apikey"

# --- Kubernetes ----------------------------------------------------------------------------------
NAMESPACE = "kubernetes:core/v1:Namespace"
RESOURCE_QUOTA = "kubernetes:core/v1:ResourceQuota"
LIMIT_RANGE = "kubernetes:core/v1:LimitRange"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
SERVICE = "kubernetes:core/v1:Service"
PVC = "kubernetes:core/v1:PersistentVolumeClaim"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"
ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
# Typed custom resources are kubernetes:<group/version>:<Kind>; this untyped form carries `kind`.
CUSTOM_RESOURCE = "kubernetes:apiextensions.k8s.io:CustomResource"

POD = "kubernetes:core/v1:Pod"
# Workloads and where their pod spec sits.
POD_SPEC_PATHS: dict[str, str] = {
    POD: "spec",
    "kubernetes:apps/v1:Deployment": "spec.template.spec",
    "kubernetes:apps/v1:StatefulSet": "spec.template.spec",
    "kubernetes:apps/v1:DaemonSet": "spec.template.spec",
    "kubernetes:apps/v1:ReplicaSet": "spec.template.spec",
    "kubernetes:batch/v1:Job": "spec.template.spec",
    "kubernetes:batch/v1:CronJob": "spec.jobTemplate.spec.template.spec",
}

# Kubernetes kinds that are not namespaced (every other Kubernetes object is).
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "ClusterRole",
        "ClusterRoleBinding",
        "StorageClass",
        "CSIDriver",
        "CSINode",
        "VolumeAttachment",
        "PriorityClass",
        "RuntimeClass",
        "IngressClass",
        "CustomResourceDefinition",
        "APIService",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "ClusterIssuer",
        "VolumeSnapshotClass",
        "NetworkLogging",  # GKE Dataplane V2, one per cluster
        "NetworkLoggingPatch",
    }
)
# Component types of pulumi-kubernetes: they hold no Kubernetes object of their own.
K8S_COMPONENTS = frozenset(
    {
        "kubernetes:helm.sh/v3:Chart",
        "kubernetes:helm.sh/v4:Chart",
        "kubernetes:yaml:ConfigFile",
        "kubernetes:yaml:ConfigGroup",
        "kubernetes:yaml/v2:ConfigFile",
        "kubernetes:yaml/v2:ConfigGroup",
        "kubernetes:kustomize:Directory",
        "kubernetes:kustomize/v2:Directory",
    }
)


def is_k8s(type_token: str) -> bool:
    return type_token.startswith("kubernetes:") and type_token not in K8S_COMPONENTS


def k8s_kind(type_token: str, props) -> str:
    """The object kind; custom resources are typed kubernetes:<group/version>:<Kind>."""
    return (
        get(props, "kind", "CustomResource")
        if type_token == CUSTOM_RESOURCE
        else type_token.rsplit(":", 1)[-1]
    )


def is_namespaced_k8s(type_token: str, props) -> bool:
    return is_k8s(type_token) and k8s_kind(type_token, props) not in CLUSTER_SCOPED_KINDS


def k8s_namespace_of(type_token: str, props) -> str | None:
    """The namespace an object declares (a Helm release names it at the top level)."""
    return (
        get(props, "namespace") if type_token == HELM_RELEASE else get(props, "metadata.namespace")
    )


# --- tenant namespaces --------------------------------------------------------------------------
TENANT_NAMESPACE_PREFIX = names.k8s_namespace("")  # tenant-<id>


def is_tenant_namespace_name(namespace: str | None) -> bool:
    """Namespaces tenant workloads run in: tenant-<id> and the shared free-tier namespace."""
    return namespace is not None and (
        namespace.startswith(TENANT_NAMESPACE_PREFIX) or namespace == names.FREE_TIER_NAMESPACE
    )
