"""Loads ``tenants/*.yaml`` and reports every problem of the whole registry at once."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from domain import names
from domain.registry.models import (
    TIER_MODELS,
    TIER_ONLY_FIELDS,
    EnterpriseTenant,
    StandardTenant,
    TenantBase,
)
from domain.tiers import FEATURES, KNOBS_BY_PATH, Tier
from domain.yamlio import Lines, load_yaml_fast, to_plain

if TYPE_CHECKING:
    from domain.environment import EnvironmentSettings

# What a pattern means, in words, for the fields people get wrong most.
PATTERN_HINTS = {
    "contact_email": "must be an email address",
    "region": "must be a GCP region such as us-central1",
    "custom_domain": "must be a lowercase DNS name such as app.example.com",
    "subdomain": "must be a DNS label: lowercase letters, digits and hyphens",
    "machine_type": "must be a GCE machine type such as e2-standard-4",
    "destination": "must be a Cloud Logging sink destination such as storage.googleapis.com/BUCKET",
    "network": "must be projects/PROJECT/global/networks/NETWORK",
}

SCHEMA_HEADER = "# yaml-language-server: $schema=../docs/tenant.schema.json"


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    field: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


class RegistryError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__(
            f"{len(self.problems)} problem(s) in the tenant registry:\n"
            + "\n".join(map(str, self.problems))
        )


@dataclass(frozen=True)
class Registry:
    directory: Path
    tenants: list[TenantBase] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)  # id -> file

    def __post_init__(self) -> None:
        # Policies and selection look tenants up per resource: by id, not by scanning.
        object.__setattr__(self, "_by_id", {t.id: t for t in self.tenants})

    def get(self, tenant_id: str) -> TenantBase | None:
        return self._by_id.get(tenant_id)

    def by_tier(self, tier: Tier) -> list[TenantBase]:
        return [t for t in self.tenants if t.tier == tier]

    def placements(self) -> Counter:
        return Counter(t.placement for t in self.tenants if isinstance(t, StandardTenant))


def _loc_str(loc: tuple) -> str:
    return ".".join(str(p) for p in loc)


def _parse_file(path: Path) -> tuple[TenantBase | None, list[Problem], Any, Lines]:
    name = path.name
    doc, problem = load_yaml_fast(path)
    lines = Lines(path)
    if problem:
        return None, [Problem(name, "", problem.line, problem.reason)], None, lines
    if not isinstance(doc, dict):
        return None, [Problem(name, "", 1, "a tenant file must be a YAML mapping")], None, lines

    problems: list[Problem] = []
    raw_tier = doc.get("tier")
    try:
        tier = Tier(raw_tier)
    except ValueError:
        allowed = ", ".join(t.value for t in Tier)
        reason = "missing" if raw_tier is None else f"{raw_tier!r} is not a tier"
        problems.append(
            Problem(name, "tier", lines(("tier",)), f"{reason}; expected one of: {allowed}")
        )
        # Still check the fields every tier shares, so all problems show at once.
        shared = {k: v for k, v in doc.items() if k in TenantBase.model_fields}
        problems.extend(_validation_problems(name, lines, TenantBase, shared))
        return None, problems, doc, lines

    model = TIER_MODELS[tier]
    data = dict(doc)
    # Fields of another tier get a message that says which tier allows them.
    for key in list(data):
        if key not in model.model_fields and key in TIER_ONLY_FIELDS:
            allowed_for = ", ".join(t.value for t in TIER_ONLY_FIELDS[key])
            problems.append(
                Problem(
                    name,
                    str(key),
                    lines((key,)),
                    f"not allowed for tier '{tier.value}' (only for: {allowed_for})",
                )
            )
            del data[key]

    problems.extend(_override_problems(name, doc, lines, tier))
    model_problems = _validation_problems(name, lines, model, data)
    problems.extend(model_problems)
    raw_id = doc.get("id")
    if isinstance(raw_id, str) and path.stem != raw_id:
        problems.append(
            Problem(
                name,
                "id",
                lines(("id",)),
                f"the file name must equal the id: rename to {raw_id}.yaml",
            )
        )
    if problems:
        return None, problems, doc, lines
    return model.model_validate(to_plain(data)), [], doc, lines


def _validation_problems(
    name: str, lines: Lines, model: type[TenantBase], data: dict
) -> list[Problem]:
    try:
        model.model_validate(to_plain(data))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown field"
            elif err["type"] == "missing":
                msg = "required field is missing"
            elif err["type"] == "string_pattern_mismatch":
                msg = f"{err['input']!r} " + PATTERN_HINTS.get(
                    str(loc[-1]), f"does not match {err['ctx']['pattern']}"
                )
            elif msg.startswith("Value error, "):
                msg = msg[len("Value error, ") :]
            problems.append(Problem(name, _loc_str(loc), lines(loc), msg))
        return problems
    return []


def _override_problems(name: str, doc: Any, lines: Lines, tier: Tier) -> list[Problem]:
    """A tenant may override only the knobs its tier allows, within the tier's bounds.

    Works on the raw document so these problems are reported even when other fields are invalid.
    """
    problems = []
    for section in ("limits", "databases", "temporal"):
        block = doc.get(section)
        if not isinstance(block, dict):
            continue
        for key, value in block.items():
            path = f"{section}.{key}"
            knob = KNOBS_BY_PATH.get(path)
            if knob is None or value is None:
                continue  # unknown keys are reported by the model
            bounds = knob.bounds[tier]
            line = lines((section, key))
            if bounds is None:
                problems.append(
                    Problem(
                        name,
                        path,
                        line,
                        f"tier '{tier.value}' may not override this (see docs/tiers.md)",
                    )
                )
            elif (
                isinstance(value, int)
                and not isinstance(value, bool)
                and len(bounds) == 2
                and all(isinstance(b, int) for b in bounds)
            ):
                lo, hi = bounds
                if not (lo <= value <= hi):
                    problems.append(
                        Problem(
                            name,
                            path,
                            line,
                            f"{value} is outside {lo}..{hi} allowed for tier '{tier.value}'",
                        )
                    )
            elif all(isinstance(b, int) for b in bounds):
                continue  # a non-number here is a type error, which the model reports
            elif isinstance(value, str) and "*" not in bounds and value not in bounds:
                problems.append(
                    Problem(
                        name,
                        path,
                        line,
                        f"{value!r} is not allowed for tier '{tier.value}'; allowed: "
                        f"{list(bounds)}",
                    )
                )
            elif (
                path == "temporal.regions"
                and tier == Tier.STANDARD
                and isinstance(value, list)
                and len(value) > 1
            ):
                problems.append(
                    Problem(name, path, line, "tier 'standard' gets one Temporal region")
                )
    features = doc.get("features")
    if isinstance(features, dict):
        for flag, enabled in features.items():
            line = lines(("features", flag))
            if tier == Tier.FREE:
                problems.append(
                    Problem(
                        name,
                        f"features.{flag}",
                        line,
                        "tier 'free' may not override features (see docs/tiers.md)",
                    )
                )
            elif enabled is True and flag in FEATURES and tier not in FEATURES[flag]:
                tiers = ", ".join(t.value for t in FEATURES[flag])
                problems.append(
                    Problem(name, f"features.{flag}", line, f"available only for: {tiers}")
                )
    pools = doc.get("node_pools")
    if tier == Tier.ENTERPRISE and isinstance(pools, list):
        for i, pool in enumerate(pools):
            if (
                isinstance(pool, dict)
                and isinstance(pool.get("min_nodes"), int)
                and isinstance(pool.get("max_nodes"), int)
                and pool["min_nodes"] > pool["max_nodes"]
            ):
                problems.append(
                    Problem(
                        name,
                        f"node_pools.{i}.min_nodes",
                        lines(("node_pools", i, "min_nodes")),
                        "must not exceed max_nodes",
                    )
                )
        pool_names = [p.get("name") for p in pools if isinstance(p, dict)]
        for dup in sorted({n for n in pool_names if n is not None and pool_names.count(n) > 1}):
            problems.append(
                Problem(
                    name,
                    "node_pools",
                    lines(("node_pools",)),
                    f"node pool name {dup!r} is used twice",
                )
            )
    return problems


def load_registry(directory: Path, settings: EnvironmentSettings) -> Registry:
    """Parse and validate every tenant file; raise RegistryError listing every problem."""
    directory = Path(directory)
    problems: list[Problem] = []
    if not directory.is_dir():
        raise RegistryError([Problem(str(directory), "", None, "tenant directory does not exist")])
    paths = sorted(directory.glob("*.yaml"))
    for stray in sorted(directory.glob("*.yml")):
        problems.append(Problem(stray.name, "", None, "tenant files end in .yaml"))

    tenants: list[TenantBase] = []
    files: dict[str, Path] = {}
    lines_of: dict[str, Lines] = {}  # id -> line lookup of its file
    seen_ids: dict[str, str] = {}
    for path in paths:
        tenant, file_problems, doc, lines = _parse_file(path)
        problems.extend(file_problems)
        raw_id = doc.get("id") if isinstance(doc, dict) else None
        if isinstance(raw_id, str):
            if raw_id in seen_ids:
                problems.append(
                    Problem(
                        path.name,
                        "id",
                        lines(("id",)),
                        f"duplicate id {raw_id!r} (also in {seen_ids[raw_id]})",
                    )
                )
                continue
            seen_ids[raw_id] = path.name
        if tenant is not None:
            tenants.append(tenant)
            files[tenant.id] = path
            lines_of[tenant.id] = lines

    registry = Registry(directory, tenants, files)
    problems.extend(_cross_tenant_problems(registry, lines_of, settings))
    if problems:
        raise RegistryError(problems)
    return registry


def _cross_tenant_problems(
    registry: Registry, lines_of: dict[str, Lines], settings: EnvironmentSettings
) -> list[Problem]:
    problems: list[Problem] = []

    def file_of(tenant: TenantBase) -> str:
        return registry.files[tenant.id].name

    hosts: dict[str, list[tuple[TenantBase, str]]] = {}
    for tenant in registry.tenants:
        lines = lines_of[tenant.id]
        if tenant.region not in settings.allowed_regions:
            problems.append(
                Problem(
                    file_of(tenant),
                    "region",
                    lines(("region",)),
                    f"{tenant.region!r} is not allowed in environment {settings.environment!r}; "
                    f"allowed: {settings.allowed_regions}",
                )
            )
        if isinstance(tenant, StandardTenant):
            hosts.setdefault(
                names.subdomain_host(tenant.host_label, settings.app_domain), []
            ).append((tenant, "subdomain"))
        elif isinstance(tenant, EnterpriseTenant):
            hosts.setdefault(tenant.custom_domain, []).append((tenant, "custom_domain"))
            if tenant.custom_domain == settings.app_domain or tenant.custom_domain.endswith(
                "." + settings.app_domain
            ):
                problems.append(
                    Problem(
                        file_of(tenant),
                        "custom_domain",
                        lines(("custom_domain",)),
                        f"must not be inside the platform's app domain {settings.app_domain!r}",
                    )
                )
            if tenant.dedicated_project and settings.billing_account is None:
                problems.append(
                    Problem(
                        file_of(tenant),
                        "dedicated_project",
                        lines(("dedicated_project",)),
                        f"environment {settings.environment!r} has no billing_account to attach a "
                        "project to",
                    )
                )
    # Every tenant that claims a taken host is told who else claims it.
    for host, claims in hosts.items():
        for tenant, field_name in claims if len(claims) > 1 else []:
            others = ", ".join(file_of(t) for t, _ in claims if t is not tenant)
            lines = lines_of[tenant.id]
            problems.append(
                Problem(
                    file_of(tenant),
                    field_name,
                    lines((field_name,)) or lines(("id",)),
                    f"host {host!r} is also used by {others}",
                )
            )

    counts = registry.placements()
    for tenant in registry.tenants:
        if not isinstance(tenant, StandardTenant):
            continue
        lines = lines_of[tenant.id]
        cluster = settings.cluster(tenant.placement)
        if cluster is None:
            known = [c.name for c in settings.clusters]
            problems.append(
                Problem(
                    file_of(tenant),
                    "placement",
                    lines(("placement",)),
                    f"no shared cluster {tenant.placement!r} in environment "
                    f"{settings.environment!r}; known: {known}",
                )
            )
        elif counts[tenant.placement] > cluster.capacity:
            problems.append(
                Problem(
                    file_of(tenant),
                    "placement",
                    lines(("placement",)),
                    f"cluster {cluster.name!r} is over capacity ({counts[tenant.placement]} > "
                    f"{cluster.capacity} tenant namespaces)",
                )
            )
        elif cluster.region != tenant.region:
            problems.append(
                Problem(
                    file_of(tenant),
                    "region",
                    lines(("region",)),
                    f"must match the region of cluster {cluster.name!r} ({cluster.region})",
                )
            )
    return problems
