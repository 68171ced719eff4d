"""The plan JSON: the stable interface of `tenancy plan --json` (see docs/plan-format.md)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESOURCE_KEYS = (
    "urn",
    "type",
    "name",
    "custom",
    "parent",
    "dependencies",
    "provider",
    "inputs",
    "options",
)
OPTION_KEYS = ("protect", "retain_on_delete", "ignore_changes", "delete_before_replace")
SECRET_MASK = "[secret]"
UNKNOWN = "[unknown]"


@dataclass
class PlanOptions:
    protect: bool = False
    retain_on_delete: bool = False
    ignore_changes: list[str] = field(default_factory=list)
    delete_before_replace: bool = False


@dataclass
class PlanResource:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    dependencies: list[str]
    provider: str | None
    inputs: dict[str, Any]
    options: PlanOptions

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlanResource:
        missing = [k for k in RESOURCE_KEYS if k not in data]
        if missing:
            raise PlanFormatError(f"resource {data.get('urn', '?')} lacks keys {missing}")
        opts = data["options"]
        return cls(
            urn=data["urn"],
            type=data["type"],
            name=data["name"],
            custom=bool(data["custom"]),
            parent=data["parent"],
            dependencies=list(data["dependencies"]),
            provider=data["provider"],
            inputs=dict(data["inputs"]),
            options=PlanOptions(**{k: opts[k] for k in OPTION_KEYS if k in opts}),
        )


@dataclass
class PlanStack:
    name: str
    tenant: str | None
    tier: str | None
    resources: list[PlanResource] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "tenant": self.tenant,
            "tier": self.tier,
            "resources": [r.to_dict() for r in self.resources],
        }

    def by_urn(self) -> dict[str, PlanResource]:
        return {r.urn: r for r in self.resources}

    def count_by_type(self) -> dict[str, int]:
        return dict(sorted(Counter(r.type for r in self.resources).items()))


@dataclass
class Plan:
    stacks: list[PlanStack] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"stacks": [s.to_dict() for s in self.stacks]}

    def write(self, path: Path) -> None:
        Path(path).write_text(
            json.dumps(self.to_dict(), indent=1, sort_keys=False) + "\n", encoding="utf-8"
        )

    def stack(self, name: str) -> PlanStack | None:
        return next((s for s in self.stacks if s.name == name), None)

    @property
    def resource_count(self) -> int:
        return sum(len(s.resources) for s in self.stacks)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        if not isinstance(data, dict) or not isinstance(data.get("stacks"), list):
            raise PlanFormatError('a plan is a JSON object {"stacks": [...]}')
        stacks = []
        for raw in data["stacks"]:
            for key in ("name", "tenant", "tier", "resources"):
                if key not in raw:
                    raise PlanFormatError(f"stack {raw.get('name', '?')} lacks key {key!r}")
            stacks.append(
                PlanStack(
                    raw["name"],
                    raw["tenant"],
                    raw["tier"],
                    [PlanResource.from_dict(r) for r in raw["resources"]],
                )
            )
        return cls(stacks)

    @classmethod
    def read(cls, path: Path) -> Plan:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise PlanFormatError(f"{path}: cannot read plan JSON: {exc}") from None
        return cls.from_dict(data)


class PlanFormatError(Exception):
    pass
