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
    drop_input,
    drops,
    good_plan,
    mutated,
    offboarding_stack,
    row,
    rule,
    set_input,
    sets,
)

from domain import names
from policies.pack import ALL_POLICIES

ACME_BUCKET = names.uploads_bucket(ENV, PROJECT, "acme")
SHARED_BUCKET = names.shared_uploads_bucket(ENV, PROJECT)
APP_SPEC = "spec.template.spec"

RESOURCE_CASES = [
    # --- GKE --------------------------------------------------------------------------------------
    *rule(
        "gke-require-private-nodes",
        ("dev", "pool-a"),
        sets(
            "privateClusterConfig.enablePrivateNodes",
            False,
            "privateClusterConfig.enablePrivateNodes must be true",
            id="public-nodes",
        ),
        drops(
            "privateClusterConfig",
            "Cluster 'initech-gke': privateClusterConfig.enablePrivateNodes must be true",
            id="no-private-config",
            on=("dev.initech", "initech-gke"),
        ),
    ),
    *rule(
        "gke-require-workload-identity",
        ("dev", "pool-a"),
        drops(
            "workloadIdentityConfig",
            "workloadIdentityConfig.workloadPool must be set",
            id="no-pool",
        ),
        sets(
            "workloadIdentityConfig.workloadPool",
            "pool-a",
            "'pool-a' is not a <project>.svc.id.goog pool",
            id="bad-pool",
        ),
        sets(
            "nodeConfig.workloadMetadataConfig.mode",
            "GCE_METADATA",
            "NodePool 'pool-a-general': nodeConfig.workloadMetadataConfig.mode is 'GCE_METADATA'",
            id="gce-metadata",
            on=("dev", "pool-a-general"),
        ),
        drops(
            "nodeConfig.workloadMetadataConfig",
            "nodeConfig.workloadMetadataConfig.mode is None, must be 'GKE_METADATA'",
            id="pool-without-mode",
            on=("dev", "pool-a-general"),
        ),
    ),
    *rule(
        "gke-require-network-policy",
        ("dev", "pool-a"),
        sets("datapathProvider", "LEGACY_DATAPATH", "neither Dataplane V2", id="legacy-datapath"),
    ),
    *rule(
        "gke-disable-legacy-abac",
        ("dev", "pool-a"),
        sets("enableLegacyAbac", True, "enableLegacyAbac is true", id="abac"),
    ),
    *rule(
        "gke-disable-kubernetes-alpha",
        ("dev", "pool-a"),
        sets("enableKubernetesAlpha", True, "enableKubernetesAlpha is true", id="alpha"),
    ),
    *rule(
        "gke-require-shielded-nodes",
        ("dev", "pool-a"),
        sets("enableShieldedNodes", False, "enableShieldedNodes is false", id="unshielded"),
        sets(
            "nodeConfig.shieldedInstanceConfig.enableSecureBoot",
            False,
            "nodeConfig.shieldedInstanceConfig.enableSecureBoot is false",
            id="no-secure-boot",
            on=("dev", "pool-a-general"),
        ),
    ),
    *rule(
        "gke-require-release-channel",
        ("dev", "pool-a"),
        sets(
            "releaseChannel.channel",
            "UNSPECIFIED",
            "releaseChannel.channel is 'UNSPECIFIED'",
            id="unspecified",
        ),
        drops("releaseChannel", "releaseChannel.channel is None", id="none"),
    ),
    *rule(
        "gke-require-node-auto-upgrade-repair",
        ("dev", "pool-a-general"),
        sets(
            "management.autoUpgrade", False, "management.autoUpgrade must be true", id="no-upgrade"
        ),
        drops("management", "management.autoRepair must be true", id="no-management"),
    ),
    *rule(
        "gke-forbid-default-service-account",
        ("dev", "pool-a-general"),
        drops(
            "nodeConfig.serviceAccount",
            "nodeConfig.serviceAccount is not set, so nodes run as the Compute Engine default",
            id="unset",
        ),
        sets(
            "nodeConfig.serviceAccount",
            "123456789012-compute@developer.gserviceaccount.com",
            "is a default service account",
            id="compute-default",
            on=("dev", "pool-a"),
        ),
    ),
    *rule(
        "gke-disable-client-certificate",
        ("dev", "pool-a"),
        sets(
            "masterAuth.clientCertificateConfig.issueClientCertificate",
            True,
            "issueClientCertificate is true",
            id="client-cert",
        ),
    ),
    *rule(
        "gke-restrict-master-authorized-networks",
        ("dev", "pool-a"),
        sets(
            "masterAuthorizedNetworksConfig.cidrBlocks",
            [{"cidrBlock": "0.0.0.0/0"}],
            "master authorized network '0.0.0.0/0' opens the control plane to the internet",
            id="open",
        ),
        drops(
            "masterAuthorizedNetworksConfig",
            "masterAuthorizedNetworksConfig is not set",
            id="unset",
        ),
        sets(
            "masterAuthorizedNetworksConfig.cidrBlocks",
            [],
            "masterAuthorizedNetworksConfig.cidrBlocks is empty",
            id="empty",
        ),
    ),
    # --- Cloud SQL --------------------------------------------------------------------------------
    *rule(
        "sql-forbid-public-ip",
        (ACME, "acme-postgres-1"),
        sets(
            "settings.ipConfiguration.ipv4Enabled",
            True,
            "DatabaseInstance 'acme-postgres-1': settings.ipConfiguration.ipv4Enabled must be "
            "false",
            id="ipv4",
        ),
        drops(
            "settings.ipConfiguration.ipv4Enabled",
            "ipv4Enabled must be false",
            id="ipv4-default-on",
        ),
        sets(
            "settings.ipConfiguration.authorizedNetworks",
            [{"name": "all", "value": "0.0.0.0/0"}],
            "authorized network '0.0.0.0/0' admits the whole internet",
            id="open-network",
        ),
    ),
    *rule(
        "sql-require-tls",
        (ACME, "acme-postgres-2"),
        sets(
            "settings.ipConfiguration.sslMode",
            "ALLOW_UNENCRYPTED_AND_ENCRYPTED",
            "sslMode is 'ALLOW_UNENCRYPTED_AND_ENCRYPTED'; allowed: ENCRYPTED_ONLY, "
            "TRUSTED_CLIENT_CERTIFICATE_REQUIRED",
            id="unencrypted",
        ),
        drops("settings.ipConfiguration.sslMode", "sslMode is None", id="unset"),
        sets(
            "settings.ipConfiguration.sslMode",
            "ENCRYPTED_ONLY",
            "sslMode is 'ENCRYPTED_ONLY'; allowed: TRUSTED_CLIENT_CERTIFICATE_REQUIRED",
            id="knob-stricter",
            config={"allowedSslModes": ["TRUSTED_CLIENT_CERTIFICATE_REQUIRED"]},
        ),
    ),
    *rule(
        "sql-require-backups-and-pitr",
        (ACME, "acme-postgres-3"),
        sets(
            "settings.backupConfiguration.enabled",
            False,
            "settings.backupConfiguration.enabled must be true",
            id="no-backups",
        ),
        sets(
            "settings.backupConfiguration.pointInTimeRecoveryEnabled",
            False,
            "pointInTimeRecoveryEnabled must be true",
            id="no-pitr",
            on=("dev", "dev-shared-postgres"),
        ),
    ),
    *rule(
        "sql-require-deletion-protection",
        (ACME, "acme-postgres-1"),
        sets(
            "deletionProtection",
            False,
            "deletionProtection is false and its tenant is not offboarding",
            id="provider",
        ),
        sets(
            "settings.deletionProtectionEnabled",
            False,
            "settings.deletionProtectionEnabled is false",
            id="api",
            on=("dev", "dev-shared-postgres"),
        ),
    ),
    *rule(
        "sql-require-postgres-log-flags",
        (ACME, "acme-postgres-1"),
        sets(
            "settings.databaseFlags",
            [{"name": "log_checkpoints", "value": "off"}],
            "database flag log_checkpoints is 'off', expected 'on'",
            id="flag-off",
        ),
        sets(
            "settings.databaseFlags",
            [],
            "database flag log_connections is not set",
            id="flags-missing",
        ),
        sets(
            "databaseVersion",
            "POSTGRES_15",
            "database flag log_hostname is not set (expected 'on')",
            id="knob-extra-flag",
            config={"requiredFlags": {"log_hostname": "on"}},
        ),
    ),
    *rule(
        "sql-require-pgaudit",
        (ACME, "acme-postgres-1"),
        sets(
            "settings.databaseFlags",
            [],
            "database flag cloudsql.enable_pgaudit is not set: pgAudit is not loaded",
            id="pgaudit-not-loaded",
        ),
        sets(
            "settings.databaseFlags",
            [
                {"name": "cloudsql.enable_pgaudit", "value": "on"},
                {"name": "pgaudit.log", "value": "none"},
            ],
            "database flag pgaudit.log is 'none': pgAudit logs nothing",
            id="pgaudit-logs-nothing",
        ),
        sets(
            "settings.databaseFlags",
            [
                {"name": "cloudsql.enable_pgaudit", "value": "off"},
                {"name": "pgaudit.log", "value": "write"},
            ],
            "database flag cloudsql.enable_pgaudit is 'off': pgAudit is not loaded",
            id="pgaudit-off",
        ),
    ),
    # --- Cloud Storage ----------------------------------------------------------------------------
    *rule(
        "gcs-require-access-logging",
        (ACME, ACME_BUCKET),
        sets("logging", None, "logging.logBucket is not set: no access logs", id="no-access-logs"),
        sets(
            "logging",
            {"logBucket": ""},
            "logging.logBucket is not set: no access logs",
            id="empty-log-bucket",
        ),
    ),
    *rule(
        "gcs-require-uniform-access",
        (ACME, ACME_BUCKET),
        sets("uniformBucketLevelAccess", False, "uniformBucketLevelAccess must be true", id="acls"),
    ),
    *rule(
        "gcs-enforce-public-access-prevention",
        (ACME, ACME_BUCKET),
        sets(
            "publicAccessPrevention",
            "inherited",
            "publicAccessPrevention is 'inherited', must be 'enforced'",
            id="inherited",
        ),
        drops(
            "publicAccessPrevention",
            "publicAccessPrevention is None",
            id="unset",
            on=("dev", SHARED_BUCKET),
        ),
    ),
    *rule(
        "gcs-require-versioning",
        (ACME, ACME_BUCKET),
        sets(
            "versioning.enabled",
            False,
            "versioning.enabled must be true for standard tenant 'acme'",
            id="standard",
        ),
        drops(
            "versioning",
            "versioning.enabled must be true for enterprise tenant 'initech'",
            id="enterprise",
            on=("dev.initech", names.uploads_bucket(ENV, PROJECT, "initech")),
        ),
    ),
    # --- IAM --------------------------------------------------------------------------------------
    *rule(
        "iam-forbid-public-principals",
        (ACME, "acme-uploads-object-admin"),
        sets(
            "member",
            "allUsers",
            "BucketIAMMember 'acme-uploads-object-admin': grants roles/storage.objectAdmin to "
            "allUsers",
            id="bucket-member",
        ),
        row(
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
        row(
            add(
                ACME,
                "gcp:storage/bucketIAMPolicy:BucketIAMPolicy",
                "acme-policy",
                {
                    "bucket": ACME_BUCKET,
                    "policyData": json.dumps(
                        {
                            "bindings": [
                                {"role": "roles/storage.objectViewer", "members": ["allUsers"]}
                            ]
                        }
                    ),
                },
            ),
            "BucketIAMPolicy 'acme-policy': grants roles/storage.objectViewer to allUsers",
            id="policy-json",
        ),
        sets(
            "member",
            "allAuthenticatedUsers",
            "SecretIamMember 'acme-postgres-1-password-accessor': grants "
            "roles/secretmanager.secretAccessor to "
            "allAuthenticatedUsers",
            id="secret",
            on=(ACME, "acme-postgres-1-password-accessor"),
        ),
    ),
    *rule(
        "iam-forbid-basic-roles",
        (ACME, "acme-cloudsql-client"),
        sets(
            "role",
            "roles/editor",
            "IAMMember 'acme-cloudsql-client': grants basic role roles/editor to "
            "serviceAccount:acme-workload@",
            id="editor",
        ),
        sets(
            "role",
            "roles/owner",
            "grants basic role roles/owner",
            id="bucket-owner",
            on=(ACME, "acme-uploads-object-admin"),
        ),
    ),
    *rule(
        "iam-forbid-project-impersonation-roles",
        (ACME, "acme-datastore-user"),
        sets(
            "role",
            "roles/iam.serviceAccountTokenCreator",
            "grants roles/iam.serviceAccountTokenCreator to serviceAccount:acme-workload@",
            id="token-creator",
        ),
        row(
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
        row(
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
    ),
    *rule(
        "iam-forbid-default-service-accounts",
        (ACME, "acme-uploads-object-admin"),
        sets(
            "member",
            "serviceAccount:123456789012-compute@developer.gserviceaccount.com",
            "to default service account "
            "serviceAccount:123456789012-compute@developer.gserviceaccount.com",
            id="compute",
        ),
        sets(
            "member",
            f"serviceAccount:{PROJECT}@appspot.gserviceaccount.com",
            "default service account",
            id="appspot",
            on=(ACME, "acme-cloudsql-client"),
        ),
    ),
    # --- KMS --------------------------------------------------------------------------------------
    *rule(
        "kms-require-key-rotation",
        (ACME, "acme-uploads-key"),
        drops(
            "rotationPeriod",
            "rotationPeriod is not set; the key never rotates (allowed 1..90 days)",
            id="never",
        ),
        sets(
            "rotationPeriod",
            "31536000s",
            "rotationPeriod is 365 days; allowed 1..90 days",
            id="yearly",
        ),
        sets(
            "rotationPeriod",
            "90d",
            "rotationPeriod '90d' is not a duration in seconds",
            id="malformed",
        ),
        sets(
            "rotationPeriod",
            "7776000s",
            "rotationPeriod is 90 days; allowed 1..30 days",
            id="knob",
            config={"maxRotationDays": 30},
        ),
    ),
    # --- Kubernetes -------------------------------------------------------------------------------
    *rule(
        "k8s-require-pod-security-labels",
        (ACME, "tenant-acme-namespace"),
        sets(
            ("metadata", "labels", "pod-security.kubernetes.io/enforce"),
            "baseline",
            "tenant namespace 'tenant-acme' label pod-security.kubernetes.io/enforce is "
            "'baseline', "
            "must be 'restricted'",
            id="baseline",
        ),
        drops(
            ("metadata", "labels", "pod-security.kubernetes.io/warn"),
            "tenant namespace 'free-tier' label pod-security.kubernetes.io/warn is None",
            id="free-tier",
            on=("dev", "free-tier-namespace"),
        ),
    ),
    *rule(
        "k8s-block-host-access",
        (ACME, "acme-app"),
        sets(
            f"{APP_SPEC}.hostNetwork",
            True,
            "Deployment 'acme-app': hostNetwork is true",
            id="host-network",
        ),
        sets(f"{APP_SPEC}.hostPID", True, "hostPID is true", id="host-pid"),
        sets(f"{APP_SPEC}.hostIPC", True, "hostIPC is true", id="host-ipc"),
        sets(
            f"{APP_SPEC}.volumes",
            [{"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}}],
            "volume 'docker' mounts hostPath '/var/run/docker.sock'",
            id="host-path",
        ),
        sets(
            f"{APP_SPEC}.containers.0.ports",
            [{"containerPort": 80, "hostPort": 80}],
            "containers[app] binds hostPort 80",
            id="host-port",
        ),
    ),
    *rule(
        "k8s-block-privileged-containers",
        (ACME, "acme-app"),
        sets(
            f"{APP_SPEC}.containers.0.securityContext.privileged",
            True,
            "Deployment 'acme-app': containers[app] is privileged",
            id="privileged",
        ),
        drops(
            f"{APP_SPEC}.containers.0.securityContext.allowPrivilegeEscalation",
            "containers[app] must set securityContext.allowPrivilegeEscalation = false",
            id="escalation-unset",
            on=("dev", "free-tier-app"),
        ),
        row(
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
    ),
    *rule(
        "k8s-forbid-nodeport-services",
        (ACME, "acme-app-svc"),
        sets(
            "spec.type",
            "NodePort",
            "Service 'acme-app-svc': type NodePort opens a port on every node",
            id="nodeport",
        ),
    ),
    *rule(
        "k8s-forbid-tenant-loadbalancers",
        (ACME, "acme-app-svc"),
        sets(
            "spec.type",
            "LoadBalancer",
            "type LoadBalancer in tenant namespace 'tenant-acme'",
            id="loadbalancer",
        ),
    ),
    *rule(
        "k8s-forbid-tenant-cluster-rbac",
        (ACME, "acme-app-reader"),
        row(
            add(
                ACME,
                "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
                "acme-admin",
                {
                    "metadata": {"name": "acme-admin"},
                    "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
                    "subjects": [
                        {
                            "kind": "ServiceAccount",
                            "name": "tenant-acme-sa",
                            "namespace": "tenant-acme",
                        }
                    ],
                },
            ),
            "ClusterRoleBinding grants cluster-wide rights to 'tenant-acme-sa' of tenant namespace "
            "'tenant-acme'",
            id="crb",
        ),
        sets(
            "subjects",
            [{"kind": "ServiceAccount", "name": "tenant-globex-sa", "namespace": "tenant-globex"}],
            "RoleBinding in 'tenant-acme' grants rights to 'tenant-globex-sa' of namespace "
            "'tenant-globex'",
            id="cross-namespace",
        ),
        sets(
            "subjects",
            [{"kind": "Group", "name": "system:authenticated"}],
            "binds group system:authenticated, which includes every tenant",
            id="everyone",
        ),
    ),
    *rule(
        "k8s-forbid-default-namespace",
        (ACME, "acme-app"),
        sets(
            "metadata.namespace",
            "default",
            "Deployment 'acme-app': lands in namespace 'default'",
            id="explicit",
        ),
        drops(
            "metadata.namespace",
            "ConfigMap 'hooli-limits': lands in namespace 'default'",
            id="implicit",
            on=("dev", "hooli-limits"),
        ),
        drops(
            "namespace",
            "Release 'ingress-nginx': lands in namespace 'default'",
            id="helm-release",
            on=("dev", "ingress-nginx"),
        ),
        row(
            add(
                ACME,
                "kubernetes:cert-manager.io/v1:Certificate",
                "acme-cert",
                {"metadata": {"name": "acme-tls"}, "spec": {"secretName": "acme-tls"}},
            ),
            "Certificate 'acme-cert': lands in namespace 'default'",
            id="custom-resource",
        ),
    ),
    # --- Temporal ---------------------------------------------------------------------------------
    *rule(
        "temporal-require-namespace-auth",
        (ACME, "dev-acme"),
        sets(
            "apiKeyAuth",
            False,
            "neither apiKeyAuth = true nor an acceptedClientCa (mTLS) is set",
            id="no-auth",
        ),
    ),
    *rule(
        "temporal-bound-retention",
        (ACME, "dev-acme"),
        sets("retentionDays", 0, "retentionDays is 0; allowed 1..90", id="zero"),
        sets(
            "retentionDays",
            120,
            "retentionDays is 120; allowed 1..90",
            id="too-long",
            on=("dev", "dev-free-tier"),
        ),
        sets(
            "retentionDays",
            14,
            "retentionDays is 14; allowed 20..90",
            id="knob",
            config={"minRetentionDays": 20},
        ),
    ),
    *rule(
        "temporal-enforce-namespace-name",
        (ACME, "dev-acme"),
        sets("name", "Dev_Acme", "temporal_namespace 'Dev_Acme' does not match", id="invalid"),
        sets("name", "acme", "name 'acme' should be 'dev-acme' in stack dev.acme", id="scheme"),
        drops("name", "name is not set", id="unnamed"),
    ),
    # --- GCP --------------------------------------------------------------------------------------
    *rule(
        "gcp-restrict-resource-regions",
        (ACME, "acme-postgres-1"),
        sets(
            "region",
            "europe-north1",
            "DatabaseInstance 'acme-postgres-1': region 'europe-north1' is outside the allowed "
            "regions "
            "europe-west1, us-central1, us-east1",
            id="sql",
        ),
        sets(
            "location",
            "US",
            "location 'US' is outside the allowed regions",
            id="multi-region",
            on=(ACME, ACME_BUCKET),
        ),
        sets(
            "regions",
            ["aws-us-east-1"],
            "regions 'aws-us-east-1' is outside",
            id="temporal",
            on=(ACME, "dev-acme"),
        ),
        sets(
            "region",
            "us-central1",
            "region 'us-central1' is outside the allowed regions us-east1",
            id="knob",
            config={"allowedRegions": ["us-east1"]},
        ),
    ),
    *rule(
        "gcp-require-managed-by-label",
        (ACME, ACME_BUCKET),
        sets(
            "labels.managed-by",
            "terraform",
            "labels.managed-by is 'terraform', must be 'tenancy'",
            id="bucket",
        ),
        drops(
            "nodeConfig.resourceLabels.managed-by",
            "NodePool 'pool-a-general': nodeConfig.resourceLabels.managed-by is None",
            id="node-pool",
            on=("dev", "pool-a-general"),
        ),
    ),
    # --- a tenant's app release (issue 16: enterprise Helm values) ---------------------------
    *rule(
        "k8s-restrict-tenant-app-values",
        (ACME, "acme-app-release"),
        sets(
            "values.hostNetwork",
            True,
            "sets Helm values ['hostNetwork'] that are neither the platform's nor allowed",
            id="unknown-value",
        ),
        sets(
            "values.serviceAccount.name",
            "default",
            "runs as service account 'default', not the namespace's own 'tenant-initech-sa'",
            id="other-service-account",
            on=("dev.initech", "initech-app-release"),
        ),
        sets(
            "values.service.type",
            "LoadBalancer",
            "service.type is 'LoadBalancer', must be ClusterIP",
            id="load-balancer",
        ),
        sets(
            "values.nodeSelector",
            {"kubernetes.io/hostname": "platform-node-1"},
            "nodeSelector on ['kubernetes.io/hostname']",
            id="node-selector",
            on=("dev.initech", "initech-app-release"),
        ),
        sets(
            "values.securityContext.privileged",
            True,
            "securityContext must set allowPrivilegeEscalation: false and not privileged",
            id="privileged",
            on=("dev.initech", "initech-app-release"),
        ),
        drops(
            "values.podSecurityContext.runAsNonRoot",
            "podSecurityContext.runAsNonRoot must be true",
            id="root",
        ),
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
