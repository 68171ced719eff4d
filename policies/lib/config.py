"""Operator knobs: per-policy configuration with a JSON schema and defaults.

The defaults live here once: in the schema the Pulumi CLI shows and validates, in the pack's
initial config, and as the fallback when a policy runs without configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import PolicyConfigSchema

from domain import names
from domain.conventions import (
    KMS_ROTATION_DAYS,
    POLICY_POSTGRES_FLAGS,
    TEMPORAL_API_KEY_MIN_REMAINING_DAYS,
    TEMPORAL_RETENTION_DAYS,
)
from domain.conventions import POSTGRES_FLAGS as DOMAIN_POSTGRES_FLAGS
from domain.provider_facts import TEMPORAL_API_KEY_MAX_LIFETIME_DAYS


@dataclass(frozen=True)
class Knob:
    key: str
    schema: Mapping[str, Any]
    # A knob without a static default (e.g. allowed regions) falls back to the environment.
    default: Any = None

    def json_schema(self) -> dict[str, Any]:
        schema = dict(self.schema)
        if self.default is not None:
            schema["default"] = self.default
        return schema


@dataclass
class Config:
    knobs: tuple[Knob, ...]
    raw: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        knob = next((k for k in self.knobs if k.key == key), None)
        if knob is None:
            raise KeyError(f"no knob {key!r}")
        value = self.raw.get(key) if self.raw else None
        return knob.default if value is None else value


def config_schema(knobs: tuple[Knob, ...]) -> PolicyConfigSchema | None:
    if not knobs:
        return None
    return PolicyConfigSchema(properties={k.key: k.json_schema() for k in knobs})


# --- the knobs shared by several policies ---------------------------------------------------
ALLOWED_REGIONS = Knob(
    "allowedRegions",
    {
        "type": "array",
        "items": {"type": "string"},
        "minItems": 1,
        "description": "GCP regions resources may live in; unset: the environment's "
        "allowed_regions.",
    },
)
ALLOW_GLOBAL = Knob(
    "allowGlobalLocation",
    {
        "type": "boolean",
        "description": "Accept location 'global' (KMS, Secret Manager auto replication).",
    },
    True,
)
ALLOWED_SSL_MODES = Knob(
    "allowedSslModes",
    {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "string",
            "enum": [
                "ENCRYPTED_ONLY",
                "TRUSTED_CLIENT_CERTIFICATE_REQUIRED",
                "ALLOW_UNENCRYPTED_AND_ENCRYPTED",
            ],
        },
        "description": "Cloud SQL ipConfiguration.sslMode values that count as TLS required.",
    },
    ["ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"],
)


def _day_bounds(key: str, what: str, bounds: tuple[int, int]) -> tuple[Knob, Knob]:
    """The knobs min<key>Days / max<key>Days bounding a period of ``bounds`` days (defaults: the
    whole range)."""
    low, high = bounds
    days = {"type": "integer", "minimum": low, "maximum": high}
    return (
        Knob(f"min{key}Days", {**days, "description": f"Shortest {what}, days."}, low),
        Knob(f"max{key}Days", {**days, "description": f"Longest {what}, days."}, high),
    )


RETENTION_MIN_DAYS, RETENTION_MAX_DAYS = _day_bounds(
    "Retention", "Temporal retention", TEMPORAL_RETENTION_DAYS
)
ROTATION_MIN_DAYS, ROTATION_MAX_DAYS = _day_bounds(
    "Rotation", "KMS key rotation period", KMS_ROTATION_DAYS
)
POSTGRES_FLAGS = Knob(
    "requiredFlags",
    {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "description": "database_flags every PostgreSQL instance must set, name → value.",
    },
    {name: DOMAIN_POSTGRES_FLAGS[name] for name in POLICY_POSTGRES_FLAGS},
)
ALLOWED_GRANT_MEMBERS = Knob(
    "allowedMembers",
    {
        "type": "array",
        "items": {"type": "string"},
        "description": "Extra members (e.g. group:platform-oncall@example.com) allowed on tenant "
        "resources.",
    },
    [],
)
EXTRA_GUARDED_NAMESPACES = Knob(
    "extraNamespaces",
    {
        "type": "array",
        "items": {"type": "string"},
        "description": "Namespaces besides tenant-<id> that need the guardrail; the free tier's "
        "shared namespace "
        "by default (it must not starve the paying tenants on the same cluster).",
    },
    [names.FREE_TIER_NAMESPACE],
)
POD_SECURITY_LEVEL = Knob(
    "level",
    {
        "type": "string",
        "enum": ["restricted", "baseline"],
        "description": "Pod Security Standard every tenant namespace enforces, audits and warns "
        "on.",
    },
    "restricted",
)
API_KEY_MIN_REMAINING_DAYS = Knob(
    "minRemainingDays",
    {
        "type": "integer",
        "minimum": 1,
        "maximum": TEMPORAL_API_KEY_MAX_LIFETIME_DAYS,
        "description": "Every Temporal namespace holds an API key valid at least this many days.",
    },
    TEMPORAL_API_KEY_MIN_REMAINING_DAYS,
)
