"""The Free -> Standard upgrade workflow: orchestration only; every effect is an activity.

Before the pivot (OPEN_DEDICATED) a failed step is compensated in reverse: the routing goes back,
the dedicated copy is discarded, the shared side is unfrozen. The tenant is a working free tenant
again and a re-run starts over. From the pivot on the tenant writes to its dedicated database, so
nothing is undone: the remaining step is retried, and a re-run finishes it (``inspect`` tells a
re-run where the earlier one got to).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from tenancy.upgrade import model
    from tenancy.upgrade.model import (
        Progress,
        StepArgs,
        StepRecord,
        StepResult,
        UpgradeInput,
        UpgradeOutcome,
    )

# What undoes each step before the pivot (None: nothing to undo, or undone by a later entry).
_UNDO = {
    model.CREATE_STACK: None,  # the stack stays: a re-run reuses it; removing it is offboarding
    model.FREEZE_SHARED: model.UNFREEZE_SHARED,
    model.COPY_POSTGRES: model.DISCARD_DEDICATED,
    model.COPY_DOCUMENTS: model.DISCARD_DEDICATED,
    model.COPY_OBJECTS: model.DISCARD_DEDICATED,
    model.SWITCH_ROUTING: model.RESTORE_ROUTING,
    model.OPEN_DEDICATED: model.DISCARD_DEDICATED,
}

_COMPENSATION_ORDER = (model.RESTORE_ROUTING, model.DISCARD_DEDICATED, model.UNFREEZE_SHARED)


def _cause(error: BaseException) -> str:
    while isinstance(error, ActivityError) and error.cause is not None:
        error = error.cause
    return str(error)


@workflow.defn(name=model.WORKFLOW_NAME)
class UpgradeWorkflow:
    def __init__(self) -> None:
        self.steps = {name: StepRecord(name) for name in model.STEPS}
        self.phase = "starting"
        self.tenant = ""

    @workflow.query
    def status(self) -> dict:
        return self._status()

    def _status(self) -> dict:
        return {
            "tenant": self.tenant,
            "phase": self.phase,
            "steps": [asdict(s) for s in self.steps.values()],
        }

    def _publish(self) -> None:
        # The memo survives the run: `tenancy upgrade ID --status` reads it without a worker.
        workflow.upsert_memo({"upgrade": self._status()})

    def _mark(self, step: str, state: str, detail: str = "") -> None:
        record = self.steps[step]
        now = workflow.now().isoformat(timespec="seconds")
        if state == "running":
            record.started_at = now
        else:
            record.finished_at = now
        record.state, record.detail = state, detail or record.detail
        workflow.logger.info("tenant=%s step=%s %s %s", self.tenant, step, state, detail)
        self._publish()

    def _options(self, inp: UpgradeInput, attempts: int | None = None) -> dict:
        return {
            "start_to_close_timeout": timedelta(seconds=inp.step_timeout_seconds),
            "retry_policy": RetryPolicy(
                initial_interval=timedelta(seconds=inp.retry_initial_seconds),
                backoff_coefficient=2.0,
                maximum_interval=timedelta(seconds=inp.retry_maximum_seconds),
                maximum_attempts=attempts or inp.retry_maximum_attempts,
            ),
        }

    async def _call(self, inp: UpgradeInput, name: str, args: StepArgs, result_type, **kw):
        return await workflow.execute_activity(
            name, args, result_type=result_type, **self._options(inp, **kw)
        )

    async def _step(self, inp: UpgradeInput, step: str, args: StepArgs) -> StepResult:
        self._mark(step, "running")
        try:
            result: StepResult = await self._call(inp, step, args, StepResult)
        except ActivityError as err:
            self._mark(step, "failed", _cause(err))
            raise
        self._mark(step, "done", result.detail)
        return result

    @workflow.run
    async def run(self, inp: UpgradeInput) -> UpgradeOutcome:
        self.tenant = inp.tenant
        if inp.to_tier != "standard":
            raise ApplicationError(
                f"only free -> standard has an upgrade path, not -> {inp.to_tier}",
                non_retryable=True,
            )
        args = StepArgs(inp.tenant, inp.env)
        self.phase = "inspecting"
        progress: Progress = await self._call(inp, model.INSPECT, args, Progress)
        workflow.logger.info("tenant=%s progress %s", inp.tenant, progress)

        if progress.live_on_dedicated:
            for step in model.BEFORE_PIVOT:
                self.steps[step].state, self.steps[step].detail = (
                    "skipped",
                    "done by an earlier run",
                )
            args.freeze_id = progress.shared_freeze_id
        else:
            self.phase = "moving"
            done: list[str] = []
            for step in model.BEFORE_PIVOT:
                try:
                    result = await self._step(inp, step, args)
                except ActivityError as err:
                    await self._compensate(inp, args, [*done, step])
                    self.phase = "compensated"
                    self._publish()
                    raise ApplicationError(
                        f"upgrade of tenant {inp.tenant} failed at {step}: {_cause(err)}. "
                        "Compensated: it is a free tenant again (unfrozen, routing unchanged); "
                        "run the upgrade again once the cause is fixed",
                        non_retryable=True,
                    ) from err
                done.append(step)
                if result.freeze_id:
                    args.freeze_id = result.freeze_id
                if result.previous_route is not None:
                    args.previous_route = result.previous_route

        self.phase = "live on dedicated; removing free-tier resources"
        try:
            await self._step(inp, model.REMOVE_FREE_TIER, args)
        except ActivityError as err:
            self.phase = "live on dedicated; free-tier removal failed"
            self._publish()
            raise ApplicationError(
                f"tenant {inp.tenant} is live on its dedicated side, but removing its free-tier "
                f"resources failed: {_cause(err)}. Run the upgrade again to finish it",
                non_retryable=True,
            ) from err
        self.phase = "upgraded"
        self._publish()
        return UpgradeOutcome(inp.tenant, "upgraded", list(self.steps.values()))

    async def _compensate(self, inp: UpgradeInput, args: StepArgs, touched: list[str]) -> None:
        """Undo what the steps that ran did (the failed one too: it may have done part of its
        work): traffic back first, then the copy, then the freeze. Compensations retry longer:
        they must finish."""
        self.phase = "compensating"
        self._publish()
        needed = {_UNDO[step] for step in touched}
        for undo in _COMPENSATION_ORDER:
            if undo not in needed:
                continue
            workflow.logger.info("tenant=%s compensating with %s", inp.tenant, undo)
            result: StepResult = await self._call(
                inp, undo, args, StepResult, attempts=inp.retry_maximum_attempts * 3
            )
            for name in touched:
                if _UNDO[name] == undo and self.steps[name].state == "done":
                    self._mark(name, "compensated", result.detail)
