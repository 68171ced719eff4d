"""`tenancy cost` at scale: the estimate of a 1,000-tenant plan (target: under 5 s).

Generates the registry with `synthetic_registry` from benchmarks/plan_scale.py (85% free, 13%
standard, 2% enterprise), plans it once with `tenancy plan --json`, then measures:
- `tenancy cost --plan FILE --json OUT` as a cold subprocess, median of three: wall seconds, and
  CPU seconds (user + system), the figure an idle core would give on a shared machine;
- the estimate alone, in-process and warm (read the plan, price, allocate, build the JSON).
The machine's load average is printed with the figures: the machine may be shared.

Run: `.venv/bin/python benchmarks/cost_scale.py [--size 1000]`. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _plan_scale():
    spec = importlib.util.spec_from_file_location(
        "plan_scale", ROOT / "benchmarks" / "plan_scale.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def tenancy(*args: str) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one cold `tenancy` process. On a shared
    machine the CPU seconds are what the run would take on an idle core."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tenancy.cli", *args],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--plan", type=Path, help="reuse this plan JSON instead of planning")
    parser.add_argument("--save-plan", type=Path, help="keep the generated plan JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cost-scale-") as tmp:
        tmp_path = Path(tmp)
        plan = args.plan
        if plan is None:
            tenants = tmp_path / "tenants"
            tenants.mkdir()
            _plan_scale().synthetic_registry(tenants, args.size)
            plan = tmp_path / "plan.json"
            seconds, _ = tenancy("plan", "--tenants", str(tenants), "--json", str(plan))
            print(f"planned {args.size} tenants in {seconds:.1f} s (not part of the figure)")
            if args.save_plan:
                args.save_plan.write_bytes(plan.read_bytes())
        out = tmp_path / "cost.json"
        runs = [tenancy("cost", "--plan", str(plan), "--json", str(out)) for _ in range(3)]
        data = json.loads(out.read_text())

        from tenancy.cost.catalogue import load_catalogue, parse_assumptions
        from tenancy.cost.estimate import estimate, read_plan

        started = time.perf_counter()
        the_plan = read_plan(plan)
        catalogue = load_catalogue()
        result = estimate(the_plan, catalogue, parse_assumptions(catalogue, []))
        result.to_json()
        warm = time.perf_counter() - started
    resources = sum(len(s.resources) for s in the_plan.stacks)
    print(
        json.dumps(
            {
                "tenants": len(data["tenants"]),
                "stacks": len(the_plan.stacks),
                "resources": resources,
                "cold_cost_command_wall_s": [round(w, 2) for w, _ in runs],
                "cold_cost_command_cpu_s": [round(c, 2) for _, c in runs],
                "cold_median_wall_s": round(statistics.median(w for w, _ in runs), 2),
                "cold_median_cpu_s": round(statistics.median(c for _, c in runs), 2),
                "in_process_s": round(warm, 2),
                "unpriced": len(data["unpriced"]),
                "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
                "cpus": os.cpu_count(),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
