"""The external rule each policy mirrors: Checkov, the Kubernetes Multi-Tenancy Benchmarks,
Pod Security Standards, or (when nothing external fits) the platform's own isolation spec.

Only ids checked against their sources are used; a rule that is close but not the same is
marked "related" rather than "mirrors".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pulumi_policy import PolicyComplianceFramework

Framework = Literal["Checkov", "MTB", "PSS", "Tenancy", "Provider"]
Relation = Literal["mirrors", "related"]


@dataclass(frozen=True)
class Anchor:
    framework: Framework
    id: str
    title: str
    relation: Relation = "mirrors"

    @property
    def label(self) -> str:
        text = self.id if self.framework in ("Checkov", "MTB") else f"{self.framework} {self.id}"
        return text if self.relation == "mirrors" else f"{text} (related)"


def checkov(check_id: str, title: str, related: bool = False) -> Anchor:
    return Anchor("Checkov", check_id, title, "related" if related else "mirrors")


def mtb(benchmark_id: str, title: str, related: bool = False) -> Anchor:
    return Anchor("MTB", benchmark_id, title, "related" if related else "mirrors")


def pss(control: str, level: str = "restricted") -> Anchor:
    """A Pod Security Standards profile (restricted or baseline) and the control it covers."""
    return Anchor("PSS", level, control)


def tenancy(reference: str, title: str) -> Anchor:
    """The platform's own isolation rules (seeds 002/003 and the tier model)."""
    return Anchor("Tenancy", reference, title)


def provider(reference: str, source: str) -> Anchor:
    """What a provider or API accepts, as its own source or documentation says (``source``: the
    page or file it was read from); the deploy-readiness rules (docs/deploy-readiness.md)."""
    return Anchor("Provider", reference, source)


def framework_of(anchors: tuple[Anchor, ...]) -> PolicyComplianceFramework:
    primary = anchors[0]
    return PolicyComplianceFramework(
        name=primary.framework, reference=primary.id, specification=primary.title
    )


def anchor_tags(anchors: tuple[Anchor, ...]) -> list[str]:
    return [
        f"{a.framework.lower()}:{a.id}" + ("" if a.relation == "mirrors" else ":related")
        for a in anchors
    ]


def anchors_text(anchors: tuple[Anchor, ...]) -> str:
    return ", ".join(a.label for a in anchors)
