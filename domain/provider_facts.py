"""What the providers and APIs accept, held in one place with the source of each fact.

The components build from these values, the registry and settings validation refuse what they
rule out, and the deploy-readiness policies hold the plan to them (docs/deploy-readiness.md).
A fact changes here, with its source, or nowhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

# --- Temporal Cloud regions --------------------------------------------------------------------
# Source: Temporal Cloud region reference, GCP table ("Cloud API Code", "Multi-region replica"),
# https://docs.temporal.io/cloud/regions (docs/cloud/references/regions/gcpregions.md). GCP
# namespaces support multi-region replication between the three US regions only, and no
# same-region replication.
TEMPORAL_REGIONS_SOURCE = "https://docs.temporal.io/cloud/regions"
TEMPORAL_GCP_REPLICAS: dict[str, tuple[str, ...]] = {
    "gcp-us-central1": ("gcp-us-west1", "gcp-us-east4"),
    "gcp-us-west1": ("gcp-us-central1", "gcp-us-east4"),
    "gcp-us-east4": ("gcp-us-central1", "gcp-us-west1"),
    "gcp-europe-west3": (),
    "gcp-asia-south1": (),
    "gcp-asia-southeast2": (),
    "gcp-australia-southeast1": (),
}
# AWS regions of the same reference (docs/cloud/references/regions/awsregions.md): accepted as
# values; the platform runs on GCP, so HA pairs are only planned on GCP.
TEMPORAL_AWS_REGIONS = frozenset(
    {
        "aws-ap-northeast-1",
        "aws-ap-northeast-2",
        "aws-ap-south-1",
        "aws-ap-south-2",
        "aws-ap-southeast-1",
        "aws-ap-southeast-2",
        "aws-ca-central-1",
        "aws-eu-central-1",
        "aws-eu-west-1",
        "aws-eu-west-2",
        "aws-sa-east-1",
        "aws-us-east-1",
        "aws-us-east-2",
        "aws-us-west-2",
    }
)
TEMPORAL_REGIONS = frozenset(TEMPORAL_GCP_REPLICAS) | TEMPORAL_AWS_REGIONS
# terraform-provider-temporalcloud docs/resources/namespace.md: "Must be one or two regions".
TEMPORAL_MAX_REGIONS = 2


def temporal_region_problems(regions: list[str]) -> list[str]:
    """Why Temporal Cloud would refuse these namespace regions (empty when it accepts them)."""
    problems = [
        f"{r!r} is not a Temporal Cloud region; GCP regions are: "
        + ", ".join(sorted(TEMPORAL_GCP_REPLICAS))
        for r in regions
        if r not in TEMPORAL_REGIONS
    ]
    if problems:
        return problems
    if len(regions) > TEMPORAL_MAX_REGIONS:
        return [f"a namespace has one or two regions, not {len(regions)}"]
    if len(regions) == 2:
        first, second = regions
        if first == second:
            return [f"{first!r} twice: Temporal Cloud on GCP has no same-region replication"]
        if first in TEMPORAL_GCP_REPLICAS and second not in TEMPORAL_GCP_REPLICAS[first]:
            partners = TEMPORAL_GCP_REPLICAS[first]
            hint = (
                f"it replicates only to {', '.join(partners)}"
                if partners
                else "it has no multi-region replica on GCP"
            )
            return [f"{first!r} cannot replicate to {second!r}: {hint}"]
    return []


# --- Temporal Cloud API keys -------------------------------------------------------------------
# Source: Temporal Cloud, "Manage API keys", FAQ (https://docs.temporal.io/cloud/api-keys#faqs;
# temporalio/documentation docs/cloud/get-started/api-keys.mdx@0b4a7e5c): "Up to 10 non-expired
# keys per user and 20 non-expired keys per Service Account"; "The maximum expiration time for an
# API key is 2 years". Keys can be disabled and enabled again (same page, "Enable or Disable").
TEMPORAL_API_KEYS_SOURCE = "https://docs.temporal.io/cloud/api-keys#faqs"
TEMPORAL_API_KEYS_PER_SERVICE_ACCOUNT = 20
# Two years, counted as 730 days: never more than the API's "2 years", leap day or not.
TEMPORAL_API_KEY_MAX_LIFETIME_DAYS = 730
# Source: temporalio/terraform-provider-temporalcloud@v0.6.0 (pinned by pulumi-temporalcloud
# 0.6.2) internal/provider/apikey_resource.go: expiry_time is RequiresReplace (L120-126), parsed
# with time.RFC3339 (L161) and read back as `AsTime().Format(time.RFC3339)`, i.e. UTC with `Z`
# (L378). Any other spelling of the same instant differs from the state after a refresh and
# replaces the key, so only the canonical form is accepted.
TEMPORAL_APIKEY_SOURCE = (
    "temporalio/terraform-provider-temporalcloud@v0.6.0 internal/provider/apikey_resource.go "
    "L120-126, L161, L378"
)
TEMPORAL_API_KEY_EXPIRY_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"


# --- Cloud Storage usage logs -------------------------------------------------------------------
# Source: Cloud Storage, "Usage logs & storage logs" (https://cloud.google.com/storage/docs/access-logs):
# the log bucket grants roles/storage.objectCreator to this Google-operated group, which writes
# the logs. It is a service, not people: tenant group rules do not apply to it.
GCS_USAGE_LOG_WRITER = "group:cloud-storage-analytics@google.com"


def gcp_region_of_temporal(region: str) -> str | None:
    """'gcp-us-east4' → 'us-east4'; None for other clouds."""
    return region.removeprefix("gcp-") if region.startswith("gcp-") else None


# --- Google APIs from pods with restricted egress ------------------------------------------------
# Source: Google Cloud, "Configure Private Google Access", DNS configuration
# (https://cloud.google.com/vpc/docs/configure-private-google-access#config-domain), and the
# Cloud Service Mesh egress tutorial that applies it to GKE: a private zone googleapis.com.
# with private.googleapis.com A 199.36.153.8-11 and *.googleapis.com CNAME private.googleapis.com.
PRIVATE_GOOGLE_ACCESS_SOURCE = (
    "https://cloud.google.com/vpc/docs/configure-private-google-access#config-domain"
)
PRIVATE_GOOGLE_APIS_CIDR = "199.36.153.8/30"
PRIVATE_GOOGLE_APIS_IPS = ("199.36.153.8", "199.36.153.9", "199.36.153.10", "199.36.153.11")
GOOGLEAPIS_ZONE = "googleapis.com."
PRIVATE_GOOGLEAPIS_HOST = "private.googleapis.com."
GOOGLEAPIS_WILDCARD = "*.googleapis.com."

# --- The GKE metadata server per datapath ---------------------------------------------------------
# Source: GKE network policy docs and the Cloud Service Mesh egress tutorial's
# allow-egress-to-metadata-server policy: Dataplane V2 evaluates policy before NAT, so pods
# reach 169.254.169.254 (port 80); the legacy (iptables/Calico) datapath sees the DNATed
# 169.254.169.252 on 988 (and 987).
METADATA_SOURCE = "https://cloud.google.com/kubernetes-engine/docs/how-to/network-policy"
DATAPLANE_V2: Final = "ADVANCED_DATAPATH"
LEGACY_DATAPATH: Final = "LEGACY_DATAPATH"


@dataclass(frozen=True)
class MetadataServer:
    cidr: str
    ports: tuple[int, ...]


METADATA_SERVER: dict[str, MetadataServer] = {
    DATAPLANE_V2: MetadataServer("169.254.169.254/32", (80,)),
    LEGACY_DATAPATH: MetadataServer("169.254.169.252/32", (987, 988)),
}
METADATA_CIDRS = frozenset(m.cidr for m in METADATA_SERVER.values())

# --- Helm chart references ---------------------------------------------------------------------
# Source: pulumi-kubernetes Chart v4 / Release docs ("By OCI registry: chart: oci://...") and
# issues #2158 and #1914: an oci:// URL is not a chart repository; it goes in `chart`.
OCI_CHART_SOURCE = "https://github.com/pulumi/pulumi-kubernetes/issues/2158"
OCI_PREFIX = "oci://"

# --- Pinned charts with known vulnerabilities ----------------------------------------------------
# Source: Kubernetes security advisory for CVE-2025-1974 (IngressNightmare),
# https://kubernetes.io/blog/2025/03/24/ingress-nginx-cve-2025-1974/ : fixed in controller
# v1.12.1 and v1.11.5, i.e. charts 4.12.1 and 4.11.5 (charts/ingress-nginx/changelog).
CHART_MIN_FIXED: dict[str, tuple[tuple[tuple[int, ...], tuple[int, ...], str], ...]] = {
    # chart: ((line, first fixed version on that line, advisory), ...); versions above every
    # listed line are fixed.
    "ingress-nginx": (
        ((4, 11), (4, 11, 5), "CVE-2025-1974"),
        ((4, 12), (4, 12, 1), "CVE-2025-1974"),
    ),
}
CHART_ADVISORY_SOURCE = "https://kubernetes.io/blog/2025/03/24/ingress-nginx-cve-2025-1974/"


def parse_version(text: str) -> tuple[int, ...] | None:
    core = text.strip().removeprefix("v").split("-", 1)[0].split("+", 1)[0]
    try:
        return tuple(int(part) for part in core.split("."))
    except ValueError:
        return None


def chart_vulnerability(chart: str, version: str) -> str | None:
    """The advisory a pinned chart version is still exposed to, or None."""
    lines = CHART_MIN_FIXED.get(chart.rsplit("/", 1)[-1])
    parsed = parse_version(version)
    if not lines or parsed is None:
        return None
    for line, fixed, advisory in lines:
        if parsed[: len(line)] == line:
            return advisory if parsed < fixed else None
    first_line = min(line for line, _, _ in lines)
    if parsed[: len(first_line)] < first_line:
        return lines[0][2]
    return None


# --- Pulumi's await of Kubernetes Jobs -----------------------------------------------------------
# Source: pulumi-kubernetes provider/pkg/await/job.go, DefaultJobTimeoutMins = 10; override with
# the customTimeouts resource option.
JOB_AWAIT_SOURCE = (
    "https://github.com/pulumi/pulumi-kubernetes/blob/master/provider/pkg/await/job.go"
)
JOB_AWAIT_DEFAULT_SECONDS = 10 * 60

# --- Google service agents ---------------------------------------------------------------------
# Source: pulumi-gcp storage.get_project_service_account docstring ("Always prefer to use this
# data source over interpolating the project ID into the well-known format ... the latter
# approach may cause ... errors in cases where the service account does not yet exist") and
# projects.ServiceIdentity (service agents of other APIs).
SERVICE_AGENT_SOURCE = (
    "https://www.pulumi.com/registry/packages/gcp/api-docs/storage/getprojectserviceaccount/"
)
SERVICE_AGENT_DOMAINS = (
    "@gs-project-accounts.iam.gserviceaccount.com",
    "@gcp-sa-",
    "@container-engine-robot.iam.gserviceaccount.com",
    "@compute-system.iam.gserviceaccount.com",
)

# --- APIs a resource needs enabled in its project -------------------------------------------------
# Source: each resource's provider docs ("requires the X API"); Binary Authorization:
# https://cloud.google.com/binary-authorization/docs/setting-up ; Identity Platform:
# pulumi-gcp identityplatform.Config example (identitytoolkit.googleapis.com).
API_OF_TYPE: dict[str, str] = {
    "gcp:container/cluster:Cluster": "container.googleapis.com",
    "gcp:sql/databaseInstance:DatabaseInstance": "sqladmin.googleapis.com",
    "gcp:servicenetworking/connection:Connection": "servicenetworking.googleapis.com",
    "gcp:firestore/database:Database": "firestore.googleapis.com",
    "gcp:secretmanager/secret:Secret": "secretmanager.googleapis.com",
    "gcp:kms/keyRing:KeyRing": "cloudkms.googleapis.com",
    "gcp:storage/bucket:Bucket": "storage.googleapis.com",
    "gcp:dns/managedZone:ManagedZone": "dns.googleapis.com",
    "gcp:compute/network:Network": "compute.googleapis.com",
    "gcp:logging/projectSink:ProjectSink": "logging.googleapis.com",
    "gcp:monitoring/alertPolicy:AlertPolicy": "monitoring.googleapis.com",
    "gcp:identityplatform/config:Config": "identitytoolkit.googleapis.com",
    "gcp:identityplatform/tenant:Tenant": "identitytoolkit.googleapis.com",
}
BINARY_AUTHORIZATION_API = "binaryauthorization.googleapis.com"

# --- Artifact Registry image references -----------------------------------------------------------
# Source: https://cloud.google.com/artifact-registry/docs/docker/names
# (LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE). Nodes pull as their service account, which
# needs roles/artifactregistry.reader where the image lives.
ARTIFACT_REGISTRY_SOURCE = "https://cloud.google.com/artifact-registry/docs/docker/names"
_AR_IMAGE = re.compile(
    r"^(?P<location>[a-z0-9-]+)-docker\.pkg\.dev/(?P<project>[a-z][-a-z0-9]{4,28}[a-z0-9])/"
    r"(?P<repository>[a-z0-9._-]+)/"
)


@dataclass(frozen=True)
class RegistryRepository:
    location: str
    project: str
    repository: str


def artifact_registry_repository(image: str) -> RegistryRepository | None:
    """The Artifact Registry repository an image reference points into (None elsewhere)."""
    match = _AR_IMAGE.match(image)
    return RegistryRepository(**match.groupdict()) if match else None


IMAGE_DIGEST_RE = re.compile(r"@sha256:[0-9a-f]{64}$")


# --- Cloud SQL IAM group logins (enterprise direct database access) ---------------------------
# hashicorp/terraform-provider-google@e03b7622 google/services/sql/resource_sql_user_test.go
# TestAccSqlUser_postgres_iamGroupUser: a google_sql_user of type CLOUD_IAM_GROUP named with the
# group's full email, no password, on a PostgreSQL instance whose database flag
# cloudsql.iam_authentication is on; website/docs/r/sql_user.html.markdown lists the types
# (CLOUD_IAM_GROUP_USER / _SERVICE_ACCOUNT are the members' accounts Cloud SQL creates itself).
# Cloud SQL "Manage users with IAM database authentication" (postgres/add-manage-iam-users): the
# database username is the email, all lowercase; a member's account is created at its first
# login, as its own email (a service account's without ".gserviceaccount.com").
# PostgreSQL truncates identifiers to NAMEDATALEN-1 = 63 bytes (SQL Syntax, "Identifiers").
CLOUD_SQL_IAM_GROUP_SOURCE = (
    "https://github.com/hashicorp/terraform-provider-google/blob/main/google/services/sql/"
    "resource_sql_user_test.go (TestAccSqlUser_postgres_iamGroupUser); "
    "https://cloud.google.com/sql/docs/postgres/add-manage-iam-users"
)
IAM_GROUP_USER_TYPE = "CLOUD_IAM_GROUP"
IAM_AUTHENTICATION_FLAG = "cloudsql.iam_authentication"
POSTGRES_MAX_ROLE_BYTES = 63
IAM_GROUP_NAME = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,63}$")


def iam_group_user_problems(
    name: str, has_password: bool, database_version: str, flags: dict[str, str]
) -> list[str]:
    """Why Cloud SQL would not accept (or not log in) a CLOUD_IAM_GROUP user; [] if it would."""
    found = []
    if not IAM_GROUP_NAME.fullmatch(name):
        found.append(f"name {name!r} is not the group's email in lowercase")
    if len(name.encode()) > POSTGRES_MAX_ROLE_BYTES:
        found.append(
            f"name {name!r} is longer than PostgreSQL's {POSTGRES_MAX_ROLE_BYTES}-byte role names"
        )
    if has_password:
        found.append("an IAM group user has no password")
    if not database_version.upper().startswith("POSTGRES"):
        found.append(f"instance is {database_version or 'of an unknown version'}, not PostgreSQL")
    if flags.get(IAM_AUTHENTICATION_FLAG, "").lower() != "on":
        found.append(f"instance does not set {IAM_AUTHENTICATION_FLAG}=on")
    return found


# --- IAM custom roles: soft delete ---------------------------------------------------------------
# IAM API projects.roles.delete: a deleted custom role can be undeleted for 7 days, then it is
# permanently deleted; terraform-provider-google website/docs/r/google_project_iam_custom_role
# .html.markdown: "it can take up to 30 more days (i.e. between 7 and 37 days after deletion)
# before the role name is made available again", and re-creating within the 7 days undeletes it.
CUSTOM_ROLE_SOURCE = (
    "https://cloud.google.com/iam/docs/reference/rest/v1/projects.roles/delete; "
    "hashicorp/terraform-provider-google "
    "website/docs/r/google_project_iam_custom_role.html.markdown"
)
CUSTOM_ROLE_TYPE = "gcp:projects/iAMCustomRole:IAMCustomRole"
CUSTOM_ROLE_UNDELETE_DAYS = 7
CUSTOM_ROLE_ID_REUSE_DAYS = 37
