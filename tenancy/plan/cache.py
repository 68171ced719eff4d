"""The plan cache: each stack's plan stored under its content key, its policy results under the
policy key (``tenancy.plan.keys``).

A key names the content of everything a plan depends on, so an entry is never stale: changed
inputs make a different key. Entries are written atomically (temporary file + rename), so
concurrent writers (two sides of a pull request, parallel CI jobs) never leave half a file.

Location: ``--cache-dir``, else ``$TENANCY_CACHE_DIR``, else ``build/plan-cache`` in the project
(gitignored). In CI the workflow caches the directory (``.github/workflows/pull-request.yml``).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from domain.plan_model import PlanFormatError, PlanStack, SplicedStack

ENV_VAR = "TENANCY_CACHE_DIR"
DISABLE_VALUES = {"", "0", "off", "none"}


def default_cache_dir(project_root: Path) -> Path | None:
    """``$TENANCY_CACHE_DIR`` (``off`` disables the cache), else ``build/plan-cache``."""
    configured = os.environ.get(ENV_VAR)
    if configured is not None:
        return None if configured.strip().lower() in DISABLE_VALUES else Path(configured)
    return Path(project_root) / "build" / "plan-cache"


class PlanCache:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.hits = 0
        self.misses = 0

    def _path(self, kind: str, key: str) -> Path:
        return self.directory / kind / key[:2] / f"{key}.json"

    def _read(self, kind: str, key: str) -> Any | None:
        try:
            text = self._path(kind, key).read_text(encoding="utf-8")
            return json.loads(text)
        except (OSError, ValueError):
            return None  # absent or unreadable: planned again, and overwritten

    def _write(self, kind: str, key: str, data: Any) -> None:
        # json.dumps, not json.dump: dump streams through the pure-Python encoder, three
        # times slower (a cold 1,000-tenant plan spent 1.8 s writing its cache entries).
        self._write_text(kind, key, json.dumps(data, separators=(",", ":")))

    def _write_text(self, kind: str, key: str, text: str) -> None:
        path = self._path(kind, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written only costs time

    # --- plans ---

    # A plan entry is two lines: a small header (name, tenant, tier, resource count), then the
    # stack's compact JSON exactly as the plan file holds it, so a warm plan splices the text in
    # without parsing it (SplicedStack). Keys cover the code, so an entry's format is never stale.

    def _read_plan_text(self, key: str, name: str) -> tuple[dict[str, Any], str] | None:
        try:
            text = self._path("plans", key).read_text(encoding="utf-8")
            head_text, _, body = text.partition("\n")
            head = json.loads(head_text)
        except (OSError, ValueError):
            return None  # absent or unreadable: planned again, and overwritten
        # The body is written whole (os.replace); its ends confirm the name, key and completeness.
        if (
            not isinstance(head, dict)
            or head.get("name") != name
            or not isinstance(head.get("count"), int)
            or not body.startswith('{"name":' + json.dumps(name) + ",")
            or not body.endswith(',"key":' + json.dumps(key) + "}")
        ):
            return None
        return head, body

    def get_plan(self, key: str, name: str) -> PlanStack | None:
        """The stack parsed (and so validated)."""
        found = self._read_plan_text(key, name)
        try:
            stack = PlanStack.from_dict(json.loads(found[1])) if found else None
        except (PlanFormatError, KeyError, TypeError, ValueError):
            stack = None
        if stack is None:
            self.misses += 1
            return None
        self.hits += 1
        stack.key = key
        return stack

    def get_spliced(self, key: str, name: str) -> SplicedStack | None:
        """The stack as its stored text, parsed only if its resources are read."""
        found = self._read_plan_text(key, name)
        if found is None:
            self.misses += 1
            return None
        head, body = found
        self.hits += 1
        return SplicedStack(name, head.get("tenant"), head.get("tier"), key, body, head["count"])

    def put_plan(self, key: str, stack: PlanStack) -> None:
        data = stack.to_dict()
        data["key"] = key
        head = {
            "name": stack.name,
            "tenant": stack.tenant,
            "tier": stack.tier,
            "count": len(stack.resources),
        }
        self._write_text(
            "plans",
            key,
            json.dumps(head, separators=(",", ":"))
            + "\n"
            + json.dumps(data, separators=(",", ":")),
        )

    # --- policy results ---

    def get_results(self, key: str) -> tuple[list[dict[str, Any]], int] | None:
        """(results, resources checked) stored under the policy key."""
        data = self._read("checks", key)
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            return None
        return data["results"], int(data.get("resources", 0))

    def put_results(self, key: str, results: list[dict[str, Any]], resources: int) -> None:
        self._write("checks", key, {"results": results, "resources": resources})

    # --- cost parts (tenancy.cost.incremental) ---

    def get_costs(self, key: str) -> Any | None:
        return self._read("costs", key)

    def put_costs(self, key: str, data: Any) -> None:
        self._write("costs", key, data)
