"""The tenant registry: ``tenants/<id>.yaml`` files validated into typed tenants."""

from domain.registry.loader import Problem, Registry, RegistryError, load_registry
from domain.registry.models import EnterpriseTenant, FreeTenant, StandardTenant, TenantBase

__all__ = [
    "EnterpriseTenant",
    "FreeTenant",
    "Problem",
    "Registry",
    "RegistryError",
    "StandardTenant",
    "TenantBase",
    "load_registry",
]
