"""The worker that runs upgrades, and the client calls that start them and read their status."""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.worker import Worker

from tenancy.upgrade import model
from tenancy.upgrade.activities import UpgradeActivities, UpgradeDeps
from tenancy.upgrade.model import UpgradeInput, UpgradeOutcome
from tenancy.upgrade.workflow import UpgradeWorkflow

ADDRESS_ENV = "TEMPORAL_ADDRESS"
NAMESPACE_ENV = "TEMPORAL_NAMESPACE"
API_KEY_ENV = "TEMPORAL_API_KEY"  # Temporal Cloud; never printed
DEFAULT_ADDRESS = "127.0.0.1:7233"


@dataclass(frozen=True)
class TemporalTarget:
    address: str
    namespace: str
    task_queue: str = model.DEFAULT_TASK_QUEUE

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        address: str | None = None,
        namespace: str | None = None,
        task_queue: str | None = None,
    ) -> TemporalTarget:
        env = os.environ if environ is None else environ
        return cls(
            address or env.get(ADDRESS_ENV) or DEFAULT_ADDRESS,
            namespace or env.get(NAMESPACE_ENV) or "default",
            task_queue or model.DEFAULT_TASK_QUEUE,
        )


async def connect(target: TemporalTarget, environ: Mapping[str, str] | None = None) -> Client:
    env = os.environ if environ is None else environ
    api_key = env.get(API_KEY_ENV)
    return await Client.connect(
        target.address, namespace=target.namespace, api_key=api_key, tls=bool(api_key)
    )


def make_worker(
    client: Client, task_queue: str, deps: UpgradeDeps, executor: ThreadPoolExecutor
) -> Worker:
    """The steps block (database copies, HTTP), so they run in ``executor``'s threads."""
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[UpgradeWorkflow],
        activities=UpgradeActivities(deps).all(),
        activity_executor=executor,
    )


async def start_upgrade(client: Client, task_queue: str, inp: UpgradeInput) -> WorkflowHandle:
    """Start (or, after a failed or finished run, re-run) the tenant's upgrade. A run in progress
    is not started twice: Temporal refuses a second workflow with the same id."""
    return await client.start_workflow(
        model.WORKFLOW_NAME,
        inp,
        id=model.workflow_id(inp.env, inp.tenant),
        task_queue=task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        result_type=UpgradeOutcome,
    )


@dataclass
class UpgradeStatus:
    workflow_id: str
    run_status: str  # RUNNING, COMPLETED, FAILED, ...
    phase: str
    steps: list[dict[str, Any]]


async def upgrade_status(client: Client, env: str, tenant: str) -> UpgradeStatus | None:
    """The latest run's steps, from its memo: readable without a worker, also after it ended."""
    handle = client.get_workflow_handle(model.workflow_id(env, tenant))
    try:
        description = await handle.describe()
    except Exception as exc:  # RPCError NOT_FOUND: never started
        if "not found" in str(exc).lower():
            return None
        raise
    memo = await description.memo()
    status = memo.get("upgrade") or {}
    run_status = (
        description.status.name if isinstance(description.status, WorkflowExecutionStatus) else "?"
    )
    return UpgradeStatus(
        handle.id, run_status, status.get("phase", "starting"), status.get("steps", [])
    )


def deps_from_env(env_name: str, environ: Mapping[str, str] | None = None) -> UpgradeDeps:
    """The worker's connections, from the environment (DSNs are secrets: never in files):
    TENANCY_SHARED_DSN, TENANCY_DEDICATED_DSN (with {tenant}), TENANCY_FIRESTORE_URL (or
    FIRESTORE_EMULATOR_HOST) and TENANCY_GCP_PROJECT, TENANCY_OBJECTS_DIR, TENANCY_ROUTING_FILE."""
    from domain.names import firestore_database, shared_firestore_database
    from domain.project import project_root
    from tenancy.automation.adapter import PulumiAutomation, resolve_backend
    from tenancy.upgrade.routing import FileRouting
    from tenancy.upgrade.stores import DirectoryObjectStore, FirestoreRestStore

    env = os.environ if environ is None else environ
    missing = [
        name
        for name in (
            "TENANCY_SHARED_DSN",
            "TENANCY_DEDICATED_DSN",
            "TENANCY_GCP_PROJECT",
            "TENANCY_OBJECTS_DIR",
            "TENANCY_ROUTING_FILE",
        )
        if not env.get(name)
    ]
    firestore = env.get("TENANCY_FIRESTORE_URL") or (
        f"http://{env['FIRESTORE_EMULATOR_HOST']}" if env.get("FIRESTORE_EMULATOR_HOST") else ""
    )
    if not firestore:
        missing.append("TENANCY_FIRESTORE_URL or FIRESTORE_EMULATOR_HOST")
    if missing:
        raise KeyError(", ".join(missing))
    project = env["TENANCY_GCP_PROJECT"]
    objects = Path(env["TENANCY_OBJECTS_DIR"])
    dedicated_template = env["TENANCY_DEDICATED_DSN"]
    return UpgradeDeps(
        operations=PulumiAutomation(project_root(), resolve_backend(None, env, project_root())),
        shared_dsn=env["TENANCY_SHARED_DSN"],
        dedicated_dsn=lambda tenant: dedicated_template.replace("{tenant}", tenant),
        shared_documents=FirestoreRestStore(
            firestore, project, shared_firestore_database(env_name)
        ),
        dedicated_documents=lambda tenant: FirestoreRestStore(
            firestore, project, firestore_database(tenant)
        ),
        shared_objects=DirectoryObjectStore(objects / "shared"),
        dedicated_objects=lambda tenant: DirectoryObjectStore(objects / tenant),
        routing=FileRouting(env["TENANCY_ROUTING_FILE"]),
    )
