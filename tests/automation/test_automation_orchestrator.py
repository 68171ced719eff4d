"""The orchestrator against a fake of the adapter: ordering, parallelism, retries, failures, guards,
summaries."""

from __future__ import annotations

import io
import itertools
import threading

import pytest
from automation_fakes import FakeOperations, locked
from rich.console import Console

from domain.stacks import StackSpec, all_stacks
from tenancy.automation.adapter import OperationFailed, OperationResult, ResourceChange
from tenancy.automation.orchestrator import Orchestrator, RetryPolicy
from tenancy.automation.reports import (
    Operation,
    Outcome,
    format_changes,
    markdown_report,
    print_report,
    summary_table,
    write_step_summary,
)
from tenancy.automation.selection import destroy_refusals, resolve_selection


def quiet() -> Console:
    return Console(file=io.StringIO(), width=200)


def no_sleep_retry(**kwargs) -> tuple[RetryPolicy, list[float]]:
    sleeps: list[float] = []
    return RetryPolicy(sleep=sleeps.append, jitter=lambda: 0.5, **kwargs), sleeps


def run(ops, stacks, operation=Operation.UP, parallel=4, preview_only=False, **kwargs):
    orchestrator = Orchestrator(
        ops, parallel=parallel, console=kwargs.pop("console", quiet()), **kwargs
    )
    return orchestrator.run(operation, stacks, preview_only=preview_only)


@pytest.fixture
def stacks(registry):
    return all_stacks(registry, "dev")  # dev, dev.globex, dev.initech, dev.umbrella


# --- ordering and parallelism ---------------------------------------------------------------------


@pytest.mark.parametrize("operation", [Operation.PREVIEW, Operation.UP, Operation.REFRESH])
def test_platform_stack_finishes_before_any_tenant_stack_starts(stacks, operation):
    ops = FakeOperations(linger=0.05)
    run(ops, stacks, operation)
    events = [(kind, stack) for kind, _, stack in ops.events]
    platform_end = events.index(("end", "dev"))
    first_tenant_start = min(
        i for i, (kind, stack) in enumerate(events) if kind == "start" and stack != "dev"
    )
    assert platform_end < first_tenant_start
    assert sorted(stack for _, stack in ops.calls) == [
        "dev",
        "dev.globex",
        "dev.initech",
        "dev.umbrella",
    ]


@pytest.mark.parametrize("parallel", [1, 2, 3])
def test_tenant_stacks_run_with_bounded_parallelism(registry, parallel):
    tenant = registry.get("globex")
    many = [StackSpec(f"dev.t{i:02}", "dev", "tenant", tenant) for i in range(9)]
    ops = FakeOperations(gate=parallel, expected_calls=len(many), linger=0.05)
    report = run(ops, many, parallel=parallel)
    assert ops.max_active == parallel  # reached the bound, never exceeded it
    assert [r.stack for r in report.stacks] == [s.name for s in many]  # reported in selection order


def test_parallel_must_be_positive():
    with pytest.raises(ValueError):
        Orchestrator(FakeOperations(), parallel=0)


# --- retries --------------------------------------------------------------------------------------


def test_a_locked_stack_is_retried_with_growing_delays(stacks):
    ok = OperationResult(changes={"update": 2})
    ops = FakeOperations({("up", "dev.globex"): [locked(), locked(), ok]})
    retry, sleeps = no_sleep_retry(base_delay=2.0)
    report = run(ops, stacks, retry=retry).by_stack()["dev.globex"]
    assert report.outcome == Outcome.SUCCEEDED
    assert report.attempts == 3
    assert report.changes == {"update": 2}
    assert sleeps == [1.5, 3.0]  # 2s then 4s ceilings, half fixed + half jitter(0.5)
    assert ops.calls.count(("up", "dev.globex")) == 3


def test_retries_are_bounded_and_then_fail_only_that_stack(stacks):
    ops = FakeOperations({("up", "dev.globex"): [locked()] * 10})
    retry, sleeps = no_sleep_retry(max_attempts=4)
    report = run(ops, stacks, retry=retry)
    globex = report.by_stack()["dev.globex"]
    assert globex.outcome == Outcome.FAILED
    assert "locked" in globex.detail and globex.attempts == 4
    assert ops.calls.count(("up", "dev.globex")) == 4 and len(sleeps) == 3
    assert report.by_stack()["dev.initech"].outcome == Outcome.SUCCEEDED
    assert report.exit_code == 1


@pytest.mark.parametrize("jitter", [0.0, 0.999])
def test_backoff_is_jittered_and_capped(jitter):
    retry = RetryPolicy(base_delay=2.0, max_delay=10.0, jitter=lambda: jitter)
    delays = [retry.delay(n) for n in range(1, 8)]
    ceilings = [min(10.0, 2.0 * 2 ** (n - 1)) for n in range(1, 8)]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling
    assert max(delays) <= 10.0


# --- failures -------------------------------------------------------------------------------------


def test_one_failing_tenant_does_not_stop_the_others(stacks):
    failure = OperationFailed(
        "dev.globex",
        "up",
        "error: quota exceeded",
        stdout="Updating (dev.globex)",
        stderr="error: googleapi: Error 403: quota exceeded",
    )
    ops = FakeOperations({("up", "dev.globex"): [failure]})
    report = run(ops, stacks)
    outcomes = {r.stack: r.outcome for r in report.stacks}
    assert outcomes == {
        "dev": Outcome.SUCCEEDED,
        "dev.globex": Outcome.FAILED,
        "dev.initech": Outcome.SUCCEEDED,
        "dev.umbrella": Outcome.SUCCEEDED,
    }
    assert report.exit_code == 1
    globex = report.by_stack()["dev.globex"]
    assert "Error 403" in globex.stderr and "Updating (dev.globex)" in globex.stdout


def test_an_unexpected_exception_fails_only_its_stack(stacks):
    ops = FakeOperations({("preview", "dev.initech"): [RuntimeError("boom")]})
    report = run(ops, stacks, Operation.PREVIEW)
    assert report.by_stack()["dev.initech"].outcome == Outcome.FAILED
    assert "boom" in report.by_stack()["dev.initech"].detail
    assert sum(r.outcome == Outcome.SUCCEEDED for r in report.stacks) == 3


def test_all_succeeded_exits_zero(stacks):
    assert run(FakeOperations(), stacks).exit_code == 0


def test_a_failed_platform_up_skips_the_tenant_stacks(stacks):
    ops = FakeOperations(
        {("up", "dev"): [OperationFailed("dev", "up", "error: boom", stderr="error: boom")]},
        linger=0.05,
    )
    report = run(ops, stacks)
    assert ops.calls == [("up", "dev")]
    assert [r.outcome for r in report.stacks] == [Outcome.FAILED] + [Outcome.SKIPPED] * 3
    assert all("platform stack failed" in r.detail for r in report.stacks[1:])
    assert report.exit_code == 1
    console = quiet()
    print_report(report, console)
    assert "dev.initech: skipped: the platform stack failed" in console.file.getvalue()


@pytest.mark.parametrize("operation", [Operation.PREVIEW, Operation.REFRESH])
def test_a_failed_platform_preview_or_refresh_still_runs_the_tenants(stacks, operation):
    op_name = "preview" if operation == Operation.PREVIEW else "refresh"
    ops = FakeOperations({(op_name, "dev"): [OperationFailed("dev", op_name, "error: boom")]})
    report = run(ops, stacks, operation)
    assert len(ops.calls) == 4
    assert [r.outcome for r in report.stacks] == [Outcome.FAILED] + [Outcome.SUCCEEDED] * 3


def test_failure_output_is_printed_with_the_stack(stacks):
    failure = OperationFailed(
        "dev.globex", "up", "error: quota exceeded", stderr="error: googleapi: Error 403"
    )
    report = run(FakeOperations({("up", "dev.globex"): [failure]}), stacks)
    console = quiet()
    print_report(report, console)
    text = console.file.getvalue()
    assert "dev.globex: up failed" in text and "Error 403" in text


# --- destroy --------------------------------------------------------------------------------------


def test_destroy_removes_resources_then_the_stack_tenants_before_platform(stacks):
    ops = FakeOperations(default=OperationResult(changes={"delete": 5}))
    report = run(ops, stacks, Operation.DESTROY, parallel=1)
    assert ops.calls == [
        ("destroy", "dev.globex"),
        ("remove", "dev.globex"),
        ("destroy", "dev.initech"),
        ("remove", "dev.initech"),
        ("destroy", "dev.umbrella"),
        ("remove", "dev.umbrella"),
        ("destroy", "dev"),
        ("remove", "dev"),
    ]
    assert all(r.changes == {"delete": 5} for r in report.stacks)
    assert [r.stack for r in report.stacks][-1] == "dev"


def test_destroy_keeps_the_stack_when_its_resources_could_not_be_destroyed(stacks):
    ops = FakeOperations(
        {("destroy", "dev.globex"): [OperationFailed("dev.globex", "destroy", "error: in use")]}
    )
    report = run(ops, stacks, Operation.DESTROY)
    assert ("remove", "dev.globex") not in ops.calls
    assert ("remove", "dev.initech") in ops.calls
    # The platform stack outlives a tenant stack that still exists.
    assert ("destroy", "dev") not in ops.calls
    assert report.by_stack()["dev"].outcome == Outcome.SKIPPED


def test_destroy_guards(registry, stacks):
    by_name = {s.name: s for s in stacks}
    assert destroy_refusals([by_name["dev.umbrella"]], registry, allow_platform=False) == []

    active = destroy_refusals([by_name["dev.globex"]], registry, allow_platform=False)
    assert (
        len(active) == 1
        and "globex" in active[0]
        and "'active'" in active[0]
        and "offboarding" in active[0]
    )

    platform = destroy_refusals([by_name["dev"]], registry, allow_platform=False)
    assert len(platform) == 1 and "--destroy-platform" in platform[0]
    assert destroy_refusals([by_name["dev"]], registry, allow_platform=True) == []

    free = destroy_refusals(
        resolve_selection(registry, "dev", ["acme"]).stacks, registry, True, ["acme"]
    )
    assert len(free) == 1 and "free tenant" in free[0]


# --- drift ----------------------------------------------------------------------------------------


def drifted() -> OperationResult:
    change = ResourceChange(
        "update",
        "urn:pulumi:dev.globex::tenancy::gcp:storage/bucket:Bucket::globex-uploads",
        "gcp:storage/bucket:Bucket",
        ("labels",),
    )
    return OperationResult(
        changes={"same": 10, "update": 1}, stdout="~ 1 to update", resource_changes=[change]
    )


def test_refresh_preview_only_reports_drift_and_fails(stacks):
    ops = FakeOperations(
        {("refresh-preview", "dev.globex"): [drifted()]},
        default=OperationResult(changes={"same": 4}),
    )
    report = run(ops, stacks, Operation.REFRESH, preview_only=True)
    assert report.by_stack()["dev.globex"].outcome == Outcome.DRIFT
    assert report.by_stack()["dev.initech"].outcome == Outcome.SUCCEEDED
    assert report.exit_code == 1
    markdown = markdown_report(report)
    assert (
        "Drift in `dev.globex`" in markdown
        and "globex-uploads" in markdown
        and "labels" in markdown
    )


def test_a_real_refresh_applies_changes_and_succeeds(stacks):
    ops = FakeOperations(default=drifted())
    report = run(ops, stacks, Operation.REFRESH, preview_only=False)
    assert report.exit_code == 0
    assert all(call[0] == "refresh" for call in ops.calls)


# --- summaries ------------------------------------------------------------------------------------


def test_summary_table_lists_stack_operation_changes_duration_and_result(stacks):
    ticks = itertools.count(step=1.5)
    lock = threading.Lock()

    def clock() -> float:
        with lock:
            return next(ticks)

    ops = FakeOperations(
        {
            ("up", "dev.initech"): [OperationFailed("dev.initech", "up", "error: x")],
            ("up", "dev.umbrella"): [locked(), OperationResult(changes={"delete": 3})],
        },
        default=OperationResult(changes={"same": 7, "create": 2, "update": 1}),
    )
    retry, _ = no_sleep_retry()
    report = run(ops, stacks, parallel=1, clock=clock, retry=retry)
    console = quiet()
    console.print(summary_table(report))
    lines = console.file.getvalue().replace("┃", "│").splitlines()
    rows = {
        line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
        for line in lines
        if line.count("│") == 6
    }
    assert rows["Stack"] == ["Operation", "Changes", "Duration", "Result"]
    assert rows["dev"] == ["up", "2 create, 1 update", "1.5s", "succeeded"]
    assert rows["dev.initech"] == ["up", "no changes", "1.5s", "failed"]
    assert rows["dev.umbrella"] == ["up", "3 delete", "1.5s", "succeeded (2 attempts)"]


def test_format_changes_orders_and_hides_unchanged():
    assert format_changes({"same": 3}) == "no changes"
    assert (
        format_changes({"delete": 1, "same": 2, "create": 4, "replace": 1})
        == "4 create, 1 replace, 1 delete"
    )


def test_step_summary_is_appended_when_running_in_actions(stacks, tmp_path):
    ops = FakeOperations(
        {
            ("up", "dev.globex"): [
                OperationFailed("dev.globex", "up", "error: boom", stderr="error: boom")
            ]
        }
    )
    report = run(ops, stacks)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    assert write_step_summary(report, {"GITHUB_STEP_SUMMARY": str(summary)}) == summary
    text = summary.read_text()
    assert text.startswith("earlier step\n")
    assert "| `dev.globex` | up | no changes |" in text and "error: boom" in text
    assert write_step_summary(report, {}) is None
