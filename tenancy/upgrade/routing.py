"""Where a tenant's traffic goes: the shared free-tier services or its own namespace.

``Routing`` is the interface the upgrade switches; the application's router reads the same record
(in a real cluster: the shared ingress' tenant map). ``FileRouting`` records the table in one
JSON file, replaced atomically under a file lock, and keeps every switch in its history.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from domain.names import FREE_TIER_NAMESPACE, k8s_namespace


@dataclass(frozen=True)
class Route:
    tier: str  # free | standard
    namespace: str  # the Kubernetes namespace serving the tenant
    database: str  # "shared" or "dedicated": which PostgreSQL holds its rows


def free_route() -> Route:
    return Route("free", FREE_TIER_NAMESPACE, "shared")


def standard_route(tenant: str) -> Route:
    return Route("standard", k8s_namespace(tenant), "dedicated")


class Routing(Protocol):
    def get(self, tenant: str) -> Route: ...

    def set(self, tenant: str, route: Route, reason: str) -> Route:
        """Route the tenant; returns the route it had before."""
        ...


class FileRouting:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_path = self.path.with_name(self.path.name + ".lock")

    def _read(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"routes": {}, "history": []}

    def get(self, tenant: str) -> Route:
        route = self._read()["routes"].get(tenant)
        return Route(**route) if route else free_route()

    def set(self, tenant: str, route: Route, reason: str) -> Route:
        with open(self._lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            table = self._read()
            previous = table["routes"].get(tenant)
            before = Route(**previous) if previous else free_route()
            if before != route:
                table["routes"][tenant] = asdict(route)
                table["history"].append(
                    {
                        "tenant": tenant,
                        "from": asdict(before),
                        "to": asdict(route),
                        "reason": reason,
                        "at": datetime.now(UTC).isoformat(timespec="seconds"),
                    }
                )
                fd, tmp = tempfile.mkstemp(prefix=".routing-", dir=self.path.parent)
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(table, handle, indent=2, sort_keys=True)
                os.replace(tmp, self.path)
            return before

    def history(self) -> list[dict]:
        return list(self._read()["history"])
