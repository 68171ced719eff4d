"""Monthly cost estimates from the offline plan and the pricing catalogue in `pricing/`."""
