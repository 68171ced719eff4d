"""Stack rules on small hand-built plans: each mutation and the violation it must produce."""

from __future__ import annotations

import pytest
from deploy_readiness_cases import DEPLOY_STACK_CASES, DEPLOY_STACK_TOLERATED
from policy_plan_fixtures import (
    ACME,
    ENV,
    POOL,
    PROJECT,
    StackBuilder,
    add,
    add_dependency,
    add_stack,
    both,
    case,
    drop_input,
    drops,
    find,
    gcp_labels,
    good_plan,
    gsa_email,
    mutated,
    offboarding_stack,
    remove,
    row,
    rule,
    set_input,
    set_protect,
    sets,
)

from domain import names
from domain.plan_model import UNKNOWN, Plan
from policies.lib.facts import Facts, _installed
from policies.pack import ALL_POLICIES
from tenancy.checks.engine import evaluate_stack

POLICIES_BY_NAME = {p.name: p for p in ALL_POLICIES}
ACME_BUCKET = names.uploads_bucket(ENV, PROJECT, "acme")
GLOBEX_BUCKET = names.uploads_bucket(ENV, PROJECT, "globex")
GLOBEX_SA = f"serviceAccount:{gsa_email('globex-workload')}"
ACME_SA = f"serviceAccount:{gsa_email('acme-workload')}"


def stack_of(name: str, tenant: str | None, tier: str | None, *resources: tuple[str, str, dict]):
    builder = StackBuilder(name, tenant, tier)
    for type_token, resource_name, inputs in resources:
        builder.add(type_token, resource_name, inputs, protect=False)
    return builder.stack


def clear_dependencies(stack: str, name: str):
    def mutate(plan: Plan) -> None:
        find(plan, stack, name).dependencies.clear()

    return mutate


INITECH = f"{ENV}.initech"
TENANT_RULE = "initech-tenant-firewall-corp"
TENANT_POLICY = "initech-tenant-netpols-reporting"
INITECH_GROUP = "group:admins@initech.example"
CLOUD_SQL_AGENT = "gcp-sa-cloud-sql.iam.gserviceaccount.com"
OWN_KEY = f"projects/{PROJECT}/locations/us-central1/keyRings/initech-cmek/cryptoKeys/initech-sql"

STACK_CASES = [
    # --- tenant network rules (tenancy-forbid-network-openings) ----------------------------------
    *rule(
        "tenancy-forbid-network-openings",
        (INITECH, TENANT_RULE),
        sets(
            "sourceRanges",
            ["0.0.0.0/0"],
            "allows ingress from 0.0.0.0/0 (the whole internet)",
            id="firewall-open-to-the-internet",
        ),
        sets(
            "sourceRanges",
            ["192.168.0.0/16", "10.137.4.0/24"],
            "ingress 10.137.4.0/24 opens tenant 'vandelay''s pods range (10.137.0.0/16)",
            id="firewall-opens-another-tenant",
        ),
        sets(
            "sourceRanges",
            ["10.64.0.0/16"],
            "opens the platform pods range (network.pods_cidr) (10.64.0.0/14)",
            id="firewall-opens-the-standard-tenants-pods",
        ),
        sets(
            "spec.ingress.0.from.0.ipBlock.cidr",
            "0.0.0.0/0",
            "admits ingress from 0.0.0.0/0 (the whole internet)",
            id="netpol-open-to-the-internet",
            on=(INITECH, TENANT_POLICY),
        ),
        sets(
            "spec.egress.0.to.0.ipBlock.except",
            [],
            "egress 0.0.0.0/0 opens tenant 'vandelay''s node subnet (10.40.0.0/20)",
            id="netpol-egress-except-removed",
            on=(INITECH, TENANT_POLICY),
        ),
        row(
            both(
                set_input(
                    INITECH, TENANT_POLICY, "spec.egress.0.to.0.ipBlock.cidr", "10.132.32.0/24"
                ),
                set_input(INITECH, TENANT_POLICY, "spec.egress.0.to.0.ipBlock.except", []),
            ),
            "egress 10.132.32.0/24 opens tenant 'vandelay''s services range (10.132.32.0/20)",
            id="netpol-egress-to-another-tenant",
        ),
        row(
            add(
                ACME,
                "gcp:compute/firewall:Firewall",
                "acme-open",
                {
                    "direction": "INGRESS",
                    "sourceRanges": ["0.0.0.0/0"],
                    "allows": [{"protocol": "tcp"}],
                },
            ),
            "allows ingress from 0.0.0.0/0",
            id="any-stack-firewall-open",
        ),
    ),
    # --- per-namespace guardrails -----------------------------------------------------------------
    *rule(
        "k8s-require-namespace-quota",
        (ACME, "tenant-acme-quota"),
        row(
            remove(ACME, "tenant-acme-quota"),
            "namespace 'tenant-acme' has no ResourceQuota",
            id="missing",
        ),
        row(
            both(
                drop_input(ACME, "tenant-acme-quota", ("spec", "hard", "requests.memory")),
                drop_input(ACME, "tenant-acme-quota", ("spec", "hard", "limits.memory")),
            ),
            "ResourceQuota 'tenant-acme-quota' in namespace 'tenant-acme' does not limit memory",
            id="no-memory",
        ),
        sets(
            "metadata.namespace",
            "tenant-globex",
            "namespace 'tenant-acme' has no ResourceQuota",
            id="elsewhere",
        ),
        row(
            remove("dev", "free-tier-quota"),
            "namespace 'free-tier' has no ResourceQuota",
            id="free-tier",
        ),
    ),
    *rule(
        "k8s-require-namespace-limitrange",
        (ACME, "tenant-acme-limits"),
        row(
            remove(ACME, "tenant-acme-limits"),
            "namespace 'tenant-acme' has no LimitRange",
            id="missing",
        ),
        sets(
            "spec.limits",
            [{"type": "PersistentVolumeClaim", "max": {"storage": "1Gi"}}],
            "LimitRange 'tenant-acme-limits' in namespace 'tenant-acme' has no limit of type "
            "Container",
            id="no-container",
        ),
    ),
    *rule(
        "k8s-require-default-deny-netpol",
        (ACME, "tenant-acme-default-deny"),
        row(
            remove(ACME, "tenant-acme-default-deny"),
            "namespace 'tenant-acme' has no default-deny NetworkPolicy for Egress and Ingress",
            id="missing",
        ),
        sets(
            "spec.policyTypes",
            ["Ingress"],
            "has no default-deny NetworkPolicy for Egress",
            id="ingress-only",
        ),
        sets(
            "spec.podSelector",
            {"matchLabels": {"app": "web"}},
            "for Egress and Ingress",
            id="selects-some-pods",
        ),
        sets(
            "spec.ingress",
            [{"from": [{"namespaceSelector": {}}]}],
            "has no default-deny NetworkPolicy for Ingress",
            id="allows-ingress",
        ),
    ),
    # --- Workload Identity ------------------------------------------------------------------------
    *rule(
        "iam-bind-workload-identity-to-own-namespace",
        (ACME, "acme-workload-binding"),
        sets(
            "member",
            f"serviceAccount:{POOL}[tenant-globex/tenant-globex-sa]",
            "tenant 'acme''s service account acme-workload is bound to "
            "tenant-globex/tenant-globex-sa; only "
            "tenant-acme/tenant-acme-sa may use it",
            id="other-tenant",
        ),
        sets(
            "member",
            f"serviceAccount:{POOL}[tenant-acme/default]",
            "is bound to tenant-acme/default",
            id="other-ksa",
        ),
        sets(
            "member",
            f"serviceAccount:{POOL}[tenant-hooli/tenant-hooli-sa]",
            "the free tier's service account dev-free-tier is bound to "
            "tenant-hooli/tenant-hooli-sa",
            id="free-tier",
            on=("dev", "dev-free-tier-binding"),
        ),
        row(
            add(
                "dev",
                "gcp:serviceaccount/iAMMember:IAMMember",
                "dns-binding",
                {
                    "serviceAccountId": (
                        f"projects/{PROJECT}/serviceAccounts/{gsa_email('dev-external-dns')}"
                    ),
                    "role": "roles/iam.workloadIdentityUser",
                    "member": f"serviceAccount:{POOL}[tenant-acme/tenant-acme-sa]",
                },
            ),
            "platform service account dev-external-dns is bound to tenant namespace "
            "tenant-acme/tenant-acme-sa",
            id="platform-account",
        ),
        sets(
            "member",
            "user:mallory@example.com",
            "workloadIdentityUser on acme-workload goes to user:mallory@example.com, which is not "
            "a "
            "Kubernetes service account",
            id="not-a-ksa",
        ),
    ),
    # --- grants on tenant data --------------------------------------------------------------------
    *rule(
        "iam-restrict-tenant-grants-to-own-identity",
        (ACME, "acme-cloudsql-client"),
        sets(
            "member",
            GLOBEX_SA,
            f"BucketIAMMember 'acme-uploads-object-admin': grants bucket {ACME_BUCKET} of tenant "
            f"'acme' to {GLOBEX_SA}, "
            "tenant 'globex''s identity",
            id="bucket-to-other-tenant",
            on=(ACME, "acme-uploads-object-admin"),
        ),
        sets(
            "member",
            f"serviceAccount:{gsa_email('dev-free-tier')}",
            "grants secret acme-postgres-1-password of tenant 'acme' to "
            "serviceAccount:dev-free-tier@",
            id="secret-to-platform",
            on=(ACME, "acme-postgres-1-password-accessor"),
        ),
        drops(
            "condition",
            "grants project-wide roles/cloudsql.client to tenant 'acme''s identity",
            id="unconditional-db-role",
        ),
        sets(
            "condition.expression",
            f'resource.name == "projects/{PROJECT}/instances/globex-postgres-1"',
            "of tenant 'globex' to serviceAccount:acme-workload@",
            id="condition-names-other-tenant",
        ),
        sets(
            "namespaceAccesses",
            [{"namespaceId": "dev-globex.tnybg", "permission": "write"}],
            "grants Temporal namespace dev-globex of tenant 'globex' to temporal:acme-temporal",
            id="temporal",
            on=(ACME, "acme-temporal"),
        ),
        row(
            add(
                ACME,
                "gcp:storage/bucketIAMMember:BucketIAMMember",
                "globex-peek",
                {"bucket": GLOBEX_BUCKET, "role": "roles/storage.objectViewer", "member": ACME_SA},
            ),
            f"grants bucket {GLOBEX_BUCKET} of tenant 'globex' to {ACME_SA}, tenant 'acme''s "
            "identity",
            id="own-identity-on-other-bucket",
        ),
    ),
    # --- cross-tenant references ------------------------------------------------------------------
    *rule(
        "tenancy-forbid-cross-tenant-references",
        (ACME, "acme-app"),
        sets(
            "spec.template.spec.containers.0.env",
            [{"name": "BUCKET", "value": GLOBEX_BUCKET}],
            "Deployment 'acme-app' of tenant 'acme': input "
            "spec.template.spec.containers.0.env.0.value names "
            f"'{GLOBEX_BUCKET}' of tenant 'globex'",
            id="name-in-input",
        ),
        sets(
            "name",
            "organization/tenancy/dev.globex",
            "names 'dev.globex' of tenant 'globex'",
            id="stack-reference",
            on=(ACME, "platform"),
        ),
        row(
            add_dependency("dev", "hooli-limits", ("dev", "umbrella-idp")),
            "ConfigMap 'hooli-limits' of tenant 'hooli': dependency Tenant 'umbrella-idp' belongs "
            "to "
            "tenant 'umbrella'",
            id="free-tenant-dependency",
        ),
        sets(
            "data.TENANT_ID",
            "umbrella",
            "input data.TENANT_ID names 'umbrella' of tenant 'umbrella'",
            id="free-tenant-id-field",
            on=("dev", "hooli-limits"),
        ),
    ),
    *(
        case(
            "tenancy-forbid-cross-tenant-references",
            set_input(
                ACME,
                "acme-app",
                "spec.template.spec.containers.0.env",
                [{"name": "TARGET", "value": value}],
            ),
            f"names {name!r} of tenant 'globex'",
            id=f"globex-{label}",
        )
        for label, value, name in (
            ("service-account", GLOBEX_SA, "globex-workload"),
            ("namespace", "tenant-globex", "tenant-globex"),
            ("ksa", "system:serviceaccount:tenant-globex:tenant-globex-sa", "tenant-globex"),
            (
                "database-instance",
                f"{PROJECT}:us-central1:{names.postgres_instance('globex', 2)}",
                "globex-postgres-2",
            ),
            (
                "database-instance-path",
                f"projects/{PROJECT}/instances/globex-postgres-1",
                "globex-postgres-1",
            ),
            (
                "neo4j-service",
                "bolt://globex-neo4j.tenant-globex.svc.cluster.local:7687",
                "globex-neo4j",
            ),
            ("temporal", "dev-globex.tnybg.tmprl.cloud:7233", "dev-globex"),
            ("firestore", f"projects/{PROJECT}/databases/globex-firestore", "globex-firestore"),
            ("secret", "globex-postgres-3-password", "globex-postgres-3-password"),
            ("host", "https://globex.app.tinybug.dev/api", "globex.app.tinybug.dev"),
            ("urn", "urn:pulumi:dev.globex::tenancy::gcp:storage/bucket:Bucket::b", "dev.globex"),
            ("bucket-url", f"gs://{GLOBEX_BUCKET}/exports/", GLOBEX_BUCKET),
        )
    ),
    *rule(
        "tenancy-forbid-cross-tenant-references",
        (ACME, ACME_BUCKET),
        sets(
            "labels.tenant",
            "globex",
            "input labels.tenant names 'globex' of tenant 'globex'",
            id="label-names-other-tenant",
        ),
    ),
    # --- protection -------------------------------------------------------------------------------
    *rule(
        "tenancy-protect-stateful-resources",
        (ACME, "acme-firestore"),
        row(
            set_protect(ACME, "acme-firestore", False),
            "Database 'acme-firestore': stateful resource without the protect option",
            id="unprotected",
        ),
        sets(
            "deleteProtectionState",
            "DELETE_PROTECTION_DISABLED",
            "deleteProtectionState is 'DELETE_PROTECTION_DISABLED', must be "
            "DELETE_PROTECTION_ENABLED",
            id="firestore",
        ),
        sets(
            "forceDestroy",
            True,
            "forceDestroy is True, must be false",
            id="force-destroy",
            on=(ACME, ACME_BUCKET),
        ),
        row(
            set_protect(ACME, "acme-neo4j-release", False),
            "Release 'acme-neo4j-release': Neo4j release without the protect option",
            id="neo4j",
        ),
        sets(
            "deletionProtection",
            False,
            "Cluster 'initech-gke': deletionProtection is False, must be true",
            id="cluster",
            on=("dev.initech", "initech-gke"),
        ),
        row(
            set_protect("dev", "dev-free-tier", False),
            "Namespace 'dev-free-tier': stateful resource without the protect option",
            id="shared-temporal",
        ),
        row(
            add(
                ACME,
                "kubernetes:core/v1:PersistentVolumeClaim",
                "acme-data",
                {
                    "metadata": {"name": "data", "namespace": "tenant-acme"},
                    "spec": {"accessModes": ["ReadWriteOnce"]},
                },
            ),
            "PersistentVolumeClaim 'acme-data': stateful resource without the protect option",
            id="pvc",
        ),
    ),
    # --- labels -----------------------------------------------------------------------------------
    *rule(
        "gcp-require-tenancy-labels",
        ("dev", "pool-a-general"),
        sets(
            "labels.tenant",
            "globex",
            f"Bucket '{ACME_BUCKET}': labels.tenant is 'globex', expected 'acme'",
            id="wrong-tenant",
            on=(ACME, ACME_BUCKET),
        ),
        sets(
            "settings.userLabels.environment",
            "prod",
            "settings.userLabels.environment is 'prod', expected 'dev'",
            id="sql-environment",
            on=(ACME, "acme-postgres-2"),
        ),
        drops(
            "labels",
            "CryptoKey 'acme-uploads-key': labels is not set",
            id="missing",
            on=(ACME, "acme-uploads-key"),
        ),
        drops(
            "nodeConfig.resourceLabels",
            "NodePool 'pool-a-general': nodeConfig.resourceLabels is not set",
            id="node-pool",
        ),
        sets(
            "resourceLabels.tier",
            "standard",
            "resourceLabels.tier is 'standard', expected 'enterprise'",
            id="cluster-tier",
            on=("dev.initech", "initech-gke"),
        ),
        sets(
            "nodeConfig.resourceLabels.tier",
            "standard",
            "nodeConfig.resourceLabels.tier is 'standard', expected 'shared' or 'free'",
            id="shared-wrong-tier",
        ),
    ),
    # --- tier invariants --------------------------------------------------------------------------
    *rule(
        "tier-forbid-free-dedicated-resources",
        None,
        row(
            add(
                "dev",
                "gcp:sql/databaseInstance:DatabaseInstance",
                "hooli-db",
                {"name": "hooli-db", "settings": {"userLabels": gcp_labels("hooli", "free")}},
            ),
            "DatabaseInstance 'hooli-db': free tenant 'hooli' gets no dedicated DatabaseInstance",
            id="labelled",
        ),
        row(
            add(
                "dev",
                "gcp:storage/bucket:Bucket",
                "hooli-bucket",
                {
                    "name": names.uploads_bucket(ENV, PROJECT, "hooli"),
                    "labels": gcp_labels("shared", "shared"),
                },
            ),
            "Bucket 'hooli-bucket': free tenant 'hooli' gets no dedicated Bucket",
            id="by-name",
        ),
        row(
            add(
                "dev",
                "kubernetes:helm.sh/v3:Release",
                "shared-neo4j",
                {"name": "graph", "chart": "neo4j", "namespace": "free-tier"},
            ),
            "Release 'shared-neo4j': the platform stack (shared pool and free tier) has no Neo4j",
            id="neo4j",
        ),
        row(
            add(
                "dev",
                "gcp:firestore/database:Database",
                "acme-firestore-in-platform",
                {"name": "acme-firestore"},
            ),
            "standard tenant 'acme''s Database belongs in its own stack dev.acme, not the platform "
            "stack",
            id="paying-tenant-in-platform",
        ),
        row(
            add_stack(
                stack_of(
                    "dev.hooli",
                    "hooli",
                    "free",
                    ("kubernetes:core/v1:Namespace", "ns", {"metadata": {"name": "tenant-hooli"}}),
                )
            ),
            "stack dev.hooli exists for free tenant 'hooli'",
            id="own-stack",
        ),
    ),
    *rule(
        "tier-require-standard-database-set",
        None,
        row(
            remove(ACME, "acme-postgres-3"),
            "missing Cloud SQL instance 'acme-postgres-3'",
            id="missing-instance",
        ),
        row(
            add(
                ACME,
                "gcp:sql/databaseInstance:DatabaseInstance",
                "acme-postgres-4",
                {"name": "acme-postgres-4"},
            ),
            "DatabaseInstance 'acme-postgres-4': unexpected Cloud SQL instance 'acme-postgres-4'",
            id="extra-instance",
        ),
        row(
            add(
                ACME,
                "gcp:sql/databaseInstance:DatabaseInstance",
                "acme-postgres-1-replica",
                {"name": "acme-postgres-1-replica", "masterInstanceName": "acme-postgres-1"},
            ),
            "standard tenants get no read replicas",
            id="replica",
        ),
        row(
            remove(ACME, "acme-neo4j-release"), "missing Neo4j release 'acme-neo4j'", id="no-neo4j"
        ),
        row(
            remove(ACME, "acme-firestore"),
            "missing Firestore database 'acme-firestore'",
            id="no-firestore",
        ),
        row(
            add(ACME, "gcp:container/cluster:Cluster", "acme-gke", {"name": "acme-gke"}),
            "a cluster of their own is enterprise",
            id="own-cluster",
        ),
    ),
    *rule(
        "tier-require-enterprise-cluster",
        ("dev.initech", "initech-gke"),
        row(
            remove("dev.initech", "initech-gke"),
            "enterprise tenant 'initech' has no GKE cluster 'initech-gke' in stack dev.initech",
            id="missing",
        ),
        sets("name", "initech-cluster", "(found: initech-cluster)", id="misnamed"),
    ),
    *rule(
        "monitoring-require-tenant-operations",
        (ACME, "acme-alerts-storage-100"),
        sets("notificationChannels", [], "the alert notifies nobody", id="silent-alert"),
        row(
            remove(ACME, "acme-slo-request-success"),
            "tenant acme has 1 SLO (availability and request success)(s); needs 2",
            id="one-slo",
        ),
        row(
            remove(ACME, "acme-dashboard-dashboard"),
            "tenant acme has 0 dashboard(s); needs 1",
            id="no-dashboard",
        ),
        row(
            remove(ACME, "acme-slo-uptime-1"),
            "tenant acme has 0 uptime check(s); needs 1",
            id="no-uptime-check",
        ),
        row(
            remove(ACME, "acme-neo4j-backup-cronjob"),
            "tenant acme has no scheduled Neo4j backup",
            id="no-neo4j-backup",
        ),
        row(
            remove(ACME, "acme-firestore-backups"),
            "tenant acme has 0 Firestore backup schedule(s); needs 1",
            id="no-firestore-backups",
        ),
        row(
            remove(ACME, "acme-storage-quota-deny"),
            "tenant acme has a storage quota but no deny policy on "
            "storage.googleapis.com/objects.create",
            id="quota-without-deny",
        ),
        sets(
            "rules",
            [{"denyRule": {"deniedPermissions": ["storage.googleapis.com/objects.delete"]}}],
            "no deny policy on storage.googleapis.com/objects.create",
            id="quota-denies-something-else",
            on=(ACME, "acme-storage-quota-deny"),
        ),
        row(
            remove(ACME, "acme-storage-quota-workflow"),
            "tenant acme has a storage quota but no workflow that withdraws writes",
            id="quota-without-workflow",
        ),
        sets(
            "type",
            "email",
            "tenant acme has a storage quota but no alert notifies a Pub/Sub channel",
            id="quota-alert-tells-no-machine",
            on=(ACME, "acme-storage-quota-channel"),
        ),
        row(
            remove("dev.initech", "initech-audit-cloudsql"),
            "tenant initech: no Data Access audit logs for cloudsql.googleapis.com",
            id="enterprise-without-sql-audit",
        ),
        row(
            remove("dev", "dev-audit-storage"),
            "the platform stack dev: no Data Access audit logs for storage.googleapis.com",
            id="platform-without-storage-audit",
        ),
    ),
    # --- an enterprise tenant's own people and roles (issue 16) ------------------------------
    *rule(
        "iam-restrict-tenant-group-grants",
        (INITECH, "initech-identity-group-logs-logging-viewer"),
        row(
            add(
                "dev",
                "gcp:projects/iAMMember:IAMMember",
                "initech-admins-platform",
                {"project": PROJECT, "role": "roles/logging.viewer", "member": INITECH_GROUP},
            ),
            "tenant 'initech''s group, in the platform stack",
            id="group-on-platform",
        ),
        sets(
            "project",
            PROJECT,
            f"on project {PROJECT!r}, not tenant 'initech''s own project",
            id="group-on-platform-project",
        ),
        row(
            add(
                ACME,
                "gcp:storage/bucketIAMMember:BucketIAMMember",
                "acme-foreign-group",
                {
                    "bucket": names.uploads_bucket(ENV, PROJECT, "acme"),
                    "role": "roles/storage.objectViewer",
                    "member": INITECH_GROUP,
                },
            ),
            "(tenant 'initech''s group) in tenant 'acme''s stack",
            id="group-in-another-tenant",
        ),
        sets("member", "user:eve@evil.example", "(not a group of the tenant file)", id="stranger"),
        sets(
            "role",
            "roles/resourcemanager.projectIamAdmin",
            "roles/resourcemanager.projectIamAdmin is not a role a tenant's group may hold",
            id="admin-role",
        ),
        sets(
            "role",
            f"projects/{PROJECT}/roles/platformOperator",
            f"custom role projects/{PROJECT}/roles/platformOperator is not from tenant 'initech''s",
            id="platform-custom-role",
            on=(INITECH, "initech-identity-group-project-reader"),
        ),
        sets(
            "permissions",
            ["storage.objects.get", "resourcemanager.projects.setIamPolicy"],
            "permission resourcemanager.projects.setIamPolicy is refused: changes who has access",
            id="escalating-permission",
            on=(INITECH, "initech-identity-role-reader"),
        ),
        sets(
            "project",
            PROJECT,
            f"custom role in project {PROJECT!r}, not tenant 'initech''s own project",
            id="role-in-platform-project",
            on=(INITECH, "initech-identity-role-reader"),
        ),
        sets(
            "bucket",
            names.uploads_bucket(ENV, PROJECT, "acme"),
            "not tenant 'initech''s own bucket",
            id="another-tenants-bucket",
            on=(INITECH, "initech-identity-group-bucket-storage-objectviewer"),
        ),
        row(
            add(
                INITECH,
                "gcp:secretmanager/secretIamMember:SecretIamMember",
                "initech-group-secret",
                {
                    "secretId": "initech-db",
                    "role": "roles/secretmanager.secretAccessor",
                    "member": INITECH_GROUP,
                },
            ),
            "a tenant's group is granted only on its project and bucket",
            id="group-on-secret",
        ),
    ),
    # --- a tenant's own keys (issue 16: CMEK) ------------------------------------------------
    *rule(
        "kms-restrict-tenant-keys",
        (INITECH, "initech-postgres-1"),
        sets(
            "encryptionKeyName",
            "projects/tn-acme-000000/locations/us-central1/keyRings/acme-cmek/cryptoKeys/acme-sql",
            "encryptionKeyName is a key of project 'tn-acme-000000', not of the resource's own "
            f"project {PROJECT!r}",
            id="someone-elses-key",
        ),
        row(
            add(
                INITECH,
                "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
                "initech-key-for-people",
                {
                    "cryptoKeyId": OWN_KEY,
                    "role": "roles/cloudkms.cryptoKeyEncrypterDecrypter",
                    "member": INITECH_GROUP,
                },
            ),
            "only Google's service agents use a tenant's keys",
            id="key-for-people",
        ),
        sets(
            "encryption",
            {"defaultKmsKeyName": "my-key"},
            "is not a Cloud KMS key",
            id="not-a-key",
            on=(ACME, names.uploads_bucket(ENV, PROJECT, "acme")),
        ),
    ),
]

STACK_CASES += DEPLOY_STACK_CASES

STACK_TOLERATED = [
    pytest.param(
        "kms-restrict-tenant-keys",
        both(
            set_input(INITECH, "initech-postgres-1", "encryptionKeyName", OWN_KEY),
            add(
                INITECH,
                "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
                "initech-keys-cloudsql-agent",
                {
                    "cryptoKeyId": OWN_KEY,
                    "role": "roles/cloudkms.cryptoKeyEncrypterDecrypter",
                    "member": f"serviceAccount:service-1234@{CLOUD_SQL_AGENT}",
                },
            ),
        ),
        id="own-key-for-its-agent",
    ),
    pytest.param(
        "tenancy-forbid-network-openings",
        set_input(INITECH, TENANT_RULE, "sourceRanges", ["192.168.0.0/16", "10.30.0.0/20"]),
        id="firewall-opens-its-own-ranges",
    ),
    pytest.param(
        "tenancy-forbid-network-openings",
        set_input(INITECH, TENANT_RULE, "direction", "EGRESS"),
        id="egress-rule-has-no-sources",
    ),
    pytest.param(
        "k8s-require-default-deny-netpol",
        both(
            set_input(ACME, "tenant-acme-default-deny", "spec.policyTypes", ["Ingress"]),
            add(
                ACME,
                "kubernetes:networking.k8s.io/v1:NetworkPolicy",
                "deny-egress",
                {
                    "metadata": {"name": "deny-egress", "namespace": "tenant-acme"},
                    "spec": {
                        "podSelector": {"matchLabels": {}},
                        "policyTypes": ["Egress"],
                        "egress": [],
                    },
                },
            ),
        ),
        id="split-deny",
    ),
    pytest.param(
        "k8s-require-namespace-quota",
        set_input(ACME, "tenant-acme-quota", "metadata.namespace", UNKNOWN),
        id="namespace-from-dependency",
    ),
    pytest.param(
        "k8s-require-namespace-quota",
        remove("dev", "free-tier-quota"),
        id="knob-no-extra-namespaces",
    ),
    pytest.param(
        "iam-bind-workload-identity-to-own-namespace",
        set_input(
            ACME,
            "acme-workload-binding",
            "member",
            ""
            f"principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/{POOL}"
            "/subject/ns/tenant-acme/sa/tenant-acme-sa",
        ),
        id="principal-form",
    ),
    pytest.param(
        "iam-restrict-tenant-grants-to-own-identity",
        both(
            set_input(ACME, "acme-uploads-object-admin", "member", UNKNOWN),
            add_dependency(ACME, "acme-uploads-object-admin", (ACME, "acme-workload-gsa")),
        ),
        id="member-from-dependency",
    ),
    pytest.param(
        "iam-restrict-tenant-grants-to-own-identity",
        add(
            ACME,
            "gcp:storage/bucketIAMMember:BucketIAMMember",
            "oncall",
            {
                "bucket": ACME_BUCKET,
                "role": "roles/storage.objectViewer",
                "member": "group:oncall@example.com",
            },
        ),
        id="knob-allowed-member",
    ),
    pytest.param(
        "tenancy-forbid-cross-tenant-references",
        set_input(
            ACME,
            "acme-app",
            "spec.template.spec.containers.0.env",
            [{"name": "SHARED_DB", "value": names.shared_postgres_instance(ENV)}],
        ),
        id="shared-names",
    ),
    pytest.param(
        "tenancy-forbid-cross-tenant-references",
        set_input(ACME, "platform", "outputs", {"placements": {"globex": "pool-a"}}),
        id="stack-reference-outputs-are-not-inputs",
    ),
    # A tenant id is any word: as free text, inside another word or as a key it names nothing.
    *(
        pytest.param(
            "tenancy-forbid-cross-tenant-references",
            set_input(
                ACME,
                "acme-app",
                "spec.template.spec.containers.0.env",
                [{"name": "NOTE", "value": value}],
            ),
            id=f"not-a-reference-{label}",
        )
        for label, value in (
            ("free-text", "shared with globex and umbrella"),
            ("inside-a-word", "https://globex-v02.api.example.org/directory"),
            ("longer-name", "tenant-globex-extra"),
            ("other-suffix", "globex-workloads"),
            ("host-label-only", "globex.example.org"),
            ("id-alone", "globex"),
        )
    ),
    pytest.param(
        "tenancy-forbid-cross-tenant-references",
        set_input("dev", "hooli-limits", "data.NOTE", "shared with umbrella"),
        id="free-tenant-free-text",
    ),
    pytest.param(
        "k8s-require-namespace-quota",
        set_input(ACME, "tenant-acme-quota", ("spec", "hard", "pods"), UNKNOWN),
        id="quota-values-unknown",
    ),
    pytest.param(
        "tenancy-protect-stateful-resources", add_stack(offboarding_stack()), id="offboarding"
    ),
    pytest.param(
        "tier-require-standard-database-set", add_stack(offboarding_stack()), id="offboarding-set"
    ),
]
STACK_TOLERATED += DEPLOY_STACK_TOLERATED

TOLERATED_CONFIG = {
    "knob-allowed-member": {"allowedMembers": ["group:oncall@example.com"]},
    "knob-no-extra-namespaces": {"extraNamespaces": []},
}


@pytest.mark.parametrize("policy, mutation, expected, config", STACK_CASES)
def test_stack_mutation_is_caught(policy, mutation, expected, config, run_policy):
    report = run_policy(policy, mutated(mutation), config)
    messages = [r.message for r in report.violations]
    assert any(expected in m for m in messages), messages
    assert report.undecided == [], [r.message for r in report.undecided]


@pytest.mark.parametrize("policy, mutation", STACK_TOLERATED)
def test_stack_tolerated_variant_passes(policy, mutation, run_policy, request):
    config = TOLERATED_CONFIG.get(request.node.callspec.id)
    report = run_policy(policy, mutated(mutation), config)
    assert report.violations == [] and report.undecided == [], [
        r.message for r in report.violations + report.undecided
    ]


def test_every_stack_policy_has_mutation_cases():
    from pulumi_policy import StackValidationPolicy

    covered = {p.values[0] for p in STACK_CASES}
    assert {p.name for p in ALL_POLICIES if isinstance(p, StackValidationPolicy)} - covered == set()


UNDECIDED_CASES = [
    pytest.param(
        "k8s-require-namespace-quota",
        both(
            set_input(ACME, "tenant-acme-quota", "metadata.namespace", UNKNOWN),
            clear_dependencies(ACME, "tenant-acme-quota"),
        ),
        "namespace 'tenant-acme': no ResourceQuota found, and 1 object(s) of that kind have a "
        "namespace unknown until deploy",
        id="quota-namespace-unknown",
    ),
    pytest.param(
        "iam-bind-workload-identity-to-own-namespace",
        clear_dependencies(ACME, "acme-workload-binding"),
        "IAMMember 'acme-workload-binding': serviceAccountId is unknown until deploy and the "
        "binding depends "
        "on 0 service accounts",
        id="binding-account-unknown",
    ),
    pytest.param(
        "iam-restrict-tenant-grants-to-own-identity",
        set_input(ACME, "acme-uploads-object-admin", "member", UNKNOWN),
        "BucketIAMMember 'acme-uploads-object-admin': member is unknown until deploy",
        id="member-unknown",
    ),
    pytest.param(
        "tenancy-protect-stateful-resources",
        add_stack(
            stack_of(
                "dev.wayne",
                "wayne",
                "standard",
                ("gcp:storage/bucket:Bucket", "wayne-uploads", {"name": "wayne-uploads"}),
            )
        ),
        "Bucket 'wayne-uploads': tenant 'wayne' is not in the registry",
        id="unregistered-tenant",
    ),
    pytest.param(
        "gcp-require-tenancy-labels",
        set_input(ACME, ACME_BUCKET, "labels", UNKNOWN),
        f"Bucket '{ACME_BUCKET}': labels is unknown until deploy",
        id="labels-unknown",
    ),
]


UNDECIDED_CASES.append(
    pytest.param(
        "temporal-bound-api-keys",
        set_input(ACME, "acme-temporal-key", "expiryTime", UNKNOWN),
        "Apikey 'acme-temporal-key': expiryTime is unknown until deploy",
        id="key-expiry-unknown",
    )
)


@pytest.mark.parametrize("policy, mutation, expected", UNDECIDED_CASES)
def test_unknown_values_are_undecided(policy, mutation, expected, run_policy):
    report = run_policy(policy, mutated(mutation))
    assert [r.message for r in report.undecided] == [expected]
    assert report.violations == []


def test_without_a_registry_isolation_rules_are_undecided(settings):
    """No registry, no tenant names: the cross-tenant scan must say so rather than find nothing."""
    _installed["dev"] = Facts("dev", settings, None, problem="tenants/ is unreadable")
    try:
        results = evaluate_stack(
            good_plan().stack(ACME), [POLICIES_BY_NAME["tenancy-forbid-cross-tenant-references"]]
        )
    finally:
        _installed.pop("dev")
    assert results and all(r.undecided for r in results)
    assert (
        "the tenant registry of environment 'dev' is not available (tenants/ is unreadable)"
        in results[0].message
    )


@pytest.mark.parametrize("dedicated", [True, False])
def test_enterprise_audit_logs_belong_to_the_project_owner(dedicated, settings, monkeypatch):
    """An enterprise tenant without a project of its own keeps its data in the platform project,
    whose Data Access audit configuration is the platform stack's (IAMAuditConfig is one per
    project and service): its stack must not be asked for one. With a project of its own, it is."""
    import policy_plan_fixtures

    from tenancy.checks.engine import evaluate

    plan = mutated(
        both(remove(INITECH, "initech-audit-storage"), remove(INITECH, "initech-audit-cloudsql"))
    )
    monkeypatch.setitem(
        policy_plan_fixtures.TENANTS,
        "initech",
        {
            **policy_plan_fixtures.TENANTS["initech"],
            "dedicated_project": dedicated,
        },
    )
    report = evaluate(
        plan,
        settings,
        policy_plan_fixtures.registry(),
        policies=[POLICIES_BY_NAME["monitoring-require-tenant-operations"]],
    )
    messages = [r.message for r in report.violations + report.undecided]
    expected = [
        f"tenant initech: no Data Access audit logs for {service}"
        for service in ("storage.googleapis.com", "cloudsql.googleapis.com")
    ]
    assert messages == (expected if dedicated else [])
