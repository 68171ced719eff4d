"""The pack's contents, importable without side effects (no PolicyPack, no gRPC server).

Every module under ``policies/rules/<group>/`` is one policy; discovering them here means
``tenancy check`` can never miss one. ``__main__.py`` lists them explicitly as well, and
refuses to start when the two disagree.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any

from pulumi_policy import EnforcementLevel, Policy

import policies.rules as rules

PACK_NAME = "tenancy-isolation"
PACK_DESCRIPTION = (
    "Tenant isolation and security of the tenancy platform: GKE, Cloud SQL, Cloud Storage, IAM, "
    "KMS, Kubernetes and Temporal Cloud resource rules, and the cross-resource isolation rules."
)


def _discover() -> list[ModuleType]:
    modules = []
    for group in sorted(pkgutil.iter_modules(rules.__path__), key=lambda m: m.name):
        package = importlib.import_module(f"{rules.__name__}.{group.name}")
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            modules.append(importlib.import_module(f"{package.__name__}.{info.name}"))
    return modules


POLICY_MODULES: list[ModuleType] = _discover()
ALL_POLICIES: list[Policy] = [module.POLICY for module in POLICY_MODULES]


def initial_config() -> dict[str, EnforcementLevel | dict[str, Any]]:
    """The knobs' defaults per policy, as the pack's initial configuration."""
    config: dict[str, EnforcementLevel | dict[str, Any]] = {}
    for policy in ALL_POLICIES:
        schema = policy.config_schema
        defaults = {
            k: v["default"]
            for k, v in (schema.properties if schema else {}).items()
            if "default" in v
        }
        if defaults:
            config[policy.name] = defaults
    return config


def enforcement_level(policy: Policy) -> EnforcementLevel:
    return policy.enforcement_level or EnforcementLevel.ADVISORY
