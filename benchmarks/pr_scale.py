"""Pull-request feedback and plan paths against registry size (issue 13's targets).

For each registry size (default 10, 100, 1,000, 5,000) it builds a throwaway git repository with
this project's code and a synthetic registry (``benchmarks/registry.py``), then times, as cold
``python -m tenancy.cli`` processes:

- ``validate``: without a cache, and with the parsed tenant files cached;
- ``plan`` of every stack: cold (empty cache) and warm (every stack cached);
- ``plan --tenant`` of one standard tenant: cold and warm cache, and after editing its file (its
  stack planned, the parsed files and other stacks cached);
- ``check --plan`` of the full plan (policy results not cached: the pack's own speed);
- ``pr-comment`` with ONE standard tenant changed: first run (the cache the plan-cache workflow
  saves on main: its plans, policy results and cost parts), warm (a previous run of the same pull
  request), base-cold (the cache holds the head's plans and policy results but none of the
  base's: e.g. main moved), and fully cold (empty cache) at the sizes given to ``--cold-sizes``;
- ``pr-comment`` after a change to shared code (every stack changes), at ``--shared-sizes``:
  with the base's entries cached (what CI restores from main) and fully cold.

Each figure is the median of ``--runs`` runs (the expensive cold paths run once unless
``--cold-runs`` says otherwise), with the peak RSS of the largest process involved. It prints a
table per path (time against size) and the machine's load average before and after, since the
machine may be shared. Run: ``.venv/bin/python benchmarks/pr_scale.py``. A benchmark, not a
test: it reports numbers and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/ is not a package

from registry import synthetic_registry  # noqa: E402

CHANGED = "std00000"


def project_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return [f for f in out.splitlines() if not f.startswith(("tenants/", "tests/"))]


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=b@example.invalid", "-c", "user.name=bench", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def make_repo(where: Path, size: int) -> Path:
    repo = where / f"repo-{size}"
    for name in project_files():
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, target)
    synthetic_registry(repo / "tenants", size)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    return repo


def branch(repo: Path, name: str, change) -> None:
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-q", "-B", name)
    change(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", name)


def one_tenant_change(repo: Path) -> None:
    path = repo / "tenants" / f"{CHANGED}.yaml"
    path.write_text(path.read_text() + "subdomain: changed-app\n")


def shared_code_change(repo: Path) -> None:
    path = repo / "components" / "conventions.py"
    path.write_text(path.read_text() + "\n# a shared-code change\n")


Run = tuple[float, float, int, float]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tenancy(repo: Path, args: list[str], cache: Path | None) -> Run:
    """(wall seconds, peak RSS MiB of the largest process, exit code, CPU seconds) of one CLI
    process; the CPU seconds (user + system) include its children (workers, git, the base's
    CLI), so they hold still on a shared machine where the wall time does not."""
    env = {**os.environ, "PYTHONPATH": str(repo)}
    env["TENANCY_CACHE_DIR"] = str(cache) if cache is not None else "off"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    cpu = _cpu()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "tenancy.cli", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    cpu = _cpu() - cpu
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    if done.returncode not in (0, 1):
        raise SystemExit(f"tenancy {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return wall, peak, done.returncode, cpu


# path -> size -> (median wall s, peak RSS MiB, runs, median CPU s)
RESULTS: dict[str, dict[int, tuple[float, float, int, float]]] = {}


def record(path: str, size: int, runs: list[Run]) -> None:
    walls = [r[0] for r in runs]
    cpus = [r[3] for r in runs]
    peak = max(r[1] for r in runs)
    RESULTS.setdefault(path, {})[size] = (
        statistics.median(walls),
        peak,
        len(runs),
        statistics.median(cpus),
    )
    shown = ", ".join(f"{w:.2f}" for w in walls)
    print(
        f"  {path:<34} {size:>6}  {statistics.median(walls):7.2f} s  "
        f"CPU {statistics.median(cpus):7.2f} s  (runs: {shown}; peak RSS {peak:.0f} MiB)",
        flush=True,
    )


def measure(path: str, size: int, runs: int, once) -> None:
    record(path, size, [once() for _ in range(runs)])


def from_copy(repo: Path, args: list[str], cache: Path, scratch: Path) -> Run:
    """The command on a fresh copy of ``cache`` in ``scratch`` (the copy is not timed)."""
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(cache, scratch)
    return tenancy(repo, args, scratch)


def fresh(cache: Path) -> Path:
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    return cache


def validate_warm(root: Path, tenants: list[str], cache: Path, size: int, runs: int) -> None:
    """``validate`` with the parsed files cached (a previous run on the same registry)."""
    tenancy(root, ["validate", *tenants], fresh(cache))
    measure(
        "validate, warm cache", size, runs, lambda: tenancy(root, ["validate", *tenants], cache)
    )


def bench_size(where: Path, size: int, args) -> None:
    repo = make_repo(where, size)
    tenants = ["--tenants", str(repo / "tenants")]
    cache = where / f"cache-{size}"
    out = where / "out"
    out.mkdir(exist_ok=True)
    plan_json = out / f"plan-{size}.json"
    print(f"\n{size} tenants", flush=True)

    measure("validate", size, args.runs, lambda: tenancy(repo, ["validate", *tenants], None))
    validate_warm(repo, tenants, where / f"docs-{size}", size, args.runs)
    plan = ["plan", *tenants, "--json", str(plan_json)]
    if size in args.cold_sizes:
        measure(
            "plan, full, cold cache",
            size,
            args.cold_runs,
            lambda: tenancy(repo, plan, fresh(cache)),
        )
    else:
        tenancy(repo, plan, fresh(cache))  # fills the cache for the warm paths
    measure("plan, full, warm cache", size, args.runs, lambda: tenancy(repo, plan, cache))
    one = ["plan", *tenants, "--tenant", CHANGED, "--json", str(out / "one.json")]
    measure("plan, one tenant, no cache", size, args.runs, lambda: tenancy(repo, one, None))
    measure("plan, one tenant, warm cache", size, args.runs, lambda: tenancy(repo, one, cache))
    check = ["check", *tenants, "--plan", str(plan_json), "--allow-undecided"]
    measure("check --plan (full plan)", size, args.check_runs, lambda: tenancy(repo, check, None))

    comment = ["pr-comment", "--base", "main", "--output", str(out / "comment.md")]
    # What the plan-cache workflow saves after every change to main: its plans, policy results
    # and cost parts (a comment against itself prices every stack).
    main_cache = where / f"main-cache-{size}"
    shutil.rmtree(main_cache, ignore_errors=True)
    shutil.copytree(cache, main_cache)
    tenancy(repo, ["check", *tenants, "--allow-undecided"], main_cache)
    tenancy(repo, ["pr-comment", "--base", "HEAD", "--output", str(out / "main.md")], main_cache)
    branch(repo, "one-tenant", one_tenant_change)

    run_cache = where / f"run-cache-{size}"
    # A pull request's first comment: main's cache restored, nothing of its own yet.
    measure(
        "pr-comment, one tenant, first run",
        size,
        args.runs,
        lambda: from_copy(repo, comment, main_cache, run_cache),
    )
    # After editing one tenant's file: its stack is planned, the rest of the cache is warm.
    measure(
        "plan, one edited tenant",
        size,
        args.runs,
        lambda: from_copy(repo, one, cache, where / f"edited-{size}"),
    )
    # Warm: a previous run of this pull request left everything in the cache.
    tenancy(repo, comment, cache)
    measure("pr-comment, one tenant, warm", size, args.runs, lambda: tenancy(repo, comment, cache))

    if size not in args.base_cold_sizes:
        return _shared(where, repo, size, tenants, comment, args)
    # Base cold: the cache holds the head's plans and policy results (a head-side run), nothing
    # of the base's own: the base's version of the changed stack must be planned by the base.
    head_only = fresh(where / f"head-only-{size}")
    tenancy(repo, ["plan", *tenants], head_only)
    tenancy(repo, ["check", *tenants, "--allow-undecided"], head_only)

    measure(
        "pr-comment, one tenant, base cold",
        size,
        args.runs,
        lambda: from_copy(repo, comment, head_only, run_cache),
    )
    _shared(where, repo, size, tenants, comment, args)


def _shared(where: Path, repo: Path, size: int, tenants: list[str], comment: list[str], args):
    if size in args.cold_sizes:
        measure(
            "pr-comment, one tenant, all cold",
            size,
            args.cold_runs,
            lambda: tenancy(repo, comment, fresh(where / f"cold-{size}")),
        )
    if size in args.shared_sizes:
        branch(repo, "shared-code", shared_code_change)

        # What CI restores: main's cache, built by bench_size as the plan-cache workflow would.
        measure(
            "pr-comment, shared code, base cached",
            size,
            args.cold_runs,
            lambda: from_copy(
                repo, comment, where / f"main-cache-{size}", where / f"run-cache-{size}"
            ),
        )
        measure(
            "pr-comment, shared code, all cold",
            size,
            args.cold_runs,
            lambda: tenancy(repo, comment, fresh(where / f"cold-{size}")),
        )
    git(repo, "checkout", "-q", "main")
    for leftover in where.glob(f"*-{size}"):
        if leftover.is_dir() and leftover != repo:
            shutil.rmtree(leftover, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 5000])
    parser.add_argument("--cold-sizes", type=int, nargs="*", default=[10, 100, 1000])
    parser.add_argument("--shared-sizes", type=int, nargs="*", default=[1000])
    parser.add_argument("--base-cold-sizes", type=int, nargs="*", default=[10, 100, 1000])
    parser.add_argument("--validate-sizes", type=int, nargs="*", default=[10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cold-runs", type=int, default=1)
    parser.add_argument("--check-runs", type=int, default=1)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    print(f"load average before: {Path('/proc/loadavg').read_text().split()[:3]}", flush=True)
    with tempfile.TemporaryDirectory(prefix="tenancy-bench-") as scratch:
        where = Path(scratch)
        for size in args.validate_sizes:
            tenants = where / f"validate-{size}"
            synthetic_registry(tenants, size)
            measure(
                "validate",
                size,
                args.runs,
                lambda t=tenants: tenancy(ROOT, ["validate", "--tenants", str(t)], None),
            )
            validate_warm(
                ROOT, ["--tenants", str(tenants)], where / f"docs-v{size}", size, args.runs
            )
        for size in args.sizes:
            bench_size(where, size, args)
    print(f"\nload average after: {Path('/proc/loadavg').read_text().split()[:3]}")
    print_tables(args.runs)


def print_tables(runs: int) -> None:
    """Median wall and CPU seconds against registry size, as markdown for docs/performance.md
    (a figure from fewer runs than ``--runs`` has its count in brackets)."""
    sizes = sorted({s for per in RESULTS.values() for s in per})
    for title, column in (("wall seconds (median)", 0), ("CPU seconds, user + system", 3)):
        print(f"\n{title} against registry size:\n")
        print("| path | " + " | ".join(f"{s:,}" for s in sizes) + " |")
        print("|---|" + "---:|" * len(sizes))
        for path, per in RESULTS.items():
            cells = [
                f"{per[s][column]:.2f}" + (f" ({per[s][2]})" if per[s][2] < runs else "")
                if s in per
                else ""
                for s in sizes
            ]
            print(f"| {path} | " + " | ".join(cells) + " |")
    peak = max(v[1] for per in RESULTS.values() for v in per.values())
    print(f"\npeak RSS of any process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
