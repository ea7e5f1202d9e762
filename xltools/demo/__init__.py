"""Shell: the demo data for the whole district and ``xltools demo``."""
