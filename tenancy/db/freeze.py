"""The write freeze of one tenant (migration 0005): ``open`` -> ``frozen`` -> ``moved``.

The database enforces it: restrictive row-level security policies refuse every write of the
services (``tenancy_app``) to a tenant that is not ``open``, with SQLSTATE 25006. Freezing waits
for the writes in flight (they hold a share lock on the tenant record), so once ``freeze`` returns
nothing of the tenant changes any more. Every function here is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import psycopg

from tenancy.db.connection import connect, describe_dsn, set_tenant
from tenancy.db.errors import DatabaseToolError, UnknownTenant

WriteStateName = Literal["open", "frozen", "moved"]
# How long a freeze waits for the tenant's writes in flight before it gives up (and is retried).
FREEZE_LOCK_TIMEOUT = "15s"
FROZEN_SQLSTATE = "25006"  # read_only_sql_transaction: what a refused write gets


class FreezeError(DatabaseToolError):
    pass


@dataclass(frozen=True)
class WriteState:
    tenant: str
    state: WriteStateName
    freeze_id: str | None
    since: datetime

    @property
    def accepts_writes(self) -> bool:
        return self.state == "open"


def read_state(conn: psycopg.Connection, tenant: str, *, lock: str = "") -> WriteState:
    """The tenant's write state; ``conn`` must be scoped to the tenant. ``lock`` e.g. FOR SHARE."""
    row = conn.execute(
        "SELECT write_state, write_freeze_id::text, write_state_since FROM public.tenants "
        f"WHERE id = %s {lock}",
        [tenant],
    ).fetchone()
    if row is None:
        raise UnknownTenant(f"tenant '{tenant}' does not exist in this database")
    return WriteState(tenant, row[0], row[1], row[2])


def _transition(
    dsn: str,
    tenant: str,
    role: str,
    change: str,
    params: list[object],
) -> WriteState:
    with connect(dsn, role) as conn:
        set_tenant(conn, tenant)
        with conn.transaction():
            conn.execute("SELECT set_config('lock_timeout', %s, true)", [FREEZE_LOCK_TIMEOUT])
            read_state(conn, tenant, lock="FOR UPDATE")  # waits for the writes in flight
            conn.execute(change, [*params, tenant])
            return read_state(conn, tenant)


def freeze(
    dsn: str, tenant: str, *, freeze_id: str | None = None, role: str = "shared"
) -> WriteState:
    """Refuse the tenant's writes from now on. A frozen or moved tenant stays as it is (same
    freeze). ``freeze_id`` sets a given id (the dedicated side takes the source's)."""
    return _transition(
        dsn,
        tenant,
        role,
        "UPDATE public.tenants SET write_state = 'frozen', "
        "write_freeze_id = coalesce(%s::uuid, gen_random_uuid()), write_state_since = now() "
        "WHERE id = %s AND write_state = 'open'",
        [freeze_id],
    )


def mark_moved(dsn: str, tenant: str, freeze_id: str, *, role: str = "shared") -> WriteState:
    """The tenant lives elsewhere now: keep refusing its writes here, under the same freeze."""
    state = _transition(
        dsn,
        tenant,
        role,
        "UPDATE public.tenants SET write_state = 'moved', write_state_since = now() "
        "WHERE write_state = 'frozen' AND write_freeze_id = %s::uuid AND id = %s",
        [freeze_id],
    )
    if state.state != "moved" or state.freeze_id != freeze_id:
        raise FreezeError(
            f"tenant '{tenant}' in {describe_dsn(dsn)} is {state.state} under freeze "
            f"{state.freeze_id}, not frozen under {freeze_id}: it cannot be marked moved"
        )
    return state


def unfreeze(
    dsn: str,
    tenant: str,
    *,
    expect_freeze_id: str | None = None,
    tier: str | None = None,
    role: str = "shared",
) -> WriteState:
    """Accept the tenant's writes again (optionally recording its tier). With
    ``expect_freeze_id``, only that freeze is lifted: a tenant frozen by someone else is refused."""
    with connect(dsn, role) as conn:
        set_tenant(conn, tenant)
        with conn.transaction():
            conn.execute("SELECT set_config('lock_timeout', %s, true)", [FREEZE_LOCK_TIMEOUT])
            current = read_state(conn, tenant, lock="FOR UPDATE")
            if (
                expect_freeze_id is not None
                and current.state != "open"
                and current.freeze_id != expect_freeze_id
            ):
                raise FreezeError(
                    f"tenant '{tenant}' in {describe_dsn(dsn)} is under freeze "
                    f"{current.freeze_id}, not {expect_freeze_id}: not unfreezing it"
                )
            conn.execute(
                "UPDATE public.tenants SET write_state = 'open', write_freeze_id = NULL, "
                "write_state_since = CASE WHEN write_state = 'open' THEN write_state_since "
                "ELSE now() END, tier = coalesce(%s, tier) WHERE id = %s",
                [tier, tenant],
            )
            return read_state(conn, tenant)


def state_of(dsn: str, tenant: str, *, role: str = "shared") -> WriteState:
    with connect(dsn, role) as conn:
        set_tenant(conn, tenant)
        return read_state(conn, tenant)
