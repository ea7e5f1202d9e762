"""Shell: the district's run — discover, per-file processing, duplicates, the result model and the summary."""
