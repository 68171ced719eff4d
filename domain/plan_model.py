"""The plan JSON: the stable interface of `tenancy plan --json` (see docs/plan-format.md)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
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
OPTION_KEYS = (
    "protect",
    "retain_on_delete",
    "ignore_changes",
    "delete_before_replace",
    "custom_timeouts",
)
SECRET_MASK = "[secret]"
UNKNOWN = "[unknown]"
# Version of the plan JSON (docs/plan-format.md). Plans written before it existed have none.
FORMAT_VERSION = 2


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


@dataclass
class PlanOptions:
    protect: bool = False
    retain_on_delete: bool = False
    ignore_changes: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    custom_timeouts: dict[str, str] = field(default_factory=dict)  # create/update/delete: "20m"


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
        # Not dataclasses.asdict (its generic deep copy dominated writing big plans); the inputs
        # are still copied, so a caller changing the dict cannot change the plan.
        o = self.options
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "custom": self.custom,
            "parent": self.parent,
            "dependencies": list(self.dependencies),
            "provider": self.provider,
            "inputs": _copy(self.inputs),
            "options": {
                "protect": o.protect,
                "retain_on_delete": o.retain_on_delete,
                "ignore_changes": list(o.ignore_changes),
                "delete_before_replace": o.delete_before_replace,
                "custom_timeouts": dict(o.custom_timeouts),
            },
        }

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
    # Content key of everything the stack's plan depends on (tenancy.plan.keys); None if unknown.
    key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "tenant": self.tenant,
            "tier": self.tier,
            "resources": [r.to_dict() for r in self.resources],
        }
        if self.key is not None:
            data["key"] = self.key
        return data

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> PlanStack:
        for key in ("name", "tenant", "tier", "resources"):
            if key not in raw:
                raise PlanFormatError(f"stack {raw.get('name', '?')} lacks key {key!r}")
        return cls(
            raw["name"],
            raw["tenant"],
            raw["tier"],
            [PlanResource.from_dict(r) for r in raw["resources"]],
            raw.get("key"),
        )

    def by_urn(self) -> dict[str, PlanResource]:
        return {r.urn: r for r in self.resources}

    def resource_total(self) -> int:
        return len(self.resources)

    def json_text(self) -> str:
        """The stack's compact JSON, as it appears in the plan file."""
        return json.dumps(self.to_dict(), separators=(",", ":"))

    def count_by_type(self) -> dict[str, int]:
        return dict(sorted(Counter(r.type for r in self.resources).items()))


class SplicedStack(PlanStack):
    """A cached stack kept as its stored JSON text: written into the plan file as it is, parsed
    only when something reads its resources (a warm 1,000-tenant plan spent ~3 s parsing and
    re-serialising text it already had)."""

    def __init__(
        self, name: str, tenant: str | None, tier: str | None, key: str, text: str, count: int
    ) -> None:
        self.name, self.tenant, self.tier, self.key = name, tenant, tier, key
        self._text: str | None = text
        self._count = count
        self._parsed: list[PlanResource] | None = None

    @property
    def resources(self) -> list[PlanResource]:
        if self._parsed is None:
            assert self._text is not None
            raw = json.loads(self._text)["resources"]
            self._parsed = [PlanResource.from_dict(r) for r in raw]
            self._text = None  # the caller may change the list: serialise it from now on
        return self._parsed

    @resources.setter
    def resources(self, value: list[PlanResource]) -> None:
        self._parsed, self._text = value, None

    def resource_total(self) -> int:
        return self._count if self._parsed is None else len(self._parsed)

    def to_dict(self) -> dict[str, Any]:
        if self._text is not None:
            data: dict[str, Any] = json.loads(self._text)
            data["key"] = self.key
            return data
        return super().to_dict()

    def json_text(self) -> str:
        return self._text if self._text is not None else super().json_text()

    def __repr__(self) -> str:
        return f"SplicedStack({self.name!r}, {self._count} resources)"


@dataclass(frozen=True)
class Selection:
    """Which stacks a plan was asked for: every stack, or the ones named."""

    all: bool = True
    stacks: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"all": self.all, "stacks": list(self.stacks)}

    @classmethod
    def from_dict(cls, raw: Any) -> Selection | None:
        if not isinstance(raw, dict):
            return None
        return cls(bool(raw.get("all")), tuple(raw.get("stacks") or ()))

    def describe(self) -> str:
        if self.all:
            return "every stack"
        return "the stacks " + ", ".join(self.stacks) if self.stacks else "no stack"


@dataclass
class Plan:
    stacks: list[PlanStack] = field(default_factory=list)
    # Metadata (format version 2). Absent from older plans: None.
    environment: str | None = None
    selection: Selection | None = None
    git_ref: str | None = None
    format_version: int | None = FORMAT_VERSION

    def to_dict(self) -> dict[str, Any]:
        data = self.to_dict_without_stacks()
        data["stacks"] = [s.to_dict() for s in self.stacks]
        return data

    def write(self, path: Path) -> None:
        """Streamed, stack by stack: a cached stack's stored text is spliced in unparsed. The bytes
        are those of ``json.dumps(self.to_dict(), separators=(",", ":")) + "\\n"``."""
        head = self.to_dict_without_stacks()
        prefix = json.dumps(head, separators=(",", ":"))[:-1] + ',"stacks":['
        with Path(path).open("w", encoding="utf-8") as handle:
            handle.write(prefix)
            for i, stack in enumerate(self.stacks):
                if i:
                    handle.write(",")
                handle.write(stack.json_text())
            handle.write("]}\n")

    def to_dict_without_stacks(self) -> dict[str, Any]:
        data: dict[str, Any] = {"format_version": self.format_version}
        if self.environment is not None:
            data["environment"] = self.environment
        if self.selection is not None:
            data["selection"] = self.selection.to_dict()
        if self.git_ref is not None:
            data["git_ref"] = self.git_ref
        return data

    def stack(self, name: str) -> PlanStack | None:
        return next((s for s in self.stacks if s.name == name), None)

    @property
    def resource_count(self) -> int:
        return sum(s.resource_total() for s in self.stacks)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        if not isinstance(data, dict) or not isinstance(data.get("stacks"), list):
            raise PlanFormatError('a plan is a JSON object {"stacks": [...]}')
        version = data.get("format_version")
        if version is not None and (not isinstance(version, int) or version > FORMAT_VERSION):
            raise PlanFormatError(
                f"plan format version {version!r} is newer than this tool reads ({FORMAT_VERSION})"
            )
        return cls(
            [PlanStack.from_dict(raw) for raw in data["stacks"]],
            environment=data.get("environment"),
            selection=Selection.from_dict(data.get("selection")),
            git_ref=data.get("git_ref"),
            format_version=version,
        )

    @classmethod
    def read(cls, path: Path) -> Plan:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise PlanFormatError(f"{path}: cannot read plan JSON: {exc}") from None
        return cls.from_dict(data)


class PlanFormatError(Exception):
    pass
