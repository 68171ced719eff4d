"""sql-require-tls: Cloud SQL refuses unencrypted connections."""

from __future__ import annotations

from policies.lib import kinds
from policies.lib.anchors import checkov
from policies.lib.config import ALLOWED_SSL_MODES, Config
from policies.lib.policy import MANDATORY, resource_policy
from policies.lib.reporting import Report
from policies.lib.resources import Subject

NAME = "sql-require-tls"
# Related, not mirrored: Checkov's CKV_GCP_6 passes PostgreSQL only with
# TRUSTED_CLIENT_CERTIFICATE_REQUIRED (or the removed require_ssl); this rule also accepts
# ENCRYPTED_ONLY, which the Cloud SQL Auth Proxy and connectors satisfy.
ANCHORS = (
    checkov(
        "CKV_GCP_6",
        "Ensure all Cloud SQL database instance requires all incoming connections to use SSL",
        related=True,
    ),
)
KNOBS = (ALLOWED_SSL_MODES,)


def check(instance: Subject, report: Report, config: Config) -> None:
    allowed = list(config["allowedSslModes"])
    mode = instance.get("settings.ipConfiguration.sslMode")
    if mode not in allowed:
        report.violation(
            f"{instance.label}: settings.ipConfiguration.sslMode is {mode!r}; allowed: "
            f"{', '.join(allowed)}"
        )


POLICY = resource_policy(
    name=NAME,
    description="Cloud SQL instances require TLS (sslMode in the allowed modes).",
    level=MANDATORY,
    anchors=ANCHORS,
    applies_to={kinds.SQL_INSTANCE},
    check=check,
    knobs=KNOBS,
    remediation="Set settings.ipConfiguration.sslMode = 'ENCRYPTED_ONLY' (or "
    "TRUSTED_CLIENT_CERTIFICATE_REQUIRED).",
)
