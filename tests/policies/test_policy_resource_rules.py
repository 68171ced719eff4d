"""Resource rules, Checkov-style: a known-good fixture, then mutations with the message each must
produce."""

from __future__ import annotations

import json

import pytest
from deploy_readiness_cases import DEPLOY_RESOURCE_CASES, DEPLOY_TOLERATED
from policy_plan_fixtures import (
    ACME,
    ENV,
    POOL,
    PROJECT,
    add,
    add_stack,
    both,
    case,
    drop_input,
    good_plan,
    mutated,
    offboarding_stack,
    set_input,
)

from domain import names
from policies.pack import ALL_POLICIES

ACME_BUCKET = names.uploads_bucket(ENV, PROJECT, "acme")
SHARED_BUCKET = names.shared_uploads_bucket(ENV, PROJECT)
APP_SPEC = "spec.template.spec"

RESOURCE_CASES = [
    # --- GKE --------------------------------------------------------------------------------------
    case(
        "gke-require-private-nodes",
        set_input("dev", "pool-a", "privateClusterConfig.enablePrivateNodes", False),
        "privateClusterConfig.enablePrivateNodes must be true",
        id="public-nodes",
    ),
    case(
        "gke-require-private-nodes",
        drop_input("dev.initech", "initech-gke", "privateClusterConfig"),
        "Cluster 'initech-gke': privateClusterConfig.enablePrivateNodes must be true",
        id="no-private-config",
    ),
    case(
        "gke-require-workload-identity",
        drop_input("dev", "pool-a", "workloadIdentityConfig"),
        "workloadIdentityConfig.workloadPool must be set",
        id="no-pool",
    ),
    case(
        "gke-require-workload-identity",
        set_input("dev", "pool-a", "workloadIdentityConfig.workloadPool", "pool-a"),
        "'pool-a' is not a <project>.svc.id.goog pool",
        id="bad-pool",
    ),
    case(
        "gke-require-workload-identity",
        set_input(
            "dev", "pool-a-general", "nodeConfig.workloadMetadataConfig.mode", "GCE_METADATA"
        ),
        "NodePool 'pool-a-general': nodeConfig.workloadMetadataConfig.mode is 'GCE_METADATA'",
        id="gce-metadata",
    ),
    case(
        "gke-require-workload-identity",
        drop_input("dev", "pool-a-general", "nodeConfig.workloadMetadataConfig"),
        "nodeConfig.workloadMetadataConfig.mode is None, must be 'GKE_METADATA'",
        id="pool-without-mode",
    ),
    case(
        "gke-require-network-policy",
        set_input("dev", "pool-a", "datapathProvider", "LEGACY_DATAPATH"),
        "neither Dataplane V2",
        id="legacy-datapath",
    ),
    case(
        "gke-disable-legacy-abac",
        set_input("dev", "pool-a", "enableLegacyAbac", True),
        "enableLegacyAbac is true",
        id="abac",
    ),
    case(
        "gke-disable-kubernetes-alpha",
        set_input("dev", "pool-a", "enableKubernetesAlpha", True),
        "enableKubernetesAlpha is true",
        id="alpha",
    ),
    case(
        "gke-require-shielded-nodes",
        set_input("dev", "pool-a", "enableShieldedNodes", False),
        "enableShieldedNodes is false",
        id="unshielded",
    ),
    case(
        "gke-require-shielded-nodes",
        set_input(
            "dev", "pool-a-general", "nodeConfig.shieldedInstanceConfig.enableSecureBoot", False
        ),
        "nodeConfig.shieldedInstanceConfig.enableSecureBoot is false",
        id="no-secure-boot",
    ),
    case(
        "gke-require-release-channel",
        set_input("dev", "pool-a", "releaseChannel.channel", "UNSPECIFIED"),
        "releaseChannel.channel is 'UNSPECIFIED'",
        id="unspecified",
    ),
    case(
        "gke-require-release-channel",
        drop_input("dev", "pool-a", "releaseChannel"),
        "releaseChannel.channel is None",
        id="none",
    ),
    case(
        "gke-require-node-auto-upgrade-repair",
        set_input("dev", "pool-a-general", "management.autoUpgrade", False),
        "management.autoUpgrade must be true",
        id="no-upgrade",
    ),
    case(
        "gke-require-node-auto-upgrade-repair",
        drop_input("dev", "pool-a-general", "management"),
        "management.autoRepair must be true",
        id="no-management",
    ),
    case(
        "gke-forbid-default-service-account",
        drop_input("dev", "pool-a-general", "nodeConfig.serviceAccount"),
        "nodeConfig.serviceAccount is not set, so nodes run as the Compute Engine default",
        id="unset",
    ),
    case(
        "gke-forbid-default-service-account",
        set_input(
            "dev",
            "pool-a",
            "nodeConfig.serviceAccount",
            "123456789012-compute@developer.gserviceaccount.com",
        ),
        "is a default service account",
        id="compute-default",
    ),
    case(
        "gke-disable-client-certificate",
        set_input(
            "dev", "pool-a", "masterAuth.clientCertificateConfig.issueClientCertificate", True
        ),
        "issueClientCertificate is true",
        id="client-cert",
    ),
    case(
        "gke-restrict-master-authorized-networks",
        set_input(
            "dev",
            "pool-a",
            "masterAuthorizedNetworksConfig.cidrBlocks",
            [{"cidrBlock": "0.0.0.0/0"}],
        ),
        "master authorized network '0.0.0.0/0' opens the control plane to the internet",
        id="open",
    ),
    case(
        "gke-restrict-master-authorized-networks",
        drop_input("dev", "pool-a", "masterAuthorizedNetworksConfig"),
        "masterAuthorizedNetworksConfig is not set",
        id="unset",
    ),
    case(
        "gke-restrict-master-authorized-networks",
        set_input("dev", "pool-a", "masterAuthorizedNetworksConfig.cidrBlocks", []),
        "masterAuthorizedNetworksConfig.cidrBlocks is empty",
        id="empty",
    ),
    # --- Cloud SQL --------------------------------------------------------------------------------
    case(
        "sql-forbid-public-ip",
        set_input(ACME, "acme-postgres-1", "settings.ipConfiguration.ipv4Enabled", True),
        "DatabaseInstance 'acme-postgres-1': settings.ipConfiguration.ipv4Enabled must be false",
        id="ipv4",
    ),
    case(
        "sql-forbid-public-ip",
        drop_input(ACME, "acme-postgres-1", "settings.ipConfiguration.ipv4Enabled"),
        "ipv4Enabled must be false",
        id="ipv4-default-on",
    ),
    case(
        "sql-forbid-public-ip",
        set_input(
            ACME,
            "acme-postgres-1",
            "settings.ipConfiguration.authorizedNetworks",
            [{"name": "all", "value": "0.0.0.0/0"}],
        ),
        "authorized network '0.0.0.0/0' admits the whole internet",
        id="open-network",
    ),
    case(
        "sql-require-tls",
        set_input(
            ACME,
            "acme-postgres-2",
            "settings.ipConfiguration.sslMode",
            "ALLOW_UNENCRYPTED_AND_ENCRYPTED",
        ),
        "sslMode is 'ALLOW_UNENCRYPTED_AND_ENCRYPTED'; allowed: ENCRYPTED_ONLY, "
        "TRUSTED_CLIENT_CERTIFICATE_REQUIRED",
        id="unencrypted",
    ),
    case(
        "sql-require-tls",
        drop_input(ACME, "acme-postgres-2", "settings.ipConfiguration.sslMode"),
        "sslMode is None",
        id="unset",
    ),
    case(
        "sql-require-tls",
        set_input(ACME, "acme-postgres-2", "settings.ipConfiguration.sslMode", "ENCRYPTED_ONLY"),
        "sslMode is 'ENCRYPTED_ONLY'; allowed: TRUSTED_CLIENT_CERTIFICATE_REQUIRED",
        id="knob-stricter",
        config={"allowedSslModes": ["TRUSTED_CLIENT_CERTIFICATE_REQUIRED"]},
    ),
    case(
        "sql-require-backups-and-pitr",
        set_input(ACME, "acme-postgres-3", "settings.backupConfiguration.enabled", False),
        "settings.backupConfiguration.enabled must be true",
        id="no-backups",
    ),
    case(
        "sql-require-backups-and-pitr",
        set_input(
            "dev",
            "dev-shared-postgres",
            "settings.backupConfiguration.pointInTimeRecoveryEnabled",
            False,
        ),
        "pointInTimeRecoveryEnabled must be true",
        id="no-pitr",
    ),
    case(
        "sql-require-deletion-protection",
        set_input(ACME, "acme-postgres-1", "deletionProtection", False),
        "deletionProtection is false and its tenant is not offboarding",
        id="provider",
    ),
    case(
        "sql-require-deletion-protection",
        set_input("dev", "dev-shared-postgres", "settings.deletionProtectionEnabled", False),
        "settings.deletionProtectionEnabled is false",
        id="api",
    ),
    case(
        "sql-require-postgres-log-flags",
        set_input(
            ACME,
            "acme-postgres-1",
            "settings.databaseFlags",
            [{"name": "log_checkpoints", "value": "off"}],
        ),
        "database flag log_checkpoints is 'off', expected 'on'",
        id="flag-off",
    ),
    case(
        "sql-require-postgres-log-flags",
        set_input(ACME, "acme-postgres-1", "settings.databaseFlags", []),
        "database flag log_connections is not set",
        id="flags-missing",
    ),
    case(
        "sql-require-postgres-log-flags",
        set_input(ACME, "acme-postgres-1", "databaseVersion", "POSTGRES_15"),
        "database flag log_hostname is not set (expected 'on')",
        id="knob-extra-flag",
        config={"requiredFlags": {"log_hostname": "on"}},
    ),
    case(
        "sql-require-pgaudit",
        set_input(ACME, "acme-postgres-1", "settings.databaseFlags", []),
        "database flag cloudsql.enable_pgaudit is not set: pgAudit is not loaded",
        id="pgaudit-not-loaded",
    ),
    case(
        "sql-require-pgaudit",
        set_input(
            ACME,
            "acme-postgres-1",
            "settings.databaseFlags",
            [
                {"name": "cloudsql.enable_pgaudit", "value": "on"},
                {"name": "pgaudit.log", "value": "none"},
            ],
        ),
        "database flag pgaudit.log is 'none': pgAudit logs nothing",
        id="pgaudit-logs-nothing",
    ),
    case(
        "sql-require-pgaudit",
        set_input(
            ACME,
            "acme-postgres-1",
            "settings.databaseFlags",
            [
                {"name": "cloudsql.enable_pgaudit", "value": "off"},
                {"name": "pgaudit.log", "value": "write"},
            ],
        ),
        "database flag cloudsql.enable_pgaudit is 'off': pgAudit is not loaded",
        id="pgaudit-off",
    ),
    # --- Cloud Storage ----------------------------------------------------------------------------
    case(
        "gcs-require-access-logging",
        set_input(ACME, ACME_BUCKET, "logging", None),
        "logging.logBucket is not set: no access logs",
        id="no-access-logs",
    ),
    case(
        "gcs-require-access-logging",
        set_input(ACME, ACME_BUCKET, "logging", {"logBucket": ""}),
        "logging.logBucket is not set: no access logs",
        id="empty-log-bucket",
    ),
    case(
        "gcs-require-uniform-access",
        set_input(ACME, ACME_BUCKET, "uniformBucketLevelAccess", False),
        "uniformBucketLevelAccess must be true",
        id="acls",
    ),
    case(
        "gcs-enforce-public-access-prevention",
        set_input(ACME, ACME_BUCKET, "publicAccessPrevention", "inherited"),
        "publicAccessPrevention is 'inherited', must be 'enforced'",
        id="inherited",
    ),
    case(
        "gcs-enforce-public-access-prevention",
        drop_input("dev", SHARED_BUCKET, "publicAccessPrevention"),
        "publicAccessPrevention is None",
        id="unset",
    ),
    case(
        "gcs-require-versioning",
        set_input(ACME, ACME_BUCKET, "versioning.enabled", False),
        "versioning.enabled must be true for standard tenant 'acme'",
        id="standard",
    ),
    case(
        "gcs-require-versioning",
        drop_input("dev.initech", names.uploads_bucket(ENV, PROJECT, "initech"), "versioning"),
        "versioning.enabled must be true for enterprise tenant 'initech'",
        id="enterprise",
    ),
    # --- IAM --------------------------------------------------------------------------------------
    case(
        "iam-forbid-public-principals",
        set_input(ACME, "acme-uploads-object-admin", "member", "allUsers"),
        "BucketIAMMember 'acme-uploads-object-admin': grants roles/storage.objectAdmin to allUsers",
        id="bucket-member",
    ),
    case(
        "iam-forbid-public-principals",
        add(
            ACME,
            "gcp:storage/bucketIAMBinding:BucketIAMBinding",
            "acme-readers",
            {
                "bucket": ACME_BUCKET,
                "role": "roles/storage.objectViewer",
                "members": ["allAuthenticatedUsers"],
            },
        ),
        "grants roles/storage.objectViewer to allAuthenticatedUsers",
        id="bucket-binding",
    ),
    case(
        "iam-forbid-public-principals",
        add(
            ACME,
            "gcp:storage/bucketIAMPolicy:BucketIAMPolicy",
            "acme-policy",
            {
                "bucket": ACME_BUCKET,
                "policyData": json.dumps(
                    {"bindings": [{"role": "roles/storage.objectViewer", "members": ["allUsers"]}]}
                ),
            },
        ),
        "BucketIAMPolicy 'acme-policy': grants roles/storage.objectViewer to allUsers",
        id="policy-json",
    ),
    case(
        "iam-forbid-public-principals",
        set_input(ACME, "acme-postgres-1-password-accessor", "member", "allAuthenticatedUsers"),
        "SecretIamMember 'acme-postgres-1-password-accessor': grants "
        "roles/secretmanager.secretAccessor to "
        "allAuthenticatedUsers",
        id="secret",
    ),
    case(
        "iam-forbid-basic-roles",
        set_input(ACME, "acme-cloudsql-client", "role", "roles/editor"),
        "IAMMember 'acme-cloudsql-client': grants basic role roles/editor to "
        "serviceAccount:acme-workload@",
        id="editor",
    ),
    case(
        "iam-forbid-basic-roles",
        set_input(ACME, "acme-uploads-object-admin", "role", "roles/owner"),
        "grants basic role roles/owner",
        id="bucket-owner",
    ),
    case(
        "iam-forbid-project-impersonation-roles",
        set_input(ACME, "acme-datastore-user", "role", "roles/iam.serviceAccountTokenCreator"),
        "grants roles/iam.serviceAccountTokenCreator to serviceAccount:acme-workload@",
        id="token-creator",
    ),
    case(
        "iam-forbid-project-impersonation-roles",
        add(
            "dev",
            "gcp:projects/iAMMember:IAMMember",
            "wi-everything",
            {
                "project": PROJECT,
                "role": "roles/iam.workloadIdentityUser",
                "member": f"serviceAccount:{POOL}[free-tier/free-tier-sa]",
            },
        ),
        "grants roles/iam.workloadIdentityUser to serviceAccount:",
        id="project-wi",
    ),
    case(
        "iam-forbid-project-impersonation-roles",
        add(
            "dev",
            "gcp:projects/iAMBinding:IAMBinding",
            "sa-users",
            {
                "project": PROJECT,
                "role": "roles/iam.serviceAccountUser",
                "members": ["group:dev@example.com"],
            },
        ),
        "grants roles/iam.serviceAccountUser to group:dev@example.com on the whole project",
        id="binding",
    ),
    case(
        "iam-forbid-default-service-accounts",
        set_input(
            ACME,
            "acme-uploads-object-admin",
            "member",
            "serviceAccount:123456789012-compute@developer.gserviceaccount.com",
        ),
        "to default service account "
        "serviceAccount:123456789012-compute@developer.gserviceaccount.com",
        id="compute",
    ),
    case(
        "iam-forbid-default-service-accounts",
        set_input(
            ACME,
            "acme-cloudsql-client",
            "member",
            f"serviceAccount:{PROJECT}@appspot.gserviceaccount.com",
        ),
        "default service account",
        id="appspot",
    ),
    # --- KMS --------------------------------------------------------------------------------------
    case(
        "kms-require-key-rotation",
        drop_input(ACME, "acme-uploads-key", "rotationPeriod"),
        "rotationPeriod is not set; the key never rotates (allowed 1..90 days)",
        id="never",
    ),
    case(
        "kms-require-key-rotation",
        set_input(ACME, "acme-uploads-key", "rotationPeriod", "31536000s"),
        "rotationPeriod is 365 days; allowed 1..90 days",
        id="yearly",
    ),
    case(
        "kms-require-key-rotation",
        set_input(ACME, "acme-uploads-key", "rotationPeriod", "90d"),
        "rotationPeriod '90d' is not a duration in seconds",
        id="malformed",
    ),
    case(
        "kms-require-key-rotation",
        set_input(ACME, "acme-uploads-key", "rotationPeriod", "7776000s"),
        "rotationPeriod is 90 days; allowed 1..30 days",
        id="knob",
        config={"maxRotationDays": 30},
    ),
    # --- Kubernetes -------------------------------------------------------------------------------
    case(
        "k8s-require-pod-security-labels",
        set_input(
            ACME,
            "tenant-acme-namespace",
            ("metadata", "labels", "pod-security.kubernetes.io/enforce"),
            "baseline",
        ),
        "tenant namespace 'tenant-acme' label pod-security.kubernetes.io/enforce is 'baseline', "
        "must be 'restricted'",
        id="baseline",
    ),
    case(
        "k8s-require-pod-security-labels",
        drop_input(
            "dev", "free-tier-namespace", ("metadata", "labels", "pod-security.kubernetes.io/warn")
        ),
        "tenant namespace 'free-tier' label pod-security.kubernetes.io/warn is None",
        id="free-tier",
    ),
    case(
        "k8s-block-host-access",
        set_input(ACME, "acme-app", f"{APP_SPEC}.hostNetwork", True),
        "Deployment 'acme-app': hostNetwork is true",
        id="host-network",
    ),
    case(
        "k8s-block-host-access",
        set_input(ACME, "acme-app", f"{APP_SPEC}.hostPID", True),
        "hostPID is true",
        id="host-pid",
    ),
    case(
        "k8s-block-host-access",
        set_input(ACME, "acme-app", f"{APP_SPEC}.hostIPC", True),
        "hostIPC is true",
        id="host-ipc",
    ),
    case(
        "k8s-block-host-access",
        set_input(
            ACME,
            "acme-app",
            f"{APP_SPEC}.volumes",
            [{"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}}],
        ),
        "volume 'docker' mounts hostPath '/var/run/docker.sock'",
        id="host-path",
    ),
    case(
        "k8s-block-host-access",
        set_input(
            ACME,
            "acme-app",
            f"{APP_SPEC}.containers.0.ports",
            [{"containerPort": 80, "hostPort": 80}],
        ),
        "containers[app] binds hostPort 80",
        id="host-port",
    ),
    case(
        "k8s-block-privileged-containers",
        set_input(ACME, "acme-app", f"{APP_SPEC}.containers.0.securityContext.privileged", True),
        "Deployment 'acme-app': containers[app] is privileged",
        id="privileged",
    ),
    case(
        "k8s-block-privileged-containers",
        drop_input(
            "dev",
            "free-tier-app",
            f"{APP_SPEC}.containers.0.securityContext.allowPrivilegeEscalation",
        ),
        "containers[app] must set securityContext.allowPrivilegeEscalation = false",
        id="escalation-unset",
    ),
    case(
        "k8s-block-privileged-containers",
        add(
            ACME,
            "kubernetes:batch/v1:Job",
            "acme-migrate",
            {
                "metadata": {"name": "migrate", "namespace": "tenant-acme"},
                "spec": {
                    "template": {
                        "spec": {
                            "initContainers": [
                                {
                                    "name": "init",
                                    "securityContext": {
                                        "privileged": True,
                                        "allowPrivilegeEscalation": True,
                                    },
                                }
                            ],
                            "containers": [],
                        }
                    }
                },
            },
        ),
        "Job 'acme-migrate': initContainers[init] is privileged",
        id="init-container",
    ),
    case(
        "k8s-forbid-nodeport-services",
        set_input(ACME, "acme-app-svc", "spec.type", "NodePort"),
        "Service 'acme-app-svc': type NodePort opens a port on every node",
        id="nodeport",
    ),
    case(
        "k8s-forbid-tenant-loadbalancers",
        set_input(ACME, "acme-app-svc", "spec.type", "LoadBalancer"),
        "type LoadBalancer in tenant namespace 'tenant-acme'",
        id="loadbalancer",
    ),
    case(
        "k8s-forbid-tenant-cluster-rbac",
        add(
            ACME,
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
            "acme-admin",
            {
                "metadata": {"name": "acme-admin"},
                "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
                "subjects": [
                    {"kind": "ServiceAccount", "name": "tenant-acme-sa", "namespace": "tenant-acme"}
                ],
            },
        ),
        "ClusterRoleBinding grants cluster-wide rights to 'tenant-acme-sa' of tenant namespace "
        "'tenant-acme'",
        id="crb",
    ),
    case(
        "k8s-forbid-tenant-cluster-rbac",
        set_input(
            ACME,
            "acme-app-reader",
            "subjects",
            [{"kind": "ServiceAccount", "name": "tenant-globex-sa", "namespace": "tenant-globex"}],
        ),
        "RoleBinding in 'tenant-acme' grants rights to 'tenant-globex-sa' of namespace "
        "'tenant-globex'",
        id="cross-namespace",
    ),
    case(
        "k8s-forbid-tenant-cluster-rbac",
        set_input(
            ACME, "acme-app-reader", "subjects", [{"kind": "Group", "name": "system:authenticated"}]
        ),
        "binds group system:authenticated, which includes every tenant",
        id="everyone",
    ),
    case(
        "k8s-forbid-default-namespace",
        set_input(ACME, "acme-app", "metadata.namespace", "default"),
        "Deployment 'acme-app': lands in namespace 'default'",
        id="explicit",
    ),
    case(
        "k8s-forbid-default-namespace",
        drop_input("dev", "hooli-limits", "metadata.namespace"),
        "ConfigMap 'hooli-limits': lands in namespace 'default'",
        id="implicit",
    ),
    case(
        "k8s-forbid-default-namespace",
        drop_input("dev", "ingress-nginx", "namespace"),
        "Release 'ingress-nginx': lands in namespace 'default'",
        id="helm-release",
    ),
    case(
        "k8s-forbid-default-namespace",
        add(
            ACME,
            "kubernetes:cert-manager.io/v1:Certificate",
            "acme-cert",
            {"metadata": {"name": "acme-tls"}, "spec": {"secretName": "acme-tls"}},
        ),
        "Certificate 'acme-cert': lands in namespace 'default'",
        id="custom-resource",
    ),
    # --- Temporal ---------------------------------------------------------------------------------
    case(
        "temporal-require-namespace-auth",
        set_input(ACME, "dev-acme", "apiKeyAuth", False),
        "neither apiKeyAuth = true nor an acceptedClientCa (mTLS) is set",
        id="no-auth",
    ),
    case(
        "temporal-bound-retention",
        set_input(ACME, "dev-acme", "retentionDays", 0),
        "retentionDays is 0; allowed 1..90",
        id="zero",
    ),
    case(
        "temporal-bound-retention",
        set_input("dev", "dev-free-tier", "retentionDays", 120),
        "retentionDays is 120; allowed 1..90",
        id="too-long",
    ),
    case(
        "temporal-bound-retention",
        set_input(ACME, "dev-acme", "retentionDays", 14),
        "retentionDays is 14; allowed 20..90",
        id="knob",
        config={"minRetentionDays": 20},
    ),
    case(
        "temporal-enforce-namespace-name",
        set_input(ACME, "dev-acme", "name", "Dev_Acme"),
        "temporal_namespace 'Dev_Acme' does not match",
        id="invalid",
    ),
    case(
        "temporal-enforce-namespace-name",
        set_input(ACME, "dev-acme", "name", "acme"),
        "name 'acme' should be 'dev-acme' in stack dev.acme",
        id="scheme",
    ),
    case(
        "temporal-enforce-namespace-name",
        drop_input(ACME, "dev-acme", "name"),
        "name is not set",
        id="unnamed",
    ),
    # --- GCP --------------------------------------------------------------------------------------
    case(
        "gcp-restrict-resource-regions",
        set_input(ACME, "acme-postgres-1", "region", "europe-north1"),
        "DatabaseInstance 'acme-postgres-1': region 'europe-north1' is outside the allowed regions "
        "europe-west1, us-central1, us-east1",
        id="sql",
    ),
    case(
        "gcp-restrict-resource-regions",
        set_input(ACME, ACME_BUCKET, "location", "US"),
        "location 'US' is outside the allowed regions",
        id="multi-region",
    ),
    case(
        "gcp-restrict-resource-regions",
        set_input(ACME, "dev-acme", "regions", ["aws-us-east-1"]),
        "regions 'aws-us-east-1' is outside",
        id="temporal",
    ),
    case(
        "gcp-restrict-resource-regions",
        set_input(ACME, "acme-postgres-1", "region", "us-central1"),
        "region 'us-central1' is outside the allowed regions us-east1",
        id="knob",
        config={"allowedRegions": ["us-east1"]},
    ),
    case(
        "gcp-require-managed-by-label",
        set_input(ACME, ACME_BUCKET, "labels.managed-by", "terraform"),
        "labels.managed-by is 'terraform', must be 'tenancy'",
        id="bucket",
    ),
    case(
        "gcp-require-managed-by-label",
        drop_input("dev", "pool-a-general", "nodeConfig.resourceLabels.managed-by"),
        "NodePool 'pool-a-general': nodeConfig.resourceLabels.managed-by is None",
        id="node-pool",
    ),
    # --- a tenant's app release (issue 16: enterprise Helm values) ---------------------------
    case(
        "k8s-restrict-tenant-app-values",
        set_input(ACME, "acme-app-release", "values.hostNetwork", True),
        "sets Helm values ['hostNetwork'] that are neither the platform's nor allowed",
        id="unknown-value",
    ),
    case(
        "k8s-restrict-tenant-app-values",
        set_input("dev.initech", "initech-app-release", "values.serviceAccount.name", "default"),
        "runs as service account 'default', not the namespace's own 'tenant-initech-sa'",
        id="other-service-account",
    ),
    case(
        "k8s-restrict-tenant-app-values",
        set_input(ACME, "acme-app-release", "values.service.type", "LoadBalancer"),
        "service.type is 'LoadBalancer', must be ClusterIP",
        id="load-balancer",
    ),
    case(
        "k8s-restrict-tenant-app-values",
        set_input(
            "dev.initech",
            "initech-app-release",
            "values.nodeSelector",
            {"kubernetes.io/hostname": "platform-node-1"},
        ),
        "nodeSelector on ['kubernetes.io/hostname']",
        id="node-selector",
    ),
    case(
        "k8s-restrict-tenant-app-values",
        set_input("dev.initech", "initech-app-release", "values.securityContext.privileged", True),
        "securityContext must set allowPrivilegeEscalation: false and not privileged",
        id="privileged",
    ),
    case(
        "k8s-restrict-tenant-app-values",
        drop_input(ACME, "acme-app-release", "values.podSecurityContext.runAsNonRoot"),
        "podSecurityContext.runAsNonRoot must be true",
        id="root",
    ),
]

# Variants a rule must accept: the rule is not a blunt instrument.
RESOURCE_CASES += DEPLOY_RESOURCE_CASES

TOLERATED = [
    pytest.param(
        "gke-require-network-policy",
        both(
            set_input("dev", "pool-a", "datapathProvider", "LEGACY_DATAPATH"),
            set_input("dev", "pool-a", "networkPolicy", {"enabled": True, "provider": "CALICO"}),
        ),
        id="calico",
    ),
    pytest.param(
        "gke-require-workload-identity",
        drop_input("dev", "pool-a", "nodeConfig.workloadMetadataConfig"),
        id="default-pool-inherits",
    ),
    pytest.param(
        "sql-require-backups-and-pitr",
        add(
            ACME,
            "gcp:sql/databaseInstance:DatabaseInstance",
            "acme-postgres-1-replica",
            {
                "name": "acme-postgres-1-replica",
                "masterInstanceName": "acme-postgres-1",
                "settings": {"backupConfiguration": {"enabled": False}},
            },
        ),
        id="replica",
    ),
    pytest.param(
        "sql-require-deletion-protection", add_stack(offboarding_stack()), id="offboarding"
    ),
    pytest.param(
        "gcs-require-versioning",
        set_input("dev", SHARED_BUCKET, "versioning.enabled", False),
        id="shared-bucket",
    ),
    pytest.param(
        "k8s-forbid-tenant-loadbalancers",
        add(
            "dev",
            "kubernetes:core/v1:Service",
            "ingress-lb",
            {
                "metadata": {"name": "ingress-nginx", "namespace": "ingress-nginx"},
                "spec": {"type": "LoadBalancer"},
            },
        ),
        id="platform-ingress",
    ),
    pytest.param(
        "k8s-forbid-default-namespace",
        add(
            "dev",
            "kubernetes:cert-manager.io/v1:ClusterIssuer",
            "issuer",
            {"metadata": {"name": "letsencrypt"}, "spec": {"acme": {}}},
        ),
        id="cluster-scoped",
    ),
    pytest.param(
        "temporal-require-namespace-auth",
        both(
            set_input(ACME, "dev-acme", "apiKeyAuth", False),
            set_input(ACME, "dev-acme", "acceptedClientCa", "LS0tLS1CRUdJTg=="),
        ),
        id="mtls",
    ),
    pytest.param(
        "gcp-restrict-resource-regions",
        set_input(ACME, "acme-postgres-1", "region", "us-central1-a"),
        id="zone",
    ),
    pytest.param(
        "gcp-restrict-resource-regions",
        add(
            ACME,
            "gcp:kms/keyRing:KeyRing",
            "acme-ring",
            {"name": "acme-ring", "location": "global"},
        ),
        id="global",
    ),
]


TOLERATED += DEPLOY_TOLERATED


@pytest.mark.parametrize("policy", ALL_POLICIES, ids=lambda p: p.name)
def test_known_good_plan_passes(policy, run_policy):
    report = run_policy(policy.name, good_plan())
    assert report.violations == [] and report.undecided == [], [
        r.message for r in report.violations + report.undecided
    ]


@pytest.mark.parametrize("policy, mutation, expected, config", RESOURCE_CASES)
def test_mutation_is_caught(policy, mutation, expected, config, run_policy):
    report = run_policy(policy, mutated(mutation), config)
    messages = [r.message for r in report.violations]
    assert any(expected in m for m in messages), messages
    assert report.undecided == []
    assert all(r.policy == policy for r in report.violations)


@pytest.mark.parametrize("policy, mutation", TOLERATED)
def test_tolerated_variant_passes(policy, mutation, run_policy):
    report = run_policy(policy, mutated(mutation))
    assert report.violations == [] and report.undecided == [], [
        r.message for r in report.violations + report.undecided
    ]


def test_every_resource_policy_has_mutation_cases():
    from pulumi_policy import ResourceValidationPolicy

    covered = {p.values[0] for p in RESOURCE_CASES}
    resource_policies = {p.name for p in ALL_POLICIES if isinstance(p, ResourceValidationPolicy)}
    assert resource_policies - covered == set()


def test_unknown_input_is_undecided_not_a_pass(run_policy):
    plan = mutated(
        set_input(ACME, "acme-postgres-1", "settings.ipConfiguration.ipv4Enabled", "[unknown]")
    )
    report = run_policy("sql-forbid-public-ip", plan)
    assert report.violations == []
    assert [r.message for r in report.undecided] == [
        "DatabaseInstance 'acme-postgres-1': settings.ipConfiguration.ipv4Enabled is unknown "
        "until deploy"
    ]
    assert report.undecided[0].level == "mandatory" and report.undecided[0].tenant == "acme"


def test_unknown_member_is_undecided_but_the_role_alone_still_decides(run_policy):
    plan = mutated(set_input(ACME, "acme-cloudsql-client", "member", "[unknown]"))
    assert run_policy("iam-forbid-basic-roles", plan).undecided == []
    assert [r.message for r in run_policy("iam-forbid-public-principals", plan).undecided] == [
        "IAMMember 'acme-cloudsql-client': member is unknown until deploy"
    ]


def test_secret_value_is_undecided(run_policy):
    plan = mutated(
        both(
            set_input(ACME, "dev-acme", "acceptedClientCa", "[secret]"),
            set_input(ACME, "dev-acme", "apiKeyAuth", False),
        )
    )
    report = run_policy("temporal-require-namespace-auth", plan)
    assert [r.message for r in report.undecided] == [
        "Namespace 'dev-acme': acceptedClientCa is a secret the offline plan does not reveal"
    ]
