"""Loads ``tenants/*.yaml`` and reports every problem of the whole registry at once.

A pull request is untrusted input: every file in the directory is either read as a tenant or
reported, links that leave the directory are not followed, and a file with a problem of its own
still takes part in the cross-tenant checks (region, placement, hosts, networks) with the fields
that are valid, so fixing one problem does not reveal the next.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from domain import names
from domain.networks import KIND_OF_FIELD, opening_problems, range_problems
from domain.provider_facts import (
    TEMPORAL_GCP_REPLICAS,
    TEMPORAL_REGIONS_SOURCE,
    gcp_region_of_temporal,
    temporal_region_problems,
)
from domain.registry.enterprise import refused_value_reason
from domain.registry.models import (
    NOT_ALLOWED,
    TIER_MODELS,
    TIER_ONLY_FIELDS,
    EnterpriseTenant,
    StandardTenant,
    TenantBase,
)
from domain.registry.options import (
    FIRESTORE_MULTI_REGIONS,
    FIRESTORE_PRIVATE_REGIONS,
    opened_ranges,
)
from domain.tiers import FEATURES, KNOBS_BY_PATH, STANDARD_POSTGRES_TIERS, Tier
from domain.yamlio import (
    Lines,
    YamlProblem,
    doc_cache,
    load_yaml_fast,
    load_yaml_fast_keyed,
    to_plain,
)

# The GCP regions Temporal Cloud replicates among (the others have no replica on GCP).
US_REPLICA_SET = frozenset(r for r, partners in TEMPORAL_GCP_REPLICAS.items() if partners)

if TYPE_CHECKING:
    from domain.environment import EnvironmentSettings

# What a pattern means, in words (a raw regex is no help to the reader).
PATTERN_HINTS = {
    "contact_email": "must be an email address",
    "acme_email": "must be an email address",
    "app_domain": "must be a lowercase DNS name such as app.example.com",
    "platform_domain": "must be a lowercase DNS name such as example.com",
    "project": "must be a GCP project id: 6-30 lowercase letters, digits and hyphens",
    "billing_account": "must be a billing account id such as 01A2B3-C4D5E6-F7A8B9",
    "enterprise_folder": "must be folders/NUMBER",
    "master_ipv4_cidr": "must be an IPv4 /28 range such as 172.16.0.0/28",
    "cidr": "must be an IPv4 range such as 10.200.0.0/24",
    "network_cidr": "must be a private IPv4 range (10/8, 172.16/12, 192.168/16) of /8 to /29",
    "pods_cidr": "must be a private IPv4 range (10/8, 172.16/12, 192.168/16) of /8 to /29",
    "services_cidr": "must be a private IPv4 range (10/8, 172.16/12, 192.168/16) of /8 to /29",
    "control_plane_cidr": "must be a private IPv4 /28 (GKE's private control plane)",
    "schedule": "must be five cron fields: minute hour day month weekday (UTC)",
    "postgres_tier": "must be a Cloud SQL tier such as db-custom-2-7680",
    "regions": "must be a Temporal Cloud region such as gcp-us-central1",
    "name": "must be a lowercase name: letters, digits and hyphens, starting with a letter",
    "region": "must be a GCP region such as us-central1",
    "custom_domain": "must be a lowercase DNS name such as app.example.com",
    "subdomain": "must be a DNS label: lowercase letters, digits and hyphens",
    "machine_type": "must be a GCE machine type such as e2-standard-4",
    "destination": "must be a Cloud Logging sink destination such as storage.googleapis.com/BUCKET",
    "network": "must be projects/PROJECT/global/networks/NETWORK",
    "chart_version": "must be a SemVer version such as 1.4.2",
    "id": "must be a custom role id: 3-64 letters, digits, underscores and dots (no hyphens)",
    "group": "must be a Google group email address, in lowercase",
    "certificate_secret": "must be a Secret Manager secret id (letters, digits, _ and -)",
    "cpu": "must be a Kubernetes quantity such as 500m or 2",
    "memory": "must be a Kubernetes quantity such as 512Mi or 2Gi",
}

SCHEMA_HEADER = "# yaml-language-server: $schema=../docs/tenant.schema.json"
MAX_SHOWN = 60  # characters of a refused value echoed in a message


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    line: int | None
    reason: str

    def _key(self) -> tuple[str, str, int, str]:
        return (self.file, self.field, self.line or 0, self.reason)

    def __lt__(self, other: Problem) -> bool:
        return self._key() < other._key()

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

    _by_id: dict[str, TenantBase] = field(init=False, repr=False, compare=False)

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


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def _kind(value: Any) -> str:
    kinds = {bool: "a boolean", int: "an integer", float: "a decimal number", str: "a string"}
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{kinds.get(type(value), type(value).__name__)} {_short(value)}"


TYPE_MESSAGES = {
    "int_type": "must be an integer",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "float_type": "must be a number",
    "list_type": "must be a list",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
}


def field_message(err: Any, tier: Tier | None = None) -> str:
    """A readable reason for one pydantic error: no raw regexes, the tier's bounds in words."""
    loc = tuple(err["loc"])
    kind = err["type"]
    value = err.get("input")
    path = ".".join(str(p) for p in loc[:2])
    # The knob's own bounds speak for the knob itself, not for fields nested inside it
    # (app.values.replicaCount has its own).
    knob = KNOBS_BY_PATH.get(path) if tier is not None and len(loc) == 2 else None
    section = loc[0] if loc else None
    if kind == "extra_forbidden":
        if section == "features" and len(loc) == 2:
            return f"unknown feature flag {str(loc[1])!r}; known: {sorted(FEATURES)}"
        if loc[:2] == ("app", "values"):
            return refused_value_reason(tuple(str(p) for p in loc[2:]))
        return "unknown field"
    if kind == "missing":
        if len(loc) == 1 and str(loc[0]) in KIND_OF_FIELD:
            return (
                "required field is missing: every enterprise tenant holds its own ranges from "
                "the environment's address plan (`tenancy new` allocates free ones)"
            )
        return "required field is missing"
    if kind == "none_required" and tier is not None:
        if section == "features":
            return f"tier '{tier.value}' may not override features (see docs/tiers.md)"
        return NOT_ALLOWED.format(tier=tier.value)
    if kind in TYPE_MESSAGES:
        return f"{TYPE_MESSAGES[kind]}, not {_kind(value)}"
    if knob is not None and tier is not None:
        bounds = knob.bounds[tier]
        if kind in ("greater_than_equal", "less_than_equal") and bounds is not None:
            lo, hi = bounds
            return f"{value} is outside {lo}..{hi} allowed for tier '{tier.value}'"
        if kind == "literal_error" and path == "databases.postgres_tier":
            return (
                f"{_short(value)} is not allowed for tier '{tier.value}'; "
                f"allowed: {list(STANDARD_POSTGRES_TIERS)}"
            )
        if kind == "too_long" and path == "temporal.regions" and tier == Tier.STANDARD:
            return "tier 'standard' gets one Temporal region"
    if kind == "literal_error" and section == "features" and len(loc) == 2:
        tiers = ", ".join(t.value for t in FEATURES.get(str(loc[1]), ()))
        return f"available only for: {tiers}"
    if kind == "string_pattern_mismatch":
        name = next((str(p) for p in reversed(loc) if not isinstance(p, int)), "")
        return f"{_short(value)} " + PATTERN_HINTS.get(name, "is not in the expected format")
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return msg


def _validate(
    name: str, lines: Lines, model: type[TenantBase], data: dict, tier: Tier | None
) -> tuple[TenantBase | None, list[Problem], set[str]]:
    """(the tenant or None, its problems, the top-level fields that have one)."""
    try:
        return model.model_validate(data), [], set()
    except ValidationError as exc:
        problems, bad = [], set()
        for err in exc.errors():
            loc = tuple(err["loc"])
            bad.add(str(loc[0]) if loc else "")
            problems.append(Problem(name, _loc_str(loc), lines(loc), field_message(err, tier)))
        return None, problems, bad


@dataclass
class Claim:
    """What one file claims in the shared space, from its valid fields only (for the
    cross-tenant checks, which run even when the file has problems of its own)."""

    file: str
    lines: Lines
    tier: Tier | None
    id: str | None
    fields: dict[str, Any]
    # The file as written: the `network:` rules are checked against the other tenants range by
    # range, even when another rule of the section is invalid.
    raw: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str) -> Any:
        return self.fields.get(key)


def _claim(
    name: str, lines: Lines, tier: Tier | None, doc: dict, tenant: TenantBase | None, bad: set[str]
) -> Claim:
    if tenant is not None:
        fields = tenant.model_dump()
        fields["host_label"] = getattr(tenant, "host_label", None)
        return Claim(name, lines, tier, tenant.id, fields, doc)
    model = TIER_MODELS[tier] if tier is not None else TenantBase
    fields = {}
    for key, spec in model.model_fields.items():
        if key in bad:
            continue
        if key in doc:
            fields[key] = doc[key]
        elif not spec.is_required():
            fields[key] = spec.get_default(call_default_factory=True)
    tenant_id = fields.get("id") if isinstance(fields.get("id"), str) else None
    if tier == Tier.STANDARD and "subdomain" not in bad:
        fields["host_label"] = fields.get("subdomain") or tenant_id
    return Claim(name, lines, tier, tenant_id, fields, doc)


def _parse_file(
    path: Path, loaded: tuple[Any, YamlProblem | None] | None = None
) -> tuple[TenantBase | None, list[Problem], Claim | None]:
    name = path.name
    doc, problem = loaded if loaded is not None else load_yaml_fast(path)
    lines = Lines(path)
    if problem:
        return None, [Problem(name, "", problem.line, problem.reason)], None
    if not isinstance(doc, dict):
        return None, [Problem(name, "", 1, "a tenant file must be a YAML mapping")], None
    doc = to_plain(doc)

    problems: list[Problem] = []
    raw_id = doc.get("id")
    # The id is what every name and the stack derive from: it must be the file name, exactly.
    if isinstance(raw_id, str) and path.stem != raw_id:
        problems.append(
            Problem(
                name,
                "id",
                lines(("id",)),
                f"the file name must equal the id: rename to {raw_id}.yaml",
            )
        )
    raw_tier = doc.get("tier")
    tier = next((t for t in Tier if raw_tier == t.value and isinstance(raw_tier, str)), None)
    if tier is None:
        allowed = ", ".join(t.value for t in Tier)
        reason = "missing" if raw_tier is None else f"{_short(raw_tier)} is not a tier"
        problems.append(
            Problem(name, "tier", lines(("tier",)), f"{reason}; expected one of: {allowed}")
        )
        # Still check the fields every tier shares, so all problems show at once.
        shared = {k: v for k, v in doc.items() if k in TenantBase.model_fields}
        _, shared_problems, bad = _validate(name, lines, TenantBase, shared, None)
        problems.extend(shared_problems)
        return None, problems, _claim(name, lines, None, doc, None, bad)

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
    tenant, model_problems, bad = _validate(name, lines, model, data, tier)
    problems.extend(model_problems)
    if isinstance(tenant, EnterpriseTenant):
        for key, reason in tenant.customisation_problems():
            field_path = tuple(key.split("."))
            problems.append(Problem(name, key, lines(field_path) or lines(field_path[:1]), reason))
            bad.add(field_path[0])
    if problems:
        return None, problems, _claim(name, lines, tier, data, None, bad)
    return tenant, [], _claim(name, lines, tier, data, tenant, bad)


def registry_files(directory: Path) -> tuple[list[Path], list[Problem]]:
    """The tenant files to read, and a problem for every other entry of the directory.

    A tenant file is ``<id>.yaml``: lowercase extension, not hidden, a regular file. A symbolic
    link is followed only to a file inside the registry; where a link leads is never echoed.
    """
    root = directory.resolve()
    paths: list[Path] = []
    problems: list[Problem] = []

    def refuse(entry: Path, reason: str) -> None:
        problems.append(Problem(entry.name, "", None, reason))

    try:
        entries = sorted(directory.iterdir())
    except OSError as exc:
        return [], [Problem(directory.name, "", None, f"cannot list: {exc.strerror or exc}")]
    for entry in entries:
        name = entry.name
        if entry.is_symlink():
            try:
                target = entry.resolve(strict=True)
            except (OSError, RuntimeError):
                refuse(entry, "a symbolic link that leads nowhere; not read")
                continue
            if not target.is_relative_to(root):
                refuse(entry, "a symbolic link that leads outside the registry; not read")
                continue
        if entry.is_dir():
            refuse(entry, "a directory; the registry reads only tenant files <id>.yaml")
        elif name.startswith("."):
            refuse(entry, "a hidden file; not read (a tenant file is named <id>.yaml)")
        elif name.endswith(".yaml"):
            paths.append(entry)
        elif name.lower().endswith((".yaml", ".yml")):
            refuse(entry, "tenant files end in .yaml (lowercase); not read")
        else:
            refuse(entry, "not a tenant file (<id>.yaml); not read")
    return paths, problems


def load_registry(directory: Path, settings: EnvironmentSettings) -> Registry:
    """Parse and validate every tenant file; raise RegistryError listing every problem."""
    directory = Path(directory)
    if not directory.is_dir():
        raise RegistryError([Problem(str(directory), "", None, "tenant directory does not exist")])
    paths, problems = registry_files(directory)

    tenants: list[TenantBase] = []
    files: dict[str, Path] = {}
    claims: list[Claim] = []
    seen_ids: dict[str, str] = {}
    for path, loaded in zip(paths, _loaded_docs(paths), strict=True):
        tenant, file_problems, claim = _parse_file(path, loaded)
        problems.extend(file_problems)
        if claim is None:
            continue
        claims.append(claim)
        raw_id = claim.id
        if raw_id is not None:
            if raw_id in seen_ids:
                problems.append(
                    Problem(
                        path.name,
                        "id",
                        claim.lines(("id",)),
                        f"duplicate id {raw_id!r} (also in {seen_ids[raw_id]})",
                    )
                )
                continue
            seen_ids[raw_id] = path.name
        if tenant is not None:
            tenants.append(tenant)
            files[tenant.id] = path

    problems.extend(cross_tenant_problems(claims, settings))
    if problems:
        raise RegistryError(problems)
    return Registry(directory, tenants, files)


# From this many files on, two forked processes parse the YAML while this one validates what they
# have parsed (parsing is about half of reading a registry: issue 13's 10,000-file target).
# Below it, forking costs more than it saves.
PARALLEL_PARSE_MIN = 2000
PARSE_CHUNK = 250


def _may_fork() -> bool:
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def _loaded_docs(paths: list[Path]) -> Iterator[tuple[Any, YamlProblem | None] | None]:
    """Each file's parse in order, from worker processes when it pays; else None per file (the
    caller parses). Workers look documents up in this process's parse cache (read before the
    fork) and hand back the keys, so the cache learns what they parsed. Only from a
    single-threaded process: forking a threaded one can inherit a held lock."""
    if len(paths) < PARALLEL_PARSE_MIN or (os.cpu_count() or 1) < 2 or not _may_fork():
        yield from (None for _ in paths)
        return
    cache = doc_cache()
    if cache is not None:
        cache.load()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        for doc, problem, key in pool.imap(load_yaml_fast_keyed, paths, chunksize=PARSE_CHUNK):
            if cache is not None and key is not None:
                cache.remember(key, doc)
            yield doc, problem


def _temporal_regions(claim: Claim, settings: EnvironmentSettings) -> list[str] | None:
    """The regions the tenant's namespace would ask Temporal Cloud for: its own, or the default,
    plus the environment's ha_region for an HA enterprise tenant (domain.profile's rule)."""
    temporal = claim.get("temporal")
    explicit = temporal.get("regions") if isinstance(temporal, dict) else None
    if explicit is not None and not (
        isinstance(explicit, list) and all(isinstance(r, str) for r in explicit)
    ):
        return None  # the model reports the type error
    regions = list(explicit or [settings.temporal.default_region])
    ha = claim.tier == Tier.ENTERPRISE and claim.get("ha") is not False
    if ha and len(regions) == 1 and settings.temporal.ha_region != regions[0]:
        regions.append(settings.temporal.ha_region)
    return regions


def _temporal_problems(claim: Claim, settings: EnvironmentSettings) -> list[Problem]:
    """The namespace regions must exist in Temporal Cloud, replicate to each other and lie in
    the allowed regions; the message says how to fix it."""
    regions = _temporal_regions(claim, settings)
    if regions is None:
        return []
    temporal = claim.get("temporal")
    explicit = isinstance(temporal, dict) and bool(temporal.get("regions"))
    field_name = "temporal.regions" if explicit else ("ha" if len(regions) > 1 else "temporal")
    if explicit:
        where: tuple[tuple[str, ...], ...] = (("temporal", "regions"),)
    else:
        where = ((field_name,), ("id",))

    def line() -> int | None:
        # Asked only for a problem: finding a line parses the file again, with positions.
        return next((n for n in (claim.lines(path) for path in where) if n), None)

    env_file = f"Pulumi.{settings.environment}.yaml"
    how = (
        f"Temporal Cloud replicates on GCP only among {', '.join(sorted(US_REPLICA_SET))}; "
        f"set temporal.regions to a valid pair such as [{settings.temporal.default_region}, "
        f"{settings.temporal.ha_region}] (or ha: false) — {TEMPORAL_REGIONS_SOURCE}"
    )
    problems = [
        Problem(claim.file, field_name, line(), f"{problem}; {how}")
        for problem in temporal_region_problems(regions)
    ]
    if problems:
        return problems
    for region in regions:
        gcp_region = gcp_region_of_temporal(region)
        if gcp_region is not None and gcp_region not in settings.allowed_regions:
            problems.append(
                Problem(
                    claim.file,
                    field_name,
                    line(),
                    f"Temporal region {region!r} is in {gcp_region}, not in the allowed regions "
                    f"{settings.allowed_regions} of environment {settings.environment!r}; choose "
                    f"other temporal.regions or add {gcp_region} to allowed_regions in {env_file}",
                )
            )
    return problems


def data_option_problems(claim: Claim, settings: EnvironmentSettings) -> list[tuple[str, str]]:
    """(field, reason) for the enterprise data options that need the environment: where the
    cross-region replica and Firestore's multi-region replicas keep data (residency)."""
    found: list[tuple[str, str]] = []
    databases = claim.get("databases")
    databases = databases if isinstance(databases, dict) else {}
    allowed = settings.allowed_regions
    replica = databases.get("postgres_cross_region_replica")
    if isinstance(replica, str):
        if replica not in allowed:
            found.append(
                (
                    "databases.postgres_cross_region_replica",
                    f"{replica!r} is not in the allowed regions {allowed} of environment "
                    f"{settings.environment!r} (data residency)",
                )
            )
        elif replica == claim.get("region"):
            found.append(
                (
                    "databases.postgres_cross_region_replica",
                    f"{replica!r} is the tenant's own region; a cross-region replica is elsewhere",
                )
            )
    features = claim.get("features")
    if (
        isinstance(databases.get("exports"), dict)
        and isinstance(features, dict)
        and features.get("scheduled_exports") is False
    ):
        found.append(("databases.exports", "features.scheduled_exports is false"))
    if isinstance(databases.get("direct_access"), dict):
        network = claim.get("network")
        if not (isinstance(network, dict) and isinstance(network.get("vpn"), dict)):
            found.append(
                (
                    "databases.direct_access",
                    "needs network.vpn: the databases have no public IP, and VPC peering does not "
                    "reach them (Cloud SQL's network is peered to the tenant's VPC; peering is "
                    "not transitive)",
                )
            )
        if claim.get("dedicated_project") is not True:
            found.append(
                (
                    "databases.direct_access",
                    "needs dedicated_project: true (the group's Cloud SQL roles are granted on "
                    "the tenant's own project, never on the platform's)",
                )
            )
        if isinstance(features, dict) and features.get("direct_db_access") is False:
            found.append(("databases.direct_access", "features.direct_db_access is false"))
    location = databases.get("firestore_location")
    if isinstance(location, str) and location in FIRESTORE_MULTI_REGIONS:
        outside = [
            r
            for r in FIRESTORE_MULTI_REGIONS[location]
            if r not in allowed and r not in FIRESTORE_PRIVATE_REGIONS
        ]
        if outside:
            found.append(
                (
                    "databases.firestore_location",
                    f"{location} keeps replicas in {', '.join(outside)}, not in the allowed "
                    f"regions {allowed} (data residency)",
                )
            )
    return found


def _in_domain(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def cross_tenant_problems(claims: list[Claim], settings: EnvironmentSettings) -> list[Problem]:
    """The rules between files and with the environment, on every valid field of every file."""
    problems: list[Problem] = []
    env = settings.environment

    def problem(claim: Claim, key: str, reason: str) -> None:
        # A dotted field (network.firewall_rules.0.sources) is found part by part.
        path = tuple(int(p) if p.isdigit() else p for p in key.split("."))
        line = claim.lines(path) or claim.lines(path[:1]) or claim.lines(("id",))
        problems.append(Problem(claim.file, key, line, reason))

    hosts: dict[str, list[tuple[Claim, str]]] = {}
    enterprise: list[Claim] = []
    placements: Counter = Counter()
    for claim in claims:
        region = claim.get("region")
        if isinstance(region, str) and region not in settings.allowed_regions:
            problem(
                claim,
                "region",
                f"{region!r} is not allowed in environment {env!r}; "
                f"allowed: {settings.allowed_regions}",
            )
        if claim.tier == Tier.STANDARD:
            label = claim.get("host_label")
            if isinstance(label, str):
                host = names.subdomain_host(label, settings.app_domain)
                hosts.setdefault(host, []).append((claim, "subdomain"))
            if isinstance(claim.get("placement"), str):
                placements[claim.get("placement")] += 1
        elif claim.tier == Tier.ENTERPRISE:
            domain = claim.get("custom_domain")
            if isinstance(domain, str):
                hosts.setdefault(domain, []).append((claim, "custom_domain"))
                for platform in dict.fromkeys((settings.apex_domain, settings.app_domain)):
                    if _in_domain(domain, platform):
                        problem(
                            claim,
                            "custom_domain",
                            f"must not be the platform's domain {platform!r} or inside it",
                        )
                        break
            if claim.get("dedicated_project") is True and settings.billing_account is None:
                problem(
                    claim,
                    "dedicated_project",
                    f"environment {env!r} has no billing_account to attach a project to",
                )
            enterprise.append(claim)
    # Every tenant that claims a taken host or network is told who else claims it.
    for host, host_claims in hosts.items():
        for claim, field_name in host_claims if len(host_claims) > 1 else []:
            others = ", ".join(c.file for c, _ in host_claims if c is not claim)
            problem(claim, field_name, f"host {host!r} is also used by {others}")
    # Every range of every enterprise tenant: inside the address plan, overlapping nothing else.
    by_file = {c.file: c for c in enterprise}
    for found in range_problems(settings, [(c.file, c.fields) for c in enterprise]):
        problem(by_file[found.file], found.field, found.reason)
    opened = [(c.file, c.fields, opened_ranges(c.raw.get("network"))) for c in enterprise]
    for found in opening_problems(settings, opened):
        problem(by_file[found.file], found.field, found.reason)
    for claim in enterprise:
        for key, reason in data_option_problems(claim, settings):
            problem(claim, key, reason)

    if settings.temporal.backend == "cloud":
        for claim in claims:
            if claim.tier is not None:
                problems.extend(_temporal_problems(claim, settings))

    for claim in claims:
        placement = claim.get("placement")
        if claim.tier != Tier.STANDARD or not isinstance(placement, str):
            continue
        cluster = settings.cluster(placement)
        if cluster is None:
            known = [c.name for c in settings.clusters]
            problem(
                claim,
                "placement",
                f"no shared cluster {placement!r} in environment {env!r}; known: {known}",
            )
        elif placements[placement] > cluster.capacity:
            problem(
                claim,
                "placement",
                f"cluster {cluster.name!r} is over capacity "
                f"({placements[placement]} > {cluster.capacity} tenant namespaces)",
            )
        elif isinstance(claim.get("region"), str) and cluster.region != claim.get("region"):
            problem(
                claim,
                "region",
                f"must match the region of cluster {cluster.name!r} ({cluster.region})",
            )
    return problems
