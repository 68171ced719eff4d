"""Policies of the 'gcs' group."""
