"""temporal-bound-api-keys: Temporal Cloud API keys expire within the API's maximum lifetime, and
every namespace keeps a key that stays valid long enough to rotate."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from domain import clock
from domain.provider_facts import (
    TEMPORAL_API_KEY_EXPIRY_PATTERN,
    TEMPORAL_API_KEY_MAX_LIFETIME_DAYS,
    TEMPORAL_API_KEYS_SOURCE,
    TEMPORAL_APIKEY_SOURCE,
)
from policies.lib import kinds
from policies.lib.anchors import provider
from policies.lib.config import API_KEY_MIN_REMAINING_DAYS, Config
from policies.lib.policy import MANDATORY, stack_policy
from policies.lib.reporting import Report
from policies.lib.resources import StackView, Subject
from policies.lib.values import as_bool

NAME = "temporal-bound-api-keys"
# Source: Temporal Cloud "Manage API keys" FAQ (maximum expiration 2 years; 20 non-expired keys per
# service account), and the provider's apikey_resource.go (expiry_time RequiresReplace, read back
# as RFC 3339 UTC): domain.provider_facts.
ANCHORS = (provider("temporal-api-key-lifetime", TEMPORAL_API_KEYS_SOURCE),)
KNOBS = (API_KEY_MIN_REMAINING_DAYS,)


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _expiry(key: Subject, report: Report) -> datetime | None:
    """The key's expiry; None (reported) when it is missing or not in the provider's form."""
    value = key.get("expiryTime")
    if not isinstance(value, str) or not re.match(TEMPORAL_API_KEY_EXPIRY_PATTERN, value):
        report.violation(
            f"{key.label}: expiryTime {value!r} is not RFC 3339 in UTC with Z; the provider reads "
            f"it back in that form and replaces the key on any other ({TEMPORAL_APIKEY_SOURCE})",
            key.urn,
        )
        return None
    try:
        return clock.parse_instant(value)
    except clock.ClockError:
        report.violation(f"{key.label}: expiryTime {value!r} is not a date and time", key.urn)
        return None


def _keys_of(view: StackView, namespace: Subject) -> list[Subject]:
    """The API keys of the service accounts that depend on the namespace (their access)."""
    accounts = [
        s for s in view.of_type(kinds.TEMPORAL_SERVICE_ACCOUNT) if namespace.urn in s.dependencies
    ]
    return [
        k
        for k in view.of_type(kinds.TEMPORAL_API_KEY)
        if any(a.urn in k.dependencies for a in accounts)
    ]


def check(view: StackView, report: Report, config: Config) -> None:
    now = clock.now()
    latest = now + timedelta(days=TEMPORAL_API_KEY_MAX_LIFETIME_DAYS)
    days = int(config["minRemainingDays"])
    needed = now + timedelta(days=days)
    expiries: dict[str, datetime | None] = {}
    for key in view.of_type(kinds.TEMPORAL_API_KEY):
        expiries[key.urn] = None
        with report.deciding(key.label, key.urn):
            expires = _expiry(key, report)
            expiries[key.urn] = expires
            if expires is not None and expires > latest:
                report.violation(
                    f"{key.label}: expires at {_stamp(expires)}, beyond Temporal Cloud's maximum "
                    f"key lifetime of {TEMPORAL_API_KEY_MAX_LIFETIME_DAYS} days (2 years): at "
                    f"most {_stamp(latest)}; the API refuses it",
                    key.urn,
                )
    for namespace in view.of_type(kinds.TEMPORAL_NAMESPACE):
        with report.deciding(namespace.label, namespace.urn):
            if as_bool(namespace.get("apiKeyAuth")) is not True:
                continue  # mTLS only: no key to keep fresh
            keys = _keys_of(view, namespace)
            if any(k.urn in expiries and expiries[k.urn] is None for k in keys):
                continue  # a key with an unreadable expiry is already reported or undecided
            known = [e for k in keys if (e := expiries.get(k.urn)) is not None]
            if not any(e >= needed for e in known):
                last = f"the last expires at {_stamp(max(known))}" if known else "it has none"
                report.violation(
                    f"{namespace.label}: no API key valid for at least {days} days (until "
                    f"{_stamp(needed)}); {last}: add a key generation to temporal.api_keys "
                    "(docs/operations.md, Temporal API keys)",
                    namespace.urn,
                )


POLICY = stack_policy(
    name=NAME,
    description=(
        "Temporal Cloud API keys expire within the API's 2-year maximum, and every namespace that "
        "authenticates with API keys holds one valid for at least 30 days (configurable)."
    ),
    level=MANDATORY,
    anchors=ANCHORS,
    check=check,
    knobs=KNOBS,
    remediation="Add a key generation to temporal.api_keys in Pulumi.<env>.yaml (expiring within "
    "2 years), deploy, then remove the oldest generation (docs/operations.md, Temporal API keys).",
)
