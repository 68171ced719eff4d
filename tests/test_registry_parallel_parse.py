"""A large registry's YAML is parsed by worker processes while the loader validates (issue 13:
validate of 10,000 files). The registry and every problem must be what one process reads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from support import FREE, STANDARD, benchmark_registry_module, write_tenant

from domain.registry import RegistryError, load_registry
from domain.registry import loader as registry_loader
from domain.yamlio import DocCache, use_doc_cache

BROKEN = {
    "bad-yaml.yaml": "id: bad-yaml\ntier: [free\n",
    "not-a-map.yaml": "- just\n- a list\n",
    "renamed.yaml": FREE.format(id="someone-else"),
    "wrong-tier.yaml": STANDARD.format(id="wrong-tier").replace("tier: standard", "tier: gold"),
}


def _read(directory: Path, settings) -> tuple[list, list[str]]:
    try:
        registry = load_registry(directory, settings)
    except RegistryError as exc:
        return [], [str(p) for p in exc.problems]
    return [t.model_dump() for t in registry.tenants], []


def _parallel(monkeypatch) -> None:
    monkeypatch.setattr(registry_loader, "PARALLEL_PARSE_MIN", 1)
    # Earlier tests of the session may have left an idle thread; the guard itself is tested below.
    monkeypatch.setattr(registry_loader, "_may_fork", lambda: True)
    monkeypatch.setattr(registry_loader, "PARSE_CHUNK", 7)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("synthetic") / "tenants"
    benchmark_registry_module().synthetic_registry(directory, 60)
    return directory


def test_the_workers_parse_when_allowed(synthetic, monkeypatch) -> None:
    paths = sorted(synthetic.glob("*.yaml"))
    assert all(d is None for d in registry_loader._loaded_docs(paths))
    _parallel(monkeypatch)
    loaded = list(registry_loader._loaded_docs(paths))
    assert len(loaded) == len(paths)
    assert all(doc is not None and problem is None for doc, problem in loaded)


def test_a_valid_registry_is_the_same_either_way(synthetic, settings, monkeypatch) -> None:
    serial = _read(synthetic, settings)
    _parallel(monkeypatch)
    assert _read(synthetic, settings) == serial
    assert serial[0] and not serial[1]


def test_every_problem_is_the_same_either_way(synthetic, settings, tmp_path, monkeypatch) -> None:
    directory = tmp_path / "tenants"
    directory.mkdir()
    for path in sorted(synthetic.glob("*.yaml"))[:30]:
        (directory / path.name).write_text(path.read_text())
    for name, body in BROKEN.items():
        write_tenant(directory, name, body)
    serial = _read(directory, settings)
    _parallel(monkeypatch)
    parallel = _read(directory, settings)
    assert parallel == serial
    assert len(serial[1]) >= len(BROKEN), serial[1]
    assert any("bad-yaml.yaml" in p for p in serial[1])


def test_a_threaded_process_parses_alone(synthetic, monkeypatch) -> None:
    """Forking a process whose other thread holds a lock can deadlock the child: no workers."""
    monkeypatch.setattr(registry_loader, "PARALLEL_PARSE_MIN", 1)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        docs = list(registry_loader._loaded_docs(sorted(synthetic.glob("*.yaml"))))
    finally:
        stop.set()
        other.join()
    assert all(d is None for d in docs)


def test_the_parse_cache_learns_what_the_workers_parsed(
    synthetic, settings, tmp_path, monkeypatch
) -> None:
    files = len(list(synthetic.glob("*.yaml")))
    serial = _read(synthetic, settings)
    _parallel(monkeypatch)
    where = tmp_path / "docs.json"

    def through_cache() -> DocCache:
        cache = DocCache(where)
        previous = use_doc_cache(cache)
        try:
            assert _read(synthetic, settings) == serial
        finally:
            use_doc_cache(previous)
        cache.save()
        return cache

    for _ in range(2):  # cold, then warm: the workers look the documents up
        through_cache()
    monkeypatch.setattr(registry_loader, "PARALLEL_PARSE_MIN", 10**9)
    cache = through_cache()
    assert cache.hits == files  # every file found, as a serial run would have stored it
