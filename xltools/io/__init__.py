"""Layer 3, input and output: the bounded .xlsx reader, filling a template, JSON forms, atomic outputs,
the LibreOffice engine."""
