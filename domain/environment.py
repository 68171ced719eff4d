"""Environment settings: ``Pulumi.<env>.yaml`` → ``config: tenancy:settings``.

The platform stack reads them from its own config; tenant stacks receive the same validated
settings from the platform stack's ``settings`` output through a StackReference.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from domain import PULUMI_PROJECT, clock, names
from domain.api_keys import GENERATION_PATTERN, Generation, generation_problems
from domain.networks import CONTROL_PLANE_PREFIX, PRIVATE_RANGES
from domain.project import project_root
from domain.provider_facts import (
    DATAPLANE_V2,
    TEMPORAL_API_KEY_EXPIRY_PATTERN,
    TEMPORAL_APIKEY_SOURCE,
    TEMPORAL_REGIONS_SOURCE,
    gcp_region_of_temporal,
    temporal_region_problems,
)
from domain.registry.models import (
    DOMAIN_PATTERN,
    EMAIL_PATTERN,
    GCP_REGION_PATTERN,
    NodePool,
    NotificationChannelSpec,
    check_email,
)
from domain.yamlio import line_of, load_yaml_with_lines, to_plain

SETTINGS_KEY = "tenancy:settings"
API_KEYS_LOC = ("temporal", "api_keys")
DEFAULT_CLUSTER_CAPACITY = 300


class Strict(BaseModel):
    # As strict as a tenant file: no coercion between strings, numbers and booleans.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _ipv4_network(value: str) -> str:
    try:
        ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an IPv4 network: {exc}") from None
    return value


class PoolCluster(Strict):
    """A shared GKE cluster ("pool cell") that hosts standard tenants' namespaces."""

    name: str = Field(pattern=r"^[a-z](?:[-a-z0-9]{0,18}[a-z0-9])$")
    region: str = Field(pattern=GCP_REGION_PATTERN)
    capacity: int = Field(
        DEFAULT_CLUSTER_CAPACITY, ge=1, le=1000, description="Max tenant namespaces."
    )
    master_ipv4_cidr: str = Field(pattern=r"^\d+\.\d+\.\d+\.\d+/28$")
    node_pools: list[NodePool] = Field(min_length=1)

    _network = field_validator("master_ipv4_cidr")(_ipv4_network)


class NetworkSettings(Strict):
    subnet_cidr: str = "10.10.0.0/20"
    pods_cidr: str = "10.64.0.0/14"
    services_cidr: str = "10.68.0.0/20"

    _networks = field_validator("subnet_cidr", "pods_cidr", "services_cidr")(_ipv4_network)


class AddressPool(Strict):
    """Where one kind of enterprise range comes from, and the size ``tenancy new`` gives."""

    cidr: str = Field(description="The pool, a private IPv4 network.")
    prefix: int = Field(ge=8, le=29, description="Prefix length of a new tenant's range.")

    _network = field_validator("cidr")(_ipv4_network)

    @model_validator(mode="after")
    def _fits(self) -> AddressPool:
        pool = ipaddress.IPv4Network(self.cidr)
        if not any(pool.subnet_of(r) for r in PRIVATE_RANGES):
            raise ValueError(f"{self.cidr} is not inside a private range (RFC 1918)")
        if self.prefix < pool.prefixlen:
            raise ValueError(f"prefix /{self.prefix} is wider than the pool {self.cidr}")
        return self


class AddressPlan(Strict):
    """The environment's address plan: every enterprise tenant's node subnet, pods and services
    ranges and control plane come from these pools (domain.networks). Pools may contain platform
    ranges; those are never handed out. Pods and services may share a pool."""

    nodes: AddressPool = AddressPool(cidr="10.0.0.0/9", prefix=20)
    pods: AddressPool = AddressPool(cidr="10.128.0.0/9", prefix=16)
    services: AddressPool = AddressPool(cidr="10.128.0.0/9", prefix=20)
    control_plane: AddressPool = AddressPool(cidr="172.16.32.0/20", prefix=CONTROL_PLANE_PREFIX)

    @model_validator(mode="after")
    def _control_plane_is_28(self) -> AddressPlan:
        # GKE takes a /28 for a private control plane (domain.networks cites the provider).
        if self.control_plane.prefix != CONTROL_PLANE_PREFIX:
            raise ValueError(f"control_plane.prefix must be {CONTROL_PLANE_PREFIX} (GKE: a /28)")
        return self

    def pool(self, kind: str) -> AddressPool:
        pool: AddressPool = getattr(self, kind)
        return pool


class AuthorizedNetwork(Strict):
    name: str
    cidr: str = Field(pattern=r"^\d+\.\d+\.\d+\.\d+/\d+$")

    _network = field_validator("cidr")(_ipv4_network)


class ApiKeyGeneration(Strict):
    """One generation of Temporal Cloud API keys: a key per namespace, all expiring together."""

    generation: str = Field(
        pattern=GENERATION_PATTERN,
        description="Names the keys (<block>-api-key-<generation>); 1-12 of a-z, 0-9, '-'.",
    )
    expires: str = Field(
        description="Expiry, RFC 3339 in UTC with Z (the form the provider reads back).",
        json_schema_extra={"pattern": TEMPORAL_API_KEY_EXPIRY_PATTERN},
    )

    @field_validator("expires")
    @classmethod
    def _instant(cls, value: str) -> str:
        if not re.match(TEMPORAL_API_KEY_EXPIRY_PATTERN, value):
            raise ValueError(
                f"{value!r} must be RFC 3339 in UTC with Z, e.g. 2027-12-31T00:00:00Z: the "
                "provider reads the expiry back in that form, and any other spelling of the "
                f"same instant would replace the keys ({TEMPORAL_APIKEY_SOURCE})"
            )
        try:
            datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            raise ValueError(f"{value!r} is not a valid date and time") from None
        return value

    @property
    def expires_at(self) -> datetime:
        return datetime.strptime(self.expires, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)

    def as_generation(self) -> Generation:
        return Generation(self.generation, self.expires_at)


class TemporalSettings(Strict):
    backend: Literal["cloud", "self-hosted"] = "cloud"
    account_id: str | None = Field(None, description="Temporal Cloud account id (cloud backend).")
    endpoint: str | None = Field(None, description="host:port of a self-hosted frontend.")
    default_region: str = "gcp-us-central1"
    ha_region: str = Field(
        "gcp-us-east4", description="Second region of HA (enterprise) namespaces."
    )
    api_keys: list[ApiKeyGeneration] = Field(
        default_factory=list,
        validate_default=True,  # the cloud backend without any generation is refused
        description="Generations of the workers' API keys, oldest first; the workers use the "
        "newest (docs/operations.md, Temporal API keys). Required with the cloud backend.",
    )
    api_key_expiry: str | None = Field(
        None, description="Replaced by api_keys; refused with a hint.", exclude=True
    )

    @field_validator("api_key_expiry")
    @classmethod
    def _replaced(cls, value: str | None) -> str | None:
        if value is not None:
            raise ValueError(
                "replaced by api_keys, a list of key generations oldest first, e.g. "
                f"api_keys: [{{generation: 2027a, expires: {value!r}}}] "
                "(docs/operations.md, Temporal API keys)"
            )
        return value

    @field_validator("api_keys")
    @classmethod
    def _generations(
        cls, value: list[ApiKeyGeneration], info: ValidationInfo
    ) -> list[ApiKeyGeneration]:
        if info.data.get("backend", "cloud") != "cloud" and not value:
            return value  # a self-hosted server takes no Temporal Cloud keys
        try:
            moment = clock.now()
        except clock.ClockError as exc:
            raise ValueError(str(exc)) from None
        problems = generation_problems([g.as_generation() for g in value], moment)
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("endpoint")
    @classmethod
    def _endpoint_shape(cls, value: str | None) -> str | None:
        if value is not None and ":" not in value:
            raise ValueError("endpoint must be host:port")
        return value

    @model_validator(mode="after")
    def _temporal_cloud_regions(self) -> TemporalSettings:
        # Temporal Cloud refuses unknown regions and pairs it cannot replicate between.
        if self.backend == "cloud":
            problems = temporal_region_problems([self.default_region, self.ha_region])
            if problems:
                raise ValueError(
                    "default_region/ha_region: "
                    + "; ".join(problems)
                    + f" ({TEMPORAL_REGIONS_SOURCE})"
                )
        return self


class ChartRef(Strict):
    repository: str = Field(
        pattern=r"^(https://|oci://)",
        description="A Helm repository URL, or an OCI registry path (oci://host/path).",
    )
    chart: str
    version: str
    image_digest: str | None = Field(
        None, pattern=r"^sha256:[0-9a-f]{64}$", description="Digest of the chart's main image."
    )


class OpsImages(Strict):
    """Images of the operations jobs (backups, exports, quota guard)."""

    kubectl: str = Field(
        "registry.k8s.io/kubectl:v1.33.4", description="kubectl, for VolumeSnapshots and flags."
    )
    gcloud: str = Field(
        "gcr.io/google.com/cloudsdktool/google-cloud-cli:536.0.1-stable",
        description="gcloud, for Firestore exports and bucket usage.",
    )
    cloud_sql_proxy: str = Field(
        "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.18.2",
        description="Cloud SQL Auth Proxy, beside the PostgreSQL exports' dump.",
    )
    postgres_client: str = Field(
        "postgres:15.14-alpine", description="pg_dump for the PostgreSQL exports (server 15)."
    )
    neo4j_enterprise: str = Field(
        "neo4j:5.26.0-enterprise", description="neo4j-admin for online backups (enterprise)."
    )
    neo4j_shell: str = Field(
        "neo4j:5.26.0", description="cypher-shell for the Neo4j exports (community image)."
    )


class EnvironmentSettings(Strict):
    environment: str
    project: str = Field(pattern=r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$")
    region: str = Field(pattern=GCP_REGION_PATTERN)
    allowed_regions: list[str] = Field(min_length=1)
    app_domain: str = Field(pattern=DOMAIN_PATTERN)
    platform_domain: str | None = Field(
        None,
        pattern=DOMAIN_PATTERN,
        description="The organisation's own domain (the app domain is inside it); no tenant's "
        "custom domain may be it or under it. Default: the app domain without its first label.",
    )
    acme_email: str = Field(pattern=EMAIL_PATTERN)
    stack_org: str = Field(
        "organization", description="Pulumi organization used in stack references."
    )
    billing_account: str | None = Field(None, pattern=r"^[A-F0-9]{6}-[A-F0-9]{6}-[A-F0-9]{6}$")
    enterprise_folder: str | None = Field(None, pattern=r"^folders/[0-9]+$")
    network: NetworkSettings = NetworkSettings()
    address_plan: AddressPlan = AddressPlan()
    master_authorized_networks: list[AuthorizedNetwork] = Field(min_length=1)
    clusters: list[PoolCluster] = Field(min_length=1)
    temporal: TemporalSettings  # required: the cloud backend needs its API key generations
    app_chart: ChartRef
    neo4j_chart: ChartRef
    ingress_chart: ChartRef
    cert_manager_chart: ChartRef
    # External Secrets Operator: copies an enterprise tenant's own certificate from Secret Manager
    # into its cluster (components/blocks/customer_certificate.py). Chart 2.6.0 serves
    # external-secrets.io/v1 (external-secrets.io docs).
    external_secrets_chart: ChartRef = ChartRef(
        repository="https://charts.external-secrets.io", chart="external-secrets", version="2.6.0"
    )
    migrations_image: str = Field(
        description="Image that runs `tenancy db migrate`, pinned by digest (name@sha256:...).",
        pattern=r"^[a-z0-9.-]+(/[a-z0-9._-]+)+(:[A-Za-z0-9._-]+)?@sha256:[0-9a-f]{64}$",
    )
    gke_datapath: Literal["ADVANCED_DATAPATH", "LEGACY_DATAPATH"] = Field(
        DATAPLANE_V2,
        description="GKE datapath of every cluster (decides the metadata server address).",
    )
    notifications: list[NotificationChannelSpec] = Field(
        min_length=1,
        description="The platform's on-call: every alert of the environment notifies these.",
    )
    ops_images: OpsImages = OpsImages()

    @field_validator("environment")
    @classmethod
    def _env_name(cls, value: str) -> str:
        problems = names.env_problems(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("acme_email")
    @classmethod
    def _email(cls, value: str) -> str:
        return check_email(value)

    @field_validator("allowed_regions")
    @classmethod
    def _regions(cls, value: list[str]) -> list[str]:
        for region in value:
            if not re.fullmatch(GCP_REGION_PATTERN.strip("^$"), region):
                raise ValueError(f"{region!r} must be a GCP region such as us-central1")
        if len(set(value)) != len(value):
            raise ValueError("a region is listed twice")
        return value

    @field_validator("clusters")
    @classmethod
    def _unique_clusters(cls, value: list[PoolCluster]) -> list[PoolCluster]:
        seen: set[str] = set()
        for cluster in value:
            if cluster.name in seen:
                raise ValueError(f"cluster name {cluster.name!r} is used twice")
            seen.add(cluster.name)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> EnvironmentSettings:
        # Regions outside allowed_regions are the environment's own mistake, not its tenants'.
        outside = [f"region {self.region!r}"] if self.region not in self.allowed_regions else []
        outside += [
            f"cluster {c.name!r} in {c.region!r}"
            for c in self.clusters
            if c.region not in self.allowed_regions
        ]
        if outside:
            raise ValueError(f"{', '.join(outside)} not in allowed_regions {self.allowed_regions}")
        if self.platform_domain is not None and not (
            self.app_domain == self.platform_domain
            or self.app_domain.endswith("." + self.platform_domain)
        ):
            raise ValueError(
                f"app_domain {self.app_domain!r} must be inside platform_domain "
                f"{self.platform_domain!r}"
            )
        return self

    @model_validator(mode="after")
    def _temporal_regions_allowed(self) -> EnvironmentSettings:
        # The tenants' Temporal namespaces are held to allowed_regions like every GCP resource.
        if self.temporal.backend == "cloud":
            for key in ("default_region", "ha_region"):
                region = gcp_region_of_temporal(getattr(self.temporal, key))
                if region is not None and region not in self.allowed_regions:
                    raise ValueError(
                        f"temporal.{key}: {getattr(self.temporal, key)!r} is in {region}, "
                        f"which is not in allowed_regions {self.allowed_regions}"
                    )
        return self

    @property
    def apex_domain(self) -> str:
        """The platform's own domain, which tenants' custom domains stay out of."""
        if self.platform_domain is not None:
            return self.platform_domain
        labels = self.app_domain.split(".")
        return ".".join(labels[1:]) if len(labels) > 2 else self.app_domain

    def cluster(self, name: str) -> PoolCluster | None:
        return next((c for c in self.clusters if c.name == name), None)

    @property
    def platform_stack_ref(self) -> str:
        """Fully qualified name of this environment's platform stack, for StackReferences."""
        from domain.stacks import (
            platform_stack_name,
        )  # stacks imports the registry, which imports us

        return f"{self.stack_org}/{PULUMI_PROJECT}/{platform_stack_name(self.environment)}"


class EnvironmentConfigError(Exception):
    """The environment file is missing or invalid (all problems at once)."""

    def __init__(self, problems: list[str], findings_only: bool = False):
        super().__init__("\n".join(problems))
        self.problems = problems
        # The file was read and is well formed; only its API key generations fail (expired, too
        # long, ...): a finding (exit 1), like an invalid registry, not "could not run" (2).
        self.findings_only = findings_only


def settings_path(env: str, root: Path | None = None) -> Path:
    root = root if root is not None else project_root()
    return root / f"Pulumi.{env}.yaml"


def load_environment(env: str, root: Path | None = None) -> EnvironmentSettings:
    path = settings_path(env, root)
    env_problems = names.env_problems(env)
    if env_problems:
        raise EnvironmentConfigError([f"--env {env!r}: " + "; ".join(env_problems)])
    if not path.exists():
        raise EnvironmentConfigError(
            [f"{path.name}: no such environment file (environment {env!r})"]
        )
    doc, problem = load_yaml_with_lines(path)
    if problem:
        raise EnvironmentConfigError([str(problem)])

    def where(*loc: object) -> str:
        line = line_of(doc, ("config", SETTINGS_KEY, *loc)) if doc is not None else None
        return f"{path.name}:{line}" if line else path.name

    if not isinstance(doc, dict):
        raise EnvironmentConfigError([f"{where()}: the file must be a YAML mapping with config:"])
    config = doc.get("config")
    if not isinstance(config, dict):
        raise EnvironmentConfigError([f"{where()}: config: must be a mapping of settings"])
    raw = config.get(SETTINGS_KEY)
    if raw is None:
        raise EnvironmentConfigError([f"{where()}: config.{SETTINGS_KEY}: missing"])
    if not isinstance(raw, dict):
        raise EnvironmentConfigError([f"{where()}: config.{SETTINGS_KEY}: must be a mapping"])
    from domain.registry.loader import field_message

    try:
        settings = EnvironmentSettings.model_validate(to_plain(raw))
    except ValidationError as exc:
        errors = exc.errors()
        raise EnvironmentConfigError(
            [
                f"{where(*err['loc'])}: config.{SETTINGS_KEY}"
                + "".join(f".{p}" for p in err["loc"])
                + f": {field_message(err)}"
                for err in errors
            ],
            findings_only=all(tuple(err["loc"][:2]) == API_KEYS_LOC for err in errors),
        ) from None
    if settings.environment != env:
        raise EnvironmentConfigError(
            [
                f"{where('environment')}: config.{SETTINGS_KEY}.environment: "
                f"is {settings.environment!r}, expected {env!r}"
            ]
        )
    return settings
