"""Offline plan at scale: 10, 100 and 1,000 tenants (about 85% free, 13% standard, 2% enterprise).

Prints, per registry size:
- a full plan and a one-tenant plan, each as a cold `tenancy plan` subprocess: wall seconds,
  resource count and peak RSS (the parent process, and the largest worker process); the
  one-tenant figure is the median of three runs;
- the cost per resource of the engine against the bare baseline: the same program registered
  through the SDK's stock MockMonitor (same mocks, so every apply runs the same), with no
  recording and no runtime tuning, measured in-process and warm, one process, on the same stacks.

Run: `make benchmark` or `.venv/bin/python benchmarks/plan_scale.py [--sizes 10 100 1000]`.
This is a benchmark, not a test: it reports numbers and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/ is not a package

from registry import synthetic_registry  # noqa: E402  (re-exported: the generator's old home)

# Runs one `tenancy plan` and reports its own and its workers' peak RSS (KiB on Linux).
_MEASURE = """
import json, resource, sys, time
from typer.main import get_command
from tenancy.cli import app
started = time.perf_counter()
try:
    get_command(app).main(sys.argv[1:], standalone_mode=False)
finally:
    print("BENCH " + json.dumps({
        "wall": time.perf_counter() - started,
        "self_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "children_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }), file=sys.stderr)
"""


def cold_plan(tenants: Path, out: Path, tenant: str | None = None) -> dict:
    args = [
        sys.executable,
        "-c",
        _MEASURE,
        "plan",
        "--env",
        "dev",
        "--tenants",
        str(tenants),
        "--json",
        str(out),
    ]
    if tenant:
        args += ["--tenant", tenant]
    started = time.perf_counter()
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"plan failed:\n{proc.stdout}\n{proc.stderr}")
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("BENCH "))
    measured = json.loads(line[len("BENCH ") :])
    plan = json.loads(out.read_text())
    return {
        "wall_s": wall,
        "in_process_s": measured["wall"],
        "resources": sum(len(s["resources"]) for s in plan["stacks"]),
        "stacks": len(plan["stacks"]),
        "rss_parent_mib": measured["self_kib"] / 1024,
        "rss_worker_mib": measured["children_kib"] / 1024,
    }


def per_resource_costs(tenants: Path, sample_stacks: int) -> dict:
    """Warm, in-process, one process: engine vs the SDK's bare mock registration."""
    import pulumi
    from pulumi.runtime import mocks as sdk_mocks

    from domain.environment import load_environment
    from domain.registry import load_registry
    from domain.stacks import all_stacks
    from program import build
    from tenancy.plan import engine
    from tenancy.plan.mocks import PlanMocks
    from tenancy.plan.platform_outputs import offline_platform_outputs
    from tenancy.sdk.runtime_state import reset_runtime, run_pulumi_func
    from tenancy.sdk.sync_await import run_sync

    settings = load_environment("dev")
    registry = load_registry(tenants, settings)
    stacks = all_stacks(registry, "dev")
    chosen = [stacks[0], *[s for s in stacks if s.kind == "tenant"][: sample_stacks - 1]]
    platform_outputs = offline_platform_outputs(settings, registry.tenants)

    def bare(spec) -> int:
        reset_runtime()
        monitor = sdk_mocks.MockMonitor(PlanMocks(settings, platform_outputs))
        pulumi.runtime.set_mocks(
            monitor.mocks, project="tenancy", stack=spec.name, preview=True, monitor=monitor
        )
        run_sync(run_pulumi_func(lambda: build(spec, settings, registry)))
        count = len(monitor.resources)
        reset_runtime()
        return count

    def ours(spec, tuned: bool) -> int:
        if tuned:
            with engine.offline_runtime():
                return len(
                    engine.run_stack(spec, settings, registry, platform_outputs).plan.resources
                )
        return len(engine.run_stack(spec, settings, registry, platform_outputs).plan.resources)

    for spec in chosen:  # warm-up: imports and the SDK's per-class type resolution
        bare(spec)
        ours(spec, True)
    results = {}
    for label, fn in (
        ("bare_sdk", bare),
        ("engine_untuned", lambda s: ours(s, False)),
        ("engine", lambda s: ours(s, True)),
    ):
        started, count = time.perf_counter(), 0
        for spec in chosen:
            count += fn(spec)
        results[label] = (time.perf_counter() - started) / count * 1000
        results[f"{label}_resources"] = count
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument(
        "--baseline-stacks",
        type=int,
        default=6,
        help="stacks replayed for the per-resource baseline",
    )
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    print(
        f"{'tenants':>7} {'plan':>10} {'stacks':>6} {'resources':>9} {'wall s':>7} "
        f"{'in-proc s':>9} "
        f"{'RSS parent MiB':>14} {'RSS worker MiB':>14}"
    )
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as scratch:
            tenants = Path(scratch) / "tenants"
            tenants.mkdir()
            ids = synthetic_registry(tenants, size)
            for label, tenant in (("full", None), ("one-tenant", ids["standard"][0])):
                # One-tenant plans are short and noisy: the median of three cold runs.
                runs = [
                    cold_plan(tenants, Path(scratch) / f"{label}.json", tenant)
                    for _ in range(1 if tenant is None else 3)
                ]
                r = sorted(runs, key=lambda run: run["wall_s"])[len(runs) // 2]
                print(
                    f"{size:>7} {label:>10} {r['stacks']:>6} {r['resources']:>9} "
                    f"{r['wall_s']:>7.2f} "
                    f"{r['in_process_s']:>9.2f} {r['rss_parent_mib']:>14.0f} "
                    f"{r['rss_worker_mib']:>14.0f}"
                )
            if size == max(args.sizes):
                costs = per_resource_costs(tenants, args.baseline_stacks)
    print()
    print("cost per resource (warm, in-process, one process, same stacks):")
    print(
        f"  bare SDK mock registration : {costs['bare_sdk']:.2f} ms  "
        f"({costs['bare_sdk_resources']} resources)"
    )
    print(
        f"  engine, SDK diagnostics on : {costs['engine_untuned']:.2f} ms  "
        f"(x{costs['engine_untuned'] / costs['bare_sdk']:.2f} of bare)"
    )
    print(
        f"  engine (offline tuning)    : {costs['engine']:.2f} ms  "
        f"(x{costs['engine'] / costs['bare_sdk']:.2f} of bare)"
    )


if __name__ == "__main__":
    main()
