"""The tenant file format: ``tenants/<id>.yaml``, one tenant per file.

Fields shared by every tier live on ``TenantBase``; fields of one tier live on that tier's
model, so a field used on the wrong tier is refused with the tier that does allow it.

Validation is strict: YAML gives typed scalars, and a string is never turned into a number or a
boolean (``ha: "yes"``, ``namespace_cpu: "500"``), a float never into an integer, and no value
is stripped or normalised, so what is checked is exactly what is used. The override sections
(``limits``, ``databases``, ``temporal``, ``features``) are one model per tier, generated from the
override matrix in ``domain.tiers``, so the bounds are checked on the value the model keeps and
the editor schema carries the same bounds.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import TYPE_CHECKING, Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    create_model,
    field_validator,
    model_validator,
)

from domain import names
from domain.networks import PRIVATE_RANGES
from domain.provider_facts import TEMPORAL_REGIONS
from domain.registry import enterprise
from domain.registry.options import (
    FIRESTORE_MULTI_REGIONS,
    DataExports,
    DirectDbAccess,
    FirewallRules,
    HaVpn,
    IngressOptions,
    NetworkPolicyRules,
)
from domain.tiers import FEATURES, KNOBS_BY_PATH, STANDARD_POSTGRES_TIERS, Status, Tier

# ASCII local part of RFC 5322 atoms (what email-validator accepts without quoting or SMTPUTF8),
# a lowercase DNS domain. The library does the real check; the pattern is for editors.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
DOMAIN_BODY = r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
DOMAIN_PATTERN = rf"^{DOMAIN_BODY}$"
EMAIL_PATTERN = rf"^{_ATEXT}+(?:\.{_ATEXT}+)*@{DOMAIN_BODY}$"
GCP_REGION_PATTERN = r"^[a-z]+-[a-z]+[0-9]$"
TEMPORAL_REGION_PATTERN = r"^(aws|gcp)-[a-z]+-[a-z]+-?[0-9]$"
MACHINE_TYPE_PATTERN = r"^[a-z][a-z0-9]*-[a-z0-9-]+$"
POSTGRES_TIER_PATTERN = r"^db-[a-z0-9-]+$"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
# RFC 1918 ranges with a prefix of /8../29 (GKE's node subnet limits); host bits and overlaps
# are checked in Python.
PRIVATE_CIDR_PATTERN = (
    rf"^(?:10\.{_OCTET}|172\.(?:1[6-9]|2[0-9]|3[01])|192\.168)\.{_OCTET}\.{_OCTET}"
    r"/(?:[89]|1[0-9]|2[0-9])$"
)
MIN_PREFIX, MAX_PREFIX = 8, 29
CONTROL_PLANE_CIDR_PATTERN = (
    rf"^(?:10\.{_OCTET}|172\.(?:1[6-9]|2[0-9]|3[01])|192\.168)\.{_OCTET}\.{_OCTET}/28$"
)


def check_email(value: str) -> str:
    """A syntactically valid address, by the email-validator library (no DNS lookup).

    Most of validating a registry is this check, so with a document cache an address found
    valid is remembered under a key of the address, the library's version and these options;
    an invalid one is checked (and reported) every time."""
    from domain.yamlio import doc_cache

    cache = doc_cache()
    fact = cache.key(f"valid email\0{_email_rules()}\0{value}") if cache is not None else None
    if cache is not None and fact is not None and cache.known(fact):
        return value
    try:
        validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValueError(f"{value!r} is not a valid email address: {exc}") from None
    if cache is not None and fact is not None:
        cache.record(fact)
    return value


@functools.lru_cache(maxsize=1)
def _email_rules() -> str:
    from importlib import metadata

    try:
        version = metadata.version("email-validator")
    except metadata.PackageNotFoundError:
        version = "absent"
    return f"email-validator=={version}; check_deliverability=False; allow_smtputf8=False"


def check_private_network(value: str) -> str:
    """An IPv4 network in an RFC 1918 range, written without host bits."""
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an IPv4 network: {exc}") from None
    if str(network) != value:
        raise ValueError(f"{value!r} must be written as {str(network)!r}")
    if not any(network.subnet_of(r) for r in PRIVATE_RANGES):
        ranges = ", ".join(map(str, PRIVATE_RANGES))
        raise ValueError(f"{value!r} is not inside a private range ({ranges})")
    if not MIN_PREFIX <= network.prefixlen <= MAX_PREFIX:
        raise ValueError(f"{value!r}: the prefix must be /{MIN_PREFIX} to /{MAX_PREFIX}")
    return value


class StrictModel(BaseModel):
    # strict: no str -> int/bool, float -> int or int -> bool coercion; nothing is stripped.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class NodePool(StrictModel):
    name: str = Field(pattern=r"^[a-z](?:[-a-z0-9]{0,28}[a-z0-9])?$")
    machine_type: str = Field("e2-standard-4", pattern=MACHINE_TYPE_PATTERN)
    min_nodes: int = Field(1, ge=0, le=100)
    max_nodes: int = Field(3, ge=1, le=1000)
    disk_size_gb: int = Field(100, ge=10, le=65536)
    spot: bool = False

    @model_validator(mode="after")
    def _min_below_max(self) -> NodePool:
        if self.min_nodes > self.max_nodes:
            raise ValueError(
                f"min_nodes ({self.min_nodes}) must not exceed max_nodes ({self.max_nodes})"
            )
        return self


class VpcPeering(StrictModel):
    network: str = Field(
        pattern=r"^projects/[a-z][-a-z0-9]{4,28}[a-z0-9]/global/networks/[a-z](?:[-a-z0-9]*[a-z0-9])?$",
        description="Self link of the tenant's VPC network to peer with.",
    )
    export_custom_routes: bool = False


class LogSink(StrictModel):
    destination: str = Field(
        pattern=r"^(storage|bigquery|pubsub|logging)\.googleapis\.com/.+$",
        description="A tenant-owned Cloud Logging sink destination.",
    )
    filter: str | None = None


class NotificationChannelSpec(StrictModel):
    """Who an alert tells: an email address, a Slack channel or a PagerDuty service. Slack and
    PagerDuty tokens stay in Secret Manager; ``secret`` names the secret holding it."""

    name: str = Field(pattern=r"^[a-z](?:[-a-z0-9]{0,28}[a-z0-9])?$")
    kind: Literal["email", "slack", "pagerduty"]
    target: str = Field(
        min_length=1, max_length=254, description="Email address, Slack channel or service name."
    )
    secret: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_-]{1,255}$",
        description="Secret Manager secret id holding the Slack token or PagerDuty service key.",
    )

    @model_validator(mode="after")
    def _complete(self) -> NotificationChannelSpec:
        if self.kind == "email":
            check_email(self.target)
            if self.secret is not None:
                raise ValueError("an email channel takes no secret")
        elif self.secret is None:
            raise ValueError(f"a {self.kind} channel needs `secret`, the Secret Manager secret id")
        return self


# --- the override sections, one model per tier, from the override matrix ---------------------

# Knobs whose value is a structure or a choice (domain.registry.options): type and field limits.
OPTION_FIELDS: dict[str, tuple[Any, dict[str, Any]]] = {
    "databases.postgres_cross_region_replica": (str, {"pattern": GCP_REGION_PATTERN}),
    "databases.firestore_location": (Literal[tuple(FIRESTORE_MULTI_REGIONS)], {}),
    "databases.exports": (DataExports, {}),
    "databases.direct_access": (DirectDbAccess, {}),
    "network.firewall_rules": (FirewallRules, {}),
    "network.policies": (NetworkPolicyRules, {}),
    "network.vpn": (HaVpn, {}),
    "network.ingress": (IngressOptions, {}),
}
SECTIONS = (
    "limits",
    "databases",
    "temporal",
    "network",
    "app",
    "identity",
    "encryption",
    "tls",
)
NOT_ALLOWED = "tier '{tier}' may not override this (see docs/tiers.md)"


def _knob_field(path: str, tier: Tier) -> tuple[Any, Any]:
    knob = KNOBS_BY_PATH[path]
    bounds = knob.bounds[tier]
    if bounds is None:  # the tier may not set it: only null (absent) is valid
        return None, Field(None, description=f"{knob.description}. {NOT_ALLOWED}".format(tier=tier))
    if path in enterprise.KNOB_TYPES:  # a schema of its own (domain/registry/enterprise.py)
        annotation, settings = enterprise.KNOB_TYPES[path]
        return annotation | None, Field(None, description=knob.description, **settings)
    if path == "databases.postgres_tier":
        if tier == Tier.STANDARD:
            return Literal[STANDARD_POSTGRES_TIERS] | None, Field(
                None, description=knob.description
            )
        return str | None, Field(None, pattern=POSTGRES_TIER_PATTERN, description=knob.description)
    if path == "temporal.regions":
        # The schema lists Temporal Cloud's catalogue (editors flag a typo); the loader refuses
        # the same values with the valid pairs as a hint (domain.provider_facts).
        region = Annotated[
            str,
            Field(
                pattern=TEMPORAL_REGION_PATTERN,
                json_schema_extra={"enum": sorted(TEMPORAL_REGIONS)},
            ),
        ]
        most = 1 if tier == Tier.STANDARD else 2
        return list[region] | None, Field(
            None,
            min_length=1,
            max_length=most,
            description=f"{knob.description}, e.g. gcp-us-central1; at most {most}.",
        )
    if path in OPTION_FIELDS:
        option, extra = OPTION_FIELDS[path]
        return option | None, Field(None, description=knob.description, **extra)
    lo, hi = bounds
    kind = float if isinstance(lo, float) else int
    return kind | None, Field(None, ge=lo, le=hi, description=f"{knob.description} ({lo}..{hi}).")


class IdentitySection(StrictModel):
    """Checks across the fields of ``identity`` (grants name roles of the file, a group)."""

    @model_validator(mode="after")
    def _consistent(self) -> IdentitySection:
        group = getattr(self, "group", None)
        if group is not None:
            check_email(group)
        problems = enterprise.identity_problems(
            group, getattr(self, "custom_roles", None), getattr(self, "grants", None)
        )
        if problems:
            raise ValueError("; ".join(problems))
        return self


SECTION_BASES: dict[str, type[StrictModel]] = {"identity": IdentitySection}


def _section_model(section: str, tier: Tier) -> type[StrictModel]:
    fields = {
        knob.path.split(".", 1)[1]: _knob_field(knob.path, tier)
        for knob in KNOBS_BY_PATH.values()
        if knob.path.startswith(section + ".")
    }
    name = f"{tier.value.title()}{section.title()}"
    base = SECTION_BASES.get(section, StrictModel)
    return create_model(name, __base__=base, **fields)  # type: ignore[call-overload]


def _features_model(tier: Tier) -> type[StrictModel]:
    fields: dict[str, Any] = {}
    for flag, tiers in FEATURES.items():
        if tier == Tier.FREE:
            fields[flag] = (None, Field(None, description="tier 'free' may not override features"))
        elif tier in tiers:
            fields[flag] = (bool | None, Field(None))
        else:
            only = ", ".join(t.value for t in tiers)
            fields[flag] = (
                Literal[False] | None,
                Field(None, description=f"available only for: {only}"),
            )
    return create_model(f"{tier.value.title()}Features", __base__=StrictModel, **fields)


SECTION_MODELS: dict[Tier, dict[str, type[StrictModel]]] = {
    tier: {
        **{section: _section_model(section, tier) for section in SECTIONS},
        "features": _features_model(tier),
    }
    for tier in Tier
}

FreeLimits = SECTION_MODELS[Tier.FREE]["limits"]
FreeDatabases = SECTION_MODELS[Tier.FREE]["databases"]
FreeTemporal = SECTION_MODELS[Tier.FREE]["temporal"]
FreeNetwork = SECTION_MODELS[Tier.FREE]["network"]
FreeFeatures = SECTION_MODELS[Tier.FREE]["features"]
FreeApp = SECTION_MODELS[Tier.FREE]["app"]
FreeIdentity = SECTION_MODELS[Tier.FREE]["identity"]
FreeEncryption = SECTION_MODELS[Tier.FREE]["encryption"]
FreeTls = SECTION_MODELS[Tier.FREE]["tls"]
StandardLimits = SECTION_MODELS[Tier.STANDARD]["limits"]
StandardDatabases = SECTION_MODELS[Tier.STANDARD]["databases"]
StandardTemporal = SECTION_MODELS[Tier.STANDARD]["temporal"]
StandardNetwork = SECTION_MODELS[Tier.STANDARD]["network"]
StandardFeatures = SECTION_MODELS[Tier.STANDARD]["features"]
StandardApp = SECTION_MODELS[Tier.STANDARD]["app"]
StandardIdentity = SECTION_MODELS[Tier.STANDARD]["identity"]
StandardEncryption = SECTION_MODELS[Tier.STANDARD]["encryption"]
StandardTls = SECTION_MODELS[Tier.STANDARD]["tls"]
EnterpriseLimits = SECTION_MODELS[Tier.ENTERPRISE]["limits"]
EnterpriseDatabases = SECTION_MODELS[Tier.ENTERPRISE]["databases"]
EnterpriseTemporal = SECTION_MODELS[Tier.ENTERPRISE]["temporal"]
EnterpriseNetwork = SECTION_MODELS[Tier.ENTERPRISE]["network"]
EnterpriseFeatures = SECTION_MODELS[Tier.ENTERPRISE]["features"]
EnterpriseApp = SECTION_MODELS[Tier.ENTERPRISE]["app"]
EnterpriseIdentity = SECTION_MODELS[Tier.ENTERPRISE]["identity"]
EnterpriseEncryption = SECTION_MODELS[Tier.ENTERPRISE]["encryption"]
EnterpriseTls = SECTION_MODELS[Tier.ENTERPRISE]["tls"]


class TenantBase(StrictModel):
    id: str = Field(
        description="Tenant id; every physical name derives from it. Equal to the file name."
    )
    display_name: str = Field(min_length=1, max_length=100)
    # YAML gives a string; the enum is matched by value (strict mode would want an enum object).
    status: Annotated[Status, Field(strict=False)] = Status.ACTIVE
    region: str = Field(
        pattern=GCP_REGION_PATTERN, description="GCP region of the tenant's resources."
    )
    contact_email: str = Field(pattern=EMAIL_PATTERN, max_length=254)

    if TYPE_CHECKING:
        # Every tier model declares these (the tier as its discriminator Literal, the override
        # sections as that tier's models generated from the knobs); the base declares them for
        # the type checker only, so pydantic keeps reading them from each tier's model.
        tier: Tier
        limits: Any
        databases: Any
        temporal: Any
        network: Any
        features: Any

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        problems = names.id_problems(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("contact_email")
    @classmethod
    def _valid_email(cls, value: str) -> str:
        return check_email(value)

    @property
    def feature_overrides(self) -> dict[str, bool]:
        """The flags the file sets (unset flags keep the tier default)."""
        features = getattr(self, "features", None)
        return features.model_dump(exclude_none=True) if features is not None else {}


# The section models (FreeLimits, ...) are generated from the tier table with create_model, so
# mypy cannot use them as types: each such field carries "type: ignore[valid-type]".
class FreeTenant(TenantBase):
    tier: Literal[Tier.FREE]
    limits: FreeLimits | None = None  # type: ignore[valid-type]
    databases: FreeDatabases | None = None  # type: ignore[valid-type]
    temporal: FreeTemporal | None = None  # type: ignore[valid-type]
    network: FreeNetwork | None = None  # type: ignore[valid-type]
    features: FreeFeatures | None = Field(None, description="Feature toggles.")  # type: ignore[valid-type]
    app: FreeApp | None = None  # type: ignore[valid-type]
    identity: FreeIdentity | None = None  # type: ignore[valid-type]
    encryption: FreeEncryption | None = None  # type: ignore[valid-type]
    tls: FreeTls | None = None  # type: ignore[valid-type]


class StandardTenant(TenantBase):
    tier: Literal[Tier.STANDARD]
    limits: StandardLimits | None = None  # type: ignore[valid-type]
    databases: StandardDatabases | None = None  # type: ignore[valid-type]
    temporal: StandardTemporal | None = None  # type: ignore[valid-type]
    network: StandardNetwork | None = None  # type: ignore[valid-type]
    features: StandardFeatures | None = Field(None, description="Feature toggles.")  # type: ignore[valid-type]
    app: StandardApp | None = None  # type: ignore[valid-type]
    identity: StandardIdentity | None = None  # type: ignore[valid-type]
    encryption: StandardEncryption | None = None  # type: ignore[valid-type]
    tls: StandardTls | None = None  # type: ignore[valid-type]
    subdomain: str | None = Field(
        None,
        pattern=r"^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$",
        description="Label under the app domain; defaults to the id.",
    )
    placement: str = Field(
        description="Name of the shared cluster (environment config) hosting the namespace."
    )
    cmek: bool = Field(
        False, description="Encrypt the tenant bucket with its own KMS key (rotated every 90 days)."
    )

    @property
    def host_label(self) -> str:
        return self.subdomain or self.id


class EnterpriseTenant(TenantBase):
    tier: Literal[Tier.ENTERPRISE]
    limits: EnterpriseLimits | None = None  # type: ignore[valid-type]
    databases: EnterpriseDatabases | None = None  # type: ignore[valid-type]
    temporal: EnterpriseTemporal | None = None  # type: ignore[valid-type]
    network: EnterpriseNetwork | None = None  # type: ignore[valid-type]
    features: EnterpriseFeatures | None = Field(None, description="Feature toggles.")  # type: ignore[valid-type]
    app: EnterpriseApp | None = None  # type: ignore[valid-type]
    identity: EnterpriseIdentity | None = None  # type: ignore[valid-type]
    encryption: EnterpriseEncryption | None = None  # type: ignore[valid-type]
    tls: EnterpriseTls | None = None  # type: ignore[valid-type]
    custom_domain: str = Field(
        pattern=DOMAIN_PATTERN,
        max_length=253,
        description="e.g. app.tenantcompany.com (CNAME); not the platform's domain or inside it.",
    )
    dedicated_project: bool = Field(False, description="Create a GCP project of the tenant's own.")
    ha: bool = Field(
        True, description="REGIONAL Cloud SQL, Neo4j cluster mode, Temporal in two regions."
    )
    cmek: bool = Field(
        True, description="Encrypt the tenant bucket with its own KMS key (rotated every 90 days)."
    )
    vpc_peering: VpcPeering | None = None
    log_sink: LogSink | None = None
    oncall: list[NotificationChannelSpec] = Field(
        default_factory=list,
        max_length=5,
        description="The tenant's own on-call, told of its alerts besides the platform's.",
    )
    observer_group: str | None = Field(
        None,
        pattern=EMAIL_PATTERN,
        description="Google group given read-only access to the tenant's dashboards and logs "
        "(needs dedicated_project: the grant is on the tenant's own project).",
    )
    # Every range of the dedicated VPC comes from the environment's address plan and is written
    # here (`tenancy new` allocates them), so adding a tenant never moves another's ranges.
    network_cidr: str = Field(
        pattern=PRIVATE_CIDR_PATTERN,
        description="Node subnet of the dedicated VPC, from the address plan's nodes pool; "
        "overlaps neither the platform's ranges nor another tenant's.",
    )
    pods_cidr: str = Field(
        pattern=PRIVATE_CIDR_PATTERN,
        description="Pods range (secondary range of the node subnet), from the address plan.",
    )
    services_cidr: str = Field(
        pattern=PRIVATE_CIDR_PATTERN,
        description="Services range (secondary range of the node subnet), from the address plan.",
    )
    control_plane_cidr: str = Field(
        pattern=CONTROL_PLANE_CIDR_PATTERN,
        description="The GKE control plane's private /28, from the address plan.",
    )
    node_pools: list[NodePool] = Field(
        default_factory=lambda: [NodePool(name="default")], min_length=1, max_length=10
    )

    @field_validator("network_cidr", "pods_cidr", "services_cidr", "control_plane_cidr")
    @classmethod
    def _private_network(cls, value: str) -> str:
        return check_private_network(value)

    @model_validator(mode="after")
    def _observers_need_own_project(self) -> EnterpriseTenant:
        # Cloud Monitoring grants are per project, not per dashboard: in the platform project a
        # viewer would see every tenant's metrics.
        if self.observer_group is not None:
            check_email(self.observer_group)
            if not self.dedicated_project:
                raise ValueError(
                    "observer_group needs dedicated_project: true (read-only access is granted on "
                    "the tenant's own project, never on the platform's)"
                )
        names_seen = [c.name for c in self.oncall]
        if len(names_seen) != len(set(names_seen)):
            raise ValueError("oncall channel names must be unique")
        return self

    def cmek_services(self) -> list[str]:
        """The services encrypted with the tenant's own keys (components/blocks/tenant_keys.py)."""
        e = self.encryption
        if e is None:
            return []
        asked = {
            "cloudsql": e.cloudsql_cmek,
            "firestore": e.firestore_cmek,
            "gke": e.gke_secrets_cmek,
        }
        return [service for service, on in asked.items() if on]

    def customisation_problems(self) -> list[tuple[str, str]]:
        """(field, reason) for enterprise customisation that depends on the rest of the file
        (issue 16); the loader reports each with its line."""
        problems: list[tuple[str, str]] = []
        own = "needs dedicated_project: true ({why}, never in the platform's)"
        identity = self.identity
        if (
            identity is not None
            and not self.dedicated_project
            and enterprise.needs_own_project(identity.custom_roles, identity.grants)
        ):
            where = "identity.custom_roles" if identity.custom_roles else "identity.grants"
            problems.append(
                (
                    where,
                    "custom roles and project, logs or dashboard grants "
                    + own.format(why="they are created in the tenant's own project"),
                )
            )
        encryption = self.encryption
        if encryption is not None and not self.dedicated_project:
            for key in enterprise.ENCRYPTION_TARGETS:
                if getattr(encryption, key):
                    why = "the keys live in the tenant's own project"
                    problems.append((f"encryption.{key}", own.format(why=why)))
        if self.tls is not None and not self.dedicated_project:
            why = "the secret is read from the tenant's own project"
            problems.append(("tls.certificate_secret", own.format(why=why)))
        values = self.app.values if self.app is not None else None
        if values is not None and values.nodeSelector:
            pool = values.nodeSelector.get(enterprise.NODE_POOL_LABEL)
            pools = [p.name for p in self.node_pools]
            if pool not in pools:
                problems.append(
                    (
                        "app.values.nodeSelector",
                        f"{pool!r} is not one of the tenant's node pools ({', '.join(pools)})",
                    )
                )
        return problems

    @field_validator("node_pools")
    @classmethod
    def _unique_pool_names(cls, pools: list[NodePool]) -> list[NodePool]:
        seen: set[str] = set()
        for pool in pools:
            if pool.name in seen:
                raise ValueError(f"node pool name {pool.name!r} is used twice")
            seen.add(pool.name)
        return pools


Tenant = Annotated[FreeTenant | StandardTenant | EnterpriseTenant, Field(discriminator="tier")]
TIER_MODELS: dict[Tier, type[TenantBase]] = {
    Tier.FREE: FreeTenant,
    Tier.STANDARD: StandardTenant,
    Tier.ENTERPRISE: EnterpriseTenant,
}

# Which tiers each tier-specific field belongs to, for "not allowed for this tier" messages.
TIER_ONLY_FIELDS: dict[str, tuple[Tier, ...]] = {
    name: tuple(tier for tier, model in TIER_MODELS.items() if name in model.model_fields)
    for model in TIER_MODELS.values()
    for name in model.model_fields
    if name not in TenantBase.model_fields
    and name != "tier"
    and name not in SECTION_MODELS[Tier.FREE]
}
