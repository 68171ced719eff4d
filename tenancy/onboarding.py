"""`tenancy new`: write a tenant file that the registry accepts, placing standard tenants."""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path

from domain import names
from domain.environment import EnvironmentSettings
from domain.networks import allocate, registry_ranges
from domain.registry import Registry, RegistryError, load_registry
from domain.registry.loader import SCHEMA_HEADER
from domain.tiers import Tier
from domain.yamlio import dump_yaml


class OnboardingError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def least_loaded_cluster(
    registry: Registry, settings: EnvironmentSettings, region: str
) -> str | None:
    """The shared cluster in ``region`` with the most free capacity (ties: config order)."""
    load = registry.placements()
    candidates = [c for c in settings.clusters if c.region == region and load[c.name] < c.capacity]
    if not candidates:
        return None
    return max(
        candidates, key=lambda c: (c.capacity - load[c.name], -settings.clusters.index(c))
    ).name


def write_new_tenant(
    registry: Registry,
    settings: EnvironmentSettings,
    *,
    tenant_id: str,
    tier: str,
    display_name: str | None = None,
    contact_email: str | None = None,
    region: str | None = None,
    placement: str | None = None,
    subdomain: str | None = None,
    custom_domain: str | None = None,
    dedicated_project: bool = False,
) -> Path:
    problems: list[str] = []
    try:
        tier_value = Tier(tier)
    except ValueError:
        raise OnboardingError(
            [f"--tier: {tier!r} is not one of {', '.join(t.value for t in Tier)}"]
        ) from None
    target = registry.directory / f"{tenant_id}.yaml"
    if target.exists():
        raise OnboardingError([f"{target.name}: already exists; edit it instead"])
    region = region or settings.region
    data: dict = {
        "id": tenant_id,
        "display_name": display_name or tenant_id.replace("-", " ").title(),
        "tier": tier_value.value,
        "status": "active",
        "region": region,
        "contact_email": contact_email or f"ops@{tenant_id}.example",
    }
    if tier_value != Tier.STANDARD and (placement or subdomain):
        problems.append("--placement/--subdomain: only for tier standard")
    if tier_value != Tier.ENTERPRISE and (custom_domain or dedicated_project):
        problems.append("--custom-domain/--dedicated-project: only for tier enterprise")
    if tier_value == Tier.STANDARD:
        chosen = placement or least_loaded_cluster(registry, settings, region)
        if chosen is None:
            problems.append(
                f"--placement: no shared cluster in {region} has capacity left; add a pool cell "
                f"to Pulumi.{settings.environment}.yaml"
            )
        data["placement"] = chosen
        if subdomain:
            data["subdomain"] = subdomain
    if tier_value == Tier.ENTERPRISE:
        if not custom_domain:
            problems.append("--custom-domain: required for tier enterprise")
        data["custom_domain"] = custom_domain
        data["dedicated_project"] = dedicated_project
        data["ha"] = True
        # Every range of the dedicated VPC from the address plan, clear of the platform and of
        # every other tenant; written into the file so that no later tenant can move it.
        ranges = allocate(settings, registry_ranges(registry.by_tier(Tier.ENTERPRISE)))
        if ranges is None:
            problems.append(
                f"no free range left in a pool of the address plan (address_plan in "
                f"Pulumi.{settings.environment}.yaml)"
            )
        else:
            data.update(ranges)
        data["node_pools"] = [
            {"name": "default", "machine_type": "e2-standard-4", "min_nodes": 1, "max_nodes": 3}
        ]
    # A name shared with the platform or with another tenant would make the policy pack
    # attribute one owner's resources to the other (and the resources would clash).
    problems += [
        f"{tenant_id}: {conflict}"
        for conflict in names.name_conflicts(
            settings.environment,
            settings.project,
            tenant_id,
            [t.id for t in registry.tenants],
            tuple(c.name for c in settings.clusters),
        )
    ]
    if problems:
        raise OnboardingError(problems)

    buffer = io.StringIO()
    buffer.write(SCHEMA_HEADER + "\n")
    dump_yaml(data, buffer)
    text = buffer.getvalue()

    # Validate the whole registry with the new file before writing it for real.
    with tempfile.TemporaryDirectory() as scratch:
        scratch_dir = Path(scratch)
        for path in registry.directory.glob("*.yaml"):
            shutil.copy2(path, scratch_dir / path.name)
        (scratch_dir / target.name).write_text(text, encoding="utf-8")
        try:
            load_registry(scratch_dir, settings)
        except RegistryError as exc:
            raise OnboardingError([str(p) for p in exc.problems]) from None
    target.write_text(text, encoding="utf-8")
    return target
