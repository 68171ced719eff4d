"""The upgrade workflow's data: plain dataclasses, no I/O (they cross Temporal's sandbox)."""

from __future__ import annotations

from dataclasses import dataclass, field

WORKFLOW_NAME = "TenantUpgrade"
DEFAULT_TASK_QUEUE = "tenancy-lifecycle"

# The steps, in order. The tenant is live on its dedicated side from OPEN_DEDICATED on: before it
# every step can be undone without losing a write (the dedicated side refuses writes until then),
# after it the way is forward only.
CREATE_STACK = "create_stack"
FREEZE_SHARED = "freeze_shared"
COPY_POSTGRES = "copy_postgres"
COPY_DOCUMENTS = "copy_documents"
COPY_OBJECTS = "copy_objects"
SWITCH_ROUTING = "switch_routing"
OPEN_DEDICATED = "open_dedicated"
REMOVE_FREE_TIER = "remove_free_tier"
BEFORE_PIVOT = (
    CREATE_STACK,
    FREEZE_SHARED,
    COPY_POSTGRES,
    COPY_DOCUMENTS,
    COPY_OBJECTS,
    SWITCH_ROUTING,
    OPEN_DEDICATED,
)
STEPS = (*BEFORE_PIVOT, REMOVE_FREE_TIER)

# Activities that undo steps, and one that reads where an earlier run got to.
INSPECT = "inspect"
RESTORE_ROUTING = "restore_routing"
DISCARD_DEDICATED = "discard_dedicated"
UNFREEZE_SHARED = "unfreeze_shared"
ACTIVITIES = (*STEPS, INSPECT, RESTORE_ROUTING, DISCARD_DEDICATED, UNFREEZE_SHARED)


def workflow_id(env: str, tenant: str) -> str:
    """One upgrade per tenant and environment at a time; the id says whose it is."""
    return f"upgrade-{env}-{tenant}"


@dataclass
class UpgradeInput:
    tenant: str
    env: str = "dev"
    to_tier: str = "standard"
    # Every activity is retried with exponential backoff (coefficient 2) up to this many attempts.
    retry_initial_seconds: float = 2.0
    retry_maximum_seconds: float = 60.0
    retry_maximum_attempts: int = 6
    step_timeout_seconds: float = 900.0


@dataclass
class StepArgs:
    tenant: str
    env: str
    freeze_id: str | None = None
    previous_route: dict | None = None


@dataclass
class StepResult:
    detail: str
    freeze_id: str | None = None
    previous_route: dict | None = None


@dataclass
class Progress:
    """Where an earlier run left the tenant."""

    shared_state: str
    shared_freeze_id: str | None
    dedicated_state: str | None  # None: no dedicated database or no record of the tenant there

    @property
    def live_on_dedicated(self) -> bool:
        return self.shared_state == "moved" and self.dedicated_state == "open"


@dataclass
class StepRecord:
    step: str
    state: str = "pending"  # pending | running | done | skipped | failed | compensated
    detail: str = ""
    started_at: str = ""
    finished_at: str = ""


@dataclass
class UpgradeOutcome:
    tenant: str
    result: str  # upgraded | compensated
    steps: list[StepRecord] = field(default_factory=list)
