"""Environment settings: ``Pulumi.<env>.yaml`` → ``config: tenancy:settings``.

The platform stack reads them from its own config; tenant stacks receive the same validated
settings from the platform stack's ``settings`` output through a StackReference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from domain import PROJECT_ROOT, PULUMI_PROJECT, names
from domain.registry.models import DOMAIN_PATTERN, EMAIL_PATTERN, GCP_REGION_PATTERN, NodePool
from domain.yamlio import load_yaml_with_lines, to_plain

SETTINGS_KEY = "tenancy:settings"
DEFAULT_CLUSTER_CAPACITY = 300


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PoolCluster(Strict):
    """A shared GKE cluster ("pool cell") that hosts standard tenants' namespaces."""

    name: str = Field(pattern=r"^[a-z](?:[-a-z0-9]{0,18}[a-z0-9])$")
    region: str = Field(pattern=GCP_REGION_PATTERN)
    capacity: int = Field(
        DEFAULT_CLUSTER_CAPACITY, ge=1, le=1000, description="Max tenant namespaces."
    )
    master_ipv4_cidr: str = Field(pattern=r"^\d+\.\d+\.\d+\.\d+/28$")
    node_pools: list[NodePool] = Field(min_length=1)


class NetworkSettings(Strict):
    subnet_cidr: str = "10.10.0.0/20"
    pods_cidr: str = "10.64.0.0/14"
    services_cidr: str = "10.68.0.0/20"


class AuthorizedNetwork(Strict):
    name: str
    cidr: str = Field(pattern=r"^\d+\.\d+\.\d+\.\d+/\d+$")


class TemporalSettings(Strict):
    backend: Literal["cloud", "self-hosted"] = "cloud"
    account_id: str | None = Field(None, description="Temporal Cloud account id (cloud backend).")
    endpoint: str | None = Field(None, description="host:port of a self-hosted frontend.")
    default_region: str = "gcp-us-central1"
    ha_region: str = Field(
        "gcp-us-east4", description="Second region of HA (enterprise) namespaces."
    )
    api_key_expiry: str = Field("2027-12-31T00:00:00Z", description="Expiry of generated API keys.")

    @field_validator("endpoint")
    @classmethod
    def _endpoint_shape(cls, value: str | None) -> str | None:
        if value is not None and ":" not in value:
            raise ValueError("endpoint must be host:port")
        return value


class ChartRef(Strict):
    repository: str
    chart: str
    version: str


class EnvironmentSettings(Strict):
    environment: str
    project: str = Field(pattern=r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$")
    region: str = Field(pattern=GCP_REGION_PATTERN)
    allowed_regions: list[str] = Field(min_length=1)
    app_domain: str = Field(pattern=DOMAIN_PATTERN)
    acme_email: str = Field(pattern=EMAIL_PATTERN)
    stack_org: str = Field(
        "organization", description="Pulumi organization used in stack references."
    )
    billing_account: str | None = Field(None, pattern=r"^[A-F0-9]{6}-[A-F0-9]{6}-[A-F0-9]{6}$")
    enterprise_folder: str | None = Field(None, pattern=r"^folders/[0-9]+$")
    network: NetworkSettings = NetworkSettings()
    master_authorized_networks: list[AuthorizedNetwork] = Field(min_length=1)
    clusters: list[PoolCluster] = Field(min_length=1)
    temporal: TemporalSettings = TemporalSettings()
    app_chart: ChartRef
    neo4j_chart: ChartRef
    ingress_chart: ChartRef
    cert_manager_chart: ChartRef
    migrations_image: str = Field(description="Image that runs `tenancy db migrate`.")

    @field_validator("environment")
    @classmethod
    def _env_name(cls, value: str) -> str:
        problems = names.env_problems(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value

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

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def settings_path(env: str, root: Path = PROJECT_ROOT) -> Path:
    return root / f"Pulumi.{env}.yaml"


def load_environment(env: str, root: Path = PROJECT_ROOT) -> EnvironmentSettings:
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
    config = (doc or {}).get("config") or {}
    raw = config.get(SETTINGS_KEY)
    if raw is None:
        raise EnvironmentConfigError([f"{path.name}: config.{SETTINGS_KEY}: missing"])
    try:
        settings = EnvironmentSettings.model_validate(to_plain(raw))
    except ValidationError as exc:
        raise EnvironmentConfigError(
            [
                f"{path.name}: config.{SETTINGS_KEY}.{'.'.join(str(p) for p in err['loc'])}: "
                f"{err['msg']}"
                for err in exc.errors()
            ]
        ) from None
    if settings.environment != env:
        raise EnvironmentConfigError(
            [
                f"{path.name}: config.{SETTINGS_KEY}.environment: is {settings.environment!r}, "
                f"expected {env!r}"
            ]
        )
    return settings
