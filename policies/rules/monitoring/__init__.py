"""Policies of the 'monitoring' group: what operating a tenant needs (alerts, SLOs, backups)."""
