"""Content keys: one hash per stack of everything its offline plan depends on.

A stack's plan is a pure function of
- its tenant file (the platform stack: every free tenant's file, since it builds them all),
- the environment file ``Pulumi.<env>.yaml`` and the project file ``Pulumi.yaml``,
- the code: the program, components, domain, policies, migrations and the plan engine
  (``tenancy/plan``, ``tenancy/checks``, ``tenancy/sdk``), and ``__main__.py``,
- the pinned dependency versions (``pyproject.toml``) and the versions actually installed,
- the Python version and this key scheme's version.

Two stacks with the same key have the same plan, so a cached plan can be reused and a stack whose
key is the same on the base and head sides of a pull request cannot have changed. The policy key
adds what the policy pack reads besides the stack's own resources (``policy_key``).

Keys are computed from files only (no planning), by the head's code for both sides.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from domain.tiers import TIERS

SCHEME = "tenancy-plan-key/1"
# Tiers whose tenants have a stack of their own (the rest live in the platform stack).
OWN_STACK_TIERS = frozenset(spec.tier.value for spec in TIERS.values() if spec.own_stack)
# Directories (relative to the project root) whose files are code the plan depends on.
CODE_DIRS = (
    "program",
    "components",
    "domain",
    "policies",
    "migrations",
    "tenancy/plan",
    "tenancy/checks",
    "tenancy/sdk",
)
CODE_FILES = ("__main__.py", "Pulumi.yaml", "pyproject.toml")
# Installed distributions whose behaviour the plan depends on (their versions join the key).
DISTRIBUTIONS = (
    "pulumi",
    "pulumi-gcp",
    "pulumi-kubernetes",
    "pulumi-temporalcloud",
    "pulumi-random",
    "pulumi-policy",
    "pydantic",
    "ruamel.yaml",
    "protobuf",
)
_SKIP_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
_SKIP_SUFFIXES = (".pyc", ".pyo")


def _digest(parts: Iterable[bytes | str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))  # length-prefixed: no two framings collide
        h.update(data)
    return h.hexdigest()


def _code_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for relative in CODE_DIRS:
        top = root / relative
        for directory, dirs, names in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.endswith(".egg-info"))
            files += [Path(directory, n) for n in sorted(names) if not n.endswith(_SKIP_SUFFIXES)]
    files += [root / name for name in CODE_FILES if (root / name).exists()]
    return files


def code_digest(root: Path) -> str:
    """Every code file's path and bytes (a change anywhere in the code changes every key)."""
    root = Path(root)
    parts: list[bytes | str] = [SCHEME]
    for path in _code_files(root):
        parts += [path.relative_to(root).as_posix(), path.read_bytes()]
    return _digest(parts)


@lru_cache(maxsize=1)
def installed_versions() -> str:
    from importlib import metadata

    found = []
    for name in DISTRIBUTIONS:
        try:
            found.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}==absent")
    return ";".join([*found, f"python=={sys.version_info.major}.{sys.version_info.minor}"])


@dataclass(frozen=True)
class TenantInput:
    tenant_id: str
    tier: str | None  # None: the file has no readable tier (the registry refuses it anyway)
    status: str | None
    data: bytes
    file: str
    doc: dict[str, Any] | None = field(default=None, compare=False, repr=False)


def tenant_inputs(
    tenants_dir: Path, known: dict[str, TenantInput] | None = None
) -> dict[str, TenantInput]:
    """Each tenant file's id, tier and bytes (parsed only as far as the key needs). A file whose
    bytes equal a ``known`` input of the same file name takes its id, tier and status."""
    by_file = {t.file: t for t in (known or {}).values()}
    from domain.yamlio import MAX_BYTES, parse_yaml_text

    found: dict[str, TenantInput] = {}
    directory = Path(tenants_dir)
    if not directory.is_dir():
        return found
    root = directory.resolve()
    for path in sorted(directory.glob("*.yaml")):
        # Read what the registry reads: a link only to a file inside the registry (the key must
        # follow the target's content), never without bound. Anything else is refused by
        # validation, so no plan is made from it; its key only has to differ.
        doc: Any = None
        data = b"(not a regular file)"
        try:
            target = path.resolve(strict=True)
            if target.is_relative_to(root) and target.is_file():
                with target.open("rb") as handle:
                    data = handle.read(MAX_BYTES + 1)
                same = by_file.get(path.name)
                if same is not None and same.data == data:
                    found[same.tenant_id] = same
                    continue
                if len(data) <= MAX_BYTES:
                    doc = parse_yaml_text(data.decode("utf-8"))
        except Exception:  # unreadable, a loop, or not YAML: validation reports it
            doc = None
        doc = doc if isinstance(doc, dict) else None
        tenant_id = str((doc or {}).get("id") or path.stem)
        tier, status = (doc or {}).get("tier"), (doc or {}).get("status", "active")
        found[tenant_id] = TenantInput(
            tenant_id, str(tier) if tier else None, str(status), data, path.name, doc
        )
    return found


def registry_inputs(registry: Any) -> dict[str, TenantInput]:
    """The same as ``tenant_inputs`` for a registry already loaded (and so valid): no second
    parse, only each file's bytes are read again. The loader listed each file and followed a
    link only to a file inside the registry, so opening the path reads what resolving it would."""
    from domain.yamlio import MAX_BYTES

    found: dict[str, TenantInput] = {}
    for tenant in registry.tenants:
        path = Path(registry.files[tenant.id])
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
        found[tenant.id] = TenantInput(
            tenant.id, tenant.tier.value, tenant.status.value, data, path.name, None
        )
    return found


@dataclass(frozen=True)
class KeyInputs:
    """What every key of one side shares, computed once."""

    env: str
    shared: str  # digest of environment file, code and dependencies

    @classmethod
    def of(cls, project_root: Path, env: str) -> KeyInputs:
        root = Path(project_root)
        env_file = root / f"Pulumi.{env}.yaml"
        env_bytes = env_file.read_bytes() if env_file.exists() else b"(no environment file)"
        shared = _digest([SCHEME, env, env_bytes, code_digest(root), installed_versions()])
        return cls(env, shared)


def stack_keys(
    project_root: Path, env: str, tenants: dict[str, TenantInput], inputs: KeyInputs | None = None
) -> dict[str, str]:
    """stack name → content key, for every stack the registry has (platform stack included)."""
    from domain.stacks import platform_stack_name, tenant_stack_name

    inputs = inputs or KeyInputs.of(project_root, env)
    keys: dict[str, str] = {}
    free: list[bytes | str] = []
    for tenant_id in sorted(tenants):
        tenant = tenants[tenant_id]
        if tenant.tier in OWN_STACK_TIERS:
            name = tenant_stack_name(env, tenant_id)
            keys[name] = _digest([inputs.shared, name, tenant.file, tenant.data])
        else:  # free, or unknown: the platform stack is the one that would read it
            free += [tenant.file, tenant.data]
    platform = platform_stack_name(env)
    keys[platform] = _digest([inputs.shared, platform, *free])
    return dict(sorted(keys.items()))


def facts_digest(tenants: dict[str, TenantInput]) -> str:
    """What policies read about other tenants: ids, tiers and statuses (see policies/lib/facts;
    tests/test_plan_cache.py proves the pack reads nothing else of another tenant)."""
    parts: list[str] = []
    for tenant_id in sorted(tenants):
        tenant = tenants[tenant_id]
        parts += [tenant_id, str(tenant.tier), str(tenant.status)]
    return _digest(parts)


def policy_key(stack_key: str, facts: str, policy_config: Any = None) -> str:
    """Key of a stack's policy results: its plan, the registry facts, the policy config and the
    day (temporal-bound-api-keys judges expiries against domain.clock)."""
    import json

    from domain.clock import today

    config = json.dumps(policy_config, sort_keys=True, default=str)
    return _digest([SCHEME, "policy", stack_key, facts, config, today()])
