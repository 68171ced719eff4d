"""Enterprise customisation in the tenant file (issue 16): the app chart's version and Helm values,
the tenant's own identity (custom IAM roles and its group's grants), encryption with its own keys,
and a customer-provided TLS certificate.

Each is one section of the tenant file whose fields are knobs of the tier table
(``domain.tiers``): only the enterprise tier may set them. The schemas here are the documented
contract (``docs/tiers.md``, "Enterprise customisation"); anything else is refused with its file,
field and reason.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain import iam_guardrails

# SemVer 2.0.0 (semver.org), the form Helm requires of chart versions.
CHART_VERSION_PATTERN = (
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
# A Kubernetes resource quantity (k8s.io/apimachinery resource.Quantity), decimal or binary SI.
QUANTITY_PATTERN = r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$"
# GKE labels every node with the name of its node pool (GKE docs, "Node pools": the label
# cloud.google.com/gke-nodepool); the only node selector a tenant may give.
NODE_POOL_LABEL = "cloud.google.com/gke-nodepool"
# Tenant settings for the app join the platform's in the app's ConfigMap under this prefix, so
# they can never shadow one of the platform's (TENANT_ID, BUCKET, POSTGRES_*...).
CONFIG_PREFIX = "CUSTOM_"
CONFIG_KEY_PATTERN = r"^CUSTOM_[A-Z0-9_]{1,57}$"
MAX_CONFIG_ENTRIES = 50
MAX_CONFIG_VALUE = 1024


class Strict(BaseModel):
    # The registry's rules (domain.registry.models.StrictModel): no coercion, nothing unknown.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# --- app: chart version and Helm values -----------------------------------------------------------

# Top-level Helm values the platform sets itself (components/blocks/tenant_application.py).
PLATFORM_SET_VALUES = (
    "tenancy",
    "serviceAccount",
    "podSecurityContext",
    "securityContext",
    "service",
    "podLabels",
)
# Values a tenant may not set, and why: its value for one of these is refused with the reason.
REFUSED_VALUES: dict[str, str] = {
    "tenancy": "the platform wires the app to the tenant's ConfigMap and Secret",
    "serviceAccount": "the app runs as the tenant's own Kubernetes service account, bound to its "
    "Cloud identity by Workload Identity",
    "podSecurityContext": "pods run under the Pod Security 'restricted' profile",
    "securityContext": "containers run under the Pod Security 'restricted' profile",
    "service": "the app's Service stays ClusterIP; traffic enters through the tenant's ingress",
    "ingress": "the tenant's ingress is the platform's (custom domain and certificate)",
    "image": "images come from the platform's registry, pinned by the chart version",
    "imagePullSecrets": "images come from the platform's registry, pinned by the chart version",
    "podLabels": "pods carry the platform's tenant and tier labels",
    "podAnnotations": "annotations can switch security features off (AppArmor, seccomp)",
    "volumes": "volumes could mount host paths or other tenants' claims",
    "volumeMounts": "volumes could mount host paths or other tenants' claims",
    "tolerations": "placement is by node pool (nodeSelector)",
    "affinity": "placement is by node pool (nodeSelector)",
    "hostNetwork": "pods never share the node's network",
}


class ResourceAmounts(Strict):
    cpu: str | None = Field(None, pattern=QUANTITY_PATTERN, description="e.g. 500m or 2")
    memory: str | None = Field(None, pattern=QUANTITY_PATTERN, description="e.g. 512Mi or 2Gi")


class AppResources(Strict):
    requests: ResourceAmounts | None = None
    limits: ResourceAmounts | None = None


class AppAutoscaling(Strict):
    enabled: bool | None = None
    minReplicas: int | None = Field(None, ge=1, le=100)  # the chart's key names
    maxReplicas: int | None = Field(None, ge=1, le=500)
    targetCPUUtilizationPercentage: int | None = Field(None, ge=10, le=95)
    targetMemoryUtilizationPercentage: int | None = Field(None, ge=10, le=95)

    @model_validator(mode="after")
    def _min_below_max(self) -> AppAutoscaling:
        if (
            self.minReplicas is not None
            and self.maxReplicas is not None
            and self.minReplicas > self.maxReplicas
        ):
            raise ValueError(
                f"minReplicas ({self.minReplicas}) must not exceed maxReplicas ({self.maxReplicas})"
            )
        return self


class AppValues(Strict):
    """The Helm values a tenant may give the app chart: sizing, scaling, placement on one of its
    node pools, and settings of its own. Everything else is the platform's (``REFUSED_VALUES``)."""

    replicaCount: int | None = Field(None, ge=1, le=100)  # the chart's key names
    resources: AppResources | None = None
    autoscaling: AppAutoscaling | None = None
    nodeSelector: dict[str, str] | None = Field(
        None,
        description=f"Only {NODE_POOL_LABEL}: the name of one of the tenant's node pools.",
    )
    config: dict[str, str] | None = Field(
        None,
        max_length=MAX_CONFIG_ENTRIES,
        description=f"Settings of the tenant's own, added to the app's ConfigMap; keys "
        f"{CONFIG_PREFIX}UPPER_SNAKE_CASE, plain values (never secrets).",
    )

    @field_validator("nodeSelector")
    @classmethod
    def _node_pool_only(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return value
        other = sorted(set(value) - {NODE_POOL_LABEL})
        if other:
            raise ValueError(
                f"only {NODE_POOL_LABEL!r} may be selected on (placement by node pool), not "
                + ", ".join(repr(k) for k in other)
            )
        return value

    @field_validator("config")
    @classmethod
    def _config_entries(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return value
        problems = [
            f"key {k!r} must be {CONFIG_PREFIX}UPPER_SNAKE_CASE (at most 64 characters)"
            for k in value
            if not re.fullmatch(CONFIG_KEY_PATTERN, k)
        ]
        problems += [
            f"value of {k!r} is longer than {MAX_CONFIG_VALUE} characters"
            for k, v in value.items()
            if len(v) > MAX_CONFIG_VALUE
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return value

    def helm_values(self) -> dict:
        """The values as the chart reads them (config goes to the ConfigMap, not to Helm)."""
        return self.model_dump(exclude_none=True, exclude={"config"})


ALLOWED_VALUES = tuple(AppValues.model_fields)


def refused_value_reason(path: tuple[str, ...]) -> str:
    """Why ``app.values.<path>`` is refused: the platform's reason for its own keys, else the
    allowed keys."""
    top = path[0] if path else ""
    allowed = ", ".join(ALLOWED_VALUES)
    if len(path) == 1 and top in REFUSED_VALUES:
        return f"not a Helm value a tenant may set: {REFUSED_VALUES[top]} (allowed: {allowed})"
    return f"not an allowed Helm value (allowed: {allowed}; see docs/tiers.md)"


# --- identity: custom IAM roles and the tenant group's grants -------------------------------------

# Provider validation of role_id (terraform-provider-google verify.IAMCustomRoleIDRegex); IAM
# limits (cloud.google.com/iam/quotas): title 100 bytes, description 300 bytes, 3,000 permissions
# per custom role, 300 custom roles per project.
ROLE_ID_PATTERN = r"^[a-zA-Z0-9_.]{3,64}$"
MAX_ROLE_TITLE = 100
MAX_ROLE_DESCRIPTION = 300
MAX_ROLE_PERMISSIONS = 3000
MAX_CUSTOM_ROLES = 300
# IAM permission names are service.resource.verb (cloud.google.com/iam/docs/roles-permissions).
PERMISSION_PATTERN = r"^[a-z][a-z0-9]*(\.[a-zA-Z][a-zA-Z0-9]*){2,}$"
GrantTarget = Literal["project", "bucket", "logs", "dashboards"]


class CustomRole(Strict):
    id: str = Field(
        pattern=ROLE_ID_PATTERN,
        description="Role id: 3-64 letters, digits, underscores and dots (no hyphens).",
    )
    title: str = Field(min_length=1, max_length=MAX_ROLE_TITLE)
    description: str | None = Field(None, max_length=MAX_ROLE_DESCRIPTION)
    permissions: list[str] = Field(
        min_length=1,
        max_length=MAX_ROLE_PERMISSIONS,
        description="IAM permissions (service.resource.verb); none of the guardrail list.",
    )

    @field_validator("permissions")
    @classmethod
    def _permissions(cls, value: list[str]) -> list[str]:
        problems = [
            f"{p!r} is not an IAM permission (service.resource.verb)"
            for p in value
            if not re.fullmatch(PERMISSION_PATTERN, p)
        ]
        problems += [
            f"{p!r} is refused: {reason}"
            for p in value
            if re.fullmatch(PERMISSION_PATTERN, p)
            and (reason := iam_guardrails.permission_refusal(p))
        ]
        seen: set[str] = set()
        for p in value:
            if p in seen:
                problems.append(f"{p!r} is listed twice")
            seen.add(p)
        if problems:
            raise ValueError("; ".join(problems))
        return value


class Grant(Strict):
    role: str = Field(
        description="A predefined role allowed on the target (roles/...), or the id of one of "
        "the custom roles of this file."
    )
    on: GrantTarget = Field(
        description="project, bucket, logs or dashboards: the tenant's own, never the platform's."
    )

    @model_validator(mode="after")
    def _allowed_predefined_role(self) -> Grant:
        if self.role.startswith("roles/"):
            reason = iam_guardrails.predefined_role_refusal(self.role, self.on)
            if reason:
                raise ValueError(f"{self.role!r} on {self.on}: {reason}")
        return self


def identity_problems(
    group: str | None, custom_roles: list[CustomRole] | None, grants: list[Grant] | None
) -> list[str]:
    """What is wrong with the identity section as a whole: grants that name no role of the file
    or a predefined role not allowed on their target, duplicates, grants without a group."""
    custom_roles, grants = custom_roles or [], grants or []
    ids = [r.id for r in custom_roles]
    problems = [f"custom role id {i!r} is used twice" for i in sorted(set(ids)) if ids.count(i) > 1]
    for index, grant in enumerate(grants):
        if not grant.role.startswith("roles/") and grant.role not in ids:
            problems.append(
                f"grants[{index}]: {grant.role!r} is neither a predefined role (roles/...) "
                "nor the id of one of custom_roles"
            )
    pairs = [(g.role, g.on) for g in grants]
    problems += [
        f"grant {role!r} on {on} is listed twice"
        for role, on in sorted(set(pairs))
        if pairs.count((role, on)) > 1
    ]
    if grants and group is None:
        problems.append("grants need `group`, the tenant's Google group that receives them")
    return problems


def needs_own_project(custom_roles: list[CustomRole] | None, grants: list[Grant] | None) -> bool:
    """Custom roles live in a project, and project, log and dashboard grants are on one: the
    tenant's own, never the platform's. Bucket grants of predefined roles need none."""
    return bool(custom_roles) or any(
        g.on != "bucket" or not g.role.startswith("roles/") for g in grants or []
    )


# --- encryption and certificates ------------------------------------------------------------------


SECRET_ID_PATTERN = r"^[A-Za-z0-9_-]{1,255}$"  # Secret Manager secret ids
# Firestore's multi-region locations take a key of the matching Cloud KMS multi-region
# (terraform-provider-google firestore_database docs, cmek_config.kms_key_name: "For Firestore's
# nam5 multi-region, this corresponds to Cloud KMS multi-region us. For Firestore's eur3
# multi-region, this corresponds to Cloud KMS multi-region europe").
FIRESTORE_KMS_LOCATIONS = {"nam5": "us", "eur3": "europe"}
GROUP_PATTERN = r"^[A-Za-z0-9._%+-]+@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
ENCRYPTION_TARGETS = ("cloudsql_cmek", "firestore_cmek", "gke_secrets_cmek")


# --- the knobs ------------------------------------------------------------------------------------
# The type and field settings of each enterprise knob of this module, for the per-tier section
# models (domain.registry.models): a tier whose bounds allow the knob gets this type, any other
# tier only null. Descriptions come from the tier table (domain.tiers).
KNOB_TYPES: dict[str, tuple[Any, dict[str, Any]]] = {
    "app.chart_version": (str, {"pattern": CHART_VERSION_PATTERN}),
    "app.values": (AppValues, {}),
    "identity.group": (str, {"pattern": GROUP_PATTERN, "max_length": 254}),
    "identity.custom_roles": (list[CustomRole], {"max_length": MAX_CUSTOM_ROLES}),
    "identity.grants": (list[Grant], {"max_length": 50}),
    "encryption.cloudsql_cmek": (bool, {}),
    "encryption.firestore_cmek": (bool, {}),
    "encryption.gke_secrets_cmek": (bool, {}),
    "tls.certificate_secret": (str, {"pattern": SECRET_ID_PATTERN}),
}
