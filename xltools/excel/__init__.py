"""Shell: Excel itself — the template builder, the VBA project writer and the xlwings add-in."""
