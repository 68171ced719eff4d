"""One policy per module, grouped by service; ``policies.pack`` discovers them."""
