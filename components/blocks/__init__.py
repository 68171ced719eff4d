"""Building blocks shared by the tiers (never copied between them)."""
