"""Layer 2, the form: the layouts of every released template version (the registry), identification,
the tamper check and the one verdict per workbook. Pure over a read-only view of a workbook."""
