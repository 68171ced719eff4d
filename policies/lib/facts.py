"""What the policies know besides the resources: the environment settings and the registry.

Under ``pulumi preview`` they are read from the repository (``Pulumi.<env>.yaml`` and the
tenant directory, honouring TENANCY_TENANTS_DIR). ``tenancy check`` installs the ones it
already loaded with ``use_facts`` so both paths judge with the same registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

from domain import names
from domain.environment import EnvironmentSettings
from domain.registry import Registry, TenantBase
from policies.lib.names_index import TenantNameIndex
from policies.lib.values import Undecided

T = TypeVar("T")


@dataclass(frozen=True)
class Facts:
    env: str
    settings: EnvironmentSettings | None = None
    registry: Registry | None = None
    problem: str | None = None  # why settings or registry are missing

    def tenant(self, tenant_id: str) -> TenantBase | None:
        return self.registry.get(tenant_id) if self.registry else None

    def require_registry(self) -> Registry:
        if self.registry is None:
            raise Undecided(
                f"the tenant registry of environment {self.env!r} is not available ({self.problem})"
            )
        return self.registry

    def require_settings(self) -> EnvironmentSettings:
        if self.settings is None:
            raise Undecided(
                f"the settings of environment {self.env!r} are not available ({self.problem})"
            )
        return self.settings

    def require_tenant(self, tenant_id: str) -> TenantBase:
        tenant = self.require_registry().get(tenant_id)
        if tenant is None:
            raise Undecided(f"tenant {tenant_id!r} is not in the registry")
        return tenant

    @cached_property
    def _derived(self) -> dict[str, Any]:
        return {}

    def derived(self, key: str, compute: Callable[[], T]) -> T:
        """What ``compute`` derives from these facts alone, computed once per facts (every stack
        of a check reads the same registry). Callers must not mutate the value."""
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    @cached_property
    def tenant_ids(self) -> tuple[str, ...]:
        return tuple(sorted(t.id for t in self.registry.tenants)) if self.registry else ()

    @cached_property
    def names(self) -> TenantNameIndex:
        settings = self.require_settings()
        registry = self.require_registry()  # without it no tenant name could ever be found
        hosts = {
            t.id: [names.subdomain_host(label, settings.app_domain)]
            for t in registry.tenants
            if isinstance(label := getattr(t, "host_label", None), str)
        }
        pools = tuple(c.name for c in settings.clusters)
        return TenantNameIndex(self.env, settings.project, self.tenant_ids, hosts, pools)


_installed: dict[str, Facts] = {}
_loaded: dict[str, Facts] = {}


@contextmanager
def use_facts(settings: EnvironmentSettings, registry: Registry) -> Iterator[Facts]:
    """Evaluate with these settings and this registry (``tenancy check`` and tests)."""
    env = settings.environment
    previous = _installed.get(env)
    facts = Facts(env, settings, registry)
    _installed[env] = facts
    try:
        yield facts
    finally:
        if previous is None:
            _installed.pop(env, None)
        else:
            _installed[env] = previous


def facts_for(env: str) -> Facts:
    if env in _installed:
        return _installed[env]
    if env not in _loaded:
        _loaded[env] = _load_from_repository(env)
    return _loaded[env]


def _load_from_repository(env: str) -> Facts:
    # Imported here: the engine path only needs them once per environment.
    from domain import tenants_dir
    from domain.environment import EnvironmentConfigError, load_environment
    from domain.project import ProjectNotFoundError
    from domain.registry import RegistryError, load_registry

    try:
        settings = load_environment(env)
    except EnvironmentConfigError as exc:
        return Facts(env, problem="; ".join(exc.problems))
    except ProjectNotFoundError as exc:
        return Facts(env, problem=str(exc))
    try:
        registry = load_registry(tenants_dir(), settings)
    except RegistryError as exc:
        return Facts(
            env, settings, problem=f"{len(exc.problems)} problem(s) in the tenant registry"
        )
    return Facts(env, settings, registry)
