"""The benchmarks' registry generator writes registries the project accepts, at every size."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from domain import PROJECT_ROOT
from domain.registry import load_registry


def generator():
    path = PROJECT_ROOT / "benchmarks" / "registry.py"
    spec = importlib.util.spec_from_file_location("bench_registry", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("size", [10, 100, 1000, 5000, 10000])
def test_synthetic_registries_pass_validation(size: int, tmp_path: Path, settings) -> None:
    ids = generator().synthetic_registry(tmp_path / "tenants", size)
    registry = load_registry(tmp_path / "tenants", settings)
    assert len(registry.tenants) == size == sum(len(v) for v in ids.values())
    assert ids["standard"] and ids["enterprise"] and ids["free"]


def test_standard_tenants_never_exceed_the_pools(settings) -> None:
    capacity = sum(c.capacity for c in settings.clusters)
    counts = generator().tier_counts(10_000, capacity)
    assert counts["standard"] == capacity and sum(counts.values()) == 10_000
