"""Mutations the deploy-readiness policies must catch: each undoes one fact the providers hold
the plan to (docs/deploy-readiness.md), starting from the known-good fixture that keeps them."""

from __future__ import annotations

import pytest
from policy_plan_fixtures import (
    ACME,
    APP_CHART,
    ENV,
    INITECH_PROJECT,
    PG_FLAGS,
    PROJECT,
    add,
    both,
    drops,
    find,
    gsa_email,
    remove,
    row,
    rule,
    set_input,
    sets,
)

from domain import names
from domain.plan_model import UNKNOWN, Plan

INITECH = f"{ENV}.initech"
ACME_NS = names.k8s_namespace("acme")
FREE_BINDING = f"{names.free_tier_service_account_id(ENV)}-binding"
INITECH_BINDING = f"{names.workload_service_account_id('initech')}-binding"
ACME_JOB = "acme-migrations-migrate"


def drop_dependency(stack: str, name: str, on: str):
    """Forget that ``name`` waits for ``on`` (a mutation of ordering)."""

    def mutate(plan: Plan) -> None:
        resource = find(plan, stack, name)
        resource.dependencies = [d for d in resource.dependencies if not d.endswith(f"::{on}")]

    return mutate


def set_timeouts(stack: str, name: str, timeouts: dict[str, str]):
    def mutate(plan: Plan) -> None:
        find(plan, stack, name).options.custom_timeouts = dict(timeouts)

    return mutate


DEPLOY_RESOURCE_CASES = [
    # --- provider value catalogues ----------------------------------------------------------------
    *rule(
        "temporal-restrict-cloud-regions",
        (ACME, "dev-acme"),
        sets(
            "regions",
            ["gcp-us-east1"],
            "'gcp-us-east1' is not a Temporal Cloud region",
            id="unknown-region",
        ),
        sets(
            "regions",
            ["gcp-us-central1", "gcp-europe-west3"],
            "'gcp-us-central1' cannot replicate to 'gcp-europe-west3'",
            id="no-replication",
        ),
    ),
    *rule(
        "k8s-forbid-vulnerable-charts",
        (ENV, "ingress-nginx"),
        sets(
            "version",
            "4.11.3",
            "chart ingress-nginx 4.11.3 is affected by CVE-2025-1974",
            id="ingress-nightmare",
        ),
        sets(
            "version",
            "4.12.0",
            "chart ingress-nginx 4.12.0 is affected by CVE-2025-1974",
            id="ingress-4-12-0",
        ),
    ),
    # --- reference forms -------------------------------------------------------------------------
    *rule(
        "k8s-require-oci-chart-reference",
        (ACME, "acme-app-release"),
        row(
            both(
                set_input(ACME, "acme-app-release", "chart", "tinybug-app"),
                set_input(
                    ACME,
                    "acme-app-release",
                    "repositoryOpts",
                    {"repo": APP_CHART.rsplit("/", 1)[0]},
                ),
            ),
            "Helm refuses an oci:// URL as a chart repository",
            id="oci-as-repo",
        ),
        sets(
            "repositoryOpts",
            {"repo": "https://charts.example"},
            "an OCI chart takes no repository",
            id="oci-with-repo",
        ),
    ),
    *rule(
        "k8s-require-image-digests",
        (ACME, ACME_JOB),
        sets(
            "spec.template.spec.containers.0.image",
            "us-docker.pkg.dev/tinybug-saas-dev/platform/tenancy-migrate:0.1.0",
            "a tag that can be moved",
            id="mutable-tag",
        ),
    ),
    # --- awaiting ---------------------------------------------------------------------------------
    *rule(
        "k8s-bound-job-deadline",
        (ACME, ACME_JOB),
        row(
            set_timeouts(ACME, ACME_JOB, {}),
            "spec.activeDeadlineSeconds is 900, but Pulumi waits only 600s",
            id="default-await",
        ),
        sets(
            "spec.ttlSecondsAfterFinished",
            86400,
            "spec.ttlSecondsAfterFinished deletes the finished Job",
            id="ttl-drift",
        ),
    ),
    # --- destroy ---------------------------------------------------------------------------------
    *rule(
        "sql-require-user-deletion-policy",
        (ACME, "acme-postgres-1-migrator"),
        drops("deletionPolicy", "deletionPolicy is None", id="default-delete"),
    ),
]

DEPLOY_STACK_CASES = [
    # --- ordering --------------------------------------------------------------------------------
    *rule(
        "iam-order-bindings-after-pool",
        None,
        row(
            drop_dependency(ENV, FREE_BINDING, "pool-a"),
            f"IAMMember '{FREE_BINDING}': binds into {PROJECT}.svc.id.goog before Cluster 'pool-a'",
            id="platform-binding-first",
        ),
        row(
            drop_dependency(INITECH, INITECH_BINDING, "initech-gke"),
            '"Identity Pool does not exist"',
            id="dedicated-binding-first",
        ),
    ),
    *rule(
        "kms-order-grants-after-service-agent",
        None,
        row(
            drop_dependency(INITECH, "initech-uploads-key-gcs-agent", "initech-storage"),
            "which does not exist in a new project until storage.googleapis.com is enabled",
            id="interpolated-agent",
        ),
        row(
            drop_dependency(
                INITECH,
                names.uploads_bucket(ENV, PROJECT, "initech"),
                "initech-uploads-key-gcs-agent",
            ),
            "the bucket must depend on the grant",
            id="bucket-before-grant",
        ),
    ),
    *rule(
        "gcp-order-peerings-after-service-networking",
        None,
        row(
            drop_dependency(INITECH, "initech-peering", "initech-psa"),
            "GCP runs one peering operation per network at a time",
            id="concurrent-peering",
        ),
    ),
    *rule(
        "gcp-order-resources-after-apis",
        None,
        row(
            both(
                drop_dependency(INITECH, "initech-uploads-key-gcs-agent", "initech-storage"),
                drop_dependency(INITECH, "initech-uploads-key-gcs-agent", "initech-uploads-key"),
            ),
            "may be created before storage.googleapis.com is enabled",
            id="bucket-before-api",
        ),
        row(
            add(
                INITECH,
                "gcp:container/cluster:Cluster",
                "initech-archive-gke",
                {
                    "name": "initech-archive-gke",
                    "project": "tn-initech-1a2b3c",
                    "binaryAuthorization": {"evaluationMode": "PROJECT_SINGLETON_POLICY_ENFORCE"},
                },
            ),
            "needs binaryauthorization.googleapis.com, which the stack never enables",
            id="binauthz-api-missing",
        ),
    ),
    *rule(
        "gcp-order-identity-tenants-after-config",
        (ENV, "identity-platform"),
        row(
            drop_dependency(ENV, "hooli-idp", "identity-platform"),
            "Tenant 'hooli-idp': may be created before Config 'identity-platform' enables "
            "multi-tenancy",
            id="tenant-before-config",
        ),
        sets(
            "multiTenant.allowTenants",
            False,
            "multiTenant.allowTenants is not true",
            id="single-tenant-config",
        ),
        row(
            drop_dependency(ENV, "identity-platform", "identitytoolkit-api"),
            "does not wait for identitytoolkit.googleapis.com",
            id="config-before-api",
        ),
    ),
    # --- reachability ----------------------------------------------------------------------------
    *rule(
        "k8s-require-private-google-dns",
        (ENV, f"{ENV}-vpc-googleapis"),
        sets(
            "visibility",
            "public",
            f"Network '{ENV}-vpc' has no private 'googleapis.com.' zone",
            id="no-private-zone",
        ),
        sets(
            "rrdatas",
            ["googleapis.com."],
            "needs *.googleapis.com. CNAME private.googleapis.com.",
            id="wildcard-elsewhere",
            on=(ENV, f"{ENV}-vpc-cname"),
        ),
        sets(
            "privateVisibilityConfig.networks.0.networkUrl",
            f"projects/{PROJECT}/global/networks/other-vpc",
            "has no private 'googleapis.com.' zone",
            id="zone-on-another-vpc",
        ),
    ),
    # --- the metadata server per datapath --------------------------------------------------------
    *rule(
        "k8s-require-datapath-metadata-server",
        (ACME, f"{ACME_NS}-allow-google-apis"),
        sets(
            "spec.egress.1.to.0.ipBlock.cidr",
            "169.254.169.252/32",
            "allows the metadata server at 169.254.169.252/32, but on ADVANCED_DATAPATH pods reach "
            "it at 169.254.169.254/32",
            id="legacy-address-on-dpv2",
        ),
        sets(
            "datapathProvider",
            "LEGACY_DATAPATH",
            "allows the metadata server at 169.254.169.254/32, but on LEGACY_DATAPATH",
            id="dpv2-address-on-legacy",
            on=(ENV, "pool-a"),
        ),
        sets(
            "spec.egress.1.ports.0.port", 988, "the metadata server answers on 80", id="wrong-port"
        ),
        sets(
            "spec.egress",
            [
                {
                    "to": [{"ipBlock": {"cidr": "199.36.153.8/30"}}],
                    "ports": [{"protocol": "TCP", "port": 443}],
                }
            ],
            f"namespace '{ACME_NS}'",
            id="no-metadata-allow",
        ),
    ),
]

DEPLOY_STACK_CASES += [
    # --- reachability of images ------------------------------------------------------------------
    *rule(
        "gke-require-image-pull-access",
        (INITECH, "initech-gke"),
        sets(
            "project",
            INITECH_PROJECT,
            "pulls 'us-docker.pkg.dev/tinybug-saas-dev/platform/tenancy-migrate:0.1.0@sha256:",
            id="cross-project-pull",
        ),
    ),
]

NODES = f"serviceAccount:{gsa_email(names.node_service_account_id('initech'))}"
DEPLOY_STACK_TOLERATED = [
    pytest.param(
        "gke-require-image-pull-access",
        both(
            set_input(INITECH, "initech-gke", "project", INITECH_PROJECT),
            add(
                INITECH,
                "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
                "initech-nodes-image-pull",
                {
                    "project": PROJECT,
                    "location": "us",
                    "repository": "platform",
                    "role": "roles/artifactregistry.reader",
                    "member": NODES,
                },
            ),
        ),
        id="cross-project-pull-granted",
    ),
]

DEPLOY_TOLERATED = [
    pytest.param(
        "k8s-forbid-vulnerable-charts",
        set_input(ENV, "ingress-nginx", "version", "4.11.5"),
        id="ingress-4-11-5-fixed",
    ),
    pytest.param(
        "k8s-require-image-digests",
        set_input(
            ACME,
            ACME_JOB,
            "spec.template.spec.containers.0.image",
            "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.17.0",
        ),
        id="third-party-version-pin",
    ),
]

DEPLOY_RESOURCE_CASES += [
    # --- secrets reach containers as files (Checkov CKV_K8S_35) -----------------------------------
    *rule(
        "k8s-forbid-secrets-in-env",
        (ACME, ACME_JOB),
        sets(
            "spec.template.spec.containers.0.env",
            [
                {
                    "name": "PGPASSWORD",
                    "valueFrom": {
                        "secretKeyRef": {"name": "acme-credentials", "key": "PASSWORD_1"}
                    },
                }
            ],
            "reads Secret 'acme-credentials' key 'PASSWORD_1' into $PGPASSWORD",
            id="password-env",
        ),
        sets(
            "spec.template.spec.initContainers",
            [{"name": "proxy", "image": "proxy", "envFrom": [{"secretRef": {"name": "creds"}}]}],
            "initContainers[proxy] loads Secret 'creds' into its environment",
            id="env-from-secret",
        ),
    ),
]
DEPLOY_TOLERATED += [
    pytest.param(
        "k8s-forbid-secrets-in-env",
        set_input(
            ACME,
            ACME_JOB,
            "spec.template.spec.containers.0.env",
            [
                {"name": "HOME", "value": "/tmp"},
                {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "m"}}},
            ],
        ),
        id="plain-and-configmap-env",
    ),
]

# --- Temporal API keys (temporal-bound-api-keys; the suite's clock is 2026-12-07) -----------------
ACME_KEY = f"{names.temporal_service_account('acme')}-key"
ACME_ACCOUNT = names.temporal_service_account("acme")
TEMPORAL_ACCOUNT = "temporalcloud:index/serviceAccount:ServiceAccount"


def second_key(expires: str):
    """A newer generation beside the fixture's key (a rotation in progress)."""
    return add(
        ACME,
        "temporalcloud:index/apikey:Apikey",
        f"{ACME_KEY}-next",
        {
            "displayName": f"{ACME_KEY}-next",
            "ownerId": UNKNOWN,
            "ownerType": "service-account",
            "expiryTime": expires,
        },
        deps=(f"urn:pulumi:{ACME}::tenancy::{TEMPORAL_ACCOUNT}::{ACME_ACCOUNT}",),
    )


DEPLOY_STACK_CASES += rule(
    "temporal-bound-api-keys",
    (ACME, ACME_KEY),
    sets(
        "expiryTime",
        "2029-01-01T00:00:00Z",
        "expires at 2029-01-01T00:00:00Z, beyond Temporal Cloud's maximum key lifetime of 730 days",
        id="beyond-max-lifetime",
    ),
    sets(
        "expiryTime",
        "2026-12-20T00:00:00Z",
        "Namespace 'dev-acme': no API key valid for at least 30 days (until 2027-01-06T00:00:00Z); "
        "the last expires at 2026-12-20T00:00:00Z",
        id="expires-soon",
    ),
    sets(
        "expiryTime",
        "2026-06-30T00:00:00Z",
        "Namespace 'dev-acme': no API key valid for at least 30 days",
        id="expired",
    ),
    row(
        remove(ACME, ACME_KEY),
        "Namespace 'dev-acme': no API key valid for at least 30 days (until 2027-01-06T00:00:00Z); "
        "it has none",
        id="no-key",
    ),
    sets(
        "expiryTime",
        "2027-12-31T00:00:00+00:00",
        "expiryTime '2027-12-31T00:00:00+00:00' is not RFC 3339 in UTC with Z",
        id="offset-spelling",
    ),
    row(
        both(
            set_input(ACME, ACME_KEY, "expiryTime", "2026-12-20T00:00:00Z"),
            second_key("2026-12-31T00:00:00Z"),
        ),
        "the last expires at 2026-12-31T00:00:00Z",
        id="both-generations-short",
    ),
    sets(
        "expiryTime",
        "2027-06-30T00:00:00Z",
        "Namespace 'dev-acme': no API key valid for at least 400 days",
        id="knob-min-remaining",
        config={"minRemainingDays": 400},
    ),
)
DEPLOY_STACK_TOLERATED += [
    # Mid-rotation: the old generation expires in 13 days, the new one is what counts.
    pytest.param(
        "temporal-bound-api-keys",
        both(
            set_input(ACME, ACME_KEY, "expiryTime", "2026-12-20T00:00:00Z"),
            second_key("2027-12-31T00:00:00Z"),
        ),
        id="rotation-in-progress",
    ),
    # A namespace that authenticates with mTLS only needs no key.
    pytest.param(
        "temporal-bound-api-keys",
        both(
            set_input(ACME, "dev-acme", "apiKeyAuth", False),
            set_input(ACME, "dev-acme", "acceptedClientCa", "LS0t"),
            remove(ACME, ACME_KEY),
        ),
        id="mtls-only",
    ),
    # Exactly the maximum lifetime from the suite's day.
    pytest.param(
        "temporal-bound-api-keys",
        set_input(ACME, ACME_KEY, "expiryTime", "2028-12-06T00:00:00Z"),
        id="max-lifetime",
    ),
]

# --- provider value catalogue: Cloud SQL IAM group users (direct database access) ---------------
GROUP_USER = {
    "name": "dba@acme.example",
    "instance": "acme-postgres-1",
    "project": PROJECT,
    "type": "CLOUD_IAM_GROUP",
    "deletionPolicy": "ABANDON",
}
DEPLOY_STACK_CASES += [
    *rule(
        "sql-require-iam-group-login",
        None,
        row(
            add(
                ACME,
                "gcp:sql/user:User",
                "acme-postgres-1-direct",
                {**GROUP_USER, "name": "DBA@Acme"},
            ),
            "IAM group user on acme-postgres-1: name 'DBA@Acme' is not the group's email in "
            "lowercase",
            id="group-not-lowercase-email",
        ),
        row(
            add(
                ACME, "gcp:sql/user:User", "acme-postgres-1-direct", {**GROUP_USER, "password": "x"}
            ),
            "IAM group user on acme-postgres-1: an IAM group user has no password",
            id="group-with-password",
        ),
        row(
            add(ACME, "gcp:sql/user:User", "acme-postgres-1-direct", GROUP_USER),
            "IAM group user on acme-postgres-1: instance does not set "
            "cloudsql.iam_authentication=on",
            id="group-without-iam-flag",
        ),
    ),
]
DEPLOY_STACK_TOLERATED += [
    pytest.param(
        "sql-require-iam-group-login",
        both(
            set_input(
                ACME,
                "acme-postgres-1",
                "settings.databaseFlags",
                [*PG_FLAGS, {"name": "cloudsql.iam_authentication", "value": "on"}],
            ),
            add(ACME, "gcp:sql/user:User", "acme-postgres-1-direct", GROUP_USER),
        ),
        id="group-user-as-cloud-sql-takes-it",
    ),
]
