"""The VBA source of the template's macros (``*.bas``), installed with the package as ``xltools.macros``."""
