"""Cloud SQL facts shared by the sql-* rules."""

from __future__ import annotations

from policies.lib.resources import Subject


def is_replica(instance: Subject) -> bool:
    """Read replicas take their backups, PITR and deletion from the primary."""
    return (
        bool(instance.get("masterInstanceName"))
        or instance.get("instanceType") == "READ_REPLICA_INSTANCE"
    )


def is_postgres(instance: Subject) -> bool:
    return str(instance.get("databaseVersion", "")).upper().startswith("POSTGRES")
