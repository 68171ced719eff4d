"""Policies of the 'k8s' group."""
