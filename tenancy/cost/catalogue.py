"""The pricing catalogue: `pricing/*.yaml` read into prices, free types and assumptions.

Prices are data. A family file lists its regions; `gcp-global.yaml` answers for every region and
`temporal-cloud.yaml` for Temporal Cloud. A price is looked up by key and region: the region's
family first, then the region-independent files.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from domain.project import project_root

CONFIDENCE = ("official", "catalog", "secondary", "assumed")
PRICE_KEYS = {"usd", "per", "source", "confidence", "note", "cap_vms"}


class CatalogueError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Price:
    key: str
    usd: float
    per: str
    source: str
    confidence: str
    family: str
    note: str = ""
    cap_vms: int | None = None


@dataclass(frozen=True)
class Assumption:
    key: str
    value: float
    unit: str
    description: str


@dataclass
class Catalogue:
    families: dict[str, dict[str, Price]]  # family -> key -> price
    regions: dict[str, str]  # region -> family
    taken: dict[str, str]  # family -> date taken
    free: dict[str, str]  # type pattern -> reason
    assumptions: dict[str, Assumption]
    _free_cache: dict[str, str | None] = field(default_factory=dict)

    @property
    def date(self) -> str:
        """The oldest date a family file was taken: the estimate is as old as its oldest price."""
        return min(self.taken.values())

    def price(self, key: str, region: str | None = None) -> Price | None:
        if region:
            family = self.regions.get(region.lower())
            if family and key in self.families[family]:
                return self.families[family][key]
        for family in ("gcp-global", "temporal-cloud"):
            found = self.families.get(family, {}).get(key)
            if found is not None:
                return found
        return None

    def free_reason(self, rtype: str) -> str | None:
        if rtype not in self._free_cache:
            self._free_cache[rtype] = next(
                (reason for pat, reason in self.free.items() if fnmatch.fnmatchcase(rtype, pat)),
                None,
            )
        return self._free_cache[rtype]


def _load(path: Path) -> Any:
    try:
        return YAML(typ="safe", pure=False).load(path.read_text(encoding="utf-8"))
    except Exception as exc:  # ruamel raises several error types; all mean "unreadable"
        raise CatalogueError([f"{path.name}: cannot read: {exc}"]) from None


def load_catalogue(directory: Path | None = None) -> Catalogue:
    """Read and check every file of the pricing catalogue in ``directory`` (default: pricing/ of
    the project); report every problem at once."""
    directory = directory if directory is not None else project_root() / "pricing"
    problems: list[str] = []
    families: dict[str, dict[str, Price]] = {}
    regions: dict[str, str] = {}
    taken: dict[str, str] = {}
    skip = {"free.yaml", "assumptions.yaml"}
    files = sorted(p for p in Path(directory).glob("*.yaml") if p.name not in skip)
    if not files:
        raise CatalogueError([f"{directory}: no pricing files"])
    for path in files:
        data = _load(path)
        if not isinstance(data, dict):
            problems.append(f"{path.name}: not a mapping")
            continue
        family = str(data.get("family") or "")
        if family != path.stem:
            problems.append(f"{path.name}: family: must be {path.stem!r}, the file's name")
        if data.get("currency") != "USD":
            problems.append(f"{path.name}: currency: must be USD")
        if not data.get("taken"):
            problems.append(f"{path.name}: taken: the date the prices were taken is required")
        taken[family] = str(data.get("taken"))
        for region in data.get("regions") or []:
            if region in regions:
                problems.append(f"{path.name}: regions: {region} is also in {regions[region]}")
            regions[str(region)] = family
        prices: dict[str, Price] = {}
        for key, raw in (data.get("prices") or {}).items():
            where = f"{path.name}: prices.{key}"
            if not isinstance(raw, dict):
                problems.append(f"{where}: must be a mapping")
                continue
            unknown = set(raw) - PRICE_KEYS
            if unknown:
                problems.append(f"{where}: unknown field(s) {sorted(unknown)}")
            usd = raw.get("usd")
            if not isinstance(usd, (int, float)) or isinstance(usd, bool) or usd < 0:
                problems.append(f"{where}.usd: must be a number >= 0")
                continue
            source = str(raw.get("source") or "")
            if not source.startswith("https://"):
                problems.append(
                    f"{where}.source: the public pricing page (https://...) is required"
                )
            confidence = raw.get("confidence")
            if confidence not in CONFIDENCE:
                problems.append(f"{where}.confidence: one of {', '.join(CONFIDENCE)}")
            if confidence == "assumed" and not raw.get("note"):
                problems.append(f"{where}.note: an assumed price must say why")
            if not raw.get("per"):
                problems.append(f"{where}.per: the unit is required")
            prices[str(key)] = Price(
                str(key),
                float(usd),
                str(raw.get("per")),
                source,
                str(confidence),
                family,
                str(raw.get("note") or ""),
                raw.get("cap_vms"),
            )
        families[family] = prices
    free_data = _load(Path(directory) / "free.yaml") or {}
    free: dict[str, str] = {}
    for pattern, raw in (free_data.get("free") or {}).items():
        reason = raw.get("reason") if isinstance(raw, dict) else None
        if not reason:
            problems.append(f"free.yaml: free.{pattern}.reason: required")
        free[str(pattern)] = str(reason or "")
    assumptions: dict[str, Assumption] = {}
    for key, raw in (_load(Path(directory) / "assumptions.yaml") or {}).items():
        value = raw.get("value") if isinstance(raw, dict) else None
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            problems.append(f"assumptions.yaml: {key}.value: must be a number")
            continue
        if not raw.get("description"):
            problems.append(f"assumptions.yaml: {key}.description: required")
        assumptions[str(key)] = Assumption(
            str(key), float(value), str(raw.get("unit") or ""), str(raw.get("description") or "")
        )
    if problems:
        raise CatalogueError(problems)
    return Catalogue(families, regions, taken, free, assumptions)


def parse_assumptions(catalogue: Catalogue, pairs: list[str]) -> dict[str, float]:
    """The catalogue's assumptions with `KEY=VALUE` overrides; every bad pair reported at once."""
    values = {key: a.value for key, a in catalogue.assumptions.items()}
    problems = []
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep:
            problems.append(f"--assume {pair!r}: expected KEY=VALUE")
        elif key not in values:
            problems.append(
                f"--assume {key}: unknown assumption (known: see pricing/assumptions.yaml)"
            )
        else:
            try:
                value = float(raw)
            except ValueError:
                problems.append(f"--assume {key}: {raw!r} is not a number")
                continue
            if value < 0:
                problems.append(f"--assume {key}: must be >= 0")
                continue
            values[key] = value
    if problems:
        raise CatalogueError(problems)
    return values
