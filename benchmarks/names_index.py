"""The policy pack's tenant name index at 10 to 10,000 tenants: build time and scan cost.

Scans every single-line string input of the sample registry's offline plan (what the
cross-tenant rule reads) against an index of N tenants, and prints the build time and the cost
per string. Issue 13 measured the previous regex index as the hot spot of `tenancy check`; the
token index does one set look-up per token, so the scan cost should stay flat as N grows.

Run: `.venv/bin/python benchmarks/names_index.py [--sizes 10 100 1000 10000]`.
A benchmark, not a test: it reports numbers and asserts nothing.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from typing import Any

from domain import PROJECT_ROOT
from domain.environment import load_environment
from domain.registry import load_registry
from domain.stacks import all_stacks
from policies.lib.names_index import TenantNameIndex


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 10000])
    args = parser.parse_args()
    from tenancy.plan.engine import plan_stacks

    settings = load_environment("dev")
    registry = load_registry(PROJECT_ROOT / "tenants", settings)
    plan = plan_stacks(all_stacks(registry, "dev"), settings, registry, workers=1)
    texts = [
        text
        for stack in plan.stacks
        for resource in stack.resources
        for text in strings(resource.inputs)
        if "\n" not in text
    ]
    sample_ids = [t.id for t in registry.tenants]
    print(f"{len(texts)} strings from {len(plan.stacks)} stacks")
    print("tenants | build (s) | scan (s) | per string (us)")
    for size in args.sizes:
        ids = sample_ids + [f"tn{i:06d}" for i in range(size - len(sample_ids))]
        started = time.perf_counter()
        index = TenantNameIndex("dev", settings.project, ids)
        built = time.perf_counter()
        for text in texts:
            index.mentions(text)
        scanned = time.perf_counter()
        per = (scanned - built) / len(texts) * 1e6
        print(f"{size:7d} | {built - started:9.3f} | {scanned - built:8.3f} | {per:15.1f}")


if __name__ == "__main__":
    main()
