"""Cloud SQL facts shared by the sql-* rules."""

from __future__ import annotations

from policies.lib.resources import Subject
from policies.lib.values import elements, get


def is_replica(instance: Subject) -> bool:
    """Read replicas take their backups, PITR and deletion from the primary."""
    return (
        bool(instance.get("masterInstanceName"))
        or instance.get("instanceType") == "READ_REPLICA_INSTANCE"
    )


def is_postgres(instance: Subject) -> bool:
    return str(instance.get("databaseVersion", "")).upper().startswith("POSTGRES")


def database_flags(instance: Subject) -> dict[str, str]:
    """The instance's ``settings.databaseFlags`` as name -> value."""
    return {
        str(get(f, "name")): str(get(f, "value"))
        for f in elements(instance.get("settings.databaseFlags"), "settings.databaseFlags")
    }
