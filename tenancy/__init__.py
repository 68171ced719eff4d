"""Tenancy: the registry, stack model, offline plan engine and CLI of the multi-tenant platform."""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PULUMI_PROJECT = "tenancy"
