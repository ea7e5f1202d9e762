"""The template's cell shading, shared by the template builder and the add-in (which restores it)
without importing XlsxWriter."""

INPUT_FILL = "#FFF8D0"     # light yellow: type here
FORMULA_FILL = "#DDEBF7"   # light blue: computed by the template
WARN_FILL = "#FCE4D6"      # light red: missing or out of range
