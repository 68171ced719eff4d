"""Pulumi components: tiers compose building blocks."""
