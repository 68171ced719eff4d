"""Policies of the 'gke' group."""
