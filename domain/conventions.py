"""Facts the components build and the policies check, in one place (the domain imports no Pulumi,
so both layers can read them)."""

from __future__ import annotations

# Kubernetes labels of tenant objects; GCP resources carry plain tenant/tier/environment labels.
TENANT_LABEL = "tenancy.io/tenant"
TIER_LABEL = "tenancy.io/tier"
LIMITS_LABEL = "tenancy.io/limits"  # free tenants' limits ConfigMaps, read by the shared services

# The database flags every Cloud SQL PostgreSQL instance sets (Checkov CKV_GCP_51..57 and
# CKV_GCP_108..111: what PostgreSQL must log).
POSTGRES_FLAGS: dict[str, str] = {
    "log_checkpoints": "on",
    "log_connections": "on",
    "log_disconnections": "on",
    "log_lock_waits": "on",
    "log_min_messages": "error",
    "log_min_error_statement": "error",
    "log_temp_files": "0",
    "log_min_duration_statement": "-1",
    "log_hostname": "on",
    "log_statement": "ddl",
    # pgAudit logs nothing until pgaudit.log is set and CREATE EXTENSION pgaudit has run (the
    # migrations do that): https://cloud.google.com/sql/docs/postgres/pg-audit
    "cloudsql.enable_pgaudit": "on",
    "pgaudit.log": "ddl,role,write",
    # The services log in as their IAM service account (no password, no cloudsqlsuperuser).
    "cloudsql.iam_authentication": "on",
}
# The ones policy sql-require-postgres-log-flags requires by default (CKV_GCP_51..54, 56, 57).
POLICY_POSTGRES_FLAGS = (
    "log_checkpoints",
    "log_connections",
    "log_disconnections",
    "log_lock_waits",
    "log_temp_files",
    "log_min_duration_statement",
)

# Temporal Cloud's namespace retention, days (the tier knobs and the self-hosted provider too).
TEMPORAL_RETENTION_DAYS = (1, 90)
# KMS keys rotate at least this often (Checkov CKV_GCP_43: at most every 90 days).
KMS_ROTATION_DAYS = (1, 90)
# Temporal Cloud API keys: every namespace always holds a key valid at least this many days
# (temporal-bound-api-keys), and each key generation outlives the one before by at least as much,
# so a rotation always has that long to switch the workers. Thirty days is when Temporal Cloud
# sends its first expiry notice (https://docs.temporal.io/cloud/api-keys: "30, 20, and 10 days").
TEMPORAL_API_KEY_MIN_REMAINING_DAYS = 30
