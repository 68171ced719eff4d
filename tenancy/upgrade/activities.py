"""The upgrade's steps as Temporal activities. Each is idempotent: run twice, it does its work once
and reports the same. Data-safety refusals are non-retryable (retrying cannot help, compensating
does); anything else (a lost connection, a locked stack) is retried with backoff by Temporal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import psycopg
from psycopg import sql
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.stacks import platform_stack_name, tenant_stack_name
from tenancy.automation.adapter import StackOperations
from tenancy.db import catalog
from tenancy.db.connection import connect, set_tenant
from tenancy.db.datamove import migrate_data
from tenancy.db.errors import (
    ConnectionFailed,
    DatabaseToolError,
    UnknownTenant,
)
from tenancy.db.freeze import freeze, mark_moved, read_state, state_of, unfreeze
from tenancy.upgrade import model
from tenancy.upgrade.model import Progress, StepArgs, StepResult
from tenancy.upgrade.routing import Route, Routing, standard_route
from tenancy.upgrade.stores import (
    DocumentStore,
    ObjectStore,
    document_digest,
    tenant_document_root,
    tenant_object_prefix,
)

log = logging.getLogger("tenancy.upgrade")

IDENTITY_TYPE = "gcp:identityplatform/tenant:Tenant"
DESTRUCTIVE_OPS = frozenset(
    {"delete", "replace", "create-replacement", "delete-replaced", "discard", "import-replacement"}
)


@dataclass
class UpgradeDeps:
    """Everything the steps talk to. ``dedicated_*`` give the tenant's own database, Firestore
    database and bucket once its stack exists. ``before_step(step, tenant)`` runs at the start of
    every step and compensation, ``after_step`` once its work is done, before it reports back
    (tests inject failures with them: a failure after the work is a completion that got lost)."""

    operations: StackOperations
    shared_dsn: str
    dedicated_dsn: Callable[[str], str]
    shared_documents: DocumentStore
    dedicated_documents: Callable[[str], DocumentStore]
    shared_objects: ObjectStore
    dedicated_objects: Callable[[str], ObjectStore]
    routing: Routing
    before_step: Callable[[str, str], None] | None = None
    after_step: Callable[[str, str], None] | None = None


def _refuse(message: str) -> ApplicationError:
    return ApplicationError(message, type="UpgradeRefused", non_retryable=True)


class UpgradeActivities:
    def __init__(self, deps: UpgradeDeps) -> None:
        self.deps = deps

    def all(self) -> list[Callable[..., Any]]:
        return [getattr(self, name) for name in model.ACTIVITIES]

    def _begin(self, step: str, args: StepArgs) -> None:
        info = activity.info()
        log.info(
            "tenant=%s step=%s attempt=%d started",
            args.tenant,
            step,
            info.attempt,
            extra={"tenant": args.tenant, "step": step},
        )
        if self.deps.before_step is not None:
            self.deps.before_step(step, args.tenant)

    def _done(self, step: str, args: StepArgs, result: StepResult) -> StepResult:
        log.info(
            "tenant=%s step=%s done: %s",
            args.tenant,
            step,
            result.detail,
            extra={"tenant": args.tenant, "step": step},
        )
        if self.deps.after_step is not None:
            self.deps.after_step(step, args.tenant)
        return result

    # --- where an earlier run got to --------------------------------------------------------------
    @activity.defn(name=model.INSPECT)
    def inspect(self, args: StepArgs) -> Progress:
        shared = state_of(self.deps.shared_dsn, args.tenant)
        try:
            dedicated: str | None = state_of(
                self.deps.dedicated_dsn(args.tenant), args.tenant, role="dedicated"
            ).state
        except (ConnectionFailed, UnknownTenant, psycopg.errors.UndefinedTable):
            dedicated = None  # not provisioned yet, or no copy of the tenant there
        log.info(
            "tenant=%s inspect: shared %s, dedicated %s",
            args.tenant,
            shared.state,
            dedicated,
            extra={"tenant": args.tenant},
        )
        return Progress(shared.state, shared.freeze_id, dedicated)

    # --- the steps --------------------------------------------------------------------------------
    @activity.defn(name=model.CREATE_STACK)
    def create_stack(self, args: StepArgs) -> StepResult:
        self._begin(model.CREATE_STACK, args)
        stack = tenant_stack_name(args.env, args.tenant)
        result = self.deps.operations.up(stack)  # idempotent: an up of an up-to-date stack
        changes = ", ".join(f"{n} {op}" for op, n in sorted(result.changes.items())) or "none"
        return self._done(
            model.CREATE_STACK, args, StepResult(f"stack {stack} is up (changes: {changes})")
        )

    @activity.defn(name=model.FREEZE_SHARED)
    def freeze_shared(self, args: StepArgs) -> StepResult:
        self._begin(model.FREEZE_SHARED, args)
        state = freeze(self.deps.shared_dsn, args.tenant)
        if state.state == "moved":
            raise _refuse(f"tenant {args.tenant} was moved out of the shared database already")
        return self._done(
            model.FREEZE_SHARED,
            args,
            StepResult(
                f"writes of {args.tenant} refused in the shared database "
                f"(freeze {state.freeze_id})",
                freeze_id=state.freeze_id,
            ),
        )

    @activity.defn(name=model.COPY_POSTGRES)
    def copy_postgres(self, args: StepArgs) -> StepResult:
        self._begin(model.COPY_POSTGRES, args)
        try:
            report = migrate_data(
                args.tenant,
                self.deps.shared_dsn,
                self.deps.dedicated_dsn(args.tenant),
                resume=True,  # a retry re-verifies what an earlier attempt copied
            )
        except ConnectionFailed:
            raise  # transient: retried
        except DatabaseToolError as exc:
            raise _refuse(str(exc)) from None
        if report.freeze_id != args.freeze_id:
            raise _refuse(
                f"the copy ran under freeze {report.freeze_id}, not the upgrade's {args.freeze_id}"
            )
        return self._done(
            model.COPY_POSTGRES,
            args,
            StepResult(
                f"{report.total_rows} rows in {len(report.tables)} tables copied and verified "
                f"against the frozen source (export {report.export_id})"
            ),
        )

    @activity.defn(name=model.COPY_DOCUMENTS)
    def copy_documents(self, args: StepArgs) -> StepResult:
        self._begin(model.COPY_DOCUMENTS, args)
        root = tenant_document_root(args.tenant)
        source = self.deps.shared_documents
        target = self.deps.dedicated_documents(args.tenant)
        documents = source.list_tree(root)
        existing = target.list_tree(root)
        extra = sorted(set(existing) - set(documents))
        if extra:
            raise _refuse(
                f"the dedicated Firestore already holds documents of {args.tenant} that the shared "
                f"one does not: {', '.join(extra[:5])}"
            )
        for path, fields in documents.items():
            if document_digest(existing.get(path, {})) != document_digest(fields) or (
                path not in existing
            ):
                target.write(path, fields)
        # Verify against the source as it is now: a change during the copy shows up here.
        want = {p: document_digest(f) for p, f in source.list_tree(root).items()}
        have = {p: document_digest(f) for p, f in target.list_tree(root).items()}
        if want != have:
            differ = sorted(p for p in want.keys() | have.keys() if want.get(p) != have.get(p))
            raise _refuse(f"documents differ after the copy: {', '.join(differ[:5])}")
        return self._done(
            model.COPY_DOCUMENTS,
            args,
            StepResult(f"{len(want)} documents under {root} copied and verified"),
        )

    @activity.defn(name=model.COPY_OBJECTS)
    def copy_objects(self, args: StepArgs) -> StepResult:
        self._begin(model.COPY_OBJECTS, args)
        prefix = tenant_object_prefix(args.tenant)
        source = self.deps.shared_objects
        target = self.deps.dedicated_objects(args.tenant)
        objects = source.list(prefix)
        existing = target.list(prefix)
        extra = sorted(set(existing) - set(objects))
        if extra:
            raise _refuse(
                f"the dedicated bucket already holds objects of {args.tenant} that the shared one "
                f"does not: {', '.join(extra[:5])}"
            )
        for name, digest in objects.items():
            if existing.get(name) != digest:
                target.write(name, source.read(name))
        want, have = source.list(prefix), target.list(prefix)
        if want != have:
            differ = sorted(n for n in want.keys() | have.keys() if want.get(n) != have.get(n))
            raise _refuse(f"objects differ after the copy: {', '.join(differ[:5])}")
        size = sum(1 for _ in want)
        return self._done(
            model.COPY_OBJECTS,
            args,
            StepResult(f"{size} objects under {prefix} copied and verified (md5 per object)"),
        )

    @activity.defn(name=model.SWITCH_ROUTING)
    def switch_routing(self, args: StepArgs) -> StepResult:
        self._begin(model.SWITCH_ROUTING, args)
        route = standard_route(args.tenant)
        before = self.deps.routing.set(
            args.tenant, route, f"upgrade {model.workflow_id(args.env, args.tenant)}"
        )
        # A retry after a switch that went through sees the new route as "before": keep the
        # original from the first attempt if the workflow passed it back in.
        previous: dict | None = args.previous_route or asdict(before)
        if previous == asdict(route):
            previous = None
        return self._done(
            model.SWITCH_ROUTING,
            args,
            StepResult(
                f"traffic of {args.tenant} routed to namespace {route.namespace}",
                previous_route=previous,
            ),
        )

    @activity.defn(name=model.OPEN_DEDICATED)
    def open_dedicated(self, args: StepArgs) -> StepResult:
        self._begin(model.OPEN_DEDICATED, args)
        if args.freeze_id is None:
            raise _refuse("no freeze recorded: the shared side was never frozen by this upgrade")
        try:
            mark_moved(self.deps.shared_dsn, args.tenant, args.freeze_id)
            state = unfreeze(
                self.deps.dedicated_dsn(args.tenant),
                args.tenant,
                expect_freeze_id=args.freeze_id,
                tier="standard",
                role="dedicated",
            )
        except ConnectionFailed:
            raise
        except DatabaseToolError as exc:
            raise _refuse(str(exc)) from None
        return self._done(
            model.OPEN_DEDICATED,
            args,
            StepResult(
                f"{args.tenant} writes to its dedicated database ({state.state}, tier standard); "
                "the shared copy stays read-only (moved) until purge-tenant-data"
            ),
        )

    @activity.defn(name=model.REMOVE_FREE_TIER)
    def remove_free_tier(self, args: StepArgs) -> StepResult:
        self._begin(model.REMOVE_FREE_TIER, args)
        stack = platform_stack_name(args.env)
        preview = self.deps.operations.preview(stack)
        identity = [
            f"{c.op} {c.name}"
            for c in preview.resource_changes
            if c.type == IDENTITY_TYPE and c.op in DESTRUCTIVE_OPS
        ]
        if identity:
            raise _refuse(
                f"the platform stack {stack} would {', '.join(identity)}: an identity (and its "
                "users) is never removed by an upgrade; nothing was applied"
            )
        result = self.deps.operations.up(stack)
        removed = sum(n for op, n in result.changes.items() if op == "delete")
        return self._done(
            model.REMOVE_FREE_TIER,
            args,
            StepResult(
                f"platform stack {stack} updated: {removed} free-tier resources of "
                f"{args.tenant} removed; its identity kept"
            ),
        )

    # --- compensations ----------------------------------------------------------------------------
    @activity.defn(name=model.RESTORE_ROUTING)
    def restore_routing(self, args: StepArgs) -> StepResult:
        self._begin(model.RESTORE_ROUTING, args)
        current = self.deps.routing.get(args.tenant)
        if args.previous_route is None:
            # The switch failed before it reported back: route to the free tier, where it was.
            from tenancy.upgrade.routing import free_route

            target = free_route()
        else:
            target = Route(**args.previous_route)
        if current != target:
            self.deps.routing.set(
                args.tenant, target, f"compensation of {model.workflow_id(args.env, args.tenant)}"
            )
        return self._done(
            model.RESTORE_ROUTING,
            args,
            StepResult(f"traffic of {args.tenant} routed back to {target.namespace}"),
        )

    @activity.defn(name=model.DISCARD_DEDICATED)
    def discard_dedicated(self, args: StepArgs) -> StepResult:
        """Remove the partial or complete copy from the dedicated side, so a re-run starts clean.
        Refused once the dedicated side accepts writes: from then on it holds the only copy."""
        self._begin(model.DISCARD_DEDICATED, args)
        dsn = self.deps.dedicated_dsn(args.tenant)
        rows = 0
        try:
            with connect(dsn, "dedicated") as conn:
                set_tenant(conn, args.tenant)
                with conn.transaction():
                    try:
                        state = read_state(conn, args.tenant, lock="FOR UPDATE")
                    except UnknownTenant:
                        state = None
                    if state is not None and state.accepts_writes:
                        has_copy = conn.execute(
                            "SELECT count(*) FROM tenancy_ops.tenant_table_copies "
                            "WHERE tenant_id = %s",
                            [args.tenant],
                        ).fetchone()
                        if has_copy and has_copy[0]:
                            raise _refuse(
                                f"the dedicated database of {args.tenant} accepts writes: it is "
                                "live and holds the only copy; not discarding it"
                            )
                    for table in reversed(catalog.tenant_owned_tables(conn)):
                        rows += conn.execute(
                            sql.SQL("DELETE FROM {} WHERE {} = %s").format(
                                table.identifier, sql.Identifier(catalog.TENANT_COLUMN)
                            ),
                            [args.tenant],
                        ).rowcount
                    conn.execute(
                        "DELETE FROM tenancy_ops.tenant_table_copies WHERE tenant_id = %s",
                        [args.tenant],
                    )
        except ConnectionFailed:
            raise
        documents = self.deps.dedicated_documents(args.tenant)
        paths = documents.list_tree(tenant_document_root(args.tenant))
        for path in sorted(paths, key=lambda p: -p.count("/")):
            documents.delete(path)
        objects = self.deps.dedicated_objects(args.tenant)
        names = objects.list(tenant_object_prefix(args.tenant))
        for name in names:
            objects.delete(name)
        return self._done(
            model.DISCARD_DEDICATED,
            args,
            StepResult(
                f"dedicated copy discarded: {rows} rows, {len(paths)} documents, "
                f"{len(names)} objects"
            ),
        )

    @activity.defn(name=model.UNFREEZE_SHARED)
    def unfreeze_shared(self, args: StepArgs) -> StepResult:
        self._begin(model.UNFREEZE_SHARED, args)
        shared = state_of(self.deps.shared_dsn, args.tenant)
        if shared.state == "moved":
            try:
                dedicated = state_of(
                    self.deps.dedicated_dsn(args.tenant), args.tenant, role="dedicated"
                )
            except (ConnectionFailed, UnknownTenant):
                dedicated = None
            if dedicated is not None and dedicated.accepts_writes:
                raise _refuse(
                    f"{args.tenant} is live on its dedicated database: the shared side stays frozen"
                )
        unfreeze(self.deps.shared_dsn, args.tenant, expect_freeze_id=args.freeze_id)
        return self._done(
            model.UNFREEZE_SHARED,
            args,
            StepResult(f"writes of {args.tenant} accepted in the shared database again"),
        )
